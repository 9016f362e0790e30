//! `fluxfleet promote`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// [app|ns] NAME
    #[arg(num_args = 1..=2, value_names = ["KIND", "NAME"], required = true)]
    pub target: Vec<String>,
    /// Clusters to reference it from: C,... or all.
    #[arg(long)]
    pub to: Option<String>,
    /// Generate an overlay for each target cluster first, and reference it.
    #[arg(long)]
    pub overlay: bool,
    /// Also promote the app's namespace where it is missing.
    #[arg(long)]
    pub with_namespace: bool,
    /// Move a namespace into this named set instead of its own directory.
    #[arg(long)]
    pub set: Option<String>,
    /// Write a Markdown pull request description to FILE.
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<std::path::PathBuf>,
}

pub fn run(_args: PromoteArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("promote is not implemented yet"))
}

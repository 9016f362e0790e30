//! `fluxfleet demote`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct DemoteArgs {
    /// [app|ns] NAME
    #[arg(num_args = 1..=2, value_names = ["KIND", "NAME"], required = true)]
    pub target: Vec<String>,
    /// Clusters to remove it from: C,... or all.
    #[arg(long)]
    pub from: Option<String>,
    /// Write a Markdown pull request description to FILE.
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<std::path::PathBuf>,
}

pub fn run(_args: DemoteArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("demote is not implemented yet"))
}

//! `fluxfleet status`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print a Markdown table.
    #[arg(long)]
    pub markdown: bool,
    /// Only this cluster.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Only apps or only namespaces: app|ns.
    #[arg(long)]
    pub kind: Option<String>,
}

pub fn run(_args: StatusArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("status is not implemented yet"))
}

//! `fluxfleet make-common`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct MakeCommonArgs {
    /// app|ns
    pub kind: String,
    /// The app or namespace.
    pub name: String,
    /// Make an app common even though some cluster uses an overlay of it.
    #[arg(long)]
    pub force: bool,
    /// Write a Markdown pull request description to FILE.
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<std::path::PathBuf>,
}

pub fn run(_args: MakeCommonArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("make-common is not implemented yet"))
}

//! `fluxfleet init`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write the layout into (default: the current directory).
    pub dir: Option<std::path::PathBuf>,
    /// The clusters: C,... (asked for on a terminal when left out).
    #[arg(long)]
    pub clusters: Option<String>,
    /// Overwrite files whose content differs from what init writes.
    #[arg(long)]
    pub force: bool,
}

pub fn run(_args: InitArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("init is not implemented yet"))
}

//! `fluxfleet check`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also render every cluster entrypoint with kubectl kustomize (or kustomize).
    #[arg(long)]
    pub build: bool,
}

pub fn run(_args: CheckArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("check is not implemented yet"))
}

//! `fluxfleet where`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct WhereArgs {
    /// The app or namespace.
    pub name: String,
}

pub fn run(_args: WhereArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("where is not implemented yet"))
}

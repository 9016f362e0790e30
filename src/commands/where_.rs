//! `fluxfleet where`.

use clap::Args;

use crate::context::Context;
use crate::error::Result;
use crate::fleet::{lookup, Fleet};

#[derive(Debug, Args)]
pub struct WhereArgs {
    /// The app or namespace.
    pub name: String,
}

pub fn run(args: WhereArgs, ctx: &mut Context) -> Result<()> {
    let root = Fleet::locate(&ctx.start_dir()?);
    let fleet = Fleet::read(&root)?;
    let found = lookup(&fleet, &args.name)?;
    ctx.shell.data(&found.render())
}

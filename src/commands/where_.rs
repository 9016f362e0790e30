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
    crate::apply::recover(ctx, &root, crate::apply::Intent::Read)?;
    let fleet = Fleet::read_for_name(&root, &args.name)?;
    let found = match lookup(&fleet, &args.name) {
        Ok(found) => found,
        // The closest names need every app; reading them all is for this rare path only.
        Err(_) => lookup(&Fleet::read(&root)?, &args.name)?,
    };
    ctx.shell.data(&crate::report::where_::render(&found))
}

//! `fluxfleet where`.

use clap::Args;

use super::context::Context;
use crate::error::Result;
use crate::fleet::{lookup, Fleet, ReadPlan};
use crate::session::Intent;

#[derive(Debug, Args)]
pub struct WhereArgs {
    /// The app, namespace, controller or policy.
    pub name: String,
}

pub fn run(args: WhereArgs, ctx: &mut Context) -> Result<()> {
    if args.name.trim().is_empty() {
        return Err(crate::error::Error::Usage(
            "where needs a NAME: an app, namespace, controller or policy".into(),
        ));
    }
    let root = Fleet::locate(&ctx.session.start_dir()?);
    ctx.session.recover(&root, Intent::Read)?;
    let fleet = Fleet::read(&root, ReadPlan::About(&args.name))?;
    let found = match lookup(&fleet, &args.name) {
        Ok(found) => found,
        // The closest names need every app; reading them all is for this rare path only.
        Err(_) => lookup(&Fleet::read(&root, ReadPlan::Whole)?, &args.name)?,
    };
    ctx.session
        .shell
        .data(&crate::report::where_::render(&found))
}

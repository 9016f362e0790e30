//! `fluxfleet enforce policy NAME` and `fluxfleet audit policy NAME`.

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::{Kind, Mode};
use crate::names;
use crate::plan::mode::{self, ModeOptions};
use crate::session::Workspace;

#[derive(Debug, Args)]
pub struct ModeArgs {
    #[command(flatten)]
    pub subject: crate::cli::SubjectArgs,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: ModeArgs, wanted: Mode, ctx: &mut Context) -> Result<()> {
    let (kind, name) = names::subject(&args.subject.words())?;
    if kind.is_some_and(|k| k != Kind::Policy) {
        return Err(Error::Usage(format!(
            "`{}` switches policies only: write `{} policy NAME`",
            mode::verb(wanted),
            mode::verb(wanted)
        )));
    }
    names::check(names::NameKind::Policy, &name)?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let options = ModeOptions {
        name: name.clone(),
        mode: wanted,
    };
    let change = mode::plan(&workspace.fleet, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

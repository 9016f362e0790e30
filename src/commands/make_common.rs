//! `fluxfleet make-common app|ns NAME`.

use clap::Args;

use super::context::Context;
use crate::error::Result;
use crate::names::{self, NameKind};
use crate::plan::make_common::{self, MakeCommonOptions};
use crate::plan::subject::Kind;

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet make-common app foo-app     # listed in apps/common
  fluxfleet make-common ns foo          # ns-foo.yaml moves into the common set")]
pub struct MakeCommonArgs {
    /// app|ns
    pub kind: String,
    /// The app or namespace.
    pub name: String,
    /// Make an app common even though some cluster uses an overlay of it.
    #[arg(long)]
    pub force: bool,
    /// Refuse to make an app common while its namespace does not reach every cluster that
    /// imports apps/common, rather than bring the namespace along (the default).
    #[arg(long)]
    pub no_namespace: bool,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: MakeCommonArgs, ctx: &mut Context) -> Result<()> {
    let kind = names::parse_kind(&args.kind)?;
    let name_kind = match kind {
        Kind::App => NameKind::App,
        Kind::Namespace => NameKind::Namespace,
        Kind::Controller => NameKind::Controller,
        Kind::Policy => return Err(crate::plan::promote_policy::not_common(&args.name)),
    };
    names::check(name_kind, &args.name)?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let options = MakeCommonOptions {
        kind,
        name: args.name.clone(),
        force: args.force,
        no_namespace: args.no_namespace,
    };
    let change = make_common::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish_common(&mut ctx.session, &change, kind, &args.name)
}

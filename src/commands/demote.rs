//! `fluxfleet demote [app|ns|controller] NAME --from C,...`.

use clap::Args;

use super::context::Context;
use crate::error::Result;
use crate::names;
use crate::plan::demote::{self, DemoteOptions};
use crate::plan::subject;

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet demote foo-app --from prod
  fluxfleet demote ns foo --from test
  fluxfleet demote controller kyverno --from dev --dry-run")]
pub struct DemoteArgs {
    #[command(flatten)]
    pub subject: crate::cli::SubjectArgs,
    /// Clusters to remove it from: C,... or all.
    #[arg(long)]
    pub from: Option<String>,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: DemoteArgs, ctx: &mut Context) -> Result<()> {
    let (kind, name) = names::subject(&args.subject.words())?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let from = ctx.list_or_ask(
        args.from,
        "--from",
        &format!("Demote {name} from which clusters?"),
        &workspace.fleet.cluster_names(),
    )?;
    let fleet = &workspace.fleet;
    let options = DemoteOptions {
        kind: subject::resolve(fleet, kind, &name)?,
        from: names::clusters(&from, &fleet.cluster_names(), "--from")?,
        name: name.clone(),
    };
    let change = demote::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

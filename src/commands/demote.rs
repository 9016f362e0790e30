//! `fluxfleet demote [app|ns|controller] NAME --from C,...`.

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
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
    let fleet = &workspace.fleet;
    let kind = subject::resolve(fleet, kind, &name)?;
    if kind == crate::fleet::Kind::Policy {
        return Err(crate::plan::promote_policy::not_demoted(&name));
    }
    // Offered: the clusters that run it.
    let running = fleet.placements_of(kind, &name).unwrap_or_default();
    let offered: Vec<String> = running.keys().cloned().collect();
    if args.from.is_none() && offered.is_empty() && ctx.prompter.interactive() {
        return Err(Error::refused(format!(
            "{} {name} runs in no cluster: there is nothing to demote",
            kind.noun()
        )));
    }
    let from = ctx.list_or_ask(
        args.from,
        "--from",
        &format!("Demote {name} from which clusters?"),
        &offered,
    )?;
    let options = DemoteOptions {
        kind,
        from: names::clusters(&from, &fleet.cluster_names(), "--from")?,
        name: name.clone(),
    };
    let change = demote::plan(fleet, &workspace.templates, &options)?;
    let leaving: Vec<&str> = options
        .from
        .iter()
        .filter(|c| running.contains_key(*c))
        .map(String::as_str)
        .collect();
    // Removing is deleting: Flux prunes it. The warning is always printed; on a terminal the
    // user confirms first (--yes skips the question), unless nothing is written anyway.
    if !leaving.is_empty() && !ctx.session.options.dry_run && ctx.prompter.interactive() {
        let question = format!(
            "Remove {} {name} from {}? Flux then deletes it there (prune: true)",
            kind.noun(),
            leaving.join(", ")
        );
        if !ctx.confirm(false, &question)? {
            return Err(Error::Cancelled);
        }
    }
    workspace.finish(&mut ctx.session, &change, &name)
}

//! `fluxfleet promote [app|ns|controller] NAME --to C,...|all`.

use clap::Args;

use super::context::Context;
use crate::error::Result;
use crate::fleet::Kind;
use crate::names::{self, NameKind};
use crate::plan::promote::{self, OverlayValues, PromoteOptions};
use crate::plan::promote_policy::{self, PromotePolicyOptions};
use crate::plan::subject;
use crate::plan::values;

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet promote app foo-app --to prod
  fluxfleet promote foo-app --to dev,prod            # the kind is needed only when ambiguous
  fluxfleet promote ns foo --to prod
  fluxfleet promote controller kyverno --to all
  fluxfleet promote policy deny-latest-tag --to shared
  fluxfleet promote foo-app --to prod --overlay --replicas 3
  fluxfleet promote foo-app --to prod --pr           # push, then open the pull request")]
pub struct PromoteArgs {
    #[command(flatten)]
    pub subject: crate::cli::SubjectArgs,
    /// Clusters to reference it from: C,... or all; for a policy, the stage to move it to.
    #[arg(long)]
    pub to: Option<String>,
    /// Refuse to promote an app whose namespace does not reach a target cluster, rather than
    /// bring the namespace along (the default, as `promote ns` would).
    #[arg(long)]
    pub no_namespace: bool,
    /// Bring the app's namespace along: the default, kept for scripts written before it was.
    #[arg(long, hide = true, conflicts_with = "no_namespace")]
    pub with_namespace: bool,
    /// Generate (or update) an overlay for each target cluster first, and reference it.
    #[arg(long)]
    pub overlay: bool,
    /// With --overlay: replicas in the target clusters.
    #[arg(long, requires = "overlay")]
    pub replicas: Option<u32>,
    /// With --overlay: image in the target clusters.
    #[arg(long, requires = "overlay")]
    pub image: Option<String>,
    /// With --overlay: an environment variable KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE", requires = "overlay")]
    pub env: Vec<String>,
    /// Move a namespace into this named set instead of its own directory.
    #[arg(long)]
    pub set: Option<String>,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: PromoteArgs, ctx: &mut Context) -> Result<()> {
    let (kind, name) = names::subject(&args.subject.words())?;
    if let Some(set) = &args.set {
        names::check(NameKind::Set, set)?;
    }
    values::check_given_image(args.image.as_deref())?;
    args.replicas.map_or(Ok(()), values::replicas)?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let kind = subject::resolve(&workspace.fleet, kind, &name)?;
    if kind == Kind::Policy {
        return policy(args, name, workspace, ctx);
    }
    // Offered: the clusters that do not run it yet.
    let running = workspace
        .fleet
        .placements_of(kind, &name)
        .unwrap_or_default();
    let offered: Vec<String> = workspace
        .fleet
        .cluster_names()
        .into_iter()
        .filter(|c| !running.contains_key(c))
        .collect();
    if args.to.is_none() && offered.is_empty() && ctx.prompter.interactive() {
        return Err(crate::error::Error::refused(format!(
            "{} {name} runs in every cluster already: there is no cluster to promote it to",
            kind.noun()
        )));
    }
    let to = ctx.list_or_ask(
        args.to,
        "--to",
        &format!("Promote {name} to which clusters?"),
        &offered,
    )?;
    let fleet = &workspace.fleet;
    let options = PromoteOptions {
        kind,
        to: names::clusters(&to, &fleet.cluster_names(), "--to")?,
        name: name.clone(),
        no_namespace: args.no_namespace,
        overlay: match args.overlay {
            true => Some(OverlayValues {
                replicas: args.replicas,
                image: args.image,
                env: values::env_pairs(&args.env)?,
            }),
            false => None,
        },
        set: args.set,
    };
    let change = promote::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

/// `promote policy NAME --to STAGE`: `--to` names a stage, asked for among the fleet's stages.
fn policy(args: PromoteArgs, name: String, workspace: Workspace, ctx: &mut Context) -> Result<()> {
    if args.overlay || args.set.is_some() || args.with_namespace {
        return Err(crate::error::Error::Usage(
            "--overlay, --set and --with-namespace apply to apps and namespaces, not policies"
                .into(),
        ));
    }
    let stages: Vec<String> = workspace
        .fleet
        .stages()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let to = ctx.choice_or_ask(
        args.to,
        "--to",
        &format!("Promote policy {name} to which stage?"),
        &stages,
    )?;
    let options = PromotePolicyOptions {
        name: name.clone(),
        to,
    };
    let change = promote_policy::plan(&workspace.fleet, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

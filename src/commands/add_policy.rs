//! `fluxfleet add-policy`.

use std::path::PathBuf;

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::names::{self, NameKind};
use crate::plan::add_policy::{self, AddPolicyOptions, GivenPolicy};
use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet add-policy deny-latest-tag --stage test-only --clusters test
  fluxfleet add-policy require-labels --stage shared --from require-labels.yaml")]
pub struct AddPolicyArgs {
    /// Name of the policy (an RFC 1123 label): its metadata.name.
    pub name: Option<String>,
    /// The rollout stage: test-only, shared, prod, or a new one.
    #[arg(long)]
    pub stage: Option<String>,
    /// Your own Kyverno policy file, kept byte for byte, instead of the template.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Clusters that import a new stage: C,... or all (a new `shared` stage: every cluster).
    #[arg(long)]
    pub clusters: Option<String>,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: AddPolicyArgs, ctx: &mut Context) -> Result<()> {
    names::check_given(NameKind::Policy, args.name.as_deref())?;
    names::check_given(NameKind::Stage, args.stage.as_deref())
        .map_err(|e| names::in_flag(e, "--stage"))?;
    let from = match &args.from {
        Some(path) => Some(read_given(&ctx.session.start_dir()?.join(path), path)?),
        None => None,
    };
    let workspace = Workspace::open(&mut ctx.session)?;
    let name = ctx.checked_or_ask(args.name, "NAME", "Name of the policy", None, |name| {
        names::check(NameKind::Policy, name)
    })?;
    let stage = ctx.checked_or_ask(
        args.stage,
        "--stage",
        &format!("Stage of policy {name} (e.g. test-only, shared, prod)"),
        Some("test-only"),
        |stage| names::check(NameKind::Stage, stage).map_err(|e| names::in_flag(e, "--stage")),
    )?;
    let known = workspace.fleet.cluster_names();
    let is_new = workspace.fleet.stage(&stage).is_none();
    let clusters = match args.clusters {
        Some(spec) => Some(names::clusters(&spec, &known, "--clusters")?),
        None if is_new && stage != add_policy::SHARED_STAGE && ctx.prompter.interactive() => {
            let spec = ctx.list_or_ask(
                None,
                "--clusters",
                &format!("Clusters that import the new stage {stage}"),
                &known,
            )?;
            Some(names::clusters(&spec, &known, "--clusters")?)
        }
        None => None,
    };
    let options = AddPolicyOptions {
        name: name.clone(),
        stage,
        from,
        clusters,
    };
    let change = add_policy::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

/// The user's policy file, as UTF-8 text.
fn read_given(path: &std::path::Path, shown: &std::path::Path) -> Result<GivenPolicy> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(shown, e))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::refused(format!(
            "{}: not UTF-8 text; expected a Kyverno policy in YAML",
            shown.display()
        ))
    })?;
    Ok(GivenPolicy {
        shown: shown.display().to_string(),
        text,
    })
}

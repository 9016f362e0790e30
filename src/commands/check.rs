//! `fluxfleet check`.

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::{build, check, sort_findings, Fleet, ReadPlan, Renderer, Severity};
use crate::session::Intent;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 1 when any finding is an error, or when no cluster is \
found; warnings alone exit 0, or 1 with --strict.\n\nExamples:
  fluxfleet check
  fluxfleet check --build --strict       # render every cluster too; warnings fail"
)]
pub struct CheckArgs {
    /// Also render every cluster entrypoint with kubectl kustomize (or kustomize).
    #[arg(long)]
    pub build: bool,

    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: CheckArgs, ctx: &mut Context) -> Result<()> {
    let root = Fleet::locate(&ctx.session.start_dir()?);
    ctx.session.recover(&root, Intent::Read)?;
    let fleet = Fleet::read(&root, ReadPlan::Whole)?;
    if fleet.clusters().is_empty() {
        return Err(Error::refused(format!(
            "no clusters found in {}: looked for clusters/<name>/ holding a kustomization.yaml \
             or manifests (the layout fluxfleet init writes); run check in the fleet's \
             repository (-C DIR), or create one with fluxfleet init",
            root.display()
        )));
    }
    let mut findings = check(&fleet)?;
    if args.build {
        match Renderer::find() {
            Some(renderer) => findings.extend(build(&fleet, &renderer)),
            None => ctx
                .session
                .shell
                .warn("--build: neither kubectl nor kustomize is on PATH; nothing was rendered")?,
        }
        sort_findings(&fleet, &mut findings);
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let color = ctx.session.shell.out_color();
    ctx.session
        .shell
        .data(&crate::report::finding::render(&findings, color))?;
    let warnings = findings.len() - errors;
    ctx.session.shell.status(&format!(
        "checked {} clusters, {} apps, {} namespaces: {errors} error(s), {warnings} warning(s)",
        fleet.clusters().len(),
        fleet.apps().len(),
        fleet.names(crate::fleet::Kind::Namespace).len(),
    ))?;
    if errors > 0 {
        return Err(Error::Findings(errors));
    }
    if args.strict && warnings > 0 {
        return Err(Error::Findings(warnings));
    }
    Ok(())
}

//! `fluxfleet check`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::fleet::{build, check, Fleet, Renderer, Severity};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also render every cluster entrypoint with kubectl kustomize (or kustomize).
    #[arg(long)]
    pub build: bool,
}

pub fn run(args: CheckArgs, ctx: &mut Context) -> Result<()> {
    let root = Fleet::locate(&ctx.start_dir()?);
    crate::apply::recover(ctx, &root, crate::apply::Intent::Read)?;
    let fleet = Fleet::read_deep(&root)?;
    let mut findings = check(&fleet);
    if args.build {
        match Renderer::find() {
            Some(renderer) => findings.extend(build(&fleet, &renderer)),
            None => ctx
                .shell
                .warn("--build: neither kubectl nor kustomize is on PATH; nothing was rendered")?,
        }
        findings.sort();
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let color = ctx.shell.out_color();
    ctx.shell
        .data(&crate::report::finding::render(&findings, color))?;
    let warnings = findings.len() - errors;
    ctx.shell.status(&format!(
        "checked {} clusters, {} apps, {} namespaces: {errors} error(s), {warnings} warning(s)",
        fleet.clusters().len(),
        fleet.apps().len(),
        fleet.names(crate::fleet::Kind::Namespace).len(),
    ))?;
    if errors > 0 {
        return Err(Error::Findings(errors));
    }
    Ok(())
}

//! `fluxfleet check`.

use clap::Args;
use console::Style;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::{build, check, Fleet, ReadPlan, Renderer, Severity};
use crate::session::Intent;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also render every cluster entrypoint with kubectl kustomize (or kustomize).
    #[arg(long)]
    pub build: bool,
}

pub fn run(args: CheckArgs, ctx: &mut Context) -> Result<()> {
    let root = Fleet::locate(&ctx.session.start_dir()?);
    ctx.session.recover(&root, Intent::Read)?;
    let fleet = Fleet::read(&root, ReadPlan::Whole)?;
    let mut findings = check(&fleet)?;
    if args.build {
        match Renderer::find() {
            Some(renderer) => findings.extend(build(&fleet, &renderer)),
            None => ctx
                .session
                .shell
                .warn("--build: neither kubectl nor kustomize is on PATH; nothing was rendered")?,
        }
        findings.sort();
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    for finding in &findings {
        let style = match finding.severity {
            Severity::Error => Style::new().red().bold(),
            Severity::Warning => Style::new().yellow().bold(),
        };
        let label = ctx.session.shell.paint(finding.label(), style);
        let text = finding.to_string();
        let rest = text.strip_prefix(finding.label()).unwrap_or(&text);
        ctx.session.shell.data(&format!("{label}{rest}\n"))?;
    }
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
    Ok(())
}

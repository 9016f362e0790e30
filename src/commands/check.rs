//! `fluxfleet check`.

use std::io::IsTerminal;
use std::path::Path;

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::{self, build, check, sort_findings, Fleet, ReadPlan, Renderer, Severity};
use crate::rendered::NO_RENDERER;
use crate::report::finding::{self, Checked};
use crate::session::Intent;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 1 when any finding is an error, when no cluster is found, or \
when --build finds neither kustomize nor kubectl; warnings alone exit 0, or 1 with --strict. The \
last line on stderr counts the errors and warnings.\n\nExamples:
  fluxfleet check
  fluxfleet check --build --strict       # render every cluster too; warnings fail
  fluxfleet check --json | jq '.findings[] | select(.severity == \"error\")'"
)]
pub struct CheckArgs {
    /// Also render every cluster entrypoint with kubectl kustomize (or kustomize).
    #[arg(long)]
    pub build: bool,

    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,

    /// Print the findings as JSON: file, line, rule, severity, message, fix.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: CheckArgs, ctx: &mut Context) -> Result<()> {
    // Asked to render and unable to: a check that rendered nothing must not pass for one that
    // did.
    let renderer = match args.build {
        true => Some(Renderer::find().ok_or_else(|| {
            Error::refused(format!(
                "--build: {NO_RENDERER}; or run check without --build"
            ))
        })?),
        false => None,
    };
    let root = Fleet::locate(&ctx.session.start_dir()?);
    ctx.session.recover(&root, Intent::Read)?;
    let fleet = Fleet::read(&root, ReadPlan::Whole)?;
    ctx.session.tell_read(&fleet)?;
    if fleet.clusters().is_empty() {
        return Err(Error::refused(fleet::no_clusters(&root)));
    }
    let mut findings = check(&fleet)?;
    if let Some(renderer) = renderer {
        ctx.session.shell.detail(&format!(
            "Rendering {} cluster entrypoints and their lists: {}",
            fleet.clusters().len(),
            renderer.describe(Path::new("DIR"))
        ))?;
        findings.extend(build(&fleet, &renderer));
        sort_findings(&fleet, &mut findings);
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let fails = errors > 0 || (args.strict && warnings > 0);
    let checked = Checked {
        clusters: fleet.clusters().len(),
        apps: fleet.apps().len(),
        namespaces: fleet.names(crate::fleet::Kind::Namespace).len(),
        errors,
        warnings,
        passed: !fails,
    };
    let out = match args.json {
        true => finding::json(&findings, checked, std::io::stdout().is_terminal()),
        false => finding::render(&findings, ctx.session.shell.out_color()),
    };
    ctx.session.shell.data(&out)?;
    let summary = format!(
        "checked {} clusters, {} apps, {} namespaces: {}, {}{}",
        checked.clusters,
        checked.apps,
        checked.namespaces,
        count(errors, "error"),
        count(warnings, "warning"),
        match errors == 0 && fails {
            true => " (--strict: warnings fail)",
            false => "",
        }
    );
    match fails {
        true => Err(Error::Findings(summary)),
        false => ctx.session.shell.status(&summary),
    }
}

/// `1 error`, `3 errors`, `0 errors`.
fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

//! `fluxfleet status`.

use std::io::IsTerminal;

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::{self, Fleet, Kind, ReadPlan, Renderer};
use crate::names;
use crate::rendered::{self, NO_RENDERER};
use crate::report::{self, Filter, Matrix};
use crate::session::Intent;

#[derive(Debug, Args)]
#[command(
    after_help = "Clusters are listed in promotion order: as .fluxfleet.yaml lists them \
(init --clusters writes it, add-cluster appends), then the others by the stage their name tells \
(dev, development, local; test, testing, qa, uat, int; staging, stage, preprod; other names; \
prod, production; prod-eu counts as prod), alphabetical within a stage.\n\nA table wider than the terminal \
continues below: the clusters that do not fit get a block of their own (--wide keeps every \
cluster on one line). COLUMNS sets the width; output to a file or a pipe is not wrapped unless \
COLUMNS is set.\n\nExamples:
  fluxfleet status
  fluxfleet status --kind app --cluster dev,prod
  fluxfleet status --versions                  # image tags and chart versions per cluster
  fluxfleet status --json | jq -r '.apps[].name'
  fluxfleet status --markdown > status.md"
)]
pub struct StatusArgs {
    /// Print JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print a Markdown table.
    #[arg(long)]
    pub markdown: bool,
    /// Only these clusters: C,... (or the flag repeated), shown in promotion order.
    #[arg(long, value_name = "C,...")]
    pub cluster: Vec<String>,
    /// Only one kind: app|ns|controller|policy.
    #[arg(long)]
    pub kind: Option<String>,
    /// Show what version runs where: image tags, and chart versions with the image tags a
    /// HelmRelease's values set beside them (6.5.0 (image 6.5.1)), per cluster, rendered
    /// (kustomize, or kubectl kustomize) from the overlay or base the cluster references.
    #[arg(long, conflicts_with = "markdown")]
    pub versions: bool,
    /// Never wrap the table: every cluster on one line, however wide.
    #[arg(long)]
    pub wide: bool,
}

/// Parses `--kind`: `app`/`apps`, `ns`/`namespace`/`namespaces` or `controller`/`controllers`.
pub(crate) fn parse_kind(kind: &str) -> Result<Kind> {
    names::kind(kind).ok_or_else(|| {
        Error::Usage(format!(
            "--kind takes app, ns, controller or policy, not {kind:?}"
        ))
    })
}

pub fn run(args: StatusArgs, ctx: &mut Context) -> Result<()> {
    let kind = args.kind.as_deref().map(parse_kind).transpose()?;
    let renderer = match args.versions {
        true => Some(versions_renderer(kind)?),
        false => None,
    };
    let root = Fleet::locate(&ctx.session.start_dir()?);
    ctx.session.recover(&root, Intent::Read)?;
    let fleet = Fleet::read(&root, ReadPlan::Whole)?;
    ctx.session.tell_read(&fleet)?;
    let clusters = match args.cluster.is_empty() {
        true => Vec::new(),
        false => names::clusters(&args.cluster.join(","), &fleet.cluster_names(), "--cluster")?,
    };
    let filter = Filter {
        clusters,
        kind,
        names: None,
    };
    if fleet.clusters().is_empty() {
        ctx.session.shell.warn(&fleet::no_clusters(&root))?;
    }
    let matrix = Matrix::new(&fleet, &filter)?;
    if matrix.rows().is_empty() && !args.json && !fleet.clusters().is_empty() {
        let message = match fleet.layout() {
            fleet::Layout::Fluxfleet | fleet::Layout::Other => format!(
                "no apps (apps/<name>/), namespaces (infrastructure/namespaces/<set>/) or \
                 controllers (infrastructure/controllers/<name>/) to show; clusters: {}",
                fleet.cluster_names().join(", ")
            ),
            fleet::Layout::Discovered => format!(
                "nothing reaches the clusters {} through what their Flux reconciles",
                fleet.cluster_names().join(", ")
            ),
        };
        ctx.session.shell.status(&message)?;
    }
    let width = if args.wide { None } else { width() };
    if let Some(renderer) = renderer {
        return versions(&matrix, &renderer, args.json, width, ctx);
    }
    // Megabytes for a large fleet: written a few thousand rows at a time.
    let color = ctx.session.shell.out_color();
    let written = {
        let mut sink = |piece: &[u8]| ctx.session.shell.data_bulk(piece);
        if args.json {
            // Indented for a person at a terminal; one line for the programs that read it from
            // a pipe (a large fleet's matrix is megabytes of indentation otherwise).
            let pretty = std::io::stdout().is_terminal();
            report::json::write(&matrix, pretty, &mut sink).and_then(|()| sink(b"\n"))
        } else if args.markdown {
            sink(report::markdown::render(&matrix).as_bytes())
        } else {
            report::table::write_fitted(&matrix, color, width, &mut sink)
        }
    };
    super::leave_to_exit(matrix);
    super::leave_to_exit(fleet);
    written
}

/// The width to fit the table to: `COLUMNS` when set, else the terminal's; none when stdout is
/// no terminal (a file or a pipe to grep gets every cluster on one line).
fn width() -> Option<usize> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok());
    columns.filter(|&c: &usize| c > 0).or_else(|| {
        let term = console::Term::stdout();
        let (_, width) = term.size_checked()?;
        std::io::stdout()
            .is_terminal()
            .then_some(usize::from(width))
    })
}

/// The renderer `--versions` needs, and the kinds it shows.
fn versions_renderer(kind: Option<Kind>) -> Result<Renderer> {
    if let Some(kind @ (Kind::Namespace | Kind::Policy)) = kind {
        return Err(Error::Usage(format!(
            "--versions shows apps and controllers: a {} has no image or chart version",
            kind.noun()
        )));
    }
    Renderer::find().ok_or_else(|| Error::refused(format!("--versions: {NO_RENDERER}")))
}

/// `--versions`: renders the directory each app's and controller's cell brings in, and shows
/// their image tags and chart versions per cluster.
fn versions(
    matrix: &Matrix,
    renderer: &Renderer,
    json: bool,
    width: Option<usize>,
    ctx: &mut Context,
) -> Result<()> {
    let fleet = matrix.fleet();
    let dirs = report::versions::dirs(matrix);
    ctx.session.shell.detail(&format!(
        "Rendering {} directories: {}",
        dirs.len(),
        renderer.describe(std::path::Path::new("DIR"))
    ))?;
    let versions = rendered::versions::of_dirs(fleet.root(), renderer, dirs);
    let mut failed: Vec<(&std::path::PathBuf, &String)> = versions
        .iter()
        .filter_map(|(dir, found)| Some((dir, found.as_ref().err()?)))
        .collect();
    failed.sort();
    for (dir, error) in failed {
        let first = error.lines().next().unwrap_or_default();
        ctx.session.shell.warn(&format!(
            "{} did not render, so its versions show as ?: {first}",
            crate::paths::to_slash(dir)
        ))?;
    }
    if json {
        let pretty = std::io::stdout().is_terminal();
        let mut out = Vec::new();
        report::json::write_with(matrix, Some(&versions), pretty, &mut |piece| {
            out.extend_from_slice(piece);
            Ok(())
        })?;
        out.push(b'\n');
        return ctx.session.shell.data_bulk(&out);
    }
    let color = ctx.session.shell.out_color();
    ctx.session
        .shell
        .data(&report::versions::render(matrix, &versions, color, width))
}

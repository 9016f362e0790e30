//! `fluxfleet status`.

use std::io::IsTerminal;

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::{Fleet, Kind, ReadPlan};
use crate::names;
use crate::report::{self, Filter, Matrix};
use crate::session::Intent;

#[derive(Debug, Args)]
#[command(
    after_help = "Clusters are listed in promotion order: as .fluxfleet.yaml lists them \
(init --clusters writes it, add-cluster appends), then the others by the stage their name tells \
(dev, development, local; test, testing, qa, uat, int; staging, stage, preprod; other names; \
prod, production; prod-eu counts as prod), alphabetical within a stage.\n\nExamples:
  fluxfleet status
  fluxfleet status --kind app --cluster dev,prod
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
        ctx.session.shell.warn(&format!(
            "no clusters under {}/clusters: run `fluxfleet init`, or -C the fleet's directory",
            root.display()
        ))?;
    }
    let matrix = Matrix::new(&fleet, &filter)?;
    if matrix.rows().is_empty() && !args.json {
        ctx.session.shell.status(&format!(
            "no apps (apps/<name>/), namespaces (infrastructure/namespaces/<set>/) or \
             controllers (infrastructure/controllers/<name>/) to show; clusters: {}",
            fleet.cluster_names().join(", ")
        ))?;
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
            report::table::write(&matrix, color, &mut sink)
        }
    };
    // Tens of thousands of placements are freed by the process's exit at once; dropping them
    // one by one first made `status` 14% slower on the dense benchmark fleet (39 → 45 ms).
    std::mem::forget(matrix);
    std::mem::forget(fleet);
    written
}

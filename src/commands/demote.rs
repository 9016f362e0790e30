//! `fluxfleet demote [app|ns] NAME --from C,...`.

use std::path::PathBuf;

use clap::Args;

use crate::context::Context;
use crate::error::Result;
use crate::plan::demote::{self, DemoteOptions};
use crate::plan::subject;

use super::promotion;

#[derive(Debug, Args)]
pub struct DemoteArgs {
    /// [app|ns] NAME
    #[arg(num_args = 1..=2, value_names = ["KIND", "NAME"], required = true)]
    pub target: Vec<String>,
    /// Clusters to remove it from: C,... or all.
    #[arg(long)]
    pub from: Option<String>,
    /// Write a Markdown pull request description to FILE.
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<PathBuf>,
}

pub fn run(args: DemoteArgs, ctx: &mut Context) -> Result<()> {
    let (kind, name) = subject::parse(&args.target)?;
    let session = promotion::Session::open(ctx)?;
    let from = ctx.list_or_ask(
        args.from,
        "--from",
        &format!("Demote {name} from which clusters?"),
        &session.fleet.cluster_names(),
    )?;
    let options = DemoteOptions {
        kind,
        name: name.clone(),
        from,
    };
    let change = demote::plan(&session.fleet, &session.templates, &options)?;
    session.finish(ctx, &change, &name, args.pr_body.as_deref())
}

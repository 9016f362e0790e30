//! `fluxfleet diff`.

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::rendered::{self, MARKDOWN_LIMIT};
use crate::session::Intent;

#[derive(Debug, Args)]
#[command(
    after_help = "Only the clusters whose trees hold a changed file are rendered (kustomize \
build, else kubectl kustomize), following the Flux Kustomizations whose source is this \
repository; the others are listed as unchanged. Uncommitted changes count. Exit 0 whether or not \
anything changes.\n\nExamples:
  fluxfleet diff
  fluxfleet diff --base origin/main --markdown > comment.md
  fluxfleet diff --json"
)]
pub struct DiffArgs {
    /// Compare with REF instead of the base branch (the remote's default branch, else main or
    /// master).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Print Markdown for a pull request comment (at most 65,536 characters).
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DiffArgs, ctx: &mut Context) -> Result<()> {
    let root = ctx.session.repo_root()?;
    ctx.session.recover(&root, Intent::Read)?;
    let repo = crate::git::open(&root)?;
    let base = crate::git::base(&repo, args.base.as_deref())?.ok_or_else(|| {
        Error::refused(
            "no base branch to compare with: no remote default branch, main or master; pass \
             --base REF",
        )
    })?;
    let diff = rendered::compare(&root, &repo, &base.name, base.commit)?;
    let total = diff.clusters.len() + diff.unchanged.len();
    ctx.session.shell.status(&match diff.rendered.as_slice() {
        [] => format!(
            "rendered no cluster: none of the {total} reaches a file that differs from {}",
            base.name
        ),
        names => format!(
            "rendered {} of {total} clusters, those reaching a file that differs from {}: {}",
            names.len(),
            base.name,
            names.join(", ")
        ),
    })?;
    let out = if args.json {
        let mut text = serde_json::to_string_pretty(&rendered::json(&diff))
            .map_err(|e| Error::refused(e.to_string()))?;
        text.push('\n');
        text
    } else if args.markdown {
        rendered::markdown(&diff, MARKDOWN_LIMIT)
    } else {
        rendered::text(&diff)
    };
    ctx.session.shell.data(&out)
}

//! What `promote`, `demote` and `make-common` share: the read step, the hand-over to the
//! pipeline, and the pull request description with the status matrix before and after.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::apply::{self, History, Outcome};
use crate::context::Context;
use crate::error::{IoContext, Result};
use crate::fleet::{self, Fleet, StatusFilter};
use crate::plan::ChangeSet;
use crate::render::Templates;

/// The repository a promotion command works on, read once.
pub struct Session {
    pub root: PathBuf,
    pub fleet: Fleet,
    pub templates: Templates,
}

impl Session {
    /// Reads the fleet of the repository the command runs in, holding the repository lock
    /// from before the read unless nothing will be written (`--dry-run`).
    pub fn open(ctx: &mut Context) -> Result<Session> {
        let root = ctx.repo_root()?;
        if !ctx.options.dry_run {
            let repo = crate::git::open(&root)?;
            ctx.lock_repository(repo.path())?;
        }
        let fleet = Fleet::read_deep(&root)?;
        let templates = Templates::load(&root)?;
        Ok(Session {
            root,
            fleet,
            templates,
        })
    }

    /// Shows or applies `change`; then writes the pull request description to `pr_body`, with
    /// the status rows of `name` before and after.
    pub fn finish(
        self,
        ctx: &mut Context,
        change: &ChangeSet,
        name: &str,
        pr_body: Option<&Path>,
    ) -> Result<()> {
        let outcome = apply::finish(ctx, &self.root, change, History::Required)?;
        let Some(file) = pr_body else {
            return Ok(());
        };
        if !matches!(outcome, Outcome::Committed { .. } | Outcome::Written) {
            return ctx.shell.status(&format!(
                "--pr-body: nothing was written, so {} was not written either",
                file.display()
            ));
        }
        let after = Fleet::read_deep(&self.root)?;
        let body = pr_body_markdown(&self.fleet, &after, change, name)?;
        let target = ctx.start_dir()?.join(file);
        std::fs::write(&target, body).at(&target)?;
        ctx.shell.status(&format!(
            "Wrote the pull request description to {}",
            target.display()
        ))
    }
}

/// A pull request description: the story, the matrix rows of `name` before and after, and the
/// files.
pub fn pr_body_markdown(
    before: &Fleet,
    after: &Fleet,
    change: &ChangeSet,
    name: &str,
) -> Result<String> {
    let filter = StatusFilter {
        names: Some(BTreeSet::from([name.to_string()])),
        ..StatusFilter::default()
    };
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", change.summary);
    if !change.body.trim().is_empty() {
        let _ = writeln!(out, "{}\n", change.body.trim_end());
    }
    let _ = writeln!(out, "### What runs where\n\nBefore:\n");
    out.push_str(&fleet::status(before, &filter)?.to_markdown());
    let _ = writeln!(out, "\nAfter:\n");
    out.push_str(&fleet::status(after, &filter)?.to_markdown());
    let _ = writeln!(out, "\n### Files\n");
    for file in &change.changes {
        let what = match file.status() {
            'A' => " (new)",
            'R' => " (moved)",
            'D' => " (deleted)",
            _ => "",
        };
        let _ = writeln!(out, "- `{}`{what}", file.shown_path());
    }
    for note in change.warnings.iter().chain(&change.notes) {
        let _ = writeln!(out, "\n> {note}");
    }
    Ok(out)
}

//! The repository a command that edits a fleet works on: read once (step 1 of the pipeline),
//! with its templates; and the hand-over of a change about one name to the session, with the
//! pull request description (the status matrix before and after).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Basis, Description, Finish, History, Intent, Session};
use crate::error::Result;
use crate::fleet::{Fleet, ReadPlan};
use crate::plan::ChangeSet;
use crate::render::Templates;
use crate::report::{markdown, Filter, Matrix};

/// The repository a command that edits a fleet works on, read once.
pub struct Workspace {
    pub root: PathBuf,
    pub fleet: Fleet,
    pub templates: Templates,
}

impl Workspace {
    /// Reads the fleet of the repository the command runs in, after recovering a run that was
    /// interrupted there. The repository lock is taken later, once the prompts are answered,
    /// when the change is written: the plan is held to the files as they were read then.
    pub fn open(session: &mut Session) -> Result<Workspace> {
        let root = session.repo_root()?;
        session.recover(&root, Intent::Write)?;
        let fleet = Fleet::read(&root, ReadPlan::Edit)?;
        let templates = Templates::load(&root)?;
        Ok(Workspace {
            root,
            fleet,
            templates,
        })
    }

    /// Shows or applies `change`, with the pull request description in `pr_body` (a file, or
    /// `-` for stdout): the status rows of `name` before and after.
    pub fn finish(
        self,
        session: &mut Session,
        change: &ChangeSet,
        name: &str,
        pr_body: Option<&Path>,
    ) -> Result<()> {
        let root = self.root.clone();
        let fleet = &self.fleet;
        let description = pr_body.map(|given| Description {
            given: given.to_path_buf(),
            render: Box::new(move || {
                let after = Fleet::read(&root, ReadPlan::Whole)?;
                pr_body_markdown(fleet, &after, change, name)
            }),
        });
        let run = Finish {
            basis: Basis {
                files: decision_files(&self.fleet, name),
                subject: Some(name.to_string()),
            },
            history: History::Required,
            description,
        };
        session.finish(&self.root, change, run).map(|_| ())
    }
}

/// The files whose text decides what a change about `name` does: the cluster lists, the sets
/// under `infrastructure/`, the common apps, and `name`'s own definition; not the other apps'
/// manifests, thousands in a large fleet, which say nothing about `name`.
fn decision_files(fleet: &Fleet, name: &str) -> Vec<PathBuf> {
    let own = |path: &Path| path.components().any(|c| c.as_os_str() == name);
    fleet
        .read_files()
        .into_iter()
        .filter(|path| {
            path.starts_with("clusters")
                || path.starts_with("infrastructure")
                || path.starts_with("apps/common")
                || own(path)
        })
        .collect()
}

/// A pull request description: the story, the matrix rows of `name` before and after, and the
/// files.
pub fn pr_body_markdown(
    before: &Fleet,
    after: &Fleet,
    change: &ChangeSet,
    name: &str,
) -> Result<String> {
    let filter = Filter {
        names: Some(BTreeSet::from([name.to_string()])),
        ..Filter::default()
    };
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", change.summary);
    if !change.body.trim().is_empty() {
        let _ = writeln!(out, "{}\n", change.body.trim_end());
    }
    let _ = writeln!(out, "### What runs where\n\nBefore:\n");
    out.push_str(&markdown::render(&Matrix::new(before, &filter)?));
    let _ = writeln!(out, "\nAfter:\n");
    out.push_str(&markdown::render(&Matrix::new(after, &filter)?));
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

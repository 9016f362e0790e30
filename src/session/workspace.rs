//! The repository a command that edits a fleet works on: read once (step 1 of the pipeline),
//! with its templates; and the hand-over of a change about one name to the session, with the
//! pull request description (the status matrix before and after).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{describe_change, Basis, Finish, History, Intent, Session, Written};
use crate::error::Result;
use crate::fleet::{Fleet, Kind, ReadPlan};
use crate::plan::ChangeSet;
use crate::render::Templates;
use crate::rendered;
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
        session.start_from_base(&root)?;
        let fleet = Fleet::read(&root, ReadPlan::Edit)?;
        session.tell_read(&fleet)?;
        let templates = Templates::load(&root)?;
        Ok(Workspace {
            root,
            fleet,
            templates,
        })
    }

    /// Shows or applies `change`, described for a pull request by the status rows of `name`
    /// before and after.
    pub fn finish(self, session: &mut Session, change: &ChangeSet, name: &str) -> Result<()> {
        self.finish_proving(session, change, name, None)
    }

    /// [`Workspace::finish`] for a change that moves `name` (a unit of `kind`) into the common
    /// set: the description proves that the clusters that had it render as before.
    pub fn finish_common(
        self,
        session: &mut Session,
        change: &ChangeSet,
        kind: Kind,
        name: &str,
    ) -> Result<()> {
        self.finish_proving(session, change, name, Some(kind))
    }

    fn finish_proving(
        self,
        session: &mut Session,
        change: &ChangeSet,
        name: &str,
        proving: Option<Kind>,
    ) -> Result<()> {
        let root = self.root.clone();
        let fleet = &self.fleet;
        let run = Finish {
            basis: Basis {
                files: decision_files(&self.fleet, name),
                subject: Some(name.to_string()),
            },
            history: History::Required,
            describe: Box::new(move |written| {
                let after = match written {
                    Written::Yes => Fleet::read(&root, ReadPlan::Whole)?,
                    Written::No => Fleet::read_as_if(&root, change.files_after_owned())?,
                };
                let mut body = pr_body_markdown(fleet, &after, change, name)?;
                let proof = proving.map(|kind| {
                    let had: Vec<String> = names_of(fleet.reaches(kind, name));
                    let gain = names_of(after.reaches(kind, name))
                        .into_iter()
                        .filter(|c| !had.contains(c))
                        .collect();
                    rendered::Proof {
                        subject: name.to_string(),
                        had,
                        gain,
                    }
                });
                body.push_str(&rendered_section(&root, change, body.len(), proof.as_ref()));
                Ok(body)
            }),
        };
        session.finish(&self.root, change, run).map(|_| ())
    }
}

fn names_of(clusters: Vec<&str>) -> Vec<String> {
    clusters.into_iter().map(str::to_string).collect()
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

/// The rendered change per cluster `change` makes to the commit HEAD is on (the base the new
/// branch starts from), to end a description `used` characters long; nothing without a
/// repository or a commit.
fn rendered_section(
    root: &Path,
    change: &ChangeSet,
    used: usize,
    proving: Option<&rendered::Proof>,
) -> String {
    let Ok(repo) = crate::git::open(root) else {
        return String::new();
    };
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return String::new();
    };
    let base = crate::git::head_branch(&repo).unwrap_or_else(|| "HEAD".to_string());
    let files = change.files_after_owned();
    let limit = rendered::MARKDOWN_LIMIT.saturating_sub(used + 1);
    format!(
        "\n{}",
        rendered::describe(&repo, &base, head.id(), &files, limit, proving)
    )
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
    let story = describe_change(change);
    let (head, files) = story.split_at(story.find("### Files").unwrap_or(story.len()));
    let mut out = head.to_string();
    let _ = writeln!(out, "### What runs where\n");
    for (when, fleet) in [("Before", before), ("After", after)] {
        let table = markdown::render(&Matrix::new(fleet, &filter)?);
        match table.is_empty() {
            true => {
                let _ = writeln!(out, "{when}: not in any cluster.\n");
            }
            false => {
                let _ = writeln!(out, "{when}:\n\n{table}");
            }
        }
    }
    out.pop();
    out.push('\n');
    out.push_str(files);
    Ok(out)
}

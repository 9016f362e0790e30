//! Before anything is written: the checks a change must pass to be committed on a new branch
//! from HEAD (a clean basis, what the change needs committed, git's own preflight), and the
//! render gate (DESIGN, step 3) that refuses a change breaking a cluster that renders today.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use super::{History, Session};
use crate::error::{Error, Result};
use crate::git::{self, Preflight, Target};
use crate::paths::to_slash;
use crate::plan::ChangeSet;

impl Session<'_> {
    /// The branch the change would be committed on, once every check before writing passes; prints
    /// the warnings of the checks.
    pub(super) fn ready_to_commit(
        &mut self,
        repo: &git2::Repository,
        root: &Path,
        change: &ChangeSet,
        basis: &Basis,
        history: History,
    ) -> Result<Target> {
        let unborn = git::is_unborn(repo) && history == History::MayBeEmpty;
        let target = match (&self.options.branch, unborn) {
            (Some(name), true) => Target::Unborn(name.clone()),
            (None, true) => Target::Unborn(git::head_branch(repo).unwrap_or_else(|| "main".into())),
            (Some(name), false) => Target::NewBranch(name.clone()),
            (None, false) => Target::NewBranch(change.branch.clone()),
        };
        let warnings = git::preflight(
            repo,
            &Preflight {
                touched: &change.touched_paths(),
                branch: Some(target.name()),
                allow_unborn: history == History::MayBeEmpty,
                no_verify: self.options.no_verify,
                no_gpg_sign: self.options.no_gpg_sign,
                allow_detached: self.base.as_ref().is_some_and(|b| b.branch.is_none()),
            },
        )?;
        let unmet = change.unmet_requirements(git::head_has(repo));
        if !unmet.is_empty() {
            let paths: Vec<String> = unmet.iter().map(|p| to_slash(p)).collect();
            return Err(Error::refused(format!(
                "the change references {} which HEAD does not have (not committed yet): the new \
                 branch starts from HEAD, so commit them first, or pass --no-commit",
                paths.join(", ")
            )));
        }
        let dirty = basis.dirty(repo, root)?;
        if !dirty.is_empty() {
            return Err(Error::refused(format!(
                "the change was planned from files whose uncommitted changes concern it: {}\nthe \
                 new branch starts from HEAD, which has them otherwise: commit or stash them first \
                 (`git stash`), or pass --no-commit to edit the working tree only",
                dirty.join(", ")
            )));
        }
        for warning in warnings {
            self.shell.warn(&warning)?;
        }
        Ok(target)
    }
}

/// The files a plan was made from. With a commit, those its decisions about the change's
/// subject depend on must be as HEAD has them, since the new branch starts from HEAD: a file
/// with uncommitted changes that mention the subject (in the working tree or in HEAD) refuses
/// the run; other uncommitted changes do not matter to the plan.
#[derive(Debug, Clone, Default)]
pub struct Basis {
    pub files: Vec<PathBuf>,
    /// The name the change is about; `None`: every file counts.
    pub subject: Option<String>,
}

impl Basis {
    /// The files of the basis whose uncommitted changes concern the subject.
    pub(super) fn dirty(&self, repo: &git2::Repository, root: &Path) -> Result<Vec<String>> {
        let changed = git::dirty_paths(repo, &self.files)?;
        let Some(subject) = &self.subject else {
            return Ok(changed);
        };
        let mentions = |bytes: &[u8]| memchr::memmem::find(bytes, subject.as_bytes()).is_some();
        let head = repo.head().and_then(|h| h.peel_to_tree()).ok();
        Ok(changed
            .into_iter()
            .filter(|path| {
                let now = fs::read(root.join(path)).unwrap_or_default();
                let before = head
                    .as_ref()
                    .and_then(|tree| tree.get_path(Path::new(path)).ok())
                    .and_then(|entry| repo.find_blob(entry.id()).ok())
                    .map(|blob| mentions(blob.content()));
                mentions(&now) || before.unwrap_or(false)
            })
            .collect())
    }
}

/// Why `change` must not be committed: the cluster whose render it would break (DESIGN, step
/// 3), as a refusal's message; `None` when every touched cluster still renders, was broken
/// before, or nothing can render (no renderer on PATH, no commit to compare with).
pub(super) fn breaks(repo: &git2::Repository, change: &ChangeSet) -> Result<Option<String>> {
    breaks_with(repo, &change.files_after_owned())
}

fn breaks_with(
    repo: &git2::Repository,
    files: &[(PathBuf, Option<Vec<u8>>)],
) -> Result<Option<String>> {
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return Ok(None);
    };
    let base = git::head_branch(repo).unwrap_or_else(|| "HEAD".to_string());
    Ok(
        crate::rendered::breaks(repo, &base, head.id(), files)?.map(|broken| {
            format!(
                "the change would break a cluster that renders today, so nothing was written: \
             {broken}\nfix what the message names, or run again with --no-build to commit it \
             anyway"
            )
        }),
    )
}

/// The render gate of a run that writes, rendering while the run checks and writes the new
/// texts beside the files (the renders take kustomize's time, the writing the disk's): its
/// verdict is asked for before the new texts replace the files, so that a refusal leaves them
/// untouched. Dropped unasked, it waits for the renders.
pub(super) struct Gate {
    renders: Option<JoinHandle<Result<Option<String>>>>,
}

impl Gate {
    /// Starts rendering what `change` would break in the repository at `root`.
    pub(super) fn start(root: &Path, change: &ChangeSet) -> Gate {
        let root = root.to_path_buf();
        let files = change.files_after_owned();
        let renders = std::thread::spawn(move || breaks_with(&git::open(&root)?, &files));
        Gate {
            renders: Some(renders),
        }
    }

    /// `Ok` when the change breaks no cluster that renders today; the refusal otherwise.
    pub(super) fn verdict(&mut self) -> Result<()> {
        let Some(renders) = self.renders.take() else {
            return Ok(());
        };
        match renders.join() {
            Ok(Ok(None)) => Ok(()),
            Ok(Ok(Some(broken))) => Err(Error::refused(broken)),
            Ok(Err(e)) => Err(e),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        if let Some(renders) = self.renders.take() {
            let _ = renders.join();
        }
    }
}

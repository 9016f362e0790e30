//! A run that writes, as one transaction: the journal records what the run is about to do, git's
//! `index.lock` is held while files and the index change, the files are written
//! ([`crate::apply`]) and committed ([`crate::git`]); a failure at any step rolls all of it
//! back, and a run killed at any step is undone or completed by the next ([`super::journal`]).

use std::path::Path;

use super::journal::Journal;
use crate::apply;
use crate::error::{Error, Result};
use crate::fault;
use crate::git::{self, Target};
use crate::output::Shell;
use crate::plan::ChangeSet;

/// Writes `change`, then the description, then commits on `target`; all of it or nothing.
/// `verdict` is asked once the new texts are written beside the files and before they replace
/// them (the render gate, rendering meanwhile). Returns the commit made.
pub(super) fn transact(
    shell: &mut Shell,
    root: &Path,
    repo: Option<&git2::Repository>,
    change: &ChangeSet,
    target: Option<&Target>,
    verdict: impl FnOnce(&mut Shell) -> Result<()>,
    describe: &mut dyn FnMut(&mut Shell) -> Result<()>,
) -> Result<Option<git2::Oid>> {
    let Some(repo) = repo else {
        verdict(shell)?;
        return apply::apply_with(root, change, || describe(shell)).map(|()| None);
    };
    let prepared = apply::prepare(root, change)?;
    let branch = target.map(Target::refname);
    fault::point("record the change")?;
    let mut journal = Journal::begin(
        repo,
        &prepared.token,
        &prepared.steps,
        &prepared.dirs,
        branch.as_deref(),
    )?;
    let new_index = journal.new_index();
    let result = (|| -> Result<Option<git2::Oid>> {
        fault::point("take the index lock")?;
        // Held until the run ends; the commit renames a complete new index over it.
        journal.take_index_lock(repo)?;
        prepared.write_if(root, change, || verdict(shell))?;
        describe(shell)?;
        match target {
            Some(target) => {
                let touched = change.touched_paths();
                let commit = git::Commit {
                    target,
                    touched: &touched,
                    message: change.commit_message(),
                    new_index: &new_index,
                };
                let oid = git::commit_work_tree(repo, commit, |oid| journal.note_commit(oid))?;
                Ok(Some(oid))
            }
            None => {
                journal.release_index_lock(repo)?;
                Ok(None)
            }
        }
    })();
    match result {
        Ok(commit) => {
            journal.close();
            Ok(commit)
        }
        Err(e) => match journal.roll_back(repo, root) {
            Ok(_) => Err(e),
            // The journal stays: the next run tries again.
            Err(undo) => Err(Error::refused(format!(
                "{e}\nundoing the run failed too: {undo}: run `fluxfleet status` to finish \
                 undoing it"
            ))),
        },
    }
}

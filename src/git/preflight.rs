//! The checks before any write: a repository in a state where a new branch with one commit can
//! be made without losing anything, and as `git commit` would make it.

mod hooks;
mod ignored;
mod index;
mod signing;
mod sparse;
mod submodule;

use std::path::PathBuf;

use git2::{Repository, RepositoryState, Status, StatusOptions};

use crate::error::{Error, Result};
use crate::paths::to_slash;

/// What the coming change needs of the repository.
#[derive(Debug, Clone, Default)]
pub struct Preflight<'a> {
    /// Paths the change writes or removes.
    pub touched: &'a [PathBuf],
    /// The branch to create; `None` with `--no-commit`.
    pub branch: Option<&'a str>,
    /// A repository without commits is acceptable (`init`).
    pub allow_unborn: bool,
    /// Commit although the repository has `pre-commit`/`commit-msg` hooks (`--no-verify`).
    pub no_verify: bool,
    /// Commit unsigned although `commit.gpgsign` is set (`--no-gpg-sign`).
    pub no_gpg_sign: bool,
    /// HEAD was detached on purpose, on the base the new branch starts from (`--base TAG`).
    pub allow_detached: bool,
}

/// Refuses, saying what to do, when the repository is not ready for the change; otherwise
/// returns the warnings the user should see before the commit is made.
pub fn preflight(repo: &Repository, check: &Preflight) -> Result<Vec<String>> {
    let git_dir = repo.path();
    if git_dir.join("index.lock").exists() {
        return Err(Error::refused(format!(
            "{} exists: another git process is using this repository; wait for it, or remove \
             the file if no git process is running",
            git_dir.join("index.lock").display()
        )));
    }
    let Some(branch) = check.branch else {
        return Ok(Vec::new());
    };
    super::check_branch_name(branch)?;
    let state = repo.state();
    if state != RepositoryState::Clean {
        return Err(Error::refused(format!(
            "a {} is in progress: finish or abort it first (see `git status`), then run again",
            state_name(state)
        )));
    }
    if repo.head_detached().unwrap_or(false) && !check.allow_detached {
        return Err(Error::refused(
            "HEAD is detached: switch to a branch first (`git switch main`), so the new branch \
             has a base to be merged into",
        ));
    }
    let unborn = super::is_unborn(repo);
    if unborn && !check.allow_unborn {
        return Err(Error::refused(
            "the repository has no commit yet: commit the fleet first, or run `fluxfleet init`",
        ));
    }
    let index = index::open_index(repo)?;
    submodule::check_submodules(repo, check.touched)?;
    sparse::check_sparse(&index, check.touched)?;
    let dirty = dirty_paths(repo, check.touched)?;
    if !dirty.is_empty() {
        return Err(Error::refused(format!(
            "uncommitted changes to files this change touches: {}\ncommit or stash them first \
             (`git stash`), or pass --no-commit to edit the working tree only",
            dirty.join(", ")
        )));
    }
    if !unborn {
        if repo.find_reference(&format!("refs/heads/{branch}")).is_ok() {
            return Err(super::branch_exists(branch));
        }
        super::refname::check_branch_room(repo, branch)?;
    }
    if !check.no_verify {
        hooks::check_hooks(repo)?;
    }
    if !check.no_gpg_sign {
        signing::check_signing(repo)?;
    }
    super::identity(repo)?;
    ignored::ignored_warnings(repo, &index, check.touched)
}

/// The paths among `touched` that differ from HEAD in the index or the working tree, sorted.
pub fn dirty_paths(repo: &Repository, touched: &[PathBuf]) -> Result<Vec<String>> {
    if touched.is_empty() {
        return Ok(Vec::new());
    }
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .disable_pathspec_match(true);
    for path in touched {
        options.pathspec(to_slash(path));
    }
    let statuses = repo.statuses(Some(&mut options))?;
    let mut dirty: Vec<String> = statuses
        .iter()
        .filter(|s| s.status() != Status::CURRENT && !s.status().contains(Status::IGNORED))
        .filter_map(|s| s.path().ok().map(str::to_string))
        .collect();
    dirty.sort();
    Ok(dirty)
}

fn state_name(state: RepositoryState) -> &'static str {
    match state {
        RepositoryState::Merge => "merge",
        RepositoryState::Revert | RepositoryState::RevertSequence => "revert",
        RepositoryState::CherryPick | RepositoryState::CherryPickSequence => "cherry-pick",
        RepositoryState::Bisect => "bisect",
        RepositoryState::Rebase
        | RepositoryState::RebaseInteractive
        | RepositoryState::RebaseMerge => "rebase",
        RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => "git am",
        RepositoryState::Clean => "clean state",
    }
}

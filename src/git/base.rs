//! The base a new branch starts from: the remote's default branch, else `main` or `master`, or
//! the ref given with `--base`; and the switch to it before a change is planned, so that every
//! change is one commit on the base whatever was checked out (a second run does not stack its
//! commit on the first run's branch).
//!
//! The switch is `git switch`'s: files that differ between HEAD and the base are checked out,
//! refused when that would overwrite an uncommitted change; uncommitted changes to other files
//! come along. [`undo_switch`] puts back what the switch changed, for a run that stops after it.

use std::fs;
use std::path::{Path, PathBuf};

use git2::build::CheckoutBuilder;
use git2::{Delta, DiffOptions, ErrorCode, Oid, Repository};

use crate::error::{Error, IoContext, Result};

/// Where a new branch starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The name to show and to give `gh pr create --base`: `main`, or the ref as given.
    pub name: String,
    /// The commit.
    pub commit: Oid,
    /// The local branch to check out for it, when there is one (else HEAD is detached on the
    /// commit until the new branch is made).
    pub branch: Option<String>,
}

/// The base for `given` (`--base REF`), or the default one: the branch the remote's HEAD
/// names (`refs/remotes/<remote>/HEAD`), else `main`, else `master`; `None` when the
/// repository has none of them (a repository with one other branch branches from HEAD).
pub fn base(repo: &Repository, given: Option<&str>) -> Result<Option<Base>> {
    if let Some(given) = given {
        return resolve(repo, given).map(Some);
    }
    let remote_default = default_remote(repo).and_then(|remote| {
        let head = repo
            .find_reference(&format!("refs/remotes/{remote}/HEAD"))
            .ok()?;
        let target = head.symbolic_target().ok().flatten()?.to_string();
        target
            .strip_prefix(&format!("refs/remotes/{remote}/"))
            .map(str::to_string)
    });
    for name in remote_default
        .iter()
        .map(String::as_str)
        .chain(["main", "master"])
    {
        if let Ok(branch) = repo.find_branch(name, git2::BranchType::Local) {
            let commit = branch.get().peel_to_commit()?.id();
            return Ok(Some(Base {
                name: name.to_string(),
                commit,
                branch: Some(name.to_string()),
            }));
        }
        if let Some(remote) = default_remote(repo) {
            let tracking = format!("{remote}/{name}");
            if let Ok(branch) = repo.find_branch(&tracking, git2::BranchType::Remote) {
                let commit = branch.get().peel_to_commit()?.id();
                return Ok(Some(Base {
                    name: name.to_string(),
                    commit,
                    branch: None,
                }));
            }
        }
    }
    Ok(None)
}

/// `--base REF`: a local branch is checked out as itself, anything else that names a commit
/// (a remote branch, a tag, a hash) detached.
fn resolve(repo: &Repository, given: &str) -> Result<Base> {
    let unknown = || {
        Error::refused(format!(
            "--base {given}: no such branch or commit in this repository (see `git branch -a`)"
        ))
    };
    let object = repo.revparse_single(given).map_err(|_| unknown())?;
    let commit = object.peel_to_commit().map_err(|_| unknown())?.id();
    let branch = repo
        .find_branch(given, git2::BranchType::Local)
        .ok()
        .map(|_| given.to_string());
    Ok(Base {
        name: given.to_string(),
        commit,
        branch,
    })
}

/// The remote a fleet repository pushes to: `origin`, or the only remote there is.
pub fn default_remote(repo: &Repository) -> Option<String> {
    let remotes = repo.remotes().ok()?;
    let names: Vec<&str> = remotes.iter().flatten().flatten().collect();
    match names.as_slice() {
        [only] => Some((*only).to_string()),
        _ if names.contains(&"origin") => Some("origin".to_string()),
        _ => None,
    }
}

/// What HEAD was before a switch, to go back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switched {
    /// HEAD's symbolic target (`refs/heads/x`), or `None` when it was detached.
    pub from_ref: Option<String>,
    pub from: Oid,
    pub to: Oid,
}

impl Switched {
    /// The record kept in the git directory while a run is on the base it switched to.
    fn record(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.from_ref.as_deref().unwrap_or("-"),
            self.from,
            self.to
        )
    }

    fn parse(text: &str) -> Option<Switched> {
        let mut lines = text.lines();
        let from_ref = lines.next()?;
        let from = Oid::from_str(lines.next()?).ok()?;
        let to = Oid::from_str(lines.next()?).ok()?;
        Some(Switched {
            from_ref: (from_ref != "-").then(|| from_ref.to_string()),
            from,
            to,
        })
    }

    /// The name of what HEAD was on, for messages.
    pub fn from_name(&self) -> String {
        match &self.from_ref {
            Some(name) => name.trim_start_matches("refs/heads/").to_string(),
            None => format!("{:.7} (detached)", self.from),
        }
    }
}

/// The switch record's name in the git directory: beside the run's journal directory, which a
/// run's transaction makes and removes.
pub const SWITCH_RECORD: &str = "fluxfleet-switch";

fn record_path(repo: &Repository) -> PathBuf {
    repo.path().join(SWITCH_RECORD)
}

/// The index as it was before the switch, put back byte for byte when the switch is undone.
fn saved_index(repo: &Repository) -> PathBuf {
    repo.path().join(format!("{SWITCH_RECORD}.index"))
}

/// Checks out `base` as `git switch` would, when HEAD is not already on its commit, and
/// returns what HEAD was. Refuses, writing nothing, when uncommitted changes would be
/// overwritten. The repository lock must be held.
pub fn switch_to(repo: &Repository, base: &Base) -> Result<Option<Switched>> {
    let head = repo.head()?;
    let from = head.peel_to_commit()?.id();
    if from == base.commit {
        return Ok(None);
    }
    let from_ref = repo
        .find_reference("HEAD")?
        .symbolic_target()
        .ok()
        .flatten()
        .map(str::to_string);
    let switched = Switched {
        from_ref,
        from,
        to: base.commit,
    };
    let in_the_way = changed_paths(repo, from, base.commit)?
        .into_iter()
        .filter(|path| is_dirty(repo, path))
        .collect::<Vec<_>>();
    if !in_the_way.is_empty() {
        return Err(Error::refused(format!(
            "a new branch starts from {base} (the base), and switching to it from {from} would \
             overwrite uncommitted changes to {paths}: commit or stash them first (`git stash`), \
             pass --base {from} to branch from where you are, or --no-commit to edit the working \
             tree only",
            base = base.name,
            from = switched.from_name(),
            paths = in_the_way.join(", ")
        )));
    }
    let index = repo.path().join("index");
    if index.exists() {
        let saved = saved_index(repo);
        fs::copy(&index, &saved).at(&saved)?;
    }
    let record = record_path(repo);
    fs::write(&record, switched.record()).at(&record)?;
    let target = repo.find_commit(base.commit)?;
    let mut checkout = CheckoutBuilder::new();
    checkout.safe();
    if let Err(e) = repo.checkout_tree(target.as_object(), Some(&mut checkout)) {
        let _ = undo_switch(repo, &switched);
        return Err(refused_checkout(base, e));
    }
    let moved = crate::fault::point("switch HEAD to the base").and_then(|()| {
        match &base.branch {
            Some(branch) => repo.set_head(&format!("refs/heads/{branch}")),
            None => repo.set_head_detached(base.commit),
        }
        .map_err(Error::from)
    });
    if let Err(e) = moved {
        let _ = undo_switch(repo, &switched);
        return Err(e);
    }
    Ok(Some(switched))
}

fn refused_checkout(base: &Base, e: git2::Error) -> Error {
    match e.code() {
        ErrorCode::Conflict => Error::refused(format!(
            "switching to {} (the base) would overwrite files in the working tree ({}): commit, \
             stash or remove them first, or pass --base to branch from where you are",
            base.name,
            e.message()
        )),
        _ => e.into(),
    }
}

/// The run that switched is done with the switch (its commit is made, or it went back).
pub fn forget_switch(repo: &Repository) {
    let _ = fs::remove_file(record_path(repo));
    let _ = fs::remove_file(saved_index(repo));
}

/// Goes back from a switch: HEAD as it was, and every file the switch checked out that is
/// still as the base has it put back as it was; files changed since are left alone.
pub fn undo_switch(repo: &Repository, switched: &Switched) -> Result<()> {
    let workdir = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let base_tree = repo.find_commit(switched.to)?.tree()?;
    let mut restore = Vec::new();
    for path in changed_paths(repo, switched.from, switched.to)? {
        let on_disk = fs::read(workdir.join(&path)).ok();
        let in_base = base_tree
            .get_path(Path::new(&path))
            .ok()
            .and_then(|entry| repo.find_blob(entry.id()).ok())
            .map(|blob| blob.content().to_vec());
        if on_disk == in_base {
            restore.push(path);
        }
    }
    let from = repo.find_commit(switched.from)?;
    if !restore.is_empty() {
        let mut checkout = CheckoutBuilder::new();
        checkout.force().remove_untracked(false);
        for path in &restore {
            checkout.path(path);
        }
        repo.checkout_tree(from.as_object(), Some(&mut checkout))?;
        // Files the base has and HEAD had not: the checkout of HEAD's tree leaves them.
        let from_tree = from.tree()?;
        let mut index = repo.index()?;
        for path in &restore {
            if from_tree.get_path(Path::new(path)).is_err() {
                let _ = fs::remove_file(workdir.join(path));
                let _ = index.remove_path(Path::new(path));
            }
        }
        index.write()?;
    }
    match &switched.from_ref {
        Some(name) => repo.set_head(name)?,
        None => repo.set_head_detached(switched.from)?,
    }
    // The index as it was, rather than one rewritten with new file times: a run that ends
    // without its commit leaves git's files as it found them.
    let saved = saved_index(repo);
    if saved.exists() {
        let index = repo.path().join("index");
        fs::rename(&saved, &index).at(&index)?;
    }
    forget_switch(repo);
    Ok(())
}

/// After an interruption: the switch a run made and did not finish, undone; `None` when there
/// was none. A run interrupted after its commit has nothing to undo here.
pub fn recover_switch(repo: &Repository) -> Result<Option<Switched>> {
    let Ok(text) = fs::read_to_string(record_path(repo)) else {
        return Ok(None);
    };
    let Some(switched) = Switched::parse(&text) else {
        forget_switch(repo);
        return Ok(None);
    };
    // HEAD moved on from the base: the run made its branch, and that is where it stays.
    // Still on the base, or not yet moved from where it was: the switch is undone.
    let head = repo.head().and_then(|h| h.peel_to_commit()).map(|c| c.id());
    if !head.is_ok_and(|head| head == switched.to || head == switched.from) {
        forget_switch(repo);
        return Ok(None);
    }
    undo_switch(repo, &switched)?;
    Ok(Some(switched))
}

/// The paths whose content differs between two commits, as `git diff --name-only` lists them.
fn changed_paths(repo: &Repository, from: Oid, to: Oid) -> Result<Vec<String>> {
    let old = repo.find_commit(from)?.tree()?;
    let new = repo.find_commit(to)?.tree()?;
    let mut options = DiffOptions::new();
    options.include_typechange(true);
    let diff = repo.diff_tree_to_tree(Some(&old), Some(&new), Some(&mut options))?;
    let mut paths = Vec::new();
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            let Some(path) = file.path().and_then(Path::to_str) else {
                continue;
            };
            if delta.status() != Delta::Unmodified && !paths.iter().any(|p| p == path) {
                paths.push(path.to_string());
            }
        }
    }
    Ok(paths)
}

/// True when `path` has uncommitted changes (in the index or the working tree), or is an
/// untracked file.
fn is_dirty(repo: &Repository, path: &str) -> bool {
    repo.status_file(Path::new(path))
        .map(|status| !status.is_empty() && !status.contains(git2::Status::IGNORED))
        .unwrap_or(false)
}

/// True when `branch` is one commit on `base` that changes exactly `files` (path, and content
/// afterwards or `None` for a removal): the branch a run made earlier for the same change,
/// not merged yet.
pub fn branch_holds(
    repo: &Repository,
    branch: &str,
    base: Oid,
    files: &[(&Path, Option<&[u8]>)],
) -> bool {
    let holds = || -> Result<bool> {
        let tip = repo
            .find_reference(&format!("refs/heads/{branch}"))?
            .peel_to_commit()?;
        if tip.parent_ids().collect::<Vec<_>>() != [base] {
            return Ok(false);
        }
        let mut changed = changed_paths(repo, base, tip.id())?;
        changed.sort();
        let mut wanted: Vec<String> = files
            .iter()
            .map(|(path, _)| crate::paths::to_slash(path))
            .collect();
        wanted.sort();
        wanted.dedup();
        if changed != wanted {
            return Ok(false);
        }
        let tree = tip.tree()?;
        Ok(files.iter().all(|(path, content)| {
            let blob = tree
                .get_path(path)
                .ok()
                .and_then(|entry| repo.find_blob(entry.id()).ok());
            match (blob, content) {
                (Some(blob), Some(content)) => blob.content() == *content,
                (None, None) => true,
                _ => false,
            }
        }))
    };
    holds().unwrap_or(false)
}

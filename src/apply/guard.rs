//! Paths a change may write: inside the repository's working tree, outside any `.git`, never
//! through a symbolic link.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::paths::to_slash;
use crate::plan::ChangeSet;

/// Refuses, naming the path, if any path of `change` could write outside `root` or into a git
/// directory.
pub fn check(root: &Path, change: &ChangeSet) -> Result<()> {
    check_root(root)?;
    for path in change.touched_paths() {
        check_path(root, &path)?;
    }
    Ok(())
}

/// Refuses a root that is a git directory or lies inside one (`.git/`, a bare repository):
/// files written there would damage the repository instead of changing the fleet.
pub fn check_root(root: &Path) -> Result<()> {
    let Some(existing) = root.ancestors().find(|dir| dir.is_dir()) else {
        return Ok(());
    };
    let Ok(repo) = git2::Repository::discover(existing) else {
        return Ok(());
    };
    let git_dir = canonical(repo.path());
    let root = canonical(existing);
    if repo.is_bare() {
        return Err(Error::refused(format!(
            "{} is in the bare repository {}: fluxfleet edits files; run it in a clone with a \
             working tree",
            root.display(),
            git_dir.display()
        )));
    }
    if root.starts_with(&git_dir) {
        return Err(Error::refused(format!(
            "{}: refusing to write inside the git directory {}: run fluxfleet in the working \
             tree{}",
            root.display(),
            git_dir.display(),
            repo.workdir()
                .map(|dir| format!(" {}", dir.display()))
                .unwrap_or_default()
        )));
    }
    Ok(())
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

pub(super) fn check_path(root: &Path, path: &Path) -> Result<()> {
    let outside = || {
        Error::refused(format!(
            "{}: refusing to write outside the repository {}",
            path.display(),
            root.display()
        ))
    };
    let mut components = path.components().peekable();
    if components.peek().is_none() {
        return Err(outside());
    }
    let mut current = root.to_path_buf();
    let mut exists = true;
    for component in components {
        let Component::Normal(name) = component else {
            return Err(outside());
        };
        // Any `.git`, also a nested repository's, in any case (case-insensitive file systems).
        if name.eq_ignore_ascii_case(".git") {
            return Err(Error::refused(format!(
                "{}: refusing to write inside .git",
                to_slash(path)
            )));
        }
        current.push(name);
        if !exists {
            continue;
        }
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Error::refused(format!(
                    "{}: refusing to write through the symbolic link {}",
                    to_slash(path),
                    current.strip_prefix(root).unwrap_or(&current).display()
                )));
            }
            Ok(_) => {}
            Err(_) => exists = false,
        }
    }
    Ok(())
}

/// Refuses a `--pr-body` file that would damage the repository or the change: inside any git
/// directory, through a symbolic link, over a directory or special file, in a directory that
/// does not exist, or at a path the change itself writes.
pub fn check_description(root: &Path, change: &ChangeSet, given: &Path, path: &Path) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::refused(format!(
            "--pr-body {}: {why}; nothing was written",
            given.display()
        )))
    };
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return refuse("not a file name");
    };
    let Ok(parent) = parent.canonicalize() else {
        return refuse("its directory does not exist");
    };
    if !parent.is_dir() {
        return refuse("its directory does not exist");
    }
    let target = parent.join(name);
    let git_dir = git2::Repository::discover(&parent)
        .ok()
        .map(|repo| canonical(repo.path()));
    let in_git = target
        .components()
        .any(|c| matches!(c, Component::Normal(n) if n.eq_ignore_ascii_case(".git")))
        || git_dir.is_some_and(|git| target.starts_with(git));
    if in_git {
        return refuse("refusing to write inside a git directory");
    }
    if let Ok(meta) = std::fs::symlink_metadata(&target) {
        if meta.file_type().is_symlink() {
            return refuse("refusing to write through a symbolic link");
        }
        if !meta.is_file() {
            return refuse("not a regular file");
        }
    }
    let root = canonical(root);
    if change
        .touched_paths()
        .iter()
        .any(|p| root.join(p) == target)
    {
        return refuse("the change itself writes this file");
    }
    Ok(())
}

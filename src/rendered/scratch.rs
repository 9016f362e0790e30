//! The base side of a rendered difference needs files on disk for kustomize: the base commit's
//! tree written into a directory inside the repository's git directory, removed when done
//! (also when the run fails), never anything outside the repository.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::error::{Error, IoContext, Result};

/// The prefix of the scratch directories in the git directory.
const PREFIX: &str = "fluxfleet-diff-";

/// A directory in the git directory, removed on drop.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    /// `.git/fluxfleet-diff-<pid>/`, empty; the ones runs that were killed left are removed.
    pub fn new(repo: &Repository) -> Result<Scratch> {
        remove_stale(repo.path());
        let dir = repo.path().join(format!("{PREFIX}{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).at(&dir)?;
        }
        fs::create_dir_all(&dir).at(&dir)?;
        Ok(Scratch { dir })
    }

    /// Writes `commit`'s tree into `<scratch>/<name>/` and returns that directory.
    pub fn checkout(&self, repo: &Repository, commit: Oid, name: &str) -> Result<PathBuf> {
        let target = self.dir.join(name);
        let tree = repo.find_commit(commit)?.tree()?;
        // The root first: the tree's own files (`.fluxfleet.yaml`) come before its directories.
        fs::create_dir_all(&target).at(&target)?;
        let mut failure: Option<Error> = None;
        tree.walk(TreeWalkMode::PreOrder, |parent, entry| {
            let Ok(name) = entry.name() else {
                return TreeWalkResult::Skip;
            };
            let path = target.join(parent).join(name);
            let written = match entry.kind() {
                Some(ObjectType::Tree) => fs::create_dir_all(&path).at(&path),
                Some(ObjectType::Blob) => write_blob(repo, entry.id(), entry.filemode(), &path),
                // Submodules: not part of this repository's files.
                _ => Ok(()),
            };
            match written {
                Ok(()) => TreeWalkResult::Ok,
                Err(e) => {
                    failure = Some(e);
                    TreeWalkResult::Abort
                }
            }
        })
        .or_else(|e| match failure.is_some() {
            true => Ok(()),
            false => Err(e),
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(target),
        }
    }
}

fn write_blob(repo: &Repository, id: Oid, mode: i32, path: &Path) -> Result<()> {
    let blob = repo.find_blob(id)?;
    if mode == 0o120000 {
        #[cfg(unix)]
        {
            let link = String::from_utf8_lossy(blob.content()).into_owned();
            return std::os::unix::fs::symlink(link, path).at(path);
        }
    }
    fs::write(path, blob.content()).at(path)
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Removes the scratch directories of runs that no longer run (killed before their cleanup).
pub fn remove_stale(git_dir: &Path) {
    let Ok(entries) = fs::read_dir(git_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if !is_running(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` exists: signal 0 tells, on every Unix (a process of another user
/// exists too). A reused process id keeps a stale directory until that process ends; nothing
/// is removed that a live run may use.
#[cfg(unix)]
fn is_running(pid: i32) -> bool {
    use rustix::io::Errno;
    use rustix::process::{test_kill_process, Pid};
    match Pid::from_raw(pid) {
        Some(pid) => !matches!(test_kill_process(pid), Err(Errno::SRCH)),
        None => false,
    }
}

/// Elsewhere there is no telling a dead run from a live one: its directory is left.
#[cfg(not(unix))]
fn is_running(_pid: i32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn directories_of_runs_that_ended_are_removed_and_live_ones_kept() {
        let git = assert_fs::TempDir::new().unwrap_or_else(|e| panic!("{e}"));
        // A process that has ended: a child waited for.
        let ended = std::process::Command::new("true")
            .spawn()
            .and_then(|mut c| c.wait().map(|_| c.id()))
            .unwrap_or_else(|e| panic!("{e}"));
        let dead = git.path().join(format!("{PREFIX}{ended}"));
        let live = git.path().join(format!("{PREFIX}{}", std::process::id()));
        let other = git.path().join("fluxfleet-lock");
        for dir in [&dead, &live, &other] {
            fs::create_dir_all(dir.join("base")).unwrap_or_else(|e| panic!("{e}"));
        }
        remove_stale(git.path());
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(other.exists());
    }
}

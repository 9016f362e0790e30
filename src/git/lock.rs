//! The lock that keeps two runs from changing one repository at the same time.
//!
//! On Unix it is a kernel lock (`flock`) on `.git/fluxfleet.lock`: the kernel releases it when
//! the process ends, however it ends, so a run that was killed never blocks the next one, and
//! two runs can never both hold it. The file holds the holder's pid, for the message.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};

/// Held while a run changes the repository; released when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// The locked file; closing it releases the lock.
    file: Option<File>,
}

impl Lock {
    /// Takes the lock in `git_dir`, or refuses naming the process that holds it.
    pub fn acquire(git_dir: &Path) -> Result<Lock> {
        let path = git_dir.join("fluxfleet.lock");
        loop {
            let mut file = open(&path)?;
            if !try_lock(&file).at(&path)? {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(held_by(holder.trim()));
            }
            // A run that finished between our open and our lock removed the file it locked,
            // and a third run may have made a new one: the lock counts only on the file
            // that is at the path now.
            if !same_file(&file, &path) {
                continue;
            }
            file.set_len(0).at(&path)?;
            writeln!(file, "{}", std::process::id()).at(&path)?;
            return Ok(Lock {
                path,
                file: Some(file),
            });
        }
    }

    /// True when this is the lock of the repository whose git directory is `git_dir`.
    pub fn guards(&self, git_dir: &Path) -> bool {
        self.path.parent() == Some(git_dir)
    }
}

/// The refusal while another run holds the lock.
fn held_by(holder: &str) -> Error {
    let holder = if holder.is_empty() { "unknown" } else { holder };
    Error::refused(format!(
        "another fluxfleet run (pid {holder}) is changing this repository: wait for it to \
         finish, then run again"
    ))
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked, then released: a run waiting on this file finds it gone
        // and takes a new one ([`same_file`]).
        let _ = fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

fn open(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A link planted at the lock's name is not followed.
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    options.open(path).at(path)
}

/// Takes the kernel lock on `file` without waiting: false when another process holds it.
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Without `flock`, the standard library's file lock (`LockFileEx` on Windows).
#[cfg(not(unix))]
fn try_lock(file: &File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// True when `file` is the file at `path`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_file_left_by_a_killed_run_is_taken_over() {
        let dir = assert_fs::TempDir::new().unwrap();
        fs::write(dir.path().join("fluxfleet.lock"), "4294967\n").unwrap();
        let lock = Lock::acquire(dir.path()).unwrap();
        let pid = fs::read_to_string(dir.path().join("fluxfleet.lock")).unwrap();
        assert_eq!(pid, format!("{}\n", std::process::id()));
        drop(lock);
        assert!(!dir.path().join("fluxfleet.lock").exists());
    }

    #[test]
    fn a_held_lock_refuses_a_second_taker() {
        let dir = assert_fs::TempDir::new().unwrap();
        let first = Lock::acquire(dir.path()).unwrap();
        let message = Lock::acquire(dir.path()).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "another fluxfleet run (pid {}) is changing this repository: wait for it to \
                 finish, then run again",
                std::process::id()
            )
        );
        drop(first);
        assert!(Lock::acquire(dir.path()).is_ok());
        let missing = Lock::acquire(&dir.path().join("sub")).map(|_| ());
        assert!(missing.is_err(), "a missing git directory is an error");
    }
}

//! A lock file in `.git/` so two runs on one repository cannot interleave.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Held while a run changes the repository; removed when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock in `git_dir`, or refuses naming the process that holds it.
    pub fn acquire(git_dir: &Path) -> Result<Lock> {
        let path = git_dir.join("fluxfleet.lock");
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                let _ = writeln!(file, "{}", std::process::id());
                Ok(Lock { path })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let holder = if holder.is_empty() { "unknown" } else { holder };
                Err(Error::refused(format!(
                    "another fluxfleet run (pid {holder}) is changing this repository: wait for \
                     it to finish; if no such process is running, remove {}",
                    path.display()
                )))
            }
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// True when this is the lock of the repository whose git directory is `git_dir`.
    pub fn guards(&self, git_dir: &Path) -> bool {
        self.path.parent() == Some(git_dir)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

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
                let advice = match holder.parse::<u32>().ok().map(is_running) {
                    // A run that was killed leaves its lock behind; taking it over silently
                    // could race with another run doing the same, so the user decides.
                    Some(Some(false)) => format!(
                        "that process is no longer running: remove {} and run again",
                        path.display()
                    ),
                    _ => format!(
                        "wait for it to finish; if no such process is running, remove {}",
                        path.display()
                    ),
                };
                Err(Error::refused(format!(
                    "another fluxfleet run (pid {holder}) is changing this repository: {advice}"
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

/// Whether process `pid` is running, where the system can tell (`/proc`); `None` elsewhere.
fn is_running(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_left_by_a_dead_process_says_so() {
        let dir = assert_fs::TempDir::new().unwrap();
        // Above Linux's largest pid, so no process can hold it.
        fs::write(dir.path().join("fluxfleet.lock"), "4294967\n").unwrap();
        let message = Lock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            message.contains("another fluxfleet run (pid 4294967)"),
            "{message}"
        );
        if Path::new("/proc/self").exists() {
            assert!(message.contains("no longer running: remove"), "{message}");
        }
        let held = Lock::acquire(&dir.path().join("sub")).map(|_| ());
        assert!(
            held.is_err(),
            "a missing git directory is an error, not a panic"
        );
    }

    #[test]
    fn this_process_is_running() {
        if Path::new("/proc/self").exists() {
            assert_eq!(is_running(std::process::id()), Some(true));
        }
    }
}

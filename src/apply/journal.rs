//! What a run is about to do, written to `.git/fluxfleet/` before its first write, so that a
//! run stopped at any point (a failure, Ctrl-C, SIGKILL, a crash) is undone or completed: by
//! the run itself when it fails, by the next run of any command when it was killed.
//!
//! The journal records each file's bytes before (as git blobs), the id of its bytes after, the
//! directories the run creates, the name of its temporaries, and, when it commits, the branch,
//! the commit and the index it is about to put in place. A run is complete once HEAD names its
//! branch at its commit (the last step); until then it is rolled back.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};

use super::writer::{self, Step};
use crate::error::{Error, IoContext, Result};
use crate::paths::to_slash;

const DIR: &str = "fluxfleet";
const FILE: &str = "journal.json";
/// The index the run puts in place, kept until the run ends to recognise it.
pub const NEW_INDEX: &str = "index.new";
/// The index before the run.
const OLD_INDEX: &str = "index.orig";

/// The record on disk.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    pid: u32,
    token: String,
    /// The branch the run commits on (`refs/heads/...`); `None` with `--no-commit`.
    branch: Option<String>,
    /// The commit, once made.
    commit: Option<String>,
    /// True when the run takes git's `index.lock`.
    index_lock: bool,
    files: Vec<FileRecord>,
    dirs: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileRecord {
    path: String,
    /// The blob of the bytes before; `None` when there was no file.
    before: Option<String>,
    mode: Option<u32>,
    /// The blob id of the bytes after; `None` when the run removes the file.
    after: Option<String>,
}

/// A run's journal, open while the run writes.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    record: Record,
    /// Whether the run holds `index.lock`: known in the run itself; after a crash, the record
    /// says the run meant to take it.
    index_lock: bool,
}

impl Journal {
    /// Records the run before its first write: `steps` and `dirs` under the token's
    /// temporaries, the branch it commits on.
    pub fn begin(
        repo: &Repository,
        token: &str,
        steps: &[Step],
        dirs: &[PathBuf],
        branch: Option<&str>,
    ) -> Result<Journal> {
        let dir = repo.path().join(DIR);
        if dir.join(FILE).exists() {
            return Err(Error::refused(format!(
                "{} exists: an interrupted run was not recovered; run `fluxfleet status` to \
                 recover it, then run again",
                dir.join(FILE).display()
            )));
        }
        let mut files = Vec::with_capacity(steps.len());
        for step in steps {
            let before = match &step.before {
                Some(bytes) => Some(repo.blob(bytes)?.to_string()),
                None => None,
            };
            files.push(FileRecord {
                path: to_slash(&step.path),
                before,
                mode: step.mode,
                after: step.after_id.map(|id| id.to_string()),
            });
        }
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).at(&dir)?;
        let journal = Journal {
            index_lock: false,
            dir,
            record: Record {
                pid: std::process::id(),
                token: token.to_string(),
                branch: branch.map(str::to_string),
                commit: None,
                index_lock: true,
                files,
                dirs: dirs.iter().map(|d| to_slash(d)).collect(),
            },
        };
        journal.save()?;
        Ok(journal)
    }

    /// The run took git's `index.lock`: undoing the run removes it, and puts back the index
    /// as it is now, which no one can change any more until the run ends.
    pub fn holds_index_lock(&mut self, repo: &Repository) -> Result<()> {
        self.index_lock = true;
        let index = repo.path().join("index");
        if index.exists() {
            fs::copy(&index, self.dir.join(OLD_INDEX)).at(&index)?;
        }
        Ok(())
    }

    /// Where the run keeps its staging files (the new index).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records the commit before the branch points at it.
    pub fn note_commit(&mut self, commit: Oid) -> Result<()> {
        self.record.commit = Some(commit.to_string());
        self.save()
    }

    /// The run completed: the journal goes.
    pub fn close(self) {
        let _ = fs::remove_dir_all(&self.dir);
    }

    /// Undoes the run: files, temporaries, directories, branch, index; then the journal goes.
    /// Returns what was done, for the user.
    pub fn roll_back(self, repo: &Repository, root: &Path) -> Result<Recovered> {
        let steps = self.steps(repo)?;
        let dirs: Vec<PathBuf> = self.record.dirs.iter().map(PathBuf::from).collect();
        let left = writer::rollback(root, &steps, &dirs, &self.record.token);
        let mut branch = None;
        if let (Some(name), Some(commit)) = (&self.record.branch, &self.record.commit) {
            if let Ok(mut reference) = repo.find_reference(name) {
                if reference.target().map(|t| t.to_string()).as_deref() == Some(commit) {
                    reference.delete()?;
                    branch = Some(name.trim_start_matches("refs/heads/").to_string());
                }
            }
        }
        self.restore_index(repo)?;
        let recovered = Recovered {
            pid: self.record.pid,
            completed: false,
            files: steps.len(),
            branch,
            left,
        };
        self.close();
        Ok(recovered)
    }

    /// The run's steps, with the bytes before read back from the blobs.
    fn steps(&self, repo: &Repository) -> Result<Vec<Step>> {
        let mut steps = Vec::with_capacity(self.record.files.len());
        for file in &self.record.files {
            let before = match &file.before {
                Some(id) => Some(repo.find_blob(Oid::from_str(id)?)?.content().to_vec()),
                None => None,
            };
            steps.push(Step {
                path: PathBuf::from(&file.path),
                before,
                mode: file.mode,
                // Only their id is needed: rolling back compares ids.
                after: None,
                after_id: file.after.as_deref().and_then(|id| Oid::from_str(id).ok()),
            });
        }
        Ok(steps)
    }

    /// Puts back the index the run replaced, and removes the `index.lock` the run held.
    fn restore_index(&self, repo: &Repository) -> Result<()> {
        let git_dir = repo.path();
        let new = fs::read(self.dir.join(NEW_INDEX)).ok();
        let index = git_dir.join("index");
        let lock = git_dir.join("index.lock");
        if new.is_some() && fs::read(&index).ok() == new {
            match fs::read(self.dir.join(OLD_INDEX)) {
                Ok(old) => {
                    let temp = writer::temp_path(&index, &writer::token());
                    writer::write_new(&temp, &old, None).at(&temp)?;
                    fs::rename(&temp, &index).at(&index)?;
                }
                Err(_) => fs::remove_file(&index).at(&index)?,
            }
        }
        if self.index_lock {
            // git creates `index.lock` only where none exists, so while ours was there no one
            // else made one: an empty one, or one holding our new index, is ours.
            if let Ok(held) = fs::read(&lock) {
                if held.is_empty() || Some(&held) == new.as_ref() {
                    fs::remove_file(&lock).at(&lock)?;
                }
            }
        }
        Ok(())
    }

    fn save(&self) -> Result<()> {
        let path = self.dir.join(FILE);
        let text = serde_json::to_vec(&self.record)
            .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
        let temp = writer::temp_path(&path, &writer::token());
        writer::write_new(&temp, &text, None).at(&temp)?;
        fs::rename(&temp, &path).at(&path)?;
        if let Ok(dir) = fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// What the recovery of an interrupted run did.
#[derive(Debug)]
pub struct Recovered {
    pub pid: u32,
    /// The run had made its commit; only its leftovers were removed.
    pub completed: bool,
    /// How many files were put back.
    pub files: usize,
    /// The branch the run had created and that was removed.
    pub branch: Option<String>,
    /// Files changed by someone else since, left as found.
    pub left: Vec<String>,
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.completed {
            write!(
                f,
                "an interrupted fluxfleet run (pid {}) had committed its change; its leftovers \
                 were removed",
                self.pid
            )?;
        } else {
            write!(
                f,
                "an interrupted fluxfleet run (pid {}) was rolled back: {} file(s) as before",
                self.pid, self.files
            )?;
            if let Some(branch) = &self.branch {
                write!(f, ", branch {branch} removed")?;
            }
        }
        if !self.left.is_empty() {
            write!(
                f,
                "; changed since, left as found: {}",
                self.left.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Recovers the run recorded in the git directory `git_dir`, if a journal is there and no
/// live run holds the repository lock. `None` when there was nothing to recover.
pub fn recover(repo: &Repository, root: &Path) -> Result<Option<Recovered>> {
    let dir = repo.path().join(DIR);
    let path = dir.join(FILE);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(_) => {
            // A run killed before its journal was complete left only its staging files.
            if dir.exists() {
                let _ = fs::remove_dir_all(&dir);
            }
            return Ok(None);
        }
    };
    let record: Record = serde_json::from_slice(&text).map_err(|e| {
        Error::refused(format!(
            "{}: an interrupted run's journal cannot be read ({e}): check `git status`, then \
             remove {} and run again",
            path.display(),
            dir.display()
        ))
    })?;
    let journal = Journal {
        index_lock: record.index_lock,
        dir,
        record,
    };
    if journal.is_complete(repo, root) {
        let steps = journal.steps(repo)?;
        for step in &steps {
            let _ = fs::remove_file(writer::temp_path(
                &root.join(&step.path),
                &journal.record.token,
            ));
        }
        if journal.record.branch.is_none() {
            // Without a commit the run's last step was to let go of `index.lock`.
            journal.restore_index(repo)?;
        }
        let pid = journal.record.pid;
        journal.close();
        return Ok(Some(Recovered {
            pid,
            completed: true,
            files: 0,
            branch: None,
            left: Vec::new(),
        }));
    }
    journal.roll_back(repo, root).map(Some)
}

impl Journal {
    /// True when the run's last step was taken: HEAD names its branch at its commit, or,
    /// without a commit, every file is as the run wrote it.
    fn is_complete(&self, repo: &Repository, root: &Path) -> bool {
        let Some(branch) = &self.record.branch else {
            return self.record.files.iter().all(|file| {
                let now = fs::read(root.join(&file.path)).ok();
                now.as_deref().map(|b| writer::blob_id(b).to_string()) == file.after
            });
        };
        let Some(commit) = &self.record.commit else {
            return false;
        };
        let head = repo.find_reference("HEAD").ok();
        let names = head
            .as_ref()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
        let at = repo
            .find_reference(branch)
            .ok()
            .and_then(|r| r.target())
            .map(|t| t.to_string());
        names.as_deref() == Some(branch)
            && at.as_deref() == Some(commit)
            && !self.index_pending(repo)
    }

    /// True while git's `index.lock` still holds the run's new index (not yet renamed).
    fn index_pending(&self, repo: &Repository) -> bool {
        let new = fs::read(self.dir.join(NEW_INDEX)).ok();
        new.is_some() && fs::read(repo.path().join("index.lock")).ok() == new
    }
}

//! What a run is about to do, written to `.git/fluxfleet/` before its first write, so that a
//! run stopped at any point (a failure, Ctrl-C, SIGKILL, a crash) is undone or completed: by
//! the run itself when it fails, by the next run of any command when it was killed.
//!
//! The journal records HEAD as the run found it, each file's bytes before (as git blobs), the
//! id of its bytes after, the directories the run creates, the name of its temporaries, and,
//! when it commits, the branch and the commit. The run's last steps are, as `git commit`'s:
//! the branch, HEAD, then the new index renamed from the held `index.lock`. So a run whose HEAD
//! names its branch at its commit has made its change, and only its index may be left to put
//! in place; a run whose HEAD is still where it was is rolled back; anything else (HEAD moved
//! by someone since) is left alone, with a word.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};

use crate::apply::writer::{self, Step};
use crate::error::{Error, IoContext, Result};
use crate::paths::to_slash;

const DIR: &str = "fluxfleet";
const FILE: &str = "journal.json";
/// The index the run puts in place, kept until the run ends to recognise it.
const NEW_INDEX: &str = "index.new";

/// The record on disk.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    pid: u32,
    token: String,
    /// HEAD as the run found it.
    head: Head,
    /// The branch the run commits on (`refs/heads/...`); `None` with `--no-commit`.
    branch: Option<String>,
    /// The commit, once made.
    commit: Option<String>,
    files: Vec<FileRecord>,
    dirs: Vec<String>,
}

/// Where HEAD is: the branch it names, and the commit it resolves to (`None` when unborn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    name: Option<String>,
    commit: Option<String>,
}

impl Head {
    fn of(repo: &Repository) -> Head {
        let name = repo
            .find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
        let commit = repo
            .head()
            .ok()
            .and_then(|h| h.target())
            .map(|t| t.to_string());
        Head { name, commit }
    }
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
            dir,
            record: Record {
                pid: std::process::id(),
                token: token.to_string(),
                head: Head::of(repo),
                branch: branch.map(str::to_string),
                commit: None,
                files,
                dirs: dirs.iter().map(|d| to_slash(d)).collect(),
            },
        };
        journal.save()?;
        Ok(journal)
    }

    /// Takes git's `index.lock` as git does, only where none exists, and makes it
    /// recognisably the run's from its first moment: it appears, by a hard link, already
    /// holding the run's mark. Until the run ends the lock holds either that mark or the run's
    /// whole new index, so a recovery never mistakes another process's lock for the run's.
    pub fn take_index_lock(&self, repo: &Repository) -> Result<()> {
        let marked = self.dir.join("index.lock.mark");
        writer::write_new(&marked, self.mark().as_bytes(), None).at(&marked)?;
        let lock = repo.path().join("index.lock");
        fs::hard_link(&marked, &lock).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::refused(format!(
                "{} exists: another git process is using this repository; wait for it, or \
                 remove the file if no git process is running",
                lock.display()
            )),
            _ => Error::io(&lock, e),
        })
    }

    /// What the run's `index.lock` holds until the new index replaces it.
    fn mark(&self) -> String {
        format!("fluxfleet {} {}\n", self.record.pid, self.record.token)
    }

    /// True when `held`, the bytes of `index.lock`, are the run's mark.
    fn marked(&self, held: &[u8]) -> bool {
        held == self.mark().as_bytes()
    }

    /// True while `index.lock` is the run's: its mark, or its whole new index.
    fn holds_lock(&self, repo: &Repository) -> bool {
        fs::read(repo.path().join("index.lock")).is_ok_and(|held| {
            self.marked(&held) || Some(held) == fs::read(self.dir.join(NEW_INDEX)).ok()
        })
    }

    /// Lets go of `index.lock` without a new index (`--no-commit`), when it is the run's.
    pub fn release_index_lock(&self, repo: &Repository) -> Result<()> {
        let lock = repo.path().join("index.lock");
        if self.holds_lock(repo) {
            fs::remove_file(&lock).at(&lock)?;
        }
        Ok(())
    }

    /// Where the run stages the index it puts in place.
    pub fn new_index(&self) -> PathBuf {
        self.dir.join(NEW_INDEX)
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

    /// Undoes the run: files, temporaries, directories, branch, `index.lock`; then the journal
    /// goes. A file that could not be put back keeps the journal, so the next run tries again,
    /// and is an error.
    pub fn roll_back(self, repo: &Repository, root: &Path) -> Result<Recovered> {
        let steps = self.steps(repo)?;
        let dirs: Vec<PathBuf> = self.record.dirs.iter().map(PathBuf::from).collect();
        let undone = writer::rollback(root, &steps, &dirs, &self.record.token);
        if !undone.failed.is_empty() {
            return Err(Error::refused(format!(
                "an interrupted change could not be undone: {} could not be put back as they \
                 were; {} keeps the record: free what stands in the way (disk space, \
                 permissions), then run `fluxfleet status` to finish undoing it",
                undone.failed.join(", "),
                self.dir.display()
            )));
        }
        // HEAD back where the run found it, before its branch goes.
        if let Some(name) = &self.record.head.name {
            if Head::of(repo).name.as_ref() != Some(name) {
                repo.set_head(name)?;
            }
        }
        let mut branch = None;
        if let (Some(name), Some(commit)) = (&self.record.branch, &self.record.commit) {
            if let Ok(mut reference) = repo.find_reference(name) {
                if reference.target().map(|t| t.to_string()).as_deref() == Some(commit) {
                    reference.delete()?;
                    branch = Some(name.trim_start_matches("refs/heads/").to_string());
                }
            }
        }
        self.release_index_lock(repo)?;
        let recovered = Recovered {
            pid: self.record.pid,
            outcome: Fate::RolledBack {
                files: undone.restored,
                branch,
            },
            left: undone.left,
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

    /// Puts the run's new index in place when its last steps were not taken: `index.lock`
    /// holds the whole new index (it is renamed there complete), or still the run's mark, and
    /// the new index waits in the journal's directory.
    fn finish_index(&self, repo: &Repository) -> Result<()> {
        let lock = repo.path().join("index.lock");
        let index = repo.path().join("index");
        let staged = self.dir.join(NEW_INDEX);
        let Ok(new) = fs::read(&staged) else {
            return Ok(());
        };
        match fs::read(&lock) {
            Ok(held) if held == new => fs::rename(&lock, &index).at(&index),
            Ok(held) if self.marked(&held) => {
                fs::rename(&staged, &index).at(&index)?;
                fs::remove_file(&lock).at(&lock)
            }
            // No lock: the index was put in place.
            _ => Ok(()),
        }
    }

    /// True when the run's commit is in place: its branch holds its commit (or has moved on
    /// from it), and HEAD names the branch or the run's `index.lock` is gone, the run's last
    /// step. Then the user may have switched back or committed more since: nothing is undone.
    fn committed(&self, repo: &Repository) -> bool {
        let (Some(branch), Some(commit)) = (&self.record.branch, &self.record.commit) else {
            return false;
        };
        let (Ok(commit), Some(tip)) = (
            Oid::from_str(commit),
            repo.find_reference(branch).ok().and_then(|r| r.target()),
        ) else {
            return false;
        };
        let holds = tip == commit || repo.graph_descendant_of(tip, commit).unwrap_or(false);
        holds && (Head::of(repo).name.as_deref() == Some(branch) || !self.holds_lock(repo))
    }

    /// Without a commit: true when every file is as the run wrote it.
    fn written(&self, root: &Path) -> bool {
        self.record.branch.is_none()
            && self.record.files.iter().all(|file| {
                let now = fs::read(root.join(&file.path)).ok();
                now.as_deref().map(|b| writer::blob_id(b).to_string()) == file.after
            })
    }

    /// Removes the run's temporaries and its journal, once its change is in place.
    fn complete(self, repo: &Repository, root: &Path) -> Result<Recovered> {
        if self.record.branch.is_some() {
            self.finish_index(repo)?;
        } else {
            // Without a commit the run's last step was to let go of `index.lock`.
            self.release_index_lock(repo)?;
        }
        for file in &self.record.files {
            let _ = fs::remove_file(writer::temp_path(
                &root.join(&file.path),
                &self.record.token,
            ));
        }
        let pid = self.record.pid;
        self.close();
        Ok(Recovered {
            pid,
            outcome: Fate::Completed,
            left: Vec::new(),
        })
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

/// What became of an interrupted run.
#[derive(Debug)]
pub enum Fate {
    /// Its change was in place; its leftovers were removed.
    Completed,
    /// It was undone: how many files were put back, and the branch removed.
    RolledBack {
        files: usize,
        branch: Option<String>,
    },
    /// HEAD moved since it was interrupted: nothing was touched; the journal stays.
    LeftAlone { journal: PathBuf },
}

/// What the recovery of an interrupted run did.
#[derive(Debug)]
pub struct Recovered {
    pub pid: u32,
    pub outcome: Fate,
    /// Files changed by someone else since (or behind a link now), left as found.
    pub left: Vec<String>,
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pid = self.pid;
        match &self.outcome {
            Fate::Completed => write!(
                f,
                "an interrupted fluxfleet run (pid {pid}) had committed its change; its \
                 leftovers were removed"
            )?,
            Fate::RolledBack { files, branch } => {
                write!(
                    f,
                    "an interrupted fluxfleet run (pid {pid}) was rolled back: {files} file(s) \
                     as before"
                )?;
                if let Some(branch) = branch {
                    write!(f, ", branch {branch} removed")?;
                }
            }
            Fate::LeftAlone { journal } => write!(
                f,
                "an interrupted fluxfleet run (pid {pid}) is recorded in {}, but HEAD has moved \
                 since, so it was left alone: check `git status` and `git log`, then remove {}",
                journal.display(),
                journal.display()
            )?,
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

/// Recovers the run recorded in the repository's git directory, if a journal is there. The
/// caller holds the repository lock. `None` when there was nothing to recover.
pub fn recover(repo: &Repository, root: &Path) -> Result<Option<Recovered>> {
    let dir = repo.path().join(DIR);
    let path = dir.join(FILE);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A run killed before its journal was complete left only its staging files.
            if dir.exists() {
                let _ = fs::remove_dir_all(&dir);
            }
            return Ok(None);
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let record: Record = serde_json::from_slice(&text).map_err(|e| {
        Error::refused(format!(
            "{}: an interrupted run's journal cannot be read ({e}): check `git status`, then \
             remove {} and run again",
            path.display(),
            dir.display()
        ))
    })?;
    let journal = Journal { dir, record };
    if journal.committed(repo) || journal.written(root) {
        return journal.complete(repo, root).map(Some);
    }
    if Head::of(repo) == journal.record.head {
        return journal.roll_back(repo, root).map(Some);
    }
    Ok(Some(Recovered {
        pid: journal.record.pid,
        outcome: Fate::LeftAlone {
            journal: journal.dir.clone(),
        },
        left: Vec::new(),
    }))
}

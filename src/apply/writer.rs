//! The one applier: writes a ChangeSet's files into the working tree, and puts them back.
//!
//! Every new text goes to a temporary sibling first: created exclusively under a name no one can
//! guess (never through a file or link already there), synced, and only when all are written
//! renamed into place. Undoing ([`rollback`]) works from what was there before, so the same
//! code serves a failure in this run and the recovery of a run that was killed
//! ([`super::journal`]).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use git2::{ObjectType, Oid};

use crate::error::{Error, IoContext, Result};
use crate::fault;
use crate::paths::to_slash;
use crate::plan::{ChangeSet, FileChange};

/// One file of a change: its bytes before and after, and its permissions.
#[derive(Debug, Clone)]
pub struct Step {
    /// Repository-relative path.
    pub path: PathBuf,
    /// The bytes before the change; `None` when there was no file.
    pub before: Option<Vec<u8>>,
    /// The permission bits the file keeps (of the file before, or of a move's source).
    pub mode: Option<u32>,
    /// The bytes after the change; `None` when the change removes the file (or when only
    /// their id is known, read back from a journal).
    pub after: Option<Vec<u8>>,
    /// The git object id of the bytes after, to recognise them later.
    pub after_id: Option<Oid>,
}

impl Step {
    fn new(path: &Path, before: Option<&str>, mode: Option<u32>, after: Option<&str>) -> Step {
        Step {
            path: path.to_path_buf(),
            before: before.map(|b| b.as_bytes().to_vec()),
            mode,
            after: after.map(|a| a.as_bytes().to_vec()),
            after_id: after.map(|a| blob_id(a.as_bytes())),
        }
    }
}

/// The steps of `change` under `root`: a move is a removal and a creation.
pub fn steps(root: &Path, change: &ChangeSet) -> Result<Vec<Step>> {
    let mode = |path: &Path| -> Result<Option<u32>> {
        let full = root.join(path);
        Ok(mode_of(&fs::symlink_metadata(&full).at(&full)?))
    };
    let mut steps = Vec::new();
    for file in &change.changes {
        match file {
            FileChange::Create { path, content } => {
                steps.push(Step::new(path, None, None, Some(content)));
            }
            FileChange::Edit { path, old, new } => {
                steps.push(Step::new(path, Some(old), mode(path)?, Some(new)));
            }
            FileChange::Move { from, to, old, new } => {
                let kept = mode(from)?;
                steps.push(Step::new(to, None, kept, Some(new)));
                steps.push(Step::new(from, Some(old), kept, None));
            }
            FileChange::Delete { path, old } => {
                steps.push(Step::new(path, Some(old), mode(path)?, None));
            }
        }
    }
    Ok(steps)
}

/// The directories the steps need that do not exist yet, parents first.
pub fn new_dirs(root: &Path, steps: &[Step]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for step in steps.iter().filter(|s| s.after.is_some()) {
        let mut missing = Vec::new();
        let mut dir = step.path.parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if root.join(d).is_dir() || dirs.iter().any(|known| known == d) {
                break;
            }
            missing.push(d.to_path_buf());
            dir = d.parent();
        }
        dirs.extend(missing.into_iter().rev());
    }
    dirs
}

/// A name for this run's temporary files that no one can guess in advance.
pub fn token() -> String {
    use std::hash::{BuildHasher, Hasher};
    // The standard library seeds each `RandomState` from the system's random source.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    format!("{:016x}", hasher.finish())
}

/// The temporary sibling of `target` for the run named by `token`.
pub fn temp_path(target: &Path, token: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.fluxfleet-{token}.tmp"))
}

/// Phase 1: creates the new directories, and writes every new text to its temporary sibling.
pub fn write_temps(root: &Path, steps: &[Step], dirs: &[PathBuf], token: &str) -> Result<()> {
    for dir in dirs {
        fault::point(&format!("create directory {}", to_slash(dir)))?;
        let full = root.join(dir);
        fs::create_dir(&full).at(&full)?;
    }
    let mut temps = Vec::new();
    for step in steps {
        let Some(after) = &step.after else {
            continue;
        };
        let temp = temp_path(&root.join(&step.path), token);
        fault::point(&format!("write {}", to_slash(&step.path)))?;
        write_unsynced(&temp, after, step.mode).at(&step.path)?;
        temps.push((temp, &step.path));
    }
    // Synced together: concurrent syncs share the file system's journal commits, where one
    // after another each waits for its own (a tenth of a second for 140 files).
    match sync_together(&temps, |(temp, _)| fs::File::open(temp)?.sync_all()) {
        Some((first, e)) => Err(Error::io(temps[first].1, e)),
        None => Ok(()),
    }
}

/// Runs `sync` on every item, a few at a time; the first item that failed (its index), with
/// its error.
fn sync_together<T: Sync>(
    items: &[T],
    sync: impl Fn(&T) -> std::io::Result<()> + Sync,
) -> Option<(usize, std::io::Error)> {
    const AT_ONCE: usize = 8;
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..AT_ONCE.min(items.len()) {
            scope.spawn(|| loop {
                let at = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(at) else {
                    break;
                };
                if let Err(e) = sync(item) {
                    let mut failures = failures.lock().unwrap_or_else(PoisonError::into_inner);
                    failures.push((at, e));
                }
            });
        }
    });
    let failures = failures
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    failures.into_iter().min_by_key(|(at, _)| *at)
}

/// Phase 2: renames every temporary into place, then removes the files that go (and the
/// directories that leaves empty), and syncs the directories so the renames last.
pub fn install(root: &Path, steps: &[Step], token: &str) -> Result<()> {
    for step in steps.iter().filter(|s| s.after.is_some()) {
        let target = root.join(&step.path);
        fault::point(&format!("rename {}", to_slash(&step.path)))?;
        fs::rename(temp_path(&target, token), &target).at(&target)?;
    }
    for step in steps.iter().filter(|s| s.after.is_none()) {
        let target = root.join(&step.path);
        fault::point(&format!("remove {}", to_slash(&step.path)))?;
        fs::remove_file(&target).at(&target)?;
        remove_empty_dirs(root, step.path.parent());
    }
    let mut parents: Vec<PathBuf> = steps
        .iter()
        .filter_map(|s| s.path.parent())
        .map(|p| root.join(p))
        .collect();
    parents.sort();
    parents.dedup();
    sync_together(&parents, |dir| {
        sync_dir(dir);
        Ok(())
    });
    Ok(())
}

/// What [`rollback`] did.
#[derive(Debug, Default)]
pub struct Undone {
    /// Files put back as they were.
    pub restored: usize,
    /// Files changed by someone else since, or now behind a link: left as found.
    pub left: Vec<String>,
    /// Files that could not be put back (a failed write).
    pub failed: Vec<String>,
}

/// Puts every step's file back as it was before, removes this run's temporaries (named by
/// `token`) and the directories it created. A file that is neither as before nor as the change
/// wrote it was changed by someone else, and a path that now goes through a link may lead
/// anywhere: both are left alone.
pub fn rollback(root: &Path, steps: &[Step], dirs: &[PathBuf], token: &str) -> Undone {
    let mut undone = Undone::default();
    let restoring = self::token();
    for step in steps.iter().rev() {
        let shown = to_slash(&step.path);
        if super::guard::check_path(root, &step.path).is_err() {
            undone.left.push(shown);
            continue;
        }
        let target = root.join(&step.path);
        let _ = fs::remove_file(temp_path(&target, token));
        let now = match fs::symlink_metadata(&target) {
            Ok(meta) if meta.is_file() => fs::read(&target).ok(),
            Ok(_) => {
                undone.left.push(shown);
                continue;
            }
            Err(_) => None,
        };
        if now == step.before {
            continue;
        }
        let ours = now.is_none() || now.as_deref().map(blob_id) == step.after_id;
        if !ours {
            undone.left.push(shown);
            continue;
        }
        let restored = match &step.before {
            None => fs::remove_file(&target),
            Some(bytes) => restore(&target, bytes, step.mode, &restoring),
        };
        match restored {
            Ok(()) => undone.restored += 1,
            Err(_) => undone.failed.push(shown),
        }
    }
    for dir in dirs.iter().rev() {
        let _ = fs::remove_dir(root.join(dir));
    }
    undone
}

/// The git blob id of `bytes`.
pub fn blob_id(bytes: &[u8]) -> Oid {
    Oid::hash_object(ObjectType::Blob, bytes).unwrap_or(Oid::ZERO_SHA1)
}

fn restore(target: &Path, bytes: &[u8], mode: Option<u32>, token: &str) -> std::io::Result<()> {
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    let temp = temp_path(target, token);
    write_new(&temp, bytes, mode)?;
    fs::rename(&temp, target).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

/// Writes `bytes` to a new file at `path`, which must not exist (not even as a link), with
/// permission bits `mode`, and syncs it. A failed write removes the file it created.
pub fn write_new(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let file = write_unsynced(path, bytes, mode)?;
    file.sync_all().inspect_err(|_| {
        drop(file);
        let _ = fs::remove_file(path);
    })
}

/// [`write_new`] without the sync: the file, open, for the caller to sync.
fn write_unsynced(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<fs::File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let mut file = options.open(path)?;
    let written = file.write_all(bytes).and_then(|()| match mode {
        Some(mode) => set_mode(&file, mode),
        None => Ok(()),
    });
    match written {
        Ok(()) => Ok(file),
        Err(e) => {
            drop(file);
            let _ = fs::remove_file(path);
            Err(e)
        }
    }
}

/// Removes directories left empty by a deletion, up to the repository root.
fn remove_empty_dirs(root: &Path, mut dir: Option<&Path>) {
    while let Some(current) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if fs::remove_dir(root.join(current)).is_err() {
            return;
        }
        dir = current.parent();
    }
}

/// Makes the renames in `dir` durable; a file system that cannot sync a directory is no error.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &fs::Metadata) -> Option<u32> {
    None
}

#[cfg(unix)]
fn set_mode(file: &fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &fs::File, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// Refuses when a file changed on disk after the fleet was read, or a new file's path is taken.
pub fn verify_unchanged(root: &Path, change: &ChangeSet) -> Result<()> {
    for file in &change.changes {
        if let Some((path, old)) = file.before() {
            // Gone or unreadable counts as changed: the plan was made from other text.
            let current = fs::read(root.join(path)).ok();
            if current.as_deref() != Some(old.as_bytes()) {
                return Err(Error::changed_on_disk(path));
            }
        }
        if let FileChange::Create { path, .. } | FileChange::Move { to: path, .. } = file {
            if fs::symlink_metadata(root.join(path)).is_ok() {
                return Err(Error::refused(format!(
                    "{} exists already: nothing was written",
                    to_slash(path)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_is_never_written_through_what_is_at_its_name() {
        let dir = assert_fs::TempDir::new().unwrap();
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "keep me\n").unwrap();
        let temp = dir.path().join(".list.yaml.fluxfleet-x.tmp");
        std::os::unix::fs::symlink(&outside, &temp).unwrap();
        let error = write_new(&temp, b"new\n", None).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep me\n");
        assert!(fs::symlink_metadata(&temp)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(token(), token());
        assert_eq!(token().len(), 16);
    }

    #[test]
    fn rollback_restores_removes_and_leaves_what_someone_else_changed() {
        let dir = assert_fs::TempDir::new().unwrap();
        let root = dir.path();
        fs::write(root.join("edited"), "new\n").unwrap();
        fs::write(root.join("created"), "made\n").unwrap();
        fs::write(root.join("theirs"), "someone else's\n").unwrap();
        fs::create_dir(root.join("sub")).unwrap();
        let step = |path: &str, before: Option<&str>, after: Option<&str>| {
            Step::new(Path::new(path), before, Some(0o640), after)
        };
        let steps = vec![
            step("edited", Some("old\n"), Some("new\n")),
            step("created", None, Some("made\n")),
            step("removed", Some("gone\n"), None),
            step("theirs", Some("old\n"), Some("new\n")),
        ];
        let undone = rollback(root, &steps, &[PathBuf::from("sub")], "t");
        assert_eq!(undone.left, vec!["theirs".to_string()]);
        assert_eq!(undone.restored, 3);
        assert!(undone.failed.is_empty());
        assert_eq!(fs::read_to_string(root.join("edited")).unwrap(), "old\n");
        assert_eq!(fs::read_to_string(root.join("removed")).unwrap(), "gone\n");
        assert!(!root.join("created").exists());
        assert!(!root.join("sub").exists());
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(root.join("edited"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}

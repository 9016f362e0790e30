//! The one applier: writes a ChangeSet to the working tree all-or-nothing. Every new text goes
//! to a temporary sibling first; only when all are written are they renamed into place, and any
//! failure undoes the steps already taken.

use std::fs;
use std::path::{Path, PathBuf};

use super::fault;
use crate::error::{Error, IoContext, Result};
use crate::paths::to_slash;
use crate::plan::{ChangeSet, FileChange};

/// A step taken, and how to undo it.
#[derive(Debug)]
enum Undo {
    /// A file that did not exist before.
    Remove(PathBuf),
    /// A file replaced or removed: its text and permissions before.
    Restore {
        path: PathBuf,
        text: String,
        permissions: fs::Permissions,
    },
    /// A directory this run created.
    RemoveDir(PathBuf),
    /// A directory this run removed because a deletion emptied it.
    CreateDir(PathBuf),
}

/// A change written to disk, which can still be undone.
#[derive(Debug)]
pub struct Applied {
    undo: Vec<Undo>,
}

impl Applied {
    /// Puts every file back as it was before [`apply`].
    pub fn rollback(mut self) {
        while let Some(step) = self.undo.pop() {
            // Best effort: a rollback that fails leaves the file as the change wrote it, and
            // the original text is still in the change set and in git.
            let _ = match step {
                Undo::Remove(path) => fs::remove_file(&path),
                Undo::Restore {
                    path,
                    text,
                    permissions,
                } => fs::write(&path, text).and_then(|_| fs::set_permissions(&path, permissions)),
                Undo::RemoveDir(dir) => fs::remove_dir(&dir),
                Undo::CreateDir(dir) => fs::create_dir(&dir),
            };
        }
    }
}

/// Writes `change` under `root`, or nothing at all. Refuses, writing nothing, when a path
/// leaves the repository ([`super::guard`]) or a file is not as the plan read it.
pub fn apply(root: &Path, change: &ChangeSet) -> Result<Applied> {
    super::guard::check(root, change)?;
    verify_unchanged(root, change)?;
    let mut applied = Applied { undo: Vec::new() };
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = write_all(root, change, &mut applied, &mut temps);
    if result.is_err() {
        for (temp, _) in &temps {
            let _ = fs::remove_file(temp);
        }
        applied.rollback();
        return Err(result
            .err()
            .unwrap_or_else(|| Error::refused("write failed")));
    }
    Ok(applied)
}

fn write_all(
    root: &Path,
    change: &ChangeSet,
    applied: &mut Applied,
    temps: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<()> {
    // Phase 1: every new text into a temporary sibling, with the permissions it will keep.
    for file in &change.changes {
        let Some((path, text)) = file.after() else {
            continue;
        };
        let target = root.join(path);
        let parent = target.parent().unwrap_or(root);
        create_dirs(root, parent, applied)?;
        let temp = temp_sibling(&target);
        fault::point(&format!("write {}", to_slash(path)))?;
        fs::write(&temp, text).at(&temp)?;
        temps.push((temp.clone(), target.clone()));
        let source = match file {
            FileChange::Move { from, .. } => Some(root.join(from)),
            FileChange::Edit { .. } => Some(target.clone()),
            _ => None,
        };
        if let Some(source) = source {
            let permissions = fs::metadata(&source).at(&source)?.permissions();
            fs::set_permissions(&temp, permissions).at(&temp)?;
        }
    }
    // Writing the temporaries took time: look again, so that an editor's save in the meantime
    // aborts the run instead of being overwritten.
    verify_unchanged(root, change)?;
    // Phase 2: rename each into place and remove what goes, remembering how to undo it.
    // A temporary already renamed is gone, so cleaning up all of them after a failure is safe.
    for (temp, target) in temps.iter() {
        let before = match fs::metadata(target) {
            Ok(meta) => Some((fs::read_to_string(target).at(target)?, meta.permissions())),
            Err(_) => None,
        };
        fault::point(&format!("rename {}", target.display()))?;
        fs::rename(temp, target).at(target)?;
        applied.undo.push(match before {
            Some((text, permissions)) => Undo::Restore {
                path: target.clone(),
                text,
                permissions,
            },
            None => Undo::Remove(target.clone()),
        });
    }
    for file in &change.changes {
        let gone = match file {
            FileChange::Delete { path, .. } => path,
            FileChange::Move { from, .. } => from,
            _ => continue,
        };
        let target = root.join(gone);
        let text = fs::read_to_string(&target).at(&target)?;
        let permissions = fs::metadata(&target).at(&target)?.permissions();
        fault::point(&format!("remove {}", to_slash(gone)))?;
        fs::remove_file(&target).at(&target)?;
        applied.undo.push(Undo::Restore {
            path: target.clone(),
            text,
            permissions,
        });
        remove_empty_dirs(root, target.parent(), applied);
    }
    Ok(())
}

/// Refuses when a file changed on disk after the fleet was read, or a new file's path is taken.
fn verify_unchanged(root: &Path, change: &ChangeSet) -> Result<()> {
    for file in &change.changes {
        if let Some((path, old)) = file.before() {
            // Gone or unreadable counts as changed: the plan was made from other text.
            let current = fs::read(root.join(path)).ok();
            if current.as_deref() != Some(old.as_bytes()) {
                return Err(Error::refused(format!(
                    "{} changed on disk while fluxfleet was working: nothing was written; run \
                     the command again",
                    to_slash(path)
                )));
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

fn create_dirs(root: &Path, dir: &Path, applied: &mut Applied) -> Result<()> {
    if dir.is_dir() || dir == root {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(root, parent, applied)?;
    }
    fault::point(&format!("create directory {}", dir.display()))?;
    fs::create_dir(dir).at(dir)?;
    applied.undo.push(Undo::RemoveDir(dir.to_path_buf()));
    Ok(())
}

/// Removes directories left empty by a deletion, up to the repository root.
fn remove_empty_dirs(root: &Path, mut dir: Option<&Path>, applied: &mut Applied) {
    while let Some(current) = dir {
        if current == root || !current.starts_with(root) || fs::remove_dir(current).is_err() {
            return;
        }
        applied.undo.push(Undo::CreateDir(current.to_path_buf()));
        dir = current.parent();
    }
}

fn temp_sibling(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.fluxfleet-{}.tmp", std::process::id()))
}

//! Paths a change may write: inside the repository, outside `.git`, never through a symbolic
//! link.

use std::path::{Component, Path};

use crate::error::{Error, Result};
use crate::paths::to_slash;
use crate::plan::ChangeSet;

/// Refuses, naming the path, if any path of `change` could write outside `root`.
pub fn check(root: &Path, change: &ChangeSet) -> Result<()> {
    for path in change.touched_paths() {
        check_path(root, &path)?;
    }
    Ok(())
}

fn check_path(root: &Path, path: &Path) -> Result<()> {
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
    for component in components {
        let Component::Normal(name) = component else {
            return Err(outside());
        };
        if current == root && name == ".git" {
            return Err(Error::refused(format!(
                "{}: refusing to write inside .git",
                to_slash(path)
            )));
        }
        current.push(name);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Error::refused(format!(
                    "{}: refusing to write through the symbolic link {}",
                    to_slash(path),
                    current.strip_prefix(root).unwrap_or(&current).display()
                )));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

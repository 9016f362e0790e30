//! Submodules in the way of a change: a path recorded in HEAD as a submodule (a gitlink) is
//! another repository, whose files this repository's commit cannot hold.

use std::path::{Path, PathBuf};

use git2::{Repository, Tree};

use crate::error::{Error, Result};
use crate::paths::to_slash;

/// The mode git records a submodule with.
const GITLINK: i32 = 0o160000;

/// Refuses when a path the change touches is, or lies inside, a submodule of HEAD.
pub fn check_submodules(repo: &Repository, touched: &[PathBuf]) -> Result<()> {
    let Ok(tree) = repo.head().and_then(|head| head.peel_to_tree()) else {
        return Ok(());
    };
    for path in touched {
        if let Some(submodule) = submodule_of(&tree, path) {
            let sub = to_slash(&submodule);
            return Err(Error::refused(format!(
                "{sub} is a git submodule (a separate repository, recorded in HEAD as a \
                 commit), so {} cannot be committed in this repository: make the change in \
                 the submodule's own repository (pass --no-commit to edit the files, then \
                 commit them in {sub}), or turn {sub} into an ordinary directory of this \
                 repository",
                to_slash(path)
            )));
        }
    }
    Ok(())
}

/// `path` itself or its nearest ancestor that HEAD records as a submodule.
fn submodule_of(tree: &Tree, path: &Path) -> Option<PathBuf> {
    let mut ancestors: Vec<&Path> = path
        .ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    ancestors.reverse();
    for ancestor in ancestors {
        match tree.get_path(ancestor) {
            Ok(entry) if entry.filemode() == GITLINK => return Some(ancestor.to_path_buf()),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

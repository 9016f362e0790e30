//! The hooks `git commit` runs before committing. fluxfleet commits through libgit2, which runs
//! no hooks, so a repository that has them is refused unless the user skips them as
//! `git commit --no-verify` would.

use std::path::{Path, PathBuf};

use git2::Repository;

use crate::error::{Error, Result};

/// The hooks `git commit --no-verify` skips.
const SKIPPED_BY_NO_VERIFY: [&str; 2] = ["pre-commit", "commit-msg"];

/// Refuses when the repository has a `pre-commit` or `commit-msg` hook, naming it and the flag
/// that skips it.
pub fn check_hooks(repo: &Repository) -> Result<()> {
    let dir = hooks_dir(repo)?;
    let found: Vec<PathBuf> = SKIPPED_BY_NO_VERIFY
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| is_executable(path))
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
    let (noun, them) = if found.len() == 1 {
        ("hook", "it")
    } else {
        ("hooks", "them")
    };
    Err(Error::refused(format!(
        "the repository has the git {noun} {}, which `git commit` would run but fluxfleet \
         cannot: pass --no-verify to commit without {them} (as `git commit --no-verify` does), \
         or pass --no-commit and commit the change yourself with `git commit`",
        names.join(" and ")
    )))
}

/// Where git looks for hooks: `core.hooksPath` (relative to the working tree, where hooks
/// run), else `hooks/` in the repository's common git directory (shared by its worktrees).
fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let config = repo.config()?;
    match config.get_path("core.hooksPath") {
        Ok(path) if path.is_absolute() => Ok(path),
        Ok(path) => Ok(repo.workdir().unwrap_or_else(|| repo.path()).join(path)),
        Err(_) => Ok(repo.commondir().join("hooks")),
    }
}

/// A hook counts as git counts it: a file git may execute.
#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A hook counts as git counts it: on Windows, any file of that name.
#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

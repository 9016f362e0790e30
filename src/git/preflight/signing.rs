//! `commit.gpgsign`: git signs every commit when it is set. fluxfleet cannot sign, so it
//! refuses rather than make an unsigned commit silently, unless told to as
//! `git commit --no-gpg-sign` is.

use git2::{ConfigLevel, Repository};

use crate::error::{Error, Result};

/// Refuses when git's configuration asks for signed commits.
pub fn check_signing(repo: &Repository) -> Result<()> {
    let config = repo.config()?;
    if !config.get_bool("commit.gpgsign").unwrap_or(false) {
        return Ok(());
    }
    let level = config
        .get_entry("commit.gpgsign")
        .map(|entry| match entry.level() {
            ConfigLevel::Local | ConfigLevel::Worktree => " in the repository's configuration",
            ConfigLevel::Global | ConfigLevel::XDG => " in your global git configuration",
            ConfigLevel::System | ConfigLevel::ProgramData => " in the system git configuration",
            _ => "",
        })
        .unwrap_or("");
    Err(Error::refused(format!(
        "commit.gpgsign is true{level}, so `git commit` would sign the commit, but fluxfleet \
         cannot sign: pass --no-gpg-sign to commit unsigned (as `git commit --no-gpg-sign` \
         does), or pass --no-commit and commit the change yourself with `git commit`"
    )))
}

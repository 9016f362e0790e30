//! The refusal for a bare repository, which has no working tree for fluxfleet to edit, even
//! when a `.git` file in the current directory points at it.

use std::path::Path;

use git2::Repository;

use crate::error::Error;

/// Says that `repo`, found from `start`, is bare and has no working tree, and where to run
/// instead.
pub fn bare_refusal(start: &Path, repo: &Repository) -> Error {
    let git_dir = repo.path().display().to_string();
    let git_dir = git_dir.trim_end_matches('/');
    let instead = format!(
        "run fluxfleet in a clone (`git clone {git_dir} DIR`) or in a worktree of it (`git -C \
         {git_dir} worktree add DIR`)"
    );
    let link = start
        .ancestors()
        .map(|dir| dir.join(".git"))
        .find(|dot_git| dot_git.exists());
    match link {
        Some(dot_git) if dot_git.is_file() => Error::refused(format!(
            "{} points at {git_dir}, which is a bare repository (core.bare = true): it has no \
             working tree, so {} is not one and fluxfleet has no files to edit and commit \
             there; {instead}",
            dot_git.display(),
            dot_git.parent().unwrap_or(start).display()
        )),
        _ => Error::refused(format!(
            "{git_dir} is a bare repository: it has no working tree for fluxfleet to edit; \
             {instead}"
        )),
    }
}

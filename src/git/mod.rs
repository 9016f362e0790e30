//! Step 4 of the pipeline, in intent-level functions: open the repository, make sure it is safe
//! to change, build the commit, put the branch in place, and hold a lock while doing so.
//!
//! The commit is built from HEAD's tree and the ChangeSet alone, so it holds exactly the planned
//! change whatever else is in the working tree.

mod bare;
mod lock;
mod preflight;
mod refname;

use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Oid, Repository, RepositoryInitOptions, Signature};

use crate::error::{Error, Result};
use crate::paths::to_slash;
use crate::plan::{ChangeSet, FileChange};

pub use lock::Lock;
pub use preflight::{preflight, Preflight};
pub use refname::check_branch_name;

/// The working directory of the repository containing `start`.
pub fn work_dir(start: &Path) -> Result<PathBuf> {
    let repo = Repository::discover(start).map_err(|_| {
        Error::refused(format!(
            "{} is not inside a git repository: run `fluxfleet init` there first, or pass -C DIR",
            start.display()
        ))
    })?;
    match repo.workdir() {
        Some(dir) => Ok(dir.to_path_buf()),
        None => Err(bare::bare_refusal(start, &repo)),
    }
}

/// Opens the repository whose working directory is `root`.
pub fn open(root: &Path) -> Result<Repository> {
    let repo = Repository::open(root)?;
    if repo.is_bare() {
        return Err(Error::refused(format!(
            "{} is a bare repository: run fluxfleet in a clone with a working tree",
            root.display()
        )));
    }
    Ok(repo)
}

/// Opens the repository whose working directory is `root`, or `None` when `root` is not in a
/// repository (`--no-commit` outside git).
pub fn open_if_any(root: &Path) -> Result<Option<Repository>> {
    match Repository::open(root) {
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
        Ok(_) => open(root).map(Some),
    }
}

/// Opens the repository at `dir`, or creates one there (`git init`) with the configured default
/// branch, `main` when none is configured.
pub fn open_or_init(dir: &Path) -> Result<(Repository, bool)> {
    if let Ok(repo) = Repository::open(dir) {
        return Ok((repo, false));
    }
    let branch = git2::Config::open_default()
        .and_then(|c| c.get_string("init.defaultBranch"))
        .unwrap_or_else(|_| "main".to_string());
    let mut options = RepositoryInitOptions::new();
    options.initial_head(&branch).mkpath(true);
    Ok((Repository::init_opts(dir, &options)?, true))
}

/// True when HEAD points at a branch with no commit yet.
pub fn is_unborn(repo: &Repository) -> bool {
    matches!(repo.head(), Err(e) if e.code() == git2::ErrorCode::UnbornBranch)
}

/// The commit object for `change` on top of HEAD (or as a first commit), written to the object
/// database but referenced by nothing yet.
pub fn build_commit(repo: &Repository, change: &ChangeSet) -> Result<Oid> {
    let parent = match repo.head() {
        Ok(head) => Some(head.peel_to_commit()?),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(e) => return Err(e.into()),
    };
    let baseline = match &parent {
        Some(commit) => commit.tree()?,
        None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
    };
    let mut updates = TreeUpdateBuilder::new();
    for file in &change.changes {
        let mode = |path: &Path| {
            baseline
                .get_path(path)
                .ok()
                .and_then(|e| match e.filemode() {
                    0o100755 => Some(FileMode::BlobExecutable),
                    _ => None,
                })
                .unwrap_or(FileMode::Blob)
        };
        match file {
            FileChange::Create { path, content } => {
                updates.upsert(
                    to_slash(path),
                    repo.blob(content.as_bytes())?,
                    FileMode::Blob,
                );
            }
            FileChange::Edit { path, new, .. } => {
                updates.upsert(to_slash(path), repo.blob(new.as_bytes())?, mode(path));
            }
            FileChange::Move { from, to, new, .. } => {
                updates.remove(to_slash(from));
                updates.upsert(to_slash(to), repo.blob(new.as_bytes())?, mode(from));
            }
            FileChange::Delete { path, .. } => {
                updates.remove(to_slash(path));
            }
        }
    }
    let tree = repo.find_tree(updates.create_updated(repo, &baseline)?)?;
    let (author, committer) = identity(repo)?;
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    Ok(repo.commit(
        None,
        &author,
        &committer,
        &change.commit_message(),
        &tree,
        &parents,
    )?)
}

/// The author and committer of a new commit: `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` and
/// `GIT_COMMITTER_NAME`/`GIT_COMMITTER_EMAIL` where set, as git reads them, else `user.name` and
/// `user.email` from git's configuration.
pub fn identity(repo: &Repository) -> Result<(Signature<'static>, Signature<'static>)> {
    let configured = || repo.signature().map_err(|_| no_identity());
    let from_env = |role: &str| -> Result<Option<Signature<'static>>> {
        let var = |what: &str| {
            std::env::var(format!("GIT_{role}_{what}"))
                .ok()
                .filter(|v| !v.trim().is_empty())
        };
        match (var("NAME"), var("EMAIL")) {
            (Some(name), Some(email)) => Ok(Some(Signature::now(&name, &email)?)),
            _ => Ok(None),
        }
    };
    let author = match from_env("AUTHOR")? {
        Some(author) => author,
        None => configured()?,
    };
    let committer = match from_env("COMMITTER")? {
        Some(committer) => committer,
        None => configured()?,
    };
    Ok((author, committer))
}

/// The refusal for a repository without a committer identity.
pub fn no_identity() -> Error {
    Error::refused(
        "git has no committer identity: run `git config user.name \"Your Name\"` and \
         `git config user.email you@example.com` (add --global for every repository), \
         or pass --no-commit",
    )
}

/// Where the new commit goes: a new branch, or the unborn branch HEAD names (first commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    NewBranch(String),
    Unborn(String),
}

impl Target {
    /// The full reference name.
    pub fn refname(&self) -> String {
        match self {
            Target::NewBranch(name) | Target::Unborn(name) => format!("refs/heads/{name}"),
        }
    }

    /// The short branch name.
    pub fn name(&self) -> &str {
        match self {
            Target::NewBranch(name) | Target::Unborn(name) => name,
        }
    }
}

/// Points the target branch at `commit`, refusing to move an existing branch.
pub fn create_branch(repo: &Repository, target: &Target, commit: Oid) -> Result<()> {
    let message = format!("fluxfleet: {}", target.name());
    repo.reference(&target.refname(), commit, false, &message)
        .map_err(|e| match e.code() {
            git2::ErrorCode::Exists => branch_exists(target.name()),
            _ => e.into(),
        })?;
    Ok(())
}

/// Removes a branch this run created, when a later step failed.
pub fn delete_branch(repo: &Repository, target: &Target) {
    if let Ok(mut reference) = repo.find_reference(&target.refname()) {
        let _ = reference.delete();
    }
}

/// The refusal for an existing branch.
pub fn branch_exists(name: &str) -> Error {
    Error::refused(format!(
        "branch {name:?} exists already: pass --branch NAME for another name, or delete it \
         with `git branch -D {name}`"
    ))
}

/// Checks out the target branch after its files were written: HEAD names the branch and the
/// index records the touched paths as the working tree now has them.
pub fn check_out(repo: &Repository, target: &Target, touched: &[PathBuf]) -> Result<()> {
    let mut index = repo.index()?;
    let root = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    for path in touched {
        if root.join(path).is_file() {
            index.add_path(path)?;
        } else if index.get_path(path, 0).is_some() {
            index.remove_path(path)?;
        }
    }
    crate::apply::fault::point("write the index")?;
    index.write()?;
    crate::apply::fault::point("move HEAD")?;
    repo.set_head(&target.refname())?;
    Ok(())
}

/// True when HEAD's tree has `path` (a file or a directory); false without a commit.
pub fn head_has(repo: &Repository, path: &Path) -> bool {
    repo.head()
        .and_then(|h| h.peel_to_tree())
        .is_ok_and(|tree| tree.get_path(path).is_ok())
}

/// The branch HEAD points at, if any.
pub fn head_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok()??;
    target.strip_prefix("refs/heads/").map(str::to_string)
}

//! Step 4 of the pipeline, in intent-level functions: open the repository, make sure it is safe
//! to change, build the commit, put the branch in place, and hold a lock while doing so.
//!
//! The commit is HEAD's tree with the touched paths as the working tree has them after the
//! change, through git's filters: exactly the planned change, whatever else is in the working
//! tree or staged in the index.

mod bare;
mod base;
mod lock;
mod preflight;
mod refname;

use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Oid, Repository, RepositoryInitOptions, Signature};

use crate::error::{Error, Result};
use crate::paths::to_slash;

pub use base::{
    base, branch_holds, default_remote, forget_switch, recover_switch, switch_to, undo_switch,
    Base, Switched, SWITCH_RECORD,
};
pub use lock::Lock;
pub use preflight::{dirty_paths, preflight, Preflight};
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
        Some(dir) => Ok(git_work_tree(start, &repo).unwrap_or_else(|| dir.to_path_buf())),
        None => Err(bare::bare_refusal(start, &repo)),
    }
}

/// The work tree git itself reports for `start` (`git rev-parse --show-toplevel`): the nearest
/// directory holding `.git`, also when `.git` is a link to another checkout's git directory,
/// which libgit2 follows to that checkout's work tree. `None` when `core.worktree` names one.
fn git_work_tree(start: &Path, repo: &Repository) -> Option<PathBuf> {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.worktree").ok());
    if configured.is_some() {
        return None;
    }
    start
        .ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// Opens the repository whose working directory is `root`.
pub fn open(root: &Path) -> Result<Repository> {
    // Objects read are not hashed again to check them, as git does not either (its fsck does):
    // on the benchmark fleet's `promote --to all`, the tree lookups spent 3% of the run there.
    git2::opts::strict_hash_verification(false);
    let repo = Repository::open(root)?;
    if repo.is_bare() {
        return Err(Error::refused(format!(
            "{} is a bare repository: run fluxfleet in a clone with a working tree",
            root.display()
        )));
    }
    // Through a linked `.git`, libgit2 would stage and check out the other checkout's files.
    if git_work_tree(root, &repo).as_deref() == Some(root) {
        let same = |a: &Path, b: &Path| a.canonicalize().ok() == b.canonicalize().ok();
        if !repo.workdir().is_some_and(|dir| same(dir, root)) {
            repo.set_workdir(root, false)?;
        }
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
    let branch = initial_branch();
    let mut options = RepositoryInitOptions::new();
    options.initial_head(&branch).mkpath(true);
    Ok((Repository::init_opts(dir, &options)?, true))
}

/// The branch `git init` names: `init.defaultBranch`, else main.
fn initial_branch() -> String {
    git2::Config::open_default()
        .and_then(|c| c.get_string("init.defaultBranch"))
        .unwrap_or_else(|_| "main".to_string())
}

/// The branch Flux syncs from the repository at `dir`: the one new branches start from
/// ([`base`]: the remote's default branch, else main, else master), else the one HEAD names
/// (also before its first commit), else the one `git init` would create there.
pub fn sync_branch(dir: &Path) -> String {
    Repository::open(dir)
        .ok()
        .and_then(|repo| {
            if let Ok(Some(base)) = base(&repo, None) {
                return Some(base.name);
            }
            let head = repo.find_reference("HEAD").ok()?;
            let target = head.symbolic_target().ok().flatten()?;
            target.strip_prefix("refs/heads/").map(str::to_string)
        })
        .unwrap_or_else(initial_branch)
}

/// True when HEAD points at a branch with no commit yet.
pub fn is_unborn(repo: &Repository) -> bool {
    matches!(repo.head(), Err(e) if e.code() == git2::ErrorCode::UnbornBranch)
}

/// Where a run commits, and what it holds while doing so.
pub struct Commit<'a> {
    /// The branch the commit goes on.
    pub target: &'a Target,
    /// Every path the change writes or removes, as the working tree now has them.
    pub touched: &'a [PathBuf],
    pub message: String,
    /// Where the new index is staged, in a directory of the run's own.
    pub new_index: &'a Path,
}

/// Commits the touched paths as the working tree has them, on top of HEAD (or as the first
/// commit), and checks the branch out: the blobs go through git's filters (line endings, as
/// `git add` does), the index records them with their file status, and everything else in HEAD
/// and the index stays as it was. `on_commit` hears of the commit before the branch points at
/// it. The index is put in place through the held `index.lock`, as git does; HEAD moves last.
pub fn commit_work_tree(
    repo: &Repository,
    commit: Commit,
    on_commit: impl FnOnce(Oid) -> Result<()>,
) -> Result<Oid> {
    let git_dir = repo.path().to_path_buf();
    let staged = commit.new_index;
    if git_dir.join("index").exists() {
        std::fs::copy(git_dir.join("index"), staged).map_err(|e| Error::io(staged, e))?;
    }
    let mut index = git2::Index::open(staged).map_err(unreadable_index)?;
    repo.set_index(&mut index)?;
    for path in commit.touched {
        let full = repo.workdir().map(|dir| dir.join(path));
        if full.as_deref().is_some_and(Path::is_file) {
            index.add_path(path)?;
        } else if index.get_path(path, 0).is_some() {
            index.remove_path(path)?;
        }
    }
    crate::fault::point("stage the files")?;
    index.write()?;

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
    for path in commit.touched {
        match index.get_path(path, 0) {
            Some(entry) => {
                updates.upsert(to_slash(path), entry.id, file_mode(entry.mode));
            }
            None => {
                updates.remove(to_slash(path));
            }
        }
    }
    let tree = repo.find_tree(updates.create_updated(repo, &baseline)?)?;
    let (author, committer) = identity(repo)?;
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let oid = repo.commit(None, &author, &committer, &commit.message, &tree, &parents)?;
    on_commit(oid)?;

    // As `git commit` does: the branch and HEAD move while `index.lock` is held, and the new
    // index takes its place last. The index is renamed over the lock complete, so that the
    // lock holds either nothing or the whole new index.
    crate::fault::point("create the branch")?;
    create_branch(repo, commit.target, oid)?;
    let head = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
    if head.as_deref() != Some(commit.target.refname().as_str()) {
        crate::fault::point("move HEAD")?;
        repo.set_head(&commit.target.refname())?;
    }
    crate::fault::point("write the index")?;
    let lock = git_dir.join("index.lock");
    let complete = staged.with_file_name("index.lock.new");
    std::fs::hard_link(staged, &complete).map_err(|e| Error::io(&complete, e))?;
    std::fs::rename(&complete, &lock).map_err(|e| Error::io(&lock, e))?;
    crate::fault::point("put the index in place")?;
    std::fs::rename(&lock, git_dir.join("index")).map_err(|e| Error::io(&lock, e))?;
    Ok(oid)
}

/// git's tree entry mode for an index entry's mode.
fn file_mode(mode: u32) -> FileMode {
    match mode {
        0o100755 => FileMode::BlobExecutable,
        0o120000 => FileMode::Link,
        0o160000 => FileMode::Commit,
        _ => FileMode::Blob,
    }
}

/// The refusal for an index libgit2 cannot read (a split or sparse index).
fn unreadable_index(e: git2::Error) -> Error {
    Error::refused(format!(
        "git's index cannot be read here: {}: if the repository uses a split index, run `git \
         update-index --no-split-index`; a sparse index, `git sparse-checkout disable`",
        e.message()
    ))
}

/// The author and committer of a new commit: `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` and
/// `GIT_COMMITTER_NAME`/`GIT_COMMITTER_EMAIL` where set, as git reads them, else `user.name` and
/// `user.email` from git's configuration.
pub fn identity(repo: &Repository) -> Result<(Signature<'static>, Signature<'static>)> {
    let configured = || repo.signature().map_err(|_| no_identity(repo.workdir()));
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

/// How the refusal for a missing committer identity starts.
const NO_IDENTITY: &str = "git has no committer identity";

/// The refusal for a repository (with its working directory `dir`) without a committer
/// identity. The `git config` it suggests runs from anywhere: in `dir` when that is not the
/// current directory.
pub fn no_identity(dir: Option<&Path>) -> Error {
    let here = std::env::current_dir().ok();
    let git = match dir {
        Some(dir)
            if here.as_deref().and_then(|h| h.canonicalize().ok()) != dir.canonicalize().ok() =>
        {
            let dir = dir.display().to_string();
            format!("git -C {}", shell_word(dir.trim_end_matches('/')))
        }
        _ => "git".to_string(),
    };
    Error::refused(format!(
        "{NO_IDENTITY}: run `{git} config user.name \"Your Name\"` and `{git} config user.email \
         you@example.com` (or `git config --global ...` for every repository), or pass \
         --no-commit"
    ))
}

/// The refusal for a missing committer identity when the repository was to be created by
/// this run at `dir` (and is not there after the refusal): set it globally, or create the
/// repository first.
pub fn no_identity_for_new(dir: &Path) -> Error {
    let dir = shell_word(&dir.display().to_string());
    Error::refused(format!(
        "{NO_IDENTITY}: run `git config --global user.name \"Your Name\"` and `git config \
         --global user.email you@example.com`; or, for this repository only, `git init {dir}`, \
         then `git -C {dir} config user.name \"Your Name\"` and `git -C {dir} config user.email \
         you@example.com`; or pass --no-commit"
    ))
}

/// True when `error` is the refusal for a missing committer identity.
pub fn is_no_identity(error: &Error) -> bool {
    matches!(error, Error::Refused(message) if message.starts_with(NO_IDENTITY))
}

/// `word` as a shell reads it: quoted when it holds anything but plain path characters.
fn shell_word(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c));
    match plain && !word.is_empty() {
        true => word.to_string(),
        false => format!("'{}'", word.replace('\'', r"'\''")),
    }
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

/// The refusal for an existing branch.
pub fn branch_exists(name: &str) -> Error {
    Error::refused(format!(
        "branch {name:?} exists already: pass --branch NAME for another name, or delete it \
         with `git branch -D {name}`"
    ))
}

/// Whether HEAD's tree has a path (a file or a directory), HEAD read once: never without a
/// commit.
pub fn head_has(repo: &Repository) -> impl Fn(&Path) -> bool + '_ {
    let tree = repo.head().and_then(|h| h.peel_to_tree()).ok();
    move |path| {
        tree.as_ref()
            .is_some_and(|tree| tree.get_path(path).is_ok())
    }
}

/// The branch HEAD points at, if any.
pub fn head_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok()??;
    target.strip_prefix("refs/heads/").map(str::to_string)
}

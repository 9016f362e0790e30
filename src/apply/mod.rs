//! Step 3 of the pipeline and the hand-over to git: show the ChangeSet (`--dry-run`) or write it
//! all-or-nothing and commit it on a new branch.
//!
//! A run that writes is one transaction: it records what it is about to do ([`journal`]), takes
//! git's `index.lock` so that no git command sees the change half-made, writes every file
//! ([`writer`]), then commits and checks out the branch. A failure at any step undoes them all;
//! a run killed at any step is undone or completed by the next run ([`recover`]).

pub mod diff;
pub mod fault;
mod guard;
mod journal;
mod writer;

use std::fs;
use std::path::{Path, PathBuf};

use crate::context::Context;
use crate::error::{Error, IoContext, Result};
use crate::git::{self, Preflight, Target};
use crate::paths::to_slash;
use crate::plan::ChangeSet;

pub use guard::check_root;
pub use journal::Recovered;

/// What became of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The change set was empty.
    NothingToDo,
    /// `--dry-run`: the diff was printed.
    Shown,
    /// `--no-commit`: the files were written.
    Written,
    /// The files were written and committed on this branch.
    Committed { branch: String },
}

/// Whether the change may be the repository's first commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// The repository must have a commit to branch from.
    Required,
    /// A repository without commits gets the change as its first commit (`init`).
    MayBeEmpty,
}

/// A pull request description to write with the change, rendered once the files are in place
/// and written before the commit.
pub struct Description<'a> {
    /// `--pr-body FILE|-` as given.
    pub given: PathBuf,
    /// Renders the description from the working tree as the change left it.
    pub render: Box<dyn FnOnce() -> Result<String> + 'a>,
}

/// Where a description goes, checked before anything is written.
enum DescriptionTarget {
    Stdout,
    File(PathBuf),
}

/// The files a plan was made from. With a commit, those its decisions about the change's
/// subject depend on must be as HEAD has them, since the new branch starts from HEAD: a file
/// with uncommitted changes that mention the subject (in the working tree or in HEAD) refuses
/// the run; other uncommitted changes do not matter to the plan.
#[derive(Debug, Clone, Default)]
pub struct Basis {
    pub files: Vec<PathBuf>,
    /// The name the change is about; `None`: every file counts.
    pub subject: Option<String>,
}

impl Basis {
    /// The files of the basis whose uncommitted changes concern the subject.
    fn dirty(&self, repo: &git2::Repository, root: &Path) -> Result<Vec<String>> {
        let changed = git::dirty_paths(repo, &self.files)?;
        let Some(subject) = &self.subject else {
            return Ok(changed);
        };
        let mentions = |bytes: &[u8]| memchr::memmem::find(bytes, subject.as_bytes()).is_some();
        let head = repo.head().and_then(|h| h.peel_to_tree()).ok();
        Ok(changed
            .into_iter()
            .filter(|path| {
                let now = fs::read(root.join(path)).unwrap_or_default();
                let before = head
                    .as_ref()
                    .and_then(|tree| tree.get_path(Path::new(path)).ok())
                    .and_then(|entry| repo.find_blob(entry.id()).ok())
                    .map(|blob| mentions(blob.content()));
                mentions(&now) || before.unwrap_or(false)
            })
            .collect())
    }
}

/// What a run needs besides the change.
pub struct Finish<'a> {
    pub basis: Basis,
    pub history: History,
    pub description: Option<Description<'a>>,
}

impl Finish<'_> {
    /// A change that needs a commit to branch from, made from the files it touches.
    pub fn new(history: History) -> Self {
        Finish {
            basis: Basis::default(),
            history,
            description: None,
        }
    }
}

/// Shows, or writes and commits, `change` in the repository at `root`.
pub fn finish(ctx: &mut Context, root: &Path, change: &ChangeSet, run: Finish) -> Result<Outcome> {
    for warning in &change.warnings {
        ctx.shell.warn(warning)?;
    }
    let description = match run.description {
        Some(description) => Some((
            description_target(ctx, root, change, &description.given)?,
            description,
        )),
        None => None,
    };
    if change.is_empty() {
        for note in &change.notes {
            ctx.shell.status(note)?;
        }
        ctx.shell.status(&format!(
            "Nothing to do: {}: already in place.",
            change.summary
        ))?;
        not_written(ctx, description.as_ref().map(|(_, d)| d))?;
        return Ok(Outcome::NothingToDo);
    }
    guard::check(root, change)?;
    if let Some(branch) = &ctx.options.branch {
        git::check_branch_name(branch)?;
    }
    if ctx.options.dry_run {
        diff::show(ctx.shell, change)?;
        // A dry run writes nothing, but it should not promise what the real run refuses.
        if !ctx.options.no_commit {
            if let Some(repo) = git::open_if_any(root)? {
                if let Err(refusal) =
                    ready_to_commit(ctx, &repo, root, change, &run.basis, run.history)
                {
                    ctx.shell
                        .warn(&format!("the real run would be refused: {refusal}"))?;
                }
            }
        }
        not_written(ctx, description.as_ref().map(|(_, d)| d))?;
        return Ok(Outcome::Shown);
    }
    let repo = match ctx.options.no_commit {
        true => git::open_if_any(root)?,
        false => Some(git::open(root)?),
    };
    if let Some(repo) = &repo {
        ctx.lock_repository(repo.path())?;
    }
    let target = match (&repo, ctx.options.no_commit) {
        (Some(repo), false) => Some(ready_to_commit(
            ctx,
            repo,
            root,
            change,
            &run.basis,
            run.history,
        )?),
        (Some(repo), true) => {
            git::preflight(repo, &Preflight::default())?;
            None
        }
        (None, _) => None,
    };
    // The description is rendered from the files as the change left them and written before
    // the commit, to a temporary that takes its name once the commit is made: a run that fails
    // leaves no description of a change that did not happen.
    let mut pending: Option<(PathBuf, PathBuf)> = None;
    let mut description = description;
    let mut describe = |ctx: &mut Context| -> Result<()> {
        let Some((to, description)) = description.take() else {
            return Ok(());
        };
        let body = (description.render)()?;
        match to {
            DescriptionTarget::Stdout => ctx.shell.data(&body),
            DescriptionTarget::File(path) => {
                fault::point("write the pull request description")?;
                let temp = writer::temp_path(&path, &writer::token());
                writer::write_new(&temp, body.as_bytes(), None).at(&path)?;
                pending = Some((temp, path));
                Ok(())
            }
        }
    };
    let done = transact(
        ctx,
        root,
        repo.as_ref(),
        change,
        target.as_ref(),
        &mut describe,
    );
    if let Err(e) = done {
        if let Some((temp, _)) = &pending {
            let _ = fs::remove_file(temp);
        }
        return Err(e);
    }
    report(ctx, change, target.as_ref().map(Target::name))?;
    if let Some((temp, path)) = pending {
        fs::rename(&temp, &path).at(&path)?;
        ctx.shell.status(&format!(
            "Wrote the pull request description to {}",
            path.display()
        ))?;
    }
    Ok(match target {
        Some(target) => Outcome::Committed {
            branch: target.name().to_string(),
        },
        None => Outcome::Written,
    })
}

/// Writes `change`, then the description, then commits on `target`; all of it or nothing.
fn transact(
    ctx: &mut Context,
    root: &Path,
    repo: Option<&git2::Repository>,
    change: &ChangeSet,
    target: Option<&Target>,
    describe: &mut dyn FnMut(&mut Context) -> Result<()>,
) -> Result<()> {
    let Some(repo) = repo else {
        return apply_with(root, change, || describe(ctx));
    };
    guard::check(root, change)?;
    writer::verify_unchanged(root, change)?;
    let steps = writer::steps(root, change)?;
    let dirs = writer::new_dirs(root, &steps);
    let token = writer::token();
    let branch = target.map(Target::refname);
    fault::point("record the change")?;
    let mut journal = journal::Journal::begin(repo, &token, &steps, &dirs, branch.as_deref())?;
    let new_index = journal.new_index();
    let result = (|| {
        fault::point("take the index lock")?;
        // Held until the run ends; the commit renames a complete new index over it.
        journal.take_index_lock(repo)?;
        write(root, change, &steps, &dirs, &token)?;
        describe(ctx)?;
        match target {
            Some(target) => {
                let touched = change.touched_paths();
                let commit = git::Commit {
                    target,
                    touched: &touched,
                    message: change.commit_message(),
                    new_index: &new_index,
                };
                git::commit_work_tree(repo, commit, |oid| journal.note_commit(oid))?;
            }
            None => journal.release_index_lock(repo)?,
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            journal.close();
            Ok(())
        }
        Err(e) => match journal.roll_back(repo, root) {
            Ok(_) => Err(e),
            // The journal stays: the next run tries again.
            Err(undo) => Err(Error::refused(format!(
                "{e}\nundoing the run failed too: {undo}: run `fluxfleet status` to finish \
                 undoing it"
            ))),
        },
    }
}

/// Writes `change` under `root` without git, all of it or nothing: refuses, writing nothing,
/// when a path leaves the repository or a file is not as the plan read it, and undoes what was
/// written when a later step fails.
pub fn apply(root: &Path, change: &ChangeSet) -> Result<()> {
    apply_with(root, change, || Ok(()))
}

/// [`apply`], then `then`, undoing the writes when it fails. Outside git there is no journal:
/// a failure is undone in place.
fn apply_with(root: &Path, change: &ChangeSet, then: impl FnOnce() -> Result<()>) -> Result<()> {
    guard::check(root, change)?;
    writer::verify_unchanged(root, change)?;
    let steps = writer::steps(root, change)?;
    let dirs = writer::new_dirs(root, &steps);
    let token = writer::token();
    let written = write(root, change, &steps, &dirs, &token).and_then(|()| then());
    if let Err(e) = written {
        let undone = writer::rollback(root, &steps, &dirs, &token);
        if !undone.failed.is_empty() {
            return Err(Error::refused(format!(
                "{e}\nundoing the run failed too: {} could not be put back as they were",
                undone.failed.join(", ")
            )));
        }
        return Err(e);
    }
    Ok(())
}

/// Writes the files of `change`: temporaries, a last look that nobody changed the originals,
/// then the renames.
fn write(
    root: &Path,
    change: &ChangeSet,
    steps: &[writer::Step],
    dirs: &[PathBuf],
    token: &str,
) -> Result<()> {
    writer::write_temps(root, steps, dirs, token)?;
    // Writing the temporaries took time: look again, so that an editor's save in the meantime
    // aborts the run instead of being overwritten.
    writer::verify_unchanged(root, change)?;
    writer::install(root, steps, token)
}

/// What a command will do with the repository, for [`recover`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Only read: a run in progress is mentioned, not waited for.
    Read,
    /// Write: a run in progress refuses this one before it asks or plans anything.
    Write,
}

/// Recovers an interrupted run of the repository at `root`, if one left its journal, and says
/// what was done. While another run holds the repository, a command that writes is refused and
/// one that reads is warned that it may see part of that run's change.
pub fn recover(ctx: &mut Context, root: &Path, intent: Intent) -> Result<()> {
    let git = root.join(".git");
    // The usual read costs one lookup: a `.git` directory without a journal.
    if intent == Intent::Read && git.is_dir() && !git.join("fluxfleet").exists() {
        return Ok(());
    }
    let Ok(repo) = git::open(root) else {
        return Ok(());
    };
    let lock = match git::Lock::acquire(repo.path()) {
        Ok(lock) => lock,
        Err(held) if intent == Intent::Write => return Err(held),
        Err(held) => {
            return ctx
                .shell
                .warn(&format!("{held}; what follows may show part of its change"))
        }
    };
    let recovered = journal::recover(&repo, root)?;
    drop(lock);
    if let Some(recovered) = recovered {
        ctx.shell.warn(&recovered.to_string())?;
    }
    Ok(())
}

/// Where `--pr-body` goes: stdout for `-`, else a file that the same rules as every write
/// allow, checked before anything is written.
fn description_target(
    ctx: &Context,
    root: &Path,
    change: &ChangeSet,
    given: &Path,
) -> Result<DescriptionTarget> {
    if given.as_os_str() == "-" {
        return Ok(DescriptionTarget::Stdout);
    }
    let path = ctx.start_dir()?.join(given);
    guard::check_description(root, change, given, &path)?;
    Ok(DescriptionTarget::File(path))
}

/// Says that the description was not written, when nothing was.
fn not_written(ctx: &mut Context, description: Option<&Description>) -> Result<()> {
    if let Some(description) = description {
        ctx.shell.status(&format!(
            "--pr-body: nothing was written, so {} was not written either",
            description.given.display()
        ))?;
    }
    Ok(())
}

/// The branch the change would be committed on, once every check before writing passes; prints
/// the warnings of the checks.
fn ready_to_commit(
    ctx: &mut Context,
    repo: &git2::Repository,
    root: &Path,
    change: &ChangeSet,
    basis: &Basis,
    history: History,
) -> Result<Target> {
    let unborn = git::is_unborn(repo) && history == History::MayBeEmpty;
    let target = match (&ctx.options.branch, unborn) {
        (Some(name), true) => Target::Unborn(name.clone()),
        (None, true) => Target::Unborn(git::head_branch(repo).unwrap_or_else(|| "main".into())),
        (Some(name), false) => Target::NewBranch(name.clone()),
        (None, false) => Target::NewBranch(change.branch.clone()),
    };
    let warnings = git::preflight(
        repo,
        &Preflight {
            touched: &change.touched_paths(),
            branch: Some(target.name()),
            allow_unborn: history == History::MayBeEmpty,
            no_verify: ctx.options.no_verify,
            no_gpg_sign: ctx.options.no_gpg_sign,
        },
    )?;
    let unmet = change.unmet_requirements(|path| git::head_has(repo, path));
    if !unmet.is_empty() {
        let paths: Vec<String> = unmet.iter().map(|p| to_slash(p)).collect();
        return Err(Error::refused(format!(
            "the change references {} which HEAD does not have (not committed yet): the new \
             branch starts from HEAD, so commit them first, or pass --no-commit",
            paths.join(", ")
        )));
    }
    let dirty = basis.dirty(repo, root)?;
    if !dirty.is_empty() {
        return Err(Error::refused(format!(
            "the change was planned from files whose uncommitted changes concern it: {}\nthe \
             new branch starts from HEAD, which has them otherwise: commit or stash them first \
             (`git stash`), or pass --no-commit to edit the working tree only",
            dirty.join(", ")
        )));
    }
    for warning in warnings {
        ctx.shell.warn(&warning)?;
    }
    Ok(target)
}

/// Tells the user what was written and where it was committed, then the change's notes.
fn report(ctx: &mut Context, change: &ChangeSet, branch: Option<&str>) -> Result<()> {
    match branch {
        Some(branch) => ctx
            .shell
            .status(&format!("Committed on branch {branch}: {}", change.summary))?,
        None => ctx
            .shell
            .status(&format!("Wrote (not committed): {}", change.summary))?,
    }
    for file in &change.changes {
        ctx.shell
            .status(&format!("  {} {}", file.status(), file.shown_path()))?;
    }
    for note in &change.notes {
        ctx.shell.status(note)?;
    }
    Ok(())
}

//! A command's session with its repository: the run options, the output, the repository lock,
//! and the hand-over of a planned [`ChangeSet`] to the last two steps of the pipeline: show it
//! (`--dry-run`), or write it ([`crate::apply`]) and commit it ([`crate::git`]) as one
//! transaction ([`transaction`]) that a failure or an interruption never leaves half-made.
//!
//! The session knows no command line: commands give it [`RunOptions`] and plain values.

mod journal;
mod transaction;
mod workspace;

use std::fs;
use std::path::{Path, PathBuf};

use crate::apply;
use crate::error::{Error, IoContext, Result};
use crate::fault;
use crate::git::{self, Lock, Preflight, Target};
use crate::output::Shell;
use crate::paths::to_slash;
use crate::plan::ChangeSet;
use crate::report;

pub use journal::Recovered;
pub use workspace::{pr_body_markdown, Workspace};

/// How a run treats its change: the global options of DESIGN.md, resolved.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Print the diff and write nothing.
    pub dry_run: bool,
    /// Write files, no git.
    pub no_commit: bool,
    /// The branch to create instead of the planned one.
    pub branch: Option<String>,
    /// Commit without running the pre-commit and commit-msg hooks.
    pub no_verify: bool,
    /// Commit unsigned although commit.gpgsign is set.
    pub no_gpg_sign: bool,
}

/// A command's session.
pub struct Session<'a> {
    pub options: RunOptions,
    pub shell: &'a mut Shell,
    /// The directory given with `-C`, or the current directory.
    start: Option<PathBuf>,
    /// The repository lock, once taken; held until the run ends.
    lock: Option<Lock>,
}

impl<'a> Session<'a> {
    /// A session started in `start` (`-C DIR`), or the current directory.
    pub fn new(options: RunOptions, shell: &'a mut Shell, start: Option<PathBuf>) -> Self {
        Session {
            options,
            shell,
            start,
            lock: None,
        }
    }

    /// Takes the lock of the repository whose git directory is `git_dir`, for the rest of the
    /// run. A command that writes takes it once its prompts are answered, before it checks and
    /// writes; the files its plan read are checked again under the lock. Taking it again is a
    /// no-op.
    pub fn lock_repository(&mut self, git_dir: &Path) -> Result<()> {
        if self.lock.as_ref().is_some_and(|lock| lock.guards(git_dir)) {
            return Ok(());
        }
        self.lock = Some(Lock::acquire(git_dir)?);
        Ok(())
    }

    /// The directory the command runs in: `-C DIR` or the current directory.
    pub fn start_dir(&self) -> Result<PathBuf> {
        let cwd = std::env::current_dir().at(".")?;
        let dir = match &self.start {
            Some(dir) => cwd.join(dir),
            None => cwd,
        };
        if !dir.is_dir() {
            return Err(Error::refused(format!(
                "{}: no such directory (given with -C)",
                dir.display()
            )));
        }
        Ok(dir)
    }

    /// The root of the fleet repository containing the start directory.
    pub fn repo_root(&self) -> Result<PathBuf> {
        let start = self.start_dir()?;
        crate::git::work_dir(&start)
    }

    /// Recovers an interrupted run of the repository at `root`, if one left its journal, and says
    /// what was done. While another run holds the repository, a command that writes is refused and
    /// one that reads is warned that it may see part of that run's change.
    pub fn recover(&mut self, root: &Path, intent: Intent) -> Result<()> {
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
                return self
                    .shell
                    .warn(&format!("{held}; what follows may show part of its change"))
            }
        };
        let recovered = journal::recover(&repo, root)?;
        drop(lock);
        if let Some(recovered) = recovered {
            self.shell.warn(&recovered.to_string())?;
        }
        Ok(())
    }

    /// Shows, or writes and commits, `change` in the repository at `root`.
    pub fn finish(&mut self, root: &Path, change: &ChangeSet, run: Finish) -> Result<Outcome> {
        for warning in &change.warnings {
            self.shell.warn(warning)?;
        }
        let description = match run.description {
            Some(description) => Some((
                self.description_target(root, change, &description.given)?,
                description,
            )),
            None => None,
        };
        if change.is_empty() {
            for note in &change.notes {
                self.shell.status(note)?;
            }
            self.shell.status(&format!(
                "Nothing to do: {}: already in place.",
                change.summary
            ))?;
            self.not_written(description.as_ref().map(|(_, d)| d))?;
            return Ok(Outcome::NothingToDo);
        }
        apply::check_paths(root, change)?;
        if let Some(branch) = &self.options.branch {
            git::check_branch_name(branch)?;
        }
        if self.options.dry_run {
            report::diff::show(self.shell, change)?;
            // A dry run writes nothing, but it should not promise what the real run refuses.
            if !self.options.no_commit {
                if let Some(repo) = git::open_if_any(root)? {
                    if let Err(refusal) =
                        self.ready_to_commit(&repo, root, change, &run.basis, run.history)
                    {
                        self.shell
                            .warn(&format!("the real run would be refused: {refusal}"))?;
                    }
                }
            }
            self.not_written(description.as_ref().map(|(_, d)| d))?;
            return Ok(Outcome::Shown);
        }
        let repo = match self.options.no_commit {
            true => git::open_if_any(root)?,
            false => Some(git::open(root)?),
        };
        if let Some(repo) = &repo {
            self.lock_repository(repo.path())?;
        }
        let target = match (&repo, self.options.no_commit) {
            (Some(repo), false) => {
                Some(self.ready_to_commit(repo, root, change, &run.basis, run.history)?)
            }
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
        let mut describe = |shell: &mut Shell| -> Result<()> {
            let Some((to, description)) = description.take() else {
                return Ok(());
            };
            let body = (description.render)()?;
            match to {
                DescriptionTarget::Stdout => shell.data(&body),
                DescriptionTarget::File(path) => {
                    fault::point("write the pull request description")?;
                    let temp = apply::writer::temp_path(&path, &apply::writer::token());
                    apply::writer::write_new(&temp, body.as_bytes(), None).at(&path)?;
                    pending = Some((temp, path));
                    Ok(())
                }
            }
        };
        let done = transaction::transact(
            self.shell,
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
        self.report(change, target.as_ref().map(Target::name))?;
        if let Some((temp, path)) = pending {
            fs::rename(&temp, &path).at(&path)?;
            self.shell.status(&format!(
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

    /// Where `--pr-body` goes: stdout for `-`, else a file that the same rules as every write
    /// allow, checked before anything is written.
    fn description_target(
        &self,
        root: &Path,
        change: &ChangeSet,
        given: &Path,
    ) -> Result<DescriptionTarget> {
        if given.as_os_str() == "-" {
            return Ok(DescriptionTarget::Stdout);
        }
        let path = self.start_dir()?.join(given);
        apply::check_description(root, change, given, &path)?;
        Ok(DescriptionTarget::File(path))
    }

    /// Says that the description was not written, when nothing was.
    fn not_written(&mut self, description: Option<&Description>) -> Result<()> {
        if let Some(description) = description {
            self.shell.status(&format!(
                "--pr-body: nothing was written, so {} was not written either",
                description.given.display()
            ))?;
        }
        Ok(())
    }

    /// The branch the change would be committed on, once every check before writing passes; prints
    /// the warnings of the checks.
    fn ready_to_commit(
        &mut self,
        repo: &git2::Repository,
        root: &Path,
        change: &ChangeSet,
        basis: &Basis,
        history: History,
    ) -> Result<Target> {
        let unborn = git::is_unborn(repo) && history == History::MayBeEmpty;
        let target = match (&self.options.branch, unborn) {
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
                no_verify: self.options.no_verify,
                no_gpg_sign: self.options.no_gpg_sign,
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
            self.shell.warn(&warning)?;
        }
        Ok(target)
    }

    /// Tells the user what was written and where it was committed, then the change's notes.
    fn report(&mut self, change: &ChangeSet, branch: Option<&str>) -> Result<()> {
        match branch {
            Some(branch) => self
                .shell
                .status(&format!("Committed on branch {branch}: {}", change.summary))?,
            None => self
                .shell
                .status(&format!("Wrote (not committed): {}", change.summary))?,
        }
        for file in &change.changes {
            self.shell
                .status(&format!("  {} {}", file.status(), file.shown_path()))?;
        }
        for note in &change.notes {
            self.shell.status(note)?;
        }
        Ok(())
    }
}

/// What a command will do with the repository, for [`Session::recover`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Only read: a run in progress is mentioned, not waited for.
    Read,
    /// Write: a run in progress refuses this one before it asks or plans anything.
    Write,
}

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

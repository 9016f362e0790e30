//! A command's session with its repository: the run options, the output, the repository lock,
//! and the hand-over of a planned [`ChangeSet`] to the last two steps of the pipeline: show it
//! (`--dry-run`), or write it ([`crate::apply`]) and commit it ([`crate::git`]) as one
//! transaction ([`transaction`]) that a failure or an interruption never leaves half-made.
//!
//! The session knows no command line: commands give it [`RunOptions`] and plain values.

mod journal;
mod preflight;
mod publish;
mod transaction;
mod workspace;

use std::fs;
use std::path::{Path, PathBuf};

use crate::apply;
use crate::error::{Error, IoContext, Result};
use crate::fault;
use crate::git::{self, Lock, Preflight, Target};
use crate::output::Shell;
use crate::plan::ChangeSet;
use crate::report;

pub use journal::Recovered;
pub use preflight::Basis;
use preflight::{breaks, Gate};
use publish::DescriptionTarget;
pub use publish::{Forge, Publish};
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
    /// Where the change goes after its commit, and where the new branch starts.
    pub publish: Publish,
}

/// A command's session.
pub struct Session<'a> {
    pub options: RunOptions,
    pub shell: &'a mut Shell,
    /// The directory given with `-C`, or the current directory.
    start: Option<PathBuf>,
    /// The repository lock, once taken; held until the run ends.
    lock: Option<Lock>,
    /// The base the new branch starts from, once known.
    base: Option<git::Base>,
    /// Where HEAD was before the run switched to the base, until the run ends.
    switched: Option<(PathBuf, git::Switched)>,
    /// The pull request description, once rendered, for `--pr`.
    body: Option<String>,
    /// Where the committed branch goes (remote and forge), once checked before the first write.
    publish_to: Option<(String, Forge)>,
    /// The remote the branch was pushed to, and the pull request opened, for `--json`.
    pushed_to: Option<String>,
    pull_request: Option<String>,
}

impl<'a> Session<'a> {
    /// A session started in `start` (`-C DIR`), or the current directory.
    pub fn new(options: RunOptions, shell: &'a mut Shell, start: Option<PathBuf>) -> Self {
        Session {
            options,
            shell,
            start,
            lock: None,
            base: None,
            switched: None,
            body: None,
            publish_to: None,
            pushed_to: None,
            pull_request: None,
        }
    }

    /// Puts HEAD on the base the new branch will start from (the remote's default branch, else
    /// `main`/`master`, or `--base`), as `git switch` would, before the fleet is read: the
    /// change is planned from the base and committed on top of it, whatever was checked out.
    /// A dry run switches nothing and says when the real run would; `--no-commit` edits the
    /// working tree as it is.
    pub fn start_from_base(&mut self, root: &Path) -> Result<()> {
        if self.options.no_commit {
            return Ok(());
        }
        let Some(repo) = git::open_if_any(root)? else {
            return Ok(());
        };
        if git::is_unborn(&repo) {
            return Ok(());
        }
        let Some(base) = git::base(&repo, self.options.publish.base.as_deref())? else {
            return Ok(());
        };
        let head = repo.head().and_then(|h| h.peel_to_commit()).map(|c| c.id());
        if head.as_ref().ok() != Some(&base.commit) {
            if self.options.dry_run {
                let from = git::head_branch(&repo).unwrap_or_else(|| "HEAD".into());
                self.shell.warn(&format!(
                    "planned from {from} as checked out: the real run first switches to {} (the \
                     base of the new branch), and plans from there",
                    base.name
                ))?;
            } else {
                self.lock_repository(repo.path())?;
                if let Some(switched) = git::switch_to(&repo, &base)? {
                    self.shell.status(&format!(
                        "Switched to {} (the base of the new branch; you were on {})",
                        base.name,
                        switched.from_name()
                    ))?;
                    self.switched = Some((root.to_path_buf(), switched));
                }
            }
        }
        self.shell.detail(&format!(
            "The new branch starts from {} at {:.7}",
            base.name, base.commit
        ))?;
        self.base = Some(base);
        Ok(())
    }

    /// With `-v`: which fleet was read, and its clusters in promotion order.
    pub fn tell_read(&mut self, fleet: &crate::fleet::Fleet) -> Result<()> {
        self.shell.detail(&format!(
            "Read the fleet at {}: clusters {} (promotion order)",
            fleet.root().display(),
            fleet.cluster_names().join(", ")
        ))
    }

    /// A run that ends without its commit goes back to where it started.
    pub fn end_without_commit(&mut self) {
        if let Some((root, switched)) = self.switched.take() {
            if let Ok(repo) = git::open(&root) {
                if git::undo_switch(&repo, &switched).is_ok() {
                    let _ = self
                        .shell
                        .status(&format!("Switched back to {}", switched.from_name()));
                }
            }
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
        // A run killed while its render gate rendered left the gate's scratch directory.
        crate::rendered::remove_stale_scratch(&git);
        // The usual read costs one lookup more: a `.git` directory without a journal.
        if intent == Intent::Read
            && git.is_dir()
            && !git.join("fluxfleet").exists()
            && !git.join(git::SWITCH_RECORD).exists()
        {
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
        let switched = git::recover_switch(&repo)?;
        drop(lock);
        if let Some(recovered) = recovered {
            self.shell.warn(&recovered.to_string())?;
        }
        if let Some(switched) = switched {
            self.shell.warn(&format!(
                "an interrupted run had switched to the base of its branch: back on {}",
                switched.from_name()
            ))?;
        }
        Ok(())
    }

    /// Shows, or writes and commits, `change` in the repository at `root`; then pushes it and
    /// opens its pull request when asked. A run that ends without a commit goes back to the
    /// branch it started on.
    pub fn finish(&mut self, root: &Path, change: &ChangeSet, run: Finish) -> Result<Outcome> {
        let result = self.finish_inner(root, change, run);
        match &result {
            Ok(Outcome::Committed { .. }) => {
                if let Some((root, _)) = self.switched.take() {
                    if let Ok(repo) = git::open(&root) {
                        git::forget_switch(&repo);
                    }
                }
            }
            _ => self.end_without_commit(),
        }
        let outcome = result?;
        if let Outcome::Committed { branch, commit } = &outcome {
            self.publish(root, change, branch, *commit)?;
        }
        Ok(outcome)
    }

    fn finish_inner(&mut self, root: &Path, change: &ChangeSet, run: Finish) -> Result<Outcome> {
        let publish = self.options.publish.clone();
        let description = match &publish.pr_body {
            Some(given) => Some(self.description_target(root, change, given)?),
            None => None,
        };
        let on_its_branch = match change.is_empty() {
            true => None,
            false => self.already_on_its_branch(root, change)?,
        };
        if change.is_empty() || on_its_branch.is_some() {
            for note in &change.notes {
                self.shell.status(note)?;
            }
            let why = on_its_branch.unwrap_or_else(|| "already in place".to_string());
            self.shell
                .status(&format!("Nothing to do: {}: {why}.", change.summary))?;
            self.not_written()?;
            self.print_outcome(change, &Outcome::NothingToDo, None)?;
            return Ok(Outcome::NothingToDo);
        }
        apply::check_paths(root, change)?;
        if let Some(branch) = &self.options.branch {
            git::check_branch_name(branch)?;
        }
        let remote = self.check_publish(root, run.history)?;
        self.publish_to.clone_from(&remote);
        if self.options.dry_run {
            warn_of(self.shell, change)?;
            if !publish.json {
                report::diff::show(self.shell, change)?;
            }
            // A dry run writes nothing, but it should not promise what the real run refuses.
            let mut branch = None;
            if !self.options.no_commit {
                if let Some(repo) = git::open_if_any(root)? {
                    match self.ready_to_commit(&repo, root, change, &run.basis, run.history) {
                        Ok(target) => branch = Some(target.name().to_string()),
                        Err(refusal) => self
                            .shell
                            .warn(&format!("the real run would be refused: {refusal}"))?,
                    }
                }
            }
            let build = !publish.no_build && !self.options.no_commit;
            if let (Some(repo), true) = (git::open_if_any(root)?, build) {
                if let Some(broken) = breaks(&repo, change)? {
                    self.shell
                        .warn(&format!("the real run would be refused: {broken}"))?;
                }
            }
            if let (Some(remote), Some(branch)) = (&remote, &branch) {
                let pr = match publish.pr {
                    true => format!(", and open its pull request with `{}`", remote.1.program()),
                    false => String::new(),
                };
                self.shell.status(&format!(
                    "The real run would push {branch} to {}{pr}.",
                    remote.0
                ))?;
            }
            if let Some(to) = &description {
                let body = (run.describe)(Written::No)?;
                self.write_description(to, &body, true)?;
            }
            let shown = Outcome::Shown;
            self.print_outcome(change, &shown, branch.as_deref())?;
            return Ok(shown);
        }
        let repo = match self.options.no_commit {
            true => git::open_if_any(root)?,
            false => Some(git::open(root)?),
        };
        if let Some(repo) = &repo {
            self.lock_repository(repo.path())?;
        }
        // The change is committed on top of the base: that is what must still render. Files
        // written without a commit may rely on others not committed yet, and are not held to it.
        let build = !publish.no_build && !self.options.no_commit;
        let mut gate = (repo.is_some() && build).then(|| Gate::start(root, change));
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
        let mut body: Option<String> = None;
        let wants_body = description.is_some() || publish.pr;
        let mut describe = Some(run.describe);
        let mut render = |shell: &mut Shell| -> Result<()> {
            let Some(describe) = describe.take().filter(|_| wants_body) else {
                return Ok(());
            };
            let text = describe(Written::Yes)?;
            match &description {
                Some(DescriptionTarget::Stdout) => shell.data(&text)?,
                Some(DescriptionTarget::File(path)) => {
                    fault::point("write the pull request description")?;
                    let temp = apply::writer::temp_path(path, &apply::writer::token());
                    apply::writer::write_new(&temp, text.as_bytes(), None).at(path)?;
                    pending = Some((temp, path.clone()));
                }
                None => {}
            }
            body = Some(text);
            Ok(())
        };
        let done = transaction::transact(
            self.shell,
            root,
            repo.as_ref(),
            change,
            target.as_ref(),
            |shell| {
                if let Some(gate) = &mut gate {
                    gate.verdict()?;
                }
                warn_of(shell, change)
            },
            &mut render,
        );
        let commit = match done {
            Ok(commit) => commit,
            Err(e) => {
                if let Some((temp, _)) = &pending {
                    let _ = fs::remove_file(temp);
                }
                return Err(e);
            }
        };
        self.report(change, target.as_ref().map(Target::name))?;
        if let Some((temp, path)) = pending {
            fs::rename(&temp, &path).at(&path)?;
            self.shell.status(&format!(
                "Wrote the pull request description to {}",
                path.display()
            ))?;
        }
        self.body = body;
        Ok(match (target, commit) {
            (Some(target), Some(commit)) => Outcome::Committed {
                branch: target.name().to_string(),
                commit,
            },
            _ => {
                self.print_outcome(change, &Outcome::Written, None)?;
                Outcome::Written
            }
        })
    }

    /// True when the branch the change would be committed on exists already and holds exactly
    /// this change on the base: an earlier run made it, and it is not merged yet.
    fn already_on_its_branch(&self, root: &Path, change: &ChangeSet) -> Result<Option<String>> {
        let (Some(base), false) = (&self.base, self.options.no_commit) else {
            return Ok(None);
        };
        let Some(repo) = git::open_if_any(root)? else {
            return Ok(None);
        };
        let branch = self.options.branch.as_deref().unwrap_or(&change.branch);
        let files: Vec<(&Path, Option<&[u8]>)> = change
            .files_after()
            .into_iter()
            .map(|(path, text)| (path, text.map(str::as_bytes)))
            .collect();
        if !git::branch_holds(&repo, branch, base.commit, &files) {
            return Ok(None);
        }
        Ok(Some(format!(
            "branch {branch} holds it already, made by an earlier run and not merged into {} \
             yet",
            base.name
        )))
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
    Committed { branch: String, commit: git2::Oid },
}

/// Whether the change may be the repository's first commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// The repository must have a commit to branch from.
    Required,
    /// A repository without commits gets the change as its first commit (`init`).
    MayBeEmpty,
}

/// Whether the change is in the working tree when its description is rendered: a dry run
/// describes a change that was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Yes,
    No,
}

/// Renders the pull request description of a change.
pub type Describe<'a> = Box<dyn FnOnce(Written) -> Result<String> + 'a>;

/// The description of a change as the change alone tells it: its story and its files.
pub fn describe_change(change: &ChangeSet) -> String {
    let mut out = format!("## {}\n\n", change.summary);
    if !change.body.trim().is_empty() {
        out.push_str(change.body.trim_end());
        out.push_str("\n\n");
    }
    out.push_str("### Files\n\n");
    for file in &change.changes {
        let what = match file.status() {
            'A' => " (new)",
            'R' => " (moved)",
            'D' => " (deleted)",
            _ => "",
        };
        out.push_str(&format!("- `{}`{what}\n", file.shown_path()));
    }
    for note in change.warnings.iter().chain(&change.notes) {
        out.push_str(&format!("\n> {note}\n"));
    }
    out
}

/// What a run needs besides the change.
pub struct Finish<'a> {
    pub basis: Basis,
    pub history: History,
    /// Renders the pull request description, for `--pr-body` and `--pr`.
    pub describe: Describe<'a>,
}

impl<'a> Finish<'a> {
    /// A change made from the files it touches, described by itself.
    pub fn new(history: History, change: &'a ChangeSet) -> Self {
        Finish {
            basis: Basis::default(),
            history,
            describe: Box::new(move |_| Ok(describe_change(change))),
        }
    }
}

/// What the change does that deserves a warning, said once nothing refuses it: a change not
/// made deserves none.
fn warn_of(shell: &mut Shell, change: &ChangeSet) -> Result<()> {
    for warning in &change.warnings {
        shell.warn(warning)?;
    }
    Ok(())
}

//! What every command runs with: the global options, the output handle, the prompter, and the
//! directory it was started in.

use std::path::{Path, PathBuf};

use crate::cli::GlobalArgs;
use crate::error::{Error, IoContext, Result};
use crate::git::Lock;
use crate::interactive::{missing_flag, Prompter};
use crate::output::Shell;

/// The global options of DESIGN.md, resolved.
#[derive(Debug, Clone, Default)]
pub struct GlobalOptions {
    /// Print the diff and write nothing.
    pub dry_run: bool,
    /// Write files, no git.
    pub no_commit: bool,
    /// The branch to create instead of the planned one.
    pub branch: Option<String>,
    /// Never prompt.
    pub yes: bool,
    /// Commit without running the pre-commit and commit-msg hooks.
    pub no_verify: bool,
    /// Commit unsigned although commit.gpgsign is set.
    pub no_gpg_sign: bool,
}

/// A command's session.
pub struct Context<'a> {
    pub options: GlobalOptions,
    pub shell: &'a mut Shell,
    pub prompter: &'a mut dyn Prompter,
    /// The directory given with `-C`, or the current directory.
    pub start: Option<PathBuf>,
    /// The repository lock, once taken; held until the run ends.
    lock: Option<Lock>,
}

impl<'a> Context<'a> {
    pub fn new(global: GlobalArgs, shell: &'a mut Shell, prompter: &'a mut dyn Prompter) -> Self {
        Context {
            options: GlobalOptions {
                dry_run: global.dry_run,
                no_commit: global.no_commit,
                branch: global.branch,
                yes: global.yes,
                no_verify: global.no_verify,
                no_gpg_sign: global.no_gpg_sign,
            },
            shell,
            prompter,
            start: global.chdir,
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

    /// `given`, or else the answer to `prompt`, or else an error naming `flag`.
    pub fn value_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        default: Option<&str>,
    ) -> Result<String> {
        self.given_or_ask(given, flag, prompt, true, |p| p.input(prompt, default))
    }

    /// `given`, or else a multi-selection among `items` (joined with `,`), or else an error
    /// naming `flag`.
    pub fn list_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        items: &[String],
    ) -> Result<String> {
        self.given_or_ask(given, flag, prompt, !items.is_empty(), |p| {
            let picked = p.multi_select(prompt, items, &vec![false; items.len()])?;
            let names: Vec<&str> = picked
                .iter()
                .filter_map(|&i| items.get(i).map(String::as_str))
                .collect();
            Ok(names.join(","))
        })
    }

    /// `given`, or else a selection among `items`, or else an error naming `flag`.
    pub fn choice_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        items: &[String],
    ) -> Result<String> {
        self.given_or_ask(given, flag, prompt, !items.is_empty(), |p| {
            let picked = p.select(prompt, items, 0)?;
            Ok(items.get(picked).cloned().unwrap_or_default())
        })
    }

    /// The one rule behind every prompt: a given value wins; otherwise ask when a terminal
    /// allows it and there is something to choose from; otherwise name the flag.
    fn given_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        answerable: bool,
        ask: impl FnOnce(&mut dyn Prompter) -> Result<String>,
    ) -> Result<String> {
        match given {
            Some(value) => Ok(value),
            None if answerable && self.prompter.interactive() => ask(&mut *self.prompter),
            None => Err(missing_flag(flag, prompt)),
        }
    }
}

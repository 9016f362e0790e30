//! After the commit: the branch pushed with the user's own `git` (their credentials, their
//! hooks), and the pull request opened with `gh` (GitHub) or `glab` (GitLab). git2 has no
//! network transport here; these are the tools the user has already set up.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::Oid;

use super::{History, Outcome, Session};
use crate::apply;
use crate::error::{Error, IoContext, Result};
use crate::git;
use crate::plan::ChangeSet;
use crate::report;
use std::fs;

/// Where the change goes after its commit: the resolved `--push`, `--pr`, `--pr-body`,
/// `--base` and `--json`.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    /// `--pr-body FILE|-`: where the pull request description goes.
    pub pr_body: Option<PathBuf>,
    /// `--push [REMOTE]`: `Some(None)` pushes to the default remote.
    pub push: Option<Option<String>>,
    /// `--pr`: push, then open the pull request.
    pub pr: bool,
    /// `--base REF`: the new branch starts there instead of the base branch.
    pub base: Option<String>,
    /// `--json`: the outcome as JSON on stdout.
    pub json: bool,
    /// `--no-build`: commit without rendering the touched clusters before and after.
    pub no_build: bool,
}

impl Publish {
    /// True when the branch is pushed after the commit.
    pub fn pushes(&self) -> bool {
        self.push.is_some() || self.pr
    }
}

/// The tool that opens pull requests for a remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// GitHub, through `gh`.
    GitHub,
    /// GitLab, through `glab`.
    GitLab,
}

impl Forge {
    /// GitLab for a remote whose URL names it, GitHub otherwise (the more common host, and the
    /// one `gh` serves for GitHub Enterprise hosts too).
    pub fn of_url(url: &str) -> Forge {
        match url.to_ascii_lowercase().contains("gitlab") {
            true => Forge::GitLab,
            false => Forge::GitHub,
        }
    }

    /// The program.
    pub fn program(self) -> &'static str {
        match self {
            Forge::GitHub => "gh",
            Forge::GitLab => "glab",
        }
    }

    /// Where to get the program.
    fn install_hint(self) -> &'static str {
        match self {
            Forge::GitHub => "https://cli.github.com (then `gh auth login`)",
            Forge::GitLab => "https://gitlab.com/gitlab-org/cli (then `glab auth login`)",
        }
    }

    /// Refuses, before anything is written, when the program is not on PATH.
    pub fn check_installed(self) -> Result<()> {
        if on_path(self.program()).is_some() {
            return Ok(());
        }
        Err(Error::refused(format!(
            "--pr opens the pull request with `{}`, which is not on PATH: install it from {}, \
             or pass --push and open the pull request yourself",
            self.program(),
            self.install_hint()
        )))
    }

    /// Opens the pull request of `branch` into `base`, and returns what the tool printed last
    /// on stdout (its URL).
    pub fn open(
        self,
        root: &Path,
        base: &str,
        branch: &str,
        title: &str,
        body: &str,
    ) -> Result<String> {
        let mut command = Command::new(self.program());
        command.current_dir(root);
        match self {
            Forge::GitHub => command.args([
                "pr",
                "create",
                "--base",
                base,
                "--head",
                branch,
                "--title",
                title,
                "--body-file",
                "-",
            ]),
            Forge::GitLab => command.args([
                "mr",
                "create",
                "--source-branch",
                branch,
                "--target-branch",
                base,
                "--title",
                title,
                "--description",
                body,
                "--yes",
            ]),
        };
        let shown = format!("{} {} create", self.program(), self.noun_command());
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Error::refused(format!("could not run `{shown}`: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            if self == Forge::GitHub {
                // A tool that does not read its input closes the pipe: its exit status says
                // what went wrong.
                let _ = stdin.write_all(body.as_bytes());
            }
        }
        let output = child
            .wait_with_output()
            .map_err(|e| Error::refused(format!("could not run `{shown}`: {e}")))?;
        if !output.status.success() {
            return Err(Error::refused(format!(
                "`{shown}` failed ({}): the branch {branch} is pushed; open the pull request \
                 yourself, or run `{shown}` once the problem is fixed",
                output.status
            )));
        }
        let printed = String::from_utf8_lossy(&output.stdout);
        Ok(printed
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string())
    }

    fn noun_command(self) -> &'static str {
        match self {
            Forge::GitHub => "pr",
            Forge::GitLab => "mr",
        }
    }
}

/// Pushes `branch` to `remote` with the user's `git`, setting its upstream; git's own messages
/// go to stderr as they come.
pub fn push(root: &Path, remote: &str, branch: &str) -> Result<()> {
    let shown = format!("git push -u {remote} {branch}");
    let status = Command::new("git")
        .current_dir(root)
        .args(["push", "-u", remote, branch])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| Error::refused(format!("could not run `{shown}`: {e}")))?;
    if !status.success() {
        return Err(Error::refused(format!(
            "`{shown}` failed ({status}): the change is committed on branch {branch}; push it \
             with `{shown}` once the problem is fixed"
        )));
    }
    Ok(())
}

/// The program's path when it is on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

// The session's side of publishing: checked before anything is written, done after the commit.
impl Session<'_> {
    /// Refuses, before anything is written, a push or pull request that cannot happen: no
    /// commit to push, no remote, no `gh`/`glab`, no base to open it against. Returns the
    /// remote and the forge when the change is pushed.
    pub(super) fn check_publish(
        &self,
        root: &Path,
        history: History,
    ) -> Result<Option<(String, Forge)>> {
        let publish = &self.options.publish;
        if publish.json && matches!(&publish.pr_body, Some(p) if p.as_os_str() == "-") {
            return Err(Error::Usage(
                "--json and --pr-body - both print on stdout: give --pr-body a file".into(),
            ));
        }
        if !publish.pushes() {
            return Ok(None);
        }
        let flag = if publish.pr { "--pr" } else { "--push" };
        if self.options.no_commit {
            return Err(Error::Usage(format!(
                "{flag} pushes the new branch, and --no-commit makes none: drop one of them"
            )));
        }
        let repo = git::open(root)?;
        let remote = match publish.push.clone().flatten().filter(|r| !r.is_empty()) {
            Some(remote) => remote,
            None => git::default_remote(&repo).ok_or_else(|| {
                Error::refused(format!(
                    "{flag}: the repository has no remote called origin to push to: add one \
                     (`git remote add origin URL`), or name it: --push REMOTE"
                ))
            })?,
        };
        let url = repo
            .find_remote(&remote)
            .map_err(|_| {
                Error::refused(format!(
                    "{flag}: no remote called {remote} (see `git remote -v`)"
                ))
            })?
            .url()
            .unwrap_or_default()
            .to_string();
        let forge = Forge::of_url(&url);
        if publish.pr {
            if history == History::MayBeEmpty && git::is_unborn(&repo) {
                return Err(Error::refused(
                    "--pr: the first commit has no base branch to open a pull request against: \
                     pass --push to push it",
                ));
            }
            forge.check_installed()?;
        }
        Ok(Some((remote, forge)))
    }

    /// Pushes the committed branch and opens its pull request, as asked; then prints the
    /// outcome for `--json`.
    pub(super) fn publish(
        &mut self,
        root: &Path,
        change: &ChangeSet,
        branch: &str,
        commit: Oid,
    ) -> Result<()> {
        let publish = self.options.publish.clone();
        if let Some((remote, forge)) = self.publish_to.take() {
            self.shell
                .status(&format!("Pushing {branch} to {remote} (git push -u)"))?;
            push(root, &remote, branch)?;
            self.pushed_to = Some(remote);
            if publish.pr {
                let base = match &self.base {
                    Some(base) => base.name.clone(),
                    None => "main".to_string(),
                };
                let body = self.body.take().unwrap_or_default();
                let opened = forge.open(root, &base, branch, &change.summary, &body)?;
                self.shell
                    .status(&format!("Opened the pull request: {opened}"))?;
                self.pull_request = Some(opened);
            }
        }
        let outcome = Outcome::Committed {
            branch: branch.to_string(),
            commit,
        };
        self.print_outcome(change, &outcome, Some(branch))
    }

    /// `--json`: the outcome on stdout, one object.
    pub(super) fn print_outcome(
        &mut self,
        change: &ChangeSet,
        outcome: &Outcome,
        branch: Option<&str>,
    ) -> Result<()> {
        if !self.options.publish.json {
            return Ok(());
        }
        let files: Vec<serde_json::Value> = change
            .changes
            .iter()
            .map(|file| {
                serde_json::json!({
                    "path": file.shown_path(),
                    "status": file.status().to_string(),
                })
            })
            .collect();
        let (name, commit) = match outcome {
            Outcome::NothingToDo => ("nothing-to-do", None),
            Outcome::Shown => ("dry-run", None),
            Outcome::Written => ("written", None),
            Outcome::Committed { commit, .. } => ("committed", Some(commit.to_string())),
        };
        let mut value = serde_json::json!({
            "version": report::JSON_VERSION,
            "outcome": name,
            "summary": change.summary,
            "branch": branch,
            "commit": commit,
            "base": self.base.as_ref().map(|b| b.name.clone()),
            "files": files,
            "pushed_to": self.pushed_to,
            "pull_request": self.pull_request,
        });
        if matches!(outcome, Outcome::Shown) {
            value["diff"] = serde_json::Value::String(report::diff::render(change));
        }
        let text = serde_json::to_string_pretty(&value)
            .map_err(|e| Error::Output(std::io::Error::other(e)))?;
        self.shell.data(&format!("{text}\n"))
    }

    /// Where `--pr-body` goes: stdout for `-`, else a file that the same rules as every write
    /// allow, checked before anything is written.
    pub(super) fn description_target(
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

    /// Writes the description of a dry run: to stdout, or to its file, since a preview of the
    /// description is what was asked for.
    pub(super) fn write_description(
        &mut self,
        to: &DescriptionTarget,
        body: &str,
        preview: bool,
    ) -> Result<()> {
        match to {
            DescriptionTarget::Stdout => self.shell.data(body),
            DescriptionTarget::File(path) => {
                let temp = apply::writer::temp_path(path, &apply::writer::token());
                apply::writer::write_new(&temp, body.as_bytes(), None).at(path)?;
                fs::rename(&temp, path).at(path)?;
                let what = if preview { "a preview of " } else { "" };
                self.shell.status(&format!(
                    "Wrote {what}the pull request description to {}",
                    path.display()
                ))
            }
        }
    }

    /// Says that the description was not written, when nothing was.
    pub(super) fn not_written(&mut self) -> Result<()> {
        if let Some(given) = &self.options.publish.pr_body {
            let given = given.display().to_string();
            self.shell.status(&format!(
                "--pr-body: nothing was written, so {given} was not written either"
            ))?;
        }
        Ok(())
    }
}

/// Where a description goes, checked before anything is written.
pub(super) enum DescriptionTarget {
    Stdout,
    File(PathBuf),
}

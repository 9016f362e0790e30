//! After the commit: the branch pushed with the user's own `git` (their credentials, their
//! hooks), and the pull request opened with `gh` (GitHub) or `glab` (GitLab). git2 has no
//! network transport here; these are the tools the user has already set up.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

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

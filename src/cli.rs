//! The command line as clap sees it. Commands turn these into plain options before calling the
//! core, which never sees clap.

use std::path::PathBuf;

use clap::{Args, Parser};

use crate::commands::Command;
use crate::session::{Publish, RunOptions};

/// Manage several Flux-managed clusters from one Git repository: shared definitions live once,
/// cluster decisions live under clusters/<cluster>.
#[derive(Debug, Parser)]
#[command(name = "fluxfleet", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted anywhere on the line, by every command.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Run as if fluxfleet was started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,

    /// Never prompt: use the default or fail naming the missing flag.
    #[arg(long, global = true)]
    pub yes: bool,

    /// Print the change as a unified diff and write nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Write the files but make no branch and no commit.
    #[arg(long, global = true)]
    pub no_commit: bool,

    /// Name of the branch to create for the change.
    #[arg(long, global = true, value_name = "NAME")]
    pub branch: Option<String>,

    /// Commit without the pre-commit and commit-msg hooks (as `git commit --no-verify`).
    #[arg(long, global = true)]
    pub no_verify: bool,

    /// Commit unsigned although commit.gpgsign is set (as `git commit --no-gpg-sign`).
    #[arg(long, global = true)]
    pub no_gpg_sign: bool,
}

impl GlobalArgs {
    /// The options that decide how a run treats its change.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            dry_run: self.dry_run,
            no_commit: self.no_commit,
            branch: self.branch.clone(),
            no_verify: self.no_verify,
            no_gpg_sign: self.no_gpg_sign,
            publish: Publish::default(),
        }
    }
}

/// The flags of every command that changes the fleet: where its branch starts, and where the
/// change goes after the commit.
#[derive(Debug, Clone, Default, Args)]
pub struct PublishArgs {
    /// Write a Markdown pull request description to FILE (`-`: stdout); --dry-run previews it.
    #[arg(long, value_name = "FILE|-")]
    pub pr_body: Option<PathBuf>,

    /// Push the new branch with your own `git push -u` (to REMOTE; default: origin, or the only
    /// remote).
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "")]
    pub push: Option<String>,

    /// Push the new branch, then open its pull request with `gh` (GitHub) or `glab` (GitLab).
    #[arg(long)]
    pub pr: bool,

    /// Start the new branch from REF instead of the base branch (the remote's default branch,
    /// else main or master).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,

    /// Print the outcome as JSON on stdout: branch, commit, files, pull request.
    #[arg(long)]
    pub json: bool,

    /// Do not render the clusters the change touches before and after (by default a change
    /// that breaks a render is refused).
    #[arg(long)]
    pub no_build: bool,
}

impl PublishArgs {
    /// The resolved options.
    pub fn options(&self) -> Publish {
        Publish {
            pr_body: self.pr_body.clone(),
            push: self
                .push
                .as_ref()
                .map(|remote| Some(remote.clone()).filter(|r| !r.is_empty())),
            pr: self.pr,
            base: self.base.clone(),
            json: self.json,
            no_build: self.no_build,
        }
    }
}

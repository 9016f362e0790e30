//! The command line as clap sees it. Commands turn these into plain options before calling the
//! core, which never sees clap.
//!
//! Two kinds of flags: [`GlobalArgs`] mean something to every command and are accepted anywhere
//! on the line; [`ChangeArgs`] decide how a change is made, so only the commands that change the
//! fleet take them (before or after the subcommand's name). `status`, `where`, `check` and
//! `diff` refuse them as clap refuses any unknown flag (exit 2).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, ValueEnum};

use crate::commands::Command;
use crate::output::{ColorChoice, Verbosity};
use crate::session::{Publish, RunOptions};

/// Manage several Flux-managed clusters from one Git repository: shared definitions live once,
/// cluster decisions live under clusters/<cluster>.
//
// The command line as clap parses it, before [`Cli`] checks the change flags given ahead of
// the subcommand against it.
#[derive(Debug, Parser)]
#[command(name = "fluxfleet", version, about, long_about = None)]
struct Line {
    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    change: ChangeArgs,

    #[command(subcommand)]
    command: Command,
}

/// The command line: the global flags, the change flags from both sides of the subcommand's
/// name, and the subcommand.
#[derive(Debug)]
pub struct Cli {
    pub global: GlobalArgs,
    /// The change flags given before the subcommand and after it, together; all off for a
    /// command that changes nothing.
    pub change: ChangeArgs,
    pub command: Command,
}

impl CommandFactory for Cli {
    fn command() -> clap::Command {
        Line::command()
    }

    fn command_for_update() -> clap::Command {
        Line::command_for_update()
    }
}

impl FromArgMatches for Cli {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Cli::from_arg_matches_mut(&mut matches.clone())
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.update_from_arg_matches_mut(&mut matches.clone())
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        let name = matches.subcommand_name().unwrap_or_default().to_owned();
        let line = Line::from_arg_matches_mut(matches)?;
        let change = match line.command.publish() {
            Some(publish) => line
                .change
                .together(&publish.change)
                .map_err(|message| usage(&name, message))?,
            None => match line.change.first_given() {
                Some(flag) => {
                    let refusal = format!("the argument '{flag}' cannot be used with '{name}'");
                    return Err(usage(&name, format!("{refusal}: it changes nothing")));
                }
                None => ChangeArgs::default(),
            },
        };
        Ok(Cli {
            global: line.global,
            change,
            command: line.command,
        })
    }

    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        *self = Cli::from_arg_matches_mut(matches)?;
        Ok(())
    }
}

impl Parser for Cli {}

impl Cli {
    /// Parses the process's arguments, exiting with clap's message on a usage error; `--color`
    /// applies to clap's own help and errors too.
    pub fn parse_args() -> Cli {
        let args: Vec<OsString> = std::env::args_os().collect();
        let mut command = Cli::command().color(clap_color(&args));
        let parsed = command
            .try_get_matches_from_mut(args)
            .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
        parsed.unwrap_or_else(|error| error.format(&mut command).exit())
    }

    /// The options that decide how a run treats its change.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            dry_run: self.change.dry_run,
            no_commit: self.change.no_commit,
            branch: self.change.branch.clone(),
            no_verify: self.change.no_verify,
            no_gpg_sign: self.change.no_gpg_sign,
            publish: Publish::default(),
        }
    }
}

/// The `--color` given among `args`, for clap, which must know it before it parses them.
fn clap_color(args: &[OsString]) -> clap::ColorChoice {
    let mut words = args.iter().map(|a| a.to_str().unwrap_or_default());
    let mut given = None;
    while let Some(word) = words.next() {
        match word {
            "--" => break,
            "--color" => given = words.next(),
            _ => given = word.strip_prefix("--color=").or(given),
        }
    }
    match given {
        Some("always") => clap::ColorChoice::Always,
        Some("never") => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    }
}

/// A usage error as clap reports its own (exit 2), with the subcommand's usage line.
fn usage(subcommand: &str, message: String) -> clap::Error {
    let mut fluxfleet = Line::command();
    fluxfleet.build();
    match fluxfleet.find_subcommand_mut(subcommand) {
        Some(command) => command.error(ErrorKind::ArgumentConflict, message),
        None => fluxfleet.error(ErrorKind::ArgumentConflict, message),
    }
}

/// Flags accepted anywhere on the line, by every command.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Run as if fluxfleet was started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,

    /// Print no progress: only data, warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also say what was read, rendered and written, and with which tool.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Colour: auto (on a terminal, unless NO_COLOR is set, CLICOLOR=0 or TERM=dumb;
    /// CLICOLOR_FORCE=1 forces it), always or never.
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

impl GlobalArgs {
    /// How much status goes to stderr.
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }

    /// The colour choice for [`crate::output::Shell`].
    pub fn color_choice(&self) -> ColorChoice {
        match self.color {
            Color::Auto => ColorChoice::Auto,
            Color::Always => ColorChoice::Always,
            Color::Never => ColorChoice::Never,
        }
    }
}

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// The flags that decide how a change is made: taken by every command that changes the fleet,
/// before its name or after it.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Change options")]
pub struct ChangeArgs {
    /// Never prompt: use the default or fail naming the missing flag.
    #[arg(long)]
    pub yes: bool,

    /// Print the change as a unified diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Write the files but make no branch and no commit.
    #[arg(long, conflicts_with = "branch")]
    pub no_commit: bool,

    /// Name of the branch to create for the change.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Commit without the pre-commit and commit-msg hooks (as `git commit --no-verify`).
    #[arg(long)]
    pub no_verify: bool,

    /// Commit unsigned although commit.gpgsign is set (as `git commit --no-gpg-sign`).
    #[arg(long)]
    pub no_gpg_sign: bool,
}

impl ChangeArgs {
    /// The flags given before the subcommand (`self`) and after it, as one set; clap checks
    /// conflicts within each, this across them.
    fn together(&self, after: &ChangeArgs) -> Result<ChangeArgs, String> {
        let branch = match (&self.branch, &after.branch) {
            (Some(_), Some(_)) => {
                return Err("the argument '--branch <NAME>' cannot be used multiple times".into())
            }
            (one, other) => one.clone().or_else(|| other.clone()),
        };
        let together = ChangeArgs {
            yes: self.yes || after.yes,
            dry_run: self.dry_run || after.dry_run,
            no_commit: self.no_commit || after.no_commit,
            branch,
            no_verify: self.no_verify || after.no_verify,
            no_gpg_sign: self.no_gpg_sign || after.no_gpg_sign,
        };
        if together.no_commit && together.branch.is_some() {
            return Err(
                "the argument '--no-commit' cannot be used with '--branch <NAME>': \
                 --no-commit makes no branch"
                    .into(),
            );
        }
        Ok(together)
    }

    /// The first flag given, as written on the line.
    fn first_given(&self) -> Option<&'static str> {
        [
            (self.yes, "--yes"),
            (self.dry_run, "--dry-run"),
            (self.no_commit, "--no-commit"),
            (self.branch.is_some(), "--branch <NAME>"),
            (self.no_verify, "--no-verify"),
            (self.no_gpg_sign, "--no-gpg-sign"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// The flags of every command that changes the fleet: where its branch starts, and where the
/// change goes after the commit.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Change options")]
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

    /// The change flags given after the subcommand's name; read them from [`Cli::change`],
    /// which adds those given before it.
    #[command(flatten)]
    pub change: ChangeArgs,
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

// `[KIND] NAME`: one unit, its kind written first when the name alone is ambiguous (`promote
// app api`, `where ns podinfo`). One name per run: a change is one branch, one pull request.
#[derive(Debug, Clone, Args)]
#[command(allow_missing_positional = true)]
pub struct SubjectArgs {
    /// app, ns, controller or policy: needed only when NAME is several of them.
    #[arg(value_name = "KIND")]
    pub kind: Option<String>,
    /// The app, namespace, controller or policy.
    #[arg(value_name = "NAME")]
    pub name: String,
}

impl SubjectArgs {
    /// The words as written, for [`crate::names::subject`].
    pub fn words(&self) -> Vec<String> {
        self.kind.iter().chain([&self.name]).cloned().collect()
    }
}

//! fluxfleet scaffolds and edits a Git repository from which several Flux-managed clusters pull
//! their desired state.
//!
//! Every mutating command runs the same pipeline: [`fleet`] reads the repository into a
//! snapshot, a command in [`commands`] plans a [`plan::ChangeSet`], [`apply`] shows it as a diff
//! or writes it all-or-nothing, and [`git`] commits it on a new branch. [`yaml`] makes every edit
//! of a user's file minimal and comment-preserving; [`render`] turns the templates into new files.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod context;
pub mod error;
pub mod files;
pub mod fleet;
pub mod git;
pub mod interactive;
pub mod names;
pub mod output;
pub mod paths;
pub mod plan;
pub mod render;
pub mod report;
pub mod yaml;

pub use error::{Error, Result};

/// Runs one parsed command line, writing data to `shell`'s stdout and status to its stderr,
/// prompting on the terminal when it is one and `--yes` was not given.
pub fn run(cli: cli::Cli, shell: &mut output::Shell) -> Result<()> {
    let mut prompter = interactive::for_session(cli.global.yes);
    run_with(cli, shell, prompter.as_mut())
}

/// Runs one parsed command line with the given prompter (tests script the answers).
pub fn run_with(
    cli: cli::Cli,
    shell: &mut output::Shell,
    prompter: &mut dyn interactive::Prompter,
) -> Result<()> {
    let mut ctx = context::Context::new(cli.global, shell, prompter);
    let result = commands::run(cli.command, &mut ctx);
    ctx.shell.flush()?;
    result
}

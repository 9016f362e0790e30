//! fluxfleet scaffolds and edits a Git repository from which several Flux-managed clusters pull
//! their desired state.
//!
//! The command line ([`cli`]) is parsed by clap; each of [`commands`] turns its arguments into
//! plain options, answering prompts. Every mutating command then runs the same pipeline:
//! [`fleet`] reads the repository into a snapshot, [`plan`] makes a [`plan::ChangeSet`] from it,
//! and the [`session`] shows it as a diff or writes it all-or-nothing ([`apply`]) and commits it
//! on a new branch ([`git`]). [`yaml`] makes every edit of a user's file minimal and
//! comment-preserving; [`render`] turns the templates into new files; [`names`] holds the naming
//! rules. Nothing below `commands` knows the command line.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod error;
pub mod fault;
pub mod files;
pub mod fleet;
pub mod git;
pub mod interactive;
pub mod names;
pub mod output;
pub mod paths;
pub mod plan;
pub mod render;
pub mod rendered;
pub mod report;
pub mod session;
pub mod yaml;

pub use error::{Error, Result};

/// Runs one parsed command line, writing data to `shell`'s stdout and status to its stderr,
/// prompting on the terminal when it is one and `--yes` was not given.
pub fn run(cli: cli::Cli, shell: &mut output::Shell) -> Result<()> {
    let mut prompter = interactive::for_session(cli.change.yes);
    run_with(cli, shell, prompter.as_mut())
}

/// Runs one parsed command line with the given prompter (tests script the answers).
pub fn run_with(
    cli: cli::Cli,
    shell: &mut output::Shell,
    prompter: &mut dyn interactive::Prompter,
) -> Result<()> {
    let session = session::Session::new(cli.run_options(), shell, cli.global.chdir);
    let mut ctx = commands::context::Context::new(session, prompter);
    let result = commands::run(cli.command, &mut ctx);
    if result.is_err() {
        ctx.session.end_without_commit();
    }
    ctx.session.shell.flush()?;
    result
}

//! `fluxfleet completions SHELL`: the shell's completion script on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::context::Context;
use crate::cli::Cli;
use crate::error::Result;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  source <(fluxfleet completions bash)                   # this bash session
  fluxfleet completions bash > /etc/bash_completion.d/fluxfleet
  fluxfleet completions zsh > \"${fpath[1]}/_fluxfleet\"
  fluxfleet completions fish > ~/.config/fish/completions/fluxfleet.fish
  fluxfleet completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs, ctx: &mut Context) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "fluxfleet", &mut script);
    ctx.session.shell.data_bulk(&script)
}

//! `fluxfleet man [COMMAND]`: the man page, as roff, on stdout.

use clap::{Args, CommandFactory};

use super::context::Context;
use crate::cli::Cli;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet man | man -l -                               # read it now
  fluxfleet man > /usr/local/share/man/man1/fluxfleet.1
  fluxfleet man promote > /usr/local/share/man/man1/fluxfleet-promote.1")]
pub struct ManArgs {
    /// A subcommand's own page (fluxfleet-COMMAND(1)) instead of fluxfleet(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

pub fn run(args: ManArgs, ctx: &mut Context) -> Result<()> {
    let mut fluxfleet = Cli::command();
    fluxfleet.build();
    let page = match &args.command {
        None => fluxfleet,
        Some(name) => {
            let known: Vec<&str> = fluxfleet
                .get_subcommands()
                .map(|c| c.get_name())
                .filter(|n| *n != "help")
                .collect();
            let Some(sub) = fluxfleet.find_subcommand(name) else {
                return Err(Error::Usage(format!(
                    "no command {name:?}: known commands: {}",
                    known.join(", ")
                )));
            };
            sub.clone().version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(Error::Output)?;
    ctx.session.shell.data_bulk(&roff)
}

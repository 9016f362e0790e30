//! The `fluxfleet` binary: parse the command line, run the library, turn the outcome into an
//! exit code.

use std::process::ExitCode;

use clap::Parser;

// mimalloc: glibc malloc took ~20% of a large fleet's read (two threads, many small blocks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = fluxfleet::cli::Cli::parse();
    let mut shell = fluxfleet::output::Shell::from_env();
    match fluxfleet::run(cli, &mut shell) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            shell.error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}

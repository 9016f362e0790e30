//! The `fluxfleet` binary: parse the command line, run the library, turn the outcome into an
//! exit code.

use std::process::ExitCode;

// mimalloc: glibc malloc took ~20% of a large fleet's read (two threads, many small blocks).
// Its version 2 (the `v2` feature) touches less fresh memory than version 3 in a short run:
// 39 MB instead of 51 MB of resident memory for `status` on the benchmark fleet.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = fluxfleet::cli::Cli::parse_args();
    let mut shell =
        fluxfleet::output::Shell::new(cli.global.color_choice(), cli.global.verbosity());
    match fluxfleet::run(cli, &mut shell) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            shell.error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}

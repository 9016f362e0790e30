//! One output handle: data on stdout, status on stderr, colour as `--color` and the
//! environment say (`NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`, `TERM=dumb`), and as much status
//! as `-q`/`-v` ask for.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};

use console::Style;

use crate::error::{Error, Result};

/// `--color`: whether to colour, or to decide by the stream and the environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour a terminal, unless the environment says otherwise.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal, given the environment. With
    /// `auto`, as most terminal tools decide: `NO_COLOR` (set and not empty) turns colour off,
    /// then `CLICOLOR_FORCE` (not empty, not `0`) turns it on, then `CLICOLOR=0` or
    /// `TERM=dumb` turns it off; otherwise a terminal is coloured.
    pub fn colors(self, terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("NO_COLOR").is_some() => false,
            ColorChoice::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
            ColorChoice::Auto if set("CLICOLOR").is_some_and(|v| v == "0") => false,
            ColorChoice::Auto if set("TERM").is_some_and(|v| v == "dumb") => false,
            ColorChoice::Auto => terminal,
        }
    }
}

/// How much status goes to stderr: `-q` keeps warnings and errors only, `-v` adds detail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

/// stdout as a file of its own (its descriptor duplicated), past std's line buffer; `None`
/// where that is not done.
fn raw_stdout() -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(std::fs::File::from)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Where a command's output goes. Tests capture it; the binary writes to the terminal.
pub struct Shell {
    out: Box<dyn Write>,
    /// stdout itself, for bulk data: std's line buffer looks for the last newline of every
    /// piece written, all of a large fleet's JSON, which has none (4% of `status --json`'s
    /// instructions on the benchmark fleet). `None` when captured.
    bulk: Option<std::fs::File>,
    err: Box<dyn Write>,
    out_color: bool,
    err_color: bool,
    verbosity: Verbosity,
}

impl Shell {
    /// stdout and stderr, coloured where each is a terminal and the environment allows it.
    pub fn from_env() -> Self {
        Shell::new(ColorChoice::Auto, Verbosity::Normal)
    }

    /// stdout and stderr, coloured as `color` decides for each, saying as much as `verbosity`.
    pub fn new(color: ColorChoice, verbosity: Verbosity) -> Self {
        let env = |name: &str| std::env::var_os(name);
        Shell {
            out_color: color.colors(io::stdout().is_terminal(), env),
            err_color: color.colors(io::stderr().is_terminal(), env),
            out: Box::new(io::stdout()),
            bulk: raw_stdout(),
            err: Box::new(io::stderr()),
            verbosity,
        }
    }

    /// A shell writing to the given sinks without colour.
    pub fn capture(out: Box<dyn Write>, err: Box<dyn Write>) -> Self {
        Shell {
            out,
            bulk: None,
            err,
            out_color: false,
            err_color: false,
            verbosity: Verbosity::Normal,
        }
    }

    /// How much status this shell writes.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// True when data on stdout may be coloured.
    pub fn out_color(&self) -> bool {
        self.out_color
    }

    /// Writes data to stdout.
    pub fn data(&mut self, text: &str) -> Result<()> {
        self.out.write_all(text.as_bytes()).map_err(Error::Output)
    }

    /// Writes a piece of data to stdout, a part of megabytes of output (a large fleet's table
    /// and JSON).
    pub fn data_bulk(&mut self, bytes: &[u8]) -> Result<()> {
        match &mut self.bulk {
            // What the line buffer holds goes first.
            Some(file) => self.out.flush().and_then(|()| file.write_all(bytes)),
            None => self.out.write_all(bytes),
        }
        .map_err(Error::Output)
    }

    /// Writes a line of status to stderr, unless `-q`.
    pub fn status(&mut self, text: &str) -> Result<()> {
        if self.verbosity == Verbosity::Quiet {
            return Ok(());
        }
        writeln!(self.err, "{text}").map_err(Error::Output)
    }

    /// Writes a line of detail to stderr with `-v` only.
    pub fn detail(&mut self, text: &str) -> Result<()> {
        if self.verbosity < Verbosity::Verbose {
            return Ok(());
        }
        writeln!(self.err, "{text}").map_err(Error::Output)
    }

    /// Writes a warning to stderr.
    pub fn warn(&mut self, text: &str) -> Result<()> {
        let label = self.paint_err("warning:", Style::new().yellow().bold());
        writeln!(self.err, "{label} {text}").map_err(Error::Output)
    }

    /// Writes an error to stderr; failures to do so are ignored, there is nowhere else to go.
    pub fn error(&mut self, error: &Error) {
        if matches!(error, Error::Cancelled) {
            let _ = writeln!(self.err, "{error}");
            return;
        }
        let label = self.paint_err("error:", Style::new().red().bold());
        let _ = writeln!(self.err, "{label} {error}");
    }

    /// `text` in `style` when stdout is coloured.
    pub fn paint(&self, text: &str, style: Style) -> String {
        if self.out_color {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn paint_err(&self, text: &str, style: Style) -> String {
        if self.err_color {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    /// Flushes both streams.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::Output)?;
        self.err.flush().map_err(Error::Output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colors(choice: ColorChoice, terminal: bool, vars: &[(&str, &str)]) -> bool {
        choice.colors(terminal, |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn auto_colours_a_terminal_unless_the_environment_says_otherwise() {
        use ColorChoice::*;
        assert!(colors(Auto, true, &[]));
        assert!(!colors(Auto, false, &[]));
        assert!(!colors(Auto, true, &[("NO_COLOR", "1")]));
        assert!(colors(Auto, true, &[("NO_COLOR", "")]));
        assert!(!colors(Auto, true, &[("CLICOLOR", "0")]));
        assert!(colors(Auto, true, &[("CLICOLOR", "1")]));
        assert!(!colors(Auto, true, &[("TERM", "dumb")]));
        assert!(colors(Auto, false, &[("CLICOLOR_FORCE", "1")]));
        assert!(colors(
            Auto,
            true,
            &[("CLICOLOR_FORCE", "1"), ("CLICOLOR", "0")]
        ));
        assert!(!colors(Auto, false, &[("CLICOLOR_FORCE", "0")]));
        assert!(!colors(
            Auto,
            true,
            &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
        ));
        assert!(colors(
            Always,
            false,
            &[("NO_COLOR", "1"), ("TERM", "dumb")]
        ));
        assert!(!colors(Never, true, &[("CLICOLOR_FORCE", "1")]));
    }
}

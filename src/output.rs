//! One output handle: data on stdout, status on stderr, colour only on a terminal without
//! `NO_COLOR`.

use std::io::{self, IsTerminal, Write};

use console::Style;

use crate::error::{Error, Result};

/// Where a command's output goes. Tests capture it; the binary writes to the terminal.
pub struct Shell {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    out_color: bool,
    err_color: bool,
}

impl Shell {
    /// stdout and stderr, coloured where each is a terminal and `NO_COLOR` is unset.
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Shell {
            out_color: !no_color && io::stdout().is_terminal(),
            err_color: !no_color && io::stderr().is_terminal(),
            out: Box::new(io::stdout()),
            err: Box::new(io::stderr()),
        }
    }

    /// A shell writing to the given sinks without colour.
    pub fn capture(out: Box<dyn Write>, err: Box<dyn Write>) -> Self {
        Shell {
            out,
            err,
            out_color: false,
            err_color: false,
        }
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
        self.out.write_all(bytes).map_err(Error::Output)
    }

    /// Writes a line of status to stderr.
    pub fn status(&mut self, text: &str) -> Result<()> {
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

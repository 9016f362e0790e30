//! The error type of the library and the exit codes of DESIGN.md: 0 success, 1 a finding or a
//! refused operation, 2 usage.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::yaml::YamlError;

/// Everything that stops a command. Each message says what is wrong, where, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is incomplete or contradictory (exit 2).
    #[error("{0}")]
    Usage(String),

    /// The operation was refused: bad name, unknown cluster, dirty tree... (exit 1).
    #[error("{0}")]
    Refused(String),

    /// A user's YAML file could not be read or edited safely (exit 1).
    #[error(transparent)]
    Yaml(#[from] YamlError),

    /// A file system operation failed; the path says which file.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },

    /// git2 reported an error.
    #[error("git: {}", .0.message())]
    Git(#[from] git2::Error),

    /// A template could not be rendered.
    #[error("template {name}: {message}")]
    Template { name: String, message: String },

    /// `check` found problems, printed already; the summary that counts them.
    #[error("{0}")]
    Findings(String),

    /// The user cancelled a prompt (Esc, `q`, or no to a confirmation) (exit 1).
    #[error("Cancelled; nothing was written.")]
    Cancelled,

    /// Writing to stdout or stderr failed (a closed pipe is a clean exit).
    #[error("cannot write output: {0}")]
    Output(io::Error),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A refusal with a message that says what to do instead.
    pub fn refused(message: impl fmt::Display) -> Self {
        Error::Refused(message.to_string())
    }

    /// The refusal for a file that changed on disk while a run read or wrote: nothing is
    /// written, and running the command again plans from the file as it is now.
    pub fn changed_on_disk(path: &Path) -> Self {
        Error::refused(format!(
            "{} changed on disk while fluxfleet was working: nothing was written; run the \
             command again",
            crate::paths::to_slash(path)
        ))
    }

    /// A file system error on `path`.
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }

    /// True when output went to a closed pipe, which is not a failure of the command.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Adds the path to an I/O result's error.
pub trait IoContext<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}

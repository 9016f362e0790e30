//! A problem `check` found: where it is, what is wrong, and how to fix it.

use std::path::PathBuf;

use crate::paths::to_slash;

/// How bad a finding is: errors fail `check`, warnings are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails `check` (exit 1).
    Error,
    /// Printed; `check` still succeeds.
    Warning,
}

/// One finding; `report::finding` prints it like a compiler diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    /// The repository-relative file (or directory) at fault.
    pub file: PathBuf,
    /// The 1-based line, 0 when the finding concerns the whole file or directory.
    pub line: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
    /// The rule broken, a stable identifier for scripts (`check --json`): `unresolved-reference`,
    /// `listed-twice`, ... (see `check`); empty until the rule's check names it.
    pub rule: &'static str,
}

impl Finding {
    /// An error at `file:line`.
    pub fn error(file: impl Into<PathBuf>, line: usize, message: String, fix: String) -> Self {
        Finding {
            file: file.into(),
            line,
            severity: Severity::Error,
            message,
            fix,
            rule: "",
        }
    }

    /// A warning at `file:line`.
    pub fn warning(file: impl Into<PathBuf>, line: usize, message: String, fix: String) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(file, line, message, fix)
        }
    }

    /// `file:line`, or `file` when there is no line.
    pub fn location(&self) -> String {
        match self.line {
            0 => to_slash(&self.file),
            n => format!("{}:{n}", to_slash(&self.file)),
        }
    }

    /// `error` or `warning`.
    pub fn label(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

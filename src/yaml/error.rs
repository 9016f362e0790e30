//! Errors in a user's YAML, shown as `path:line:col` with the offending line.

use std::fmt;
use std::path::PathBuf;

/// A problem at one position of one YAML file. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// The file, relative to the repository root where known.
    pub path: PathBuf,
    /// 1-based line, 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub col: usize,
    /// What is wrong and, where possible, what was expected.
    pub message: String,
    /// The text of the offending line, without its line ending.
    pub source_line: Option<String>,
}

impl YamlError {
    /// An error at `line`:`col` of `text`, quoting that line.
    pub fn at(
        path: impl Into<PathBuf>,
        text: &str,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) -> Self {
        let (mut line, mut col) = (line, col);
        let last = text.lines().count();
        // A parser reports a file that ends too early on the line after the last one: point
        // just past the end of the last line instead, so that there is a line to show.
        if line > last && last > 0 {
            line = last;
            col = text
                .lines()
                .nth(last - 1)
                .map_or(0, |l| l.trim_end_matches('\r').chars().count() + 1);
        }
        let source_line = (line > 0)
            .then(|| text.lines().nth(line - 1))
            .flatten()
            .map(|l| l.trim_end_matches('\r').to_string());
        YamlError {
            path: path.into(),
            line,
            col,
            message: message.into(),
            source_line,
        }
    }

    /// An error about the whole file.
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        YamlError {
            path: path.into(),
            line: 0,
            col: 0,
            message: message.into(),
            source_line: None,
        }
    }
}

impl YamlError {
    /// The offending line under a gutter with its number, and a caret under the column:
    /// what follows the message, starting with a line break; empty without a line to show.
    pub fn excerpt(&self) -> String {
        let Some(source) = &self.source_line else {
            return String::new();
        };
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        let mut excerpt = format!("\n{pad} |\n{number} | {source}");
        if self.col > 0 {
            excerpt.push_str(&format!("\n{pad} | {}^", " ".repeat(self.col - 1)));
        }
        excerpt
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.col > 0 {
                write!(f, ":{}", self.col)?;
            }
        }
        write!(f, ": {}{}", self.message, self.excerpt())
    }
}

impl std::error::Error for YamlError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_past_the_end_points_after_the_last_line() {
        let err = YamlError::at("k.yaml", "a: [x, y\n", 2, 1, "unclosed");
        assert_eq!((err.line, err.col), (1, 9));
        assert_eq!(
            err.to_string(),
            "k.yaml:1:9: unclosed\n  |\n1 | a: [x, y\n  |         ^"
        );
    }
}

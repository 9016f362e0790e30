//! What `check` prints of a finding, like a compiler diagnostic: `error: file:line: message`,
//! then the fix indented beneath it.

use std::fmt::Write as _;

use console::Style;

use crate::fleet::{Finding, Severity};

/// The findings, one after another, each label coloured when `color` (errors red, warnings
/// yellow).
pub fn render(findings: &[Finding], color: bool) -> String {
    let mut out = String::new();
    for finding in findings {
        let style = match finding.severity {
            Severity::Error => Style::new().red().bold(),
            Severity::Warning => Style::new().yellow().bold(),
        };
        let label = finding.label();
        match color {
            true => out.push_str(&style.force_styling(true).apply_to(label).to_string()),
            false => out.push_str(label),
        }
        let _ = write!(out, ": {}: {}", finding.location(), finding.message);
        for (i, line) in finding.fix.lines().enumerate() {
            let lead = if i == 0 { "  fix: " } else { "       " };
            let _ = write!(out, "\n{lead}{line}");
        }
        out.push('\n');
    }
    out
}

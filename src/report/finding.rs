//! What `check` prints of a finding, like a compiler diagnostic: `error: file:line: message`,
//! then the fix indented beneath it; or, with `--json`, every finding as a JSON object.

use std::fmt::Write as _;

use console::Style;
use serde::Serialize;

use super::JSON_VERSION;
use crate::fleet::{Finding, Severity};
use crate::paths::to_slash;

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

/// What `check` counted, for the JSON document's summary.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Checked {
    pub clusters: usize,
    pub apps: usize,
    pub namespaces: usize,
    pub errors: usize,
    pub warnings: usize,
    /// False when `check` exits 1 (an error, or a warning with `--strict`).
    pub passed: bool,
}

/// `check --json`: `{"version", "checked": {...}, "findings": [{"file", "line", "rule",
/// "severity", "message", "fix"}]}`, indented when `pretty`.
pub fn json(findings: &[Finding], checked: Checked, pretty: bool) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        version: u32,
        checked: Checked,
        findings: Vec<Json<'a>>,
    }
    #[derive(Serialize)]
    struct Json<'a> {
        file: String,
        /// `null` when the finding concerns the whole file or directory.
        line: Option<usize>,
        rule: &'a str,
        severity: &'a str,
        message: &'a str,
        fix: &'a str,
    }
    let document = Document {
        version: JSON_VERSION,
        checked,
        findings: findings
            .iter()
            .map(|f| Json {
                file: to_slash(&f.file),
                line: Some(f.line).filter(|&l| l > 0),
                rule: f.rule,
                severity: f.label(),
                message: &f.message,
                fix: &f.fix,
            })
            .collect(),
    };
    let text = match pretty {
        true => serde_json::to_string_pretty(&document),
        false => serde_json::to_string(&document),
    };
    // Strings and numbers only: serde_json cannot fail on them.
    let mut text = text.unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use crate::fleet::{check, Fleet, ReadPlan};

    /// Every finding of every test fleet names its rule: `check --json` promises one.
    #[test]
    fn every_finding_names_its_rule() {
        let mut findings = 0;
        for root in crate::fleet::test_roots() {
            let Ok(fleet) = Fleet::read(&root, ReadPlan::Whole) else {
                continue;
            };
            let Ok(found) = check(&fleet) else {
                continue;
            };
            for finding in &found {
                assert!(!finding.rule.is_empty(), "{finding:?}");
            }
            findings += found.len();
        }
        assert!(findings > 20, "only {findings} findings");
    }
}

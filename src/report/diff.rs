//! `--dry-run`: the ChangeSet as a unified diff, in git's format, coloured on a terminal.

use console::Style;
use similar::TextDiff;

use crate::output::Shell;
use crate::paths::to_slash;
use crate::plan::{ChangeSet, FileChange};

/// The whole change as one unified diff.
pub fn render(change: &ChangeSet) -> String {
    let mut out = String::new();
    // Sorted by path as git sorts a diff, so the dry run reads like the commit will.
    let mut files: Vec<&FileChange> = change.changes.iter().collect();
    files.sort_by_key(|f| f.paths().into_iter().map(to_slash).next_back());
    for file in files {
        let (a, b) = match file {
            FileChange::Create { path, .. } => (None, Some(to_slash(path))),
            FileChange::Edit { path, .. } => (Some(to_slash(path)), Some(to_slash(path))),
            FileChange::Move { from, to, .. } => (Some(to_slash(from)), Some(to_slash(to))),
            FileChange::Delete { path, .. } => (Some(to_slash(path)), None),
        };
        let name_a = a.clone().or_else(|| b.clone()).unwrap_or_default();
        let name_b = b.clone().unwrap_or_else(|| name_a.clone());
        out.push_str(&format!("diff --git a/{name_a} b/{name_b}\n"));
        match file {
            FileChange::Create { .. } => out.push_str("new file mode 100644\n"),
            FileChange::Delete { .. } => out.push_str("deleted file mode 100644\n"),
            FileChange::Move { .. } => {
                out.push_str(&format!("rename from {name_a}\nrename to {name_b}\n"));
            }
            FileChange::Edit { .. } => {}
        }
        let old = file.before().map(|(_, t)| t).unwrap_or("");
        let new = file.after().map(|(_, t)| t).unwrap_or("");
        if old == new {
            continue;
        }
        let header_a = a.map_or("/dev/null".to_string(), |p| format!("a/{p}"));
        let header_b = b.map_or("/dev/null".to_string(), |p| format!("b/{p}"));
        let diff = TextDiff::from_lines(old, new);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&header_a, &header_b)
                .to_string(),
        );
    }
    out
}

/// Prints the diff to stdout, coloured when stdout is a terminal.
pub fn show(shell: &mut Shell, change: &ChangeSet) -> crate::Result<()> {
    let text = render(change);
    if !shell.out_color() {
        return shell.data(&text);
    }
    let mut painted = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            Style::new().bold()
        } else if line.starts_with('+') {
            Style::new().green()
        } else if line.starts_with('-') {
            Style::new().red()
        } else if line.starts_with("@@") {
            Style::new().cyan()
        } else if line.starts_with("diff --git") {
            Style::new().bold()
        } else {
            Style::new()
        };
        let (body, end) = line.split_at(line.trim_end_matches(['\n', '\r']).len());
        painted.push_str(&shell.paint(body, style));
        painted.push_str(end);
    }
    shell.data(&painted)
}

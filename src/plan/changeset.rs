//! The planned change: file creations, edits, moves and deletions, plus the commit message and
//! branch name that tell its story.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::paths::to_slash;

/// One planned change to one file. Paths are relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// A new file; refused at apply time if the path exists.
    Create { path: PathBuf, content: String },
    /// An existing file whose text was `old` when the fleet was read.
    Edit {
        path: PathBuf,
        old: String,
        new: String,
    },
    /// A file moved (a git rename), its text `old` before and `new` after.
    Move {
        from: PathBuf,
        to: PathBuf,
        old: String,
        new: String,
    },
    /// An existing file removed; `old` is its text when the fleet was read.
    Delete { path: PathBuf, old: String },
}

impl FileChange {
    /// Every path this change writes or removes.
    pub fn paths(&self) -> Vec<&Path> {
        match self {
            FileChange::Create { path, .. }
            | FileChange::Edit { path, .. }
            | FileChange::Delete { path, .. } => vec![path],
            FileChange::Move { from, to, .. } => vec![from, to],
        }
    }

    /// The path and text before the change, if the file existed.
    pub fn before(&self) -> Option<(&Path, &str)> {
        match self {
            FileChange::Create { .. } => None,
            FileChange::Edit { path, old, .. } | FileChange::Delete { path, old } => {
                Some((path, old))
            }
            FileChange::Move { from, old, .. } => Some((from, old)),
        }
    }

    /// The path and text after the change, if the file still exists.
    pub fn after(&self) -> Option<(&Path, &str)> {
        match self {
            FileChange::Delete { .. } => None,
            FileChange::Create { path, content } => Some((path, content)),
            FileChange::Edit { path, new, .. } => Some((path, new)),
            FileChange::Move { to, new, .. } => Some((to, new)),
        }
    }

    /// git's status letter for the change: `A`, `M`, `R` or `D`.
    pub fn status(&self) -> char {
        match self {
            FileChange::Create { .. } => 'A',
            FileChange::Edit { .. } => 'M',
            FileChange::Move { .. } => 'R',
            FileChange::Delete { .. } => 'D',
        }
    }

    /// The path as messages show it: `old -> new` for a move.
    pub fn shown_path(&self) -> String {
        match self {
            FileChange::Move { from, to, .. } => format!("{} -> {}", to_slash(from), to_slash(to)),
            other => other
                .paths()
                .first()
                .map(|p| to_slash(p))
                .unwrap_or_default(),
        }
    }

    /// True when applying this change would leave the file as it is.
    pub fn is_noop(&self) -> bool {
        matches!(self, FileChange::Edit { old, new, .. } if old == new)
    }
}

/// Everything a command will do, resolved before the first write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// The file changes, in the order they are shown and applied.
    pub changes: Vec<FileChange>,
    /// First line of the commit message: what moved where.
    pub summary: String,
    /// The rest of the commit message, before the generated list of files.
    pub body: String,
    /// The default name of the branch to create.
    pub branch: String,
    /// What the user should know or do next, printed after success.
    pub notes: Vec<String>,
    /// What the user must hear before anything happens, printed even for `--dry-run`.
    pub warnings: Vec<String>,
    /// Paths the new references point at: the commit is only consistent if HEAD has them.
    pub requires: Vec<PathBuf>,
}

impl ChangeSet {
    /// An empty change with its story.
    pub fn new(summary: impl Into<String>, branch: impl Into<String>) -> Self {
        ChangeSet {
            summary: summary.into(),
            branch: branch.into(),
            ..ChangeSet::default()
        }
    }

    /// Adds a change, dropping edits that change nothing and refusing two changes to one path.
    pub fn push(&mut self, change: FileChange) -> Result<()> {
        if change.is_noop() {
            return Ok(());
        }
        for path in change.paths() {
            if self.touches(path) {
                return Err(Error::refused(format!(
                    "internal: {} is changed twice in one plan",
                    to_slash(path)
                )));
            }
        }
        self.changes.push(change);
        Ok(())
    }

    /// Adds a new file.
    pub fn create(&mut self, path: impl Into<PathBuf>, content: impl Into<String>) -> Result<()> {
        self.push(FileChange::Create {
            path: path.into(),
            content: content.into(),
        })
    }

    /// Adds an edit of a file whose text was `old`.
    pub fn edit(&mut self, path: impl Into<PathBuf>, old: String, new: String) -> Result<()> {
        self.push(FileChange::Edit {
            path: path.into(),
            old,
            new,
        })
    }

    /// True when some change writes or removes `path`.
    pub fn touches(&self, path: &Path) -> bool {
        self.changes.iter().any(|c| c.paths().contains(&path))
    }

    /// The required paths that neither exist in `present` nor are created by this change.
    pub fn unmet_requirements(&self, present: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
        self.requires
            .iter()
            .filter(|required| {
                let created = self
                    .changes
                    .iter()
                    .filter_map(FileChange::after)
                    .any(|(path, _)| path.starts_with(required));
                !created && !present(required)
            })
            .cloned()
            .collect()
    }

    /// True when applying the change set would change nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.iter().all(FileChange::is_noop)
    }

    /// Every path written or removed, sorted and without duplicates.
    pub fn touched_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self
            .changes
            .iter()
            .flat_map(|c| c.paths())
            .map(Path::to_path_buf)
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// Every file the change touches as it leaves it: its new text, or `None` for a file it
    /// removes (a move's origin, a deletion).
    /// [`ChangeSet::files_after`] owned, as bytes: what a render of the change writes over a
    /// checkout.
    pub fn files_after_owned(&self) -> Vec<(PathBuf, Option<Vec<u8>>)> {
        self.files_after()
            .into_iter()
            .map(|(path, text)| (path.to_path_buf(), text.map(|t| t.as_bytes().to_vec())))
            .collect()
    }

    pub fn files_after(&self) -> Vec<(&Path, Option<&str>)> {
        let mut files: Vec<(&Path, Option<&str>)> = Vec::new();
        for file in &self.changes {
            if let Some((path, _)) = file.before() {
                files.push((path, None));
            }
        }
        for file in &self.changes {
            if let Some((path, text)) = file.after() {
                files.retain(|(p, _)| *p != path);
                files.push((path, Some(text)));
            }
        }
        files
    }

    /// The full commit message: the summary as a subject of at most 72 characters (a longer
    /// one is cut at a word, and given whole as the body's first line), the body wrapped at 72,
    /// and the list of files.
    pub fn commit_message(&self) -> String {
        let (subject, whole) = subject_of(&self.summary);
        let mut message = subject;
        message.push_str("\n\n");
        let mut body = String::new();
        if whole {
            body.push_str(&self.summary);
            body.push_str("\n\n");
        }
        body.push_str(self.body.trim_end());
        if !body.trim().is_empty() {
            message.push_str(&wrap(body.trim_end(), SUBJECT_WIDTH));
            message.push_str("\n\n");
        }
        for change in &self.changes {
            let verb = match change.status() {
                'A' => "create",
                'M' => "edit  ",
                'R' => "move  ",
                _ => "delete",
            };
            message.push_str(&format!("{verb} {}\n", change.shown_path()));
        }
        message
    }
}

/// How wide a commit subject and the lines of its body are, as git's conventions have it.
const SUBJECT_WIDTH: usize = 72;

/// The subject for `summary`, and whether it had to be cut.
fn subject_of(summary: &str) -> (String, bool) {
    if summary.chars().count() <= SUBJECT_WIDTH {
        return (summary.to_string(), false);
    }
    let mut subject = String::new();
    for word in summary.split(' ') {
        if subject.chars().count() + word.chars().count() + 1 > SUBJECT_WIDTH - 4 {
            break;
        }
        if !subject.is_empty() {
            subject.push(' ');
        }
        subject.push_str(word);
    }
    if subject.is_empty() {
        subject = summary.chars().take(SUBJECT_WIDTH - 4).collect();
    }
    subject.push_str(" ...");
    (subject, true)
}

/// `text` with each line longer than `width` broken at spaces; a word longer than the width
/// (a path) stays whole on its own line, and indented lines keep their indentation.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if !out.is_empty() {
            out.push('\n');
        }
        if line.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let mut current = String::new();
        for word in line.trim_start().split(' ') {
            let len = current.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                out.push_str(&current);
                out.push('\n');
                current.clear();
            }
            if current.is_empty() {
                current.push_str(&indent);
                // A continued list item lines up with the item's text.
                if out.ends_with('\n') && line.trim_start().starts_with("- ") {
                    current.push_str("  ");
                }
            } else {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&current);
    }
    out
}

/// The name of a change's branch: what it does (`promote`), to which kind of unit and which
/// one, and where: `fluxfleet/promote-app-foo-app-to-dev-prod`; `-to-all` when the clusters
/// are all the fleet's; more than three clusters are counted, with a short hash of their
/// names so that each set has its own branch (`-to-5-clusters-3f2a1c`).
pub fn branch_for(
    action: &str,
    kind: &str,
    name: &str,
    preposition: &str,
    clusters: &[String],
    every: &[String],
) -> String {
    let mut sorted: Vec<&String> = clusters.iter().collect();
    sorted.sort();
    let mut all: Vec<&String> = every.iter().collect();
    all.sort();
    let target = if !all.is_empty() && sorted == all && clusters.len() > 1 {
        "all".to_string()
    } else if clusters.len() > 3 {
        let mut hash: u32 = 0x811c_9dc5;
        for byte in sorted.iter().flat_map(|c| c.bytes().chain([b','])) {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
        format!("{}-clusters-{:06x}", clusters.len(), hash & 0xff_ffff)
    } else {
        clusters.join("-")
    };
    branch_name(&format!("{action} {kind} {name} {preposition} {target}"))
}

/// A branch name from a summary: `promote foo-app to dev, prod` becomes
/// `fluxfleet/promote-foo-app-to-dev-prod`.
pub fn branch_name(summary: &str) -> String {
    let mut slug = String::new();
    for c in summary.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(80).collect();
    format!("fluxfleet/{}", slug.trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_tell_the_story() {
        assert_eq!(
            branch_name("promote foo-app to dev, prod"),
            "fluxfleet/promote-foo-app-to-dev-prod"
        );
    }

    #[test]
    fn branch_names_say_kind_name_and_target_briefly() {
        let every: Vec<String> = ["dev", "test", "prod", "a", "b"].map(String::from).to_vec();
        let two: Vec<String> = ["dev", "prod"].map(String::from).to_vec();
        assert_eq!(
            branch_for("promote", "app", "podinfo", "to", &two, &every),
            "fluxfleet/promote-app-podinfo-to-dev-prod"
        );
        assert_ne!(
            branch_for("promote", "app", "podinfo", "to", &two, &every),
            branch_for("promote", "ns", "podinfo", "to", &two, &every)
        );
        assert_eq!(
            branch_for("promote", "app", "podinfo", "to", &every, &every),
            "fluxfleet/promote-app-podinfo-to-all"
        );
        let four = every[..4].to_vec();
        let other = every[1..].to_vec();
        let named = branch_for("promote", "app", "podinfo", "to", &four, &every);
        assert!(
            named.starts_with("fluxfleet/promote-app-podinfo-to-4-clusters-"),
            "{named}"
        );
        assert_ne!(
            named,
            branch_for("promote", "app", "podinfo", "to", &other, &every)
        );
    }

    #[test]
    fn subjects_fit_72_and_bodies_wrap() {
        let mut change = ChangeSet::new("x".repeat(10) + &" word".repeat(30), "b");
        change.body = "a ".repeat(100);
        let message = change.commit_message();
        assert!(
            message.lines().all(|l| l.chars().count() <= 72),
            "{message}"
        );
        assert!(message.lines().next().unwrap().ends_with(" ..."));
        assert!(message.contains(&change.summary[..60]));
    }

    #[test]
    fn noop_edits_are_dropped_and_double_changes_refused() {
        let mut set = ChangeSet::new("x", "b");
        set.edit("a", "1".into(), "1".into()).unwrap();
        assert!(set.is_empty());
        set.edit("a", "1".into(), "2".into()).unwrap();
        assert!(set.edit("a", "2".into(), "3".into()).is_err());
        assert_eq!(set.changes[0].after(), Some((Path::new("a"), "2")));
    }
}

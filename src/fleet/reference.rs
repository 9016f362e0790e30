//! References as kustomization lists write them, and the lists that hold them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::paths::{self, Resolved};
use crate::yaml::{Document, Kind, Node};

/// One entry of a list: where it is written, the text as written, and what it resolves to.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The repository-relative file holding the entry (shared by the entries of one file).
    pub file: Arc<Path>,
    /// The 1-based line of the entry; 0 for entries Flux generates (no line to point at).
    pub line: usize,
    /// The entry exactly as written (without quotes): see [`Reference::written`].
    written: String,
    /// What it resolves to, kept as the part of the text that spells it when it is one
    /// (`apps/podinfo/base` of `../../../apps/podinfo/base` in a cluster's list; the text
    /// cannot change after): a large fleet's lists hold a hundred thousand entries, and a copy
    /// of each target cost `status --json` about 6% on the dense benchmark fleet. See
    /// [`Reference::target`].
    target: Resolved,
}

impl PartialEq for Reference {
    fn eq(&self, other: &Self) -> bool {
        (&self.file, self.line, &self.written, self.target())
            == (&other.file, other.line, &other.written, other.target())
    }
}

impl Eq for Reference {}

impl Reference {
    /// A reference written in `file`, resolved relative to the directory holding `file`.
    pub fn in_file(file: &Path, line: usize, written: &str) -> Self {
        let dir = paths::to_slash(file.parent().unwrap_or(Path::new("")));
        Self::in_dir(Arc::from(file), &dir, line, written.to_string())
    }

    /// [`Reference::in_file`] with the file's directory already written with `/`.
    fn in_dir(file: Arc<Path>, dir: &str, line: usize, written: String) -> Self {
        let target = paths::resolve_within(dir, &written);
        Reference {
            file,
            line,
            written,
            target,
        }
    }

    /// A reference whose target is already known (`None` when remote or outside the
    /// repository).
    pub fn resolved(
        file: Arc<Path>,
        line: usize,
        written: String,
        target: Option<PathBuf>,
    ) -> Self {
        Reference {
            file,
            line,
            written,
            target: target.map_or(Resolved::Outside, Resolved::Path),
        }
    }

    /// The same entry resolving to `target`.
    pub fn with_target(self, target: Option<PathBuf>) -> Self {
        Reference::resolved(self.file, self.line, self.written, target)
    }

    /// The entry exactly as written (without quotes).
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The repository-relative path the entry resolves to, normalised; `None` when remote or
    /// when it leaves the repository.
    pub fn target(&self) -> Option<&Path> {
        match &self.target {
            Resolved::Outside => None,
            Resolved::Part(part) => Some(Path::new(&self.written[part.clone()])),
            Resolved::Path(path) => Some(path),
        }
    }

    /// [`Reference::target`] as text; `None` also for a path that is not UTF-8.
    pub fn target_str(&self) -> Option<&str> {
        match &self.target {
            Resolved::Part(part) => Some(&self.written[part.clone()]),
            _ => self.target()?.to_str(),
        }
    }

    /// True when kustomize fetches the target from elsewhere; such references are not checked.
    pub fn is_remote(&self) -> bool {
        paths::is_remote(&self.written)
    }

    /// `file:line`, as messages show it.
    pub fn location(&self) -> String {
        format!("{}:{}", paths::to_slash(&self.file), self.line)
    }
}

/// A kustomization file (or a directory Flux generates one for) and its references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFile {
    /// The repository-relative kustomization file, or the directory when `generated`.
    pub path: PathBuf,
    /// `resources`, `components` and legacy `bases` entries, in file order.
    pub references: Vec<Reference>,
    /// The line of the `resources:` key (1 when there is none), where a missing entry belongs.
    pub resources_line: usize,
    /// The kustomization's own `namespace:` field, which overrides its manifests'.
    pub namespace: Option<String>,
    /// True for a directory without a kustomization file: Flux generates one listing its
    /// manifests and subdirectories, so there is no file to point at.
    pub generated: bool,
}

impl ListFile {
    /// The directory the list describes.
    pub fn dir(&self) -> &Path {
        if self.generated {
            &self.path
        } else {
            self.path.parent().unwrap_or(Path::new(""))
        }
    }

    /// True when an entry resolves to `target`.
    pub fn references_target(&self, target: &Path) -> bool {
        self.references.iter().any(|r| r.target() == Some(target))
    }

    /// Reads the lists of a parsed kustomization file.
    pub(crate) fn from_docs(path: &Path, mut docs: Vec<Document>) -> ListFile {
        let mut list = ListFile {
            path: path.to_path_buf(),
            references: Vec::new(),
            resources_line: 1,
            namespace: None,
            generated: false,
        };
        // A kustomization is one mapping; extra documents (rare) are ignored like kustomize does.
        let Some(doc) = docs
            .iter_mut()
            .map(|d| &mut d.root)
            .find(|d| d.get("kind").is_some() || d.get("resources").is_some())
        else {
            return list;
        };
        if let Some(node) = doc.get("resources") {
            // The key's own line: its value node starts on the first item's line.
            list.resources_line = key_line(doc, "resources").unwrap_or(node.line);
        }
        let dir = paths::to_slash(path.parent().unwrap_or(Path::new("")));
        let file: Arc<Path> = Arc::from(path);
        for key in ["resources", "components", "bases"] {
            let Some(Kind::Seq { items, .. }) = doc.get_mut(key).map(|n| &mut n.kind) else {
                continue;
            };
            list.references.reserve(items.len());
            for item in items {
                // The parsed text is moved, not copied: lists hold tens of thousands of entries.
                if let Kind::Scalar { value: written, .. } = &mut item.kind {
                    let written = std::mem::take(written);
                    list.references
                        .push(Reference::in_dir(file.clone(), &dir, item.line, written));
                }
            }
        }
        // Usually in order already: no sort, and no sort buffer, for most lists.
        if !list.references.is_sorted_by_key(|r| r.line) {
            list.references.sort_by_key(|r| r.line);
        }
        list.namespace = doc
            .get("namespace")
            .and_then(Node::as_str)
            .map(String::from);
        list
    }
}

/// The line of a mapping key.
pub(crate) fn key_line(map: &Node, key: &str) -> Option<usize> {
    map.key(key).map(|k| k.line)
}

/// The names of a kustomization file kustomize accepts, in the order it looks for them.
pub const KUSTOMIZATION_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse, Purpose};

    #[test]
    fn keeps_file_line_and_text_of_each_entry() {
        let path = Path::new("clusters/dev/apps/kustomization.yaml");
        let text = "kind: Kustomization\nresources:\n  - ../../../apps/common\n  - ../../../apps/podinfo/overlays/dev/\n";
        let list = ListFile::from_docs(path, parse(path, text, Purpose::Read).unwrap());
        assert_eq!(list.resources_line, 2);
        let r = &list.references[1];
        assert_eq!(
            (r.line, r.written.as_str()),
            (4, "../../../apps/podinfo/overlays/dev/")
        );
        assert_eq!(r.target(), Some(Path::new("apps/podinfo/overlays/dev")));
    }
}

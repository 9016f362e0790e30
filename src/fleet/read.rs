//! File access while reading a fleet: each file is read and decoded once, its exact text kept
//! for later edits, and a missing file is an answer (`None`), not an error.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::doc::{self, Node};
use super::reference::{ListFile, KUSTOMIZATION_NAMES};
use crate::error::{Error, Result};

/// Reads files below one root, shared by the threads that read clusters, apps and sets.
pub(crate) struct Reader<'a> {
    root: &'a Path,
    texts: Mutex<HashMap<PathBuf, Arc<str>>>,
    /// When set, cluster lists containing none of these texts are not parsed.
    focus: Option<Vec<String>>,
}

impl<'a> Reader<'a> {
    pub fn new(root: &'a Path) -> Self {
        Reader {
            root,
            texts: Mutex::new(HashMap::new()),
            focus: None,
        }
    }

    /// Reads only what concerns a name from now on: see [`Reader::tree_list`].
    pub fn focus(&mut self, needles: Vec<String>) {
        self.focus = Some(needles);
    }

    /// The texts of every file read, by repository-relative path.
    pub fn into_texts(self) -> HashMap<PathBuf, Arc<str>> {
        self.texts
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The text of a file; `None` when there is no such file.
    pub fn text(&self, rel: &Path) -> Result<Option<Arc<str>>> {
        if let Some(text) = self.lock().get(rel) {
            return Ok(Some(text.clone()));
        }
        let bytes = match read_file(&self.root.join(rel)) {
            Ok(bytes) => bytes,
            Err(e) if absent(&e) => return Ok(None),
            Err(e) => return Err(Error::io(rel, e)),
        };
        let text: Arc<str> = Arc::from(doc::decode(rel, bytes)?);
        self.lock().insert(rel.to_path_buf(), text.clone());
        Ok(Some(text))
    }

    /// The parsed documents of a file; `None` when there is no such file.
    pub fn docs(&self, rel: &Path) -> Result<Option<Vec<Node>>> {
        match self.text(rel)? {
            Some(text) => Ok(Some(doc::parse(rel, &text)?)),
            None => Ok(None),
        }
    }

    /// The kustomization file of `dir`, parsed into its list; `None` when `dir` has none.
    pub fn list(&self, dir: &Path) -> Result<Option<ListFile>> {
        for name in KUSTOMIZATION_NAMES {
            let path = dir.join(name);
            if let Some(docs) = self.docs(&path)? {
                return Ok(Some(ListFile::from_docs(&path, &docs)));
            }
        }
        Ok(None)
    }

    /// False when focused and `text` holds none of the focus texts: a manifest that cannot
    /// define the name asked about need not be parsed.
    pub fn concerns(&self, text: &str) -> bool {
        self.focus
            .as_ref()
            .is_none_or(|needles| needles.iter().any(|n| text.contains(n.as_str())))
    }

    /// The list of `dir` inside cluster tree `tree`. When focused, a list whose text holds
    /// none of the focus texts and, line by line, no entry inside the tree cannot bring the
    /// name in: it is returned without references and without being parsed (nor checked).
    pub fn tree_list(&self, dir: &Path, tree: &Path) -> Result<Option<ListFile>> {
        let Some(needles) = &self.focus else {
            return self.list(dir);
        };
        for name in KUSTOMIZATION_NAMES {
            let path = dir.join(name);
            let Some(text) = self.text(&path)? else {
                continue;
            };
            if !needles.iter().any(|n| text.contains(n.as_str())) && !reaches_into(&text, dir, tree)
            {
                return Ok(Some(ListFile {
                    path,
                    references: Vec::new(),
                    resources_line: 1,
                    namespace: None,
                    generated: false,
                }));
            }
            return self.list(dir);
        }
        Ok(None)
    }

    /// The entries of a directory as `(name, is_dir)`, sorted, hidden ones left out; empty when
    /// the directory does not exist.
    pub fn entries(&self, dir: &Path) -> Result<Vec<(String, bool)>> {
        Ok(self.entries_if_any(dir)?.unwrap_or_default())
    }

    /// Like [`Reader::entries`], `None` when the directory does not exist.
    fn entries_if_any(&self, dir: &Path) -> Result<Option<Vec<(String, bool)>>> {
        let read = match fs::read_dir(self.root.join(dir)) {
            Ok(read) => read,
            Err(e) if absent(&e) => return Ok(None),
            Err(e) => return Err(Error::io(dir, e)),
        };
        let mut out = Vec::new();
        for entry in read {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let is_dir = match entry.file_type() {
                Ok(t) if t.is_symlink() => entry.path().is_dir(),
                Ok(t) => t.is_dir(),
                Err(e) => return Err(Error::io(dir.join(&name), e)),
            };
            out.push((name, is_dir));
        }
        out.sort();
        Ok(Some(out))
    }

    /// The names of the subdirectories of `dir`, sorted; `None` when `dir` does not exist.
    pub fn subdirs_if_any(&self, dir: &Path) -> Result<Option<Vec<String>>> {
        Ok(self.entries_if_any(dir)?.map(|entries| {
            entries
                .into_iter()
                .filter_map(|(name, is_dir)| is_dir.then_some(name))
                .collect()
        }))
    }

    /// True when `rel` is a file.
    pub fn is_file(&self, rel: &Path) -> bool {
        self.root.join(rel).is_file()
    }

    /// The names of the subdirectories of `dir`, sorted.
    pub fn subdirs(&self, dir: &Path) -> Result<Vec<String>> {
        Ok(self
            .entries(dir)?
            .into_iter()
            .filter_map(|(name, is_dir)| is_dir.then_some(name))
            .collect())
    }

    /// True when `rel` is a directory.
    pub fn is_dir(&self, rel: &Path) -> bool {
        self.root.join(rel).is_dir()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<str>>> {
        self.texts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// True unless every line of a kustomization is plainly a key or a list entry that resolves
/// outside `tree`. Anything unusual (flow style, anchors, block scalars) counts as reaching in,
/// so the caller parses the file.
fn reaches_into(text: &str, dir: &Path, tree: &Path) -> bool {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line == "---" {
            continue;
        }
        // Bytes rather than chars: all ASCII, so the same answer, without a char searcher
        // per line (this runs for every line of the long lists of a large fleet).
        let unusual = |b: &u8| matches!(b, b'[' | b'{' | b'&' | b'*' | b'|' | b'>' | b'"' | b'\'');
        if line.as_bytes().iter().any(unusual) {
            return true;
        }
        if let Some(item) = line.strip_prefix("- ") {
            // Up to the first ` #`.
            let comment = item.as_bytes().windows(2).position(|w| w == b" #");
            let item = comment.map_or(item, |at| &item[..at]).trim();
            if inside(dir, tree, item) {
                return true;
            }
            continue;
        }
        let key = line.split(':').next().unwrap_or("");
        if !(line.ends_with(':') || line.contains(": ")) || key.contains(' ') {
            return true;
        }
    }
    false
}

/// True when `item`, written in a list in `dir`, resolves inside `tree`. The usual spelling
/// (`../` segments, then plain names) is decided on the text, without allocating: this runs
/// for every line of every list of a large fleet.
fn inside(dir: &Path, tree: &Path, item: &str) -> bool {
    let (Some(mut base), Some(tree)) = (dir.to_str(), tree.to_str()) else {
        return true;
    };
    let mut rest = item;
    while let Some(r) = rest.strip_prefix("../") {
        match base.rfind('/') {
            Some(i) => base = &base[..i],
            None if !base.is_empty() => base = "",
            // Leaves the repository: not in the tree.
            None => return false,
        }
        rest = r;
    }
    if crate::paths::is_remote(item) {
        return false;
    }
    if rest
        .split('/')
        .any(|s| s == ".." || s == "." || s.is_empty())
        || rest.starts_with('/')
    {
        return crate::paths::resolve(dir, item).is_some_and(|t| t.starts_with(tree));
    }
    // Is `base/rest` equal to `tree` or below it?
    let under = |path: &str, prefix: &str| {
        // The first bytes first: most entries differ there, and a call to compare is dearer.
        let differ = path.as_bytes().first() != prefix.as_bytes().first();
        if differ && !prefix.is_empty() {
            return false;
        }
        path.strip_prefix(prefix)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
    };
    if base.len() >= tree.len() {
        return under(base, tree);
    }
    match tree.strip_prefix(base) {
        Some(remaining) if base.is_empty() => under(rest, remaining),
        Some(remaining) => remaining
            .strip_prefix('/')
            .is_some_and(|remaining| under(rest, remaining)),
        None => false,
    }
}

/// Reads a whole file. Unlike `fs::read` it does not ask for the size and position first
/// (`File::read_to_end` does, through `take` it does not): fleet files are small, and two
/// system calls less per file show in a fleet of thousands.
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let file = fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(4 * 1024);
    file.take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// True for errors that mean "nothing there": a missing path, or a directory where a file was
/// looked for.
fn absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::IsADirectory | io::ErrorKind::NotADirectory
    ) || e.raw_os_error() == Some(21)
}

/// True for a file name kustomize and Flux treat as a manifest.
pub(crate) fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_whether_an_entry_stays_in_the_tree() {
        let dir = Path::new("clusters/dev/apps");
        let tree = Path::new("clusters/dev");
        for (item, want) in [
            ("../../../apps/podinfo/base", false),
            ("./team-a", true),
            ("team-a", true),
            ("../infra", true),
            ("../../prod/apps", false),
            ("../../dev/apps", true),
            ("../../../clusters/dev/x", true),
            ("../../../../etc", false),
            ("./a/../../../x", false),
            ("github.com/org/repo//x?ref=v1", false),
        ] {
            assert_eq!(inside(dir, tree, item), want, "{item}");
        }
    }
}

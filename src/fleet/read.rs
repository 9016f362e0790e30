//! File access while reading a fleet: each file is read and decoded once, its exact text kept
//! for later edits, and a missing file is an answer (`None`), not an error.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::doc::{self, Node};
use super::reference::{ListFile, KUSTOMIZATION_NAMES};
use crate::error::{Error, Result};

/// Reads files below one root, shared by the threads that read clusters, apps and sets.
pub(crate) struct Reader<'a> {
    root: &'a Path,
    texts: Mutex<HashMap<PathBuf, Arc<str>>>,
}

impl<'a> Reader<'a> {
    pub fn new(root: &'a Path) -> Self {
        Reader {
            root,
            texts: Mutex::new(HashMap::new()),
        }
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
        let full = self.root.join(rel);
        let bytes = match fs::read(&full) {
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

    /// The entries of a directory as `(name, is_dir)`, sorted, hidden ones left out; empty when
    /// the directory does not exist.
    pub fn entries(&self, dir: &Path) -> Result<Vec<(String, bool)>> {
        let read = match fs::read_dir(self.root.join(dir)) {
            Ok(read) => read,
            Err(e) if absent(&e) => return Ok(Vec::new()),
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
        Ok(out)
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

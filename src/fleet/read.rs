//! File access while reading a fleet: each file is read and decoded once, its exact text kept
//! for later edits, and a missing file is an answer (`None`), not an error.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use memchr::memmem::Finder;
use memchr::{memchr, memchr2, memchr3, memchr_iter};
#[cfg(unix)]
use rustix::fs::{Access, AtFlags, Mode, OFlags};

use super::doc::{self, Node};
use super::reference::{ListFile, KUSTOMIZATION_NAMES};
use crate::error::{Error, Result};

/// Reads files below one root, shared by the threads that read clusters, apps and sets.
pub(crate) struct Reader<'a> {
    root: &'a Path,
    /// The root directory, opened: files are looked up from it, so the kernel does not walk
    /// the root's own path again for each of thousands of files. `None` where it could not be
    /// opened; then paths are joined to `root`.
    #[cfg(unix)]
    dir: Option<std::os::fd::OwnedFd>,
    texts: Mutex<HashMap<PathBuf, Arc<str>>>,
    /// The texts a file must hold to concern the name asked about, when reading for one.
    focus: Option<Vec<Finder<'static>>>,
    /// False when the texts of files read once are not kept ([`Reader::lean`]).
    keep: bool,
}

impl<'a> Reader<'a> {
    pub fn new(root: &'a Path) -> Self {
        Reader {
            root,
            #[cfg(unix)]
            dir: rustix::fs::open(
                root,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ok(),
            texts: Mutex::new(HashMap::new()),
            focus: None,
            keep: true,
        }
    }

    /// Keeps the texts only of files read more than once (the walk's cluster lists): for the
    /// read-only answers, which never show a file's text.
    pub fn lean(&mut self) {
        self.keep = false;
    }

    /// Reads only what concerns a name from now on: namespace manifests that hold none of
    /// `needles` are not parsed ([`Reader::concerns`]), nor are cluster lists that lead nowhere
    /// inside their tree ([`Reader::tree_list`]).
    pub fn focus(&mut self, needles: &[String]) {
        self.focus = Some(finders(needles));
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
        // One allocation of the exact size, kept; the buffer is reused.
        let Some(text) = self.decoded(rel, |text| Ok(Arc::<str>::from(text)))? else {
            return Ok(None);
        };
        self.lock().insert(rel.to_path_buf(), text.clone());
        Ok(Some(text))
    }

    /// The parsed documents of a file; `None` when there is no such file.
    pub fn docs(&self, rel: &Path) -> Result<Option<Vec<Node>>> {
        self.passing(rel, |text| Ok(doc::parse(rel, text)?))
    }

    /// The parsed documents of a file whose text is `wanted`: `None` when there is no such
    /// file, `Some(None)` when it is not wanted (and then not parsed).
    pub fn docs_if(
        &self,
        rel: &Path,
        wanted: impl FnOnce(&str) -> bool,
    ) -> Result<Option<Option<Vec<Node>>>> {
        self.passing(rel, |text| match wanted(text) {
            true => Ok(Some(doc::parse(rel, text)?)),
            false => Ok(None),
        })
    }

    /// `f` of the text of file `rel`; `None` when there is no such file. The text is kept
    /// unless the reader is lean. `f` must not read files: it runs on this thread's buffer.
    fn passing<T>(&self, rel: &Path, f: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
        if self.keep {
            return self.text(rel)?.map(|text| f(&text)).transpose();
        }
        if let Some(text) = self.lock().get(rel).cloned() {
            return f(&text).map(Some);
        }
        self.decoded(rel, f)
    }

    /// `f` of the text of file `rel`, read into this thread's buffer and decoded; `None` when
    /// there is no such file. `f` must not read files.
    fn decoded<T>(&self, rel: &Path, f: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
        BUFFER.with_borrow_mut(|bytes| {
            match self.read_file(rel, bytes) {
                Ok(()) => {}
                Err(e) if absent(&e) => return Ok(None),
                Err(e) => return Err(Error::io(rel, e)),
            }
            f(doc::decode(rel, bytes)?).map(Some)
        })
    }

    /// The kustomization file of `dir`, parsed into its list; `None` when `dir` has none.
    pub fn list(&self, dir: &Path) -> Result<Option<ListFile>> {
        for name in KUSTOMIZATION_NAMES {
            let path = dir.join(name);
            if let Some(docs) = self.docs(&path)? {
                return Ok(Some(ListFile::from_docs(&path, docs)));
            }
        }
        Ok(None)
    }

    /// False when focused and `text` holds none of the focus texts: a manifest that cannot
    /// define the name asked about need not be parsed.
    pub fn concerns(&self, text: &str) -> bool {
        self.focus
            .as_ref()
            .is_none_or(|needles| holds_any(needles, text))
    }

    /// The list of `dir` inside cluster tree `tree`. When focused, a list with, line by line,
    /// no entry inside the tree leads the walk nowhere: it is returned without references and
    /// without being parsed (nor checked). Whether it brings the name in is decided once the
    /// texts that would show it are known: see [`Reader::kept_text_holds`] and
    /// [`Reader::list_file`].
    pub fn tree_list(&self, dir: &Path, tree: &Path) -> Result<Option<ListFile>> {
        if self.focus.is_none() {
            return self.list(dir);
        }
        for name in KUSTOMIZATION_NAMES {
            let path = dir.join(name);
            let Some(text) = self.text(&path)? else {
                continue;
            };
            if !reaches_into(&text, dir, tree) {
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

    /// The list in kustomization file `path`, parsed; `None` when there is no such file.
    pub fn list_file(&self, path: &Path) -> Result<Option<ListFile>> {
        Ok(self.docs(path)?.map(|docs| ListFile::from_docs(path, docs)))
    }

    /// True when the kept text of file `path` holds one of `needles`.
    pub fn kept_text_holds(&self, path: &Path, needles: &[Finder]) -> bool {
        self.lock()
            .get(path)
            .is_some_and(|text| holds_any(needles, text))
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
            // One allocation for a name in UTF-8, as nearly all are: `apps/` holds thousands.
            let name = (entry.file_name().into_string())
                .unwrap_or_else(|name| name.to_string_lossy().into_owned());
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
        // Names are unique, or equal with their kind when made alike by replacing what is not
        // UTF-8: no order to keep among equals.
        out.sort_unstable();
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

    /// True when `rel` is a directory (or a link to one) below the root. The root itself
    /// (`rel` empty, as a Flux Kustomization's `path: ./` resolves) is not: a cluster's walk
    /// does not take in the whole repository.
    pub fn is_dir(&self, rel: &Path) -> bool {
        if rel.as_os_str().is_empty() {
            return false;
        }
        #[cfg(unix)]
        if let Some(dir) = &self.dir {
            // With a trailing `/` the path resolves only to a directory, so asking whether it
            // exists answers without the kernel filling in a `stat`: about 15% less time for
            // the thousands of `apps/<a>/base` of a large fleet.
            let mut path = rel.as_os_str().to_os_string();
            path.push("/");
            return rustix::fs::accessat(dir, &path, Access::EXISTS, AtFlags::empty()).is_ok();
        }
        self.root.join(rel).is_dir()
    }

    /// Reads the whole of file `rel` into `bytes`. Unlike `fs::read` it does not ask for the
    /// size and position first (`File::read_to_end` does, through `take` it does not): fleet
    /// files are small, and two system calls less per file show in a fleet of thousands.
    fn read_file(&self, rel: &Path, bytes: &mut Vec<u8>) -> io::Result<()> {
        bytes.clear();
        #[cfg(unix)]
        let opened = match &self.dir {
            Some(dir) => Some(fs::File::from(rustix::fs::openat(
                dir,
                rel,
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )?)),
            None => None,
        };
        #[cfg(not(unix))]
        let opened = None;
        let file = match opened {
            Some(file) => file,
            None => fs::File::open(self.root.join(rel))?,
        };
        file.take(u64::MAX).read_to_end(bytes)?;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<str>>> {
        self.texts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Searchers for `needles`.
pub(crate) fn finders(needles: &[String]) -> Vec<Finder<'static>> {
    needles
        .iter()
        .map(|n| Finder::new(n.as_bytes()).into_owned())
        .collect()
}

/// True when `text` holds one of the texts `needles` look for.
pub(crate) fn holds_any(needles: &[Finder], text: &str) -> bool {
    needles.iter().any(|n| n.find(text.as_bytes()).is_some())
}

/// True unless every line of a kustomization is plainly a key or a list entry that resolves
/// outside `tree`. Anything unusual (flow style, anchors, block scalars) counts as reaching in,
/// so the caller parses the file.
///
/// This runs over every line of every list of a large fleet for each `where`, so it works on
/// bytes, line by line, without allocating.
fn reaches_into(text: &str, dir: &Path, tree: &Path) -> bool {
    let (Some(dir), Some(tree)) = (dir.to_str(), tree.to_str()) else {
        return true;
    };
    let within = Within::new(dir, tree);
    let bytes = text.as_bytes();
    // Most lists hold no unusual byte and no comment at all; three vector searches of the whole
    // text spare looking at each byte of each line for them.
    let unusual = memchr3(b'[', b'{', b'&', bytes).is_some()
        || memchr3(b'*', b'|', b'>', bytes).is_some()
        || memchr2(b'"', b'\'', bytes).is_some();
    let comments = memchr(b'#', bytes).is_some();
    let mut start = 0;
    for end in memchr_iter(b'\n', bytes).chain([bytes.len()]) {
        let line = text[start..end].trim_ascii();
        start = end + 1;
        if line.is_empty() || line.starts_with('#') || line == "---" {
            continue;
        }
        if unusual && line.bytes().any(|b| UNUSUAL[usize::from(b)]) {
            return true;
        }
        if let Some(item) = line.strip_prefix("- ") {
            // Up to the first ` #`.
            let item = match comments {
                true => item.find(" #").map_or(item, |at| &item[..at]),
                false => item,
            };
            if within.inside(item.trim_ascii()) {
                return true;
            }
            continue;
        }
        let key = line.split(':').next().unwrap_or_default();
        let mapped = line.ends_with(':') || line.contains(": ");
        if !mapped || key.contains(' ') {
            return true;
        }
    }
    false
}

/// Bytes that make a line more than a plain key or list entry.
const UNUSUAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(
            i as u8,
            b'[' | b'{' | b'&' | b'*' | b'|' | b'>' | b'"' | b'\''
        );
        i += 1;
    }
    table
};

/// Whether list entries written in `dir` resolve inside cluster tree `tree` (both
/// repository-relative, `/`-separated).
struct Within<'p> {
    dir: &'p str,
    tree: &'p str,
    /// `cuts[k]`: the length of `dir` with its last `k` components dropped.
    cuts: Vec<usize>,
}

impl<'p> Within<'p> {
    fn new(dir: &'p str, tree: &'p str) -> Self {
        let mut cuts = vec![dir.len()];
        cuts.extend(
            dir.bytes()
                .enumerate()
                .rev()
                .filter(|(_, b)| *b == b'/')
                .map(|(i, _)| i),
        );
        if !dir.is_empty() {
            cuts.push(0);
        }
        Within { dir, tree, cuts }
    }

    /// True when `item` resolves inside the tree. The usual spelling (`../` segments, then
    /// plain names) is decided on the text; anything else is resolved.
    fn inside(&self, item: &str) -> bool {
        let mut rest = item;
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("../") {
            ups += 1;
            rest = r;
        }
        // Leaves the repository: not in the tree.
        let Some(&cut) = self.cuts.get(ups) else {
            return false;
        };
        if ups == 0 && crate::paths::is_remote(item) {
            return false;
        }
        if !crate::paths::plain(rest) {
            return crate::paths::resolve_in(self.dir, item)
                .is_some_and(|t| t.starts_with(self.tree));
        }
        let base = &self.dir[..cut];
        // Is `base/rest` the tree or below it?
        if base.len() >= self.tree.len() {
            return under(base, self.tree);
        }
        match self.tree.strip_prefix(base) {
            Some(remaining) if base.is_empty() => under(rest, remaining),
            Some(remaining) => remaining
                .strip_prefix('/')
                .is_some_and(|remaining| under(rest, remaining)),
            None => false,
        }
    }
}

/// True when `path` equals `prefix` or lies below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|r| r.is_empty() || r.starts_with('/'))
}

thread_local! {
    /// Each reading thread's buffer: a file is read into it, then copied once into a block of
    /// its exact size. A fresh buffer per file cost a page (zeroed by the kernel) per file.
    static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(64 * 1024));
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
    fn is_dir_answers_for_directories_below_the_root_only() {
        let root = assert_fs::TempDir::new().unwrap();
        std::fs::create_dir_all(root.path().join("apps/a/base")).unwrap();
        std::fs::write(root.path().join("apps/a/file.yaml"), "").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("a", root.path().join("apps/link")).unwrap();
        let reader = Reader::new(root.path());
        let mut cases = vec![
            ("apps/a/base", true),
            ("apps/a", true),
            ("apps/a/file.yaml", false),
            ("apps/a/missing", false),
            ("apps/a/file.yaml/x", false),
            ("", false),
        ];
        if cfg!(unix) {
            cases.push(("apps/link/base", true));
        }
        for (rel, want) in cases {
            assert_eq!(reader.is_dir(Path::new(rel)), want, "{rel:?}");
        }
    }

    #[test]
    fn finds_lists_with_an_entry_inside_the_tree() {
        let dir = Path::new("clusters/dev/apps");
        let tree = Path::new("clusters/dev");
        let head = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n";
        for (body, want) in [
            (
                "- ../../../apps/a/base\n- ../../../apps/b/overlays/dev\n",
                false,
            ),
            ("- ../../../apps/a/base\n- ./team-a\n", true),
            ("  - ../../../apps/a/base # the dev copy\n", false),
            (
                "  - ../../../apps/a/base #x\n  - ../infra # back in\n",
                true,
            ),
            (
                "# don't list [anything] here\n- ../../../apps/a/base\n",
                false,
            ),
            ("- ../../../apps/a/base\r\n- ../../prod/apps\r\n", false),
            ("- '../../../apps/a/base'\n", true),
            ("[../../../apps/a/base]\n", true),
            ("- &a ../../../apps/a/base\n", true),
            ("- ../../../apps/a/base\n  ../continued\n", true),
            ("patches:\n- path: patch.yaml\n", true),
            ("- ../../../apps/a/base\n---\n", false),
        ] {
            let text = format!("{head}{body}");
            assert_eq!(reaches_into(&text, dir, tree), want, "{body:?}");
        }
    }

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
            let within = Within::new(dir.to_str().unwrap(), tree.to_str().unwrap());
            assert_eq!(within.inside(item), want, "{item}");
        }
    }
}

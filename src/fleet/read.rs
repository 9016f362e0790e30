//! File access while reading a fleet: each file is read and decoded once, its exact text kept
//! for later edits, and a missing file is an answer (`None`), not an error.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use foldhash::fast::FixedState;
use memchr::memmem::Finder;

use super::reference::{ListFile, KUSTOMIZATION_NAMES};
use super::root::{Entries, FileId, Kind, OutsideLink, Root};
use super::FastMap;
use crate::error::{Error, Result};
use crate::yaml::{self, Document, Purpose};

/// Reads files below one root, shared by the threads that read clusters, apps and sets.
/// Nothing outside the root is read ([`Root`]).
pub(crate) struct Reader {
    root: Root,
    /// Each file's text and identity, by repository-relative path.
    texts: Mutex<HashMap<PathBuf, (Arc<str>, FileId)>>,
    /// The kustomizations read, for [`Reader::doubles`].
    lists: Mutex<Lists>,
    /// The texts a file must hold to concern the name asked about, when reading for one.
    focus: Option<Vec<Finder<'static>>>,
    /// Every file read, with a hash of its bytes: a text read once is not kept (a large
    /// fleet's thousands of files) and is read again when asked for ([`Reader::text`]), which
    /// must find the bytes the snapshot was made from.
    read: Mutex<FastMap<PathBuf, u64>>,
    /// True when every text read is kept ([`Reader::keep_texts`]).
    keep: bool,
}

/// What [`Reader::docs_if`] found.
pub(crate) enum Docs {
    /// No such file.
    Absent,
    /// A file whose text was not wanted, so not parsed.
    Unwanted,
    Parsed(Vec<Document>),
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("root", &self.root.path())
            .finish_non_exhaustive()
    }
}

/// The directories whose kustomization was read, looked at for other kustomization files only
/// when asked ([`Reader::doubles`]): two lookups a directory, which `status` does not need.
#[derive(Default)]
struct Lists {
    /// Each directory, with the index in [`KUSTOMIZATION_NAMES`] of the file kustomize takes.
    found: Vec<(PathBuf, usize)>,
    /// How many of `found` were looked at.
    looked: usize,
    /// The files of each directory looked at that has more than one.
    doubles: Vec<Vec<PathBuf>>,
}

impl Reader {
    pub fn new(root: &Path) -> Self {
        Self::on(Root::new(root))
    }

    /// A reader of `root` as `overlay` would leave it.
    pub fn with_overlay(root: &Path, overlay: super::overlay::Overlay) -> Self {
        Self::on(Root::with_overlay(root, overlay))
    }

    fn on(root: Root) -> Self {
        Reader {
            root,
            texts: Mutex::new(HashMap::new()),
            lists: Mutex::new(Lists::default()),
            focus: None,
            read: Mutex::new(FastMap::default()),
            keep: false,
        }
    }

    /// Keeps every text read from now on: for a change, planned from the bytes read once.
    pub fn keep_texts(&mut self) {
        self.keep = true;
    }

    /// Reads only what concerns a name from now on: namespace manifests that hold none of
    /// `needles` are not parsed ([`Reader::concerns`]), nor are cluster lists that lead nowhere
    /// inside their tree ([`Reader::tree_list`]).
    pub fn focus(&mut self, needles: &[String]) {
        self.focus = Some(finders(needles));
    }

    /// The links through which a read so far would have left the repository.
    pub fn outside_links(&self) -> Vec<OutsideLink> {
        self.root.outside_links()
    }

    /// The directories read so far that hold more than one kustomization file, each with its
    /// files in the order kustomize looks for them.
    pub fn doubles(&self) -> Vec<Vec<PathBuf>> {
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        let Lists {
            found,
            looked,
            doubles,
        } = &mut *lists;
        for (dir, taken) in &found[*looked..] {
            let mut files = vec![dir.join(KUSTOMIZATION_NAMES[*taken])];
            for name in &KUSTOMIZATION_NAMES[taken + 1..] {
                let path = dir.join(name);
                if self.root.has_entry(&path) {
                    files.push(path);
                }
            }
            if files.len() > 1 {
                doubles.push(files);
            }
        }
        *looked = found.len();
        let mut doubles = doubles.clone();
        doubles.sort();
        doubles.dedup();
        doubles
    }

    /// The files read so far, sorted.
    pub fn read_paths(&self) -> Vec<PathBuf> {
        let read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        let mut paths: Vec<PathBuf> = read.keys().cloned().collect();
        paths.sort();
        paths
    }

    /// The text of a file; `None` when there is no such file.
    pub fn text(&self, rel: &Path) -> Result<Option<Arc<str>>> {
        Ok(self.text_and_id(rel)?.map(|(text, _)| text))
    }

    /// The text of a file and its identity; `None` when there is no such file.
    fn text_and_id(&self, rel: &Path) -> Result<Option<(Arc<str>, FileId)>> {
        if let Some(kept) = self.lock().get(rel) {
            return Ok(Some(kept.clone()));
        }
        // One allocation of the exact size, kept; the buffer is reused.
        let Some((text, id)) = self.decoded(rel, |text| Ok(Arc::<str>::from(text)))? else {
            return Ok(None);
        };
        self.lock().insert(rel.to_path_buf(), (text.clone(), id));
        Ok(Some((text, id)))
    }

    /// The parsed documents of a file; `None` when there is no such file.
    pub fn docs(&self, rel: &Path) -> Result<Option<Vec<Document>>> {
        Ok(self
            .passing(rel, |text| Ok(yaml::parse(rel, text, Purpose::Read)?))?
            .map(|(docs, _)| docs))
    }

    /// The parsed documents of a file whose text is `wanted`; a text not wanted is not parsed.
    pub fn docs_if(&self, rel: &Path, wanted: impl FnOnce(&str) -> bool) -> Result<Docs> {
        let docs = self.passing(rel, |text| match wanted(text) {
            true => Ok(Docs::Parsed(yaml::parse(rel, text, Purpose::Read)?)),
            false => Ok(Docs::Unwanted),
        })?;
        Ok(docs.map_or(Docs::Absent, |(docs, _)| docs))
    }

    /// `f` of the text of file `rel`, and the file's identity; `None` when there is no such
    /// file. The text is kept unless the reader is lean. `f` must not read files: it runs on
    /// this thread's buffer.
    fn passing<T>(
        &self,
        rel: &Path,
        f: impl FnOnce(&str) -> Result<T>,
    ) -> Result<Option<(T, FileId)>> {
        if self.keep {
            return match self.text_and_id(rel)? {
                Some((text, id)) => Ok(Some((f(&text)?, id))),
                None => Ok(None),
            };
        }
        if let Some((text, id)) = self.lock().get(rel).cloned() {
            return Ok(Some((f(&text)?, id)));
        }
        self.decoded(rel, f)
    }

    /// `f` of the text of file `rel`, read into this thread's buffer and decoded, and the
    /// file's identity; `None` when there is no such file. `f` must not read files.
    fn decoded<T>(
        &self,
        rel: &Path,
        f: impl FnOnce(&str) -> Result<T>,
    ) -> Result<Option<(T, FileId)>> {
        BUFFER.with_borrow_mut(|bytes| {
            let id = match self.root.read(rel, bytes) {
                Ok(id) => id,
                Err(e) if absent(&e) => return Ok(None),
                Err(e) => return Err(Error::io(rel, e)),
            };
            // Only a text not kept can be read again, and only then is the hash compared.
            let hash = match self.keep {
                true => 0,
                false => FixedState::default().hash_one(&bytes[..]),
            };
            let before = self
                .read
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(rel.to_path_buf(), hash);
            if before.is_some_and(|before| before != hash) {
                return Err(Error::changed_on_disk(rel));
            }
            Ok(Some((f(yaml::decode(rel, bytes)?)?, id)))
        })
    }

    /// The kustomization file of `dir`, parsed into its list; `None` when `dir` has none.
    pub fn list(&self, dir: &Path) -> Result<Option<ListFile>> {
        Ok(self.list_and_id(dir)?.map(|(list, _)| list))
    }

    /// [`Reader::list`], with the identity of the kustomization file.
    pub fn list_and_id(&self, dir: &Path) -> Result<Option<(ListFile, FileId)>> {
        for (i, name) in KUSTOMIZATION_NAMES.iter().enumerate() {
            let path = dir.join(name);
            let parse = |text: &str| Ok(yaml::parse(&path, text, Purpose::Read)?);
            let Some((docs, id)) = self.passing(&path, parse)? else {
                continue;
            };
            self.note_list(dir, i);
            return Ok(Some((ListFile::from_docs(&path, docs), id)));
        }
        Ok(None)
    }

    /// Remembers that kustomize takes `KUSTOMIZATION_NAMES[found]` in `dir`, for
    /// [`Reader::doubles`]: a directory with another of those files is one kustomize refuses,
    /// and so does every edit. Not when reading for one name (`where` does not refuse).
    fn note_list(&self, dir: &Path, found: usize) {
        if self.focus.is_some() {
            return;
        }
        self.lists
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .found
            .push((dir.to_path_buf(), found));
    }

    /// False when focused and `text` holds none of the focus texts: a manifest that cannot
    /// define the name asked about need not be parsed.
    pub fn concerns(&self, text: &str) -> bool {
        self.focus
            .as_ref()
            .is_none_or(|needles| holds_any(needles, text))
    }

    /// The list of `dir` inside cluster tree `tree`, with the identity of its file. When
    /// focused, a list with, line by line, no entry inside the tree leads the walk nowhere: it
    /// is returned without references and without being parsed (nor checked). Whether it
    /// brings the name in is decided once the texts that would show it are known: see
    /// [`Reader::list_file_holding`].
    pub fn tree_list(&self, dir: &Path, tree: &Path) -> Result<Option<(ListFile, FileId)>> {
        if self.focus.is_none() {
            return self.list_and_id(dir);
        }
        for name in KUSTOMIZATION_NAMES {
            let path = dir.join(name);
            let Some((text, id)) = self.text_and_id(&path)? else {
                continue;
            };
            if !reaches_into(&text, dir, tree) {
                let list = ListFile {
                    path,
                    references: Vec::new(),
                    resources_line: 1,
                    namespace: None,
                    generated: false,
                };
                return Ok(Some((list, id)));
            }
            return self.list_and_id(dir);
        }
        Ok(None)
    }

    /// The list in kustomization file `path`, parsed; `None` when there is no such file.
    pub fn list_file(&self, path: &Path) -> Result<Option<ListFile>> {
        Ok(self.docs(path)?.map(|docs| ListFile::from_docs(path, docs)))
    }

    /// The list in the kept kustomization file `path` with only its entries that hold one of
    /// `needles` (the others cannot bring the name asked about in); `None` when its text holds
    /// none. A list written otherwise than plainly is parsed whole.
    pub fn list_file_holding(&self, path: &Path, needles: &[Finder]) -> Result<Option<ListFile>> {
        let Some((text, _)) = self.lock().get(path).cloned() else {
            return Ok(None);
        };
        let mut found: Vec<usize> = needles
            .iter()
            .flat_map(|n| n.find_iter(text.as_bytes()))
            .collect();
        if found.is_empty() {
            return Ok(None);
        }
        found.sort_unstable();
        // The lines come in order: each looks from the first text found at or after its start.
        let mut next = 0;
        let only = yaml::only_entries(&text, |line| {
            next += found[next..].partition_point(|&at| at < line.start);
            found.get(next).is_some_and(|&at| at < line.end)
        });
        let Some(only) = only else {
            return self.list_file(path);
        };
        let docs = yaml::parse(path, &only, Purpose::Read)?;
        Ok(Some(ListFile::from_docs(path, docs)))
    }

    /// The entries of a directory as `(name, is_dir)`, sorted, hidden ones left out; empty when
    /// the directory does not exist.
    pub fn entries(&self, dir: &Path) -> Result<Vec<(String, bool)>> {
        Ok(self.listing(dir)?.map(|(_, e)| e).unwrap_or_default())
    }

    /// Like [`Reader::entries`], with the directory's identity; `None` when the directory does
    /// not exist. A walk that must not enter a directory twice (links to `.` make endless
    /// paths) keeps the identities.
    pub fn listing(&self, dir: &Path) -> Result<Option<(FileId, Entries)>> {
        let (id, mut out) = match self.root.entries(dir) {
            Ok(found) => found,
            Err(e) if absent(&e) => return Ok(None),
            Err(e) => return Err(Error::io(dir, e)),
        };
        // Names are unique, or equal with their kind when made alike by replacing what is not
        // UTF-8: no order to keep among equals.
        out.sort_unstable();
        Ok(Some((id, out)))
    }

    /// The names of the subdirectories of `dir`, sorted; `None` when `dir` does not exist.
    pub fn subdirs_if_any(&self, dir: &Path) -> Result<Option<Vec<String>>> {
        Ok(self.listing(dir)?.map(|(_, entries)| {
            entries
                .into_iter()
                .filter_map(|(name, is_dir)| is_dir.then_some(name))
                .collect()
        }))
    }

    /// True when `rel` is a file.
    pub fn is_file(&self, rel: &Path) -> bool {
        matches!(self.root.kind(rel), Ok((Kind::File, _)))
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
        !rel.as_os_str().is_empty() && self.root.is_dir(rel)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (Arc<str>, FileId)>> {
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
fn reaches_into(text: &str, dir: &Path, tree: &Path) -> bool {
    let (Some(dir), Some(tree)) = (dir.to_str(), tree.to_str()) else {
        return true;
    };
    let within = Within::new(dir, tree);
    yaml::any_plain_entry(text, |item| within.inside(item))
}

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

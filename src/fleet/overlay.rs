//! A change not written yet, laid over the repository: a dry run reads the fleet as the change
//! would leave it (for the pull request description's "after"), without writing anything.

use std::io;
use std::path::{Path, PathBuf};

use super::root::{Entries, FileId, Kind};
use super::{FastMap, FastSet};

/// Files as a change leaves them: new text, or `None` for a file it removes.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    files: FastMap<PathBuf, Option<Vec<u8>>>,
    /// Every directory that holds a file of the change.
    dirs: FastSet<PathBuf>,
}

/// What the overlay says of a path.
pub(crate) enum Over<'a> {
    File(&'a [u8], FileId),
    Dir,
    Gone,
    /// The repository decides.
    Through,
}

impl Overlay {
    pub fn new(files: Vec<(PathBuf, Option<Vec<u8>>)>) -> Overlay {
        let mut overlay = Overlay::default();
        for (path, text) in files {
            if text.is_some() {
                let mut dir = path.parent();
                while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                    overlay.dirs.insert(d.to_path_buf());
                    dir = d.parent();
                }
            }
            overlay.files.insert(path, text);
        }
        overlay
    }

    pub fn at(&self, rel: &Path) -> Over<'_> {
        match self.files.get(rel) {
            Some(Some(text)) => Over::File(text, self.id(rel)),
            Some(None) => Over::Gone,
            None if self.dirs.contains(rel) => Over::Dir,
            None => Over::Through,
        }
    }

    /// An identity no file on disk has, one per path.
    fn id(&self, rel: &Path) -> FileId {
        use std::hash::BuildHasher;
        FileId::synthetic(foldhash::fast::FixedState::with_seed(0).hash_one(rel))
    }

    /// `entries` of directory `rel` as the change leaves them.
    pub fn entries(
        &self,
        rel: &Path,
        on_disk: io::Result<(FileId, Entries)>,
    ) -> io::Result<(FileId, Entries)> {
        let (id, mut entries) = match on_disk {
            Ok(found) => found,
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.dirs.contains(rel) => {
                (self.id(rel), Vec::new())
            }
            Err(e) => return Err(e),
        };
        entries.retain(|(name, _)| !matches!(self.files.get(&rel.join(name)), Some(None)));
        let children = self
            .files
            .iter()
            .filter(|(_, text)| text.is_some())
            .map(|(path, _)| (path, false))
            .chain(self.dirs.iter().map(|dir| (dir, true)));
        for (path, is_dir) in children {
            if path.parent() != Some(rel) {
                continue;
            }
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !entries.iter().any(|(n, _)| n == name) {
                entries.push((name.to_string(), is_dir));
            }
        }
        Ok((id, entries))
    }

    /// What `rel` is, as the change leaves it.
    pub fn kind(&self, rel: &Path) -> Option<io::Result<(Kind, FileId)>> {
        match self.at(rel) {
            Over::File(_, id) => Some(Ok((Kind::File, id))),
            Over::Dir => Some(Ok((Kind::Dir, self.id(rel)))),
            Over::Gone => Some(Err(io::ErrorKind::NotFound.into())),
            Over::Through => None,
        }
    }

    /// True when the overlay has anything at or below `rel`.
    pub fn touches(&self, rel: &Path) -> bool {
        self.files.contains_key(rel) || self.dirs.contains(rel)
    }
}

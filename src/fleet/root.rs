//! The repository root as the fleet read sees it: every path is opened below it and never
//! leaves it, only regular files of a sane size are read, and each file or directory opened
//! has an identity (device and inode) that lets a walk visit it once whatever path led there.
//!
//! On Linux a path is opened with `openat2(RESOLVE_BENEATH)` from the opened root: the kernel
//! refuses any resolution that leaves the root, for the price of an ordinary `openat`. Absolute
//! links (which `RESOLVE_BENEATH` refuses even when they point inside) and systems without
//! `openat2` take the slow path: the path is resolved in full and refused when the result is
//! outside the root. A path refused so reads as absent, and is remembered, so that `check` can
//! name the link ([`Root::outside_links`]).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

#[cfg(unix)]
use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use super::overlay::{Over, Overlay};

/// The largest file the read takes: fleet YAML is small (Flux's own `gotk-components.yaml` is
/// under 1 MiB), and a list linked to an endless device must not be read until memory runs out.
pub const MAX_FILE_SIZE: u64 = 16 << 20;

/// A file's or directory's identity: its device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// An identity for a file that is not on disk: on a device number no file system has.
    pub fn synthetic(ino: u64) -> FileId {
        FileId { dev: u64::MAX, ino }
    }
}

/// A directory's entries as `(name, is_dir)`.
pub(crate) type Entries = Vec<(String, bool)>;

/// What a path resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    /// A named pipe, device or socket: never read.
    Special,
}

/// A symbolic link inside the repository whose target is outside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutsideLink {
    /// The repository-relative link.
    pub link: PathBuf,
    /// Its target, as the link holds it.
    pub target: PathBuf,
}

/// The repository root, opened.
pub(crate) struct Root {
    path: PathBuf,
    /// The root directory, opened: paths are resolved from it, so the kernel does not walk
    /// the root's own path again for each of thousands of files, and can keep them below it.
    /// `None` where it could not be opened; then the slow path is taken.
    #[cfg(unix)]
    fd: Option<std::os::fd::OwnedFd>,
    /// False once `openat2` turned out to be missing (an old kernel, a seccomp filter).
    #[cfg(target_os = "linux")]
    beneath: std::sync::atomic::AtomicBool,
    canonical: OnceLock<Option<PathBuf>>,
    /// Paths whose resolution left the root.
    escapes: Mutex<Vec<PathBuf>>,
    /// A change not written yet, read as if it were (a dry run's description).
    overlay: Option<Overlay>,
}

impl Root {
    pub fn new(path: &Path) -> Root {
        Root {
            path: path.to_path_buf(),
            #[cfg(unix)]
            fd: rustix::fs::open(
                path,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ok(),
            #[cfg(target_os = "linux")]
            beneath: std::sync::atomic::AtomicBool::new(true),
            canonical: OnceLock::new(),
            escapes: Mutex::new(Vec::new()),
            overlay: None,
        }
    }

    /// The root with `overlay` laid over it.
    pub fn with_overlay(path: &Path, overlay: Overlay) -> Root {
        Root {
            overlay: Some(overlay),
            ..Root::new(path)
        }
    }

    /// The root as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the whole of regular file `rel` into `bytes` (cleared first) and returns its
    /// identity. A named pipe, device or socket is refused without being read (it is opened
    /// non-blocking, so a pipe without a writer does not wait), and so is a file over
    /// [`MAX_FILE_SIZE`]. A path that leaves the root fails as [`leaves`] tells.
    pub fn read(&self, rel: &Path, bytes: &mut Vec<u8>) -> io::Result<FileId> {
        bytes.clear();
        if let Some(overlay) = &self.overlay {
            match overlay.at(rel) {
                Over::File(text, id) => {
                    bytes.extend_from_slice(text);
                    return Ok(id);
                }
                Over::Gone => return Err(io::ErrorKind::NotFound.into()),
                Over::Dir => return Err(io::ErrorKind::IsADirectory.into()),
                Over::Through => {}
            }
        }
        #[cfg(unix)]
        let (file, id) = {
            let fd = self.open(rel, OFlags::RDONLY | OFlags::NONBLOCK)?;
            let stat = rustix::fs::fstat(&fd)?;
            let kind = FileType::from_raw_mode(stat.st_mode);
            match kind {
                FileType::RegularFile => {}
                FileType::Directory => return Err(io::ErrorKind::IsADirectory.into()),
                other => return Err(not_regular(special_name(other))),
            }
            if stat.st_size as u64 > MAX_FILE_SIZE {
                return Err(too_large());
            }
            let mut file = fs::File::from(fd);
            // As many bytes as the file holds, without the read that finds its end: one system
            // call fewer per file, of five (measured in bench/RESULTS.md). A file written while it
            // is read is as racy as one written after: the writes compare every file again.
            if stat.st_size > 0 {
                read_size(&mut file, stat.st_size as usize, bytes)?;
                return Ok(id_of(&stat));
            }
            (file, id_of(&stat))
        };
        #[cfg(not(unix))]
        let (file, id) = {
            let full = self.checked(rel)?;
            let meta = fs::metadata(&full)?;
            if meta.is_dir() {
                return Err(io::ErrorKind::IsADirectory.into());
            }
            if !meta.is_file() {
                return Err(not_regular("a special file"));
            }
            (fs::File::open(full)?, FileId { dev: 0, ino: 0 })
        };
        // Not `read_to_end` on the file itself: it asks for the size and position first, two
        // system calls per file that show in a fleet of thousands. The limit holds even for a
        // file that grows while it is read.
        file.take(MAX_FILE_SIZE + 1).read_to_end(bytes)?;
        if bytes.len() as u64 > MAX_FILE_SIZE {
            return Err(too_large());
        }
        Ok(id)
    }

    /// The identity of directory `rel` and its entries as `(name, is_dir)`, hidden ones left
    /// out, unsorted. An entry that is a link leaving the root is left out too.
    pub fn entries(&self, rel: &Path) -> io::Result<(FileId, Entries)> {
        match &self.overlay {
            Some(overlay) => overlay.entries(rel, self.entries_on_disk(rel)),
            None => self.entries_on_disk(rel),
        }
    }

    fn entries_on_disk(&self, rel: &Path) -> io::Result<(FileId, Entries)> {
        let mut out = Vec::new();
        #[cfg(unix)]
        let id = {
            let fd = self.open(rel, OFlags::RDONLY | OFlags::DIRECTORY)?;
            let id = id_of(&rustix::fs::fstat(&fd)?);
            let mut dir = rustix::fs::Dir::new(fd)?;
            while let Some(entry) = dir.read() {
                let entry = entry?;
                let name = entry.file_name().to_bytes();
                if name.starts_with(b".") {
                    continue;
                }
                // One allocation for a name in UTF-8, as nearly all are: `apps/` holds
                // thousands.
                let name = String::from_utf8(name.to_vec())
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                let is_dir = match entry.file_type() {
                    FileType::Directory => true,
                    FileType::Symlink | FileType::Unknown => match self.kind(&rel.join(&name)) {
                        Ok((kind, _)) => kind == Kind::Dir,
                        Err(e) if leaves(&e) => continue,
                        Err(_) => false,
                    },
                    _ => false,
                };
                out.push((name, is_dir));
            }
            id
        };
        #[cfg(not(unix))]
        let id = {
            for entry in fs::read_dir(self.checked(rel)?)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let is_dir = match self.kind(&rel.join(&name)) {
                    Ok((kind, _)) => kind == Kind::Dir,
                    Err(e) if leaves(&e) => continue,
                    Err(_) => false,
                };
                out.push((name, is_dir));
            }
            FileId { dev: 0, ino: 0 }
        };
        Ok((id, out))
    }

    /// What `rel` resolves to, and its identity.
    pub fn kind(&self, rel: &Path) -> io::Result<(Kind, FileId)> {
        if let Some(found) = self.overlay.as_ref().and_then(|o| o.kind(rel)) {
            return found;
        }
        #[cfg(unix)]
        {
            let fd = self.open(rel, OFlags::PATH)?;
            let stat = rustix::fs::fstat(&fd)?;
            Ok((kind_of(&stat), id_of(&stat)))
        }
        #[cfg(not(unix))]
        {
            let meta = fs::metadata(self.checked(rel)?)?;
            let kind = match (meta.is_file(), meta.is_dir()) {
                (true, _) => Kind::File,
                (_, true) => Kind::Dir,
                _ => Kind::Special,
            };
            Ok((kind, FileId { dev: 0, ino: 0 }))
        }
    }

    /// [`Root::kind`], and whether `rel` is a directory holding a regular file by one of
    /// `names`. One resolution of `rel` for all: `check` asks this of thousands of targets.
    pub fn kind_holding(&self, rel: &Path, names: &[&str]) -> io::Result<(Kind, FileId, bool)> {
        if self.overlay.as_ref().is_some_and(|o| o.touches(rel)) {
            let (kind, id) = self.kind(rel)?;
            let holds = kind == Kind::Dir
                && names
                    .iter()
                    .any(|name| matches!(self.kind(&rel.join(name)), Ok((Kind::File, _))));
            return Ok((kind, id, holds));
        }
        #[cfg(unix)]
        {
            let fd = self.open(rel, OFlags::PATH)?;
            let stat = rustix::fs::fstat(&fd)?;
            let kind = kind_of(&stat);
            let holds = kind == Kind::Dir
                && names.iter().any(|name| {
                    // Looked up from the directory, not followed: a link is resolved below the
                    // root like any path.
                    let found = rustix::fs::statat(&fd, *name, AtFlags::SYMLINK_NOFOLLOW);
                    match found.map(|s| FileType::from_raw_mode(s.st_mode)) {
                        Ok(FileType::RegularFile) => true,
                        Ok(FileType::Symlink) => {
                            matches!(self.kind(&rel.join(name)), Ok((Kind::File, _)))
                        }
                        _ => false,
                    }
                });
            Ok((kind, id_of(&stat), holds))
        }
        #[cfg(not(unix))]
        {
            let (kind, id) = self.kind(rel)?;
            let holds = kind == Kind::Dir
                && names
                    .iter()
                    .any(|name| matches!(self.kind(&rel.join(name)), Ok((Kind::File, _))));
            Ok((kind, id, holds))
        }
    }

    /// True when `rel` is a directory below the root.
    pub fn is_dir(&self, rel: &Path) -> bool {
        if let Some(found) = self.overlay.as_ref().and_then(|o| o.kind(rel)) {
            return matches!(found, Ok((Kind::Dir, _)));
        }
        #[cfg(unix)]
        return self.open(rel, OFlags::PATH | OFlags::DIRECTORY).is_ok();
        #[cfg(not(unix))]
        return matches!(self.kind(rel), Ok((Kind::Dir, _)));
    }

    /// True when there is an entry `rel`, whatever it is or points at: a link is not followed.
    pub fn has_entry(&self, rel: &Path) -> bool {
        if let Some(found) = self.overlay.as_ref().and_then(|o| o.kind(rel)) {
            return found.is_ok();
        }
        #[cfg(unix)]
        if let Some(dir) = &self.fd {
            return rustix::fs::statat(dir, rel, AtFlags::SYMLINK_NOFOLLOW).is_ok();
        }
        fs::symlink_metadata(self.path.join(rel)).is_ok()
    }

    /// Opens `rel` with `flags`, below the root.
    #[cfg(unix)]
    fn open(&self, rel: &Path, flags: OFlags) -> io::Result<std::os::fd::OwnedFd> {
        let rel = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        let flags = flags | OFlags::CLOEXEC;
        #[cfg(target_os = "linux")]
        if let Some(dir) = &self.fd {
            use rustix::fs::ResolveFlags;
            use rustix::io::Errno;
            use std::sync::atomic::Ordering::Relaxed;
            if self.beneath.load(Relaxed) {
                let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
                match rustix::fs::openat2(dir, rel, flags, Mode::empty(), resolve) {
                    Ok(fd) => return Ok(fd),
                    // Out of the root, or an absolute link that may point back in; or a
                    // rename while resolving: the slow path decides.
                    Err(Errno::XDEV | Errno::AGAIN) => {}
                    Err(Errno::NOSYS | Errno::PERM) => self.beneath.store(false, Relaxed),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let inside = self.checked(rel)?;
        match &self.fd {
            Some(dir) => {
                let canonical = self.canonical().unwrap_or(&self.path);
                let below = inside.strip_prefix(canonical).unwrap_or(&inside);
                let below = match below.as_os_str().is_empty() {
                    true => Path::new("."),
                    false => below,
                };
                Ok(rustix::fs::openat(dir, below, flags, Mode::empty())?)
            }
            None => Ok(rustix::fs::open(&inside, flags, Mode::empty())?),
        }
    }

    /// `rel` resolved in full, refused (as [`leaves`] tells) when outside the root; the
    /// refusal is remembered.
    fn checked(&self, rel: &Path) -> io::Result<PathBuf> {
        let full = self.path.join(rel).canonicalize()?;
        match self.canonical() {
            Some(root) if full.starts_with(root) => Ok(full),
            _ => {
                self.escapes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(rel.to_path_buf());
                Err(outside())
            }
        }
    }

    fn canonical(&self) -> Option<&Path> {
        self.canonical
            .get_or_init(|| self.path.canonicalize().ok())
            .as_deref()
    }

    /// The links below the root through which a path read so far left it, sorted.
    pub fn outside_links(&self) -> Vec<OutsideLink> {
        let escapes =
            std::mem::take(&mut *self.escapes.lock().unwrap_or_else(PoisonError::into_inner));
        let Some(root) = self.canonical() else {
            return Vec::new();
        };
        let mut out: Vec<OutsideLink> = escapes
            .iter()
            .filter_map(|rel| self.outside_link(root, rel))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The first link along `rel` whose target lies outside `root` (canonical).
    fn outside_link(&self, root: &Path, rel: &Path) -> Option<OutsideLink> {
        let mut at = PathBuf::new();
        for part in rel.components() {
            at.push(part);
            let full = self.path.join(&at);
            let Ok(meta) = fs::symlink_metadata(&full) else {
                return None;
            };
            if !meta.file_type().is_symlink() {
                continue;
            }
            let inside = full.canonicalize().is_ok_and(|t| t.starts_with(root));
            if !inside {
                let target = fs::read_link(&full).unwrap_or_default();
                return Some(OutsideLink { link: at, target });
            }
        }
        None
    }
}

/// Reads the first `size` bytes of `file` into `bytes`, fewer if it ends sooner.
#[cfg(unix)]
fn read_size(file: &mut fs::File, size: usize, bytes: &mut Vec<u8>) -> io::Result<()> {
    bytes.resize(size, 0);
    let mut filled = 0;
    while filled < size {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(())
}

// The field types differ between platforms (`u64` here, `i32` and `u64` on macOS).
#[allow(clippy::unnecessary_cast)]
#[cfg(unix)]
fn id_of(stat: &rustix::fs::Stat) -> FileId {
    FileId {
        dev: stat.st_dev as u64,
        ino: stat.st_ino as u64,
    }
}

/// What a file's status says it is.
#[cfg(unix)]
fn kind_of(stat: &rustix::fs::Stat) -> Kind {
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        _ => Kind::Special,
    }
}

#[cfg(unix)]
fn special_name(kind: FileType) -> &'static str {
    match kind {
        FileType::Fifo => "a named pipe (FIFO)",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Socket => "a socket",
        _ => "a special file",
    }
}

/// The error of a path that resolves outside the root.
fn outside() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        OutsideRoot("a symbolic link along it leaves the repository"),
    )
}

/// True when `e` says the path resolved outside the root; such a path reads as absent.
pub(crate) fn leaves(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<OutsideRoot>())
}

#[derive(Debug)]
struct OutsideRoot(&'static str);

impl std::fmt::Display for OutsideRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for OutsideRoot {}

fn not_regular(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file but {what}; fluxfleet reads only regular files: remove it"),
    )
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "larger than {} MiB, the limit for a file of the fleet: fleet files are small; \
             move it out of the directories Flux reads",
            MAX_FILE_SIZE >> 20
        ),
    )
}

#[cfg(test)]
#[cfg(unix)]
#[path = "root_tests.rs"]
mod tests;

//! Reading the repository's files as text, for the read step of commands that write new files.

use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result};
use crate::fleet::MAX_FILE_SIZE;
use crate::plan::layout::Existing;

/// What is at each of `paths` under `root`: its text, or `None` when nothing is there. A
/// directory or special file where a file should go, a file over [`MAX_FILE_SIZE`] (not read),
/// or a file that is not UTF-8, reads as differing content.
pub fn read_existing<'a>(
    root: &Path,
    paths: impl IntoIterator<Item = &'a PathBuf>,
) -> Result<Existing> {
    let mut existing = Existing::new();
    for path in paths {
        let full = root.join(path);
        let text = match std::fs::symlink_metadata(&full) {
            Err(_) => None,
            Ok(meta) if meta.is_file() && meta.len() > MAX_FILE_SIZE => Some(format!(
                "(larger than {} MiB, not read)",
                MAX_FILE_SIZE >> 20
            )),
            Ok(meta) if meta.is_file() => {
                let bytes = std::fs::read(&full).at(&full)?;
                Some(
                    String::from_utf8(bytes)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                )
            }
            Ok(_) => Some(String::from("(not a regular file)")),
        };
        existing.insert(path.clone(), text);
    }
    Ok(existing)
}

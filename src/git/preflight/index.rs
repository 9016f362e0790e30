//! Reading git's index, with the index formats libgit2 cannot read explained.

use git2::{Index, Repository};

use crate::error::{Error, Result};

/// The repository's index, or a refusal saying how to turn it into a form libgit2 reads: a
/// split index (`link` extension) or a sparse index (`sdir` extension).
pub fn open_index(repo: &Repository) -> Result<Index> {
    repo.index().map_err(|e| {
        let message = e.message();
        let index = repo.path().join("index");
        if message.contains("'link'") {
            let config = repo
                .config()
                .and_then(|c| c.get_bool("core.splitIndex"))
                .unwrap_or(false);
            let unset = if config {
                "`git config core.splitIndex false`, then "
            } else {
                ""
            };
            Error::refused(format!(
                "{} is a split index (`git update-index --split-index`, or core.splitIndex), \
                 which fluxfleet's git library cannot read: run {unset}`git update-index \
                 --no-split-index` to write it as one file, then run again",
                index.display()
            ))
        } else if message.contains("'sdir'") {
            Error::refused(format!(
                "{} is a sparse index (index.sparse), which fluxfleet's git library cannot \
                 read: run `git sparse-checkout disable` (or `git sparse-checkout reapply \
                 --no-sparse-index` to keep the sparse checkout), then run again",
                index.display()
            ))
        } else {
            e.into()
        }
    })
}

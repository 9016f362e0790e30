//! Sparse checkouts: files git tracks but leaves out of the working tree (the skip-worktree
//! bit). fluxfleet reads the fleet from the working tree, so a cluster left out would be
//! silently missing from every decision, `--to all` first of all.

use std::collections::BTreeSet;
use std::path::PathBuf;

use git2::{Index, IndexEntryExtendedFlag};

use crate::error::{Error, Result};
use crate::paths::to_slash;

/// Where the clusters' entrypoints live in the default layout.
const CLUSTERS: &str = "clusters/";

/// Refuses when the sparse checkout leaves out anything under `clusters/` or a path the change
/// touches, naming the clusters and paths left out.
pub fn check_sparse(index: &Index, touched: &[PathBuf]) -> Result<()> {
    let touched: BTreeSet<String> = touched.iter().map(|p| to_slash(p)).collect();
    let mut left_out = BTreeSet::new();
    for entry in index.iter() {
        let flags = IndexEntryExtendedFlag::from_bits_truncate(entry.flags_extended);
        if !flags.is_skip_worktree() {
            continue;
        }
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if let Some(rest) = path.strip_prefix(CLUSTERS) {
            // One name per cluster: clusters/<c>, or the file itself at the top of clusters/.
            let cluster = rest.split('/').next().unwrap_or(rest);
            left_out.insert(format!("{CLUSTERS}{cluster}"));
        } else if touched.contains(&path) {
            left_out.insert(path);
        }
    }
    if left_out.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = left_out.into_iter().collect();
    Err(Error::refused(format!(
        "this is a sparse checkout that leaves {} out of the working tree: fluxfleet reads \
         the fleet from the working tree, so it would plan without them (and `--to all` would \
         skip them); run `git sparse-checkout disable` (or `git sparse-checkout add \
         clusters` and the paths named), then run again",
        names.join(", ")
    )))
}

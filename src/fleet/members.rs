//! The files a shared directory brings into a cluster (a namespace set, a policy stage): the
//! entries of its kustomization that stay inside it, followed through the kustomizations of
//! the directories they name; or, without one, every YAML file below it, as Flux generates
//! the list. Each list and directory is walked once: links and references may lead back.

use std::collections::HashSet;
use std::path::Path;

use super::read::{is_yaml, Reader};
use super::reference::{ListFile, Reference};
use super::root::FileId;
use crate::error::Result;

/// What the walk finds: a file, and the entry of the directory's own list that leads to it
/// (`None` without a list).
pub(crate) type Visit<'v> = dyn FnMut(&Path, Option<&Reference>) -> Result<()> + 'v;

/// Walks `dir`, whose list (with its identity) is `list`, calling `visit` for each file.
pub(crate) fn walk(
    reader: &Reader,
    dir: &Path,
    list: Option<&(ListFile, FileId)>,
    visit: &mut Visit,
) -> Result<()> {
    let mut walked = HashSet::new();
    match list {
        Some((list, id)) => {
            walked.insert(*id);
            listed(reader, dir, list, None, visit, &mut walked)
        }
        None => every_file(reader, dir, visit, &mut walked),
    }
}

/// Follows the entries of a list that stay inside `dir`.
fn listed(
    reader: &Reader,
    dir: &Path,
    list: &ListFile,
    top_entry: Option<&Reference>,
    visit: &mut Visit,
    walked: &mut HashSet<FileId>,
) -> Result<()> {
    for reference in &list.references {
        let Some(target) = reference.target().filter(|t| t.starts_with(dir)) else {
            continue;
        };
        let entry = top_entry.unwrap_or(reference);
        // A listed manifest is a file; only other entries may be directories with a list.
        let inner = if is_yaml(&target.to_string_lossy()) {
            None
        } else {
            reader.list_and_id(target)?
        };
        if let Some((inner, id)) = inner {
            if walked.insert(id) {
                listed(reader, dir, &inner, Some(entry), visit, walked)?;
            }
        } else {
            visit(target, Some(entry))?;
        }
    }
    Ok(())
}

/// Every YAML file below `dir`.
fn every_file(
    reader: &Reader,
    dir: &Path,
    visit: &mut Visit,
    walked: &mut HashSet<FileId>,
) -> Result<()> {
    let Some((id, entries)) = reader.listing(dir)? else {
        return Ok(());
    };
    if !walked.insert(id) {
        return Ok(());
    }
    for (name, is_dir) in entries {
        let path = dir.join(&name);
        if is_dir {
            every_file(reader, &path, visit, walked)?;
        } else if is_yaml(&name) {
            visit(&path, None)?;
        }
    }
    Ok(())
}

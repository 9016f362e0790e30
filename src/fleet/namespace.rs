//! Namespace sets (`infrastructure/namespaces/<set>/`) and the namespaces inside them.
//!
//! A namespace's name is its manifest's `metadata.name`, never the file name: `ns-foo.yaml`
//! may create `foo`. A set holds the namespaces its kustomization lists (or, without one, every
//! manifest below it, as Flux would generate).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::read::{is_yaml, Docs, Reader};
use super::reference::{ListFile, Reference};
use super::root::FileId;
use crate::error::Result;
use crate::yaml::Node;

/// The directory holding the namespace sets.
pub const NAMESPACES_DIR: &str = "infrastructure/namespaces";

/// The set every cluster imports.
pub const COMMON_SET: &str = "common";

/// One namespace definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// `metadata.name` of the manifest.
    pub name: String,
    /// The repository-relative `Namespace` manifest.
    pub file: PathBuf,
    /// The line of `metadata.name` in it.
    pub line: usize,
    /// The set holding it: the directory name under `infrastructure/namespaces`.
    pub set: String,
    /// `infrastructure/namespaces/<set>`.
    pub set_dir: PathBuf,
    /// True when the set holds only this namespace and is named after it.
    pub own_dir: bool,
    /// The entry of the set's kustomization that brings the manifest in, if the set has one.
    pub entry: Option<Reference>,
}

/// A directory under `infrastructure/namespaces`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceSet {
    /// The directory name.
    pub name: String,
    /// `infrastructure/namespaces/<name>`.
    pub dir: PathBuf,
    /// Its kustomization, if it has one.
    pub list: Option<ListFile>,
    /// The names of its namespaces, sorted.
    pub namespaces: Vec<String>,
}

impl NamespaceSet {
    /// Reads set `name` and its namespaces.
    pub(crate) fn read(reader: &Reader, name: &str) -> Result<(NamespaceSet, Vec<Namespace>)> {
        let dir = Path::new(NAMESPACES_DIR).join(name);
        let list = reader.list_and_id(&dir)?;
        let mut found = Vec::new();
        // Each list and directory once: links and references may lead back.
        let mut walked = HashSet::new();
        match &list {
            Some((list, id)) => {
                walked.insert(*id);
                collect_listed(reader, &dir, list, None, &mut found, &mut walked)?;
            }
            None => collect_all(reader, &dir, &mut found, &mut walked)?,
        }
        let list = list.map(|(list, _)| list);
        let mut names = BTreeSet::new();
        let mut namespaces = Vec::new();
        for (ns_name, file, line, entry) in found {
            if names.insert(ns_name.clone()) {
                namespaces.push(Namespace {
                    name: ns_name,
                    file,
                    line,
                    set: name.to_string(),
                    set_dir: dir.clone(),
                    own_dir: false,
                    entry,
                });
            }
        }
        let own = namespaces.len() == 1 && namespaces[0].name == name;
        for ns in &mut namespaces {
            ns.own_dir = own;
        }
        let set = NamespaceSet {
            name: name.to_string(),
            dir,
            list,
            namespaces: names.into_iter().collect(),
        };
        Ok((set, namespaces))
    }
}

type Found = Vec<(String, PathBuf, usize, Option<Reference>)>;

/// Follows the entries of a set's kustomization that stay inside the set.
fn collect_listed(
    reader: &Reader,
    set_dir: &Path,
    list: &ListFile,
    top_entry: Option<&Reference>,
    found: &mut Found,
    walked: &mut HashSet<FileId>,
) -> Result<()> {
    for reference in &list.references {
        let Some(target) = reference.target.as_ref().filter(|t| t.starts_with(set_dir)) else {
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
                collect_listed(reader, set_dir, &inner, Some(entry), found, walked)?;
            }
        } else {
            collect_file(reader, target, Some(entry), found)?;
        }
    }
    Ok(())
}

/// Every manifest below a set without a kustomization.
fn collect_all(
    reader: &Reader,
    dir: &Path,
    found: &mut Found,
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
            collect_all(reader, &path, found, walked)?;
        } else if is_yaml(&name) {
            collect_file(reader, &path, None, found)?;
        }
    }
    Ok(())
}

fn collect_file(
    reader: &Reader,
    file: &Path,
    entry: Option<&Reference>,
    found: &mut Found,
) -> Result<()> {
    if !is_yaml(&file.to_string_lossy()) {
        return Ok(());
    }
    // Most files are not namespaces at all; skip the parse when the kind cannot be there.
    let wanted = |text: &str| text.contains("Namespace") && reader.concerns(text);
    let Docs::Parsed(docs) = reader.docs_if(file, wanted)? else {
        return Ok(());
    };
    for doc in docs.iter().map(|d| &d.root) {
        if doc.get("kind").and_then(Node::as_str) != Some("Namespace") {
            continue;
        }
        if let Some(name) = doc.at_path(&["metadata", "name"]) {
            if let Some(text) = name.as_str() {
                found.push((
                    text.to_string(),
                    file.to_path_buf(),
                    name.line,
                    entry.cloned(),
                ));
            }
        }
    }
    Ok(())
}

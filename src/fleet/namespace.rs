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
    /// `infrastructure/namespaces/<set>/base` when the set is laid out as the seed's
    /// `foo/{base,overlays/<cluster>}`: a base, and an overlay per cluster whose metadata differs.
    pub base: Option<PathBuf>,
    /// The overlays (directory names under `<set>/overlays/`) of a set laid out with a base, sorted.
    pub overlays: Vec<String>,
}

impl Namespace {
    /// The directory a cluster references to receive this namespace: its overlay for `cluster`
    /// when it has one, else its base, else the set's directory.
    pub fn import_dir(&self, cluster: &str) -> PathBuf {
        match &self.base {
            Some(_) if self.overlays.iter().any(|o| o == cluster) => self.overlay_dir(cluster),
            Some(base) => base.clone(),
            None => self.set_dir.clone(),
        }
    }

    /// `infrastructure/namespaces/<set>/overlays/<cluster>`.
    pub fn overlay_dir(&self, cluster: &str) -> PathBuf {
        self.set_dir.join("overlays").join(cluster)
    }
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
        let mut list = reader.list_and_id(&dir)?;
        // Without a list of its own, a directory with `base/` is laid out as base and overlays:
        // the base's list says what the namespace is.
        let mut base = None;
        let mut overlays = Vec::new();
        if list.is_none() {
            let base_dir = dir.join("base");
            if let Some(base_list) = reader.list_and_id(&base_dir)? {
                list = Some(base_list);
                base = Some(base_dir);
                overlays = reader
                    .subdirs_if_any(&dir.join("overlays"))?
                    .unwrap_or_default();
            }
        }
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
                    base: base.clone(),
                    overlays: overlays.clone(),
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

//! The first pass of a read: which clusters there are (under `clusters/`, elsewhere, or where
//! `flux bootstrap --path` put them), which apps and namespace sets the article's layout
//! defines, and what the extra files of `.fluxfleet.yaml` add.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::app::{App, COMMON_APPS};
use super::cluster::{self, Cluster};
use super::definition::{self, Definition};
use super::namespace::{Namespace, NamespaceSet, NAMESPACES_DIR};
use super::order::{self, SETTINGS};
use super::policy::{self, Policy, Stage};
use super::read::Reader;
use super::reference::ListFile;
use super::FastSet;
use crate::error::Result;
use crate::paths;

pub(super) fn read_clusters(reader: &Reader) -> Result<Vec<Cluster>> {
    let mut found = find_clusters(reader)?;
    // `.fluxfleet.yaml` names the directories of clusters detection does not find (a broken
    // file is reported where the order is read).
    for listed in order::read(reader).unwrap_or_default() {
        if let Some(path) = listed.path {
            found.retain(|(name, _)| *name != listed.name);
            found.push((listed.name, path));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let read: Result<Vec<Cluster>> = found
        .par_iter()
        .map(|(name, dir)| Cluster::read(reader, name, dir))
        .collect();
    read
}

/// Why no cluster was found at `root`, and what to do: where detection looked, and the Flux
/// entrypoints (`flux-system/gotk-sync.yaml`) found deeper, to name in `.fluxfleet.yaml`.
pub fn no_clusters(root: &Path) -> String {
    let mut deeper = Vec::new();
    let mut level = vec![PathBuf::new()];
    for _ in 0..8 {
        let mut next = Vec::new();
        for dir in &level {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || name == "node_modules" {
                    continue;
                }
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    let sub = dir.join(&name);
                    if root.join(&sub).join("flux-system/gotk-sync.yaml").is_file() {
                        deeper.push(sub);
                    } else {
                        next.push(sub);
                    }
                }
            }
        }
        level = next;
    }
    deeper.sort();
    let looked = format!(
        "no clusters found in {}: looked for clusters/<name>/, <dir>/clusters/<name>/ and \
         <dir>/flux-system/gotk-sync.yaml up to three levels down",
        root.display()
    );
    if deeper.is_empty() {
        return format!(
            "{looked}; start a fleet here with `fluxfleet init --clusters dev,test,prod`, or run \
             in the fleet's repository (-C DIR)"
        );
    }
    let items: Vec<String> = deeper
        .iter()
        .map(|d| {
            let name = d
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into());
            format!("  - {{name: {name}, path: {}}}", paths::to_slash(d))
        })
        .collect();
    format!(
        "{looked}; found Flux entrypoints deeper, at {}: name them in {SETTINGS}:\nclusters:\n{}",
        deeper
            .iter()
            .map(|d| paths::to_slash(d))
            .collect::<Vec<_>>()
            .join(", "),
        items.join("\n")
    )
}

/// The clusters' names and directories: each directory under `clusters/` that looks like a
/// cluster. A repository without one there keeps its clusters elsewhere: under
/// `<dir>/clusters/` or `<dir>/<dir>/clusters/` (`kubernetes/clusters/<c>`), or wherever
/// `flux bootstrap --path` put a `flux-system/gotk-sync.yaml` (a tree per cluster).
pub(super) fn find_clusters(reader: &Reader) -> Result<Vec<(String, PathBuf)>> {
    let under = |parent: &Path| -> Result<Vec<(String, PathBuf)>> {
        let looked: Result<Vec<Option<(String, PathBuf)>>> = reader
            .subdirs(parent)?
            .into_par_iter()
            .map(|name| {
                let dir = parent.join(&name);
                Ok(cluster::is_cluster_dir(reader, &dir)?.then_some((name, dir)))
            })
            .collect();
        Ok(looked?.into_iter().flatten().collect())
    };
    let found = under(Path::new("clusters"))?;
    if !found.is_empty() {
        return Ok(found);
    }
    let mut found = Vec::new();
    let mut bootstrapped = Vec::new();
    let mut level = vec![PathBuf::new()];
    for depth in 0..3 {
        let mut next = Vec::new();
        for dir in &level {
            for name in reader.subdirs(dir)? {
                if name.starts_with('.') || name == "node_modules" {
                    continue;
                }
                let sub = dir.join(&name);
                if name == "clusters" && depth > 0 {
                    found.extend(under(&sub)?);
                } else if reader.is_file(&sub.join("flux-system/gotk-sync.yaml")) {
                    bootstrapped.push((name, sub));
                } else {
                    next.push(sub);
                }
            }
        }
        level = next;
    }
    for (name, dir) in bootstrapped {
        if !found.iter().any(|(_, d)| dir.starts_with(d)) {
            found.push((name, dir));
        }
    }
    // One name per cluster: a second tree of the same name is named by its path.
    found.sort();
    let mut seen = FastSet::default();
    for (name, dir) in &mut found {
        if !seen.insert(name.clone()) {
            *name = paths::to_slash(dir).replace('/', "-");
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// The common app list, the controllers and policy stages, and the policies.
type Extras = (Option<ListFile>, Vec<Definition>, (Vec<Stage>, Vec<Policy>));

pub(super) fn read_extras(reader: &Reader) -> Result<Extras> {
    Ok((
        reader.list(Path::new(COMMON_APPS))?,
        definition::read(reader)?,
        policy::read(reader)?,
    ))
}

/// Texts one of which a list must contain to bring `name` into a cluster: the name itself
/// (any spelling of a path to `apps/<name>` or its own namespace directory contains it), the
/// namespace sets holding it, and `common` when the common app list names it.
pub(super) fn needles(
    name: &str,
    sets: &Result<(Vec<NamespaceSet>, Vec<Namespace>)>,
    extras: &Result<Extras>,
) -> Vec<String> {
    let mut out = vec![name.to_string()];
    if let Ok((_, namespaces)) = sets {
        out.extend(
            namespaces
                .iter()
                .filter(|n| n.name == name)
                .map(|n| n.set.clone()),
        );
    }
    if let Ok((_, _, (_, policies))) = extras {
        out.extend(
            policies
                .iter()
                .filter(|p| p.name == name)
                .map(|p| p.stage.clone()),
        );
    }
    if let Ok((Some(common), _, _)) = extras {
        let app = Path::new("apps").join(name);
        if common
            .references
            .iter()
            .any(|r| r.target().is_some_and(|t| t.starts_with(&app)))
        {
            out.push("common".to_string());
        }
    }
    out
}

/// The directories under `apps/` (or `only`) that may be apps, sorted; not looked into.
pub(super) fn read_apps(reader: &Reader, only: Option<&str>) -> Result<Vec<String>> {
    let names = match only {
        Some(name) => vec![name.to_string()],
        None => reader.subdirs(Path::new("apps"))?,
    };
    Ok(names.into_iter().filter(|n| may_be_app(n)).collect())
}

/// App names are RFC 1123 labels; `_base` and the like are shared building blocks, and
/// `common` is the common set.
pub(super) fn may_be_app(name: &str) -> bool {
    crate::names::is_label(name) && name != COMMON_APPS.trim_start_matches("apps/")
}

/// The apps among `candidates`, and for each candidate whether it is one. A directory that
/// the clusters' lists reference by its `base/` or one of its `overlays/` (`laid_out`) is an
/// app whatever it holds: the clusters ask for it, and `check` reports what it lacks; it is
/// taken without a look (a large fleet's thousands of apps would each cost a lookup, a sixth of
/// the matrix's time). The others are looked into now.
pub(super) fn settle_apps(
    reader: &Reader,
    candidates: &[String],
    laid_out: &[bool],
) -> Result<(Vec<App>, Vec<bool>)> {
    let found: Vec<Option<App>> = candidates
        .par_iter()
        .zip(laid_out)
        .map(|(name, laid_out)| match laid_out {
            true => Ok(Some(App::referenced(name))),
            false => App::read(reader, name),
        })
        .collect::<Result<_>>()?;
    let is_app: Vec<bool> = found.iter().map(Option::is_some).collect();
    Ok((found.into_iter().flatten().collect(), is_app))
}

pub(super) fn read_sets(reader: &Reader) -> Result<(Vec<NamespaceSet>, Vec<Namespace>)> {
    let names = reader.subdirs(Path::new(NAMESPACES_DIR))?;
    let read: Result<Vec<_>> = names
        .par_iter()
        .map(|n| NamespaceSet::read(reader, n))
        .collect();
    let mut sets = Vec::new();
    let mut namespaces = Vec::new();
    for (set, members) in read? {
        sets.push(set);
        namespaces.extend(members);
    }
    namespaces.sort_by(|a, b| (&a.name, &a.set).cmp(&(&b.name, &b.set)));
    Ok((sets, namespaces))
}

//! The rendered difference of a change that only adds and removes entries of plain lists
//! (kustomizations with nothing but `resources`), each reached by one route that passes its
//! entries on unchanged: a cluster renders such a list as the concatenation of its entries, so
//! what the cluster gains or loses is the render of the entries added or removed. Each distinct
//! entry is rendered once, whatever the number of clusters; nothing else is rendered.
//!
//! Anything else the change does to what a cluster reaches (another file edited, a list with
//! transformers, a new cluster, an entry that itself attaches Flux Kustomizations) leaves the
//! difference to the rendering of whole clusters: [`by_entries`] returns `None` then.
//!
//! The render gate reads the same plain lists for its own shortcut ([`plain_list_edits`]):
//! it only needs the added entries to render, not the difference.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use rayon::prelude::*;

use super::change::ClusterChange;
use super::cluster::Tree;
use super::flux::{followed, Unit};
use super::object::Objects;
use super::reach::{touches, Graph, Reach};
use crate::fleet::{Fleet, ReadPlan, Renderer, KUSTOMIZATION_NAMES};
use crate::paths;

/// One changed file: its path and its bytes before and after (`None`: absent).
pub struct Changed {
    pub path: PathBuf,
    pub before: Option<Vec<u8>>,
    pub after: Option<Vec<u8>>,
}

/// Which side of the change the checkout at `root` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    Before,
    After,
}

/// The difference per cluster, found by entries: the clusters in promotion order, each with its
/// change when the change affects it (`None` when it does not). `None` when the change is not
/// one of entries of plain lists.
pub type ByEntries = Vec<(String, Option<ClusterChange>)>;

/// An edit of a plain list: the entries' targets it adds and removes.
struct ListEdit {
    dir: PathBuf,
    added: Vec<PathBuf>,
    removed: Vec<PathBuf>,
}

/// The difference `changes` make, computed from the entries they add and remove, with the
/// checkout at `root` holding one side of them (`holds`) and differing from the base only in
/// them and in the `unrelated` paths; `None` when it has to be rendered whole (see the
/// module's comment), or an entry does not render (the whole renders say where, and on which
/// side).
pub fn by_entries(
    renderer: &Renderer,
    root: &Path,
    scratch: &Path,
    changes: &[Changed],
    holds: Holds,
    unrelated: &[PathBuf],
) -> Option<ByEntries> {
    let (edits, others) = list_edits(changes)?;
    let targets: Vec<&Path> = edits
        .iter()
        .flat_map(|e| e.added.iter().chain(&e.removed))
        .map(PathBuf::as_path)
        .collect();
    let added: Vec<&Path> = edits
        .iter()
        .flat_map(|e| &e.added)
        .map(PathBuf::as_path)
        .collect();
    // A list inside an entry changes with it.
    if edits
        .iter()
        .any(|e| targets.iter().any(|t| e.dir.starts_with(t)))
    {
        return None;
    }
    let Ok(fleet) = Fleet::read(root, ReadPlan::Whole) else {
        return None;
    };
    let entries: Vec<PathBuf> = fleet.clusters().iter().map(|c| c.dir.clone()).collect();
    let graph = Graph::of(root, &entries);
    let reaches: Vec<Reach> = entries.iter().map(|e| graph.from(e)).collect();
    let reached: Vec<Vec<&Path>> = reaches.iter().map(Reach::paths).collect();
    for other in &others {
        // A new file of an added entry arrives with the entry's render, if that is on disk.
        let in_added = added.iter().any(|t| other.path.starts_with(t));
        if other.before.is_none() && in_added {
            if holds == Holds::Before {
                return None;
            }
            continue;
        }
        // Another file: only one no cluster reaches (a README, a file of a new cluster is in
        // its directory) leaves the difference to the entries.
        let in_target = targets.iter().any(|t| other.path.starts_with(t));
        let in_cluster = entries.iter().any(|dir| other.path.starts_with(dir));
        if in_target || in_cluster || reached.iter().any(|r| touches(r, &other.path)) {
            return None;
        }
    }

    // What else differs in the checkout (not part of the change) must be out of every reach.
    if unrelated.iter().any(|path| {
        reached.iter().any(|r| touches(r, path)) || entries.iter().any(|d| path.starts_with(d))
    }) {
        return None;
    }

    // Each cluster's entries added and removed, where every list it reaches is reached plainly.
    let mut per_cluster: Vec<(String, Vec<&Path>, Vec<&Path>, bool)> = Vec::new();
    for (cluster, reach) in fleet.clusters().iter().zip(&reaches) {
        let (mut gains, mut loses, mut affected) = (Vec::new(), Vec::new(), false);
        for edit in &edits {
            match reach.plain_route(&edit.dir) {
                None => {}
                Some(false) => return None,
                Some(true) => {
                    affected = true;
                    gains.extend(edit.added.iter().map(PathBuf::as_path));
                    loses.extend(edit.removed.iter().map(PathBuf::as_path));
                }
            }
        }
        // An entry the cluster gets by another route too (on the side the checkout holds, the
        // edited lists' own routes included) is not simply gained or lost there.
        let (held, other): (&[&Path], &[&Path]) = match holds {
            Holds::After => (&gains, &loses),
            Holds::Before => (&loses, &gains),
        };
        let once = held.iter().all(|t| reach.plain_route(t) == Some(true));
        let never = other.iter().all(|t| reach.plain_route(t).is_none());
        if !(once && never) {
            return None;
        }
        per_cluster.push((cluster.name.clone(), gains, loses, affected));
    }

    // Every distinct entry rendered once, on its own.
    let mut distinct: Vec<&Path> = targets.clone();
    distinct.sort();
    distinct.dedup();
    let generated = AtomicUsize::new(0);
    let tree = Tree {
        renderer,
        root,
        scratch,
        generated: &generated,
        units: Default::default(),
    };
    let renders: Vec<Option<Objects>> = distinct
        .par_iter()
        .map(|target| render_entry(&tree, target))
        .collect();
    let mut rendered: HashMap<&Path, Objects> = HashMap::new();
    for (target, render) in distinct.iter().zip(renders) {
        // An entry that does not render: the whole clusters' renders say where and on which
        // side.
        rendered.insert(target, render?);
    }

    let mut out = Vec::new();
    for (cluster, gains, loses, affected) in per_cluster {
        if !affected {
            out.push((cluster, None));
            continue;
        }
        let (Some(before), Some(after)) = (union(&loses, &rendered), union(&gains, &rendered))
        else {
            return None;
        };
        out.push((
            cluster.clone(),
            Some(ClusterChange::between(&cluster, &before, &after)),
        ));
    }
    Some(out)
}

/// The objects of `targets` together; `None` when two of them bring the same object (a render
/// of the whole list would fail, or show one of them).
fn union(targets: &[&Path], rendered: &HashMap<&Path, Objects>) -> Option<Objects> {
    let mut all = BTreeMap::new();
    for target in targets {
        for (key, text) in rendered.get(target)? {
            if all.insert(key.clone(), text.clone()).is_some() {
                return None;
            }
        }
    }
    Some(all)
}

/// The render of one list entry on its own; `None` when it does not render, or attaches Flux
/// Kustomizations (what they bring depends on the cluster).
fn render_entry(tree: &Tree, target: &Path) -> Option<Objects> {
    // kustomize refuses an entry without a kustomization.
    if !super::cluster::has_kustomization(&tree.root.join(target)) {
        return None;
    }
    let unit = Unit::plain(target.to_path_buf());
    let objects = tree.render_unit(&unit).ok()?;
    if objects.iter().any(|o| followed(&o.root, &[]).is_some()) {
        return None;
    }
    let mut all = Objects::new();
    for object in objects {
        all.entry(object.key).or_insert(object.text);
    }
    Some(all)
}

/// The changes split into edits of plain lists and the other files; `None` when an edit is of
/// a list that is not plain on both sides, or names an entry that is not a directory of the
/// repository.
fn list_edits(changes: &[Changed]) -> Option<(Vec<ListEdit>, Vec<&Changed>)> {
    let mut edits = Vec::new();
    let mut others = Vec::new();
    for change in changes {
        let (Some(before), Some(after), true) =
            (&change.before, &change.after, is_list(&change.path))
        else {
            others.push(change);
            continue;
        };
        let (added, removed) = entry_changes(&change.path, before, after)?;
        let dir = change.path.parent().unwrap_or(Path::new("")).to_path_buf();
        let base = paths::to_slash(&dir);
        let target = |entry: &String| -> Option<PathBuf> {
            match is_manifest(entry) {
                true => None,
                false => paths::resolve_in(&base, entry),
            }
        };
        let added = added.iter().map(target).collect::<Option<Vec<_>>>()?;
        let removed = removed.iter().map(target).collect::<Option<Vec<_>>>()?;
        edits.push(ListEdit {
            dir,
            added,
            removed,
        });
    }
    Some((edits, others))
}

/// The directories `files` add to lists, when the change does nothing but add entries to plain
/// lists (kustomizations with only `resources`) and create files inside the directories it
/// adds; `None` otherwise. An added manifest adds its list's directory. `before` reads a file
/// as it was.
pub(super) fn plain_list_edits(
    before: impl Fn(&Path) -> Option<Vec<u8>>,
    files: &[(PathBuf, Option<Vec<u8>>)],
) -> Option<Vec<PathBuf>> {
    let mut added: Vec<PathBuf> = Vec::new();
    let mut created: Vec<&Path> = Vec::new();
    for (path, content) in files {
        let (before, after) = match (before(path), content) {
            (Some(before), Some(after)) => (before, after),
            (None, Some(_)) => {
                created.push(path);
                continue;
            }
            _ => return None,
        };
        if !is_list(path) {
            return None;
        }
        let (new, removed) = entry_changes(path, &before, after)?;
        let dir = paths::to_slash(path.parent().unwrap_or(Path::new("")));
        // A removal may break a patch above the list that targets what it brought: those
        // changes are rendered whole.
        if !removed.is_empty() {
            return None;
        }
        for entry in &new {
            let target = paths::resolve_in(&dir, entry)?;
            // A manifest renders with its list, which holds nothing else to transform it.
            added.push(match is_manifest(entry) {
                true => path.parent().unwrap_or(Path::new("")).to_path_buf(),
                false => target,
            });
        }
    }
    // New files belong to what the change adds (a new app's base), nothing else.
    if !created
        .iter()
        .all(|c| added.iter().any(|a| c.starts_with(a)))
    {
        return None;
    }
    added.sort();
    added.dedup();
    Some(added)
}

/// Whether `path` is a kustomization file.
fn is_list(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_NAMES.contains(&n))
}

/// Whether a list entry names a manifest rather than a directory.
fn is_manifest(entry: &str) -> bool {
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|x| entry.ends_with(x))
}

/// The entries a plain list (see [`plain_entries`]) gains and loses between `before` and
/// `after`; `None` when it is not plain on both sides.
fn entry_changes(path: &Path, before: &[u8], after: &[u8]) -> Option<(Vec<String>, Vec<String>)> {
    let before = plain_entries(path, before)?;
    let after = plain_entries(path, after)?;
    // Sets, not the lists: a list of a dense fleet has hundreds of entries.
    let (had, has): (HashSet<&String>, HashSet<&String>) =
        (before.iter().collect(), after.iter().collect());
    let added = after.iter().filter(|e| !had.contains(e)).cloned().collect();
    let removed = before
        .iter()
        .filter(|e| !has.contains(e))
        .cloned()
        .collect();
    Some((added, removed))
}

/// The `resources` of a kustomization that has nothing else (but `apiVersion` and `kind`).
fn plain_entries(path: &Path, text: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(text).ok()?;
    let docs = crate::yaml::parse(path, text, crate::yaml::Purpose::Read).ok()?;
    let [doc] = &docs[..] else {
        return None;
    };
    let crate::yaml::Kind::Map { pairs, .. } = &doc.root.kind else {
        return None;
    };
    let mut entries = Vec::new();
    for (key, value) in pairs {
        match key.as_str()? {
            "apiVersion" | "kind" => {}
            "resources" => {
                for item in value.items() {
                    entries.push(item.as_str()?.to_string());
                }
            }
            _ => return None,
        }
    }
    Some(entries)
}

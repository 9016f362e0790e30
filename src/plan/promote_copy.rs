//! `promote` where each cluster has its own copy of what it runs: the target gets a copy of
//! what brings the unit into the nearest cluster that has it, in the same form.
//!
//! - A per-environment directory (`apps/staging/podinfo`, listed by
//!   `apps/staging/kustomization.yaml` and pointing at `../../base/podinfo`) is copied to the
//!   target's environment directory (`apps/production/podinfo`) at the same depth, so relative
//!   paths stay valid; what names the source environment is rewritten ([`env_words`]); the copy
//!   is listed in the target's list in that list's own style.
//! - A Flux Kustomization file per component (`clusters/staging/podinfo.yaml`) is copied into
//!   the target cluster's directory: `spec.path` (and whatever else names the cluster) rewritten
//!   to the target's counterpart, which must exist; `dependsOn` kept only for the Flux
//!   Kustomizations the target has; `postBuild.substitute` kept as it is, since those are the
//!   pins a promotion carries. The copy is listed where the directory has a kustomization.
//!
//! One file past 600 lines: the two copies share the source, the name swaps, the note that
//! lists every rewritten line and the refusals; its unit tests close it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::env_words::{self, Swap};
use super::lists::ListEdits;
use super::ChangeSet;
use crate::error::{Error, Result};
use crate::fleet::{Cluster, Fleet, Placement, KUSTOMIZATION_NAMES};
use crate::paths::{self, to_slash};
use crate::yaml::{self, Kind as YamlKind, Node, Purpose};

/// Where a copy comes from: the nearest cluster that has the unit, and how it has it.
pub(super) struct Source<'a> {
    pub cluster: &'a Cluster,
    pub placement: &'a Placement,
    /// True when `cluster` comes before the target in promotion order.
    pub before: bool,
}

impl Source<'_> {
    /// Why this cluster was copied from, for the change's body.
    fn why(&self, target: &str) -> String {
        match self.before {
            true => format!("the nearest cluster before {target} in promotion order that has it"),
            false => format!(
                "no cluster before {target} in promotion order has it; the nearest after it does"
            ),
        }
    }
}

/// Copies the per-environment directory that `source` lists for `target`, and lists the copy.
/// False when the unit does not come into `source` that way; a refusal when it does but the
/// copy cannot be made safely.
pub(super) fn env_dir(
    fleet: &Fleet,
    name: &str,
    source: &Source,
    target: &Cluster,
    promoting: &[String],
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<bool> {
    let model = source.placement;
    let list = &model.file;
    if !KUSTOMIZATION_NAMES.iter().any(|n| list.ends_with(n)) {
        return Ok(false);
    }
    let dir = list.parent().unwrap_or(Path::new(""));
    let Some(unit) = model
        .chain
        .first()
        .and_then(|r| r.target().map(ToOwned::to_owned))
    else {
        return Ok(false);
    };
    let Some(rel) = unit
        .strip_prefix(dir)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
    else {
        return Ok(false);
    };
    // A list the target pulls in too is shared, not the source environment's own.
    if target.lists().any(|l| l.path == *list) {
        return Ok(false);
    }
    let Some(target_list) = environment_list(list, source.cluster, target) else {
        return Ok(false);
    };
    let target_dir = target_list.parent().unwrap_or(Path::new(""));
    if !is_environment(source.cluster, dir) || !is_environment(target, target_dir) {
        return Ok(false);
    }
    refuse_shared(fleet, name, target, &target_list, promoting)?;
    let from = file_name(dir);
    let to = file_name(target_dir);
    if dir.components().count() != target_dir.components().count() {
        return Err(Error::refused(format!(
            "{name} comes into {} as {}, listed by {}:{}; {}'s list in the same place is {}, at \
             another depth, so the copy's relative paths would point elsewhere. Nothing was \
             written: copy {} to {} by hand, fixing its `../` paths, and list it",
            source.cluster.name,
            to_slash(&unit),
            to_slash(list),
            model.line,
            target.name,
            to_slash(&target_list),
            to_slash(&unit),
            to_slash(&target_dir.join(rel)),
        )));
    }
    let swaps = vec![Swap {
        from: from.clone(),
        to: to.clone(),
    }];
    let copy = target_dir.join(swap_parts(rel, &swaps));
    let origin = format!(
        "{}'s {} ({})",
        source.cluster.name,
        to_slash(&unit),
        source.why(&target.name)
    );
    let planned = change
        .changes
        .iter()
        .any(|c| c.after().is_some_and(|(path, _)| path.starts_with(&copy)));
    let paragraph = if planned {
        // Another target reconciles the same environment directory: one copy serves both.
        format!(
            "{} gets {name} as {}, the copy made above.",
            target.name,
            to_slash(&copy)
        )
    } else if fleet.is_dir(&copy) || fleet.is_file(&copy) {
        change.notes.push(format!(
            "{} exists already but {} did not list it: listed as it is, nothing copied over it",
            to_slash(&copy),
            target.name
        ));
        format!(
            "{} gets {name} as {}, which was there but not listed.",
            target.name,
            to_slash(&copy)
        )
    } else {
        let copied = copy_tree(fleet, &unit, &copy, &swaps, change)?;
        change
            .notes
            .push(copied.describe(&from, &to, &to_slash(&copy)));
        format!(
            "{} gets {name} as {}, a copy of {origin}.",
            target.name,
            to_slash(&copy)
        )
    };
    add_paragraph(change, paragraph);
    lists.add(fleet, &target_list, &copy)?;
    Ok(true)
}

/// True when `dir` is `cluster`'s environment directory: one its Flux Kustomizations attach
/// (`path: ./apps/staging`), or named after the cluster. A directory the environments share
/// (`apps/_base`, reached through their lists) is not one, and is not copied.
fn is_environment(cluster: &Cluster, dir: &Path) -> bool {
    cluster.attachments.iter().any(|r| r.target() == Some(dir))
        || dir.file_name().is_some_and(|n| n == cluster.name.as_str())
}

/// Refuses to add to `list` when a cluster not being promoted to pulls it in too: it would get
/// `name` as well.
fn refuse_shared(
    fleet: &Fleet,
    name: &str,
    target: &Cluster,
    list: &Path,
    promoting: &[String],
) -> Result<()> {
    let others: Vec<&str> = fleet
        .clusters()
        .iter()
        .filter(|c| c.name != target.name && !promoting.contains(&c.name))
        .filter(|c| c.pulls_in(list))
        .map(|c| c.name.as_str())
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{}'s list for {name} is {}, which {} pull{} in too: listing {name} there would bring \
         it to {} as well, so nothing was written; promote it to {},{} together",
        target.name,
        to_slash(list),
        others.join(", "),
        if others.len() == 1 { "s" } else { "" },
        others.join(", "),
        target.name,
        others.join(","),
    )))
}

/// The target's list in the place of the source's `list`: the same path with the cluster's name
/// swapped, or else the only sibling environment directory's list the target pulls in
/// (`apps/production/kustomization.yaml` for `apps/staging/kustomization.yaml`).
fn environment_list(list: &Path, source: &Cluster, target: &Cluster) -> Option<PathBuf> {
    let own = |path: &Path| target.pulls_in(path);
    if let Some(found) =
        super::promote_discovered::counterpart(list, &source.name, Some(&source.dir), target)
    {
        if own(&found) {
            return Some(found);
        }
    }
    let dir = list.parent()?;
    let parent = dir.parent()?;
    let siblings: Vec<&Path> = target
        .lists()
        .filter(|l| !l.generated && l.path != list && l.path.file_name() == list.file_name())
        .map(|l| l.path.as_path())
        .filter(|p| p.parent().and_then(Path::parent) == Some(parent))
        .collect();
    match siblings.as_slice() {
        [one] => Some(one.to_path_buf()),
        _ => None,
    }
}

/// What [`copy_tree`] did.
#[derive(Default)]
struct Copied {
    /// Per copied file: its path and the lines rewritten.
    rewritten: Vec<(String, Vec<usize>)>,
    /// Per copied file: the lines that name the environment but were left (images).
    left: Vec<(String, Vec<usize>)>,
    /// Files copied byte for byte because they are encrypted.
    encrypted: Vec<String>,
}

impl Copied {
    fn describe(&self, from: &str, to: &str, copy: &str) -> String {
        let places = |files: &[(String, Vec<usize>)]| {
            files
                .iter()
                .map(|(file, lines)| format!("{file} ({})", line_numbers(lines)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = match self.rewritten.is_empty() {
            true => format!("{copy} is a byte-for-byte copy: nothing in it names {from}."),
            false => format!(
                "In {copy}, {from} became {to} where it names the environment as a whole word \
                 (paths and file names, names, namespaces, hosts): {}.",
                places(&self.rewritten)
            ),
        };
        if !self.left.is_empty() {
            out.push_str(&format!(
                " Left as they were, since an image is what a promotion carries: {}.",
                places(&self.left)
            ));
        }
        if !self.encrypted.is_empty() {
            out.push_str(&format!(
                " Copied unchanged because they are encrypted (SOPS): {}; re-encrypt them for \
                 {to} if its keys differ.",
                self.encrypted.join(", ")
            ));
        }
        if !self.rewritten.is_empty() || !self.left.is_empty() {
            out.push_str(" Review the copy before merging.");
        }
        out
    }
}

/// Plans the creation of a copy of `unit` (a file, or a directory with everything below it) at
/// `copy`, with `swaps` applied to paths and texts.
fn copy_tree(
    fleet: &Fleet,
    unit: &Path,
    copy: &Path,
    swaps: &[Swap],
    change: &mut ChangeSet,
) -> Result<Copied> {
    let mut files = Vec::new();
    if !fleet.is_dir(unit) && !fleet.is_file(unit) {
        return Err(Error::refused(format!(
            "{} does not exist, so there is no copy to make: nothing was written; fix the entry \
             that lists it, then promote again",
            to_slash(unit)
        )));
    }
    if fleet.is_dir(unit) {
        let mut pending = vec![PathBuf::new()];
        while let Some(rel) = pending.pop() {
            for (entry, is_dir) in fleet.entries(&unit.join(&rel))? {
                let path = rel.join(entry);
                match is_dir {
                    true => pending.push(path),
                    false => files.push(path),
                }
            }
        }
        files.sort();
    } else {
        files.push(PathBuf::new());
    }
    let mut copied = Copied::default();
    for rel in files {
        let from = unit.join(&rel);
        let to = match rel.as_os_str().is_empty() {
            true => copy.to_path_buf(),
            false => copy.join(swap_parts(&rel, swaps)),
        };
        let text = fleet.text(&from)?.ok_or_else(|| {
            Error::refused(format!(
                "{} could not be read to copy it: nothing was written",
                to_slash(&from)
            ))
        })?;
        let shown = to_slash(&to);
        if is_encrypted(&text) {
            copied.encrypted.push(shown);
            change.create(to, text.to_string())?;
            continue;
        }
        let out = env_words::rewrite(&text, swaps, |_| false);
        if !out.changed.is_empty() {
            copied.rewritten.push((shown.clone(), out.changed));
        }
        if !out.left.is_empty() {
            copied.left.push((shown, out.left));
        }
        change.create(to, out.text)?;
    }
    Ok(copied)
}

/// Copies the Flux Kustomization file that brings the unit into `source` (one component's file
/// in the cluster's directory) into `target`'s directory, and lists it there. False when the
/// unit does not come into `source` that way; a refusal when the copy cannot be made safely.
pub(super) fn flux_file(
    fleet: &Fleet,
    name: &str,
    source: &Source,
    target: &Cluster,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<bool> {
    let from_cluster = source.cluster;
    let Some(file) = component_file(from_cluster, source.placement, name) else {
        return Ok(false);
    };
    let Ok(rest) = file.strip_prefix(&from_cluster.dir) else {
        return Ok(false);
    };
    let copy = target.dir.join(rest);
    let copy_dir = copy.parent().unwrap_or(Path::new(""));
    let shown = to_slash(&copy);
    let what = format!(
        "{name} comes into {} through the Flux Kustomization in {}",
        from_cluster.name,
        to_slash(&file)
    );
    if fleet.is_file(&copy) || fleet.is_dir(&copy) {
        return Err(Error::refused(format!(
            "{what}; {shown} exists already but does not bring {name} into {}, so nothing was \
             written: look at what it holds, and move it aside or add {name} to it by hand",
            target.name
        )));
    }
    let reconciled = copy_dir == target.dir || target.lists().any(|l| l.dir() == copy_dir);
    if !reconciled {
        return Err(Error::refused(format!(
            "{what}; {} is not part of what {} reconciles, so a copy there would do nothing. \
             Nothing was written: copy the file by hand where {} picks it up",
            to_slash(copy_dir),
            target.name,
            target.name
        )));
    }
    let swaps = cluster_swaps(from_cluster, target);
    let text = fleet.text(&file)?.unwrap_or_default();
    let docs = yaml::parse(&file, &text, Purpose::Read)?;
    let pinned = substitute_lines(&docs);
    let rewritten = env_words::rewrite(&text, &swaps, |line| pinned.contains(&line));
    let docs = yaml::parse(&copy, &rewritten.text, Purpose::Read)?;
    let mut known: BTreeSet<&str> = target.flux.iter().map(|k| k.name.as_str()).collect();
    let copied_names: Vec<String> = flux_objects(&docs)
        .filter_map(|d| d.at_path(&["metadata", "name"]).and_then(Node::as_str))
        .map(String::from)
        .collect();
    known.extend(copied_names.iter().map(String::as_str));
    let pruned = prune_depends_on(&copy, &rewritten.text, &docs, &known)?;
    let final_docs = yaml::parse(&copy, &pruned.text, Purpose::Read)?;
    for doc in flux_objects(&final_docs) {
        check_path(fleet, &what, &shown, target, doc)?;
    }
    for doc in flux_objects(&final_docs) {
        warn_pinned_names(doc, &swaps, &shown, target, change);
    }
    change.create(copy.clone(), pruned.text)?;
    if let Some(list) = target.lists().find(|l| !l.generated && l.dir() == copy_dir) {
        lists.add(fleet, &list.path, &copy)?;
    }
    add_paragraph(
        change,
        format!(
            "{} gets {name} through {shown}, a copy of {}'s {} ({}).",
            target.name,
            from_cluster.name,
            to_slash(&file),
            source.why(&target.name)
        ),
    );
    let mut note = match rewritten.changed.is_empty() {
        true => format!("{shown} is a byte-for-byte copy of {}", to_slash(&file)),
        false => format!(
            "In {shown}, {} where {} named as a whole word (spec.path, names, comments): {}",
            swaps
                .iter()
                .map(|s| format!("{} became {}", s.from, s.to))
                .collect::<Vec<_>>()
                .join(", "),
            match swaps.len() {
                1 => "it is",
                _ => "they are",
            },
            line_numbers(&rewritten.changed)
        ),
    };
    note.push_str("; postBuild.substitute kept as it is (the pins this promotion carries)");
    if !pruned.dropped.is_empty() {
        note.push_str(&format!(
            "; dependsOn {} dropped: {} has no Flux Kustomization of that name (promote it \
             first, then add it back)",
            pruned.dropped.join(", "),
            target.name
        ));
    }
    if !pruned.kept.is_empty() {
        note.push_str(&format!("; dependsOn {} kept", pruned.kept.join(", ")));
    }
    note.push('.');
    change.notes.push(note);
    Ok(true)
}

/// The Flux Kustomization file of `cluster`'s own that brings `name` in by `placement`: one
/// component's file in the cluster's directory (`clusters/staging/podinfo.yaml`), not a layer's
/// (`apps.yaml` attaching `./apps/staging`). `None` when the placement comes otherwise.
pub(super) fn component_file(
    cluster: &Cluster,
    placement: &Placement,
    name: &str,
) -> Option<PathBuf> {
    let file = match cluster.flux.iter().any(|k| k.file == placement.file) {
        true => placement.file.clone(),
        false => {
            let dir = placement.file.parent()?;
            cluster
                .attachments
                .iter()
                .find(|r| r.target() == Some(dir))?
                .file
                .to_path_buf()
        }
    };
    if !file.starts_with(&cluster.dir) {
        return None;
    }
    let own = cluster.flux.iter().filter(|k| k.file == file).any(|k| {
        k.name == name
            || k.name.starts_with(&format!("{name}-"))
            || k.path
                .as_ref()
                .and_then(|p| p.target())
                .is_some_and(|t| t.components().any(|c| c.as_os_str() == name))
    });
    own.then_some(file)
}

/// The names that tell `source`'s Flux Kustomizations from `target`'s: the cluster names, and
/// every pair of path parts in which the paths of two Flux Kustomizations of the same name
/// differ alone (`./config/test` and `./config/production`).
fn cluster_swaps(source: &Cluster, target: &Cluster) -> Vec<Swap> {
    let mut swaps: Vec<Swap> = Vec::new();
    let mut push = |from: &str, to: &str| {
        if from != to && !swaps.iter().any(|s| s.from == from) {
            swaps.push(Swap {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
    };
    push(&source.name, &target.name);
    for ours in &source.flux {
        let Some(theirs) = target.flux.iter().find(|k| k.name == ours.name) else {
            continue;
        };
        let parts = |k: &crate::fleet::FluxKustomization| -> Option<Vec<String>> {
            let target = k.path.as_ref()?.target()?;
            Some(
                target
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect(),
            )
        };
        let (Some(a), Some(b)) = (parts(ours), parts(theirs)) else {
            continue;
        };
        if a.len() != b.len() {
            continue;
        }
        let differ: Vec<(&String, &String)> = a.iter().zip(&b).filter(|(x, y)| x != y).collect();
        if let [(from, to)] = differ.as_slice() {
            push(from, to);
        }
    }
    swaps
}

/// The Flux Kustomization documents among `docs`.
fn flux_objects(docs: &[yaml::Document]) -> impl Iterator<Item = &Node> {
    docs.iter()
        .map(|d| &d.root)
        .filter(|d| crate::fleet::is_flux_kustomization(d))
}

/// The lines of `postBuild.substitute` entries, which are copied as they are.
fn substitute_lines(docs: &[yaml::Document]) -> BTreeSet<usize> {
    let mut lines = BTreeSet::new();
    for doc in flux_objects(docs) {
        if let Some(Node {
            kind: YamlKind::Map { pairs, .. },
            ..
        }) = doc.at_path(&["spec", "postBuild", "substitute"])
        {
            for (key, value) in pairs {
                lines.extend(key.line..=value.line.max(key.line));
            }
        }
    }
    lines
}

/// Warns about substitutions, kept as they are, whose values name the source cluster.
fn warn_pinned_names(
    doc: &Node,
    swaps: &[Swap],
    shown: &str,
    target: &Cluster,
    change: &mut ChangeSet,
) {
    let Some(Node {
        kind: YamlKind::Map { pairs, .. },
        ..
    }) = doc.at_path(&["spec", "postBuild", "substitute"])
    else {
        return;
    };
    for (key, value) in pairs {
        let (Some(key), Some(value)) = (key.as_str(), value.as_str()) else {
            continue;
        };
        if env_words::names_any(value, swaps) {
            change.warnings.push(format!(
                "{shown}:{}: postBuild.substitute {key}: {value} was kept as every substitution \
                 is, but it names {}: change it if {} needs its own value",
                doc.at_path(&["spec", "postBuild", "substitute", key])
                    .map_or(0, |n| n.line),
                swaps
                    .iter()
                    .map(|s| s.from.as_str())
                    .collect::<Vec<_>>()
                    .join("/"),
                target.name
            ));
        }
    }
}

/// Refuses a copied Flux Kustomization whose `spec.path` (from this repository) does not exist.
fn check_path(fleet: &Fleet, what: &str, shown: &str, target: &Cluster, doc: &Node) -> Result<()> {
    let git = doc
        .at_path(&["spec", "sourceRef", "kind"])
        .and_then(Node::as_str)
        .is_none_or(|k| k == "GitRepository");
    let Some(path) = doc.at_path(&["spec", "path"]) else {
        return Ok(());
    };
    let Some(written) = path.as_str().filter(|_| git) else {
        return Ok(());
    };
    let dir = paths::from_source_root(written);
    if dir.as_deref().is_some_and(|d| fleet.is_dir(d)) {
        return Ok(());
    }
    let missing = dir.as_deref().map_or(written.to_string(), to_slash);
    Err(Error::refused(format!(
        "{what}; its copy {shown} would have spec.path {written} (line {}), which does not exist: \
         {} has no counterpart of what the original points at. Nothing was written: create \
         {missing} for {} first (a copy of the original's, say), then promote again",
        path.line, target.name, target.name
    )))
}

/// A text with `dependsOn` entries on names the target lacks removed.
struct Pruned {
    text: String,
    dropped: Vec<String>,
    kept: Vec<String>,
}

/// Removes, from each Flux Kustomization's block `dependsOn`, the entries whose name is not in
/// `known`, each with its lines, and the key itself when none is left.
fn prune_depends_on(
    path: &Path,
    text: &str,
    docs: &[yaml::Document],
    known: &BTreeSet<&str>,
) -> Result<Pruned> {
    // The parse read past a byte order mark: positions are the body's.
    let bom = match text.starts_with('\u{feff}') {
        true => '\u{feff}'.len_utf8(),
        false => 0,
    };
    let body = text.get(bom..).unwrap_or("");
    let lines = yaml::Lines::new(body);
    let mut splices = Vec::new();
    let (mut dropped, mut kept) = (Vec::new(), Vec::new());
    for doc in flux_objects(docs) {
        let Some(spec) = doc.get("spec") else {
            continue;
        };
        let (Some(key), Some(list)) = (spec.key("dependsOn"), spec.get("dependsOn")) else {
            continue;
        };
        let items = list.items();
        let names: Vec<Option<&str>> = items
            .iter()
            .map(|i| i.get("name").and_then(Node::as_str))
            .collect();
        let unknown: Vec<usize> = (0..items.len())
            .filter(|i| !names[*i].is_some_and(|n| known.contains(n)))
            .collect();
        kept.extend(
            names
                .iter()
                .flatten()
                .filter(|n| known.contains(**n))
                .map(|n| n.to_string()),
        );
        if unknown.is_empty() {
            continue;
        }
        let leaving: Vec<&str> = unknown.iter().map(|i| names[*i].unwrap_or("?")).collect();
        let emptied = yaml::Emptied::Key;
        let removed = yaml::remove_entries(path, &lines, key, list, &unknown, emptied);
        let removed = removed.map_err(|_| {
            Error::refused(format!(
                "{}:{}: dependsOn is written in a form fluxfleet does not edit, and {} must \
                 leave it: nothing was written; write it as a block list (`- name: ...`)",
                to_slash(path),
                key.line,
                leaving.join(", ")
            ))
        })?;
        splices.extend(removed);
        dropped.extend(leaving.iter().map(|n| n.to_string()));
    }
    let edited = yaml::apply_splices(body, &splices).ok_or_else(|| {
        Error::refused(format!(
            "{}: removing dependsOn entries does not fit the text; nothing was written",
            to_slash(path)
        ))
    })?;
    Ok(Pruned {
        text: format!("{}{edited}", text.get(..bom).unwrap_or("")),
        dropped,
        kept,
    })
}

/// `rel` with the words of `swaps` rewritten in each part, as in the texts that name it
/// (`gcp-account.yaml` listed as `prod-account.yaml` is copied under that name).
fn swap_parts(rel: &Path, swaps: &[Swap]) -> PathBuf {
    rel.components()
        .map(|c| env_words::swap_words(&c.as_os_str().to_string_lossy(), swaps))
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// True for a file SOPS encrypted: rewriting it would break its MAC.
fn is_encrypted(text: &str) -> bool {
    text.contains("ENC[") && text.lines().any(|l| l.starts_with("sops:"))
}

/// `line 3` or `lines 3, 9`.
fn line_numbers(numbers: &[usize]) -> String {
    let list = numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match numbers.len() {
        1 => format!("line {list}"),
        _ => format!("lines {list}"),
    }
}

fn add_paragraph(change: &mut ChangeSet, paragraph: String) {
    if !change.body.is_empty() {
        change.body.push_str("\n\n");
    }
    change.body.push_str(&paragraph);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pruned(text: &str, known: &[&str]) -> Result<Pruned> {
        let path = Path::new("clusters/prod/podinfo.yaml");
        let docs = yaml::parse(path, text, Purpose::Read).map_err(Error::from)?;
        let known: BTreeSet<&str> = known.iter().copied().collect();
        prune_depends_on(path, text, &docs, &known)
    }

    const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n\
                      metadata:\n  name: podinfo\nspec:\n";

    #[test]
    fn depends_on_keeps_what_the_target_has_and_drops_the_rest_with_their_lines() {
        let text = format!(
            "{KS}  dependsOn:\n    - name: infra\n    - name: redis\n      namespace: apps\n  \
             path: ./apps/podinfo\n"
        );
        let out = pruned(&text, &["infra"]).unwrap();
        assert_eq!(
            out.text,
            format!("{KS}  dependsOn:\n    - name: infra\n  path: ./apps/podinfo\n")
        );
        assert_eq!(out.dropped, ["redis"]);
        assert_eq!(out.kept, ["infra"]);
    }

    #[test]
    fn depends_on_goes_when_nothing_is_left() {
        let text = format!("{KS}  dependsOn:\n  - name: redis\n  path: ./apps/podinfo\n");
        let out = pruned(&text, &[]).unwrap();
        assert_eq!(out.text, format!("{KS}  path: ./apps/podinfo\n"));
    }

    #[test]
    fn a_flow_depends_on_that_must_change_is_refused() {
        let text = format!("{KS}  dependsOn: [{{name: redis}}]\n");
        let err = pruned(&text, &[]).err().unwrap().to_string();
        assert!(err.contains("clusters/prod/podinfo.yaml:6"), "{err}");
        assert!(pruned(&text, &["redis"]).is_ok());
    }

    #[test]
    fn encrypted_files_are_told_by_their_sops_block() {
        assert!(is_encrypted(
            "data:\n  a: ENC[AES256_GCM,data:x]\nsops:\n  mac: y\n"
        ));
        assert!(!is_encrypted("data:\n  a: plain\n"));
    }

    #[test]
    fn path_parts_are_rewritten_as_the_texts_naming_them_are() {
        let swaps = [Swap {
            from: "staging".into(),
            to: "production".into(),
        }];
        assert_eq!(
            swap_parts(Path::new("jenkins/staging/values.yaml"), &swaps),
            Path::new("jenkins/production/values.yaml")
        );
        assert_eq!(
            swap_parts(Path::new("staging-db.yaml"), &swaps),
            Path::new("production-db.yaml")
        );
        assert_eq!(
            swap_parts(Path::new("stagingdb.yaml"), &swaps),
            Path::new("stagingdb.yaml")
        );
    }
}

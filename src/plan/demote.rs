//! `demote`: remove an app's, a namespace's or a controller's references from clusters;
//! absence is absence. The definition stays, with one exception the help states: a namespace
//! that reaches a cluster through a set holding others leaves the set for its own directory
//! (its manifest moves), since the cluster keeps importing the set for the others.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{Error, Result};
use crate::fleet::{ByCluster, Fleet, Layout, Placement, Through};
use crate::paths::{resolve, to_slash};
use crate::plan::lists::patched::{self, Selector, PATCHES, STRATEGIC};
use crate::plan::lists::ListEdits;
use crate::plan::relocate::{self, Destination};
use crate::plan::subject::{self, Kind};
use crate::plan::{branch_for, ChangeSet};
use crate::render::Templates;

/// What `demote` was asked for.
#[derive(Debug, Clone)]
pub struct DemoteOptions {
    /// What the name is in the fleet ([`subject::resolve`]).
    pub kind: Kind,
    pub name: String,
    /// The clusters to remove it from, known to the fleet.
    pub from: Vec<String>,
}

/// Plans the demotion.
pub fn plan(fleet: &Fleet, templates: &Templates, options: &DemoteOptions) -> Result<ChangeSet> {
    let kind = options.kind;
    let from = options.from.as_slice();
    let name = &options.name;
    if kind == Kind::Policy {
        return Err(crate::plan::promote_policy::not_demoted(name));
    }
    let placements = fleet.placements_of(kind, name).unwrap_or_default();
    let mut change = ChangeSet::default();
    let mut lists = ListEdits::new();
    let mut demoted = Vec::new();
    let mut split = false;
    for cluster in from {
        let Some(here) = placements.get(cluster).filter(|p| !p.is_empty()) else {
            change.notes.push(format!(
                "{cluster} does not have {} {name}: skipped",
                kind.noun()
            ));
            continue;
        };
        if let Some(common) = here.iter().find(|p| p.through == Through::Common) {
            return Err(refuse_common(fleet, kind, name, cluster, common));
        }
        for placement in here {
            if arrives_with_others(fleet, placement) {
                // The set stays imported for its other namespaces; this one leaves it below.
                split = true;
                continue;
            }
            if fleet.layout() == Layout::Discovered {
                refuse_shared_list(fleet, name, cluster, placement, from)?;
            }
            if fleet.layout() != Layout::Fluxfleet {
                refuse_without_a_list(name, cluster, placement)?;
            }
            let dir = placement.file.parent().unwrap_or(Path::new(""));
            if let Some(target) = resolve(dir, &placement.via) {
                // Patches first: a refusal then names their lines as the file has them.
                if fleet.layout() == Layout::Discovered {
                    drop_patches_of(fleet, &mut lists, &placement.file, &target, &mut change)?;
                }
                lists.remove(fleet, &placement.file, &target)?;
            }
        }
        demoted.push(cluster.clone());
    }
    if split {
        split_from_set(fleet, templates, name, from, &mut change, &mut lists)?;
    }
    if kind == Kind::Namespace {
        warn_apps_left_behind(fleet, name, &demoted, &mut change)?;
        warn_controllers_left_behind(fleet, name, &demoted, &mut change)?;
    }
    lists.finish(&mut change)?;
    if !demoted.is_empty() {
        change.warnings.push(prune_warning(kind, name, &demoted));
    }
    let remaining: Vec<&String> = placements.keys().filter(|c| !demoted.contains(c)).collect();
    if !demoted.is_empty() && remaining.is_empty() {
        change.notes.push(format!(
            "No cluster references {} {name} any more; its definition stays (delete it by hand \
             if it is gone for good).",
            kind.noun()
        ));
    }
    let shown = if demoted.is_empty() { from } else { &demoted };
    change.summary = format!("demote {name} from {}", shown.join(", "));
    let every = fleet.cluster_names();
    change.branch = branch_for("demote", kind.word(), name, "from", shown, &every);
    Ok(change)
}

/// What leaving a cluster's lists means: Flux's Kustomizations prune, so it is deleted there.
fn prune_warning(kind: Kind, name: &str, demoted: &[String]) -> String {
    format!(
        "Flux prunes what leaves a cluster (prune: true): once it syncs this change, {} {name} is \
         deleted from {}{}",
        kind.noun(),
        demoted.join(", "),
        match kind {
            Kind::Namespace => ", with everything that runs in it",
            _ => ", with the objects it made there",
        }
    )
}

/// Takes namespace `name` out of a set that holds others: it gets its own directory (a git
/// rename), imported by the clusters that keep it; the clusters it leaves keep the set.
fn split_from_set(
    fleet: &Fleet,
    templates: &Templates,
    name: &str,
    from: &[String],
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<()> {
    let namespace = fleet
        .namespace(name)
        .ok_or_else(|| subject::unknown_namespace(fleet, name))?;
    let keepers: Vec<String> = fleet
        .namespace_placements(name)
        .into_iter()
        .filter(|(cluster, p)| {
            !from.contains(cluster) && p.iter().any(|p| matches!(p.through, Through::Set(_)))
        })
        .map(|(cluster, _)| cluster)
        .collect();
    let planned = relocate::Move {
        namespace,
        destination: Destination::OwnDir,
        reimport: false,
        importers: keepers.clone(),
    };
    let relocation = relocate::relocate(fleet, templates, &planned, change, lists)?;
    let others: Vec<&str> = fleet
        .set(&namespace.set)
        .map(|s| {
            s.namespaces
                .iter()
                .map(String::as_str)
                .filter(|n| *n != name)
                .collect()
        })
        .unwrap_or_default();
    change.notes.push(format!(
        "Namespace {name} left set {} for its own directory {}{}: the set stays imported for \
         its other namespaces ({}), so demoting {name} moves its manifest out of it.",
        namespace.set,
        to_slash(&relocation.new_dir),
        match keepers.is_empty() {
            true => String::new(),
            false => format!(", imported by {}", keepers.join(", ")),
        },
        others.join(", ")
    ));
    Ok(())
}

/// Warns about apps that deploy into namespace `name` in clusters it is leaving.
fn warn_apps_left_behind(
    fleet: &Fleet,
    name: &str,
    demoted: &[String],
    change: &mut ChangeSet,
) -> Result<()> {
    fleet.read_every_app()?;
    for app in fleet.apps() {
        if fleet.app_manifests(app)?.namespace.as_deref() != Some(name) {
            continue;
        }
        let placements = fleet.app_placements(&app.name);
        let stranded = stranded(demoted, &placements);
        if !stranded.is_empty() {
            change.warnings.push(format!(
                "{} still deploys into namespace {name} in {}: demote it too (`fluxfleet demote \
                 app {} --from {}`), or its manifests will fail to apply there",
                app.name,
                stranded.join(", "),
                app.name,
                stranded.join(",")
            ));
        }
    }
    Ok(())
}

/// Warns about controllers that install into namespace `name` in clusters it is leaving.
fn warn_controllers_left_behind(
    fleet: &Fleet,
    name: &str,
    demoted: &[String],
    change: &mut ChangeSet,
) -> Result<()> {
    for controller in fleet.controllers() {
        if fleet.controller_namespace(controller)?.as_deref() != Some(name) {
            continue;
        }
        let placements = fleet.controller_placements(&controller.name);
        let stranded = stranded(demoted, &placements);
        if !stranded.is_empty() {
            change.warnings.push(format!(
                "controller {} still installs into namespace {name} in {}: demote it too \
                 (`fluxfleet demote controller {} --from {}`), or it will fail to install there",
                controller.name,
                stranded.join(", "),
                controller.name,
                stranded.join(",")
            ));
        }
    }
    Ok(())
}

/// True when the reference that brings the thing also brings other things every importing
/// cluster relies on: the common sets, or a named set holding other namespaces.
fn arrives_with_others(fleet: &Fleet, placement: &Placement) -> bool {
    match &placement.through {
        Through::Common => true,
        Through::Set(set) => fleet.set(set).is_some_and(|s| s.namespaces.len() > 1),
        _ => false,
    }
}

fn refuse_common(
    fleet: &Fleet,
    kind: Kind,
    name: &str,
    cluster: &str,
    placement: &Placement,
) -> Error {
    let place = format!("{}:{}", to_slash(&placement.file), placement.line);
    let others: Vec<String> = fleet
        .cluster_names()
        .into_iter()
        .filter(|c| c != cluster)
        .collect();
    let (set, flag) = match kind {
        Kind::App => ("apps/common", "app"),
        Kind::Namespace => ("infrastructure/namespaces/common", "ns"),
        // Controllers have no common set; named for completeness.
        Kind::Controller => ("infrastructure/controllers", "controller"),
        Kind::Policy => ("infrastructure/policies/kyverno/shared", "policy"),
    };
    Error::refused(format!(
        "{} {name} reaches {cluster} through the common set {set} ({place}), which every \
         cluster imports; it cannot be taken out of one cluster.\nEither keep it common, or \
         take it out of {set} by hand and then run `fluxfleet promote {flag} {name} --to {}`",
        kind.noun(),
        others.join(",")
    ))
}

/// In a layout other than the article's, a list may be pulled in by several clusters
/// (`infrastructure/base/addons` under every environment's overlay): removing `name` from it
/// would remove it from each of them. Refuses when a cluster not in `from` pulls the list in.
fn refuse_shared_list(
    fleet: &Fleet,
    name: &str,
    cluster: &str,
    placement: &Placement,
    from: &[String],
) -> Result<()> {
    let others: Vec<&str> = fleet
        .clusters()
        .iter()
        .filter(|c| c.name != cluster && !from.contains(&c.name))
        .filter(|c| c.pulls_in(&placement.file))
        .map(|c| c.name.as_str())
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{name} comes into {cluster} through {}:{} ({}), a list {} pull{} in too: removing it \
         there would take it from {} as well, so nothing was written. To take it from \
         {cluster} alone, give {cluster} a list of its own (an overlay that patches it out, or \
         its own copy of the list); or demote it from {cluster},{} together",
        to_slash(&placement.file),
        placement.line,
        placement.via,
        others.join(", "),
        if others.len() == 1 { "s" } else { "" },
        others.join(", "),
        others.join(","),
    )))
}

/// In a layout other than the article's, a unit may come in because Flux applies a whole
/// directory (a Flux Kustomization's path with no kustomization there): no list names it, so
/// there is no entry to remove. Refuses, rather than saying there is nothing to do.
fn refuse_without_a_list(name: &str, cluster: &str, placement: &Placement) -> Result<()> {
    let is_list = placement
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| crate::fleet::KUSTOMIZATION_NAMES.contains(&n));
    if is_list {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{name} ({}) comes into {cluster} because the Flux Kustomization at {}:{} applies \
         every manifest under its path, and no kustomization there lists what it applies: \
         there is no entry that could leave {name} out, so nothing was written. To take it \
         from {cluster}, give that directory a kustomization.yaml listing what {cluster} \
         runs, or move {name} out of it",
        placement.via,
        to_slash(&placement.file),
        placement.line,
    )))
}

/// The patches of `list` that patch only what `removed` brought (the entry that leaves it next):
/// kustomize refuses a list whose patch matches nothing, so they leave the list with it (their
/// files stay, for a promotion back). A `patchesStrategicMerge` entry, and a `patches` entry
/// whose objects are sure ([`patched::selectors_of_entry`]); another is left for the render
/// gate to judge.
fn drop_patches_of(
    fleet: &Fleet,
    lists: &mut ListEdits,
    list: &Path,
    removed: &Path,
    change: &mut ChangeSet,
) -> Result<()> {
    let strategic = lists.entries_of(fleet, list, STRATEGIC)?;
    let entries = lists.map_entries_of(fleet, list, PATCHES)?;
    if strategic.is_empty() && entries.is_empty() {
        return Ok(());
    }
    let dir = list.parent().unwrap_or(Path::new(""));
    let gone = patched::objects_of(fleet, removed, 0)?;
    let mut staying = BTreeSet::new();
    for entry in lists.entries_of(fleet, list, "resources")? {
        if let Some(target) = resolve(dir, &entry).filter(|t| t != removed) {
            staying.extend(patched::objects_of(fleet, &target, 0)?);
        }
    }
    let only_gone = |selectors: &[Selector]| patched::only_in(selectors, &gone, &staying);
    let names = |selectors: &[Selector]| -> String {
        gone.iter()
            .filter(|o| selectors.iter().any(|s| s.matches(o)))
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for patch in strategic {
        let Some(path) = resolve(dir, &patch) else {
            continue;
        };
        let selectors = patched::selectors_in(fleet, &path)?;
        if only_gone(&selectors) && lists.remove_entry(fleet, list, STRATEGIC, &patch)? {
            change.notes.push(dropped_note(
                list,
                &format!("the patch {patch}"),
                &names(&selectors),
                true,
            ));
        }
    }
    // From the last, so that the places of those before stay as they were read.
    let mut notes = Vec::new();
    for entry in entries.iter().rev() {
        let selectors = patched::selectors_of_entry(fleet, dir, &entry.value)?;
        if !only_gone(&selectors) {
            continue;
        }
        lists.remove_map_entry(fleet, list, PATCHES, entry.index)?;
        let (what, file) = match entry.value["path"].as_str() {
            Some(path) => (format!("the patch {path}"), true),
            None => (format!("its inline patch (line {})", entry.line), false),
        };
        notes.push(dropped_note(list, &what, &names(&selectors), file));
    }
    change.notes.extend(notes.into_iter().rev());
    Ok(())
}

/// The note that `list` no longer lists a patch of what left it.
fn dropped_note(list: &Path, what: &str, names: &str, file: bool) -> String {
    format!(
        "{} no longer lists {what}: it patched only {names}, which left with the entry{}",
        to_slash(list),
        match file {
            true => " (the file stays)",
            false => "",
        }
    )
}

/// The demoted clusters where something placed by `placements` stays behind.
fn stranded<'d>(demoted: &'d [String], placements: &ByCluster) -> Vec<&'d str> {
    demoted
        .iter()
        .filter(|c| placements.contains_key(*c))
        .map(String::as_str)
        .collect()
}

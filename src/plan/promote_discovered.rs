//! `promote` on a layout other than the article's: each target gets what brings the unit into
//! the nearest cluster that has it, in the same form (an entry of a list the clusters share the
//! shape of, with the patches the model's list applies to it), or a copy ([`promote_copy`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fleet::{ByCluster, Cluster, Fleet, Layout, KUSTOMIZATION_NAMES};
use crate::paths::{resolve, to_slash};
use crate::plan::lists::patched::{self, Selector, PATCHES, STRATEGIC};
use crate::plan::lists::ListEdits;
use crate::plan::promote_copy;
use crate::plan::subject::{self, Kind};
use crate::plan::ChangeSet;

/// Promotes `name` in a layout other than the article's: each target gets what brings it into
/// the nearest cluster that has it, in the same form. An entry in a list the clusters share the
/// shape of is written in the target's counterpart of that list (`apps/prod/kustomization.yaml`
/// for `apps/dev/kustomization.yaml`, `clusters/prod/...` for `clusters/dev/...`); a
/// per-environment directory or a Flux Kustomization file of the cluster's own is copied for
/// the target ([`promote_copy`]). Where none of these fits, refuses saying what was understood.
pub(super) fn promote_discovered(
    fleet: &Fleet,
    kind: Kind,
    name: &str,
    targets: &[String],
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<Vec<String>> {
    let placements = match kind {
        Kind::App => fleet.app_placements(name),
        Kind::Controller => fleet.controller_placements(name),
        Kind::Namespace => {
            return Err(Error::refused(format!(
                "in this repository's layout a namespace comes with what holds its Namespace \
                 manifest: promote that (`fluxfleet where {name}` shows it)"
            )))
        }
        Kind::Policy => fleet.policy_placements(name),
    };
    if !placements.values().any(|p| !p.is_empty()) {
        return Err(subject::unknown_app(fleet, name));
    }
    let mut promoted = Vec::new();
    for cluster_name in targets {
        if let Some(p) = placements.get(cluster_name).and_then(|p| p.first()) {
            change.notes.push(format!(
                "{cluster_name} already has {name} through {}:{}: skipped",
                to_slash(&p.file),
                p.line
            ));
            continue;
        }
        let Some(cluster) = fleet.cluster(cluster_name) else {
            continue;
        };
        let Some(source) = nearest(fleet, &placements, cluster_name) else {
            continue;
        };
        let (model_cluster, model) = (source.cluster.name.as_str(), source.placement);
        let Some(target) = model
            .chain
            .first()
            .and_then(|r| r.target().map(ToOwned::to_owned))
        else {
            return Err(Error::refused(format!(
                "{name} comes into {model_cluster} from a remote entry ({}:{}): add it by hand",
                to_slash(&model.file),
                model.line
            )));
        };
        if promote_copy::env_dir(fleet, name, &source, cluster, targets, change, lists)? {
            promoted.push(cluster_name.clone());
            continue;
        }
        if promote_copy::flux_file(fleet, name, &source, cluster, change, lists)? {
            promoted.push(cluster_name.clone());
            continue;
        }
        let model_dir = Some(source.cluster.dir.as_path());
        // What the model cluster references may be its own (`apps/gcp/kafka`) without a list of
        // the target's in the same place to copy it into.
        if target.components().any(|c| c.as_os_str() == model_cluster)
            || model_dir.is_some_and(|d| target.starts_with(d))
        {
            return Err(Error::refused(format!(
                "{name} comes into {model_cluster} as {}, a directory of {model_cluster}'s own \
                 ({}:{}): {cluster_name} needs its own copy, but it has no list beside that one \
                 (a sibling environment directory with a kustomization.yaml) to put the copy in \
                 and list it, so nothing was written; copy it for {cluster_name} and list the \
                 copy by hand",
                to_slash(&target),
                to_slash(&model.file),
                model.line
            )));
        }
        let counterpart = counterpart(&model.file, model_cluster, model_dir, cluster);
        // A kustomization file the cluster pulls in, not one a Flux Kustomization stands for.
        let list = counterpart.filter(|path| {
            KUSTOMIZATION_NAMES.iter().any(|n| path.ends_with(n)) && cluster.pulls_in(path)
        });
        let Some(list) = list else {
            return Err(Error::refused(format!(
                "{name} comes into {model_cluster} through {}:{} ({}); {cluster_name} has no \
                 list in the same place to add it to, so nothing was written: add the entry \
                 by hand, or copy what brings it into {model_cluster}",
                to_slash(&model.file),
                model.line,
                model.via
            )));
        };
        // Patches first: a refusal then names their lines as the file has them.
        relist_patches(fleet, lists, &model.file, &list, &target, change)?;
        lists.add(fleet, &list, &target)?;
        promoted.push(cluster_name.clone());
    }
    Ok(promoted)
}

/// The patches of the model's list that patch only what `target` brings come with it into the
/// target's list, where that list's directory has a file of the same name (one a demote left
/// behind); without one, a note says the unit arrives unpatched. A `patchesStrategicMerge`
/// entry is listed by name; a `patches` entry (`- path: F`, a `target:` with it) is copied as
/// the model writes it, re-indented to the target's list.
fn relist_patches(
    fleet: &Fleet,
    lists: &mut ListEdits,
    model: &Path,
    list: &Path,
    target: &Path,
    change: &mut ChangeSet,
) -> Result<()> {
    let model_dir = model.parent().unwrap_or(Path::new(""));
    let list_dir = list.parent().unwrap_or(Path::new(""));
    let brought = patched::objects_of(fleet, target, 0)?;
    let none = BTreeSet::new();
    let only_brought = |selectors: &[Selector]| patched::only_in(selectors, &brought, &none);
    for patch in lists.entries_of(fleet, model, STRATEGIC)? {
        let Some(path) = resolve(model_dir, &patch) else {
            continue;
        };
        if !only_brought(&patched::selectors_in(fleet, &path)?) {
            continue;
        }
        let Some(own) = resolve(list_dir, &patch) else {
            continue;
        };
        if fleet.text(&own)?.is_none() {
            change.notes.push(unpatched_note(model, &patch, list_dir));
        } else if lists.add_entry(fleet, list, STRATEGIC, &patch)? {
            change.notes.push(relisted_note(list, &patch, model));
        }
    }
    for entry in lists.map_entries_of(fleet, model, PATCHES)? {
        let selectors = patched::selectors_of_entry(fleet, model_dir, &entry.value)?;
        if !only_brought(&selectors) {
            continue;
        }
        let Some(patch) = entry.value["path"].as_str() else {
            change.notes.push(format!(
                "{} also patches what it brings with an inline patch (line {}); fluxfleet \
                 copies only patches kept in files, so {} lists none: copy it there by hand if \
                 it is needed",
                to_slash(model),
                entry.line,
                to_slash(list),
            ));
            continue;
        };
        let Some(own) = resolve(list_dir, patch) else {
            continue;
        };
        if fleet.text(&own)?.is_none() {
            change.notes.push(unpatched_note(model, patch, list_dir));
            continue;
        }
        let listed = lists
            .map_entries_of(fleet, list, PATCHES)?
            .iter()
            .filter_map(|e| e.value["path"].as_str().and_then(|p| resolve(list_dir, p)))
            .any(|p| p == own);
        if !listed {
            let written = lists.map_entry_text(fleet, model, PATCHES, entry.index)?;
            lists.add_map_entry(fleet, list, PATCHES, &written)?;
            change.notes.push(relisted_note(list, patch, model));
        }
    }
    Ok(())
}

/// The note that `list` lists its own copy of a patch again.
fn relisted_note(list: &Path, patch: &str, model: &Path) -> String {
    format!(
        "{} lists its patch {patch} again, as {} does",
        to_slash(list),
        to_slash(model)
    )
}

/// The note that the target has no file of a patch the model applies.
fn unpatched_note(model: &Path, patch: &str, list_dir: &Path) -> String {
    format!(
        "{} patches what it brings with {patch}; {} has no such file, so it arrives unpatched \
         there",
        to_slash(model),
        to_slash(list_dir)
    )
}

/// True when an app of a repository read by the article's paths comes into a cluster the way
/// other layouts bring it: through a Flux Kustomization file of the cluster's own
/// (`clusters/staging/podinfo.yaml`), or, the repository using the article's definition paths
/// without its cluster lists, a target has no app list to add it to. The target then gets it
/// as the clusters that have it do.
pub(super) fn by_flux_paths(fleet: &Fleet, kind: Kind, name: &str, targets: &[String]) -> bool {
    if kind != Kind::App || fleet.layout() == Layout::Discovered {
        return false;
    }
    let listless = fleet.layout() == Layout::Other
        && targets
            .iter()
            .any(|t| fleet.cluster(t).is_some_and(|c| c.apps_list.is_none()));
    listless
        || fleet.app_placements(name).iter().any(|(c, placements)| {
            fleet.cluster(c).is_some_and(|cluster| {
                placements
                    .iter()
                    .any(|p| promote_copy::component_file(cluster, p, name).is_some())
            })
        })
}

/// The cluster `target` takes `placements`' unit from: the nearest before it in promotion order
/// that has it, else the nearest after it.
fn nearest<'f>(
    fleet: &'f Fleet,
    placements: &'f ByCluster,
    target: &str,
) -> Option<promote_copy::Source<'f>> {
    let order = fleet.cluster_names();
    let at = order.iter().position(|c| c == target)?;
    let having = |names: Vec<&String>| {
        names.into_iter().find_map(|c| {
            let placement = placements.get(c).and_then(|p| p.first())?;
            Some((fleet.cluster(c)?, placement))
        })
    };
    let (found, before) = match having(order[..at].iter().rev().collect()) {
        Some(found) => (found, true),
        None => (having(order[at + 1..].iter().collect())?, false),
    };
    Some(promote_copy::Source {
        cluster: found.0,
        placement: found.1,
        before,
    })
}

/// Where `cluster` keeps what `model_cluster` keeps in `file`: the same path with the model
/// cluster's directory, or its name as a path part, swapped for the cluster's.
pub(super) fn counterpart(
    file: &Path,
    model_cluster: &str,
    model_dir: Option<&Path>,
    cluster: &Cluster,
) -> Option<PathBuf> {
    if let Some(rest) = model_dir.and_then(|d| file.strip_prefix(d).ok()) {
        return Some(cluster.dir.join(rest));
    }
    let mut swapped = false;
    let path: PathBuf = file
        .components()
        .map(|c| match c.as_os_str().to_str() {
            Some(part) if part == model_cluster => {
                swapped = true;
                std::ffi::OsStr::new(cluster.name.as_str())
            }
            _ => c.as_os_str(),
        })
        .collect();
    swapped.then_some(path)
}

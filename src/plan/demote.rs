//! `demote`: remove an app's or a namespace's references from clusters. The definition is never
//! touched; absence is absence.

use std::path::Path;

use crate::error::{Error, Result};
use crate::fleet::{Fleet, Placement, Through};
use crate::paths::{resolve, to_slash};
use crate::plan::lists::ListEdits;
use crate::plan::subject::{self, Kind};
use crate::plan::{branch_name, targets, ChangeSet};

/// What `demote` was asked for.
#[derive(Debug, Clone, Default)]
pub struct DemoteOptions {
    pub kind: Option<Kind>,
    pub name: String,
    /// `C,...` or `all`.
    pub from: String,
}

/// Plans the demotion.
pub fn plan(fleet: &Fleet, options: &DemoteOptions) -> Result<ChangeSet> {
    let kind = subject::resolve(fleet, options.kind, &options.name)?;
    let from = targets::clusters(&options.from, &fleet.cluster_names(), "--from")?;
    let name = &options.name;
    let placements = match kind {
        Kind::App => fleet.app_placements(name),
        Kind::Namespace => fleet.namespace_placements(name),
    };
    let mut change = ChangeSet::default();
    let mut lists = ListEdits::new();
    let mut demoted = Vec::new();
    for cluster in &from {
        let Some(here) = placements.get(cluster).filter(|p| !p.is_empty()) else {
            change.notes.push(format!(
                "{cluster} does not have {} {name}: skipped",
                kind.noun()
            ));
            continue;
        };
        if let Some(shared) = here.iter().find(|p| arrives_with_others(fleet, p)) {
            return Err(refuse_shared(fleet, kind, name, cluster, shared));
        }
        for placement in here {
            let dir = placement.file.parent().unwrap_or(Path::new(""));
            if let Some(target) = resolve(dir, &placement.via) {
                lists.remove(fleet, &placement.file, &target)?;
            }
        }
        demoted.push(cluster.clone());
    }
    lists.finish(&mut change)?;
    let remaining: Vec<&String> = placements.keys().filter(|c| !demoted.contains(c)).collect();
    if !demoted.is_empty() && remaining.is_empty() {
        change.notes.push(format!(
            "No cluster references {} {name} any more; its definition stays (delete it by hand \
             if it is gone for good).",
            kind.noun()
        ));
    }
    let shown = if demoted.is_empty() { &from } else { &demoted };
    change.summary = format!("demote {name} from {}", shown.join(", "));
    change.branch = branch_name(&change.summary);
    Ok(change)
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

fn refuse_shared(
    fleet: &Fleet,
    kind: Kind,
    name: &str,
    cluster: &str,
    placement: &Placement,
) -> Error {
    let place = format!("{}:{}", to_slash(&placement.file), placement.line);
    match &placement.through {
        Through::Common => {
            let others: Vec<String> = fleet
                .cluster_names()
                .into_iter()
                .filter(|c| c != cluster)
                .collect();
            let (set, flag) = match kind {
                Kind::App => ("apps/common", "app"),
                Kind::Namespace => ("infrastructure/namespaces/common", "ns"),
            };
            Error::refused(format!(
                "{} {name} reaches {cluster} through the common set {set} ({place}), which every \
                 cluster imports; it cannot be taken out of one cluster.\nEither keep it common, \
                 or take it out of {set} by hand and then run `fluxfleet promote {flag} {name} \
                 --to {}`",
                kind.noun(),
                others.join(",")
            ))
        }
        Through::Set(set) => Error::refused(format!(
            "namespace {name} reaches {cluster} through set {set} ({place}), which holds other \
             namespaces too; removing the import would remove them as well.\nFirst give {name} \
             its own directory: `fluxfleet promote ns {name} --to <the clusters that keep it>`, \
             then demote it"
        )),
        _ => Error::refused(format!(
            "{} {name} cannot be demoted from {cluster}",
            kind.noun()
        )),
    }
}

//! The seed's operational rules as findings.
//!
//! Rules that hold for any Flux repository always apply: references resolve, a cluster's Flux
//! objects do not reconcile another cluster's tree, an entrypoint keeps `./flux-system`,
//! nothing arrives twice, overlays (an app's or a namespace's) serve the cluster they were made
//! for, the promotion order names clusters that exist. Rules about fluxfleet's own files
//! (`infra.yaml`, `apps.yaml`, `dependsOn`, an app's namespace existing beside it, definitions
//! kept out of cluster trees) apply only when [`Fleet::layout`] says the repository follows
//! that layout, so other repositories get no false errors.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use crate::fleet::app::COMMON_APPS;
use crate::fleet::cluster::Cluster;
use crate::fleet::namespace::{COMMON_SET, NAMESPACES_DIR};
use crate::fleet::placement::{Kind, Placement, Through};
use crate::fleet::queries::BUILTIN_NAMESPACES;
use crate::fleet::reference::{ListFile, Reference, KUSTOMIZATION_NAMES};
use crate::fleet::root::{FileId, Kind as EntryKind, OutsideLink, Root};
use crate::fleet::{cycles, Fleet, Layout};
use crate::names;
use crate::paths::{reference_between, to_slash};

mod in_tree;
mod order;
mod placements;
mod policies;
mod tree;

use in_tree::definitions_in_tree;
use order::listed_clusters;
use placements::{app_namespaces, common_sets, foreign_overlays, twice, unreferenced};
use policies::policy_stages;
use tree::{cluster_files, flux_paths, flux_system};

pub use crate::fleet::finding::{Finding, Severity};

/// Every finding, sorted by file and line. Reads every app's directory and manifests first.
pub fn check(fleet: &Fleet) -> crate::Result<Vec<Finding>> {
    fleet.read_every_app()?;
    let mut out = Vec::new();
    let root = Root::new(fleet.root());
    let mut kinds = HashMap::new();
    under("unresolved-reference", &mut out, |out| {
        kinds = references(fleet, &root, out)
    });
    under("reference-cycle", &mut out, |out| {
        cycles::report(fleet, &lists(fleet), &root, &kinds, out)
    });
    under("link-leaves-the-repository", &mut out, |out| {
        outside_links(
            fleet.outside_links().iter().chain(&root.outside_links()),
            out,
        )
    });
    under("two-kustomization-files", &mut out, |out| {
        double_lists(fleet, out)
    });
    under("flux-path", &mut out, |out| flux_paths(fleet, &root, out));
    under("flux-system-not-listed", &mut out, |out| {
        for cluster in fleet.clusters() {
            flux_system(&root, cluster, out);
        }
    });
    if fleet.layout() == Layout::Fluxfleet {
        for cluster in fleet.clusters() {
            under("cluster-files", &mut out, |out| {
                cluster_files(fleet, &root, cluster, out)
            });
            under("definition-in-a-cluster-tree", &mut out, |out| {
                definitions_in_tree(fleet, cluster, out)
            });
        }
        under("app-namespace", &mut out, |out| app_namespaces(fleet, out));
    }
    under("common-set-not-imported", &mut out, |out| {
        common_sets(fleet, out)
    });
    under("policy-stage", &mut out, |out| policy_stages(fleet, out));
    under("listed-twice", &mut out, |out| twice(fleet, out));
    under("overlay-of-another-cluster", &mut out, |out| {
        foreign_overlays(fleet, out)
    });
    under("unreferenced", &mut out, |out| unreferenced(fleet, out));
    under("promotion-order", &mut out, |out| {
        listed_clusters(fleet, out)
    });
    sort(fleet, &mut out);
    Ok(out)
}

/// Runs one rule's check, and names the rule in each finding it adds.
pub(crate) fn under(
    rule: &'static str,
    out: &mut Vec<Finding>,
    check: impl FnOnce(&mut Vec<Finding>),
) {
    let from = out.len();
    check(out);
    for finding in &mut out[from..] {
        finding.rule = rule;
    }
}

/// Sorts findings by file and line, the files of the clusters' trees in promotion order
/// (`clusters/dev` before `clusters/test` before `clusters/prod`), and drops repeats.
pub fn sort(fleet: &Fleet, findings: &mut Vec<Finding>) {
    let rank: HashMap<&str, usize> = fleet
        .clusters()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    // `clusters/<c>/...` compares as `clusters`, then the cluster's place, then the rest.
    fn key<'f>(rank: &HashMap<&str, usize>, f: &'f Finding) -> (&'f Path, usize) {
        let mut parts = f.file.components();
        let cluster = match (parts.next(), parts.next()) {
            (Some(first), Some(name)) if first.as_os_str() == "clusters" => {
                name.as_os_str().to_str().and_then(|n| rank.get(n).copied())
            }
            _ => None,
        };
        match cluster {
            Some(at) => (Path::new("clusters"), at),
            None => (f.file.as_path(), 0),
        }
    }
    findings.sort_by(|a, b| key(&rank, a).cmp(&key(&rank, b)).then_with(|| a.cmp(b)));
    findings.dedup();
}

/// Every list whose references must resolve, each once.
pub(crate) fn lists(fleet: &Fleet) -> Vec<&ListFile> {
    let mut seen = HashSet::new();
    let clusters = fleet.clusters().iter().flat_map(Cluster::lists);
    let sets = fleet.sets().iter().filter_map(|s| s.list.as_ref());
    // What the apps hold, as far as it was read ([`Fleet::read_every_app`]).
    let apps = fleet
        .apps()
        .iter()
        .filter_map(|a| a.manifests.get())
        .flat_map(|m| m.lists.iter());
    clusters
        .chain(fleet.common_apps())
        .chain(sets)
        .chain(apps)
        .filter(|l| !l.generated && seen.insert(&l.path))
        .collect()
}

/// Checks that each reference resolves; returns what each target is.
fn references<'f>(
    fleet: &'f Fleet,
    root: &Root,
    out: &mut Vec<Finding>,
) -> HashMap<&'f Path, TargetKind> {
    let references: Vec<&Reference> = lists(fleet)
        .into_iter()
        .flat_map(|l| l.references.iter())
        .filter(|r| !r.is_remote())
        .collect();
    // A hundred clusters reference the same few thousand targets: ask the file system once
    // per target, on both cores.
    let mut targets: Vec<&Path> = references.iter().filter_map(|r| r.target()).collect();
    targets.sort();
    targets.dedup();
    let kinds: HashMap<&Path, TargetKind> = targets
        .par_iter()
        .map(|t| (*t, TargetKind::of(root, t)))
        .collect();
    for reference in references {
        let kind = reference.target().and_then(|t| kinds.get(t).copied());
        if let Some(finding) = unresolved(root, reference, kind) {
            out.push(finding);
        }
    }
    kinds
}

/// What a reference's target is on disk, looked at without leaving the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetKind {
    File,
    /// A directory with a kustomization file, and the directory's identity.
    Kustomization(FileId),
    BareDir,
    /// A named pipe, device or socket.
    Special,
    /// Behind a symbolic link that leaves the repository.
    Outside,
    Missing,
}

impl TargetKind {
    pub(crate) fn of(root: &Root, rel: &Path) -> TargetKind {
        match root.kind_holding(rel, &KUSTOMIZATION_NAMES) {
            Ok((EntryKind::File, _, _)) => TargetKind::File,
            Ok((EntryKind::Special, _, _)) => TargetKind::Special,
            Ok((EntryKind::Dir, id, true)) => TargetKind::Kustomization(id),
            Ok((EntryKind::Dir, _, false)) => TargetKind::BareDir,
            Err(e) if super::root::leaves(&e) => TargetKind::Outside,
            Err(_) => TargetKind::Missing,
        }
    }
}

/// A finding for each link through which the read would have left the repository.
fn outside_links<'l>(links: impl Iterator<Item = &'l OutsideLink>, out: &mut Vec<Finding>) {
    for link in links {
        out.push(Finding::error(
            &link.link,
            0,
            format!(
                "{} is a symbolic link to {}, which leaves the repository: it is not followed, \
                 and what it points at counts as absent",
                to_slash(&link.link),
                link.target.display()
            ),
            "replace the link with the files themselves, or point it inside the repository".into(),
        ));
    }
}

/// A finding for each directory with more than one kustomization file.
fn double_lists(fleet: &Fleet, out: &mut Vec<Finding>) {
    for files in fleet.double_lists() {
        let [first, ..] = &files[..] else {
            continue;
        };
        let names: Vec<String> = files.iter().map(|f| to_slash(f)).collect();
        out.push(Finding::error(
            first,
            0,
            format!(
                "{} are both kustomization files of one directory: kustomize refuses it \
                 (\"Found multiple kustomization files\"), and fluxfleet edits neither",
                names.join(" and ")
            ),
            format!(
                "keep one: merge the others into {} and delete them",
                to_slash(first)
            ),
        ));
    }
}

/// A finding when `reference` names neither a file nor a directory with a kustomization.
fn unresolved(root: &Root, reference: &Reference, kind: Option<TargetKind>) -> Option<Finding> {
    let at = |message: String, fix: String| {
        Some(Finding::error(
            &*reference.file,
            reference.line,
            message,
            fix,
        ))
    };
    let Some(target) = reference.target() else {
        return at(
            format!("{} leaves the repository", reference.written()),
            "reference a path inside the repository, or a remote URL with ?ref=".into(),
        );
    };
    let kind = kind.unwrap_or_else(|| TargetKind::of(root, target));
    if matches!(kind, TargetKind::File | TargetKind::Kustomization(_)) {
        return None;
    }
    if kind == TargetKind::Outside {
        return at(
            format!(
                "{} resolves to {}, behind a symbolic link that leaves the repository",
                reference.written(),
                to_slash(target)
            ),
            "reference a path inside the repository".into(),
        );
    }
    if kind == TargetKind::Special {
        return at(
            format!(
                "{} resolves to {}, which is not a regular file (a named pipe, device or socket)",
                reference.written(),
                to_slash(target)
            ),
            "replace it with a manifest, or remove this line".into(),
        );
    }
    if kind == TargetKind::BareDir {
        return at(
            format!(
                "{} resolves to {}, a directory without kustomization.yaml",
                reference.written(),
                to_slash(target)
            ),
            format!(
                "add {}/kustomization.yaml listing its manifests",
                to_slash(target)
            ),
        );
    }
    let fix = match closest_sibling(root.path(), target) {
        Some(better) => {
            let dir = reference.file.parent().unwrap_or(Path::new(""));
            format!("did you mean {}?", reference_between(dir, &better))
        }
        None => "create it, or remove this line".to_string(),
    };
    at(
        format!(
            "{} does not resolve: {} does not exist",
            reference.written(),
            to_slash(target)
        ),
        fix,
    )
}

/// The existing sibling whose name is closest to a missing path's, if one is close.
fn closest_sibling(root: &Path, target: &Path) -> Option<PathBuf> {
    let parent = target.parent()?;
    let name = target.file_name()?.to_string_lossy().into_owned();
    let siblings: Vec<String> = std::fs::read_dir(root.join(parent))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let closest = names::closest(&name, &siblings).into_iter().next()?;
    Some(parent.join(closest))
}

//! The seed's operational rules as findings.
//!
//! Rules that hold for any Flux repository always apply: references resolve, a cluster's Flux
//! objects do not reconcile another cluster's tree, nothing arrives twice, overlays serve the
//! cluster they were made for. Rules about fluxfleet's own files (`infra.yaml`, `apps.yaml`,
//! `dependsOn`, an app's namespace existing beside it) apply only when [`Fleet::layout`] says
//! the repository follows that layout, so other repositories get no false errors.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use super::app::COMMON_APPS;
use super::cluster::Cluster;
use super::namespace::{COMMON_SET, NAMESPACES_DIR};
use super::placement::{Kind, Placement, Through};
use super::queries::BUILTIN_NAMESPACES;
use super::reference::{ListFile, Reference, KUSTOMIZATION_NAMES};
use super::root::{FileId, Kind as EntryKind, OutsideLink, Root};
use super::{cycles, Fleet, Layout};
use crate::names;
use crate::paths::{reference_between, to_slash};

pub use super::finding::{Finding, Severity};

/// Namespaces every cluster has without a manifest in the repository.
/// Every finding, sorted by file and line. Reads every app's directory and manifests first.
pub fn check(fleet: &Fleet) -> crate::Result<Vec<Finding>> {
    fleet.read_every_app()?;
    let mut out = Vec::new();
    let root = Root::new(fleet.root());
    let kinds = references(fleet, &root, &mut out);
    cycles::report(fleet, &lists(fleet), &root, &kinds, &mut out);
    outside_links(
        fleet.outside_links().iter().chain(&root.outside_links()),
        &mut out,
    );
    double_lists(fleet, &mut out);
    flux_paths(fleet, &root, &mut out);
    if fleet.layout() == Layout::Fluxfleet {
        for cluster in fleet.clusters() {
            cluster_files(fleet, &root, cluster, &mut out);
        }
        app_namespaces(fleet, &mut out);
    }
    common_sets(fleet, &mut out);
    twice(fleet, &mut out);
    foreign_overlays(fleet, &mut out);
    unreferenced(fleet, &mut out);
    out.sort();
    out.dedup();
    Ok(out)
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
    let mut targets: Vec<&Path> = references
        .iter()
        .filter_map(|r| r.target.as_deref())
        .collect();
    targets.sort();
    targets.dedup();
    let kinds: HashMap<&Path, TargetKind> = targets
        .par_iter()
        .map(|t| (*t, TargetKind::of(root, t)))
        .collect();
    for reference in references {
        let kind = reference
            .target
            .as_deref()
            .and_then(|t| kinds.get(t).copied());
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
    let Some(target) = &reference.target else {
        return at(
            format!("{} leaves the repository", reference.written),
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
                reference.written,
                to_slash(target)
            ),
            "reference a path inside the repository".into(),
        );
    }
    if kind == TargetKind::Special {
        return at(
            format!(
                "{} resolves to {}, which is not a regular file (a named pipe, device or socket)",
                reference.written,
                to_slash(target)
            ),
            "replace it with a manifest, or remove this line".into(),
        );
    }
    if kind == TargetKind::BareDir {
        return at(
            format!(
                "{} resolves to {}, a directory without kustomization.yaml",
                reference.written,
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
            reference.written,
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

fn flux_paths(fleet: &Fleet, root: &Root, out: &mut Vec<Finding>) {
    for cluster in fleet.clusters() {
        for object in &cluster.flux {
            let Some(path) = &object.path else {
                continue;
            };
            let Some(target) = &path.target else {
                continue;
            };
            if let Some(other) = other_cluster(fleet, cluster, target) {
                out.push(Finding::error(
                    &*path.file,
                    path.line,
                    format!(
                        "Flux Kustomization {} of cluster {} reconciles {}, cluster {other}'s \
                         tree: {} will become {other}",
                        object.name, cluster.name, path.written, cluster.name
                    ),
                    format!(
                        "point it at ./{} (each cluster reconciles only its own path)",
                        to_slash(&own_equivalent(cluster, target, other))
                    ),
                ));
            } else if object.this_repo && !root.is_dir(target) {
                out.push(Finding::error(
                    &*path.file,
                    path.line,
                    format!(
                        "Flux Kustomization {} points at {}, which is not a directory",
                        object.name, path.written
                    ),
                    format!("create {}/ or correct the path", to_slash(target)),
                ));
            }
        }
    }
}

/// The other cluster whose tree `target` lies in.
fn other_cluster<'f>(fleet: &'f Fleet, cluster: &Cluster, target: &Path) -> Option<&'f str> {
    let name = target.strip_prefix("clusters").ok()?.components().next()?;
    let name = name.as_os_str().to_str()?;
    let other = fleet.cluster(name)?;
    (other.name != cluster.name).then_some(other.name.as_str())
}

/// `clusters/<other>/x` rewritten as `clusters/<cluster>/x`.
fn own_equivalent(cluster: &Cluster, target: &Path, other: &str) -> PathBuf {
    let rest = target
        .strip_prefix(Path::new("clusters").join(other))
        .unwrap_or(Path::new(""));
    cluster.dir.join(rest)
}

/// fluxfleet's cluster files: the entry lists `infra.yaml` and `apps.yaml`, each a Flux
/// Kustomization pointing at the cluster's own list, apps after infra.
fn cluster_files(fleet: &Fleet, root: &Root, cluster: &Cluster, out: &mut Vec<Finding>) {
    let entry = cluster.entry.as_ref().filter(|e| !e.generated);
    let Some(entry) = entry else {
        out.push(Finding::error(
            &cluster.dir,
            0,
            format!("cluster {} has no kustomization.yaml", cluster.name),
            "add clusters/<c>/kustomization.yaml listing ./flux-system, ./infra.yaml and \
             ./apps.yaml"
                .replace("<c>", &cluster.name),
        ));
        return;
    };
    for (file, list) in [("infra.yaml", "infra"), ("apps.yaml", "apps")] {
        let path = cluster.dir.join(file);
        let objects: Vec<_> = cluster.flux_in(file).collect();
        let expected = format!("./{}", to_slash(&cluster.dir.join(list)));
        if !matches!(root.kind(&path), Ok((EntryKind::File, _))) {
            out.push(Finding::error(
                &entry.path,
                entry.resources_line,
                format!("cluster {} has no {file}", cluster.name),
                format!(
                    "create {} with a Flux Kustomization \"{list}\" whose path is {expected}, \
                     and list ./{file} here",
                    to_slash(&path)
                ),
            ));
            continue;
        }
        if !entry.references_target(&path) {
            out.push(Finding::error(
                &entry.path,
                entry.resources_line,
                format!(
                    "{} does not list ./{file}: Flux never applies it",
                    to_slash(&entry.path)
                ),
                format!("add `- ./{file}` under resources:"),
            ));
        }
        if objects.is_empty() {
            out.push(Finding::error(
                &path,
                1,
                format!(
                    "{} holds no Flux Kustomization (kustomize.toolkit.fluxcd.io)",
                    to_slash(&path)
                ),
                format!("define a Flux Kustomization \"{list}\" with path {expected}"),
            ));
        }
        for object in &objects {
            let Some(reference) = &object.path else {
                out.push(Finding::error(
                    &object.file,
                    object.spec_line,
                    format!("Flux Kustomization {} has no spec.path", object.name),
                    format!("add `path: {expected}` under spec:"),
                ));
                continue;
            };
            let own = cluster.dir.join(list);
            let foreign = reference
                .target
                .as_deref()
                .is_some_and(|t| other_cluster(fleet, cluster, t).is_some());
            if reference.target.as_deref() != Some(own.as_path()) && !foreign {
                out.push(Finding::error(
                    &*reference.file,
                    reference.line,
                    format!(
                        "Flux Kustomization {} points at {}, not at the cluster's {list} list",
                        object.name, reference.written
                    ),
                    format!("set `path: {expected}`"),
                ));
            }
        }
    }
    let infra: Vec<&str> = cluster
        .flux_in("infra.yaml")
        .map(|k| k.name.as_str())
        .collect();
    for apps in cluster.flux_in("apps.yaml") {
        if infra.is_empty() || apps.depends_on.iter().any(|d| infra.contains(&d.as_str())) {
            continue;
        }
        out.push(Finding::error(
            &apps.file,
            apps.spec_line,
            format!(
                "Flux Kustomization {} does not depend on {}: apps may be applied before their \
                 namespaces and controllers exist",
                apps.name, infra[0]
            ),
            format!("add under spec:\n  dependsOn:\n    - name: {}", infra[0]),
        ));
    }
}

/// Every cluster imports each common set that exists and is imported at all.
fn common_sets(fleet: &Fleet, out: &mut Vec<Finding>) {
    let namespaces = Path::new(NAMESPACES_DIR).join(COMMON_SET);
    for (dir, in_infra) in [(PathBuf::from(COMMON_APPS), false), (namespaces, true)] {
        let imports = |c: &Cluster| c.references().any(|r| r.target.as_deref() == Some(&*dir));
        if !fleet.clusters().iter().any(imports) {
            continue;
        }
        for cluster in fleet.clusters().iter().filter(|c| !imports(c)) {
            let list = if in_infra {
                &cluster.infra_list
            } else {
                &cluster.apps_list
            };
            let list = list.as_ref().or(cluster.entry.as_ref());
            let (file, line, from) = match list {
                Some(l) if !l.generated => {
                    (l.path.clone(), l.resources_line, l.dir().to_path_buf())
                }
                _ => (cluster.dir.clone(), 0, cluster.dir.clone()),
            };
            out.push(Finding::error(
                file,
                line,
                format!(
                    "cluster {} does not import the common set {}, which every other importing \
                     cluster has",
                    cluster.name,
                    to_slash(&dir)
                ),
                format!(
                    "add `- {}` under resources: (common means every cluster; for some \
                     clusters only, use a named set)",
                    reference_between(&from, &dir)
                ),
            ));
        }
    }
}

/// Nothing arrives in one cluster twice (kustomize rejects the duplicate objects).
fn twice(fleet: &Fleet, out: &mut Vec<Finding>) {
    for kind in [Kind::App, Kind::Namespace] {
        for name in fleet.names(kind) {
            // Making placements costs; most names arrive once per cluster.
            if fleet.placement_count(kind, &name) == fleet.reaches(kind, &name).len() {
                continue;
            }
            let Some(by_cluster) = fleet.placements_of(kind, &name) else {
                continue;
            };
            for (cluster, placements) in by_cluster {
                let [first, rest @ ..] = &placements[..] else {
                    continue;
                };
                for second in rest {
                    let (file, line) = location(second, first);
                    let keep = match (&first.through, &second.through) {
                        (Through::Overlay(_), Through::Base) => "keep the overlay",
                        (Through::Base, Through::Overlay(_)) => "keep the overlay",
                        (Through::Common, _) | (_, Through::Common) => {
                            "keep the common set and drop the direct reference"
                        }
                        _ => "keep one",
                    };
                    out.push(Finding::error(
                        file,
                        line,
                        format!(
                            "{} {name} arrives in cluster {cluster} twice: through {} ({}) and \
                             through {} ({})",
                            kind.noun(),
                            first.through.describe(),
                            placement_location(first),
                            second.through.describe(),
                            placement_location(second),
                        ),
                        format!("{keep}: remove one of the two references"),
                    ));
                }
            }
        }
    }
}

/// Where a repeated placement is best reported: the set's entry when both come through the
/// same cluster reference, else the cluster's reference.
fn location(second: &Placement, first: &Placement) -> (PathBuf, usize) {
    if (second.file.as_path(), second.line) == (first.file.as_path(), first.line) {
        if let Some(last) = second.chain.last() {
            return (last.file.to_path_buf(), last.line);
        }
    }
    (second.file.clone(), second.line)
}

fn placement_location(p: &Placement) -> String {
    format!("{}:{}", to_slash(&p.file), p.line)
}

/// An overlay serves the cluster it is named after; another cluster referencing it gets the
/// wrong values.
fn foreign_overlays(fleet: &Fleet, out: &mut Vec<Finding>) {
    for app in fleet.apps() {
        for (cluster, placements) in fleet
            .placements_of(Kind::App, &app.name)
            .unwrap_or_default()
        {
            for p in placements {
                let Through::Overlay(overlay) = &p.through else {
                    continue;
                };
                if *overlay == cluster {
                    continue;
                }
                let from = p.file.parent().unwrap_or(Path::new(""));
                let layout = app.layout.get().cloned().unwrap_or_default();
                let fix = if layout.overlays.contains(&cluster) {
                    format!(
                        "reference {}",
                        reference_between(from, &app.overlay_dir(&cluster))
                    )
                } else {
                    let base = layout.base.unwrap_or_else(|| app.dir.clone());
                    format!(
                        "reference {} or create the overlay: fluxfleet add-overlay {} --cluster {cluster}",
                        reference_between(from, &base),
                        app.name
                    )
                };
                out.push(Finding::error(
                    &p.file,
                    p.line,
                    format!(
                        "cluster {cluster} references app {}'s overlay for {overlay} ({})",
                        app.name, p.via
                    ),
                    fix,
                ));
            }
        }
    }
}

/// An app's namespace exists in every cluster the app reaches.
fn app_namespaces(fleet: &Fleet, out: &mut Vec<Finding>) {
    for app in fleet.apps() {
        let Some(manifests) = app.manifests.get() else {
            continue;
        };
        let Some(ns) = &manifests.namespace else {
            continue;
        };
        if BUILTIN_NAMESPACES.contains(&ns.as_str()) || manifests.own_namespaces.contains(ns) {
            continue;
        }
        let there = fleet.reaches(Kind::Namespace, ns);
        let defined = fleet.namespace(ns).is_some();
        for (cluster, placements) in fleet
            .placements_of(Kind::App, &app.name)
            .into_iter()
            .flatten()
        {
            if there.contains(&cluster.as_str()) {
                continue;
            }
            let Some(p) = placements.first() else {
                continue;
            };
            let fix = if defined {
                format!("fluxfleet promote ns {ns} --to {cluster}")
            } else {
                format!("fluxfleet add-ns {ns} --clusters {cluster}")
            };
            out.push(Finding::error(
                &p.file,
                p.line,
                format!(
                    "app {} reaches cluster {cluster}, but its namespace {ns} does not exist there",
                    app.name
                ),
                fix,
            ));
        }
    }
}

/// Definitions no cluster references are dead weight, or a forgotten promotion.
fn unreferenced(fleet: &Fleet, out: &mut Vec<Finding>) {
    let mut targets: BTreeSet<&Path> = BTreeSet::new();
    for cluster in fleet.clusters() {
        targets.extend(cluster.references().filter_map(|r| r.target.as_deref()));
    }
    // Paths sort component-wise, so whatever lies below `dir` follows it directly.
    let reached = |dir: &Path| {
        targets
            .range::<&Path, _>((std::ops::Bound::Included(dir), std::ops::Bound::Unbounded))
            .next()
            .is_some_and(|t| t.starts_with(dir))
    };
    let common_apps_used = reached(Path::new(COMMON_APPS));
    for app in fleet.apps() {
        if fleet.reaches(Kind::App, &app.name).is_empty() && !reached(&app.dir) {
            let hint = if common_apps_used {
                " (apps/common does not list it either)"
            } else {
                ""
            };
            out.push(Finding::warning(
                &app.dir,
                0,
                format!(
                    "app {} is defined but no cluster references it{hint}",
                    app.name
                ),
                format!(
                    "fluxfleet promote app {} --to <cluster>, or delete {}",
                    app.name,
                    to_slash(&app.dir)
                ),
            ));
        }
    }
    for set in fleet.sets() {
        if !reached(&set.dir) {
            out.push(Finding::warning(
                &set.dir,
                0,
                format!(
                    "namespace set {} is defined but no cluster imports it",
                    set.name
                ),
                format!(
                    "reference ../../../{} from a cluster's infra list, or delete it",
                    to_slash(&set.dir)
                ),
            ));
        }
    }
    for def in fleet.definitions() {
        if !reached(&def.dir) {
            out.push(Finding::warning(
                &def.dir,
                0,
                format!(
                    "{} {} is defined but no cluster references it",
                    def.kind.noun(),
                    def.name
                ),
                format!(
                    "reference ../../../{} from a cluster's infra list, or delete it",
                    to_slash(&def.dir)
                ),
            ));
        }
    }
    if fleet.common_apps().is_some() && !common_apps_used {
        out.push(Finding::warning(
            COMMON_APPS,
            0,
            "the common app set is defined but no cluster imports it".into(),
            "reference ../../../apps/common from every cluster's app list".into(),
        ));
    }
}

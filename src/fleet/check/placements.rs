//! Rules about what arrives where: common sets imported by every cluster, nothing arriving
//! twice, overlays serving the cluster they were made for, an app's namespace beside it, and
//! definitions some cluster references.

use super::*;

/// Every cluster imports each common set that exists and is imported at all.
pub(super) fn common_sets(fleet: &Fleet, out: &mut Vec<Finding>) {
    let namespaces = Path::new(NAMESPACES_DIR).join(COMMON_SET);
    for (dir, in_infra) in [(PathBuf::from(COMMON_APPS), false), (namespaces, true)] {
        let imports = |c: &Cluster| c.references().any(|r| r.target() == Some(&*dir));
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
pub(super) fn twice(fleet: &Fleet, out: &mut Vec<Finding>) {
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
                    // In another layout a name is the owners' word for what an entry brings:
                    // two entries of the same name may bring different things (a tenant and
                    // an app both called podinfo).
                    let target = |p: &Placement| {
                        p.chain
                            .first()
                            .and_then(|r| r.target().map(ToOwned::to_owned))
                    };
                    if fleet.layout() == Layout::Discovered && target(first) != target(second) {
                        continue;
                    }
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
pub(super) fn location(second: &Placement, first: &Placement) -> (PathBuf, usize) {
    if (second.file.as_path(), second.line) == (first.file.as_path(), first.line) {
        if let Some(last) = second.chain.last() {
            return (last.file.to_path_buf(), last.line);
        }
    }
    (second.file.clone(), second.line)
}

pub(super) fn placement_location(p: &Placement) -> String {
    format!("{}:{}", to_slash(&p.file), p.line)
}

/// An overlay serves the cluster it is named after; another cluster referencing it gets the
/// wrong values. Apps (`apps/<a>/overlays/<c>`) and namespaces
/// (`infrastructure/namespaces/<ns>/overlays/<c>`) alike.
pub(super) fn foreign_overlays(fleet: &Fleet, out: &mut Vec<Finding>) {
    for cluster in fleet.clusters() {
        for reference in cluster.references() {
            let Some(overlaid) = reference.target().and_then(|t| Overlaid::of(fleet, t)) else {
                continue;
            };
            if overlaid.overlay == cluster.name {
                continue;
            }
            let from = reference.file.parent().unwrap_or(Path::new(""));
            let own = overlaid.dir.join("overlays").join(&cluster.name);
            let fix = if overlaid.has_overlay(fleet, &cluster.name) {
                format!("reference {}", reference_between(from, &own))
            } else {
                format!(
                    "reference {} or create the overlay: fluxfleet add-overlay {}{} --cluster {}",
                    reference_between(from, &overlaid.base(fleet)),
                    match overlaid.kind {
                        Kind::Namespace => "ns ",
                        _ => "",
                    },
                    overlaid.name,
                    cluster.name
                )
            };
            out.push(Finding::error(
                &*reference.file,
                reference.line,
                format!(
                    "cluster {} references {} {}'s overlay for {} ({})",
                    cluster.name,
                    overlaid.kind.noun(),
                    overlaid.name,
                    overlaid.overlay,
                    reference.written()
                ),
                fix,
            ));
        }
    }
}

/// A reference's target inside an app's or a namespace's `overlays/<o>`.
struct Overlaid<'t> {
    kind: Kind,
    name: &'t str,
    /// `apps/<a>` or `infrastructure/namespaces/<ns>`.
    dir: PathBuf,
    overlay: &'t str,
}

impl<'t> Overlaid<'t> {
    /// `target` as an overlay of a defined app or namespace directory, if it is one.
    fn of(fleet: &Fleet, target: &'t Path) -> Option<Overlaid<'t>> {
        let mut parts = target.components().map(|c| c.as_os_str().to_str());
        let mut next = || parts.next().flatten();
        let (kind, dir, name) = match (next()?, next()?) {
            ("apps", name) => (Kind::App, Path::new("apps").join(name), name),
            ("infrastructure", "namespaces") => {
                let name = next()?;
                (Kind::Namespace, Path::new(NAMESPACES_DIR).join(name), name)
            }
            _ => return None,
        };
        let ("overlays", overlay) = (next()?, next()?) else {
            return None;
        };
        let defined = match kind {
            Kind::App => fleet.app(name).is_some(),
            Kind::Namespace => fleet.sets().iter().any(|s| s.dir == dir),
            Kind::Controller | Kind::Policy => false,
        };
        defined.then_some(Overlaid {
            kind,
            name,
            dir,
            overlay,
        })
    }

    /// True when the definition has an overlay for `cluster`.
    fn has_overlay(&self, fleet: &Fleet, cluster: &str) -> bool {
        match self.kind {
            Kind::App => fleet
                .app(self.name)
                .and_then(|a| a.layout.get())
                .is_some_and(|l| l.overlays.iter().any(|o| o == cluster)),
            Kind::Namespace | Kind::Controller | Kind::Policy => fleet
                .reader
                .is_dir(&self.dir.join("overlays").join(cluster)),
        }
    }

    /// What a cluster without its own overlay references: the base, else the directory.
    fn base(&self, fleet: &Fleet) -> PathBuf {
        match self.kind {
            Kind::App => fleet
                .app(self.name)
                .and_then(|a| a.layout.get())
                .and_then(|l| l.base.clone())
                .unwrap_or_else(|| self.dir.clone()),
            Kind::Namespace | Kind::Controller | Kind::Policy => {
                let base = self.dir.join("base");
                match fleet.reader.is_dir(&base) {
                    true => base,
                    false => self.dir.clone(),
                }
            }
        }
    }
}

/// An app's namespace exists in every cluster the app reaches.
pub(super) fn app_namespaces(fleet: &Fleet, out: &mut Vec<Finding>) {
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
pub(super) fn unreferenced(fleet: &Fleet, out: &mut Vec<Finding>) {
    let mut targets: BTreeSet<&Path> = BTreeSet::new();
    for cluster in fleet.clusters() {
        targets.extend(cluster.references().filter_map(|r| r.target()));
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

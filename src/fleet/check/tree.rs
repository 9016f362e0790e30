//! Rules about a cluster's own tree: its Flux objects reconcile paths of this cluster only, and
//! in fluxfleet's layout it has its `infra.yaml`, `apps.yaml` and lists, wired as the seed wires
//! them.

use super::*;

pub(super) fn flux_paths(fleet: &Fleet, root: &Root, out: &mut Vec<Finding>) {
    for cluster in fleet.clusters() {
        for object in &cluster.flux {
            let Some(path) = &object.path else {
                continue;
            };
            let Some(target) = path.target() else {
                continue;
            };
            if let Some(other) = other_cluster(fleet, cluster, target) {
                out.push(Finding::error(
                    &*path.file,
                    path.line,
                    format!(
                        "Flux Kustomization {} of cluster {} reconciles {}, cluster {other}'s \
                         tree: {} will become {other}",
                        object.name,
                        cluster.name,
                        path.written(),
                        cluster.name
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
                        object.name,
                        path.written()
                    ),
                    format!("create {}/ or correct the path", to_slash(target)),
                ));
            }
        }
    }
}

/// The other cluster whose tree `target` lies in.
pub(super) fn other_cluster<'f>(
    fleet: &'f Fleet,
    cluster: &Cluster,
    target: &Path,
) -> Option<&'f str> {
    let name = target.strip_prefix("clusters").ok()?.components().next()?;
    let name = name.as_os_str().to_str()?;
    let other = fleet.cluster(name)?;
    (other.name != cluster.name).then_some(other.name.as_str())
}

/// `clusters/<other>/x` rewritten as `clusters/<cluster>/x`.
pub(super) fn own_equivalent(cluster: &Cluster, target: &Path, other: &str) -> PathBuf {
    let rest = target
        .strip_prefix(Path::new("clusters").join(other))
        .unwrap_or(Path::new(""));
    cluster.dir.join(rest)
}

/// fluxfleet's cluster files: the entry lists `infra.yaml` and `apps.yaml`, each a Flux
/// Kustomization pointing at the cluster's own list, apps after infra.
pub(super) fn cluster_files(fleet: &Fleet, root: &Root, cluster: &Cluster, out: &mut Vec<Finding>) {
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
                .target()
                .is_some_and(|t| other_cluster(fleet, cluster, t).is_some());
            if reference.target() != Some(own.as_path()) && !foreign {
                out.push(Finding::error(
                    &*reference.file,
                    reference.line,
                    format!(
                        "Flux Kustomization {} points at {}, not at the cluster's {list} list",
                        object.name,
                        reference.written()
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

/// The entrypoint lists `./flux-system` while the cluster has it: the seed keeps it there "so
/// Flux itself remains part of the declared state". Without it Flux's own sync no longer
/// applies its components, and with `prune` it deletes them.
pub(super) fn flux_system(root: &Root, cluster: &Cluster, out: &mut Vec<Finding>) {
    let Some(entry) = cluster.entry.as_ref().filter(|e| !e.generated) else {
        return;
    };
    let flux_system = cluster.dir.join("flux-system");
    if !root.is_dir(&flux_system) || entry.references_target(&flux_system) {
        return;
    }
    out.push(Finding::error(
        &entry.path,
        entry.resources_line,
        format!(
            "{} does not list ./flux-system although {}/ exists: Flux itself is no longer part \
             of cluster {}'s declared state (with prune, Flux deletes its own components)",
            to_slash(&entry.path),
            to_slash(&flux_system),
            cluster.name
        ),
        "add `- ./flux-system` under resources: (keep it in the cluster entrypoint)".into(),
    ));
}

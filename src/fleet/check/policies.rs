//! Rules about policy stages, as the seed rolls them out:
//!
//! - a cluster's policies and the Kyverno controller that serves them are not applied by the
//!   same Flux Kustomization (warning): Flux dry-runs everything a Kustomization applies before
//!   applying any of it, so on a new cluster the ClusterPolicy fails for want of Kyverno's CRDs
//!   and the HelmRelease that would install them is never applied;
//! - a cluster that imports a Kyverno stage gets the Kyverno controller (error);
//! - a production cluster (named `prod`, `production`, or ending in `-prod`/`-production`)
//!   imports no `test-only` stage (error): that stage holds trials for test clusters.

use super::*;

/// The rules above, for every cluster.
pub(super) fn policy_stages(fleet: &Fleet, out: &mut Vec<Finding>) {
    for cluster in fleet.clusters() {
        let imports = stage_imports(cluster);
        if imports.is_empty() {
            continue;
        }
        let kyverno = fleet.kyverno_references(cluster);
        let mut shared: Vec<(&Reference, &str)> = Vec::new();
        for (reference, engine, stage) in &imports {
            if *engine != crate::fleet::KYVERNO {
                continue;
            }
            match kyverno.first() {
                None => out.push(Finding::error(
                    &*reference.file,
                    reference.line,
                    format!(
                        "cluster {} imports policy stage {stage} but does not get the Kyverno \
                         controller: nothing serves its policies, and Flux cannot apply a \
                         ClusterPolicy without Kyverno's CRDs",
                        cluster.name
                    ),
                    format!(
                        "reference the Kyverno controller (infrastructure/controllers/kyverno) \
                         from clusters/{}/infra/kustomization.yaml, or remove this import",
                        cluster.name
                    ),
                )),
                Some(controller) => {
                    if applier(cluster, &reference.file) == applier(cluster, &controller.file) {
                        shared.push((reference, stage));
                    }
                }
            }
            if is_production(&cluster.name) && *stage == TEST_ONLY {
                out.push(Finding::error(
                    &*reference.file,
                    reference.line,
                    format!(
                        "production cluster {} imports policy stage {TEST_ONLY}: a cluster named \
                         prod, production or *-prod runs no trial policies",
                        cluster.name
                    ),
                    format!(
                        "remove this import; to apply a trial policy here, promote it first: \
                         `fluxfleet promote policy NAME --to shared` (or --to {})",
                        cluster.name
                    ),
                ));
            }
        }
        if let (Some(controller), Some(_)) = (kyverno.first(), shared.first()) {
            out.push(same_applier(cluster, &shared, controller));
        }
    }
}

/// The stage that holds trial policies.
const TEST_ONLY: &str = "test-only";

/// The rule for a production cluster's name.
fn is_production(name: &str) -> bool {
    matches!(name, "prod" | "production")
        || name.ends_with("-prod")
        || name.ends_with("-production")
}

/// Each reference of the cluster's lists that imports a stage
/// `infrastructure/policies/<engine>/<stage>`, with the engine and stage.
fn stage_imports(cluster: &Cluster) -> Vec<(&Reference, &str, &str)> {
    cluster
        .references()
        .filter_map(|r| {
            let target = r.target_str()?;
            let rest = target
                .strip_prefix(crate::fleet::POLICIES_DIR)?
                .strip_prefix('/')?;
            let mut parts = rest.split('/');
            let engine = parts.next().filter(|p| !p.is_empty())?;
            let stage = parts.next().filter(|p| !p.is_empty())?;
            Some((r, engine, stage))
        })
        .collect()
}

/// The directory whose Flux Kustomization applies list file `file` of the cluster: the
/// nearest list up the chain of lists referencing it that a Flux Kustomization's path names;
/// the cluster's own directory (applied by `flux-system`) otherwise.
fn applier(cluster: &Cluster, file: &Path) -> PathBuf {
    let mut dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    // A chain of lists is as long as the cluster has lists; a cycle stops there.
    for _ in 0..=cluster.lists().count() {
        let attached = cluster.flux.iter().any(|k| {
            k.path
                .as_ref()
                .and_then(|p| p.target())
                .is_some_and(|t| t == dir)
        });
        if attached || dir == cluster.dir {
            return dir;
        }
        let parent = cluster.lists().find(|l| l.references_target(&dir));
        match parent {
            Some(list) => dir = list.dir().to_path_buf(),
            None => break,
        }
    }
    dir
}

/// One warning per cluster, at the first of the stage imports applied with the controller.
fn same_applier(
    cluster: &Cluster,
    imports: &[(&Reference, &str)],
    controller: &Reference,
) -> Finding {
    let applier = applier(cluster, &controller.file);
    let by = cluster
        .flux
        .iter()
        .find(|k| {
            k.path
                .as_ref()
                .and_then(|p| p.target())
                .is_some_and(|t| t == applier)
        })
        .map_or_else(
            || format!("the Flux Kustomization applying {}", to_slash(&applier)),
            |k| {
                format!(
                    "Flux Kustomization {} ({}:{})",
                    k.name,
                    to_slash(&k.file),
                    k.line
                )
            },
        );
    let (first, _) = imports[0];
    let stages: Vec<String> = imports
        .iter()
        .map(|(r, stage)| format!("{stage} (line {})", r.line))
        .collect();
    let (noun, verb, these) = match imports.len() {
        1 => ("policy stage", "is", "this entry"),
        _ => ("policy stages", "are", "these entries"),
    };
    Finding::warning(
        &*first.file,
        first.line,
        format!(
            "{noun} {} {verb} applied with the Kyverno controller ({}) by the same {by}: on a new \
             cluster Flux's dry run of the policies fails until Kyverno's CRDs exist, and the \
             HelmRelease that installs them is never applied",
            stages.join(", "),
            controller.location(),
        ),
        format!(
            "move {these} to clusters/{c}/policies/kustomization.yaml, applied by \
             clusters/{c}/policies.yaml, a Flux Kustomization with `dependsOn: [{{name: infra}}]`, \
             listed by clusters/{c}/kustomization.yaml (as `fluxfleet init` writes them)",
            c = cluster.name
        ),
    )
}

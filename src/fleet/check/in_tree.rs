//! The seed's rule that definitions live in `apps/` and `infrastructure/` and a cluster only
//! references them: a Deployment or a Namespace written inside `clusters/<c>/` is a decision
//! no other cluster can share, and `status` does not see it.

use super::*;
use crate::yaml::Node;

/// A warning for each object a cluster's lists bring in from a manifest inside the cluster's
/// own tree, other than Flux's own objects (`flux-system/`, Flux Kustomizations and their
/// sources, notifications).
pub(super) fn definitions_in_tree(fleet: &Fleet, cluster: &Cluster, out: &mut Vec<Finding>) {
    let flux_system = cluster.dir.join("flux-system");
    let mut seen = HashSet::new();
    let files = cluster
        .references()
        .filter_map(|r| r.target())
        .filter(|t| cluster.owns(t) && !t.starts_with(&flux_system))
        .filter(|t| {
            t.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                crate::fleet::read::is_yaml(n) && !KUSTOMIZATION_NAMES.contains(&n)
            })
        });
    for file in files {
        if !seen.insert(file) {
            continue;
        }
        // A manifest that does not parse is kustomize's to report; this rule reads what it can.
        let Ok(Some(docs)) = fleet.reader.docs(file) else {
            continue;
        };
        for doc in docs.iter().map(|d| &d.root) {
            if let Some(finding) = defined_here(cluster, file, doc) {
                out.push(finding);
            }
        }
    }
}

/// The finding for one object of `file`, `None` when the object may live in a cluster tree.
fn defined_here(cluster: &Cluster, file: &Path, doc: &Node) -> Option<Finding> {
    let kind = doc.get("kind").and_then(Node::as_str)?;
    let api = doc.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let group = api.split_once('/').map_or("", |(group, _)| group);
    let name = doc
        .at_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("<unnamed>");
    let home = match (group, kind) {
        ("kustomize.toolkit.fluxcd.io", _) => return None,
        ("source.toolkit.fluxcd.io", "GitRepository" | "OCIRepository" | "Bucket") => return None,
        ("notification.toolkit.fluxcd.io" | "image.toolkit.fluxcd.io", _) => return None,
        ("kustomize.config.k8s.io", _) => return None,
        ("", "Namespace") => Home::Namespace,
        ("helm.toolkit.fluxcd.io", _) | ("source.toolkit.fluxcd.io", _) => Home::Controller,
        ("kyverno.io", _) => Home::Policy,
        _ => Home::App,
    };
    let line = doc.get("kind").map_or(doc.line, |k| k.line);
    let fix = match home {
        Home::Namespace => format!(
            "define it in {NAMESPACES_DIR}/{name}/ (fluxfleet add-ns {name} --clusters {}) and \
             remove it here",
            cluster.name
        ),
        Home::Controller => format!(
            "move it to infrastructure/controllers/{name}/ (or the controller it belongs to) and \
             reference that directory from {}/infra/kustomization.yaml",
            to_slash(&cluster.dir)
        ),
        Home::Policy => format!(
            "move it to infrastructure/policies/kyverno/<stage>/ and import the stage from \
             {}/infra/kustomization.yaml",
            to_slash(&cluster.dir)
        ),
        Home::App => format!(
            "move it to its app's base (apps/{name}/base/, or the app it belongs to) and \
             reference the base, or the app's overlay for {}, from {}/apps/kustomization.yaml",
            cluster.name,
            to_slash(&cluster.dir)
        ),
    };
    Some(Finding::warning(
        file,
        line,
        format!(
            "{kind} {name} is defined inside cluster {}'s tree: definitions live in apps/ and \
             infrastructure/, and a cluster only references them",
            cluster.name
        ),
        fix,
    ))
}

/// Where a definition belongs in the seed's layout.
enum Home {
    Namespace,
    Controller,
    Policy,
    App,
}

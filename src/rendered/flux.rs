//! Which Flux Kustomizations a render follows, as kustomize-controller does: those whose source
//! is this repository (`GitRepository/flux-system`), not suspended, applied to this cluster.

use std::path::PathBuf;

use crate::fleet::{artifact_path, ArtifactCopy};
use crate::paths;
use crate::yaml::Node;

/// What a followed Flux Kustomization renders: a directory of the repository, and the
/// namespace it puts every object in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit {
    /// Repository-relative; empty for the root.
    pub path: PathBuf,
    pub target_namespace: Option<String>,
    /// `spec.components`, resolved from the path: kustomize components added to it.
    pub components: Vec<PathBuf>,
}

impl Unit {
    /// A directory rendered as it is: no target namespace, no components.
    pub fn plain(path: PathBuf) -> Unit {
        Unit {
            path,
            target_namespace: None,
            components: Vec::new(),
        }
    }

    /// True when the unit renders its directory unchanged.
    pub fn is_plain(&self) -> bool {
        self.target_namespace.is_none() && self.components.is_empty()
    }
}

/// The unit `object` attaches, when it is a Flux Kustomization this repository reconciles:
/// from `GitRepository/flux-system`, or from an `ExternalArtifact` that `copies` (the cluster's
/// `ArtifactGenerator`s) build from this repository.
pub fn followed(object: &Node, copies: &[ArtifactCopy]) -> Option<Unit> {
    let api = object.get("apiVersion").and_then(Node::as_str)?;
    if !api.starts_with("kustomize.toolkit.fluxcd.io/")
        || object.get("kind").and_then(Node::as_str) != Some("Kustomization")
    {
        return None;
    }
    let spec = object.get("spec")?;
    let source_kind = spec
        .at_path(&["sourceRef", "kind"])
        .and_then(Node::as_str)
        .unwrap_or("GitRepository");
    let source_name = spec.at_path(&["sourceRef", "name"]).and_then(Node::as_str);
    let artifact = match (source_kind, source_name) {
        ("GitRepository", Some("flux-system")) => None,
        ("ExternalArtifact", Some(name)) => Some(name),
        _ => return None,
    };
    if spec.get("suspend").and_then(Node::as_str) == Some("true")
        || spec.get("kubeConfig").is_some()
    {
        return None;
    }
    let written = spec.get("path").and_then(Node::as_str).unwrap_or("");
    let path = paths::from_source_root(written)?;
    let path = match artifact {
        Some(name) => artifact_path(copies, name, &path)?,
        None => path,
    };
    let base = paths::to_slash(&path);
    let components = spec
        .get("components")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| paths::resolve_in(&base, c.as_str()?))
        .collect();
    Some(Unit {
        path,
        target_namespace: spec
            .get("targetNamespace")
            .and_then(Node::as_str)
            .filter(|ns| !ns.is_empty())
            .map(str::to_string),
        components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flux_paths_are_clamped_at_the_root() {
        assert_eq!(
            paths::from_source_root("./clusters/test/apps"),
            Some("clusters/test/apps".into())
        );
        assert_eq!(
            paths::from_source_root("../../apps/dev"),
            Some("apps/dev".into())
        );
        assert_eq!(
            paths::from_source_root("/apps/../infra/"),
            Some("infra".into())
        );
        assert_eq!(paths::from_source_root(""), Some(PathBuf::new()));
        assert_eq!(paths::from_source_root("./"), Some(PathBuf::new()));
    }
}

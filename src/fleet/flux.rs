//! Flux `Kustomization` objects (`kustomize.toolkit.fluxcd.io`): how a cluster attaches lists.
//!
//! Not to be confused with kustomize's own `kustomization.yaml`: a Flux Kustomization is an
//! object in the cluster whose `spec.path` names a directory of the source to reconcile.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::reference::Reference;
use crate::paths;
use crate::yaml::{Document, Node};

/// One Flux Kustomization object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FluxKustomization {
    /// The repository-relative file holding it.
    pub file: PathBuf,
    /// The line of its `kind:`.
    pub line: usize,
    /// `metadata.name`.
    pub name: String,
    /// The line of `spec:`, where a missing `dependsOn` belongs (the object's line if absent).
    pub spec_line: usize,
    /// `spec.path`, resolved from the repository root when the source is a `GitRepository`;
    /// `target` is `None` for other sources (OCI, external artifacts), whose paths mean
    /// nothing here.
    pub path: Option<Reference>,
    /// True when the source is `GitRepository/flux-system`, the repository bootstrap made:
    /// only then is a path that does not exist here certainly wrong. Another `GitRepository`
    /// may be this repository under another name, or a different one.
    pub this_repo: bool,
    /// `spec.components`, resolved from `spec.path` (kustomize components the controller adds
    /// to the kustomization there).
    pub components: Vec<Reference>,
    /// `spec.dependsOn[].name`.
    pub depends_on: Vec<String>,
    /// `spec.sourceRef` as `Kind/name`.
    pub source: String,
    /// `spec.targetNamespace`: the namespace of everything it applies, and the name of every
    /// `Namespace` object among it.
    pub target_namespace: Option<String>,
}

impl FluxKustomization {
    /// The Flux Kustomizations among the documents of `file`.
    pub(crate) fn from_docs(file: &Path, docs: &[Document]) -> Vec<FluxKustomization> {
        docs.iter()
            .map(|d| &d.root)
            .filter(|d| is_flux_kustomization(d))
            .map(|d| Self::from_doc(file, d))
            .collect()
    }

    fn from_doc(file: &Path, doc: &Node) -> FluxKustomization {
        let text = |keys: &[&str]| doc.at_path(keys).and_then(Node::as_str).map(String::from);
        let kind = text(&["spec", "sourceRef", "kind"]).unwrap_or_else(|| "GitRepository".into());
        let source_name = text(&["spec", "sourceRef", "name"]).unwrap_or_default();
        let git = kind == "GitRepository";
        let this_repo = git && source_name == "flux-system";
        let path = doc.at_path(&["spec", "path"]).and_then(|node| {
            let written = node.as_str()?;
            Some(Reference::resolved(
                Arc::from(file),
                node.line,
                written.to_string(),
                git.then(|| paths::from_source_root(written)).flatten(),
            ))
        });
        let base = path.as_ref().and_then(|p| p.target()).map(paths::to_slash);
        let components = doc
            .at_path(&["spec", "components"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| {
                let written = c.as_str()?;
                Some(Reference::resolved(
                    Arc::from(file),
                    c.line,
                    written.to_string(),
                    base.as_deref().and_then(|b| paths::resolve_in(b, written)),
                ))
            })
            .collect();
        let depends_on = doc
            .at_path(&["spec", "dependsOn"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d.get("name").and_then(Node::as_str).map(String::from))
            .collect();
        let line = doc.get("kind").map_or(doc.line, |k| k.line);
        FluxKustomization {
            file: file.to_path_buf(),
            line,
            name: text(&["metadata", "name"]).unwrap_or_default(),
            spec_line: super::reference::key_line(doc, "spec").unwrap_or(line),
            path,
            components,
            depends_on,
            this_repo,
            source: format!("{kind}/{source_name}"),
            target_namespace: text(&["spec", "targetNamespace"]).filter(|n| !n.is_empty()),
        }
    }
}

/// True for a document of kind `Kustomization` in Flux's API group.
pub(crate) fn is_flux_kustomization(doc: &Node) -> bool {
    doc.get("kind").and_then(Node::as_str) == Some("Kustomization")
        && doc
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|v| v.starts_with("kustomize.toolkit.fluxcd.io/"))
}

/// A cheap test on a file's text before parsing it: files without Flux's API group hold no
/// Flux Kustomization, and most files in a cluster tree are not worth a parse.
pub(crate) fn may_hold_flux_kustomization(text: &str) -> bool {
    text.contains("kustomize.toolkit.fluxcd.io") || text.contains("ArtifactGenerator")
}

/// One copy operation of a source-watcher `ArtifactGenerator`: the `ExternalArtifact` named
/// `artifact` holds, under `to` (a directory of the artifact, `""` for its root), what lies under
/// `from` in this repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArtifactCopy {
    pub artifact: String,
    pub to: PathBuf,
    pub from: PathBuf,
}

/// The copy operations of the `ArtifactGenerator`s among `docs` that copy this repository's
/// files (`@<alias>/dir/**` → `@artifact/dir/`). Globs other than a trailing `**` or `*` are
/// not understood, and those copies are left out.
pub(crate) fn artifact_copies(docs: &[Document]) -> Vec<ArtifactCopy> {
    artifact_copies_of(docs.iter().map(|d| &d.root))
}

/// [`artifact_copies`] of objects already parsed.
pub(crate) fn artifact_copies_of<'n>(objects: impl Iterator<Item = &'n Node>) -> Vec<ArtifactCopy> {
    let mut out = Vec::new();
    for doc in objects {
        if doc.get("kind").and_then(Node::as_str) != Some("ArtifactGenerator") {
            continue;
        }
        let Some(artifacts) = doc.at_path(&["spec", "artifacts"]) else {
            continue;
        };
        for artifact in artifacts.items() {
            let Some(name) = artifact.get("name").and_then(Node::as_str) else {
                continue;
            };
            let copies = artifact.get("copy").map(Node::items).unwrap_or_default();
            for copy in copies {
                let at = |key: &str| copy.get(key).and_then(Node::as_str);
                let (Some(from), Some(to)) = (at("from"), at("to")) else {
                    continue;
                };
                let Some(from) = copied_dir(from, false) else {
                    continue;
                };
                let Some(to) = copied_dir(to, true) else {
                    continue;
                };
                out.push(ArtifactCopy {
                    artifact: name.to_string(),
                    to,
                    from,
                });
            }
        }
    }
    out
}

/// `@alias/apps/base/**` → `apps/base`; `@artifact/base/` → `base` (only `@artifact` when
/// `artifact`). `None` for a glob that is not a whole directory.
fn copied_dir(written: &str, artifact: bool) -> Option<PathBuf> {
    let rest = written.strip_prefix('@')?;
    let (alias, path) = rest.split_once('/').unwrap_or((rest, ""));
    if artifact != (alias == "artifact") {
        return None;
    }
    let path = path
        .trim_end_matches("**")
        .trim_end_matches('*')
        .trim_end_matches('/');
    if path.contains('*') {
        return None;
    }
    paths::from_source_root(path)
}

/// Where the path `within` of `ExternalArtifact/<artifact>` lies in this repository, by the
/// copies that build it: the copy whose `to` holds the path, the deepest first.
pub(crate) fn artifact_path(
    copies: &[ArtifactCopy],
    artifact: &str,
    within: &Path,
) -> Option<PathBuf> {
    copies
        .iter()
        .filter(|c| c.artifact == artifact && within.starts_with(&c.to))
        .max_by_key(|c| c.to.components().count())
        .map(|c| c.from.join(within.strip_prefix(&c.to).unwrap_or(within)))
}

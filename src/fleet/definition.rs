//! Other shared definitions a cluster opts into: controllers and policy stages.

use std::path::{Path, PathBuf};

use super::read::{is_yaml, Reader};
use super::Fleet;
use crate::error::Result;
use crate::yaml::Node;

/// The directory holding the controllers, one directory each.
pub const CONTROLLERS_DIR: &str = "infrastructure/controllers";

/// What a [`Definition`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefinitionKind {
    /// `infrastructure/controllers/<name>`.
    Controller,
    /// `infrastructure/policies/<engine>/<stage>`, named `<engine>/<stage>`.
    PolicyStage,
}

impl DefinitionKind {
    /// The noun messages use.
    pub fn noun(self) -> &'static str {
        match self {
            DefinitionKind::Controller => "controller",
            DefinitionKind::PolicyStage => "policy stage",
        }
    }
}

/// A shared directory clusters reference by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// Controller or policy stage.
    pub kind: DefinitionKind,
    /// `kyverno`, or `kyverno/test-only` for a policy stage.
    pub name: String,
    /// The repository-relative directory.
    pub dir: PathBuf,
}

/// Reads the controllers and policy stages.
pub(crate) fn read(reader: &Reader) -> Result<Vec<Definition>> {
    let mut out = Vec::new();
    let controllers = Path::new(CONTROLLERS_DIR);
    for name in reader.subdirs(controllers)? {
        out.push(Definition {
            kind: DefinitionKind::Controller,
            dir: controllers.join(&name),
            name,
        });
    }
    let policies = Path::new("infrastructure/policies");
    for engine in reader.subdirs(policies)? {
        for stage in reader.subdirs(&policies.join(&engine))? {
            out.push(Definition {
                kind: DefinitionKind::PolicyStage,
                dir: policies.join(&engine).join(&stage),
                name: format!("{engine}/{stage}"),
            });
        }
    }
    Ok(out)
}

impl Fleet {
    /// The namespace controller `controller` installs into and needs to exist: its
    /// HelmRelease's `spec.targetNamespace`, else the HelmRelease's own namespace; `None` when
    /// it has no HelmRelease, or Helm creates the namespace (`install.createNamespace`).
    /// Reads the controller's manifests (those its kustomization lists, else every one in its
    /// directory).
    pub fn controller_namespace(&self, controller: &Definition) -> Result<Option<String>> {
        let files: Vec<PathBuf> = match self.reader.list(&controller.dir)? {
            Some(list) => list
                .references
                .iter()
                .filter_map(|r| r.target().map(ToOwned::to_owned))
                .filter(|t| t.starts_with(&controller.dir))
                .collect(),
            None => self
                .reader
                .entries(&controller.dir)?
                .into_iter()
                .filter(|(name, is_dir)| !is_dir && is_yaml(name))
                .map(|(name, _)| controller.dir.join(name))
                .collect(),
        };
        for file in files {
            if !is_yaml(&file.to_string_lossy()) {
                continue;
            }
            let Some(docs) = self.reader.docs(&file)? else {
                continue;
            };
            for doc in docs.iter().map(|d| &d.root) {
                if doc.get("kind").and_then(Node::as_str) != Some("HelmRelease") {
                    continue;
                }
                let creates = doc.at_path(&["spec", "install", "createNamespace"]);
                if creates.and_then(Node::as_str) == Some("true") {
                    return Ok(None);
                }
                let target = doc.at_path(&["spec", "targetNamespace"]);
                let own = doc.at_path(&["metadata", "namespace"]);
                return Ok(target.or(own).and_then(Node::as_str).map(String::from));
            }
        }
        Ok(None)
    }
}

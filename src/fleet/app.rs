//! Apps: `apps/<name>/` with a `base/` and an overlay per cluster that needs different values.

use std::path::{Path, PathBuf};

use super::read::{is_yaml, Reader};
use super::reference::{ListFile, KUSTOMIZATION_NAMES};
use crate::error::Result;
use crate::yaml::Node;

/// The directory of baseline apps every cluster imports.
pub const COMMON_APPS: &str = "apps/common";

/// How much of an app's directory a read looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// Whether it is an app, and its `base/`; the overlays of an app with a `base/` are not
    /// listed (left empty): the status matrix does not show them, and a large fleet's apps are
    /// thousands of directory lookups. An app the clusters reference by its base or an overlay
    /// is not looked into at all ([`App::referenced`]).
    Matrix,
    /// Plus the overlays.
    Listed,
    /// Plus the kustomizations and the base's manifests, for `check`.
    Deep,
}

/// One app definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The directory name under `apps/`.
    pub name: String,
    /// `apps/<name>`.
    pub dir: PathBuf,
    /// `apps/<name>/base`, when it exists; not looked up for the status matrix when the
    /// clusters reference the app.
    pub base: Option<PathBuf>,
    /// The clusters (directory names) under `apps/<name>/overlays/`, sorted.
    pub overlays: Vec<String>,
    /// The namespace its manifests go to: the base kustomization's `namespace:`, else the first
    /// `metadata.namespace` of its manifests. Only read by [`super::Fleet::read_deep`].
    pub namespace: Option<String>,
    /// Namespaces the app creates itself (its own `Namespace` manifests). Deep read only.
    pub own_namespaces: Vec<String>,
    /// The kustomizations of the base, the app directory and each overlay. Deep read only.
    pub lists: Vec<ListFile>,
}

impl App {
    /// `apps/<name>/overlays/<cluster>`.
    pub fn overlay_dir(&self, cluster: &str) -> PathBuf {
        self.dir.join("overlays").join(cluster)
    }

    /// App `name` as the clusters' references to its `base/` or one of its `overlays/` make
    /// it, without looking into its directory: no `base`, no overlays. The status matrix takes
    /// every referenced app so; the other reads only those whose directory holds neither.
    pub(crate) fn referenced(name: &str) -> App {
        App {
            name: name.to_string(),
            dir: Path::new("apps").join(name),
            base: None,
            overlays: Vec::new(),
            namespace: None,
            own_namespaces: Vec::new(),
            lists: Vec::new(),
        }
    }

    /// Reads `apps/<name>` when it is an app: it has a `base/`, `overlays/` or a kustomization.
    pub(crate) fn read(reader: &Reader, name: &str, depth: Depth) -> Result<Option<App>> {
        let dir = Path::new("apps").join(name);
        // Two lookups per app rather than a directory listing: a fleet has thousands of apps.
        let base = dir.join("base");
        let has_base = reader.is_dir(&base);
        let overlays = if has_base && depth == Depth::Matrix {
            None
        } else {
            reader.subdirs_if_any(&dir.join("overlays"))?
        };
        if !has_base
            && overlays.is_none()
            && !KUSTOMIZATION_NAMES
                .iter()
                .any(|n| reader.is_file(&dir.join(n)))
        {
            return Ok(None);
        }
        let mut app = App {
            name: name.to_string(),
            base: has_base.then_some(base),
            dir,
            overlays: overlays.unwrap_or_default(),
            namespace: None,
            own_namespaces: Vec::new(),
            lists: Vec::new(),
        };
        if depth == Depth::Deep {
            app.read_manifests(reader)?;
        }
        Ok(Some(app))
    }

    /// Reads the kustomizations and the base's manifests, for the checks that need them.
    fn read_manifests(&mut self, reader: &Reader) -> Result<()> {
        let main = self.base.clone().unwrap_or_else(|| self.dir.clone());
        let mut dirs = vec![main.clone()];
        if self.base.is_some() {
            dirs.push(self.dir.clone());
        }
        dirs.extend(self.overlays.iter().map(|o| self.overlay_dir(o)));
        for dir in &dirs {
            if let Some(list) = reader.list(dir)? {
                self.lists.push(list);
            }
        }
        let main_list = self.lists.iter().find(|l| l.dir() == main);
        self.namespace = main_list.and_then(|l| l.namespace.clone());
        let files: Vec<PathBuf> = match main_list {
            Some(list) => list
                .references
                .iter()
                .filter_map(|r| r.target.clone())
                .filter(|t| t.starts_with(&main))
                .collect(),
            None => reader
                .entries(&main)?
                .into_iter()
                .filter(|(n, d)| !d && is_yaml(n))
                .map(|(n, _)| main.join(n))
                .collect(),
        };
        for file in files {
            if !is_yaml(&file.to_string_lossy()) {
                continue;
            }
            let Some(docs) = reader.docs(&file)? else {
                continue;
            };
            for doc in docs.iter().map(|d| &d.root) {
                if doc.get("kind").and_then(Node::as_str) == Some("Namespace") {
                    if let Some(name) = doc.at_path(&["metadata", "name"]).and_then(Node::as_str) {
                        self.own_namespaces.push(name.to_string());
                    }
                }
                if self.namespace.is_none() {
                    self.namespace = doc
                        .at_path(&["metadata", "namespace"])
                        .and_then(Node::as_str)
                        .map(String::from);
                }
            }
        }
        Ok(())
    }
}

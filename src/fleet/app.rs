//! Apps: `apps/<name>/` with a `base/` and an overlay per cluster that needs different values.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::read::{is_yaml, Reader};
use super::reference::{ListFile, KUSTOMIZATION_NAMES};
use crate::error::Result;
use crate::yaml::Node;

/// The directory of baseline apps every cluster imports.
pub const COMMON_APPS: &str = "apps/common";

/// One app definition. What its directory holds is looked at on first use
/// ([`super::Fleet::app_layout`], [`super::Fleet::app_manifests`]): the status matrix of a large
/// fleet needs neither for its thousands of apps, and a promotion only the promoted app's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The directory name under `apps/`.
    pub name: String,
    /// `apps/<name>`.
    pub dir: PathBuf,
    pub(super) layout: OnceLock<AppLayout>,
    pub(super) manifests: OnceLock<AppManifests>,
}

/// What an app's directory holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppLayout {
    /// `apps/<name>/base`, when it exists.
    pub base: Option<PathBuf>,
    /// The clusters (directory names) under `apps/<name>/overlays/`, sorted.
    pub overlays: Vec<String>,
}

/// What an app's kustomizations and base manifests say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppManifests {
    /// The namespace its manifests go to: the base kustomization's `namespace:`, else the first
    /// `metadata.namespace` of its manifests.
    pub namespace: Option<String>,
    /// Namespaces the app creates itself (its own `Namespace` manifests).
    pub own_namespaces: Vec<String>,
    /// The kustomizations of the base, the app directory and each overlay.
    pub lists: Vec<ListFile>,
}

impl App {
    /// `apps/<name>/overlays/<cluster>`.
    pub fn overlay_dir(&self, cluster: &str) -> PathBuf {
        self.dir.join("overlays").join(cluster)
    }

    /// App `name`, its directory not looked into yet: a directory the clusters' lists
    /// reference by its `base/` or one of its `overlays/` is an app whatever it holds (the
    /// clusters ask for it, and `check` reports what it lacks).
    pub(crate) fn referenced(name: &str) -> App {
        App {
            name: name.to_string(),
            dir: Path::new("apps").join(name),
            layout: OnceLock::new(),
            manifests: OnceLock::new(),
        }
    }

    /// App `name`, defined at `dir` in a layout other than the article's.
    pub(crate) fn found(name: &str, dir: PathBuf) -> App {
        App {
            name: name.to_string(),
            dir,
            layout: OnceLock::new(),
            manifests: OnceLock::new(),
        }
    }

    /// Reads `apps/<name>` when it is an app: it has a `base/`, `overlays/` or a kustomization.
    pub(crate) fn read(reader: &Reader, name: &str) -> Result<Option<App>> {
        let app = App::referenced(name);
        let layout = AppLayout::read(reader, &app.dir)?;
        if layout.base.is_none()
            && layout.overlays.is_empty()
            && !reader.is_dir(&app.dir.join("overlays"))
            && !KUSTOMIZATION_NAMES
                .iter()
                .any(|n| reader.is_file(&app.dir.join(n)))
        {
            return Ok(None);
        }
        let _ = app.layout.set(layout);
        Ok(Some(app))
    }
}

impl AppLayout {
    /// Looks into `dir`: two lookups rather than a directory listing.
    pub(super) fn read(reader: &Reader, dir: &Path) -> Result<AppLayout> {
        let base = dir.join("base");
        let base = reader.is_dir(&base).then_some(base);
        let overlays = reader
            .subdirs_if_any(&dir.join("overlays"))?
            .unwrap_or_default();
        Ok(AppLayout { base, overlays })
    }
}

impl AppManifests {
    /// Reads the kustomizations and the base's manifests of `app`, laid out as `layout`.
    pub(super) fn read(reader: &Reader, app: &App, layout: &AppLayout) -> Result<AppManifests> {
        let mut out = AppManifests::default();
        let main = layout.base.clone().unwrap_or_else(|| app.dir.clone());
        let mut dirs = vec![main.clone()];
        if layout.base.is_some() {
            dirs.push(app.dir.clone());
        }
        dirs.extend(layout.overlays.iter().map(|o| app.overlay_dir(o)));
        for dir in &dirs {
            if let Some(list) = reader.list(dir)? {
                out.lists.push(list);
            }
        }
        let main_list = out.lists.iter().find(|l| l.dir() == main);
        out.namespace = main_list.and_then(|l| l.namespace.clone());
        let files: Vec<PathBuf> = match main_list {
            Some(list) => list
                .references
                .iter()
                .filter_map(|r| r.target().map(ToOwned::to_owned))
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
                        out.own_namespaces.push(name.to_string());
                    }
                }
                if out.namespace.is_none() {
                    out.namespace = doc
                        .at_path(&["metadata", "namespace"])
                        .and_then(Node::as_str)
                        .map(String::from);
                }
            }
        }
        Ok(out)
    }
}

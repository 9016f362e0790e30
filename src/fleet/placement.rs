//! Placements: which reference brings an app or a namespace into a cluster, and through what.
//!
//! Every reference of every list a cluster pulls in is classified by its resolved target:
//! `apps/<a>/base` and `apps/<a>/overlays/<o>` place app `a`; `apps/common` places each app its
//! own list references; `infrastructure/namespaces/<set>` places the namespaces of that set. The
//! placement keeps the cluster's reference (file, line, text) and the chain of references that
//! lead to the definition, so `where` can show both the cluster's import and the set's entry.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use super::app::COMMON_APPS;
use super::cluster::Cluster;
use super::namespace::{Namespace, COMMON_SET, NAMESPACES_DIR};
use super::read::is_yaml;
use super::reference::{ListFile, Reference};

/// How a definition arrives in a cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Through {
    /// The cluster references the app's `base/`.
    Base,
    /// The cluster references `overlays/<name>` of the app.
    Overlay(String),
    /// The cluster imports a common set (`apps/common`, `infrastructure/namespaces/common`).
    Common,
    /// The cluster imports the named namespace set.
    Set(String),
    /// The cluster references the namespace's own directory.
    OwnDir,
    /// The cluster references the app's directory itself (layouts without `base/`).
    Direct,
}

impl Through {
    /// The short machine-readable label `status --json` uses.
    pub fn label(&self) -> &'static str {
        match self {
            Through::Base => "base",
            Through::Overlay(_) => "overlay",
            Through::Common => "common",
            Through::Set(_) => "set",
            Through::OwnDir => "own-dir",
            Through::Direct => "dir",
        }
    }

    /// A human description: `overlay dev`, `set test-only`.
    pub fn describe(&self) -> String {
        match self {
            Through::Overlay(name) => format!("overlay {name}"),
            Through::Set(name) => format!("set {name}"),
            Through::OwnDir => "own dir".to_string(),
            other => other.label().to_string(),
        }
    }
}

/// One way a definition reaches one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The cluster reached.
    pub cluster: String,
    /// The file of the cluster's reference (usually `clusters/<c>/.../kustomization.yaml`).
    pub file: PathBuf,
    /// The line of the cluster's reference.
    pub line: usize,
    /// The cluster's reference as written.
    pub via: String,
    /// How the definition arrives.
    pub through: Through,
    /// The references from the cluster to the definition: the cluster's own first, then a
    /// set's entry when the definition arrives through a set.
    pub chain: Vec<Reference>,
}

/// What a placement places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    App,
    Namespace,
}

impl Kind {
    /// The noun messages use.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Namespace => "namespace",
        }
    }
}

/// Placements by definition name, then by cluster.
pub type ByCluster = BTreeMap<String, Vec<Placement>>;

/// Every placement of a fleet.
#[derive(Debug, Default, Clone)]
pub(crate) struct Index {
    pub apps: HashMap<String, ByCluster>,
    pub namespaces: HashMap<String, ByCluster>,
}

/// What the classification needs to know about the fleet.
pub(crate) struct Definitions<'a> {
    pub apps: &'a HashMap<String, usize>,
    pub common_apps: Option<&'a ListFile>,
    /// Namespaces by set name.
    pub sets: &'a HashMap<String, Vec<&'a Namespace>>,
}

/// Computes every placement, one cluster per task.
pub(crate) fn index(clusters: &[Cluster], defs: &Definitions) -> Index {
    let found: Vec<Vec<(Kind, String, Placement)>> = clusters
        .par_iter()
        .map(|c| cluster_placements(c, defs))
        .collect();
    let mut index = Index::default();
    for (kind, name, placement) in found.into_iter().flatten() {
        let map = match kind {
            Kind::App => &mut index.apps,
            Kind::Namespace => &mut index.namespaces,
        };
        map.entry(name)
            .or_default()
            .entry(placement.cluster.clone())
            .or_default()
            .push(placement);
    }
    index
}

fn cluster_placements(cluster: &Cluster, defs: &Definitions) -> Vec<(Kind, String, Placement)> {
    let mut out = Vec::new();
    let place = |reference: &Reference, through: Through, chain: Vec<Reference>| Placement {
        cluster: cluster.name.clone(),
        file: reference.file.clone(),
        line: reference.line,
        via: reference.written.clone(),
        through,
        chain,
    };
    for reference in cluster.references() {
        let Some(target) = &reference.target else {
            continue;
        };
        if target == Path::new(COMMON_APPS) {
            for entry in defs
                .common_apps
                .map(|l| &l.references[..])
                .unwrap_or_default()
            {
                if let Some((app, _)) = entry.target.as_deref().and_then(|t| app_of(t, defs)) {
                    let chain = vec![reference.clone(), entry.clone()];
                    out.push((Kind::App, app, place(reference, Through::Common, chain)));
                }
            }
        } else if let Some((app, through)) = app_of(target, defs) {
            out.push((
                Kind::App,
                app,
                place(reference, through, vec![reference.clone()]),
            ));
        } else if let Some((set, rest)) = under(target, NAMESPACES_DIR) {
            let Some(members) = defs.sets.get(&set) else {
                continue;
            };
            let is_file = is_yaml(&rest);
            for ns in members.iter().filter(|ns| !is_file || ns.file == *target) {
                let through = if set == COMMON_SET {
                    Through::Common
                } else if ns.own_dir {
                    Through::OwnDir
                } else {
                    Through::Set(set.clone())
                };
                let mut chain = vec![reference.clone()];
                chain.extend(ns.entry.clone());
                out.push((
                    Kind::Namespace,
                    ns.name.clone(),
                    place(reference, through, chain),
                ));
            }
        }
    }
    out
}

/// The app a target belongs to, and how: `apps/<a>/base`, `apps/<a>/overlays/<o>`, `apps/<a>`.
fn app_of(target: &Path, defs: &Definitions) -> Option<(String, Through)> {
    let (name, rest) = under(target, "apps")?;
    if !defs.apps.contains_key(&name) {
        return None;
    }
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    let through = match (parts.next(), parts.next()) {
        (Some("base"), _) => Through::Base,
        (Some("overlays"), Some(overlay)) => Through::Overlay(overlay.to_string()),
        _ => Through::Direct,
    };
    Some((name, through))
}

/// For `target` = `<dir>/<name>/<rest>`, the `name` and `rest` (`rest` may be empty).
fn under(target: &Path, dir: &str) -> Option<(String, String)> {
    let rest = target.strip_prefix(dir).ok()?;
    let mut components = rest.components();
    let name = match components.next()? {
        Component::Normal(name) => name.to_string_lossy().into_owned(),
        _ => return None,
    };
    Some((name, crate::paths::to_slash(components.as_path())))
}

//! Placements: which reference brings an app or a namespace into a cluster, and through what.
//!
//! Every reference of every list a cluster pulls in is classified by its resolved target:
//! `apps/<a>/base` and `apps/<a>/overlays/<o>` place app `a`; `apps/common` places each app its
//! own list references; `infrastructure/namespaces/<set>` places the namespaces of that set. The
//! placement keeps the cluster's reference (file, line, text) and the chain of references that
//! lead to the definition, so `where` can show both the cluster's import and the set's entry.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::app::COMMON_APPS;
use super::cluster::Cluster;
use super::namespace::{Namespace, COMMON_SET, NAMESPACES_DIR};
use super::read::is_yaml;
use super::reference::{ListFile, Reference};
use super::FastMap;

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
    pub fn describe(&self) -> Cow<'static, str> {
        match self {
            Through::Overlay(_) | Through::Set(_) => {
                let mut out = String::new();
                self.describe_into(&mut out);
                Cow::Owned(out)
            }
            Through::OwnDir => Cow::Borrowed("own dir"),
            other => Cow::Borrowed(other.label()),
        }
    }

    /// [`Through::describe`] appended to `out`, without allocating.
    pub(crate) fn describe_into(&self, out: &mut String) {
        match self {
            Through::Overlay(name) => {
                out.push_str("overlay ");
                out.push_str(name);
            }
            Through::Set(name) => {
                out.push_str("set ");
                out.push_str(name);
            }
            Through::OwnDir => out.push_str("own dir"),
            other => out.push_str(other.label()),
        }
    }

    /// The width of [`Through::describe`] in characters, without writing it: the status table
    /// measures hundreds of thousands of cells.
    pub(crate) fn width(&self) -> usize {
        match self {
            Through::Overlay(name) => "overlay ".len() + name.chars().count(),
            Through::Set(name) => "set ".len() + name.chars().count(),
            Through::OwnDir => "own dir".len(),
            other => other.label().len(),
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
    /// `apps/<name>`.
    App,
    /// A `Namespace` manifest under `infrastructure/namespaces`.
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

/// A placement as positions in the fleet, made into a [`Placement`] only when asked for:
/// a large fleet has tens of thousands, and `where` needs one name's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Raw {
    /// Index of the cluster in the fleet's sorted clusters.
    pub cluster: usize,
    /// Index of the list in [`Cluster::lists`] order, and of the reference in it.
    pub list: usize,
    pub reference: usize,
    pub through: Through,
    pub link: Link,
}

/// The second reference of a placement's chain, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    None,
    /// Entry `i` of `apps/common/kustomization.yaml`.
    CommonApp(usize),
    /// The set entry of the fleet's namespace `i`.
    Namespace(usize),
}

/// Every placement of a fleet, by name, in cluster then list order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Index {
    pub apps: Grouped,
    pub namespaces: Grouped,
}

/// Placements with the id of the name they place.
type Named = Vec<(usize, Raw)>;

/// Placements grouped by name: the names sorted, each name's placements one range of a single
/// vector. A large fleet has tens of thousands of placements; one vector and a counting sort
/// cost far less than a map of thousands of small vectors.
#[derive(Debug, Default, Clone)]
pub(crate) struct Grouped {
    names: Vec<String>,
    /// The placements of `names[i]` are `raws[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    raws: Vec<Raw>,
}

impl Grouped {
    /// The placements of `name`; `None` when it has none.
    pub fn get(&self, name: &str) -> Option<&[Raw]> {
        let i = self.names.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
        let raws = &self.raws[self.starts[i]..self.starts[i + 1]];
        (!raws.is_empty()).then_some(raws)
    }

    /// Groups `found` (placements by name id, an index into the sorted `names`, one vector per
    /// cluster), keeping the order they come in within each name.
    fn new(names: Vec<String>, found: Vec<Named>) -> Grouped {
        let mut starts = vec![0; names.len() + 1];
        for (id, _) in found.iter().flatten() {
            starts[id + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let placeholder = Raw {
            cluster: 0,
            list: 0,
            reference: 0,
            through: Through::Base,
            link: Link::None,
        };
        let mut raws = vec![placeholder; starts[names.len()]];
        for (id, raw) in found.into_iter().flatten() {
            raws[next[id]] = raw;
            next[id] += 1;
        }
        Grouped {
            names,
            starts,
            raws,
        }
    }
}

/// What the classification needs to know about the fleet.
pub(crate) struct Definitions<'a> {
    /// The app names, sorted.
    pub apps: &'a [&'a str],
    pub common_apps: Option<&'a ListFile>,
    /// Indexes into the fleet's namespaces, by set name.
    pub sets: &'a HashMap<&'a str, Vec<usize>>,
    /// Sorted by name, then set.
    pub namespaces: &'a [Namespace],
}

/// Computes every placement, one cluster per task.
pub(crate) fn index(clusters: &[Cluster], defs: &Definitions) -> Index {
    // Namespace `i` of the fleet has name id `namespace_ids[i]` among the distinct names.
    let mut namespace_names: Vec<String> = Vec::new();
    let mut namespace_ids = Vec::with_capacity(defs.namespaces.len());
    for ns in defs.namespaces {
        if namespace_names.last() != Some(&ns.name) {
            namespace_names.push(ns.name.clone());
        }
        namespace_ids.push(namespace_names.len() - 1);
    }
    // Tens of thousands of entries are looked up: a map, not a search of the sorted names, and
    // a fast hash of short names rather than the default one that resists flooding.
    let apps: FastMap<&str, usize> = defs.apps.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let ids = Ids {
        apps: &apps,
        namespaces: &namespace_ids,
    };
    let (apps, namespaces): (Vec<_>, Vec<_>) = clusters
        .par_iter()
        .enumerate()
        .map(|(i, c)| cluster_placements(i, c, defs, &ids))
        .unzip();
    let (apps, namespaces) = rayon::join(
        || Grouped::new(defs.apps.iter().map(|a| a.to_string()).collect(), apps),
        || Grouped::new(namespace_names, namespaces),
    );
    Index { apps, namespaces }
}

/// The ids of the names placements place.
struct Ids<'a> {
    /// An app's index in `Definitions::apps`, by name.
    apps: &'a FastMap<&'a str, usize>,
    /// For each of `Definitions::namespaces`, the index of its name among the distinct names.
    namespaces: &'a [usize],
}

/// The placements of one cluster as `(id, raw)`, of apps and of namespaces: see [`Ids`].
fn cluster_placements(
    at: usize,
    cluster: &Cluster,
    defs: &Definitions,
    ids: &Ids,
) -> (Named, Named) {
    // Most of a cluster's references place an app: sized once rather than grown.
    let common = defs.common_apps.map_or(0, |l| l.references.len());
    let mut apps = Vec::with_capacity(cluster.references().count() + common);
    let mut namespaces = Vec::new();
    for (list, file) in cluster.lists().enumerate() {
        for (reference, r) in file.references.iter().enumerate() {
            let Some(target) = &r.target else {
                continue;
            };
            let raw = |through, link| Raw {
                cluster: at,
                list,
                reference,
                through,
                link,
            };
            if target.as_os_str() == COMMON_APPS {
                let entries = defs
                    .common_apps
                    .map(|l| &l.references[..])
                    .unwrap_or_default();
                for (i, entry) in entries.iter().enumerate() {
                    if let Some((app, _)) = entry.target.as_deref().and_then(|t| app_of(t, ids)) {
                        apps.push((app, raw(Through::Common, Link::CommonApp(i))));
                    }
                }
            } else if let Some((app, through)) = app_of(target, ids) {
                apps.push((app, raw(through, Link::None)));
            } else if let Some((set, rest)) = under(target, NAMESPACES_DIR) {
                let Some(members) = defs.sets.get(set) else {
                    continue;
                };
                let is_file = is_yaml(rest);
                for &i in members {
                    let ns = &defs.namespaces[i];
                    if is_file && ns.file != *target {
                        continue;
                    }
                    let through = if set == COMMON_SET {
                        Through::Common
                    } else if ns.own_dir {
                        Through::OwnDir
                    } else {
                        Through::Set(set.to_string())
                    };
                    let link = if ns.entry.is_some() {
                        Link::Namespace(i)
                    } else {
                        Link::None
                    };
                    namespaces.push((ids.namespaces[i], raw(through, link)));
                }
            }
        }
    }
    (apps, namespaces)
}

/// The cluster, the cluster's reference and the second reference of the chain (a set's or the
/// common list's entry) of a raw placement; `None` when its positions are out of range.
pub(crate) fn resolve<'f>(
    raw: &Raw,
    clusters: &'f [Cluster],
    common_apps: Option<&'f ListFile>,
    namespaces: &'f [Namespace],
) -> Option<(&'f Cluster, &'f Reference, Option<&'f Reference>)> {
    let cluster = clusters.get(raw.cluster)?;
    let reference = cluster
        .lists()
        .nth(raw.list)
        .and_then(|l| l.references.get(raw.reference))?;
    let link = match raw.link {
        Link::None => None,
        Link::CommonApp(i) => common_apps.and_then(|l| l.references.get(i)),
        Link::Namespace(i) => namespaces.get(i).and_then(|n| n.entry.as_ref()),
    };
    Some((cluster, reference, link))
}

/// Makes placements of raw positions, grouped by cluster.
pub(crate) fn materialize(
    raws: &[Raw],
    clusters: &[Cluster],
    common_apps: Option<&ListFile>,
    namespaces: &[Namespace],
) -> ByCluster {
    let mut out = ByCluster::new();
    for raw in raws {
        let Some((cluster, reference, link)) = resolve(raw, clusters, common_apps, namespaces)
        else {
            continue;
        };
        let mut chain = vec![reference.clone()];
        chain.extend(link.cloned());
        out.entry(cluster.name.clone())
            .or_default()
            .push(Placement {
                cluster: cluster.name.clone(),
                file: reference.file.to_path_buf(),
                line: reference.line,
                via: reference.written.clone(),
                through: raw.through.clone(),
                chain,
            });
    }
    out
}

/// The app a target belongs to (its id), and how: `apps/<a>/base`, `apps/<a>/overlays/<o>`,
/// `apps/<a>`.
fn app_of(target: &Path, ids: &Ids) -> Option<(usize, Through)> {
    let (name, rest) = under(target, "apps")?;
    let name = *ids.apps.get(name)?;
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    let through = match (parts.next(), parts.next()) {
        (Some("base"), _) => Through::Base,
        (Some("overlays"), Some(overlay)) => Through::Overlay(overlay.to_string()),
        _ => Through::Direct,
    };
    Some((name, through))
}

/// For `target` = `<dir>/<name>/<rest>`, the `name` and `rest` (`rest` may be empty).
/// Targets are normalised paths written with `/`, so this works on their text.
fn under<'t>(target: &'t Path, dir: &str) -> Option<(&'t str, &'t str)> {
    let rest = target.to_str()?.strip_prefix(dir)?.strip_prefix('/')?;
    let (name, rest) = rest.split_once('/').unwrap_or((rest, ""));
    (!name.is_empty()).then_some((name, rest))
}

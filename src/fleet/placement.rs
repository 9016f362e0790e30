//! Placements: which reference brings an app, a namespace or a policy into a cluster, and
//! through what.
//!
//! Every reference of every list a cluster pulls in is classified by its resolved target:
//! `apps/<a>/base` and `apps/<a>/overlays/<o>` place app `a`; `apps/common` places each app its
//! own list references; `infrastructure/namespaces/<set>` places the namespaces of that set (its
//! `base/` or `overlays/<o>` when the set is laid out that way);
//! `infrastructure/controllers/<c>` places controller `c`; `infrastructure/policies/<engine>/<stage>`
//! places the policies of that stage. The placement keeps the cluster's reference (file, line,
//! text) and the chain of references that
//! lead to the definition, so `where` can show both the cluster's import and the set's entry.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::app::COMMON_APPS;
use super::cluster::Cluster;
use super::definition::CONTROLLERS_DIR;
use super::namespace::{Namespace, COMMON_SET, NAMESPACES_DIR};
use super::policy::{Policy, POLICIES_DIR};
use super::read::is_yaml;
use super::reference::{ListFile, Reference};
use super::{FastMap, Fleet};

/// How a definition arrives in a cluster. `S` holds the overlay's or set's name: owned in a
/// [`Placement`], borrowed from the cluster's reference where a placement is only looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Through<S = String> {
    /// The cluster references the `base/` of an app (or of a namespace laid out with overlays).
    Base,
    /// The cluster references `overlays/<name>` of the app (or namespace).
    Overlay(S),
    /// The cluster imports a common set (`apps/common`, `infrastructure/namespaces/common`).
    Common,
    /// The cluster imports the named namespace set.
    Set(S),
    /// The cluster references the namespace's own directory.
    OwnDir,
    /// The cluster references the app's directory itself (layouts without `base/`).
    Direct,
    /// The cluster imports the named policy stage (`infrastructure/policies/<engine>/<stage>`).
    Stage(S),
}

impl<S: AsRef<str>> Through<S> {
    /// The short machine-readable label `status --json` uses.
    pub fn label(&self) -> &'static str {
        match self {
            Through::Base => "base",
            Through::Overlay(_) => "overlay",
            Through::Common => "common",
            Through::Set(_) => "set",
            Through::OwnDir => "own-dir",
            Through::Direct => "dir",
            Through::Stage(_) => "stage",
        }
    }

    /// A human description: `overlay dev`, `set test-only`, `stage shared`.
    pub fn describe(&self) -> Cow<'static, str> {
        match self {
            Through::Overlay(_) | Through::Set(_) | Through::Stage(_) => {
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
                out.push_str(name.as_ref());
            }
            Through::Set(name) => {
                out.push_str("set ");
                out.push_str(name.as_ref());
            }
            Through::Stage(name) => {
                out.push_str("stage ");
                out.push_str(name.as_ref());
            }
            Through::OwnDir => out.push_str("own dir"),
            other => out.push_str(other.label()),
        }
    }

    /// The same, with the name borrowed.
    pub fn as_deref(&self) -> Through<&str> {
        self.map(AsRef::as_ref)
    }

    /// The same, with the name owned.
    pub fn owned(&self) -> Through {
        self.map(|name| name.as_ref().to_string())
    }

    fn map<'s, T>(&'s self, f: impl FnOnce(&'s S) -> T) -> Through<T> {
        match self {
            Through::Base => Through::Base,
            Through::Overlay(name) => Through::Overlay(f(name)),
            Through::Common => Through::Common,
            Through::Set(name) => Through::Set(f(name)),
            Through::OwnDir => Through::OwnDir,
            Through::Direct => Through::Direct,
            Through::Stage(name) => Through::Stage(f(name)),
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
    /// `infrastructure/controllers/<name>`.
    Controller,
    /// A Kyverno policy in a stage under `infrastructure/policies`.
    Policy,
}

impl Kind {
    /// The short word of the command line: `app`, `ns`.
    pub fn word(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Namespace => "ns",
            Kind::Controller => "controller",
            Kind::Policy => "policy",
        }
    }

    /// The noun messages use.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::App => "app",
            Kind::Namespace => "namespace",
            Kind::Controller => "controller",
            Kind::Policy => "policy",
        }
    }
}

/// Placements by cluster, the clusters in promotion order (the fleet's order).
pub type ByCluster = indexmap::IndexMap<String, Vec<Placement>>;

/// A placement as positions in the fleet, made into a [`Placement`] only when asked for:
/// a large fleet has tens of thousands, so one is a few small numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Raw {
    /// Index of the cluster in the fleet's clusters (promotion order).
    cluster: u32,
    /// Index of the list in [`Cluster::lists`] order, and of the reference in it.
    list: u32,
    reference: u32,
    via: Via,
    link: Link,
}

impl Raw {
    /// Index of the cluster in the fleet's clusters (promotion order).
    pub fn cluster(&self) -> usize {
        self.cluster as usize
    }

    /// How the placement arrives, with the overlay's or the set's name. The table asks this of
    /// hundreds of thousands of cells: a name is looked up by index, and only an overlay not
    /// named after a cluster reads its reference.
    pub fn through<'f>(
        &self,
        clusters: &'f [Cluster],
        namespaces: &'f [Namespace],
        policies: &'f [Policy],
    ) -> Through<&'f str> {
        match self.via {
            Via::Base => Through::Base,
            Via::Overlay(i) => Through::Overlay(match clusters.get(i as usize) {
                Some(cluster) => cluster.name.as_str(),
                None => reference_of(self, clusters)
                    .and_then(|(_, r)| r.target.as_deref()?.to_str())
                    .and_then(overlay_of)
                    .unwrap_or_default(),
            }),
            Via::Common => Through::Common,
            Via::Set(i) => Through::Set(namespaces.get(i as usize).map_or("", |n| n.set.as_str())),
            Via::OwnDir => Through::OwnDir,
            Via::Direct => Through::Direct,
            Via::Stage(i) => {
                Through::Stage(policies.get(i as usize).map_or("", |p| p.stage.as_str()))
            }
        }
    }
}

impl Raw {
    /// Entry `reference` of list `list` (in [`Cluster::lists`] order) of cluster `cluster`,
    /// bringing in what it names directly: how a layout other than the article's places things.
    pub(crate) fn direct(cluster: usize, list: usize, reference: usize) -> Raw {
        Raw {
            cluster: position(cluster),
            list: position(list),
            reference: position(reference),
            via: Via::Direct,
            link: Link::None,
        }
    }
}

/// The raw placements, as the status matrix borrows them.
impl Fleet {
    /// The placements of `name` as positions in the fleet, in cluster then list order; empty
    /// when it reaches no cluster. The status matrix borrows them rather than make
    /// [`Placement`]s, tens of thousands in a large fleet.
    pub(crate) fn raw_placements(&self, kind: Kind, name: &str) -> &[Raw] {
        self.placements.get(kind, name).unwrap_or_default()
    }

    /// How `raw` arrives, with the overlay's or set's name borrowed from the fleet.
    pub(crate) fn through(&self, raw: &Raw) -> Through<&str> {
        raw.through(&self.clusters, &self.namespaces, &self.policies)
    }

    /// The cluster's reference of `raw` and, through a set or the common list, that list's
    /// entry; `None` when its positions are out of range.
    pub(crate) fn references_of(&self, raw: &Raw) -> Option<(&Reference, Option<&Reference>)> {
        let (_, reference, entry) = resolve(raw, &self.links())?;
        Some((reference, entry))
    }
}

/// How a raw placement arrives: a [`Through`] that keeps, instead of an overlay's or a set's
/// name, where in the fleet the name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Via {
    Base,
    /// The index of the cluster the overlay is named after, as overlays usually are; past the
    /// clusters when it is named otherwise, and the reference's target tells the name.
    Overlay(u32),
    Common,
    /// The index of one of the set's namespaces, which tells the set's name.
    Set(u32),
    OwnDir,
    Direct,
    /// The index of the policy, which tells its stage's name.
    Stage(u32),
}

/// The second reference of a placement's chain, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Link {
    None,
    /// Entry `i` of `apps/common/kustomization.yaml`.
    CommonApp(u32),
    /// The set entry of the fleet's namespace `i`.
    Namespace(u32),
    /// The stage list's entry of the fleet's policy `i`.
    Policy(u32),
}

/// Every placement of a fleet, by name, in cluster then list order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Index {
    pub apps: Grouped,
    pub namespaces: Grouped,
    pub controllers: Grouped,
    pub policies: Grouped,
}

impl Index {
    /// True when nothing is placed anywhere.
    pub fn is_empty(&self) -> bool {
        [
            &self.apps,
            &self.namespaces,
            &self.controllers,
            &self.policies,
        ]
        .iter()
        .all(|g| g.raws.is_empty())
    }

    /// The placements of the app, namespace or controller `name`; `None` when it has none.
    pub fn get(&self, kind: Kind, name: &str) -> Option<&[Raw]> {
        match kind {
            Kind::App => self.apps.get(name),
            Kind::Namespace => self.namespaces.get(name),
            Kind::Controller => self.controllers.get(name),
            Kind::Policy => self.policies.get(name),
        }
    }
}

/// Placements with the id of the name they place.
type Named = Vec<(u32, Raw)>;

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

    /// For each name, whether a placement brings it by its `base/` or one of its `overlays/`,
    /// the parts an app's directory is laid out in.
    pub fn laid_out(&self) -> Vec<bool> {
        self.starts
            .windows(2)
            .map(|w| {
                let raws = &self.raws[w[0]..w[1]];
                raws.iter()
                    .any(|r| matches!(r.via, Via::Base | Via::Overlay(_)))
            })
            .collect()
    }

    /// Keeps the names whose `keep` is true, with their placements.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut names = Vec::new();
        let mut starts = vec![0];
        let mut raws = Vec::new();
        for (i, name) in std::mem::take(&mut self.names).into_iter().enumerate() {
            if keep.get(i).copied().unwrap_or(true) {
                raws.extend_from_slice(&self.raws[self.starts[i]..self.starts[i + 1]]);
                starts.push(raws.len());
                names.push(name);
            }
        }
        *self = Grouped {
            names,
            starts,
            raws,
        };
    }

    /// Groups placements by name, keeping the order they come in within each name.
    pub fn by_name(mut found: Vec<(String, Raw)>) -> Grouped {
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut names: Vec<String> = Vec::new();
        let mut named: Named = Vec::with_capacity(found.len());
        for (name, raw) in found {
            if names.last() != Some(&name) {
                names.push(name);
            }
            named.push((position(names.len() - 1), raw));
        }
        Grouped::new(names, vec![named])
    }

    /// Groups `found` (placements by name id, an index into the sorted `names`, one vector per
    /// cluster), keeping the order they come in within each name.
    fn new(names: Vec<String>, found: Vec<Named>) -> Grouped {
        let mut starts = vec![0; names.len() + 1];
        for (id, _) in found.iter().flatten() {
            starts[*id as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let placeholder = Raw {
            cluster: 0,
            list: 0,
            reference: 0,
            via: Via::Base,
            link: Link::None,
        };
        let mut raws = vec![placeholder; starts[names.len()]];
        for (id, raw) in found.into_iter().flatten() {
            let at = &mut next[id as usize];
            raws[*at] = raw;
            *at += 1;
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
    /// The controller names, sorted.
    pub controllers: &'a [&'a str],
    /// Indexes into the fleet's policies, by stage directory (`infrastructure/policies/<e>/<s>`).
    pub stages: &'a HashMap<&'a Path, Vec<usize>>,
    /// Sorted by name, then stage.
    pub policies: &'a [Policy],
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
        namespace_ids.push(position(namespace_names.len() - 1));
    }
    // Tens of thousands of entries are looked up: a map, not a search of the sorted names, and
    // a fast hash of short names rather than the default one that resists flooding.
    let apps: FastMap<&str, u32> = defs
        .apps
        .iter()
        .enumerate()
        .map(|(i, a)| (*a, position(i)))
        .collect();
    let cluster_ids: FastMap<&str, u32> = clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), position(i)))
        .collect();
    let mut policy_names: Vec<String> = Vec::new();
    let mut policy_ids = Vec::with_capacity(defs.policies.len());
    for policy in defs.policies {
        if policy_names.last() != Some(&policy.name) {
            policy_names.push(policy.name.clone());
        }
        policy_ids.push(position(policy_names.len() - 1));
    }
    let ids = Ids {
        clusters: &cluster_ids,
        apps: &apps,
        namespaces: &namespace_ids,
        policies: &policy_ids,
    };
    let found: Vec<Found> = clusters
        .par_iter()
        .enumerate()
        .map(|(i, c)| cluster_placements(position(i), c, defs, &ids))
        .collect();
    let mut apps = Vec::with_capacity(found.len());
    let mut namespaces = Vec::with_capacity(found.len());
    let mut controllers = Vec::with_capacity(found.len());
    let mut policies = Vec::with_capacity(found.len());
    for one in found {
        apps.push(one.apps);
        namespaces.push(one.namespaces);
        controllers.push(one.controllers);
        policies.push(one.policies);
    }
    let controller_names = defs.controllers.iter().map(|c| c.to_string()).collect();
    let ((apps, namespaces), (controllers, policies)) = rayon::join(
        || {
            rayon::join(
                || Grouped::new(defs.apps.iter().map(|a| a.to_string()).collect(), apps),
                || Grouped::new(namespace_names, namespaces),
            )
        },
        || {
            (
                Grouped::new(controller_names, controllers),
                Grouped::new(policy_names, policies),
            )
        },
    );
    Index {
        apps,
        namespaces,
        controllers,
        policies,
    }
}

/// A position in one of the fleet's vectors as a raw placement keeps it. A fleet's clusters,
/// lists, references and names number far fewer than `u32::MAX`; a larger one would make a
/// position that resolves to nothing rather than to a wrong item.
fn position(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The ids of the names placements place.
struct Ids<'a> {
    /// A cluster's index in the fleet, by name: overlays are usually named after one.
    clusters: &'a FastMap<&'a str, u32>,
    /// An app's index in `Definitions::apps`, by name.
    apps: &'a FastMap<&'a str, u32>,
    /// For each of `Definitions::namespaces`, the index of its name among the distinct names.
    namespaces: &'a [u32],
    /// The same for `Definitions::policies`.
    policies: &'a [u32],
}

/// The placements of one cluster as `(id, raw)`, by kind.
struct Found {
    /// Ids as [`Ids::apps`] gives them.
    apps: Named,
    /// Ids as [`Ids::namespaces`] gives them.
    namespaces: Named,
    /// Ids are indexes into [`Definitions::controllers`].
    controllers: Named,
    /// Ids as [`Ids::policies`] gives them.
    policies: Named,
}

/// The placements of one cluster as `(id, raw)`, of apps, namespaces, controllers and
/// policies: see [`Found`].
fn cluster_placements(at: u32, cluster: &Cluster, defs: &Definitions, ids: &Ids) -> Found {
    // Most of a cluster's references place an app: sized once rather than grown.
    let common = defs.common_apps.map_or(0, |l| l.references.len());
    let mut apps = Vec::with_capacity(cluster.references().count() + common);
    let mut namespaces = Vec::new();
    let mut controllers = Vec::new();
    let mut policies = Vec::new();
    for (list, file) in cluster.lists().enumerate() {
        for (reference, r) in file.references.iter().enumerate() {
            let Some(target) = r.target.as_deref().and_then(Path::to_str) else {
                continue;
            };
            let raw = |via, link| Raw {
                cluster: at,
                list: position(list),
                reference: position(reference),
                via,
                link,
            };
            if target == COMMON_APPS {
                let entries = defs
                    .common_apps
                    .map(|l| &l.references[..])
                    .unwrap_or_default();
                for (i, entry) in entries.iter().enumerate() {
                    let entry = entry.target.as_deref().and_then(Path::to_str);
                    if let Some((app, _)) = entry.and_then(|t| app_of(t, ids)) {
                        apps.push((app, raw(Via::Common, Link::CommonApp(position(i)))));
                    }
                }
            } else if let Some((app, via)) = app_of(target, ids) {
                apps.push((app, raw(via, Link::None)));
            } else if let Some((set, rest)) = under(target, NAMESPACES_DIR) {
                let Some(members) = defs.sets.get(set) else {
                    continue;
                };
                let is_file = is_yaml(rest);
                for &i in members {
                    let ns = &defs.namespaces[i];
                    // Compared as paths: a file found by listing its set's directory is
                    // joined with the platform's separator.
                    if is_file && ns.file != Path::new(target) {
                        continue;
                    }
                    let via = if set == COMMON_SET {
                        Via::Common
                    } else if let Some(via) = ns.base.as_ref().and_then(|_| laid_out(rest, ids)) {
                        via
                    } else if ns.own_dir {
                        Via::OwnDir
                    } else {
                        Via::Set(position(i))
                    };
                    let link = if ns.entry.is_some() {
                        Link::Namespace(position(i))
                    } else {
                        Link::None
                    };
                    namespaces.push((ids.namespaces[i], raw(via, link)));
                }
            } else if let Some((name, _)) = under(target, CONTROLLERS_DIR) {
                // A handful of controllers: a search of the sorted names.
                if let Ok(id) = defs.controllers.binary_search(&name) {
                    controllers.push((position(id), raw(Via::Direct, Link::None)));
                }
            } else if let Some((stage, rest)) = stage_of(target) {
                let Some(members) = defs.stages.get(Path::new(stage)) else {
                    continue;
                };
                for &i in members {
                    let policy = &defs.policies[i];
                    if is_yaml(rest) && policy.file != Path::new(target) {
                        continue;
                    }
                    let link = match policy.entry {
                        Some(_) => Link::Policy(position(i)),
                        None => Link::None,
                    };
                    let raw = raw(Via::Stage(position(i)), link);
                    policies.push((ids.policies[i], raw));
                }
            }
        }
    }
    Found {
        apps,
        namespaces,
        controllers,
        policies,
    }
}

/// For a target `infrastructure/policies/<engine>/<stage>[/rest]`, the stage directory and
/// `rest`.
fn stage_of(target: &str) -> Option<(&str, &str)> {
    let (engine, rest) = under(target, POLICIES_DIR)?;
    let (stage, rest) = rest.split_once('/').unwrap_or((rest, ""));
    if stage.is_empty() {
        return None;
    }
    let len = POLICIES_DIR.len() + 1 + engine.len() + 1 + stage.len();
    Some((&target[..len], rest))
}

/// The parts of the fleet a raw placement's positions index.
pub(crate) struct Links<'f> {
    pub clusters: &'f [Cluster],
    pub common_apps: Option<&'f ListFile>,
    pub namespaces: &'f [Namespace],
    pub policies: &'f [Policy],
}

/// The cluster, the cluster's reference and the second reference of the chain (a set's or the
/// common list's entry) of a raw placement; `None` when its positions are out of range.
pub(crate) fn resolve<'f>(
    raw: &Raw,
    links: &Links<'f>,
) -> Option<(&'f Cluster, &'f Reference, Option<&'f Reference>)> {
    let (cluster, reference) = reference_of(raw, links.clusters)?;
    let link = match raw.link {
        Link::None => None,
        Link::CommonApp(i) => links.common_apps.and_then(|l| l.references.get(i as usize)),
        Link::Namespace(i) => links
            .namespaces
            .get(i as usize)
            .and_then(|n| n.entry.as_ref()),
        Link::Policy(i) => links
            .policies
            .get(i as usize)
            .and_then(|p| p.entry.as_ref()),
    };
    Some((cluster, reference, link))
}

/// The cluster and the cluster's reference of a raw placement; `None` when its positions are
/// out of range.
fn reference_of<'f>(raw: &Raw, clusters: &'f [Cluster]) -> Option<(&'f Cluster, &'f Reference)> {
    let cluster = clusters.get(raw.cluster())?;
    let reference = cluster
        .lists()
        .nth(raw.list as usize)
        .and_then(|l| l.references.get(raw.reference as usize))?;
    Some((cluster, reference))
}

/// Makes placements of raw positions, grouped by cluster.
pub(crate) fn materialize(raws: &[Raw], links: &Links) -> ByCluster {
    let mut out = ByCluster::new();
    for raw in raws {
        let Some((cluster, reference, link)) = resolve(raw, links) else {
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
                through: raw
                    .through(links.clusters, links.namespaces, links.policies)
                    .owned(),
                chain,
            });
    }
    out
}

/// The app a target belongs to (its id), and how: `apps/<a>/base`, `apps/<a>/overlays/<o>`,
/// `apps/<a>`.
fn app_of(target: &str, ids: &Ids) -> Option<(u32, Via)> {
    let (name, rest) = under(target, "apps")?;
    let name = *ids.apps.get(name)?;
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    let via = match (parts.next(), parts.next()) {
        (Some("base"), _) => Via::Base,
        (Some("overlays"), Some(overlay)) => {
            Via::Overlay(ids.clusters.get(overlay).copied().unwrap_or(u32::MAX))
        }
        _ => Via::Direct,
    };
    Some((name, via))
}

/// How a target inside a definition laid out as `base/` and `overlays/<o>` brings it, from
/// the part of the target below the definition's directory; `None` for any other part.
fn laid_out(rest: &str, ids: &Ids) -> Option<Via> {
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some("base"), _) => Some(Via::Base),
        (Some("overlays"), Some(overlay)) => Some(Via::Overlay(
            ids.clusters.get(overlay).copied().unwrap_or(u32::MAX),
        )),
        _ => None,
    }
}

/// The overlay of a target `apps/<a>/overlays/<o>[/...]` or
/// `infrastructure/namespaces/<n>/overlays/<o>[/...]`.
fn overlay_of(target: &str) -> Option<&str> {
    let (_, rest) = under(target, "apps").or_else(|| under(target, NAMESPACES_DIR))?;
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some("overlays"), Some(overlay)) => Some(overlay),
        _ => None,
    }
}

/// For `target` = `<dir>/<name>/<rest>`, the `name` and `rest` (`rest` may be empty).
/// Targets are normalised paths written with `/`, so this works on their text.
fn under<'t>(target: &'t str, dir: &str) -> Option<(&'t str, &'t str)> {
    let rest = target.strip_prefix(dir)?.strip_prefix('/')?;
    let (name, rest) = rest.split_once('/').unwrap_or((rest, ""));
    (!name.is_empty()).then_some((name, rest))
}

//! The placement index: every reference of every cluster's lists classified by its resolved
//! target, once for the whole fleet, into [`Raw`] positions grouped by name ([`Index`]); and the
//! [`Placement`]s made from them when a command asks about one name ([`materialize`]).

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::{position, ByCluster, Kind, Link, Placement, Raw, Via};
use crate::fleet::app::COMMON_APPS;
use crate::fleet::cluster::Cluster;
use crate::fleet::definition::CONTROLLERS_DIR;
use crate::fleet::namespace::{Namespace, COMMON_SET, NAMESPACES_DIR};
use crate::fleet::policy::{Policy, POLICIES_DIR};
use crate::fleet::read::is_yaml;
use crate::fleet::reference::{ListFile, Reference};
use crate::fleet::FastMap;

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
    ///
    /// A counting sort, a block of names at a time: each cluster's placements are put in name
    /// order first (a cluster's lists usually are already), so that a block's are a run of
    /// each; they are placed in a buffer the size of the block's, which stays in the cache,
    /// and appended. Placed straight into the whole result, each placement was a cache miss:
    /// 2.3-2.9 ms for the 89,000 app placements of the dense benchmark fleet.
    fn new(names: Vec<String>, mut found: Vec<Named>) -> Grouped {
        found.par_iter_mut().for_each(|placed| {
            if !placed.is_sorted_by_key(|(id, _)| *id) {
                placed.sort_by_key(|(id, _)| *id);
            }
        });
        let mut starts = vec![0; names.len() + 1];
        for (id, _) in found.iter().flatten() {
            starts[*id as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut raws = Vec::with_capacity(starts[names.len()]);
        let mut block = Vec::new();
        let mut next = vec![0; found.len()];
        let mut first = 0;
        while first < names.len() {
            // Up to BLOCK placements (one name's, when it has more).
            let mut last = first + 1;
            while last < names.len() && starts[last + 1] - starts[first] <= BLOCK {
                last += 1;
            }
            let base = starts[first];
            let mut slot: Vec<usize> = starts[first..last].iter().map(|s| s - base).collect();
            block.clear();
            block.resize(starts[last] - base, PLACEHOLDER);
            for (placed, at) in found.iter().zip(&mut next) {
                while let Some((id, raw)) = placed.get(*at).filter(|(id, _)| (*id as usize) < last)
                {
                    let to = &mut slot[*id as usize - first];
                    block[*to] = *raw;
                    *to += 1;
                    *at += 1;
                }
            }
            raws.extend_from_slice(&block);
            first = last;
        }
        Grouped {
            names,
            starts,
            raws,
        }
    }
}

/// The placements a block of [`Grouped::new`] holds at most: 8,192, a quarter of a megabyte,
/// which the cache keeps while they are placed.
const BLOCK: usize = 8 * 1024;

/// What [`Grouped::new`]'s buffers are made of before a placement is written in.
const PLACEHOLDER: Raw = Raw {
    cluster: 0,
    list: 0,
    reference: 0,
    via: Via::Base,
    link: Link::None,
};

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

/// Every reference of every cluster classified, one cluster per task; grouped by name next
/// ([`Classified::group`]).
pub(crate) fn classify(clusters: &[Cluster], defs: &Definitions) -> Classified {
    // Namespace `i` of the fleet has name id `namespace_ids[i]` among the distinct names.
    let (namespace_names, namespace_ids) = distinct(defs.namespaces.iter().map(|n| &n.name));
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
    let (policy_names, policy_ids) = distinct(defs.policies.iter().map(|p| &p.name));
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
    Classified {
        app_names: defs.apps.iter().map(|a| a.to_string()).collect(),
        namespace_names,
        controller_names: defs.controllers.iter().map(|c| c.to_string()).collect(),
        policy_names,
        found,
    }
}

/// The placements of each cluster, by kind, with the names their ids index.
pub(crate) struct Classified {
    app_names: Vec<String>,
    namespace_names: Vec<String>,
    controller_names: Vec<String>,
    policy_names: Vec<String>,
    /// One per cluster, in promotion order.
    found: Vec<Found>,
}

impl Classified {
    /// For each app, whether a placement brings it by its `base/` or one of its `overlays/`,
    /// the parts an app's directory is laid out in.
    pub fn laid_out(&self) -> Vec<bool> {
        let mut laid_out = vec![false; self.app_names.len()];
        for (app, raw) in self.found.iter().flat_map(|one| &one.apps) {
            if matches!(raw.via, Via::Base | Via::Overlay(_)) {
                laid_out[*app as usize] = true;
            }
        }
        laid_out
    }

    /// The placements grouped by name.
    pub fn group(self) -> Index {
        let mut apps = Vec::with_capacity(self.found.len());
        let mut namespaces = Vec::with_capacity(self.found.len());
        let mut controllers = Vec::with_capacity(self.found.len());
        let mut policies = Vec::with_capacity(self.found.len());
        for one in self.found {
            apps.push(one.apps);
            namespaces.push(one.namespaces);
            controllers.push(one.controllers);
            policies.push(one.policies);
        }
        let ((apps, namespaces), (controllers, policies)) = rayon::join(
            || {
                rayon::join(
                    || Grouped::new(self.app_names, apps),
                    || Grouped::new(self.namespace_names, namespaces),
                )
            },
            || {
                (
                    Grouped::new(self.controller_names, controllers),
                    Grouped::new(self.policy_names, policies),
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
}

/// The distinct names of `sorted` (names sorted, a name repeated in a row), and the id of each
/// item's name among them.
fn distinct<'n>(sorted: impl ExactSizeIterator<Item = &'n String>) -> (Vec<String>, Vec<u32>) {
    let mut names: Vec<String> = Vec::new();
    let mut ids = Vec::with_capacity(sorted.len());
    for name in sorted {
        if names.last() != Some(name) {
            names.push(name.clone());
        }
        ids.push(position(names.len() - 1));
    }
    (names, ids)
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
            let Some(target) = r.target_str() else {
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
                    let entry = entry.target_str();
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
pub(super) fn reference_of<'f>(
    raw: &Raw,
    clusters: &'f [Cluster],
) -> Option<(&'f Cluster, &'f Reference)> {
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
                via: reference.written().to_string(),
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
pub(super) fn overlay_of(target: &str) -> Option<&str> {
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
    // A byte loop: `split_once`'s search costs more to start than these short names take.
    let (name, rest) = match rest.bytes().position(|b| b == b'/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    (!name.is_empty()).then_some((name, rest))
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;

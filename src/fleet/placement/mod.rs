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

mod index;

use std::borrow::Cow;
use std::path::PathBuf;

use super::cluster::Cluster;
use super::namespace::Namespace;
use super::policy::Policy;
use super::reference::Reference;
use super::Fleet;

pub(crate) use index::{classify, materialize, resolve, Definitions, Grouped, Index, Links};
use index::{overlay_of, reference_of};

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
                    .and_then(|(_, r)| r.target_str())
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

/// A position in one of the fleet's vectors as a raw placement keeps it. A fleet's clusters,
/// lists, references and names number far fewer than `u32::MAX`; a larger one would make a
/// position that resolves to nothing rather than to a wrong item.
fn position(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

//! Step 1 of the pipeline: read the repository into a [`Fleet`] snapshot. Reading never writes.
//!
//! The snapshot answers the seed's question, "what is supposed to run where?": the clusters
//! under `clusters/`, the lists each cluster's tree pulls in, the shared definitions (apps,
//! namespace sets, controllers, policy stages and their policies) and, for each app, namespace
//! and policy, the placements that bring it into a cluster. Only the files those answers need
//! are read, each once, clusters and definitions in parallel; their exact text is kept for the
//! commands that edit them.
//!
//! A file a little past 600 lines: the snapshot, its one read (`read_scoped`, each step of
//! which waits on the one before) and the questions it answers are one type, kept together.

mod app;
mod build;
mod check;
mod cluster;
mod cycles;
mod definition;
mod discover;
mod finding;
mod flux;
mod lookup;
mod members;
mod namespace;
mod order;
mod overlay;
mod placement;
mod policy;
mod queries;
mod read;
mod reference;
pub(crate) mod root;
mod scan;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

pub use app::{App, AppLayout, AppManifests, COMMON_APPS};
pub use build::{build, Renderer};
pub use check::{check, sort as sort_findings, Finding, Severity};
pub use cluster::Cluster;
pub use definition::{Definition, DefinitionKind, CONTROLLERS_DIR};
pub use flux::FluxKustomization;
pub(crate) use flux::{artifact_copies_of, artifact_path, is_flux_kustomization, ArtifactCopy};
pub use lookup::{lookup, Lookup};
pub use namespace::{Namespace, NamespaceSet, COMMON_SET, NAMESPACES_DIR};
pub use order::{stage, Listed, SETTINGS};
pub(crate) use placement::Raw;
pub use placement::{ByCluster, Kind, Placement, Through};
pub(crate) use policy::{identify as identify_policy, mode_of as policy_mode};
pub use policy::{Mode, Policy, Stage, KYVERNO, POLICIES_DIR};
pub use queries::BUILTIN_NAMESPACES;
pub use reference::{ListFile, Reference, KUSTOMIZATION_NAMES};
pub use root::{OutsideLink, MAX_FILE_SIZE};
pub use scan::no_clusters;
use scan::{needles, read_apps, read_clusters, read_extras, read_sets, settle_apps};

use crate::error::Result;
use read::Reader;

/// A map keyed by paths or names of the fleet's own files: a fast hash rather than the
/// default one that resists flooding, for the tens of thousands of lookups of a large fleet.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A set of the same kind as [`FastMap`].
pub(crate) type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// The marker a repository may carry to say it follows fluxfleet's layout.
pub const MARKER: &str = ".fluxfleet";

/// Whether the repository follows fluxfleet's layout, which decides the rules `check` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `clusters/<c>/{kustomization.yaml,infra/,apps/}` as the seed describes, or a
    /// `.fluxfleet` marker at the root.
    Fluxfleet,
    /// Another Flux repository that uses the article's definition paths (`apps/<a>/base`,
    /// `infrastructure/namespaces/<set>`) without its cluster lists: only the
    /// layout-independent rules apply.
    Other,
    /// Any other Flux repository, whose clusters get nothing by the article's paths: read by
    /// following what Flux reconciles ([`discover`]); only the layout-independent rules apply.
    Discovered,
}

/// What a read of a fleet is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPlan<'a> {
    /// Everything a command may ask about, read as it asks: the cluster trees, the lists they
    /// pull in and the shared definitions at once; what an app's directory holds on first use.
    /// A text read once is read again when asked for (and must not have changed).
    Whole,
    /// [`ReadPlan::Whole`] for a command that changes files: every text read is kept, so that
    /// the change is planned from the bytes read once.
    Edit,
    /// What concerns one name (`where NAME`): the cluster trees, the namespace sets, and of
    /// the apps only `NAME`; cluster lists that cannot bring it in are read but not parsed, of
    /// the others only the entries that can are, and texts are kept only where they were needed
    /// twice. The other apps are absent.
    About(&'a str),
}

/// A read-only snapshot of a fleet repository.
#[derive(Debug)]
pub struct Fleet {
    root: PathBuf,
    /// In promotion order ([`order`]).
    clusters: Vec<Cluster>,
    /// Indexes into `clusters`, sorted by the cluster's name.
    by_name: Vec<usize>,
    /// The promotion order `.fluxfleet.yaml` lists.
    listed: Vec<Listed>,
    apps: Vec<App>,
    namespaces: Vec<Namespace>,
    sets: Vec<NamespaceSet>,
    stages: Vec<Stage>,
    /// Sorted by name, then stage.
    policies: Vec<Policy>,
    common_apps: Option<ListFile>,
    definitions: Vec<Definition>,
    placements: placement::Index,
    layout: Layout,
    /// Reads what is asked for later, and holds every text read so far.
    reader: Reader,
}

impl Fleet {
    /// Reads the fleet at `root` as `plan` says.
    pub fn read(root: &Path, plan: ReadPlan) -> Result<Fleet> {
        let only = match plan {
            ReadPlan::Whole | ReadPlan::Edit => None,
            ReadPlan::About(name) => Some(name),
        };
        Self::read_scoped(Reader::new(root), root, only, plan == ReadPlan::Edit)
    }

    /// Reads the fleet at `root` as if `files` were written (new text, or `None` for a
    /// removed file), writing nothing: what a change would leave.
    pub fn read_as_if(root: &Path, files: Vec<(PathBuf, Option<Vec<u8>>)>) -> Result<Fleet> {
        let reader = Reader::with_overlay(root, overlay::Overlay::new(files));
        Self::read_scoped(reader, root, None, false)
    }

    fn read_scoped(
        mut owned: Reader,
        root: &Path,
        only: Option<&str>,
        keep: bool,
    ) -> Result<Fleet> {
        if keep {
            owned.keep_texts();
        }
        let ((clusters, apps), (sets, extras)) = match only {
            None => {
                let reader = &owned;
                rayon::join(
                    || rayon::join(|| read_clusters(reader), || read_apps(reader, None)),
                    || rayon::join(|| read_sets(reader), || read_extras(reader)),
                )
            }
            Some(name) => {
                // Everything at once: cluster lists that lead nowhere inside their tree are
                // only read, and parsed below if they hold one of the texts that bring `name`
                // in, which the definitions tell.
                owned.focus(&[name.to_string()]);
                let reader = &owned;
                let ((clusters, apps), (sets, extras)) = rayon::join(
                    || rayon::join(|| read_clusters(reader), || read_apps(reader, only)),
                    || rayon::join(|| read_sets(reader), || read_extras(reader)),
                );
                let clusters = clusters.and_then(|mut clusters| {
                    let needles = read::finders(&needles(name, &sets, &extras));
                    clusters
                        .par_iter_mut()
                        .try_for_each(|c| c.parse_lists_holding(reader, &needles))?;
                    Ok(clusters)
                });
                ((clusters, apps), (sets, extras))
            }
        };
        let (mut clusters, mut candidates, (sets, namespaces)) = (clusters?, apps?, sets?);
        let (common_apps, definitions, (stages, policies)) = extras?;
        let listed = order::read(&owned)?;
        // Read sorted by name; placements index the clusters in promotion order.
        order::sort(&mut clusters, &listed);
        let mut by_name: Vec<usize> = (0..clusters.len()).collect();
        by_name.sort_by(|a, b| clusters[*a].name.cmp(&clusters[*b].name));

        let layout = if root.join(MARKER).exists()
            || clusters.iter().any(|c| {
                c.entry.as_ref().is_some_and(|e| !e.generated)
                    && (c.apps_list.is_some() || c.infra_list.is_some())
            }) {
            Layout::Fluxfleet
        } else {
            Layout::Other
        };
        // A directory a Flux Kustomization attaches as a whole (`./apps/staging`) is a cluster
        // list, not an app.
        let attached: FastSet<&str> = clusters
            .iter()
            .flat_map(|c| c.flux.iter())
            .filter_map(|k| k.path.as_ref()?.target_str()?.strip_prefix("apps/"))
            .collect();
        // So is `apps/<cluster>` in the Flux examples, attached through another source.
        let may_be = |name: &str| {
            !attached.contains(name)
                && by_name
                    .binary_search_by(|&i| clusters[i].name.as_str().cmp(name))
                    .is_err()
        };

        let mut by_set: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, ns) in namespaces.iter().enumerate() {
            by_set.entry(ns.set.as_str()).or_default().push(i);
        }
        let mut by_stage: HashMap<&Path, Vec<usize>> = HashMap::new();
        for (i, policy) in policies.iter().enumerate() {
            by_stage
                .entry(policy.stage_dir.as_path())
                .or_default()
                .push(i);
        }
        candidates.retain(|name| may_be(name));
        let classified = {
            // Sorted, as the directories were listed.
            let names: Vec<&str> = candidates.iter().map(String::as_str).collect();
            let mut controllers: Vec<&str> = definitions
                .iter()
                .filter(|d| d.kind == DefinitionKind::Controller)
                .map(|d| d.name.as_str())
                .collect();
            controllers.sort_unstable();
            placement::classify(
                &clusters,
                &placement::Definitions {
                    apps: &names,
                    common_apps: common_apps.as_ref(),
                    sets: &by_set,
                    namespaces: &namespaces,
                    controllers: &controllers,
                    stages: &by_stage,
                    policies: &policies,
                },
            )
        };
        // The apps are settled while the placements are grouped: settling needs only to know
        // which are laid out.
        let laid_out = classified.laid_out();
        let (mut placements, apps) = rayon::join(
            || classified.group(),
            || settle_apps(&owned, &candidates, &laid_out),
        );
        let (apps, is_app) = apps?;
        if is_app.contains(&false) {
            placements.apps.retain(&is_app);
        }
        if layout == Layout::Other && placements.is_empty() && !clusters.is_empty() {
            // The article's paths bring nothing into any cluster: what each cluster gets is
            // found by following what its Flux reconciles. A focused read left lists unparsed;
            // such a fleet is read whole.
            if only.is_some() {
                return Self::read_scoped(Reader::new(root), root, None, keep);
            }
            let found = discover::discover(&owned, &mut clusters)?;
            return Ok(Fleet {
                root: root.to_path_buf(),
                clusters,
                by_name,
                listed,
                apps: found.apps,
                namespaces: found.namespaces,
                sets: Vec::new(),
                stages: Vec::new(),
                policies: Vec::new(),
                common_apps,
                definitions: found.controllers,
                placements: found.placements,
                layout: Layout::Discovered,
                reader: owned,
            });
        }

        Ok(Fleet {
            root: root.to_path_buf(),
            clusters,
            by_name,
            listed,
            apps,
            namespaces,
            sets,
            stages,
            policies,
            common_apps,
            definitions,
            placements,
            layout,
            reader: owned,
        })
    }

    /// The directory to read a fleet from, for a command started in `start`. Flux reads paths
    /// from the repository's root, so inside a repository that is its root (`git_root`), even
    /// when started in `kubernetes/` of `kubernetes/clusters/<c>`. Only a fleet deeper down
    /// than Flux's layouts put clusters (`<dir>/<dir>/clusters/`), such as a test fixture in a
    /// project's repository, is read from the nearest directory above `start` that has a
    /// `clusters/`. Outside a repository, that directory, else `start`.
    pub fn find_root(start: &Path, git_root: Option<&Path>) -> PathBuf {
        let mut nearest = None;
        for dir in start.ancestors() {
            if nearest.is_none() && dir.join("clusters").is_dir() {
                nearest = Some(dir);
            }
            if Some(dir) == git_root {
                break;
            }
        }
        match (nearest, git_root) {
            (Some(dir), Some(git)) => {
                let depth = dir.strip_prefix(git).map_or(0, |d| d.components().count());
                if depth <= 2 { git } else { dir }.to_path_buf()
            }
            (Some(dir), None) => dir.to_path_buf(),
            (None, git) => git.unwrap_or(start).to_path_buf(),
        }
    }

    /// [`Fleet::find_root`] for a command started in `start`, with the enclosing git
    /// repository's root as the limit. A fleet is readable outside git too.
    pub fn locate(start: &Path) -> PathBuf {
        // The repository's root is the nearest directory holding `.git` (a directory, or a
        // file in a worktree). Found without opening the repository, which reads git's
        // configuration and costs as much as reading a fleet of hundreds of files.
        let git_root = start.ancestors().find(|dir| dir.join(".git").exists());
        Self::find_root(start, git_root)
    }

    /// The repository root the fleet was read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The clusters, in promotion order (`.fluxfleet.yaml`, else by the stage a name tells).
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// The cluster named `name`.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.by_name
            .binary_search_by(|&i| self.clusters[i].name.as_str().cmp(name))
            .ok()
            .map(|at| &self.clusters[self.by_name[at]])
    }

    /// The promotion order `.fluxfleet.yaml` lists (empty without the file), with lines.
    pub fn listed_clusters(&self) -> &[Listed] {
        &self.listed
    }

    /// The cluster names, in promotion order.
    pub fn cluster_names(&self) -> Vec<String> {
        self.clusters.iter().map(|c| c.name.clone()).collect()
    }

    /// The apps, sorted by name.
    pub fn apps(&self) -> &[App] {
        &self.apps
    }

    /// The app named `name`.
    pub fn app(&self, name: &str) -> Option<&App> {
        self.apps
            .binary_search_by(|a| a.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.apps[i])
    }

    /// The namespaces, sorted by name then set.
    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    /// The namespace named `name` (the first set holding it, by set name).
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        // Sorted by name then set: the first of the name is where the name would go.
        let at = self.namespaces.partition_point(|n| n.name.as_str() < name);
        self.namespaces.get(at).filter(|n| n.name == name)
    }

    /// Every definition of namespace `name` (more than one when two sets hold it).
    pub fn namespace_definitions<'f>(
        &'f self,
        name: &'f str,
    ) -> impl Iterator<Item = &'f Namespace> + 'f {
        self.namespaces.iter().filter(move |n| n.name == name)
    }

    /// The namespace sets, sorted by name.
    pub fn sets(&self) -> &[NamespaceSet] {
        &self.sets
    }

    /// The namespace set named `name`.
    pub fn set(&self, name: &str) -> Option<&NamespaceSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    /// The policy stages of every engine, sorted by engine and name.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The Kyverno stage named `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|s| s.engine == KYVERNO && s.name == name)
    }

    /// The policies, sorted by name then stage.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The policy named `name` (the first stage holding it, by stage name).
    pub fn policy(&self, name: &str) -> Option<&Policy> {
        let at = self.policies.partition_point(|p| p.name.as_str() < name);
        self.policies.get(at).filter(|p| p.name == name)
    }

    /// Where policy `name` applies: its placements by cluster.
    pub fn policy_placements(&self, name: &str) -> ByCluster {
        self.placements_of(Kind::Policy, name).unwrap_or_default()
    }

    /// What a raw placement's positions index.
    pub(crate) fn links(&self) -> placement::Links<'_> {
        placement::Links {
            clusters: &self.clusters,
            common_apps: self.common_apps.as_ref(),
            namespaces: &self.namespaces,
            policies: &self.policies,
        }
    }

    /// `apps/common/kustomization.yaml`, when there is one.
    pub fn common_apps(&self) -> Option<&ListFile> {
        self.common_apps.as_ref()
    }

    /// Controllers and policy stages, sorted by kind and name.
    pub fn definitions(&self) -> &[Definition] {
        &self.definitions
    }

    /// The controller named `name` (`infrastructure/controllers/<name>`).
    pub fn controller(&self, name: &str) -> Option<&Definition> {
        self.controllers().find(|d| d.name == name)
    }

    /// The controllers, sorted by name.
    pub fn controllers(&self) -> impl Iterator<Item = &Definition> {
        self.definitions
            .iter()
            .filter(|d| d.kind == DefinitionKind::Controller)
    }

    /// Whether the repository follows fluxfleet's layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// What `app`'s directory holds, looked at on first use.
    pub fn app_layout<'a>(&self, app: &'a App) -> Result<&'a AppLayout> {
        if let Some(layout) = app.layout.get() {
            return Ok(layout);
        }
        let layout = AppLayout::read(&self.reader, &app.dir)?;
        Ok(app.layout.get_or_init(|| layout))
    }

    /// What `app`'s kustomizations and base manifests say, read on first use.
    pub fn app_manifests<'a>(&self, app: &'a App) -> Result<&'a AppManifests> {
        if let Some(manifests) = app.manifests.get() {
            return Ok(manifests);
        }
        let manifests = AppManifests::read(&self.reader, app, self.app_layout(app)?)?;
        Ok(app.manifests.get_or_init(|| manifests))
    }

    /// Reads every app's directory and manifests now, in parallel: what `check` looks at.
    pub fn read_every_app(&self) -> Result<()> {
        self.apps
            .par_iter()
            .try_for_each(|app| self.app_manifests(app).map(drop))
    }

    /// The files read so far, whose text the snapshot holds ([`Fleet::text`]).
    pub fn read_files(&self) -> Vec<PathBuf> {
        self.reader.read_paths()
    }

    /// The symbolic links through which a read so far would have left the repository; they
    /// were not followed, and what lies behind them counts as absent.
    pub fn outside_links(&self) -> Vec<OutsideLink> {
        self.reader.outside_links()
    }

    /// The kustomization files of each directory read so far that holds more than one
    /// (kustomize refuses it), in the order kustomize looks for them.
    pub fn double_lists(&self) -> Vec<Vec<PathBuf>> {
        self.reader.doubles()
    }

    /// The kustomization files of `dir` when it holds more than one.
    pub fn double_list(&self, dir: &Path) -> Option<Vec<PathBuf>> {
        self.double_lists()
            .into_iter()
            .find(|files| files.first().and_then(|f| f.parent()) == Some(dir))
    }

    /// The exact original text of a file (repository-relative path), as the snapshot read it,
    /// or read now when it was not read yet; `None` when there is no such file.
    pub fn text(&self, path: &Path) -> Result<Option<Arc<str>>> {
        self.reader.text(path)
    }

    /// The entries of directory `dir` as `(name, is_dir)`, sorted, hidden ones left out; empty
    /// when it does not exist.
    pub fn entries(&self, dir: &Path) -> Result<Vec<(String, bool)>> {
        self.reader.entries(dir)
    }

    /// True when `path` is a directory below the root.
    pub fn is_dir(&self, path: &Path) -> bool {
        self.reader.is_dir(path)
    }

    /// True when `path` is a file.
    pub fn is_file(&self, path: &Path) -> bool {
        self.reader.is_file(path)
    }

    /// Where app `app` runs: its placements by cluster (empty when it runs nowhere).
    pub fn app_placements(&self, app: &str) -> ByCluster {
        self.placements_of(Kind::App, app).unwrap_or_default()
    }

    /// Where namespace `ns` exists: its placements by cluster.
    pub fn namespace_placements(&self, ns: &str) -> ByCluster {
        self.placements_of(Kind::Namespace, ns).unwrap_or_default()
    }

    /// Where controller `name` is installed: its placements by cluster.
    pub fn controller_placements(&self, name: &str) -> ByCluster {
        self.placements_of(Kind::Controller, name)
            .unwrap_or_default()
    }

    /// The placements of `name`, `None` when it reaches no cluster.
    pub(crate) fn placements_of(&self, kind: Kind, name: &str) -> Option<ByCluster> {
        let raws = self.placements.get(kind, name)?;
        Some(placement::materialize(raws, &self.links()))
    }

    /// How many placements `name` has, over all clusters.
    pub fn placement_count(&self, kind: Kind, name: &str) -> usize {
        self.placements.get(kind, name).map_or(0, <[_]>::len)
    }

    /// The clusters `name` reaches, in promotion order, without making placements.
    pub fn reaches(&self, kind: Kind, name: &str) -> Vec<&str> {
        let raws = self.placements.get(kind, name);
        let mut out: Vec<&str> = raws
            .into_iter()
            .flatten()
            .filter_map(|r| self.clusters.get(r.cluster()).map(|c| c.name.as_str()))
            .collect();
        out.dedup();
        out
    }

    /// Every defined name of `kind`, sorted and without repeats. Placements exist only for
    /// defined names, so these are all the rows of the matrix.
    pub fn names(&self, kind: Kind) -> Vec<String> {
        let mut names: Vec<String> = match kind {
            Kind::App => self.apps.iter().map(|a| a.name.clone()).collect(),
            Kind::Namespace => self.namespaces.iter().map(|n| n.name.clone()).collect(),
            Kind::Controller => self.controllers().map(|c| c.name.clone()).collect(),
            Kind::Policy => self.policies.iter().map(|p| p.name.clone()).collect(),
        };
        names.dedup();
        names
    }
}

/// The fleets the unit tests compare readings on: the seed fixture, every fleet under
/// `tests/cases`, and the corpus of public fleets when it is there.
#[cfg(test)]
pub(crate) fn test_roots() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![manifest.join("tests/fixtures/seed-fleet")];
    let mut stack = vec![
        manifest.join("tests/cases"),
        manifest.join("../shared/corpus"),
    ];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.join("clusters").is_dir() {
                    roots.push(path.canonicalize().unwrap_or(path.clone()));
                }
                stack.push(path);
            }
        }
    }
    roots
}

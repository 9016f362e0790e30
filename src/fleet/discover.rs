//! Reading a layout other than the article's: what each cluster gets, found by following what
//! Flux reconciles rather than by the article's paths.
//!
//! A cluster's walk ([`Cluster::read`]) gives its own tree and the directories its Flux
//! Kustomizations attach. From there, every list entry that leaves the cluster's tree brings in
//! a *unit*, unless it is a *collection* whose own entries are the units:
//!
//! - A directory is a collection when its name says it holds several things (`apps`,
//!   `infrastructure`, `controllers`, `base`, `addons`, an environment or cluster name such as
//!   `production`, or a `-`-joined mix of those such as `infra-configs`) and its kustomization
//!   makes nothing of its own (no generators). `apps/production` listing
//!   `../base/podinfo` brings in the unit `podinfo`; `infrastructure/kyverno`, attached by a Flux
//!   Kustomization, is the unit `kyverno`.
//! - A unit is named as its owners name it: for an entry below its collection, the first
//!   directory or file under it (`jenkins/beta` in `apps/gcp` is `jenkins`); otherwise the last
//!   part of its path that does not say where it goes (`apps/foo/overlays/prod` is `foo`).
//! - It is a controller when its path says infrastructure (`infrastructure`, `infra-*`,
//!   `controllers`, `addons`, …), else an app. A file that holds only `Namespace` objects brings
//!   in namespaces, not a unit; the `Namespace` objects inside a unit are the namespaces it
//!   brings.
//!
//! Every placement found is the list entry that brings the unit in, so `where` points at it.
//!
//! One file a little past 600 lines: the rules above are one walk over a cluster's lists, and
//! splitting the walk from the naming and classifying it calls would spread one rule over two
//! files. Its unit tests are in `discover_tests.rs`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::app::App;
use super::cluster::{generated_list, Cluster};
use super::definition::{Definition, DefinitionKind};
use super::namespace::Namespace;
use super::placement::{Grouped, Index, Kind, Raw};
use super::read::{is_yaml, Reader};
use super::reference::{ListFile, Reference};
use crate::error::Result;
use crate::yaml::Node;

/// What the clusters of a layout other than the article's get.
pub(crate) struct Discovered {
    /// Sorted by name.
    pub apps: Vec<App>,
    /// Sorted by name.
    pub controllers: Vec<Definition>,
    /// Sorted by name, then file.
    pub namespaces: Vec<Namespace>,
    pub placements: Index,
}

/// Words that name a directory of several things rather than one thing.
const COLLECTION_WORDS: &[&str] = &[
    "add-ons",
    "addons",
    "app",
    "applications",
    "apps",
    "base",
    "bases",
    "cluster",
    "clusters",
    "components",
    "config",
    "configs",
    "configuration",
    "configurations",
    "controllers",
    "core",
    "crds",
    "deploy",
    "deployments",
    "env",
    "environments",
    "envs",
    "infra",
    "infrastructure",
    "k8s",
    "kubernetes",
    "layers",
    "manifests",
    "namespaces",
    "overlays",
    "platform",
    "releases",
    "services",
    "stacks",
    "system",
    "teams",
    "tenants",
    "workloads",
];

/// Words that name an environment.
const ENVIRONMENT_WORDS: &[&str] = &[
    "demo",
    "dev",
    "development",
    "int",
    "live",
    "local",
    "preprod",
    "prod",
    "production",
    "qa",
    "sandbox",
    "stage",
    "staging",
    "test",
    "testing",
    "uat",
];

/// Path parts that say infrastructure rather than applications.
const INFRASTRUCTURE_WORDS: &[&str] = &[
    "add-ons",
    "addons",
    "controllers",
    "crds",
    "infra",
    "infrastructure",
    "operators",
    "platform",
    "system",
];

/// How deep collections may nest: deeper is a cycle or a mistake.
const MAX_DEPTH: usize = 12;

/// Finds what every cluster gets, and adds to each cluster the lists that bring it in.
pub(crate) fn discover(reader: &Reader, clusters: &mut [Cluster]) -> Result<Discovered> {
    let names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
    let found: Vec<Found> = clusters
        .par_iter()
        .enumerate()
        .map(|(i, cluster)| {
            let mut walk = Walk {
                reader,
                cluster: i,
                own: &cluster.dir,
                words: &names,
                first_extra: cluster.lists().count(),
                extra: Vec::new(),
                collections: HashSet::new(),
                found: Found::default(),
            };
            walk.cluster(cluster)?;
            walk.found.extra = walk.extra;
            Ok(walk.found)
        })
        .collect::<Result<_>>()?;

    let mut apps: Vec<(String, PathBuf)> = Vec::new();
    let mut controllers: Vec<(String, PathBuf)> = Vec::new();
    let mut namespaces: Vec<Namespace> = Vec::new();
    let (mut app_raws, mut controller_raws, mut namespace_raws) = (vec![], vec![], vec![]);
    for (cluster, found) in clusters.iter_mut().zip(found) {
        cluster.other_lists.extend(found.extra);
        for unit in found.units {
            let (defs, raws) = match unit.kind {
                Kind::Controller => (&mut controllers, &mut controller_raws),
                _ => (&mut apps, &mut app_raws),
            };
            defs.push((unit.name.clone(), unit.definition));
            raws.push((unit.name, unit.raw));
        }
        for (ns, raw) in found.namespaces {
            namespace_raws.push((ns.name.clone(), raw));
            namespaces.push(ns);
        }
    }
    for defs in [&mut apps, &mut controllers] {
        defs.sort();
        defs.dedup_by(|a, b| a.0 == b.0);
    }
    namespaces.sort_by(|a, b| (&a.name, &a.file).cmp(&(&b.name, &b.file)));
    namespaces.dedup_by(|a, b| a.name == b.name && a.file == b.file);
    for raws in [&mut app_raws, &mut controller_raws, &mut namespace_raws] {
        // One placement per entry: a unit met twice through the same entry is one.
        let mut seen = HashSet::new();
        raws.retain(|(name, raw)| seen.insert((name.clone(), *raw)));
    }
    Ok(Discovered {
        apps: apps
            .into_iter()
            .map(|(name, dir)| App::found(&name, dir))
            .collect(),
        controllers: controllers
            .into_iter()
            .map(|(name, dir)| Definition {
                kind: DefinitionKind::Controller,
                name,
                dir,
            })
            .collect(),
        namespaces,
        placements: Index {
            apps: Grouped::by_name(app_raws),
            namespaces: Grouped::by_name(namespace_raws),
            controllers: Grouped::by_name(controller_raws),
            policies: Grouped::default(),
        },
    })
}

/// What one cluster gets.
#[derive(Default)]
struct Found {
    units: Vec<Unit>,
    namespaces: Vec<(Namespace, Raw)>,
    /// The lists met beyond the cluster's walk, to add to its lists.
    extra: Vec<ListFile>,
}

/// What [`Walk::objects`] finds below a unit.
#[derive(Default)]
struct Tally {
    seen: HashSet<PathBuf>,
    /// Each `Namespace` object's name (as renamed), file and line.
    namespaces: Vec<(String, PathBuf, usize)>,
    objects: usize,
}

struct Unit {
    kind: Kind,
    name: String,
    /// The directory or file that defines it.
    definition: PathBuf,
    raw: Raw,
}

struct Walk<'a> {
    reader: &'a Reader,
    cluster: usize,
    own: &'a Path,
    /// The cluster names, which name collections too (`apps/<cluster>`).
    words: &'a [String],
    /// The index in [`Cluster::lists`] the first extra list will have.
    first_extra: usize,
    extra: Vec<ListFile>,
    collections: HashSet<PathBuf>,
    found: Found,
}

impl Walk<'_> {
    fn cluster(&mut self, cluster: &Cluster) -> Result<()> {
        for (at, list) in cluster.lists().enumerate() {
            let dir = list.dir();
            if !dir.starts_with(self.own) {
                // A directory a Flux Kustomization attaches.
                if self.is_collection(dir, list)? {
                    self.collections.insert(dir.to_path_buf());
                    let namespace = target_namespace(cluster, dir).or(list.namespace.as_deref());
                    self.entries(at, list, Some(dir), namespace, 0)?;
                } else {
                    self.attached_unit(cluster, dir)?;
                }
                continue;
            }
            // A directory of the cluster's own that a Flux Kustomization attaches and that
            // holds objects of its own, not wiring (PingCAP's `clusters/<c>/sources`).
            if dir != cluster.dir
                && !dir.ends_with("flux-system")
                && self.holds_only_its_own_objects(dir, list)?
                && self.attached_unit(cluster, dir)?
            {
                continue;
            }
            let namespace = target_namespace(cluster, dir).or(list.namespace.as_deref());
            for (i, reference) in list.references.iter().enumerate() {
                let outside = match reference.target() {
                    Some(target) => !target.starts_with(self.own),
                    None => reference.is_remote(),
                };
                if outside {
                    self.entry(at, i, reference, None, namespace, 0)?;
                }
            }
        }
        Ok(())
    }

    /// The unit `dir` is, brought in by the Flux Kustomization of `cluster` that attaches it;
    /// false when none does.
    fn attached_unit(&mut self, cluster: &Cluster, dir: &Path) -> Result<bool> {
        let Some(path) = cluster.attachments.iter().find(|r| r.target() == Some(dir)) else {
            return Ok(false);
        };
        let at = self.add_list(ListFile {
            path: path.file.to_path_buf(),
            references: vec![path.clone()],
            resources_line: path.line,
            namespace: None,
            generated: false,
        });
        self.unit(at, 0, dir, None, target_namespace(cluster, dir))?;
        Ok(true)
    }

    /// True when every entry of `list` (in `dir`) is a manifest in `dir` itself and none
    /// attaches Flux Kustomizations: the directory is a thing, not a list of things.
    fn holds_only_its_own_objects(&self, dir: &Path, list: &ListFile) -> Result<bool> {
        if list.references.is_empty() {
            return Ok(false);
        }
        for reference in &list.references {
            let Some(target) = reference.target() else {
                return Ok(false);
            };
            if target.parent() != Some(dir)
                || !target
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_yaml)
                || self.reader.is_dir(target)
                || holds_flux_kustomization(self.reader, target)?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The entries of list `at`, `list`, under the namespace `namespace` of the lists above
    /// (the outermost wins, as kustomize applies it last).
    fn entries(
        &mut self,
        at: usize,
        list: &ListFile,
        dir: Option<&Path>,
        namespace: Option<&str>,
        depth: usize,
    ) -> Result<()> {
        for (i, reference) in list.references.iter().enumerate() {
            self.entry(at, i, reference, dir, namespace, depth)?;
        }
        Ok(())
    }

    /// Entry `i` of list `at`, `reference`, met in `collection` (when the list is one).
    fn entry(
        &mut self,
        at: usize,
        i: usize,
        reference: &Reference,
        collection: Option<&Path>,
        namespace: Option<&str>,
        depth: usize,
    ) -> Result<()> {
        let Some(target) = reference.target().map(ToOwned::to_owned) else {
            if reference.is_remote() {
                let name = remote_name(reference.written());
                let kind = kind_of(collection.unwrap_or(Path::new("")));
                self.found.units.push(Unit {
                    kind,
                    name,
                    definition: collection.unwrap_or(Path::new("")).to_path_buf(),
                    raw: Raw::direct(self.cluster, at, i),
                });
            }
            return Ok(());
        };
        if target.starts_with(self.own) {
            return Ok(());
        }
        if self.reader.is_dir(&target) {
            let list = self.list(&target)?;
            if depth < MAX_DEPTH
                && self.is_collection(&target, &list)?
                && self.collections.insert(target.clone())
            {
                let list_at = self.add_list(list.clone());
                let namespace = namespace.or(list.namespace.as_deref());
                return self.entries(list_at, &list, Some(&target), namespace, depth + 1);
            }
        }
        self.unit(at, i, &target, collection, namespace)
    }

    /// The unit `target` that entry `i` of list `at` brings in, and the namespaces it holds.
    fn unit(
        &mut self,
        at: usize,
        i: usize,
        target: &Path,
        collection: Option<&Path>,
        namespace: Option<&str>,
    ) -> Result<()> {
        let raw = Raw::direct(self.cluster, at, i);
        let mut tally = Tally::default();
        self.objects(target, namespace, &mut tally, 0)?;
        let only_namespaces = tally.objects > 0 && tally.objects == tally.namespaces.len();
        for (name, file, line) in tally.namespaces {
            self.found.namespaces.push((
                Namespace {
                    name,
                    set_dir: file.parent().unwrap_or(Path::new("")).to_path_buf(),
                    file,
                    line,
                    set: String::new(),
                    own_dir: false,
                    entry: None,
                    base: None,
                    overlays: Vec::new(),
                },
                raw,
            ));
        }
        if only_namespaces
            || is_namespace_file(target)
            || holds_flux_kustomization(self.reader, target)?
        {
            return Ok(());
        }
        let infra = kind_of(target) == Kind::Controller
            || collection.is_some_and(|c| kind_of(c) == Kind::Controller);
        self.found.units.push(Unit {
            kind: if infra { Kind::Controller } else { Kind::App },
            name: self.name_of(target, collection),
            definition: target.to_path_buf(),
            raw,
        });
        Ok(())
    }

    /// Counts the objects below `path` (a manifest, or a directory followed through its list),
    /// and collects the `Namespace` objects among them: named `namespace` when the lists above
    /// set one (kustomize's `namespace:` and Flux's `targetNamespace` rename them), the
    /// outermost winning.
    fn objects(
        &self,
        path: &Path,
        namespace: Option<&str>,
        tally: &mut Tally,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_DEPTH || !tally.seen.insert(path.to_path_buf()) {
            return Ok(());
        }
        if self.reader.is_dir(path) {
            let list = self.list(path)?;
            let namespace = namespace.or(list.namespace.as_deref());
            for reference in &list.references {
                if let Some(target) = reference.target() {
                    self.objects(target, namespace, tally, depth + 1)?;
                }
            }
            return Ok(());
        }
        let is_manifest = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_yaml);
        if !is_manifest {
            return Ok(());
        }
        let Some(docs) = self.reader.docs(path)? else {
            return Ok(());
        };
        for doc in &docs {
            let root = &doc.root;
            let Some(kind) = root.get("kind").and_then(Node::as_str) else {
                continue;
            };
            tally.objects += 1;
            if kind == "Namespace" {
                if let Some(name) = root.at_path(&["metadata", "name"]) {
                    if let Some(text) = namespace.or(name.as_str()) {
                        let file = path.to_path_buf();
                        tally.namespaces.push((text.to_string(), file, name.line));
                    }
                }
            }
        }
        Ok(())
    }

    /// `dir`'s kustomization, or the list Flux generates for it.
    fn list(&self, dir: &Path) -> Result<ListFile> {
        match self.reader.list(dir)? {
            Some(list) => Ok(list),
            None => {
                let mut entered = HashSet::new();
                let generated = generated_list(self.reader, dir, None, |id| entered.insert(id));
                Ok(generated?.0)
            }
        }
    }

    fn add_list(&mut self, list: ListFile) -> usize {
        self.extra.push(list);
        self.first_extra + self.extra.len() - 1
    }

    /// Whether `dir` (with its list) holds several units rather than being one.
    fn is_collection(&self, dir: &Path, list: &ListFile) -> Result<bool> {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            return Ok(false);
        };
        if !self.is_word(name) || list.references.is_empty() {
            return Ok(false);
        }
        // A `base` holds the parts of one thing, unless it holds only directories (a layer of
        // several things, `infrastructure/base/{sources,addons}`).
        if ["base", "bases"].contains(&name)
            && !list
                .references
                .iter()
                .all(|r| r.target().is_some_and(|t| self.reader.is_dir(t)))
        {
            return Ok(false);
        }
        if list.generated {
            return Ok(true);
        }
        let text = self.reader.text(&list.path)?.unwrap_or_default();
        Ok(!text.lines().any(|line| {
            let key = line.trim_end();
            ["configMapGenerator:", "secretGenerator:", "helmCharts:"].contains(&key)
        }))
    }

    /// True when `name` names a collection: a collection word, an environment, a cluster, or a
    /// `-`-joined mix of those; a layer number (`01-`) does not count.
    fn is_word(&self, name: &str) -> bool {
        let name = name.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_');
        let word = |w: &str| {
            COLLECTION_WORDS.contains(&w)
                || ENVIRONMENT_WORDS.contains(&w)
                || self.words.iter().any(|c| c == w)
        };
        !name.is_empty() && (word(name) || name.split('-').all(word))
    }

    /// True when `name` says where a unit goes rather than what it is: `base`, `overlays`, an
    /// environment or a cluster.
    fn is_place(&self, name: &str) -> bool {
        ["base", "overlays", "overlay"].contains(&name)
            || ENVIRONMENT_WORDS.contains(&name)
            || self.words.iter().any(|c| c == name)
    }

    /// The unit's name: below its collection, the first part under it that does not say where it
    /// goes; elsewhere, the last such part of its path.
    fn name_of(&self, target: &Path, collection: Option<&Path>) -> String {
        let parts = |path: &Path| -> Vec<String> {
            path.components()
                .filter_map(|c| c.as_os_str().to_str())
                .map(|c| strip_yaml(c).to_string())
                .collect()
        };
        let below = collection.and_then(|c| target.strip_prefix(c).ok());
        let chosen = match below {
            Some(rel) if !rel.as_os_str().is_empty() => {
                let parts = parts(rel);
                parts
                    .iter()
                    .find(|p| !self.is_place(p))
                    .or(parts.first())
                    .cloned()
            }
            _ => {
                let parts = parts(target);
                parts
                    .iter()
                    .rev()
                    .find(|p| !self.is_place(p))
                    .or(parts.last())
                    .cloned()
            }
        };
        chosen.unwrap_or_default()
    }
}

/// True for `namespace.yaml`, `namespaces.yaml` and `ns.yaml`, which by their names hold
/// namespaces, read or not (a partial copy may lack them).
fn is_namespace_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(strip_yaml)
        .is_some_and(|n| ["namespace", "namespaces", "ns"].contains(&n))
}

/// True when `path` is a manifest holding a Flux Kustomization: wiring, not a unit.
fn holds_flux_kustomization(reader: &Reader, path: &Path) -> Result<bool> {
    if !path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_yaml)
    {
        return Ok(false);
    }
    let Some(docs) = reader.docs(path)? else {
        return Ok(false);
    };
    Ok(docs
        .iter()
        .any(|d| super::flux::is_flux_kustomization(&d.root)))
}

/// The `targetNamespace` of the Flux Kustomization of `cluster` that attaches `dir`.
fn target_namespace<'c>(cluster: &'c Cluster, dir: &Path) -> Option<&'c str> {
    cluster
        .flux
        .iter()
        .find(|k| k.path.as_ref().and_then(|p| p.target()) == Some(dir))?
        .target_namespace
        .as_deref()
}

/// Controller when a part of `path` says infrastructure, else app.
fn kind_of(path: &Path) -> Kind {
    let infra = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .map(|part| strip_yaml(part).trim_start_matches(|c: char| c.is_ascii_digit() || c == '-'))
        .any(|part| {
            INFRASTRUCTURE_WORDS.contains(&part)
                || part.starts_with("infra-")
                || part.starts_with("infrastructure-")
        });
    if infra {
        Kind::Controller
    } else {
        Kind::App
    }
}

fn strip_yaml(name: &str) -> &str {
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
}

/// A remote entry's name: the repository's for a Git host (`github.com/org/<repo>/...`), else
/// its last part.
fn remote_name(written: &str) -> String {
    let bare = written.split(['?', '#']).next().unwrap_or(written);
    let parts: Vec<&str> = bare.split('/').filter(|p| !p.is_empty()).collect();
    let host = parts
        .iter()
        .position(|p| p.contains('.') && !p.ends_with(".yaml"));
    let name = match host {
        Some(h) if parts.len() > h + 2 => parts[h + 2],
        _ => parts.last().copied().unwrap_or(bare),
    };
    strip_yaml(name.trim_end_matches(".git")).to_string()
}

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;

//! Which clusters a change affects, without rendering: the graph of what the clusters' trees
//! reach (their entrypoints, the directories their lists reference, the paths of the Flux
//! Kustomizations in the files they list), walked once for every cluster, since most of what
//! clusters reach they share. A changed file at or below a path a cluster reaches may change
//! what the cluster renders.
//!
//! Each edge says whether it passes its target on unchanged: an entry of a list with nothing but
//! `resources` (kustomize renders it as the concatenation of its entries), or a Flux
//! Kustomization without a target namespace. Where a list's whole route from its render unit is
//! unchanged, the difference an edit of the list makes is the render of the entries it adds and
//! removes ([`Graph::plain_route`]).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::cluster::{has_kustomization, is_linked_dir};
use super::flux::{followed, Unit};
use crate::fleet::{artifact_copies_of, ArtifactCopy, KUSTOMIZATION_NAMES};
use crate::paths;
use crate::yaml::{self, Node, Purpose};

/// The paths the clusters of one checkout reach, and how.
pub struct Graph {
    /// Repository-relative paths: directories and the files lists name.
    paths: Vec<PathBuf>,
    index: HashMap<PathBuf, usize>,
    /// Each node's outgoing edges.
    edges: Vec<Vec<Edge>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edge {
    to: usize,
    /// The target arrives unchanged (see the module's comment).
    plain: bool,
    /// A Flux Kustomization's path: the target is rendered on its own.
    unit: bool,
}

impl Graph {
    /// Walks the checkout at `root` from each cluster entrypoint of `entries`.
    pub fn of(root: &Path, entries: &[PathBuf]) -> Graph {
        let mut walk = Walk {
            root,
            graph: Graph {
                paths: Vec::new(),
                index: HashMap::new(),
                edges: Vec::new(),
            },
            visited: HashSet::new(),
            copies: Vec::new(),
            waiting: Vec::new(),
        };
        for entry in entries {
            let node = walk.node(entry);
            walk.visit(node);
        }
        // Flux Kustomizations of an `ExternalArtifact` met before the generator that builds it
        // (generators are taken from every cluster: reaching too much only renders more).
        while !walk.waiting.is_empty() {
            let before = walk.waiting.len();
            for (from, object) in std::mem::take(&mut walk.waiting) {
                match followed(&object, &walk.copies) {
                    Some(unit) => walk.link_unit(from, &unit),
                    None => walk.waiting.push((from, object)),
                }
            }
            if walk.waiting.len() == before {
                break;
            }
        }
        walk.graph
    }

    /// What cluster entry `entry` reaches, with the edges among it: the question each
    /// cluster is asked several times, walked once.
    pub fn from(&self, entry: &Path) -> Reach<'_> {
        let start = self.index.get(entry).copied();
        let mut nodes = Vec::new();
        let mut into: HashMap<usize, Vec<(usize, Edge)>> = HashMap::new();
        if let Some(start) = start {
            let mut seen = vec![false; self.paths.len()];
            seen[start] = true;
            nodes.push(start);
            let mut next = 0;
            while let Some(&node) = nodes.get(next) {
                next += 1;
                for edge in &self.edges[node] {
                    into.entry(edge.to).or_default().push((node, *edge));
                    if !seen[edge.to] {
                        seen[edge.to] = true;
                        nodes.push(edge.to);
                    }
                }
            }
        }
        Reach {
            graph: self,
            start,
            nodes,
            into,
        }
    }
}

/// What one cluster entry reaches in a [`Graph`].
pub struct Reach<'g> {
    graph: &'g Graph,
    start: Option<usize>,
    /// The nodes reached, in the order met.
    nodes: Vec<usize>,
    /// Every edge into a node, among the nodes reached, with the node it comes from.
    into: HashMap<usize, Vec<(usize, Edge)>>,
}

impl Reach<'_> {
    /// The paths reached.
    pub fn paths(&self) -> Vec<&Path> {
        self.nodes
            .iter()
            .map(|&n| self.graph.paths[n].as_path())
            .collect()
    }

    /// Whether the list in directory `dir` is reached, and if so whether by one route only
    /// that passes it on unchanged from where its render unit starts (`Some(true)`);
    /// `Some(false)` when it is reached otherwise; `None` when it is not reached.
    pub fn plain_route(&self, dir: &Path) -> Option<bool> {
        let mut node = *self.graph.index.get(dir)?;
        if Some(node) != self.start && !self.into.contains_key(&node) {
            return None;
        }
        for _ in 0..=self.nodes.len() {
            if Some(node) == self.start {
                return Some(!self.into.contains_key(&node));
            }
            let [(from, edge)] = self.into.get(&node).map(Vec::as_slice).unwrap_or_default() else {
                return Some(false);
            };
            if !edge.plain {
                return Some(false);
            }
            if edge.unit {
                return Some(true);
            }
            node = *from;
        }
        Some(false)
    }
}

/// True when `changed` lies at or below one of `reached`.
pub fn touches(reached: &[&Path], changed: &Path) -> bool {
    reached.iter().any(|r| changed.starts_with(r))
}

struct Walk<'a> {
    root: &'a Path,
    graph: Graph,
    visited: HashSet<usize>,
    /// The artifact generators met so far.
    copies: Vec<ArtifactCopy>,
    /// Flux Kustomizations of an `ExternalArtifact` whose generator was not met yet, with the
    /// file that holds them.
    waiting: Vec<(usize, Node)>,
}

impl Walk<'_> {
    /// The node of `path`, added when new.
    fn node(&mut self, path: &Path) -> usize {
        if let Some(&n) = self.graph.index.get(path) {
            return n;
        }
        let n = self.graph.paths.len();
        self.graph.paths.push(path.to_path_buf());
        self.graph.index.insert(path.to_path_buf(), n);
        self.graph.edges.push(Vec::new());
        n
    }

    fn link(&mut self, from: usize, to: usize, plain: bool, unit: bool) {
        let edge = Edge { to, plain, unit };
        if !self.graph.edges[from].contains(&edge) {
            self.graph.edges[from].push(edge);
        }
    }

    /// A Flux Kustomization in file `from` attaches `unit`'s directory, and its components.
    fn link_unit(&mut self, from: usize, unit: &Unit) {
        let to = self.node(&unit.path);
        self.link(from, to, unit.is_plain(), true);
        self.visit(to);
        for component in &unit.components {
            let to = self.node(component);
            self.link(from, to, false, false);
            self.visit(to);
        }
    }

    fn visit(&mut self, node: usize) {
        if !self.visited.insert(node) {
            return;
        }
        let dir = self.graph.paths[node].clone();
        let abs = self.root.join(&dir);
        let list = KUSTOMIZATION_NAMES
            .iter()
            .map(|n| abs.join(n))
            .find(|p| p.is_file());
        match list {
            Some(file) => self.list(node, &dir, &file),
            None => self.every_manifest(node, &dir),
        }
    }

    /// A kustomization's entries: directories visited, files scanned for Flux Kustomizations.
    fn list(&mut self, node: usize, dir: &Path, file: &Path) {
        let Some(docs) = read_docs(file) else {
            return;
        };
        let base = paths::to_slash(dir);
        let plain = docs.len() == 1 && docs.iter().all(is_plain_list);
        for doc in docs {
            for key in ["resources", "bases", "components"] {
                let entries = doc.get(key).map(Node::items).unwrap_or_default();
                for entry in entries.iter().filter_map(Node::as_str) {
                    let Some(target) = paths::resolve_in(&base, entry) else {
                        continue;
                    };
                    let to = self.node(&target);
                    self.link(node, to, plain, false);
                    if self.root.join(&target).is_dir() {
                        self.visit(to);
                    } else {
                        self.scan(to);
                    }
                }
            }
        }
    }

    /// A directory without a kustomization: every manifest below it, as Flux generates it.
    fn every_manifest(&mut self, node: usize, dir: &Path) {
        let Ok(entries) = fs::read_dir(self.root.join(dir)) else {
            return;
        };
        let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            let path = dir.join(name);
            let abs = self.root.join(&path);
            if is_linked_dir(&abs) {
                continue;
            }
            if abs.is_dir() {
                if has_kustomization(&abs) {
                    let to = self.node(&path);
                    self.link(node, to, true, false);
                    self.visit(to);
                } else {
                    self.every_manifest(node, &path);
                }
            } else {
                // A file inside a reached directory is reached with it; only its Flux
                // Kustomizations lead further.
                self.scan_in(node, &path);
            }
        }
    }

    /// A file a list names: its Flux Kustomizations lead further.
    fn scan(&mut self, node: usize) {
        if !self.visited.insert(node) {
            return;
        }
        let file = self.graph.paths[node].clone();
        self.scan_in(node, &file);
    }

    /// The Flux Kustomizations of manifest `file`, linked from `node`.
    fn scan_in(&mut self, node: usize, file: &Path) {
        let Ok(text) = fs::read_to_string(self.root.join(file)) else {
            return;
        };
        if !text.contains("kustomize.toolkit.fluxcd.io") && !text.contains("ArtifactGenerator") {
            return;
        }
        let Ok(docs) = yaml::parse(file, &text, Purpose::Read) else {
            return;
        };
        self.copies
            .extend(artifact_copies_of(docs.iter().map(|d| &d.root)));
        for doc in docs {
            match followed(&doc.root, &self.copies) {
                Some(unit) => self.link_unit(node, &unit),
                None => self.waiting.push((node, doc.root)),
            }
        }
    }
}

/// A kustomization with nothing but `resources` (and `apiVersion`, `kind`).
fn is_plain_list(doc: &Node) -> bool {
    let yaml::Kind::Map { pairs, .. } = &doc.kind else {
        return false;
    };
    pairs
        .iter()
        .all(|(key, _)| matches!(key.as_str(), Some("apiVersion" | "kind" | "resources")))
}

fn read_docs(file: &Path) -> Option<Vec<Node>> {
    let text = fs::read_to_string(file).ok()?;
    let docs = yaml::parse(file, &text, Purpose::Read).ok()?;
    Some(docs.into_iter().map(|d| d.root).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let at = root.join(path);
        fs::create_dir_all(at.parent().unwrap_or(root)).unwrap_or_default();
        fs::write(at, text).unwrap_or_default();
    }

    const FLUX: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n\
        metadata:\n  name: apps\nspec:\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";

    #[test]
    fn a_plain_route_runs_from_the_unit_to_the_list() {
        let dir = assert_fs::TempDir::new().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        write(
            root,
            "clusters/a/kustomization.yaml",
            "resources:\n- apps.yaml\n",
        );
        write(
            root,
            "clusters/a/apps.yaml",
            &format!("{FLUX}  path: ./clusters/a/apps\n"),
        );
        write(
            root,
            "clusters/a/apps/kustomization.yaml",
            "resources:\n- ../../../apps/x\n",
        );
        write(
            root,
            "clusters/b/kustomization.yaml",
            "resources:\n- apps.yaml\n",
        );
        write(
            root,
            "clusters/b/apps.yaml",
            &format!("{FLUX}  path: ./clusters/b/apps\n  targetNamespace: b\n"),
        );
        write(
            root,
            "clusters/b/apps/kustomization.yaml",
            "resources:\n- ../../../apps/x\nnamePrefix: b-\n",
        );
        write(root, "apps/x/kustomization.yaml", "resources: []\n");
        let (a, b) = (PathBuf::from("clusters/a"), PathBuf::from("clusters/b"));
        let graph = Graph::of(root, &[a.clone(), b.clone()]);
        let list = Path::new("clusters/a/apps");
        assert_eq!(graph.from(&a).plain_route(list), Some(true));
        assert_eq!(graph.from(&b).plain_route(list), None);
        // Behind a target namespace: not passed on unchanged.
        assert_eq!(
            graph.from(&b).plain_route(Path::new("clusters/b/apps")),
            Some(false)
        );
        // Behind a list with a name prefix: not passed on unchanged.
        assert_eq!(graph.from(&b).plain_route(Path::new("apps/x")), Some(false));
        assert_eq!(graph.from(&a).plain_route(Path::new("apps/x")), Some(true));
        assert!(touches(
            &graph.from(&a).paths(),
            Path::new("apps/x/deploy.yaml")
        ));
        assert!(!touches(
            &graph.from(&a).paths(),
            Path::new("clusters/b/apps.yaml")
        ));
    }

    #[test]
    fn a_list_reached_twice_has_no_plain_route() {
        let dir = assert_fs::TempDir::new().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        write(
            root,
            "clusters/a/kustomization.yaml",
            "resources:\n- one\n- two\n",
        );
        write(
            root,
            "clusters/a/one/kustomization.yaml",
            "resources:\n- ../../../apps\n",
        );
        write(
            root,
            "clusters/a/two/kustomization.yaml",
            "resources:\n- ../../../apps\n",
        );
        write(root, "apps/kustomization.yaml", "resources: []\n");
        let a = PathBuf::from("clusters/a");
        let graph = Graph::of(root, std::slice::from_ref(&a));
        assert_eq!(graph.from(&a).plain_route(Path::new("apps")), Some(false));
        assert_eq!(
            graph.from(&a).plain_route(Path::new("clusters/a/one")),
            Some(true)
        );
    }
}

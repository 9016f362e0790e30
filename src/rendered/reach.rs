//! Which clusters a change affects, without rendering: the paths a cluster's tree reaches (its
//! entrypoint, the directories its lists reference, the paths of the Flux Kustomizations in
//! the files it lists), each taken with everything below it.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::cluster::{has_kustomization, is_linked_dir};
use super::flux::followed;
use crate::fleet::{artifact_copies_of, ArtifactCopy, KUSTOMIZATION_NAMES};
use crate::paths;
use crate::yaml::{self, Node, Purpose};

/// The repository-relative paths cluster entry `entry` reaches in the checkout at `root`; a
/// changed file at or below one of them may change what the cluster renders.
pub fn reached(root: &Path, entry: &Path) -> Vec<PathBuf> {
    let mut walk = Walk {
        root,
        seen: HashSet::new(),
        scanned: HashSet::new(),
        reached: Vec::new(),
        copies: Vec::new(),
        waiting: Vec::new(),
    };
    walk.visit(entry);
    // Flux Kustomizations of an `ExternalArtifact` met before the generator that builds it.
    while !walk.waiting.is_empty() {
        let before = walk.waiting.len();
        for object in std::mem::take(&mut walk.waiting) {
            match followed(&object, &walk.copies) {
                Some(unit) => walk.visit(&unit.path),
                None => walk.waiting.push(object),
            }
        }
        if walk.waiting.len() == before {
            break;
        }
    }
    walk.reached
}

/// True when `changed` lies at or below one of `reached`.
pub fn touches(reached: &[PathBuf], changed: &Path) -> bool {
    reached.iter().any(|r| changed.starts_with(r))
}

struct Walk<'a> {
    root: &'a Path,
    seen: HashSet<PathBuf>,
    scanned: HashSet<PathBuf>,
    reached: Vec<PathBuf>,
    /// The artifact generators met so far.
    copies: Vec<ArtifactCopy>,
    /// Flux Kustomizations of an `ExternalArtifact` whose generator was not met yet.
    waiting: Vec<Node>,
}

impl Walk<'_> {
    fn visit(&mut self, dir: &Path) {
        if !self.seen.insert(dir.to_path_buf()) {
            return;
        }
        self.reached.push(dir.to_path_buf());
        let abs = self.root.join(dir);
        let list = KUSTOMIZATION_NAMES
            .iter()
            .map(|n| abs.join(n))
            .find(|p| p.is_file());
        match list {
            Some(file) => self.list(dir, &file),
            None => self.every_manifest(dir),
        }
    }

    /// A kustomization's entries: directories visited, files scanned for Flux Kustomizations.
    fn list(&mut self, dir: &Path, file: &Path) {
        let Some(docs) = read_docs(file) else {
            return;
        };
        let base = paths::to_slash(dir);
        for doc in docs {
            for key in ["resources", "bases", "components"] {
                let entries = doc.get(key).map(Node::items).unwrap_or_default();
                for entry in entries.iter().filter_map(Node::as_str) {
                    let Some(target) = paths::resolve_in(&base, entry) else {
                        continue;
                    };
                    if self.root.join(&target).is_dir() {
                        self.visit(&target);
                    } else {
                        if !target.starts_with(dir) {
                            self.reached.push(target.clone());
                        }
                        self.scan(&target);
                    }
                }
            }
        }
    }

    /// A directory without a kustomization: every manifest below it, as Flux generates it.
    fn every_manifest(&mut self, dir: &Path) {
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
                    self.visit(&path);
                } else {
                    self.every_manifest(&path);
                }
            } else {
                self.scan(&path);
            }
        }
    }

    /// The Flux Kustomizations of a manifest: their paths are visited.
    fn scan(&mut self, file: &Path) {
        if !self.scanned.insert(file.to_path_buf()) {
            return;
        }
        let abs = self.root.join(file);
        let Ok(text) = fs::read_to_string(&abs) else {
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
                Some(unit) => self.visit(&unit.path),
                None => self.waiting.push(doc.root),
            }
        }
    }
}

fn read_docs(file: &Path) -> Option<Vec<Node>> {
    let text = fs::read_to_string(file).ok()?;
    let docs = yaml::parse(file, &text, Purpose::Read).ok()?;
    Some(docs.into_iter().map(|d| d.root).collect())
}

//! Rendering a cluster as Flux does: the entrypoint `clusters/<c>`, then the path of every Flux
//! Kustomization in the output whose source is this repository, recursively, each distinct
//! unit once and every level in parallel.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rayon::prelude::*;

use super::flux::{followed, Unit};
use super::object::{self, Objects};
use crate::fleet::{artifact_copies_of, Renderer, KUSTOMIZATION_NAMES};
use crate::paths::to_slash;

/// One tree to render: a repository checkout (the working tree, or the base's copy) and the
/// directory where the kustomizations Flux would generate are written.
pub struct Tree<'a> {
    pub renderer: &'a Renderer,
    /// The fleet's root in this checkout.
    pub root: &'a Path,
    /// Where generated kustomizations go: inside the repository's git directory.
    pub scratch: &'a Path,
    pub generated: &'a AtomicUsize,
    /// Each unit's render, made once for every cluster of this tree that reaches the unit.
    pub units: Units,
}

/// The renders of a tree's units, each made once, by the first cluster that needs it (the
/// others wait for it).
#[derive(Default)]
pub struct Units(Mutex<HashMap<Unit, Arc<OnceLock<Rendered>>>>);

type Rendered = Result<Vec<object::Object>, Failure>;

/// A render that failed: the command as a user would run it, and kustomize's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub command: String,
    pub message: String,
}

impl Tree<'_> {
    /// Every object of the cluster whose entrypoint is `entry` (repository-relative).
    pub fn render_cluster(&self, entry: &Path) -> Result<Objects, Failure> {
        let mut objects = Objects::new();
        let first = Unit::plain(entry.to_path_buf());
        let mut seen = HashSet::from([first.clone()]);
        // The artifact generators met so far: what an `ExternalArtifact` path means here.
        let mut copies = Vec::new();
        let mut level = vec![first];
        while !level.is_empty() {
            let cells: Vec<Arc<OnceLock<Rendered>>> =
                level.par_iter().map(|unit| self.rendered(unit)).collect();
            let mut next = Vec::new();
            let mut rendered: Vec<&Vec<object::Object>> = Vec::new();
            for cell in &cells {
                match cell.get() {
                    Some(Ok(unit_objects)) => rendered.push(unit_objects),
                    Some(Err(failure)) => return Err(failure.clone()),
                    None => {}
                }
            }
            copies.extend(artifact_copies_of(
                rendered.iter().copied().flatten().map(|o| &o.root),
            ));
            for result in rendered {
                for object in result {
                    if let Some(unit) = followed(&object.root, &copies) {
                        if seen.insert(unit.clone()) {
                            next.push(unit);
                        }
                    }
                    objects
                        .entry(object.key.clone())
                        .or_insert_with(|| object.text.clone());
                }
            }
            next.sort();
            level = next;
        }
        Ok(objects)
    }

    /// The render of `unit`, made by the first caller and shared with the others.
    fn rendered(&self, unit: &Unit) -> Arc<OnceLock<Rendered>> {
        let cell = {
            let mut units = self.units.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(units.entry(unit.clone()).or_default())
        };
        cell.get_or_init(|| self.render_unit(unit));
        cell
    }

    /// Whether every directory of `dirs` renders on its own as [`Tree::render_cluster`] renders
    /// it, found with one render of them all (a wrapper that lists them: one start of kustomize
    /// instead of one each). `false` says nothing: that render fails (the directories may only
    /// clash with each other), a directory has no kustomization, or the objects hold Flux
    /// Kustomizations to follow. Then each is rendered on its own.
    pub fn render_together(&self, dirs: &[PathBuf]) -> bool {
        if !dirs.iter().all(|d| has_kustomization(&self.root.join(d))) {
            return false;
        }
        let wrapper = self.next_wrapper();
        let resources: Vec<PathBuf> = dirs.iter().map(|d| self.root.join(d)).collect();
        let text = kustomization_text(&wrapper, &resources, None, &[]);
        let Some(output) = write_wrapper(&wrapper, &text)
            .ok()
            .and_then(|()| self.renderer.output(&wrapper, Path::new(""), false).ok())
        else {
            return false;
        };
        let Ok(objects) = object::parse(Path::new(""), &output) else {
            return false;
        };
        let copies = artifact_copies_of(objects.iter().map(|o| &o.root));
        copies.is_empty() && objects.iter().all(|o| followed(&o.root, &copies).is_none())
    }

    /// A new directory name for a generated kustomization, in the scratch directory.
    fn next_wrapper(&self) -> PathBuf {
        let n = self.generated.fetch_add(1, Ordering::Relaxed);
        self.scratch.join(format!("generated-{n}"))
    }

    /// One unit's objects: its directory rendered directly when it has a kustomization and no
    /// target namespace, else through the kustomization kustomize-controller would generate.
    pub fn render_unit(&self, unit: &Unit) -> Result<Vec<object::Object>, Failure> {
        let dir = self.root.join(&unit.path);
        let shown = match to_slash(&unit.path) {
            s if s.is_empty() => ".".to_string(),
            s => s,
        };
        if !dir.is_dir() {
            return Err(Failure {
                command: format!("kustomization path ./{shown}"),
                message: format!("{shown}: no such directory"),
            });
        }
        let has_list = has_kustomization(&dir);
        let output = if has_list && unit.is_plain() {
            self.renderer
                .output(self.root, &unit.path, false)
                .map_err(|message| Failure {
                    command: self.renderer.describe(&unit.path),
                    message: without_addresses(&message),
                })?
        } else {
            let wrapper = self.next_wrapper();
            let components: Vec<PathBuf> =
                unit.components.iter().map(|c| self.root.join(c)).collect();
            let text = wrapper_text(
                &dir,
                &wrapper,
                has_list,
                unit.target_namespace.as_deref(),
                &components,
            );
            write_wrapper(&wrapper, &text).map_err(|e| Failure {
                command: format!("writing {}", wrapper.display()),
                message: e.to_string(),
            })?;
            self.renderer
                .output(&wrapper, Path::new(""), true)
                .map_err(|message| Failure {
                    command: self.renderer.describe(&unit.path),
                    message: without_addresses(
                        &message.replace(&format!("{}/", self.root.display()), ""),
                    ),
                })?
        };
        object::parse(&unit.path, &output).map_err(|message| Failure {
            command: self.renderer.describe(&unit.path),
            message,
        })
    }
}

/// kustomize's message without the memory addresses it prints (`&{0xc0011aeea0 <nil>}`), which
/// differ from run to run and mean nothing to a reader.
fn without_addresses(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at]);
        let digits = rest[at + 2..]
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(rest.len() - at - 2);
        if digits >= 6 {
            out.push_str("0x…");
        } else {
            out.push_str(&rest[at..at + 2 + digits]);
        }
        rest = &rest[at + 2 + digits..];
    }
    out.push_str(rest);
    out
}

/// True when `dir` holds a kustomization file.
pub fn has_kustomization(dir: &Path) -> bool {
    KUSTOMIZATION_NAMES.iter().any(|n| dir.join(n).is_file())
}

/// The kustomization written in `wrapper` for `dir`: the directory itself when it has a
/// kustomization, else every manifest below it in sorted order (stopping at directories with
/// their own kustomization), as kustomize-controller generates it; with `namespace` set to the
/// target namespace, and the unit's `components`.
fn wrapper_text(
    dir: &Path,
    wrapper: &Path,
    has_list: bool,
    namespace: Option<&str>,
    components: &[PathBuf],
) -> String {
    let mut resources = Vec::new();
    if has_list {
        resources.push(dir.to_path_buf());
    } else {
        manifests(dir, &mut resources);
    }
    kustomization_text(wrapper, &resources, namespace, components)
}

/// Writes the generated kustomization `text` in the directory `wrapper`.
fn write_wrapper(wrapper: &Path, text: &str) -> std::io::Result<()> {
    fs::create_dir_all(wrapper).and_then(|()| fs::write(wrapper.join("kustomization.yaml"), text))
}

/// A kustomization in `wrapper` listing `resources` and `components` (absolute paths, written
/// relative to `wrapper`), with `namespace` when given.
fn kustomization_text(
    wrapper: &Path,
    resources: &[PathBuf],
    namespace: Option<&str>,
    components: &[PathBuf],
) -> String {
    let mut text = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:",
    );
    if resources.is_empty() {
        text.push_str(" []");
    }
    text.push('\n');
    for resource in resources {
        text.push_str(&format!(
            "- {}\n",
            crate::yaml::quote_scalar(&relative(wrapper, resource))
        ));
    }
    if !components.is_empty() {
        text.push_str("components:\n");
        for component in components {
            text.push_str(&format!(
                "- {}\n",
                crate::yaml::quote_scalar(&relative(wrapper, component))
            ));
        }
    }
    if let Some(namespace) = namespace {
        text.push_str(&format!(
            "namespace: {}\n",
            crate::yaml::quote_scalar(namespace)
        ));
    }
    text
}

/// The manifests below `dir`, and its subdirectories with a kustomization, sorted.
fn manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        // Flux walks a directory without following links to directories (a link to `.` or a
        // parent would never end).
        if is_linked_dir(&path) {
            continue;
        }
        if path.is_dir() {
            if has_kustomization(&path) {
                out.push(path);
            } else {
                manifests(&path, out);
            }
        } else if is_manifest(&path) {
            out.push(path);
        }
    }
}

/// True for a symbolic link to a directory.
pub fn is_linked_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) && path.is_dir()
}

/// A YAML file holding a Kubernetes object (kustomize-controller skips other YAML files).
fn is_manifest(path: &Path) -> bool {
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    yaml && fs::read_to_string(path).is_ok_and(|text| {
        text.lines().any(|l| l.starts_with("apiVersion:"))
            && text.lines().any(|l| l.starts_with("kind:"))
    })
}

/// `to` written relative to directory `from` (both absolute, on one file system tree).
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_left_out_of_messages() {
        assert_eq!(
            without_addresses("merging from generator &{0xc0011aeea0 <nil>}: 0x1f"),
            "merging from generator &{0x… <nil>}: 0x1f"
        );
    }
}

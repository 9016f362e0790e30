//! Moving a namespace's manifest from one namespace set to another, as the seed's "Move a Test
//! Namespace to All Clusters" does it: a git rename of the file, the old set's list loses the
//! entry, the new set's list gains it, and a set left empty is deleted with every import of it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fleet::{Fleet, Namespace, COMMON_SET};
use crate::paths::to_slash;
use crate::plan::lists::{infra_list, single_list, ListEdits};
use crate::plan::{ChangeSet, FileChange};
use crate::render::Templates;

/// Where the namespaces live.
pub const NAMESPACES: &str = "infrastructure/namespaces";

/// Where a namespace goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Its own directory, `infrastructure/namespaces/NAME/namespace.yaml`, like team-x.
    OwnDir,
    /// A named set (or `common`): `infrastructure/namespaces/SET/ns-NAME.yaml`.
    Set(String),
    /// The base of its own directory laid out for per-cluster overlays, the seed's
    /// `infrastructure/namespaces/NAME/base/namespace.yaml`.
    Base,
}

impl Destination {
    /// The set directory the namespace ends up in.
    pub fn dir(&self, namespace: &str) -> PathBuf {
        match self {
            Destination::OwnDir => Path::new(NAMESPACES).join(namespace),
            Destination::Set(set) => Path::new(NAMESPACES).join(set),
            Destination::Base => Path::new(NAMESPACES).join(namespace).join("base"),
        }
    }

    /// The manifest's path there.
    pub fn file(&self, namespace: &str) -> PathBuf {
        match self {
            Destination::OwnDir | Destination::Base => self.dir(namespace).join("namespace.yaml"),
            Destination::Set(_) => self.dir(namespace).join(format!("ns-{namespace}.yaml")),
        }
    }
}

/// What a relocation did, for the caller's imports and story.
#[derive(Debug, Clone, Default)]
pub struct Relocation {
    /// The set directory the namespace now lives in.
    pub new_dir: PathBuf,
    /// The old set directory, when it was deleted because the namespace was its last one.
    pub deleted_set: Option<PathBuf>,
    /// Cluster infra lists whose import of the deleted set was removed.
    pub unimported_from: Vec<PathBuf>,
}

/// One namespace's move.
#[derive(Debug, Clone)]
pub struct Move<'f> {
    pub namespace: &'f Namespace,
    pub destination: Destination,
    /// When the old set is left empty and deleted, each cluster that imported it imports the
    /// new directory in the same place instead, so a reviewer sees one line change.
    pub reimport: bool,
    /// Clusters that must import the new directory afterwards (no-op where they do).
    pub importers: Vec<String>,
}

/// Plans `planned`: the manifest moves, the lists follow.
pub fn relocate(
    fleet: &Fleet,
    templates: &Templates,
    planned: &Move,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<Relocation> {
    let (namespace, destination, reimport) =
        (planned.namespace, &planned.destination, planned.reimport);
    let new_dir = destination.dir(&namespace.name);
    let new_file = destination.file(&namespace.name);
    if fleet.text(&new_file)?.is_some() {
        return Err(Error::refused(format!(
            "{} exists already: move or rename it first",
            to_slash(&new_file)
        )));
    }
    let text = fleet
        .text(&namespace.file)?
        .ok_or_else(|| Error::refused(format!("{}: not read", to_slash(&namespace.file))))?;
    let scope = match destination {
        // A namespace in its own directory (laid out with overlays or not) is the seed's
        // team-x: `environment-scope: shared`, the cluster lists deciding where it exists.
        Destination::OwnDir | Destination::Base => "shared",
        Destination::Set(set) => set.as_str(),
    };
    let convention = match destination {
        Destination::Set(set) => set_label_key(fleet, set, namespace)?,
        _ => None,
    };
    change.push(FileChange::Move {
        from: namespace.file.clone(),
        to: new_file.clone(),
        old: text.to_string(),
        new: relabel(
            &namespace.file,
            &text,
            &namespace.set,
            scope,
            convention.as_deref(),
        )?,
    })?;

    // The new home lists the manifest: an existing set gains an entry, a new one is created.
    let new_list = new_dir.join("kustomization.yaml");
    single_list(fleet, &new_list)?;
    if fleet.text(&new_list)?.is_some() {
        lists.add(fleet, &new_list, &new_file)?;
    } else {
        let mut context = tera::Context::new();
        let entry = new_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        context.insert("resources", &[entry]);
        change.create(&new_list, templates.render("kustomization.yaml", &context)?)?;
    }

    // The old set loses the entry; emptied, it goes, and so do the clusters' imports of it.
    let mut relocation = Relocation {
        new_dir,
        ..Relocation::default()
    };
    let old_list = namespace.set_dir.join("kustomization.yaml");
    lists.remove(fleet, &old_list, &namespace.file)?;
    if lists.is_empty(fleet, &old_list)? && !other_files_in(fleet, &namespace.set_dir, namespace) {
        lists.forget(&old_list);
        let old = fleet
            .text(&old_list)?
            .map(|t| t.to_string())
            .unwrap_or_default();
        change.push(FileChange::Delete {
            path: old_list.clone(),
            old,
        })?;
        for cluster in fleet.clusters() {
            let Some(infra) = &cluster.infra_list else {
                continue;
            };
            let list = &infra.path;
            let in_place = reimport && !lists.references(fleet, list, &relocation.new_dir)?;
            let changed = if in_place {
                lists.replace(fleet, list, &namespace.set_dir, &relocation.new_dir)?
            } else {
                lists.remove(fleet, list, &namespace.set_dir)?
            };
            if changed {
                relocation.unimported_from.push(list.clone());
            }
        }
        relocation.deleted_set = Some(namespace.set_dir.clone());
    }
    for cluster in &planned.importers {
        lists.add(fleet, &infra_list(fleet, cluster)?, &relocation.new_dir)?;
    }
    Ok(relocation)
}

/// The manifest with every label that named the old set (`environment-scope: test-only`)
/// naming the new scope instead, so the labels keep telling the truth after the move. Where the
/// new set has its own label for membership (`key`: the common set's `namespace-set`), the
/// label takes that key, so that a selector on the set finds the namespace.
fn relabel(
    file: &Path,
    text: &str,
    old_set: &str,
    scope: &str,
    key: Option<&str>,
) -> Result<String> {
    let Some(docs) = crate::yaml::values(text) else {
        return Ok(text.to_string());
    };
    let Some(labels) = docs.first().and_then(|d| d["metadata"]["labels"].as_hash()) else {
        return Ok(text.to_string());
    };
    let mut new = text.to_string();
    for (old_key, value) in labels {
        if let (Some(old_key), Some(old_set_value)) = (old_key.as_str(), value.as_str()) {
            if old_set_value == old_set && old_set != scope {
                new = crate::yaml::set_scalar(file, &new, &["metadata", "labels", old_key], scope)?;
                let taken = |k: &str| labels.contains_key(&yaml_rust2::Yaml::String(k.into()));
                // Without a convention to read, the common set's is the template's
                // (`add-ns --set common`): `<domain>/namespace-set`.
                let fallback = match old_key.rsplit_once('/') {
                    Some((domain, _)) if scope == COMMON_SET => {
                        Some(format!("{domain}/namespace-set"))
                    }
                    _ => None,
                };
                let key = key.map(str::to_string).or(fallback);
                if let Some(key) = key.filter(|k| k != old_key && !taken(k)) {
                    new = crate::yaml::rename_key(
                        file,
                        &new,
                        &["metadata", "labels", old_key],
                        &key,
                    )?;
                }
            }
        }
    }
    Ok(new)
}

/// The label key the namespaces of `set` carry with the set's name as value (the seed's
/// `platform.example.com/namespace-set: common`), read from its members other than
/// `moving`; `None` when they carry none, or disagree.
fn set_label_key(fleet: &Fleet, set: &str, moving: &Namespace) -> Result<Option<String>> {
    let mut keys: Vec<String> = Vec::new();
    for member in fleet
        .namespaces()
        .iter()
        .filter(|n| n.set == set && n.name != moving.name)
    {
        let Some(text) = fleet.text(&member.file)? else {
            continue;
        };
        let docs = crate::yaml::values(&text).unwrap_or_default();
        for doc in docs
            .iter()
            .filter(|d| d["metadata"]["name"].as_str() == Some(&member.name))
        {
            if let Some(labels) = doc["metadata"]["labels"].as_hash() {
                for (key, value) in labels {
                    if let (Some(key), Some(set_value)) = (key.as_str(), value.as_str()) {
                        if set_value == set && !keys.iter().any(|k| k == key) {
                            keys.push(key.to_string());
                        }
                    }
                }
            }
        }
    }
    Ok(match &keys[..] {
        [key] => Some(key.clone()),
        _ => None,
    })
}

/// True when the fleet read other namespace manifests in `dir` than `namespace`'s.
fn other_files_in(fleet: &Fleet, dir: &Path, namespace: &Namespace) -> bool {
    fleet
        .namespaces()
        .iter()
        .any(|n| n.name != namespace.name && n.file.starts_with(dir))
}

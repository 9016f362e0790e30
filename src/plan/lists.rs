//! Edits of several kustomization lists planned together: each file is parsed once from the
//! text the fleet read, edited in memory with the comment-preserving editor, and handed to the
//! ChangeSet as one edit per file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fleet::Fleet;
use crate::paths::{reference_between, resolve, to_slash};
use crate::plan::ChangeSet;
use crate::yaml::{Kustomization, MapEntry};

/// The list key every edit goes to.
const RESOURCES: &str = "resources";

/// Planned edits of kustomization lists, keyed by file.
#[derive(Default)]
pub struct ListEdits {
    files: BTreeMap<PathBuf, (String, Kustomization)>,
    added: Vec<PathBuf>,
}

impl ListEdits {
    pub fn new() -> Self {
        ListEdits::default()
    }

    fn open(&mut self, fleet: &Fleet, list: &Path) -> Result<&mut Kustomization> {
        if !self.files.contains_key(list) {
            single_list(fleet, list)?;
            // Read first: a file not read yet shows a link that leaves the repository as it is
            // read.
            let text = fleet.text(list)?;
            if let Some(refusal) = behind_outside_link(fleet, list) {
                return Err(refusal);
            }
            let text = text.ok_or_else(|| {
                Error::refused(format!(
                    "{} does not exist: the layout needs it; run `fluxfleet check` to see what \
                     is missing",
                    to_slash(list)
                ))
            })?;
            let parsed = Kustomization::parse(list, &text)?;
            self.files
                .insert(list.to_path_buf(), (text.to_string(), parsed));
        }
        match self.files.get_mut(list) {
            Some((_, parsed)) => Ok(parsed),
            None => Err(Error::refused(format!("{}: not read", to_slash(list)))),
        }
    }

    /// Adds a reference to `target` (a repository path) to `list`, written relative to the
    /// list's directory. False when the list already references it, in any spelling.
    pub fn add(&mut self, fleet: &Fleet, list: &Path, target: &Path) -> Result<bool> {
        let reference = reference_between(list_dir(list), target);
        let file = self.open(fleet, list)?;
        // A child is written `./name` only where the list already writes children that way
        // (the cluster entrypoint does; namespace sets list bare file names).
        let entries = file.entries(RESOURCES);
        let reference = match reference.strip_prefix("./") {
            Some(bare) if !entries.iter().any(|e| e.value.starts_with("./")) => bare.to_string(),
            _ => reference,
        };
        let added = file.add(RESOURCES, &reference)?;
        if added {
            self.added.push(target.to_path_buf());
        }
        Ok(added)
    }

    /// Removes every reference of `list` that resolves to `target`. False when there was none.
    pub fn remove(&mut self, fleet: &Fleet, list: &Path, target: &Path) -> Result<bool> {
        let dir = list_dir(list).to_path_buf();
        let file = self.open(fleet, list)?;
        let written: Vec<String> = file
            .entries(RESOURCES)
            .into_iter()
            .filter(|e| resolve(&dir, &e.value).as_deref() == Some(target))
            .map(|e| e.value)
            .collect();
        for value in &written {
            file.remove(RESOURCES, value)?;
        }
        Ok(!written.is_empty())
    }

    /// The entries of `key` in `list` as written, as planned so far.
    pub fn entries_of(&mut self, fleet: &Fleet, list: &Path, key: &str) -> Result<Vec<String>> {
        Ok(self
            .open(fleet, list)?
            .entries(key)
            .into_iter()
            .map(|e| e.value)
            .collect())
    }

    /// Removes entry `value` of `key` in `list` (a list of file names, such as
    /// `patchesStrategicMerge`). False when it was not there.
    pub fn remove_entry(
        &mut self,
        fleet: &Fleet,
        list: &Path,
        key: &str,
        value: &str,
    ) -> Result<bool> {
        Ok(self.open(fleet, list)?.remove(key, value)?)
    }

    /// Appends entry `value` to `key` in `list` (a list of file names, such as
    /// `patchesStrategicMerge`). False when it was there already.
    pub fn add_entry(
        &mut self,
        fleet: &Fleet,
        list: &Path,
        key: &str,
        value: &str,
    ) -> Result<bool> {
        Ok(self.open(fleet, list)?.add(key, value)?)
    }

    /// The entries of `key` in `list` that are mappings (`patches`), as planned so far.
    pub fn map_entries_of(
        &mut self,
        fleet: &Fleet,
        list: &Path,
        key: &str,
    ) -> Result<Vec<MapEntry>> {
        Ok(self.open(fleet, list)?.map_entries(key)?)
    }

    /// The lines of mapping entry `index` of `key` in `list`, to copy into another list.
    pub fn map_entry_text(
        &mut self,
        fleet: &Fleet,
        list: &Path,
        key: &str,
        index: usize,
    ) -> Result<String> {
        Ok(self.open(fleet, list)?.map_entry_text(key, index)?)
    }

    /// Removes mapping entry `index` of `key` in `list` with its lines.
    pub fn remove_map_entry(
        &mut self,
        fleet: &Fleet,
        list: &Path,
        key: &str,
        index: usize,
    ) -> Result<()> {
        Ok(self.open(fleet, list)?.remove_map_entry(key, index)?)
    }

    /// Appends to `key` in `list` the mapping entry `written`, copied from another list.
    pub fn add_map_entry(
        &mut self,
        fleet: &Fleet,
        list: &Path,
        key: &str,
        written: &str,
    ) -> Result<()> {
        Ok(self.open(fleet, list)?.add_map_entry(key, written)?)
    }

    /// Replaces the reference of `list` to `old` with one to `new`, in place.
    pub fn replace(&mut self, fleet: &Fleet, list: &Path, old: &Path, new: &Path) -> Result<bool> {
        let dir = list_dir(list).to_path_buf();
        let reference = reference_between(&dir, new);
        let file = self.open(fleet, list)?;
        let Some(entry) = file
            .entries(RESOURCES)
            .into_iter()
            .find(|e| resolve(&dir, &e.value).as_deref() == Some(old))
        else {
            return Ok(false);
        };
        let replaced = file.replace(RESOURCES, &entry.value, &reference)?;
        if replaced {
            self.added.push(new.to_path_buf());
        }
        Ok(replaced)
    }

    /// True when `list` references `target` as planned so far.
    pub fn references(&mut self, fleet: &Fleet, list: &Path, target: &Path) -> Result<bool> {
        let dir = list_dir(list).to_path_buf();
        Ok(self
            .open(fleet, list)?
            .entries(RESOURCES)
            .iter()
            .any(|e| resolve(&dir, &e.value).as_deref() == Some(target)))
    }

    /// True when `list` has no entries left, as planned so far.
    pub fn is_empty(&mut self, fleet: &Fleet, list: &Path) -> Result<bool> {
        Ok(self.open(fleet, list)?.entries(RESOURCES).is_empty())
    }

    /// Drops the planned edits of `list` (the file is deleted instead).
    pub fn forget(&mut self, list: &Path) {
        self.files.remove(list);
    }

    /// Adds one edit per changed file to `change`.
    pub fn finish(self, change: &mut ChangeSet) -> Result<()> {
        change.requires.extend(self.added);
        change.requires.sort();
        change.requires.dedup();
        for (path, (old, parsed)) in self.files {
            if parsed.text() != old {
                change.edit(path, old, parsed.text().to_string())?;
            }
        }
        Ok(())
    }
}

/// Refuses to edit or create kustomization file `list` when its directory holds more than one:
/// kustomize refuses such a directory, and which file Flux would read is not for an edit to
/// guess.
pub fn single_list(fleet: &Fleet, list: &Path) -> Result<()> {
    let dir = list_dir(list);
    let Some(files) = fleet.double_list(dir) else {
        return Ok(());
    };
    let names: Vec<String> = files.iter().map(|f| to_slash(f)).collect();
    Err(Error::refused(format!(
        "{} are both kustomization files of {}: kustomize refuses a directory with more than \
         one (\"Found multiple kustomization files\"), so fluxfleet edits neither; merge them \
         into one, delete the other, and run this again",
        names.join(" and "),
        to_slash(dir)
    )))
}

/// A refusal when `path` lies behind a symbolic link that leaves the repository: the read did
/// not follow it, and nothing is written through it.
fn behind_outside_link(fleet: &Fleet, path: &Path) -> Option<Error> {
    let links = fleet.outside_links();
    let link = links.iter().find(|l| path.starts_with(&l.link))?;
    let what = match path == link.link {
        true => format!("{} is a symbolic link", to_slash(path)),
        false => format!(
            "{} lies behind the symbolic link {}",
            to_slash(path),
            to_slash(&link.link)
        ),
    };
    Some(Error::refused(format!(
        "{what} to {}, which leaves the repository: fluxfleet neither reads nor writes through \
         it; replace the link with the files themselves",
        link.target.display()
    )))
}

/// The directory references in `list` are relative to.
fn list_dir(list: &Path) -> &Path {
    list.parent().unwrap_or(Path::new(""))
}

/// A cluster's app list, or a refusal saying the cluster has none.
pub fn apps_list(fleet: &Fleet, cluster: &str) -> Result<PathBuf> {
    fleet
        .cluster(cluster)
        .and_then(|c| c.apps_list.as_ref())
        .map(|l| l.path.clone())
        .ok_or_else(|| missing_list(fleet, cluster, "apps"))
}

/// A cluster's infrastructure list, or a refusal saying the cluster has none.
pub fn infra_list(fleet: &Fleet, cluster: &str) -> Result<PathBuf> {
    fleet
        .cluster(cluster)
        .and_then(|c| c.infra_list.as_ref())
        .map(|l| l.path.clone())
        .ok_or_else(|| missing_list(fleet, cluster, "infra"))
}

fn missing_list(fleet: &Fleet, cluster: &str, list: &str) -> Error {
    let path = Path::new("clusters")
        .join(cluster)
        .join(list)
        .join("kustomization.yaml");
    if let Some(refusal) = behind_outside_link(fleet, &path) {
        return refusal;
    }
    Error::refused(format!(
        "cluster {cluster} has no clusters/{cluster}/{list}/kustomization.yaml: fluxfleet edits \
         the layout `fluxfleet init` writes; create that list (a kustomization with \
         `resources: []`), or leave {cluster} out of the clusters named"
    ))
}

/// What strategic-merge patches and list entries touch, read from the files (kind, name):
/// which patches of an environment's list go with a unit when it leaves or comes back.
pub(crate) mod patched {
    use std::collections::BTreeSet;
    use std::path::Path;

    use yaml_rust2::Yaml;

    use crate::error::Result;
    use crate::fleet::Fleet;
    use crate::paths::resolve;

    /// The list of strategic-merge patch files.
    pub(crate) const STRATEGIC: &str = "patchesStrategicMerge";
    /// The list of patches as mappings (`- path: F`, a `target:`, an inline `patch:`).
    pub(crate) const PATCHES: &str = "patches";

    /// The objects (kind, name) a list entry brings, as its files say: a manifest's own, or a
    /// directory's kustomization's resources, followed a few levels down.
    pub(crate) fn objects_of(
        fleet: &Fleet,
        target: &Path,
        depth: usize,
    ) -> Result<BTreeSet<(String, String)>> {
        let mut out = BTreeSet::new();
        let Some(text) = crate::fleet::KUSTOMIZATION_NAMES
            .iter()
            .map(|n| target.join(n))
            .find_map(|p| fleet.text(&p).ok().flatten().map(|t| (p, t)))
        else {
            return objects_in(fleet, target);
        };
        if depth > 4 {
            return Ok(out);
        }
        let (path, text) = text;
        let Ok(list) = crate::yaml::Kustomization::parse(&path, &text) else {
            return Ok(out);
        };
        for entry in list.entries("resources") {
            if let Some(next) = resolve(target, &entry.value) {
                out.extend(objects_of(fleet, &next, depth + 1)?);
            }
        }
        Ok(out)
    }

    /// What a patch applies to: the objects named `name`, of kind `kind` or of any kind.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) struct Selector {
        pub(crate) kind: Option<String>,
        pub(crate) name: String,
    }

    impl Selector {
        pub(crate) fn matches(&self, (kind, name): &(String, String)) -> bool {
            self.name == *name && self.kind.as_ref().is_none_or(|k| k == kind)
        }
    }

    /// What the strategic-merge patch in `file` applies to: the kind and name of each of its
    /// documents. Empty when a document names no object (a JSON patch) or the file is not
    /// there: what it patches is then not known.
    pub(crate) fn selectors_in(fleet: &Fleet, file: &Path) -> Result<Vec<Selector>> {
        Ok(fleet
            .text(file)?
            .map(|text| named_objects(&text))
            .unwrap_or_default())
    }

    /// What an entry of a kustomization's `patches` (`- path: x`, `- patch: |`, either with a
    /// `target:`) applies to, when that is sure. With a target, its name and kind: kustomize
    /// matches them as whole regular expressions, so only a name of letters, digits and dashes
    /// says which objects; without one, the objects its patch names. Empty when it is not sure
    /// (no name, a pattern, a JSON patch without a target): such an entry is left where it is.
    pub(crate) fn selectors_of_entry(
        fleet: &Fleet,
        dir: &Path,
        entry: &Yaml,
    ) -> Result<Vec<Selector>> {
        let literal = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let target = &entry["target"];
        if !target.is_badvalue() {
            let name = target["name"].as_str().filter(|n| literal(n));
            let kind = match &target["kind"] {
                Yaml::BadValue => Some(None),
                kind => kind
                    .as_str()
                    .filter(|k| literal(k))
                    .map(|k| Some(k.to_string())),
            };
            return Ok(match (name, kind) {
                (Some(name), Some(kind)) => vec![Selector {
                    kind,
                    name: name.to_string(),
                }],
                _ => Vec::new(),
            });
        }
        if let Some(patch) = entry["patch"].as_str() {
            return Ok(named_objects(patch));
        }
        match entry["path"].as_str().and_then(|p| resolve(dir, p)) {
            Some(file) => selectors_in(fleet, &file),
            None => Ok(Vec::new()),
        }
    }

    /// True when `selectors` say what they patch and each patches something in `within` and
    /// nothing in `outside`.
    pub(crate) fn only_in(
        selectors: &[Selector],
        within: &BTreeSet<(String, String)>,
        outside: &BTreeSet<(String, String)>,
    ) -> bool {
        !selectors.is_empty()
            && selectors.iter().all(|s| {
                within.iter().any(|o| s.matches(o)) && !outside.iter().any(|o| s.matches(o))
            })
    }

    /// The kind and name of each document of a patch's text; empty when one lacks either.
    fn named_objects(text: &str) -> Vec<Selector> {
        let docs = crate::yaml::values(text).unwrap_or_default();
        let named: Option<Vec<Selector>> = docs
            .iter()
            .filter(|d| !d.is_null() && !d.is_badvalue())
            .map(|d| {
                Some(Selector {
                    kind: Some(d["kind"].as_str()?.to_string()),
                    name: d["metadata"]["name"].as_str()?.to_string(),
                })
            })
            .collect();
        named.unwrap_or_default()
    }

    /// The objects (kind, name) of manifest `file`.
    pub(crate) fn objects_in(fleet: &Fleet, file: &Path) -> Result<BTreeSet<(String, String)>> {
        let Some(text) = fleet.text(file)? else {
            return Ok(BTreeSet::new());
        };
        let docs = crate::yaml::values(&text).unwrap_or_default();
        Ok(docs
            .iter()
            .filter_map(|d| {
                Some((
                    d["kind"].as_str()?.to_string(),
                    d["metadata"]["name"].as_str()?.to_string(),
                ))
            })
            .collect())
    }
}

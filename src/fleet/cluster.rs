//! A cluster: the directory `clusters/<c>` a cluster's Flux reconciles, and every list that
//! tree pulls in.
//!
//! The tree is walked the way Flux reads it: the entry kustomization (or, without one, the
//! kustomization Flux generates from the directory), the files it lists, and the directories
//! that the Flux Kustomization objects found there point at. Lists outside `clusters/<c>` that a
//! Flux Kustomization attaches (`./apps/staging` in the Flux examples) belong to the cluster too.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::flux::{
    artifact_copies, artifact_path, may_hold_flux_kustomization, ArtifactCopy, FluxKustomization,
};
use super::read::{holds_any, is_yaml, Docs, Reader};
use super::reference::{ListFile, Reference, KUSTOMIZATION_NAMES};
use super::root::FileId;
use crate::error::Result;
use crate::paths;

/// One cluster and the lists its tree pulls in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The directory name under `clusters/`.
    pub name: String,
    /// `clusters/<name>`.
    pub dir: PathBuf,
    /// `clusters/<c>/kustomization.yaml`, or the list Flux generates for the directory.
    pub entry: Option<ListFile>,
    /// `clusters/<c>/apps/kustomization.yaml`: the cluster's app list.
    pub apps_list: Option<ListFile>,
    /// `clusters/<c>/infra/kustomization.yaml`: the cluster's infrastructure list.
    pub infra_list: Option<ListFile>,
    /// Every other list the tree pulls in (`flux-system`, lists attached by a Flux path).
    pub other_lists: Vec<ListFile>,
    /// The Flux Kustomization objects in the tree, by file and line.
    pub flux: Vec<FluxKustomization>,
    /// The Flux paths that attach a directory, in the tree or outside it, resolved (through an
    /// `ExternalArtifact` to where its generator copies from).
    pub attachments: Vec<Reference>,
}

impl Cluster {
    /// Every list of the cluster: entry, apps, infra, then the others.
    pub fn lists(&self) -> impl Iterator<Item = &ListFile> {
        self.entry
            .iter()
            .chain(&self.apps_list)
            .chain(&self.infra_list)
            .chain(&self.other_lists)
    }

    /// Every reference in the cluster's lists.
    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.lists().flat_map(|l| l.references.iter())
    }

    /// The Flux Kustomizations defined in `clusters/<c>/<file>`.
    pub fn flux_in(&self, file: &str) -> impl Iterator<Item = &FluxKustomization> {
        let path = self.dir.join(file);
        self.flux.iter().filter(move |k| k.file == path)
    }

    /// True when the cluster reads the kustomization file `list`, one written in the repository
    /// (not a list Flux generates for a directory without one).
    pub fn pulls_in(&self, list: &Path) -> bool {
        self.lists().any(|l| !l.generated && l.path == list)
    }

    /// True when `path` lies in this cluster's own tree.
    pub fn owns(&self, path: &Path) -> bool {
        paths::is_within(path, &self.dir)
    }

    /// Parses the lists a focused read left unparsed ([`Reader::tree_list`]) whose text holds
    /// one of `needles`: their entries that hold one.
    pub(crate) fn parse_lists_holding(
        &mut self,
        reader: &Reader,
        needles: &[memchr::memmem::Finder],
    ) -> Result<()> {
        let lists = self
            .entry
            .iter_mut()
            .chain(&mut self.apps_list)
            .chain(&mut self.infra_list)
            .chain(&mut self.other_lists);
        for list in lists {
            if list.generated || !list.references.is_empty() {
                continue;
            }
            // The path too: a list inside an app's own directory (attached by a Flux path)
            // writes its entries without the app's name; it is parsed whole.
            let found = match holds_any(needles, &list.path.to_string_lossy()) {
                true => reader.list_file(&list.path)?,
                false => reader.list_file_holding(&list.path, needles)?,
            };
            if let Some(parsed) = found {
                *list = parsed;
            }
        }
        Ok(())
    }

    /// Reads the tree of cluster `name`, the directory `dir`.
    pub(crate) fn read(reader: &Reader, name: &str, dir: &Path) -> Result<Cluster> {
        let dir = dir.to_path_buf();
        let mut walk = Walk {
            reader,
            dir: dir.clone(),
            seen: HashSet::new(),
            walked: HashSet::new(),
            queue: VecDeque::new(),
            lists: Vec::new(),
            flux: Vec::new(),
            scanned: HashSet::new(),
            copies: Vec::new(),
            waiting: Vec::new(),
            attachments: Vec::new(),
        };
        walk.enqueue(dir.clone(), None);
        // The layout's list directories belong to the cluster even when its Flux objects are
        // broken; `check` reports the broken attachment, `status` still shows the intent.
        walk.enqueue(dir.join("infra"), None);
        walk.enqueue(dir.join("apps"), None);
        walk.run()?;

        let mut cluster = Cluster {
            name: name.to_string(),
            dir: dir.clone(),
            entry: None,
            apps_list: None,
            infra_list: None,
            other_lists: Vec::new(),
            flux: walk.flux,
            attachments: walk.attachments,
        };
        for list in walk.lists {
            let at = list.dir().to_path_buf();
            if at == dir {
                cluster.entry = Some(list);
            } else if at == dir.join("apps") && !list.generated {
                cluster.apps_list = Some(list);
            } else if at == dir.join("infra") && !list.generated {
                cluster.infra_list = Some(list);
            } else {
                cluster.other_lists.push(list);
            }
        }
        cluster.other_lists.sort_by(|a, b| a.path.cmp(&b.path));
        cluster
            .flux
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Ok(cluster)
    }
}

/// True when `clusters/<name>` looks like a cluster: it holds a kustomization, a manifest, or
/// a subdirectory with a kustomization (the hub-and-spoke layout has only those).
pub(crate) fn is_cluster_dir(reader: &Reader, dir: &Path) -> Result<bool> {
    // The usual case without listing the directory: its kustomization, which the walk reads
    // next anyway.
    for name in KUSTOMIZATION_NAMES {
        if reader.text(&dir.join(name))?.is_some() {
            return Ok(true);
        }
    }
    let entries = reader.entries(dir)?;
    // Files first: a cluster's own kustomization answers without parsing a subdirectory's list
    // (`apps/`, thousands of lines in a large fleet, comes first by name).
    if entries
        .iter()
        .any(|(name, is_dir)| !is_dir && (is_yaml(name) || name == "Kustomization"))
    {
        return Ok(true);
    }
    for (name, _) in entries.iter().filter(|(_, is_dir)| *is_dir) {
        if reader.list(&dir.join(name))?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

struct Walk<'r> {
    reader: &'r Reader,
    dir: PathBuf,
    seen: HashSet<PathBuf>,
    /// The lists and directories walked, by identity: links (to `.`, to a parent) spell one
    /// directory in endless ways, and a cycle of references comes back to where it started.
    walked: HashSet<FileId>,
    /// Directories to read as lists, with the Flux path that attached them, if any.
    queue: VecDeque<(PathBuf, Option<Reference>)>,
    lists: Vec<ListFile>,
    flux: Vec<FluxKustomization>,
    scanned: HashSet<PathBuf>,
    /// The copies of the `ArtifactGenerator`s met so far.
    copies: Vec<ArtifactCopy>,
    /// Flux paths into an `ExternalArtifact`, with its name: followed once the generator that
    /// builds it is met.
    waiting: Vec<(String, Reference)>,
    attachments: Vec<Reference>,
}

impl Walk<'_> {
    fn enqueue(&mut self, dir: PathBuf, origin: Option<Reference>) {
        if let Some(origin) = &origin {
            self.attachments.push(origin.clone());
        }
        if self.seen.insert(dir.clone()) {
            self.queue.push_back((dir, origin));
        }
    }

    /// Walks the queue; then follows the paths into external artifacts that the generators met
    /// tell, and walks again, until nothing new is found.
    fn run(&mut self) -> Result<()> {
        loop {
            self.drain()?;
            let waiting = std::mem::take(&mut self.waiting);
            let before = self.queue.len();
            for (artifact, path) in waiting {
                let within = paths::from_source_root(path.written()).unwrap_or_default();
                match artifact_path(&self.copies, &artifact, &within) {
                    Some(target) => {
                        if self.reader.is_dir(&target) {
                            let attached = path.with_target(Some(target.clone()));
                            self.enqueue(target, Some(attached));
                        }
                    }
                    None => self.waiting.push((artifact, path)),
                }
            }
            if self.queue.len() == before {
                return Ok(());
            }
        }
    }

    fn drain(&mut self) -> Result<()> {
        while let Some((dir, origin)) = self.queue.pop_front() {
            if let Some((list, id)) = self.reader.tree_list(&dir, &self.dir)? {
                if !self.walked.insert(id) {
                    continue;
                }
                for reference in &list.references {
                    let Some(target) = reference.target() else {
                        continue;
                    };
                    // Only the cluster's own tree is followed: what lies outside are the
                    // shared definitions the cluster references.
                    // A manifest is read straight away, without asking first whether the
                    // target is a directory; that is asked when it could not be read.
                    if paths::is_within(target, &self.dir)
                        && !self.scan(target)?
                        && self.reader.is_dir(target)
                    {
                        self.enqueue(target.to_path_buf(), None);
                    }
                }
                self.lists.push(list);
            } else if self.reader.is_dir(&dir) && (origin.is_some() || dir == self.dir) {
                let list = self.generated(&dir, origin.as_ref())?;
                self.lists.push(list);
            }
        }
        Ok(())
    }

    /// The list Flux generates for a directory without a kustomization ([`generated_list`]),
    /// each directory entered once in the whole walk; what it finds in the cluster's own tree
    /// is walked on.
    fn generated(&mut self, dir: &Path, origin: Option<&Reference>) -> Result<ListFile> {
        let walked = &mut self.walked;
        let (list, met) = generated_list(self.reader, dir, origin, |id| walked.insert(id))?;
        for (path, listed) in met {
            if !paths::is_within(&path, &self.dir) {
                continue;
            }
            match listed {
                true => self.enqueue(path, None),
                false => {
                    self.scan(&path)?;
                }
            }
        }
        Ok(list)
    }

    /// Reads the Flux Kustomizations of a manifest in the tree and queues what they attach.
    /// True when `file` was looked at before or taken for a file now; false when it was not
    /// read (not a manifest by its name, or no such file).
    fn scan(&mut self, file: &Path) -> Result<bool> {
        if !self.scanned.insert(file.to_path_buf()) {
            return Ok(true);
        }
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        // Flux's own components (hundreds of kilobytes of CRDs) never attach a list.
        if name.as_deref() == Some("gotk-components.yaml") {
            return Ok(true);
        }
        if !name.as_deref().is_some_and(is_yaml) {
            return Ok(false);
        }
        let docs = match self.reader.docs_if(file, may_hold_flux_kustomization)? {
            Docs::Absent => return Ok(false),
            Docs::Unwanted => return Ok(true),
            Docs::Parsed(docs) => docs,
        };
        self.copies.extend(artifact_copies(&docs));
        for object in FluxKustomization::from_docs(file, &docs) {
            if let (Some(artifact), Some(path)) = (
                object.source.strip_prefix("ExternalArtifact/"),
                &object.path,
            ) {
                self.waiting.push((artifact.to_string(), path.clone()));
            }
            if let Some(path) = &object.path {
                if let Some(target) = path.target() {
                    // Another cluster's tree is not followed: `check` reports the mistake.
                    let foreign = target.starts_with("clusters") && !target.starts_with(&self.dir);
                    // Already queued (the tree itself, its `infra/` and `apps/`): no lookup.
                    let queued = self.seen.contains(target);
                    if !foreign && !queued && self.reader.is_dir(target) {
                        self.enqueue(target.to_path_buf(), Some(path.clone()));
                    }
                }
            }
            // The components the controller adds to that kustomization come with it.
            for component in &object.components {
                if let Some(target) = component.target() {
                    if !self.seen.contains(target) && self.reader.is_dir(target) {
                        self.enqueue(target.to_path_buf(), Some(component.clone()));
                    }
                }
            }
            self.flux.push(object);
        }
        Ok(true)
    }
}

/// The list Flux generates for `dir`, which has no kustomization: every YAML file below it and
/// every directory below it that has a kustomization (not what lies below that one), sorted;
/// written as `origin` names `dir` (`./…` without one). A directory is entered only when `enter`
/// says so of its identity: a link to `.` or a parent would make the walk endless. With the list,
/// its entries in the order met, each with whether it is a directory with a kustomization.
pub(crate) fn generated_list(
    reader: &Reader,
    dir: &Path,
    origin: Option<&Reference>,
    mut enter: impl FnMut(FileId) -> bool,
) -> Result<(ListFile, Vec<(PathBuf, bool)>)> {
    let mut references = Vec::new();
    let mut met = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    let (file, line) = match origin {
        Some(o) => (o.file.clone(), o.line),
        None => (Arc::from(dir), 0),
    };
    while let Some(at) = pending.pop() {
        let Some((id, entries)) = reader.listing(&at)? else {
            continue;
        };
        if !enter(id) {
            continue;
        }
        for (name, is_dir) in entries {
            let path = at.join(&name);
            let rel = paths::to_slash(path.strip_prefix(dir).unwrap_or(&path));
            let written = match origin {
                Some(o) => format!("{}/{rel}", o.written().trim_end_matches('/')),
                None => format!("./{rel}"),
            };
            let listed = is_dir && reader.list(&path)?.is_some();
            if is_dir && !listed {
                pending.push(path);
                continue;
            }
            if !is_dir && !is_yaml(&name) {
                continue;
            }
            met.push((path.clone(), listed));
            references.push(Reference::resolved(file.clone(), line, written, Some(path)));
        }
    }
    references.sort_by(|a, b| a.target().cmp(&b.target()));
    let list = ListFile {
        path: dir.to_path_buf(),
        references,
        resources_line: 1,
        namespace: None,
        generated: true,
    };
    Ok((list, met))
}

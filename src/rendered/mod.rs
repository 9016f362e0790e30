//! The rendered change per cluster between a base commit and the working tree (`fluxfleet
//! diff`, and the pull request description): each affected cluster rendered on both sides as
//! Flux would apply it, and its objects compared.
//!
//! Only affected clusters are rendered: those whose reachable paths ([`reach`]) hold a file
//! that differs between the base and the working tree, on either side. The base side is the
//! base commit's tree written into the git directory ([`scratch`]).

mod change;
mod cluster;
mod entries;
mod flux;
mod format;
mod object;
mod reach;
mod scratch;
pub mod versions;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use git2::{DiffOptions, Oid, Repository};
use rayon::prelude::*;

pub use change::{ChangedObject, ClusterChange};
pub use format::{json, markdown, proof, text, MARKDOWN_LIMIT};
pub use object::{ObjectKey, Objects};

use crate::error::{Error, IoContext, Result};
use crate::fleet::{Fleet, ReadPlan, Renderer};
use crate::paths;
use cluster::Tree;
use entries::{Changed, Holds};
use reach::Graph;
use scratch::Scratch;

/// Removes the scratch directories of runs that ended without removing them (killed while
/// rendering): any command does it first, as it recovers an interrupted run.
pub fn remove_stale_scratch(git_dir: &Path) {
    scratch::remove_stale(git_dir);
}

/// The rendered difference between a base and the working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDiff {
    /// The base as named (`main`, or `--base REF`).
    pub base: String,
    pub commit: Oid,
    /// The clusters whose objects change, in promotion order.
    pub clusters: Vec<ClusterChange>,
    /// The other clusters: not affected by the change, or rendered the same.
    pub unchanged: Vec<String>,
    /// The clusters rendered (on both sides): those the change affects.
    pub rendered: Vec<String>,
}

/// What a description proves about a unit moved into the common set: the clusters that already
/// had it, and those that gain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The unit, as the description names it (`foo-app`).
    pub subject: String,
    pub had: Vec<String>,
    pub gain: Vec<String>,
}

/// The two sides, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Base,
    After,
}

/// The message when no renderer is on PATH.
pub const NO_RENDERER: &str = "neither kustomize nor kubectl is on PATH: install one of them \
     (https://kubectl.docs.kubernetes.io/installation/kustomize/) to render the clusters";

/// Renders the clusters the difference between `commit` (named `base`) and the working tree
/// of the repository at `root` affects, and compares their objects.
pub fn compare(root: &Path, repo: &Repository, base: &str, commit: Oid) -> Result<RenderedDiff> {
    let renderer = Renderer::find().ok_or_else(|| Error::refused(NO_RENDERER))?;
    let changed = changed_paths(repo, commit)?;
    if changed.is_empty() {
        return Ok(RenderedDiff {
            base: base.to_string(),
            commit,
            clusters: Vec::new(),
            unchanged: Fleet::read(root, ReadPlan::Whole)?.cluster_names(),
            rendered: Vec::new(),
        });
    }
    let scratch = Scratch::new(repo)?;
    let tree = repo.find_commit(commit)?.tree()?;
    let changes: Vec<Changed> = changed
        .iter()
        .map(|path| Changed {
            path: path.clone(),
            before: blob_at(repo, &tree, path),
            after: std::fs::read(root.join(path)).ok(),
        })
        .collect();
    let fast = entries::by_entries(&renderer, root, &scratch.dir, &changes, Holds::After, &[]);
    if let Some(diff) = by_entries_diff(base, commit, fast) {
        return Ok(diff);
    }
    let sides = Sides {
        base,
        commit,
        before: scratch.checkout(repo, commit, "base")?,
        after: root.to_path_buf(),
        after_name: "the working tree",
    };
    sides.compare(&renderer, &scratch, &changed)
}

/// The content of `path` in `tree`, if it is a file there.
fn blob_at(repo: &Repository, tree: &git2::Tree, path: &Path) -> Option<Vec<u8>> {
    let entry = tree.get_path(path).ok()?;
    Some(repo.find_blob(entry.id()).ok()?.content().to_vec())
}

/// The [`RenderedDiff`] of what [`entries::by_entries`] found, if it found it.
fn by_entries_diff(
    base: &str,
    commit: Oid,
    found: Option<entries::ByEntries>,
) -> Option<RenderedDiff> {
    let found = found?;
    let mut diff = RenderedDiff {
        base: base.to_string(),
        commit,
        clusters: Vec::new(),
        unchanged: Vec::new(),
        rendered: Vec::new(),
    };
    for (cluster, change) in found {
        match change {
            None => diff.unchanged.push(cluster),
            Some(change) => {
                diff.rendered.push(cluster.clone());
                match change.is_empty() {
                    true => diff.unchanged.push(cluster),
                    false => diff.clusters.push(change),
                }
            }
        }
    }
    Some(diff)
}

/// [`compare`] for a change not written yet: the base commit's tree with `files` (path, and
/// content after or `None` for a removal) written over it, against that commit. What else the
/// working tree holds is not part of the change, and not compared.
pub fn compare_change(
    repo: &Repository,
    base: &str,
    commit: Oid,
    files: &[(PathBuf, Option<Vec<u8>>)],
) -> Result<RenderedDiff> {
    let renderer = Renderer::find().ok_or_else(|| Error::refused(NO_RENDERER))?;
    let scratch = Scratch::new(repo)?;
    if let Some(workdir) = repo.workdir() {
        // Without the trailing `/` git gives it, so that messages can take it out of paths.
        let workdir: PathBuf = workdir.components().collect();
        let workdir = workdir.as_path();
        let fast = change_by_entries(repo, workdir, commit, files, &renderer, &scratch)?;
        if let Some(diff) = by_entries_diff(base, commit, fast) {
            return Ok(diff);
        }
    }
    let (sides, changed) = Sides::of_change(repo, &scratch, base, commit, files)?;
    sides.compare(&renderer, &scratch, &changed)
}

/// [`entries::by_entries`] for a change made on `commit`, in the working tree at `workdir` when
/// it holds either side of the change (written or not) and nothing else a cluster reaches.
fn change_by_entries(
    repo: &Repository,
    workdir: &Path,
    commit: Oid,
    files: &[(PathBuf, Option<Vec<u8>>)],
    renderer: &Renderer,
    scratch: &Scratch,
) -> Result<Option<entries::ByEntries>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let differing = changed_paths(repo, commit)?;
    let ours = |path: &PathBuf| files.iter().any(|(p, _)| p == path);
    let written = files
        .iter()
        .all(|(path, after)| std::fs::read(workdir.join(path)).ok() == *after);
    let holds = match differing.iter().any(ours) {
        false => Holds::Before,
        true if written => Holds::After,
        true => return Ok(None),
    };
    let unrelated: Vec<PathBuf> = differing.into_iter().filter(|p| !ours(p)).collect();
    let changes: Vec<Changed> = files
        .iter()
        .map(|(path, after)| Changed {
            path: path.clone(),
            before: blob_at(repo, &tree, path),
            after: after.clone(),
        })
        .collect();
    Ok(entries::by_entries(
        renderer,
        workdir,
        &scratch.dir,
        &changes,
        holds,
        &unrelated,
    ))
}

/// Why `files` (a change not written yet, as [`compare_change`] takes it) would break what
/// `commit` renders: the first cluster that renders at `commit` and would not after the change,
/// with kustomize's message; `None` when no cluster breaks (one already broken at `commit` is
/// not the change's doing) or no renderer is on PATH.
pub fn breaks(
    repo: &Repository,
    base: &str,
    commit: Oid,
    files: &[(PathBuf, Option<Vec<u8>>)],
) -> Result<Option<String>> {
    let Some(renderer) = Renderer::find() else {
        return Ok(None);
    };
    let scratch = Scratch::new(repo)?;
    let tree = repo.find_commit(commit)?.tree()?;
    let before = |path: &Path| -> Option<Vec<u8>> {
        let entry = tree.get_path(path).ok()?;
        Some(repo.find_blob(entry.id()).ok()?.content().to_vec())
    };
    // A change that only adds entries to plain lists breaks no render that its added entries
    // do not break on their own: render those, each once, not every cluster. Directories the
    // change writes nothing in are rendered where they are, without a copy of the repository
    // (the run writes the change while the gate renders); the others in a copy with the change.
    if let Some(added) = entries::plain_list_edits(before, files) {
        let writes_in_added = files
            .iter()
            .any(|(path, _)| added.iter().any(|dir| path.starts_with(dir)));
        let root = match (writes_in_added, repo.workdir()) {
            (false, Some(workdir)) => workdir.to_path_buf(),
            _ => {
                let after_root = scratch.checkout(repo, commit, "change")?;
                write_over(&after_root, files)?;
                after_root
            }
        };
        let generated = AtomicUsize::new(0);
        let tree = Tree {
            renderer: &renderer,
            root: &root,
            scratch: &scratch.dir.join("generated"),
            generated: &generated,
            units: Default::default(),
        };
        if added.len() > 1 && tree.render_together(&added) {
            return Ok(None);
        }
        return Ok(added.par_iter().find_map_first(|target| {
            tree.render_cluster(target).err().map(|failure| {
                format!(
                    "{} does not render: `{}`:\n{}",
                    paths::to_slash(target),
                    failure.command,
                    failure.message
                )
            })
        }));
    }
    let (sides, changed) = Sides::of_change(repo, &scratch, base, commit, files)?;
    let renders = sides.render(&renderer, &scratch, &changed)?;
    Ok(renders
        .renders
        .into_iter()
        .find_map(
            |(_, existed, before, after)| match (existed, before, after) {
                (true, Ok(_), Err(broken)) => Some(broken),
                _ => None,
            },
        ))
}

/// Writes `files` over the checkout at `root` (`None`: removed).
fn write_over(root: &Path, files: &[(PathBuf, Option<Vec<u8>>)]) -> Result<()> {
    for (path, content) in files {
        let at = root.join(path);
        match content {
            Some(bytes) => {
                if let Some(dir) = at.parent() {
                    std::fs::create_dir_all(dir).at(dir)?;
                }
                std::fs::write(&at, bytes).at(&at)?;
            }
            None => {
                let _ = std::fs::remove_file(&at);
            }
        }
    }
    Ok(())
}

/// The two checkouts compared.
struct Sides<'a> {
    base: &'a str,
    commit: Oid,
    before: PathBuf,
    after: PathBuf,
    /// How messages name the after side.
    after_name: &'a str,
}

impl<'a> Sides<'a> {
    /// `commit`'s tree, and a copy of it with `files` written over it, both checked out in
    /// `scratch`; with the paths the change touches.
    fn of_change(
        repo: &Repository,
        scratch: &Scratch,
        base: &'a str,
        commit: Oid,
        files: &[(PathBuf, Option<Vec<u8>>)],
    ) -> Result<(Sides<'a>, Vec<PathBuf>)> {
        let before = scratch.checkout(repo, commit, "base")?;
        let after = scratch.checkout(repo, commit, "change")?;
        write_over(&after, files)?;
        let changed = files.iter().map(|(path, _)| path.clone()).collect();
        let sides = Sides {
            base,
            commit,
            before,
            after,
            after_name: "the change",
        };
        Ok((sides, changed))
    }

    /// Renders, on both sides, every cluster the `changed` paths touch.
    fn render(
        &self,
        renderer: &Renderer,
        scratch: &Scratch,
        changed: &[PathBuf],
    ) -> Result<Renders> {
        let (base, commit) = (self.base, self.commit);
        let (base_root, root) = (self.before.as_path(), self.after.as_path());
        let (after_fleet, before_fleet) = (
            Fleet::read(root, ReadPlan::Whole)?,
            Fleet::read(base_root, ReadPlan::Whole)?,
        );
        let after_names = after_fleet.cluster_names();
        let before_names = before_fleet.cluster_names();
        // A cluster's directory: `clusters/<c>` in the article's layout, anywhere in another.
        let dirs: std::collections::HashMap<String, PathBuf> = before_fleet
            .clusters()
            .iter()
            .chain(after_fleet.clusters())
            .map(|c| (c.name.clone(), c.dir.clone()))
            .collect();
        let mut names = after_names.clone();
        names.extend(
            before_names
                .iter()
                .filter(|n| !after_names.contains(n))
                .cloned(),
        );

        let entry = |name: &str| {
            dirs.get(name)
                .cloned()
                .unwrap_or_else(|| Path::new("clusters").join(name))
        };
        let entries: Vec<PathBuf> = names.iter().map(|n| entry(n)).collect();
        let (before_graph, after_graph) =
            (Graph::of(base_root, &entries), Graph::of(root, &entries));
        let affected: Vec<&String> = names
            .iter()
            .zip(&entries)
            .filter(|(name, entry)| {
                let in_before = before_names.contains(name);
                let in_after = after_names.contains(name);
                if in_before != in_after {
                    return true;
                }
                let (before, after) = (before_graph.from(entry), after_graph.from(entry));
                let mut reached = before.paths();
                reached.extend(after.paths());
                changed.iter().any(|path| reach::touches(&reached, path))
            })
            .map(|(name, _)| name)
            .collect();

        let generated = AtomicUsize::new(0);
        let wrappers = scratch.dir.join("generated");
        let side_tree = |root| Tree {
            renderer,
            root,
            scratch: &wrappers,
            generated: &generated,
            units: Default::default(),
        };
        let (before_tree, after_tree) = (side_tree(base_root), side_tree(root));
        let tree = |side: Side| match side {
            Side::Base => &before_tree,
            Side::After => &after_tree,
        };
        let jobs: Vec<(&String, Side)> = affected
            .iter()
            .flat_map(|name| [(*name, Side::Base), (*name, Side::After)])
            .collect();
        let rendered: Vec<Result<Objects, String>> = jobs
            .par_iter()
            .map(|(name, side)| {
                let present = match side {
                    Side::Base => before_names.contains(name),
                    Side::After => after_names.contains(name),
                };
                if !present {
                    return Ok(Objects::new());
                }
                tree(*side).render_cluster(&entry(name)).map_err(|failure| {
                    let side = match side {
                        Side::Base => format!("{base} (the base, {commit:.7})"),
                        Side::After => self.after_name.to_string(),
                    };
                    format!(
                        "cluster {name}: rendering {side} failed: `{}`:\n{}",
                        failure.command, failure.message
                    )
                })
            })
            .collect();
        let mut rendered = rendered.into_iter();
        let mut renders = Vec::new();
        for name in &names {
            if !affected.contains(&name) {
                continue;
            }
            let (Some(before), Some(after)) = (rendered.next(), rendered.next()) else {
                break;
            };
            let existed = before_names.contains(name);
            renders.push((name.clone(), existed, before, after));
        }
        Ok(Renders { names, renders })
    }

    fn compare(
        &self,
        renderer: &Renderer,
        scratch: &Scratch,
        changed: &[PathBuf],
    ) -> Result<RenderedDiff> {
        let Renders { names, renders } = self.render(renderer, scratch, changed)?;
        let mut clusters = Vec::new();
        let mut unchanged = Vec::new();
        let mut rendered = Vec::new();
        for name in names {
            let Some((_, _, before, after)) = renders.iter().find(|(n, ..)| *n == name) else {
                unchanged.push(name);
                continue;
            };
            let (before, after) = (
                before.as_ref().map_err(|e| Error::refused(e.clone()))?,
                after.as_ref().map_err(|e| Error::refused(e.clone()))?,
            );
            let change = ClusterChange::between(&name, before, after);
            match change.is_empty() {
                true => unchanged.push(name.clone()),
                false => clusters.push(change),
            }
            rendered.push(name);
        }
        Ok(RenderedDiff {
            base: self.base.to_string(),
            commit: self.commit,
            clusters,
            unchanged,
            rendered,
        })
    }
}

/// An affected cluster, whether it existed before, and its render before and after, or why
/// it failed.
type ClusterRenders = (
    String,
    bool,
    Result<Objects, String>,
    Result<Objects, String>,
);

/// The renders of the clusters a change affects.
struct Renders {
    /// Every cluster on either side, in promotion order.
    names: Vec<String>,
    /// Each affected cluster, whether it existed before, and its render before and after, or
    /// why it failed.
    renders: Vec<ClusterRenders>,
}

/// The Markdown section of a pull request description: the rendered change per cluster that
/// `files` (the change, as [`compare_change`] takes it) makes to `commit`, shortened to `limit`
/// characters, opened by the sentence of `proving` when given. A render that cannot be made is
/// said in the section, not an error: the change itself is still valid to commit.
pub fn describe(
    repo: &Repository,
    base: &str,
    commit: Oid,
    files: &[(PathBuf, Option<Vec<u8>>)],
    limit: usize,
    proving: Option<&Proof>,
) -> String {
    let heading = "### Rendered change per cluster\n\n";
    match compare_change(repo, base, commit, files) {
        Ok(diff) => {
            let proof = match proving {
                Some(p) => format!("{}\n", proof(&diff, p)),
                None => String::new(),
            };
            let used = heading.len() + proof.len();
            format!(
                "{heading}{proof}{}",
                markdown(&diff, limit.saturating_sub(used))
            )
        }
        Err(e) => format!("{heading}Not rendered: {e}\n"),
    }
}

/// The repository-relative paths whose content differs between `commit` and the working tree
/// (uncommitted and untracked files included; ignored ones not).
fn changed_paths(repo: &Repository, commit: Oid) -> Result<Vec<PathBuf>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let mut options = DiffOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_typechange(true);
    let diff = repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))?;
    let mut paths = Vec::new();
    for delta in diff.deltas() {
        for file in [delta.old_file(), delta.new_file()] {
            if let Some(path) = file.path() {
                if !paths.iter().any(|p: &PathBuf| p == path) {
                    paths.push(path.to_path_buf());
                }
            }
        }
    }
    Ok(paths)
}

//! Cycles among kustomization lists: a list that reaches its own directory again through
//! `resources` (a → b → a, or `resources: [.]`). kustomize fails to build such a tree, and a
//! walk that followed it would not end.
//!
//! The graph's nodes are directories with a kustomization file, by identity, so that a link
//! spelling a directory another way is the same node. Its edges are the references to them.
//! Only directories something references can be on a cycle: the lists the fleet read, and the
//! lists they lead to that it did not read (a controller's, a policy stage's), read here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::check::TargetKind;
use super::finding::Finding;
use super::read::Reader;
use super::reference::{ListFile, Reference};
use super::root::{FileId, Root};
use super::Fleet;
use crate::paths::to_slash;

/// Adds a finding for each cycle among the lists reachable from `lists`. `kinds` tells what
/// the targets of their references are.
pub(crate) fn report(
    fleet: &Fleet,
    lists: &[&ListFile],
    root: &Root,
    kinds: &HashMap<&Path, TargetKind>,
    out: &mut Vec<Finding>,
) {
    let graph = Graph::build(fleet, lists, root, kinds);
    for cycle in graph.cycles() {
        out.push(finding(&cycle));
    }
}

/// One node: a directory's list, and the nodes its references lead to.
struct Node<'l> {
    list: Held<'l>,
    /// `(reference index, node)` for each reference to a directory with a list.
    edges: Vec<(usize, usize)>,
}

/// A list the fleet holds, or one read here.
enum Held<'l> {
    Borrowed(&'l ListFile),
    Owned(ListFile),
}

impl Held<'_> {
    fn get(&self) -> &ListFile {
        match self {
            Held::Borrowed(list) => list,
            Held::Owned(list) => list,
        }
    }
}

struct Graph<'l> {
    nodes: Vec<Node<'l>>,
}

impl<'l> Graph<'l> {
    fn build(
        fleet: &Fleet,
        lists: &[&'l ListFile],
        root: &Root,
        kinds: &HashMap<&Path, TargetKind>,
    ) -> Graph<'l> {
        let by_dir: HashMap<&Path, &ListFile> = lists.iter().map(|l| (l.dir(), *l)).collect();
        let reader = Reader::new(fleet.root());
        // What the targets of the lists read here are; the fleet's are in `kinds`.
        let mut more: HashMap<PathBuf, TargetKind> = HashMap::new();
        let mut index: HashMap<FileId, usize> = HashMap::new();
        let mut nodes: Vec<Node> = Vec::new();
        // Every referenced directory with a list, sorted; then what the lists read here lead to.
        let mut targets: Vec<(&Path, FileId)> = kinds
            .iter()
            .filter_map(|(path, kind)| match kind {
                TargetKind::Kustomization(id) => Some((*path, *id)),
                _ => None,
            })
            .collect();
        targets.sort();
        let mut pending: Vec<(PathBuf, FileId)> = targets
            .into_iter()
            .rev()
            .map(|(p, id)| (p.to_path_buf(), id))
            .collect();
        while let Some((dir, id)) = pending.pop() {
            if index.contains_key(&id) {
                continue;
            }
            let list = match by_dir.get(dir.as_path()) {
                Some(list) => Held::Borrowed(list),
                None => match reader.list(&dir) {
                    Ok(Some(list)) => Held::Owned(list),
                    _ => continue,
                },
            };
            index.insert(id, nodes.len());
            if let Held::Owned(list) = &list {
                for reference in &list.references {
                    let Some(target) = reference.target() else {
                        continue;
                    };
                    if reference.is_remote() || kinds.contains_key(target) {
                        continue;
                    }
                    let kind = *more
                        .entry(target.to_path_buf())
                        .or_insert_with(|| TargetKind::of(root, target));
                    if let TargetKind::Kustomization(id) = kind {
                        pending.push((target.to_path_buf(), id));
                    }
                }
            }
            nodes.push(Node {
                list,
                edges: Vec::new(),
            });
        }
        // The edges, once every node is known.
        for node in &mut nodes {
            let mut edges = Vec::new();
            for (r, reference) in node.list.get().references.iter().enumerate() {
                let Some(target) = reference.target() else {
                    continue;
                };
                if reference.is_remote() {
                    continue;
                }
                let kind = kinds.get(target).or_else(|| more.get(target));
                if let Some(TargetKind::Kustomization(id)) = kind {
                    if let Some(&to) = index.get(id) {
                        edges.push((r, to));
                    }
                }
            }
            node.edges = edges;
        }
        Graph { nodes }
    }

    /// The cycles a depth-first search meets, one for each reference that leads back to a list
    /// on the search's path, as the references along it: at least one through each group of
    /// lists that reach each other. Without recursion: a chain of lists may be long.
    fn cycles(&self) -> Vec<Vec<&Reference>> {
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by(|a, b| {
            self.nodes[*a]
                .list
                .get()
                .path
                .cmp(&self.nodes[*b].list.get().path)
        });
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark = vec![Mark::New; self.nodes.len()];
        let mut found = Vec::new();
        for start in order {
            if mark[start] != Mark::New {
                continue;
            }
            // The path from `start`: each node with the next edge to try, and the reference
            // that led to it.
            let mut stack: Vec<(usize, usize, Option<&Reference>)> = vec![(start, 0, None)];
            mark[start] = Mark::Open;
            while let Some(top) = stack.last_mut() {
                let (node, next) = (top.0, top.1);
                let Some(&(r, to)) = self.nodes[node].edges.get(next) else {
                    mark[node] = Mark::Done;
                    stack.pop();
                    continue;
                };
                top.1 += 1;
                let reference = &self.nodes[node].list.get().references[r];
                match mark[to] {
                    Mark::New => {
                        mark[to] = Mark::Open;
                        stack.push((to, 0, Some(reference)));
                    }
                    Mark::Open => {
                        let from = stack.iter().position(|(n, _, _)| *n == to).unwrap_or(0);
                        let mut cycle: Vec<&Reference> = stack[from + 1..]
                            .iter()
                            .filter_map(|(_, _, r)| *r)
                            .collect();
                        cycle.push(reference);
                        found.push(cycle);
                    }
                    Mark::Done => {}
                }
            }
        }
        found
    }
}

/// The finding for a cycle, at its first reference.
fn finding(cycle: &[&Reference]) -> Finding {
    // Start at the reference written first by file and line, so that the same cycle reads
    // the same whichever list the search entered it by.
    let first = (0..cycle.len())
        .min_by(|a, b| (&cycle[*a].file, cycle[*a].line).cmp(&(&cycle[*b].file, cycle[*b].line)))
        .unwrap_or(0);
    let along: Vec<&Reference> = cycle[first..]
        .iter()
        .chain(&cycle[..first])
        .copied()
        .collect();
    let head = along[0];
    let steps: Vec<String> = along
        .iter()
        .map(|r| format!("{} ({})", r.location(), r.written()))
        .collect();
    let message = match along.len() {
        1 => format!(
            "{} is the list's own directory: a cycle of resources, which kustomize fails on",
            head.written()
        ),
        _ => format!(
            "the resources of these lists form a cycle: {} -> back to {}; kustomize fails on it",
            steps.join(" -> "),
            to_slash(&head.file)
        ),
    };
    Finding::error(
        &*head.file,
        head.line,
        message,
        "remove one of these references".into(),
    )
}

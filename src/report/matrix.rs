//! The status matrix: apps × clusters, then namespaces, controllers and policies × clusters,
//! each row borrowing its placements from the fleet. What `status` and pull request
//! descriptions render.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::Range;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::fleet::{Fleet, Kind, Mode, Raw};
use crate::names;
use crate::paths::as_slash;

/// Which part of the matrix to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these clusters' columns (in the fleet's order whatever the order here), and only
    /// the rows that reach one of them; empty for every cluster.
    pub clusters: Vec<String>,
    /// Only one kind of row.
    pub kind: Option<Kind>,
    /// Only these names (rows of either kind), e.g. the one a change is about.
    pub names: Option<BTreeSet<String>>,
}

/// The matrix: the shown clusters, and a row per app, namespace and controller.
pub struct Matrix<'f> {
    fleet: &'f Fleet,
    /// The fleet's clusters from the first shown to the last, in promotion order.
    span: Range<usize>,
    /// The column of each cluster of `span`, `None` for one not shown (`--cluster dev,prod`
    /// skips test).
    columns: Vec<Option<usize>>,
    clusters: Vec<&'f str>,
    rows: Vec<Row<'f>>,
}

/// A row of the [`Matrix`]: an app, a namespace or a controller and its placements in the
/// shown clusters.
pub struct Row<'f> {
    /// App, namespace or controller.
    pub kind: Kind,
    /// The app's, namespace's or controller's name.
    pub name: &'f str,
    /// The defining directory or file (the app's or controller's directory, the namespace's
    /// manifest).
    pub definition: Cow<'f, str>,
    /// The namespace set, for namespaces.
    pub set: Option<&'f str>,
    /// The stage and mode, for policies.
    pub policy: Option<(&'f str, Mode)>,
    /// Its placements in the shown clusters, in cluster then list order: a range of the
    /// fleet's index, so a row costs no vector of its own.
    raws: &'f [Raw],
}

/// A cell: the placements of a row in one shown cluster, at least one.
#[derive(Clone, Copy)]
pub(crate) struct Cell<'f> {
    /// The column: the cluster's index among the shown clusters.
    pub column: usize,
    /// In list order.
    pub placements: &'f [Raw],
}

impl<'f> Matrix<'f> {
    /// The matrix `filter` asks for. An unknown cluster in `filter.clusters` is refused naming
    /// the known clusters.
    pub fn new(fleet: &'f Fleet, filter: &Filter) -> Result<Matrix<'f>> {
        let all = fleet.clusters();
        let mut shown: Vec<usize> = Vec::with_capacity(filter.clusters.len());
        for name in &filter.clusters {
            match all.iter().position(|c| c.name == *name) {
                Some(at) => shown.push(at),
                None => return Err(unknown_cluster(fleet, name)),
            }
        }
        shown.sort_unstable();
        shown.dedup();
        if filter.clusters.is_empty() {
            shown = (0..all.len()).collect();
        }
        let span = match (shown.first(), shown.last()) {
            (Some(&first), Some(&last)) => first..last + 1,
            _ => 0..0,
        };
        let mut columns = vec![None; span.len()];
        for (column, &at) in shown.iter().enumerate() {
            columns[at - span.start] = Some(column);
        }
        let clusters = shown.iter().map(|&at| all[at].name.as_str()).collect();
        let filtered = !filter.clusters.is_empty();
        // Thousands of rows: both cores look up their placements.
        let rows = wanted_rows(fleet, filter)
            .into_par_iter()
            .filter_map(|mut row| {
                let raws = fleet.raw_placements(row.kind, row.name);
                // Sorted by cluster: the span's placements are one range.
                let from = raws.partition_point(|r| r.cluster() < span.start);
                let to = raws.partition_point(|r| r.cluster() < span.end);
                row.raws = &raws[from..to];
                let shown = |r: &Raw| columns[r.cluster() - span.start].is_some();
                let hidden = filtered && !row.raws.iter().any(shown);
                (!hidden).then_some(row)
            })
            .collect();
        Ok(Matrix {
            fleet,
            span,
            columns,
            clusters,
            rows,
        })
    }

    /// The fleet the matrix borrows from.
    pub(crate) fn fleet(&self) -> &'f Fleet {
        self.fleet
    }

    /// The clusters shown, in promotion order.
    pub fn clusters(&self) -> &[&'f str] {
        &self.clusters
    }

    /// Apps first, then namespaces, controllers and policies, each sorted by name.
    pub fn rows(&self) -> &[Row<'f>] {
        &self.rows
    }

    /// The rows of one kind.
    pub fn rows_of(&self, kind: Kind) -> &[Row<'f>] {
        // Sorted by kind: each kind is one range.
        let from = self.rows.partition_point(|r| r.kind < kind);
        let to = self.rows.partition_point(|r| r.kind <= kind);
        &self.rows[from..to]
    }

    /// How many placements `row` has in the shown clusters: the size of what it writes.
    pub(crate) fn placements_of(&self, row: &Row<'f>) -> usize {
        row.raws.len()
    }

    /// The cells of `row`, in cluster order; the clusters it does not reach have none.
    pub(crate) fn cells<'r>(&'r self, row: &'r Row<'f>) -> impl Iterator<Item = Cell<'f>> + 'r {
        let start = self.span.start;
        row.raws
            .chunk_by(|a, b| a.cluster() == b.cluster())
            .filter_map(move |placements| {
                Some(Cell {
                    column: self.columns[placements[0].cluster() - start]?,
                    placements,
                })
            })
    }
}

/// The rows `filter` asks for, apps first, then namespaces, controllers and policies, each kind in the
/// fleet's order (by name), each without placements yet.
fn wanted_rows<'f>(fleet: &'f Fleet, filter: &Filter) -> Vec<Row<'f>> {
    let apps = fleet.apps().iter().map(|a| Row {
        kind: Kind::App,
        name: &a.name,
        definition: as_slash(&a.dir),
        set: None,
        policy: None,
        raws: &[],
    });
    // Sorted by name, then set: a name held by two sets shows the first.
    let all = fleet.namespaces();
    let namespaces = all
        .iter()
        .enumerate()
        .filter(|(i, ns)| *i == 0 || all[i - 1].name != ns.name)
        .map(|(_, ns)| Row {
            kind: Kind::Namespace,
            name: &ns.name,
            definition: as_slash(&ns.file),
            // A namespace found in another layout belongs to no set.
            set: (!ns.set.is_empty()).then_some(ns.set.as_str()),
            policy: None,
            raws: &[],
        });
    // Sorted by name, then stage: a name held by two stages shows the first.
    let all = fleet.policies();
    let policies = all
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == 0 || all[i - 1].name != p.name)
        .map(|(_, p)| Row {
            kind: Kind::Policy,
            name: &p.name,
            definition: as_slash(&p.file),
            set: None,
            policy: Some((p.stage.as_str(), p.mode)),
            raws: &[],
        });
    let controllers = fleet.controllers().map(|c| Row {
        kind: Kind::Controller,
        name: &c.name,
        definition: as_slash(&c.dir),
        set: None,
        policy: None,
        raws: &[],
    });
    apps.chain(namespaces)
        .chain(controllers)
        .chain(policies)
        .filter(|row| filter.kind.is_none_or(|k| k == row.kind))
        .filter(|row| filter.names.as_ref().is_none_or(|n| n.contains(row.name)))
        .collect()
}

/// The refusal for a cluster of the filter that names no cluster.
fn unknown_cluster(fleet: &Fleet, name: &str) -> Error {
    Error::refused(format!(
        "no cluster named {name:?}; known clusters: {}",
        names::listed(&fleet.cluster_names())
    ))
}

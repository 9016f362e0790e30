//! The status matrix as data (apps × clusters, namespaces × clusters) and its three renderings:
//! a terminal table, the JSON of DESIGN.md, and Markdown for pull request descriptions.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use console::Style;
use serde_json::{json, Map, Value};

use super::placement::{ByCluster, Kind, Placement, Through};
use super::Fleet;
use crate::error::{Error, Result};
use crate::paths::to_slash;

/// Which part of the matrix to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusFilter {
    /// Only this cluster's column, and only the rows that reach it.
    pub cluster: Option<String>,
    /// Only apps or only namespaces.
    pub kind: Option<Kind>,
    /// Only these names (rows of either kind), e.g. the ones a change touches.
    pub names: Option<BTreeSet<String>>,
}

/// One row: a definition and its placements in the shown clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub kind: Kind,
    pub name: String,
    /// The defining file or directory (the app's directory, the namespace's manifest).
    pub definition: String,
    /// The namespace set, for namespaces.
    pub set: Option<String>,
    /// Placements by cluster, only for the clusters shown and only where it arrives.
    pub cells: ByCluster,
}

/// The matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The clusters shown, sorted.
    pub clusters: Vec<String>,
    /// Apps first, then namespaces, each sorted by name.
    pub rows: Vec<StatusRow>,
}

/// Builds the matrix. An unknown `filter.cluster` is refused naming the known clusters.
pub fn status(fleet: &Fleet, filter: &StatusFilter) -> Result<Status> {
    let clusters = match &filter.cluster {
        Some(name) if fleet.cluster(name).is_none() => {
            return Err(Error::refused(format!(
                "no cluster named {name:?}; known clusters: {}",
                known(&fleet.cluster_names())
            )))
        }
        Some(name) => vec![name.clone()],
        None => fleet.cluster_names(),
    };
    let mut rows = Vec::new();
    for kind in [Kind::App, Kind::Namespace] {
        if filter.kind.is_some_and(|k| k != kind) {
            continue;
        }
        for name in fleet.names(kind) {
            if filter.names.as_ref().is_some_and(|n| !n.contains(&name)) {
                continue;
            }
            let mut cells = fleet
                .placements_of(kind, &name)
                .cloned()
                .unwrap_or_default();
            cells.retain(|c, _| clusters.contains(c));
            if filter.cluster.is_some() && cells.is_empty() {
                continue;
            }
            let (definition, set) = match kind {
                Kind::App => (fleet.app(&name).map(|a| to_slash(&a.dir)), None),
                Kind::Namespace => {
                    let ns = fleet.namespace(&name);
                    (ns.map(|n| to_slash(&n.file)), ns.map(|n| n.set.clone()))
                }
            };
            rows.push(StatusRow {
                kind,
                name,
                definition: definition.unwrap_or_default(),
                set,
                cells,
            });
        }
    }
    Ok(Status { clusters, rows })
}

/// `a, b, c`, or `none` when empty.
pub(crate) fn known(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

impl Status {
    /// The rows of one kind.
    pub fn rows_of(&self, kind: Kind) -> impl Iterator<Item = &StatusRow> {
        self.rows.iter().filter(move |r| r.kind == kind)
    }

    /// `{"clusters": [...], "apps": [...], "namespaces": [...]}` as DESIGN.md fixes it.
    pub fn to_json(&self) -> Value {
        let rows = |kind| -> Vec<Value> { self.rows_of(kind).map(row_json).collect() };
        json!({
            "clusters": self.clusters,
            "apps": rows(Kind::App),
            "namespaces": rows(Kind::Namespace),
        })
    }

    /// A GitHub Markdown table per kind, for pull request descriptions.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for (kind, title) in [(Kind::App, "app"), (Kind::Namespace, "namespace")] {
            if self.rows_of(kind).next().is_none() {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "| {title} | {} |", self.clusters.join(" | "));
            let _ = writeln!(out, "|---|{}", "---|".repeat(self.clusters.len()));
            for row in self.rows_of(kind) {
                let cells: Vec<String> = self
                    .clusters
                    .iter()
                    .map(|c| match row.cells.get(c) {
                        Some(p) => format!("✅ {}", cell_text(p)),
                        None => "—".to_string(),
                    })
                    .collect();
                let _ = writeln!(out, "| `{}` | {} |", row.name, cells.join(" | "));
            }
        }
        out
    }

    /// A plain table, coloured when `color` (present cells green, absent dimmed, a
    /// definition that arrives twice in yellow).
    pub fn to_table(&self, color: bool) -> String {
        let paint = |text: &str, style: Style| {
            if color {
                style.force_styling(true).apply_to(text).to_string()
            } else {
                text.to_string()
            }
        };
        let mut out = String::new();
        for (kind, title) in [(Kind::App, "APP"), (Kind::Namespace, "NAMESPACE")] {
            let rows: Vec<&StatusRow> = self.rows_of(kind).collect();
            if rows.is_empty() {
                continue;
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    self.clusters
                        .iter()
                        .map(|c| row.cells.get(c).map_or("-".to_string(), |p| cell_text(p)))
                        .collect()
                })
                .collect();
            let first = rows.iter().map(|r| r.name.len()).chain([title.len()]).max();
            let first = first.unwrap_or(0);
            let widths: Vec<usize> = self
                .clusters
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    cells
                        .iter()
                        .map(|r| r[i].chars().count())
                        .chain([c.len()])
                        .max()
                })
                .map(|w| w.unwrap_or(0))
                .collect();
            if !out.is_empty() {
                out.push('\n');
            }
            let mut header = format!("{title:first$}");
            for (c, w) in self.clusters.iter().zip(&widths) {
                let _ = write!(header, "  {c:w$}");
            }
            let _ = writeln!(out, "{}", paint(header.trim_end(), Style::new().bold()));
            for (row, texts) in rows.iter().zip(&cells) {
                let mut line = format!("{:first$}", row.name);
                for ((c, text), w) in self.clusters.iter().zip(texts).zip(&widths) {
                    let pad = " ".repeat(w.saturating_sub(text.chars().count()));
                    let style = match row.cells.get(c).map(Vec::len) {
                        None => Style::new().dim(),
                        Some(1) => Style::new().green(),
                        Some(_) => Style::new().yellow(),
                    };
                    let _ = write!(line, "  {}{pad}", paint(text, style));
                }
                let _ = writeln!(out, "{}", line.trim_end());
            }
        }
        out
    }
}

/// How a cell reads: `overlay dev`, `common`, or `base ×2` when it arrives twice.
fn cell_text(placements: &[Placement]) -> String {
    let first = placements
        .first()
        .map(|p| p.through.describe())
        .unwrap_or_default();
    match placements.len() {
        0 | 1 => first,
        n => format!("{first} ×{n}"),
    }
}

fn row_json(row: &StatusRow) -> Value {
    let mut clusters = Map::new();
    for (cluster, placements) in &row.cells {
        let Some(first) = placements.first() else {
            continue;
        };
        let mut cell = placement_json(first);
        if placements.len() > 1 {
            cell.insert(
                "also".into(),
                placements[1..]
                    .iter()
                    .map(|p| Value::Object(placement_json(p)))
                    .collect(),
            );
        }
        clusters.insert(cluster.clone(), Value::Object(cell));
    }
    let mut out = Map::new();
    out.insert("name".into(), json!(row.name));
    out.insert("definition".into(), json!(row.definition));
    if let Some(set) = &row.set {
        out.insert("set".into(), json!(set));
    }
    out.insert("clusters".into(), Value::Object(clusters));
    Value::Object(out)
}

fn placement_json(p: &Placement) -> Map<String, Value> {
    let mut cell = Map::new();
    cell.insert("file".into(), json!(to_slash(&p.file)));
    cell.insert("line".into(), json!(p.line));
    cell.insert("via".into(), json!(p.via));
    cell.insert("through".into(), json!(p.through.label()));
    match &p.through {
        Through::Overlay(name) => {
            cell.insert("overlay".into(), json!(name));
        }
        Through::Set(name) => {
            cell.insert("set".into(), json!(name));
        }
        _ => {}
    }
    let chain: Vec<Value> = p
        .chain
        .iter()
        .map(|r| json!({"file": to_slash(&r.file), "line": r.line, "via": r.written}))
        .collect();
    cell.insert("chain".into(), Value::Array(chain));
    cell
}

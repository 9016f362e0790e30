//! The status matrix as data (apps × clusters, namespaces × clusters) and its three renderings:
//! a terminal table, the JSON of DESIGN.md, and Markdown for pull request descriptions.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use console::Style;
use serde::Serialize;

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
    /// App or namespace.
    pub kind: Kind,
    /// The app's or namespace's name.
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
            let mut cells = fleet.placements_of(kind, &name).unwrap_or_default();
            if let Some(only) = &filter.cluster {
                cells.retain(|c, _| c == only);
            }
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

    /// `{"clusters": [...], "apps": [...], "namespaces": [...]}` as DESIGN.md fixes it;
    /// indented when `pretty`.
    pub fn to_json(&self, pretty: bool) -> String {
        let rows = |kind| -> Vec<JsonRow> { self.rows_of(kind).map(JsonRow::of).collect() };
        let status = JsonStatus {
            clusters: &self.clusters,
            apps: rows(Kind::App),
            namespaces: rows(Kind::Namespace),
        };
        let encoded = if pretty {
            serde_json::to_string_pretty(&status)
        } else {
            serde_json::to_string(&status)
        };
        // Plain strings and numbers cannot fail to encode; an empty object is a safe answer.
        encoded.unwrap_or_else(|_| "{}".to_string())
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
            // Most cells of a large fleet are empty: "-" is borrowed, not allocated.
            let cells: Vec<Vec<Cow<str>>> = rows
                .iter()
                .map(|row| {
                    self.clusters
                        .iter()
                        .map(|c| {
                            row.cells
                                .get(c)
                                .map_or(Cow::Borrowed("-"), |p| cell_text(p))
                        })
                        .collect()
                })
                .collect();
            let first = rows.iter().map(|r| r.name.len()).chain([title.len()]).max();
            let first = first.unwrap_or(0);
            let widths: Vec<usize> = (0..self.clusters.len())
                .map(|i| {
                    let cells = cells.iter().map(|r| r[i].chars().count());
                    cells.chain([self.clusters[i].len()]).max().unwrap_or(0)
                })
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
                    if color {
                        let style = match row.cells.get(c).map(Vec::len) {
                            None => Style::new().dim(),
                            Some(1) => Style::new().green(),
                            Some(_) => Style::new().yellow(),
                        };
                        let _ = write!(line, "  {}{pad}", paint(text, style));
                    } else {
                        line.push_str("  ");
                        line.push_str(text);
                        line.push_str(&pad);
                    }
                }
                let _ = writeln!(out, "{}", line.trim_end());
            }
        }
        out
    }
}

/// How a cell reads: `overlay dev`, `common`, or `base ×2` when it arrives twice.
fn cell_text(placements: &[Placement]) -> Cow<'static, str> {
    let first = placements
        .first()
        .map_or(Cow::Borrowed(""), |p| p.through.describe());
    match placements.len() {
        0 | 1 => first,
        n => Cow::Owned(format!("{first} ×{n}")),
    }
}

#[derive(Serialize)]
struct JsonStatus<'a> {
    clusters: &'a [String],
    apps: Vec<JsonRow<'a>>,
    namespaces: Vec<JsonRow<'a>>,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    name: &'a str,
    definition: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    set: Option<&'a str>,
    clusters: BTreeMap<&'a str, JsonCell<'a>>,
}

/// One cell: the cluster's reference, how the definition arrives, and for a set the set's
/// own entry; a definition arriving twice lists the other placements under `also`.
#[derive(Serialize)]
struct JsonCell<'a> {
    file: String,
    line: usize,
    via: &'a str,
    through: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    overlay: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    set: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<JsonEntry<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also: Vec<JsonCell<'a>>,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    file: String,
    line: usize,
    via: &'a str,
}

impl<'a> JsonRow<'a> {
    fn of(row: &'a StatusRow) -> Self {
        let clusters = row
            .cells
            .iter()
            .filter_map(|(cluster, placements)| {
                let (first, rest) = placements.split_first()?;
                let mut cell = JsonCell::of(first);
                cell.also = rest.iter().map(JsonCell::of).collect();
                Some((cluster.as_str(), cell))
            })
            .collect();
        JsonRow {
            name: &row.name,
            definition: &row.definition,
            set: row.set.as_deref(),
            clusters,
        }
    }
}

impl<'a> JsonCell<'a> {
    fn of(p: &'a Placement) -> Self {
        let (overlay, set) = match &p.through {
            Through::Overlay(name) => (Some(name.as_str()), None),
            Through::Set(name) => (None, Some(name.as_str())),
            _ => (None, None),
        };
        JsonCell {
            file: to_slash(&p.file),
            line: p.line,
            via: &p.via,
            through: p.through.label(),
            overlay,
            set,
            entry: p.chain.get(1).map(|r| JsonEntry {
                file: to_slash(&r.file),
                line: r.line,
                via: &r.written,
            }),
            also: Vec::new(),
        }
    }
}

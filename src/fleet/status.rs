//! The status matrix as data (apps × clusters, namespaces × clusters) and its three renderings:
//! a terminal table, the JSON of DESIGN.md, and Markdown for pull request descriptions.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use console::Style;
use rayon::prelude::*;
use serde::Serialize;

use super::cluster::Cluster;
use super::placement::{self, ByCluster, Kind, Placement, Raw, Through};
use super::{Fleet, ListFile, Reference};
use crate::error::{Error, Result};
use crate::paths::{as_slash, to_slash};
use std::io;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::{mpsc, Arc};

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
        Some(name) if fleet.cluster(name).is_none() => return Err(unknown_cluster(fleet, name)),
        Some(name) => vec![name.clone()],
        None => fleet.cluster_names(),
    };
    let wanted = wanted_rows(fleet, filter);
    // Thousands of rows of tens of thousands of placements: both cores make them.
    let rows: Vec<StatusRow> = wanted
        .into_par_iter()
        .filter_map(|row| {
            let mut cells = fleet.placements_of(row.kind, row.name).unwrap_or_default();
            if let Some(only) = &filter.cluster {
                cells.retain(|c, _| c == only);
            }
            if filter.cluster.is_some() && cells.is_empty() {
                return None;
            }
            Some(StatusRow {
                kind: row.kind,
                name: row.name.to_string(),
                definition: to_slash(row.definition),
                set: row.set.map(str::to_string),
                cells,
            })
        })
        .collect();
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
        let mut out = String::new();
        let written = json(&self.clusters, &self.rows, pretty, &mut into(&mut out));
        match written {
            Ok(()) => out,
            // Plain strings and numbers cannot fail to encode; an empty object is a safe answer.
            Err(_) => "{}".to_string(),
        }
    }

    /// A GitHub Markdown table per kind, for pull request descriptions.
    pub fn to_markdown(&self) -> String {
        markdown(&self.clusters, &self.rows)
    }

    /// A plain table, coloured when `color` (present cells green, absent dimmed, a
    /// definition that arrives twice in yellow).
    pub fn to_table(&self, color: bool) -> String {
        let mut out = String::new();
        let _ = table(&self.clusters, &self.rows, color, &mut into(&mut out));
        out
    }
}

/// The matrix as [`status`] makes it, but with each row's placements borrowed from the fleet
/// instead of made into [`Placement`]s (about ten allocations each, tens of thousands in a large
/// fleet): what `fluxfleet status` renders. The same renderings, byte for byte.
pub(crate) struct Matrix<'f> {
    /// The clusters shown, sorted.
    pub clusters: Vec<String>,
    /// Apps first, then namespaces, each sorted by name.
    pub rows: Vec<FleetRow<'f>>,
}

/// A row of a [`Matrix`].
pub(crate) struct FleetRow<'f> {
    kind: Kind,
    name: &'f str,
    definition: Cow<'f, str>,
    set: Option<&'f str>,
    /// All the placements of the name, in the fleet's cluster then list order: a range of the
    /// fleet's index, so a row costs no vector of its own. Those in `view.shown` are shown.
    raws: &'f [Raw],
    view: View<'f>,
}

/// The fleet and the range of its clusters a [`Matrix`] shows.
#[derive(Clone)]
struct View<'f> {
    fleet: &'f Fleet,
    shown: Range<usize>,
}

impl<'f> View<'f> {
    /// The placements of `raws` in the shown clusters.
    fn shown<'r>(&self, raws: &'r [Raw]) -> impl Iterator<Item = &'r Raw> + use<'r, '_> {
        raws.iter()
            .filter(|raw| self.shown.contains(&raw.cluster()))
    }

    /// The shown placements of `raws` as (the raw placement, cluster, how, the cluster's
    /// reference, a set's or the common list's entry).
    fn placements<'r>(
        &self,
        raws: &'r [Raw],
    ) -> impl Iterator<
        Item = (
            &'r Raw,
            &'f Cluster,
            Through<&'f str>,
            &'f Reference,
            Option<&'f Reference>,
        ),
    > + use<'f, 'r, '_> {
        let fleet = self.fleet;
        self.shown(raws).filter_map(move |raw| {
            let (cluster, reference, link) = placement::resolve(
                raw,
                &fleet.clusters,
                fleet.common_apps.as_ref(),
                &fleet.namespaces,
            )?;
            let through = raw.through(&fleet.clusters, &fleet.namespaces);
            Some((raw, cluster, through, reference, link))
        })
    }
}

/// [`status`] without making placements; refuses an unknown `filter.cluster` the same way.
pub(crate) fn matrix<'f>(fleet: &'f Fleet, filter: &StatusFilter) -> Result<Matrix<'f>> {
    let all = &fleet.clusters;
    let (clusters, shown) = match &filter.cluster {
        Some(name) => match all.binary_search_by(|c| c.name.as_str().cmp(name)) {
            Ok(at) => (vec![name.clone()], at..at + 1),
            Err(_) => return Err(unknown_cluster(fleet, name)),
        },
        None => (fleet.cluster_names(), 0..all.len()),
    };
    let view = View { fleet, shown };
    let wanted = wanted_rows(fleet, filter);
    let rows: Vec<FleetRow> = wanted
        .into_par_iter()
        .filter_map(|row| {
            let raws = fleet.placements.get(row.kind, row.name).unwrap_or_default();
            if filter.cluster.is_some() && view.shown(raws).next().is_none() {
                return None;
            }
            Some(FleetRow {
                kind: row.kind,
                name: row.name,
                definition: as_slash(row.definition),
                set: row.set,
                raws,
                view: view.clone(),
            })
        })
        .collect();
    Ok(Matrix { clusters, rows })
}

impl Matrix<'_> {
    /// [`Status::to_json`] in pieces to `sink`, a few thousand rows' text at a time: a large
    /// fleet's matrix is megabytes, and fresh memory costs more than writing it out. Stops at
    /// the first error of `sink`, or of the encoding (which plain strings cannot fail).
    pub fn write_json(&self, pretty: bool, sink: &mut Sink) -> Result<()> {
        json(&self.clusters, &self.rows, pretty, sink)
    }

    /// [`Status::to_markdown`].
    pub fn to_markdown(&self) -> String {
        markdown(&self.clusters, &self.rows)
    }

    /// [`Status::to_table`] in pieces to `sink`, as [`Matrix::write_json`].
    pub fn write_table(&self, color: bool, sink: &mut Sink) -> Result<()> {
        table(&self.clusters, &self.rows, color, sink)
    }

    /// [`Status::to_json`], for the tests.
    #[cfg(test)]
    fn to_json(&self, pretty: bool) -> String {
        let mut out = String::new();
        let written = self.write_json(pretty, &mut into(&mut out));
        match written {
            Ok(()) => out,
            Err(_) => "{}".to_string(),
        }
    }

    /// [`Status::to_table`], for the tests.
    #[cfg(test)]
    fn to_table(&self, color: bool) -> String {
        let mut out = String::new();
        let _ = self.write_table(color, &mut into(&mut out));
        out
    }
}

/// Where a rendering's pieces go, in order.
pub(crate) type Sink<'a> = dyn FnMut(&str) -> Result<()> + 'a;

/// A sink appending to `out`.
fn into(out: &mut String) -> impl FnMut(&str) -> Result<()> + '_ {
    |piece| {
        out.push_str(piece);
        Ok(())
    }
}

/// One shown cell: how the first placement arrives, and how many placements there are.
#[derive(Clone, Copy)]
struct Cell<'a> {
    first: Option<Through<&'a str>>,
    count: usize,
}

/// What the renderings need of a row.
trait Row: Sync {
    fn kind(&self) -> Kind;
    fn name(&self) -> &str;
    /// The row's cells in the order of `clusters` (the shown clusters), `None` where absent.
    fn cells<'s>(&'s self, clusters: &[String], out: &mut Vec<Option<Cell<'s>>>);
    fn json(&self) -> JsonRow<'_>;

    /// What the rows `all` share in [`Row::write_json`].
    fn json_places(_all: &[Self]) -> JsonPlaces
    where
        Self: Sized,
    {
        JsonPlaces::default()
    }

    /// The row's compact JSON appended to `out`: what `serde_json::to_string` writes of
    /// [`Row::json`].
    fn write_json(&self, out: &mut String, _places: &JsonPlaces) -> Result<()> {
        let text = serde_json::to_string(&self.json()).map_err(|e| Error::Output(e.into()))?;
        out.push_str(&text);
        Ok(())
    }
}

/// Texts the JSON of many cells starts with, by cluster: the large fleet's tens of thousands
/// of cells share a few hundred.
#[derive(Default)]
struct JsonPlaces(Vec<ClusterPlaces>);

/// A cluster's key, `"<cluster>":`, and the start of the cells of each of its lists.
struct ClusterPlaces {
    key: String,
    lists: Vec<Option<ListStart>>,
}

/// `{"file":"…","line":` of the cells of a list's references, and the file it names.
struct ListStart {
    file: Arc<Path>,
    text: String,
}

impl JsonPlaces {
    fn of(fleet: &Fleet) -> JsonPlaces {
        let start = |list: &ListFile| {
            let file = list.references.first()?.file.clone();
            let mut text = String::new();
            push_json_file(&mut text, &file);
            Some(ListStart { file, text })
        };
        let cluster = |c: &Cluster| {
            let mut key = String::new();
            push_json_str(&mut key, &c.name);
            key.push(':');
            let lists = c.lists().map(start).collect();
            ClusterPlaces { key, lists }
        };
        JsonPlaces(fleet.clusters.par_iter().map(cluster).collect())
    }

    /// The key of `raw`'s cluster.
    fn key(&self, raw: &Raw) -> Option<&str> {
        Some(self.0.get(raw.cluster())?.key.as_str())
    }

    /// The start of `raw`'s cell when its `reference` is in the file the list's start names.
    fn start(&self, raw: &Raw, reference: &Reference) -> Option<&str> {
        let lists = &self.0.get(raw.cluster())?.lists;
        let start = lists.get(raw.list())?.as_ref()?;
        Arc::ptr_eq(&start.file, &reference.file).then_some(start.text.as_str())
    }
}

impl Row for StatusRow {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn cells<'s>(&'s self, clusters: &[String], out: &mut Vec<Option<Cell<'s>>>) {
        let cell = |p: &'s Vec<Placement>| Cell {
            first: p.first().map(|p| p.through.as_deref()),
            count: p.len(),
        };
        out.clear();
        if !clusters.windows(2).all(|w| w[0] < w[1]) {
            out.extend(clusters.iter().map(|c| self.cells.get(c).map(cell)));
            return;
        }
        // Both sorted: one merge instead of a map lookup per cell.
        let mut present = self.cells.iter().peekable();
        for cluster in clusters {
            while present.peek().is_some_and(|(c, _)| *c < cluster) {
                present.next();
            }
            match present.peek() {
                Some((c, placements)) if *c == cluster => {
                    out.push(Some(cell(placements)));
                    present.next();
                }
                _ => out.push(None),
            }
        }
    }

    fn json(&self) -> JsonRow<'_> {
        JsonRow::of(self)
    }
}

impl Row for FleetRow<'_> {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn name(&self) -> &str {
        self.name
    }

    fn cells<'s>(&'s self, clusters: &[String], out: &mut Vec<Option<Cell<'s>>>) {
        out.clear();
        out.resize(clusters.len(), None);
        // The table needs only the column and how: no reference is looked up.
        let fleet = self.view.fleet;
        for raw in self.view.shown(self.raws) {
            if let Some(cell) = out.get_mut(raw.cluster() - self.view.shown.start) {
                let cell = cell.get_or_insert_with(|| Cell {
                    first: Some(raw.through(&fleet.clusters, &fleet.namespaces)),
                    count: 0,
                });
                cell.count += 1;
            }
        }
    }

    /// Written by hand from the placements, which come in cluster order, the order of the
    /// cells' map: a map and a cell structure per placement for serde cost a large fleet's
    /// JSON a third of its time. The same bytes as serde's, which the tests hold it to.
    fn json_places(all: &[Self]) -> JsonPlaces {
        all.first()
            .map_or_else(JsonPlaces::default, |row| JsonPlaces::of(row.view.fleet))
    }

    fn write_json(&self, out: &mut String, places: &JsonPlaces) -> Result<()> {
        out.push_str("{\"name\":");
        push_json_str(out, self.name);
        out.push_str(",\"definition\":");
        push_json_str(out, &self.definition);
        if let Some(set) = self.set {
            out.push_str(",\"set\":");
            push_json_str(out, set);
        }
        out.push_str(",\"clusters\":{");
        // The cluster of the open cell, and whether its `also` list is open.
        let mut open: Option<(usize, bool)> = None;
        for (raw, cluster, through, reference, link) in self.view.placements(self.raws) {
            let place = places.start(raw, reference);
            match &mut open {
                Some((at, also)) if *at == raw.cluster() => {
                    out.push_str(if *also { "," } else { ",\"also\":[" });
                    *also = true;
                    push_json_cell(out, place, reference, through, link);
                    out.push('}');
                    continue;
                }
                Some((_, also)) => {
                    out.push_str(if *also { "]}," } else { "}," });
                }
                None => {}
            }
            match places.key(raw) {
                Some(key) => out.push_str(key),
                None => {
                    push_json_str(out, &cluster.name);
                    out.push(':');
                }
            }
            push_json_cell(out, place, reference, through, link);
            open = Some((raw.cluster(), false));
        }
        match open {
            Some((_, true)) => out.push_str("]}"),
            Some((_, false)) => out.push('}'),
            None => {}
        }
        out.push_str("}}");
        Ok(())
    }

    fn json(&self) -> JsonRow<'_> {
        let mut clusters: BTreeMap<&str, JsonCell> = BTreeMap::new();
        for (_, cluster, through, reference, link) in self.view.placements(self.raws) {
            let cell = JsonCell::new(reference, through, link);
            match clusters.get_mut(cluster.name.as_str()) {
                Some(first) => first.also.push(cell),
                None => {
                    clusters.insert(&cluster.name, cell);
                }
            }
        }
        JsonRow {
            name: self.name,
            definition: &self.definition,
            set: self.set,
            clusters,
        }
    }
}

/// The JSON of the rows, see [`Status::to_json`], in pieces to `sink`.
fn json<R: Row>(clusters: &[String], all: &[R], pretty: bool, sink: &mut Sink) -> Result<()> {
    let encoding = |e: serde_json::Error| Error::Output(e.into());
    let of = |kind| all.iter().filter(move |r: &&R| r.kind() == kind);
    if pretty {
        let rows = |kind| -> Vec<JsonRow> {
            let rows: Vec<&R> = of(kind).collect();
            rows.par_iter().map(|r| r.json()).collect()
        };
        let status = JsonStatus {
            clusters,
            apps: rows(Kind::App),
            namespaces: rows(Kind::Namespace),
        };
        return sink(&serde_json::to_string_pretty(&status).map_err(encoding)?);
    }
    // `serde_json::to_string` of the same `JsonStatus`, the rows encoded on both cores: the
    // same bytes, since compact JSON puts nothing between a struct's fields or an array's
    // items but `,`.
    let places = R::json_places(all);
    sink("{\"clusters\":")?;
    sink(&serde_json::to_string(clusters).map_err(encoding)?)?;
    for (kind, key) in [(Kind::App, "apps"), (Kind::Namespace, "namespaces")] {
        sink(&format!(",\"{key}\":["))?;
        let rows: Vec<&R> = of(kind).collect();
        let mut first = true;
        let render = |chunk: &[&R], part: &mut String| {
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    part.push(',');
                }
                // Row by row, `,` between: the bytes `to_string` of the whole array writes.
                row.write_json(part, &places)?;
            }
            Ok(())
        };
        // A first guess (a row with a few placements): the buffers grow as needed, once.
        in_order(&rows, 1024, render, &mut |part| {
            if !first {
                sink(",")?;
            }
            first = false;
            sink(part)
        })?;
        sink("]")?;
    }
    sink("}")
}

/// A cell of [`JsonCell`]'s fields, without its closing brace (an `also` list may follow), as
/// serde writes them.
fn push_json_cell(
    out: &mut String,
    place: Option<&str>,
    reference: &Reference,
    through: Through<&str>,
    link: Option<&Reference>,
) {
    match place {
        Some(place) => out.push_str(place),
        None => push_json_file(out, &reference.file),
    }
    push_json_line_via(out, reference);
    out.push_str(",\"through\":\"");
    out.push_str(through.label());
    out.push('"');
    match through {
        Through::Overlay(name) => {
            out.push_str(",\"overlay\":");
            push_json_str(out, name);
        }
        Through::Set(name) => {
            out.push_str(",\"set\":");
            push_json_str(out, name);
        }
        _ => {}
    }
    if let Some(entry) = link {
        out.push_str(",\"entry\":");
        push_json_file(out, &entry.file);
        push_json_line_via(out, entry);
        out.push('}');
    }
}

/// `{"file":…,"line":`, the start of a [`JsonCell`] or a [`JsonEntry`].
fn push_json_file(out: &mut String, file: &Path) {
    out.push_str("{\"file\":");
    push_json_str(out, &as_slash(file));
    out.push_str(",\"line\":");
}

/// The line and `,"via":…` of a reference, which follow [`push_json_file`].
fn push_json_line_via(out: &mut String, reference: &Reference) {
    out.push_str(itoa::Buffer::new().format(reference.line));
    out.push_str(",\"via\":");
    push_json_str(out, &reference.written);
}

/// `text` as a JSON string, as serde writes it: most need no escape and are copied as they are.
fn push_json_str(out: &mut String, text: &str) {
    // No early exit inside a chunk, so that the compiler checks many bytes at once.
    let escape = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let plain = text
        .as_bytes()
        .chunks(16)
        .all(|chunk| !chunk.iter().fold(false, |any, &b| any | escape(b)));
    if plain {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else if let Ok(quoted) = serde_json::to_string(text) {
        out.push_str(&quoted);
    }
}

/// The Markdown tables of the rows: see [`Status::to_markdown`].
fn markdown<R: Row>(clusters: &[String], all: &[R]) -> String {
    let mut out = String::new();
    let mut cells = Vec::with_capacity(clusters.len());
    for (kind, title) in [(Kind::App, "app"), (Kind::Namespace, "namespace")] {
        let mut rows = all.iter().filter(|r| r.kind() == kind).peekable();
        if rows.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "| {title} | {} |", clusters.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(clusters.len()));
        for row in rows {
            row.cells(clusters, &mut cells);
            let texts: Vec<String> = cells
                .iter()
                .map(|cell| match cell {
                    Some(_) => {
                        let mut text = "✅ ".to_string();
                        push_cell(&mut text, *cell);
                        text
                    }
                    None => "—".to_string(),
                })
                .collect();
            let _ = writeln!(out, "| `{}` | {} |", row.name(), texts.join(" | "));
        }
    }
    out
}

/// The plain or coloured table of the rows: see [`Status::to_table`].
fn table<R: Row>(clusters: &[String], all: &[R], color: bool, sink: &mut Sink) -> Result<()> {
    let paint = |text: &str, style: Style| {
        if color {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    };
    let columns = clusters.len();
    let mut wrote = false;
    for (kind, title) in [(Kind::App, "APP"), (Kind::Namespace, "NAMESPACE")] {
        let rows: Vec<&R> = all.iter().filter(|r| r.kind() == kind).collect();
        if rows.is_empty() {
            continue;
        }
        let first = rows
            .iter()
            .map(|r| r.name().len())
            .chain([title.len()])
            .max();
        let first = first.unwrap_or(0);
        // A large fleet's matrix has hundreds of thousands of cells: both cores measure
        // and write them, each cell written into a reused buffer rather than allocated.
        let widths = rows
            .par_chunks(ROWS_PER_TASK)
            .map(|chunk| {
                let mut widths = vec![0; columns];
                let mut cells = Vec::with_capacity(columns);
                for row in chunk {
                    row.cells(clusters, &mut cells);
                    for (width, cell) in widths.iter_mut().zip(&cells) {
                        *width = cell_width(*cell).max(*width);
                    }
                }
                widths
            })
            .reduce(
                || vec![0; columns],
                |a, b| a.iter().zip(&b).map(|(x, y)| *x.max(y)).collect(),
            );
        let widths: Vec<usize> = widths
            .iter()
            .zip(clusters)
            .map(|(w, c)| (*w).max(c.len()))
            .collect();
        if wrote {
            sink("\n")?;
        }
        wrote = true;
        let mut header = format!("{title:first$}");
        for (c, w) in clusters.iter().zip(&widths) {
            let _ = write!(header, "  {c:w$}");
        }
        sink(&format!(
            "{}\n",
            paint(header.trim_end(), Style::new().bold())
        ))?;
        // An empty cell, with its separator and padding, is the same text in every row.
        let empty: Vec<String> = widths
            .iter()
            .map(|w| {
                let mut text = "  ".to_string();
                text.push_str(&paint("-", Style::new().dim()));
                push_spaces(&mut text, w.saturating_sub(1));
                text
            })
            .collect();
        let render = |chunk: &[&R], part: &mut String| {
            let (mut cells, mut text) = (Vec::with_capacity(columns), String::new());
            for row in chunk {
                let start = part.len();
                let _ = write!(part, "{:first$}", row.name());
                row.cells(clusters, &mut cells);
                for ((cell, w), empty) in cells.iter().zip(&widths).zip(&empty) {
                    let Some(filled) = cell else {
                        part.push_str(empty);
                        continue;
                    };
                    text.clear();
                    push_cell(&mut text, *cell);
                    let pad = w.saturating_sub(cell_width(*cell));
                    part.push_str("  ");
                    if color {
                        let style = match filled.count {
                            1 => Style::new().green(),
                            _ => Style::new().yellow(),
                        };
                        part.push_str(&paint(&text, style));
                    } else {
                        part.push_str(&text);
                    }
                    push_spaces(part, pad);
                }
                let kept = part[start..].trim_end().len();
                part.truncate(start + kept);
                part.push('\n');
            }
            Ok(())
        };
        let row_len = first + widths.iter().map(|w| w + 2).sum::<usize>() + 1;
        in_order(&rows, row_len, render, sink)?;
    }
    Ok(())
}

/// Renders `rows` on every core, a task per [`ROWS_PER_TASK`] rows (each row about `row_len`
/// bytes long), and gives each task's text to `sink` in order, as soon as it and those before
/// it are done: the cores wait neither for the sink nor for each other between tasks. Only a
/// few tasks run or wait ahead of the sink, each in a buffer the sink hands back to the next
/// task: a large fleet's matrix is megabytes, and fresh memory (zeroed by the kernel) costs
/// more than the rendering. Stops at the first error of `render` or of `sink`; a panic in
/// `render` is raised again here.
fn in_order<T: Sync>(
    rows: &[T],
    row_len: usize,
    render: impl Fn(&[T], &mut String) -> Result<()> + Sync,
    sink: &mut Sink,
) -> Result<()> {
    if rayon::current_thread_index().is_some() {
        // On a thread of the pool, waiting for the tasks could leave them none to run on:
        // rendered here, in order.
        let mut part = String::new();
        for chunk in rows.chunks(ROWS_PER_TASK) {
            part.clear();
            render(chunk, &mut part)?;
            sink(&part)?;
        }
        return Ok(());
    }
    let chunks: Vec<&[T]> = rows.chunks(ROWS_PER_TASK).collect();
    // Enough tasks ahead of the sink to keep every core busy while one is slow.
    let ahead = 2 * rayon::current_num_threads();
    // Every task sends exactly once, even when `render` panics: the loop below always ends.
    type Rendered = std::thread::Result<Result<String>>;
    let (done, texts) = mpsc::channel::<(usize, Rendered)>();
    let render = &render;
    rayon::in_place_scope(|scope| {
        let start = |at: usize, mut part: String| {
            let (chunk, done) = (chunks[at], done.clone());
            scope.spawn(move |_| {
                part.clear();
                let rendered = panic::catch_unwind(AssertUnwindSafe(|| render(chunk, &mut part)));
                // The receiving end outlives the scope: sending cannot fail.
                let _ = done.send((at, rendered.map(|r| r.map(|()| part))));
            });
        };
        // Sized for `row_len` bytes a row: growing by doubling would copy and touch fresh
        // memory several times over.
        let fresh = || String::with_capacity(row_len * ROWS_PER_TASK);
        let mut next = chunks.len().min(ahead);
        (0..next).for_each(|at| start(at, fresh()));
        let mut waiting = BTreeMap::new();
        for turn in 0..chunks.len() {
            let part = loop {
                if let Some(rendered) = waiting.remove(&turn) {
                    break rendered;
                }
                // Every task sends, and `done` is held here: the channel stays open.
                let Ok((at, rendered)) = texts.recv() else {
                    return Err(Error::Output(io::Error::other("a rendering task was lost")));
                };
                waiting.insert(at, rendered);
            };
            let part = part.unwrap_or_else(|panic| panic::resume_unwind(panic))?;
            sink(&part)?;
            if next < chunks.len() {
                start(next, part);
                next += 1;
            }
        }
        Ok(())
    })
}

/// Appends `n` spaces.
fn push_spaces(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        left -= step;
    }
}

/// Rows a task of the table or JSON rendering takes.
const ROWS_PER_TASK: usize = 64;

/// The width of a cell's text (see [`push_cell`]) in characters, without writing it.
fn cell_width(cell: Option<Cell>) -> usize {
    let Some(cell) = cell else {
        return 1;
    };
    let mut width = cell.first.map_or(0, |first| first.width());
    if cell.count > 1 {
        // ` ×` and the digits.
        width += 2 + cell.count.ilog10() as usize + 1;
    }
    width
}

/// How a cell reads: `overlay dev`, `common`, `base ×2` when it arrives twice, `-` when it
/// does not arrive.
fn push_cell(out: &mut String, cell: Option<Cell>) {
    let Some(cell) = cell else {
        out.push('-');
        return;
    };
    if let Some(first) = cell.first {
        first.describe_into(out);
    }
    if cell.count > 1 {
        let _ = write!(out, " ×{}", cell.count);
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
    file: Cow<'a, str>,
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
    file: Cow<'a, str>,
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
        Self::new_at(
            &p.file,
            p.line,
            &p.via,
            p.through.as_deref(),
            p.chain.get(1),
        )
    }

    /// The cell of the cluster's `reference`, arriving `through`, with a set's or the common
    /// list's entry `link`.
    fn new(
        reference: &'a Reference,
        through: Through<&'a str>,
        link: Option<&'a Reference>,
    ) -> Self {
        Self::new_at(
            &reference.file,
            reference.line,
            &reference.written,
            through,
            link,
        )
    }

    fn new_at(
        file: &'a Path,
        line: usize,
        via: &'a str,
        through: Through<&'a str>,
        link: Option<&'a Reference>,
    ) -> Self {
        let (overlay, set) = match through {
            Through::Overlay(name) => (Some(name), None),
            Through::Set(name) => (None, Some(name)),
            _ => (None, None),
        };
        JsonCell {
            file: as_slash(file),
            line,
            via,
            through: through.label(),
            overlay,
            set,
            entry: link.map(|r| JsonEntry {
                file: as_slash(&r.file),
                line: r.line,
                via: &r.written,
            }),
            also: Vec::new(),
        }
    }
}

/// A row `filter` asks for: an app or namespace name, its definition (the app's directory, the
/// namespace's manifest) and, for a namespace, its set.
struct Wanted<'f> {
    kind: Kind,
    name: &'f str,
    definition: &'f Path,
    set: Option<&'f str>,
}

/// The rows `filter` asks for, apps first, each kind in the fleet's order. Borrowed from the
/// fleet: a large fleet has thousands.
fn wanted_rows<'f>(fleet: &'f Fleet, filter: &StatusFilter) -> Vec<Wanted<'f>> {
    let apps = fleet.apps.iter().map(|a| Wanted {
        kind: Kind::App,
        name: &a.name,
        definition: &a.dir,
        set: None,
    });
    // Sorted by name, then set: a name held by two sets shows the first.
    let namespaces = fleet.namespaces.iter().enumerate();
    let namespaces = namespaces
        .filter(|(i, ns)| *i == 0 || fleet.namespaces[i - 1].name != ns.name)
        .map(|(_, ns)| Wanted {
            kind: Kind::Namespace,
            name: &ns.name,
            definition: &ns.file,
            set: Some(&ns.set),
        });
    apps.chain(namespaces)
        .filter(|row| filter.kind.is_none_or(|k| k == row.kind))
        .filter(|row| filter.names.as_ref().is_none_or(|n| n.contains(row.name)))
        .collect()
}

/// The refusal for a `--cluster` that names no cluster.
fn unknown_cluster(fleet: &Fleet, name: &str) -> Error {
    Error::refused(format!(
        "no cluster named {name:?}; known clusters: {}",
        known(&fleet.cluster_names())
    ))
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::fleet::ReadPlan;
    use crate::fleet::Reference;

    /// The table as first written (a `Cow` per cell, a `String` per line), to compare with.
    fn table_by_cells(status: &Status, color: bool) -> String {
        let paint = |text: &str, style: Style| {
            if color {
                style.force_styling(true).apply_to(text).to_string()
            } else {
                text.to_string()
            }
        };
        let mut out = String::new();
        for (kind, title) in [(Kind::App, "APP"), (Kind::Namespace, "NAMESPACE")] {
            let rows: Vec<&StatusRow> = status.rows_of(kind).collect();
            if rows.is_empty() {
                continue;
            }
            let cells: Vec<Vec<Cow<str>>> = rows
                .iter()
                .map(|row| {
                    status
                        .clusters
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
            let widths: Vec<usize> = (0..status.clusters.len())
                .map(|i| {
                    let cells = cells.iter().map(|r| r[i].chars().count());
                    cells.chain([status.clusters[i].len()]).max().unwrap_or(0)
                })
                .collect();
            if !out.is_empty() {
                out.push('\n');
            }
            let mut header = format!("{title:first$}");
            for (c, w) in status.clusters.iter().zip(&widths) {
                let _ = write!(header, "  {c:w$}");
            }
            let _ = writeln!(out, "{}", paint(header.trim_end(), Style::new().bold()));
            for (row, texts) in rows.iter().zip(&cells) {
                let mut line = format!("{:first$}", row.name);
                for ((c, text), w) in status.clusters.iter().zip(texts).zip(&widths) {
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

    fn placement(cluster: &str, through: Through, linked: bool) -> Placement {
        let reference = Reference::in_file(
            Path::new("clusters/x/apps/kustomization.yaml"),
            3,
            "../../../apps/a/base",
        );
        let mut chain = vec![reference.clone()];
        if linked {
            chain.push(reference);
        }
        Placement {
            cluster: cluster.to_string(),
            file: PathBuf::from(format!("clusters/{cluster}/apps/kustomization.yaml")),
            line: 7,
            via: "../../../apps/a/base".to_string(),
            through,
            chain,
        }
    }

    /// Enough rows for several rendering tasks, cells of every kind, a non-ASCII overlay.
    fn sample(clusters: Vec<String>) -> Status {
        let throughs = [
            Through::Base,
            Through::Overlay("dév-ü".to_string()),
            Through::Common,
            Through::Set("test-only".to_string()),
            Through::OwnDir,
            Through::Direct,
        ];
        let mut rows = Vec::new();
        for i in 0..(3 * ROWS_PER_TASK + 17) {
            let kind = if i % 3 == 0 {
                Kind::Namespace
            } else {
                Kind::App
            };
            let mut cells = ByCluster::new();
            for (j, cluster) in clusters.iter().enumerate() {
                if (i + j) % 4 == 0 {
                    continue;
                }
                let through = throughs[(i * 7 + j) % throughs.len()].clone();
                let count = 1 + (i + 2 * j) % 3 / 2;
                let list = (0..count)
                    .map(|k| placement(cluster, through.clone(), k == 1 || j % 2 == 0))
                    .collect();
                cells.insert(cluster.clone(), list);
            }
            rows.push(StatusRow {
                kind,
                name: format!("name-{i}{}", "x".repeat(i % 13)),
                definition: format!("apps/name-{i}"),
                set: (kind == Kind::Namespace).then(|| "common".to_string()),
                cells,
            });
        }
        Status { clusters, rows }
    }

    /// Rendered on the pool or on one of its threads, the pieces reach the sink in order, and
    /// the first error of the rendering or of the sink ends it.
    #[test]
    fn renders_in_order_and_stops_at_the_first_error() {
        let rows: Vec<usize> = (0..ROWS_PER_TASK * 37 + 5).collect();
        let want: String = rows.iter().map(|r| format!("{r}\n")).collect();
        let render = |chunk: &[usize], out: &mut String| -> Result<()> {
            for row in chunk {
                if *row == ROWS_PER_TASK * 20 + 3 {
                    return Err(Error::refused("row"));
                }
                let _ = writeln!(out, "{row}");
            }
            Ok(())
        };
        let plain = |chunk: &[usize], out: &mut String| -> Result<()> {
            for row in chunk {
                let _ = writeln!(out, "{row}");
            }
            Ok(())
        };
        let on_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        for nested in [false, true] {
            let run = |f: &(dyn Fn() + Sync)| match nested {
                true => on_pool.install(f),
                false => f(),
            };
            run(&|| {
                let mut out = String::new();
                in_order(&rows, 8, plain, &mut into(&mut out)).unwrap();
                assert_eq!(out, want);

                let mut out = String::new();
                let failed = in_order(&rows, 8, render, &mut into(&mut out));
                assert_eq!(failed.unwrap_err().to_string(), "row");
                assert_eq!(out, want[..want.find("1280\n").unwrap()]);

                let mut pieces = 0;
                let mut sink = |_: &str| {
                    pieces += 1;
                    match pieces {
                        3 => Err(Error::refused("sink")),
                        _ => Ok(()),
                    }
                };
                let failed = in_order(&rows, 8, plain, &mut sink);
                assert_eq!(failed.unwrap_err().to_string(), "sink");
                assert_eq!(pieces, 3);

                let panicking = |chunk: &[usize], out: &mut String| -> Result<()> {
                    assert!(!chunk.contains(&(ROWS_PER_TASK * 30)), "a rendering panics");
                    plain(chunk, out)
                };
                let mut out = String::new();
                let run = std::panic::AssertUnwindSafe(|| {
                    in_order(&rows, 8, panicking, &mut into(&mut out))
                });
                assert!(std::panic::catch_unwind(run).is_err());
                assert_eq!(out, want[..want.find("1920\n").unwrap()]);
            });
        }
    }

    /// While the first chunk is slow, only a few others are rendered ahead of it: the texts
    /// waiting for the sink stay few.
    #[test]
    fn renders_only_a_few_chunks_ahead_of_the_sink() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let rows: Vec<usize> = (0..ROWS_PER_TASK * 200).collect();
        let (others, seen) = (AtomicUsize::new(0), AtomicUsize::new(usize::MAX));
        let slow_first = |chunk: &[usize], out: &mut String| -> Result<()> {
            if chunk[0] == 0 {
                std::thread::sleep(std::time::Duration::from_millis(100));
                seen.store(others.load(Ordering::SeqCst), Ordering::SeqCst);
            } else {
                others.fetch_add(1, Ordering::SeqCst);
            }
            out.push_str(if chunk[0] == 0 { "first" } else { "." });
            Ok(())
        };
        let mut out = String::new();
        in_order(&rows, 8, slow_first, &mut into(&mut out)).unwrap();
        assert_eq!(out, format!("first{}", ".".repeat(199)));
        let ahead = 2 * rayon::current_num_threads();
        assert!(
            seen.into_inner() < ahead,
            "rendered ahead: more than {ahead}"
        );
    }

    #[test]
    fn json_strings_are_written_as_serde_writes_them() {
        let long = format!("{}\"{}", "a".repeat(20), "b".repeat(20));
        let texts = [
            "",
            "plain/path.yaml",
            "with \"quotes\"",
            "back\\slash",
            "tab\tand\nnewline\r",
            "\u{1}\u{8}\u{c}\u{1f}\u{7f}",
            "café ü 日本 ✅",
            &long,
        ];
        for text in texts {
            let mut out = String::new();
            push_json_str(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    /// The hand-written JSON of the borrowed matrix against serde's, on a fleet whose overlay,
    /// namespace file and set entry need escapes, with cells that arrive twice, and with a
    /// directory under `apps/` that a cluster references but that is no app (no `base/`,
    /// `overlays/` or kustomization of its own).
    #[test]
    fn the_borrowed_matrix_escapes_its_json_as_serde() {
        let root = assert_fs::TempDir::new().unwrap();
        let write = |rel: &str, text: &str| {
            let path = root.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let list = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
        let ns = "\"ns \\\"q\\\"\\\\x.yaml\"";
        write(
            "clusters/dev/kustomization.yaml",
            &format!(
                "{list}resources:\n- ../../infrastructure/namespaces/common\n\
                 - \"../../apps/web/overlays/d\\\"ev\"\n- ../../apps/web/base\n\
                 - ../../apps/shared/podinfo\n"
            ),
        );
        write(
            "clusters/prod/kustomization.yaml",
            &format!("{list}resources:\n- ../../infrastructure/namespaces/common\n"),
        );
        write(
            "infrastructure/namespaces/common/kustomization.yaml",
            &format!("{list}resources:\n- {ns}\n"),
        );
        write(
            "infrastructure/namespaces/common/ns \"q\"\\x.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: q\n",
        );
        write("apps/web/base/kustomization.yaml", list);
        write("apps/web/overlays/d\"ev/kustomization.yaml", list);
        write("apps/shared/podinfo/kustomization.yaml", list);

        let (fleet, shallow) = (
            Fleet::read(root.path(), ReadPlan::Whole).unwrap(),
            Fleet::read(root.path(), ReadPlan::Whole).unwrap(),
        );
        let filter = StatusFilter::default();
        let (status, matrix) = (
            status(&fleet, &filter).unwrap(),
            matrix(&shallow, &filter).unwrap(),
        );
        let json = matrix.to_json(false);
        assert_eq!(json, status.to_json(false));
        for escaped in [
            r#""overlay":"d\"ev""#,
            r#""via":"ns \"q\"\\x.yaml""#,
            r#""also":["#,
        ] {
            assert!(json.contains(escaped), "{escaped} in {json}");
        }
        assert!(!json.contains("shared"), "{json}");
        assert_eq!(shallow.names(Kind::App), ["web"]);
        assert!(shallow.app_placements("shared").is_empty());
    }

    #[test]
    fn a_cell_is_as_wide_as_its_text() {
        let throughs = [
            Through::Base,
            Through::Overlay("dev"),
            Through::Overlay("café-prod"),
            Through::Common,
            Through::Set("test-only"),
            Through::OwnDir,
            Through::Direct,
        ];
        let mut cells = vec![None];
        for through in throughs {
            for count in [1, 2, 9, 10, 99, 100, 12345] {
                cells.push(Some(Cell {
                    first: Some(through),
                    count,
                }));
            }
        }
        for cell in cells {
            let mut text = String::new();
            push_cell(&mut text, cell);
            assert_eq!(cell_width(cell), text.chars().count(), "{text:?}");
        }
    }

    #[test]
    fn renders_the_table_and_json_as_before() {
        let sorted: Vec<String> = ["a", "b-long-cluster", "c", "d"].map(String::from).into();
        let mut unsorted = sorted.clone();
        unsorted.reverse();
        for clusters in [sorted, unsorted, vec!["zz".to_string()], Vec::new()] {
            let status = sample(clusters);
            for color in [false, true] {
                assert_eq!(status.to_table(color), table_by_cells(&status, color));
            }
            let rows = |kind| -> Vec<JsonRow> { status.rows_of(kind).map(JsonRow::of).collect() };
            let json = JsonStatus {
                clusters: &status.clusters,
                apps: rows(Kind::App),
                namespaces: rows(Kind::Namespace),
            };
            assert_eq!(status.to_json(false), serde_json::to_string(&json).unwrap());
            assert_eq!(
                status.to_json(true),
                serde_json::to_string_pretty(&json).unwrap()
            );
        }
    }

    /// Every rendering of the borrowed matrix (of a fleet read without its overlays listed)
    /// against the one made of placements (of a fully read fleet), for every
    /// filter, on the seed fleet, the fleets of the test cases and those of the corpus.
    #[test]
    fn the_borrowed_matrix_renders_as_the_status() {
        let roots = crate::fleet::test_roots();
        let mut compared = 0;
        for root in roots {
            // The command reads without listing overlays: the same matrix.
            let (Ok(fleet), Ok(shallow)) = (
                Fleet::read(&root, ReadPlan::Whole),
                Fleet::read(&root, ReadPlan::Whole),
            ) else {
                continue;
            };
            let mut filters = vec![StatusFilter::default()];
            for cluster in fleet
                .cluster_names()
                .into_iter()
                .chain(["nope".to_string()])
            {
                filters.push(StatusFilter {
                    cluster: Some(cluster),
                    ..StatusFilter::default()
                });
            }
            for kind in [Kind::App, Kind::Namespace] {
                filters.push(StatusFilter {
                    kind: Some(kind),
                    ..StatusFilter::default()
                });
            }
            let some: BTreeSet<String> = fleet.names(Kind::Namespace).into_iter().take(2).collect();
            filters.push(StatusFilter {
                names: Some(some),
                ..StatusFilter::default()
            });
            for filter in &filters {
                let (status, matrix) = match (status(&fleet, filter), matrix(&shallow, filter)) {
                    (Ok(s), Ok(m)) => (s, m),
                    (Err(a), Err(b)) => {
                        assert_eq!(a.to_string(), b.to_string());
                        continue;
                    }
                    _ => panic!("one of status and matrix failed for {filter:?}"),
                };
                assert_eq!(status.clusters, matrix.clusters);
                assert_eq!(status.rows.len(), matrix.rows.len());
                for color in [false, true] {
                    assert_eq!(status.to_table(color), matrix.to_table(color));
                }
                for pretty in [false, true] {
                    assert_eq!(status.to_json(pretty), matrix.to_json(pretty));
                }
                assert_eq!(status.to_markdown(), matrix.to_markdown());
                compared += 1;
            }
        }
        assert!(compared > 10, "only {compared} fleets and filters compared");
    }
}

//! The matrix as the JSON of DESIGN.md, `{"version": 1, "clusters": [...], "apps": [...],
//! "namespaces": [...], "controllers": [...]}`, through serde over the borrowed rows: each `impl Serialize`
//! below reads the fleet as it writes, and nothing is made in between (as ripgrep's
//! `crates/printer/src/jsont.rs`).
//!
//! Serde rather than a hand-written writer. Measured on the benchmark fleet (`gen_fleet`, 100
//! clusters, 3,000 apps, 8.4 MB of JSON) on a 2-core VM that other builds kept busy (load 3 to
//! 8; medians of 75 to 90 interleaved `hyperfine -N` runs), against the hand-written writer it
//! replaced: the same CPU time (`perf stat` task-clock 57-69 against 58-64 ms), and 2% to 15%
//! more wall time from run to run (e.g. 56.5 against 49.1 ms, `rg -c . clusters` 24.4 ms: 2.3x
//! against 2.0x). The hand-written writer was at 1.97x `rg` on an idle machine
//! (bench/RESULTS.md): if a quiet measurement puts this one over the target of 2x, it is in
//! git history (`src/fleet/status.rs`, `FleetRow::write_json`) and belongs here alone, serde
//! its test oracle.
//!
//! A file a little past 600 lines: the hand-written writer and the serde types it is held to
//! (`json_tests.rs`) write the same document, and are read side by side.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::io::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::value::RawValue;

use rayon::prelude::*;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::matrix::{Matrix, Row};
use super::{Sink, JSON_VERSION};
use crate::error::{Error, Result};
use crate::fleet::FastMap;
use crate::fleet::{Fleet, Kind, Mode, Raw, Reference, Through};
use crate::paths::as_slash;
use crate::rendered::versions::Versions;

/// Writes the matrix's JSON to `sink` in pieces, indented when `pretty`.
pub fn write(matrix: &Matrix, pretty: bool, sink: &mut Sink) -> Result<()> {
    write_with(matrix, None, pretty, sink)
}

/// [`write`], each app's and controller's cell with the `versions` its directory renders to
/// (`status --versions --json`) where they are known.
pub fn write_with(
    matrix: &Matrix,
    versions: Option<&Versions>,
    pretty: bool,
    sink: &mut Sink,
) -> Result<()> {
    let files = Files::of(matrix.fleet(), versions);
    match pretty {
        // For a person at a terminal: serde's indentation of the whole document, on one thread.
        true => serialize(sink, |out| {
            serde_json::to_writer_pretty(out, &Document(matrix, &files))
        }),
        false => compact(matrix, &files, PLACEMENTS_PER_TASK, sink),
    }
}

/// What `serde_json::to_writer` writes of the [`Document`], its rows written by hand
/// ([`write_row`]) on every core ([`in_rounds`]) and joined with `,`: compact JSON puts nothing
/// else between a struct's fields or an array's items, so the bytes are the same
/// (`compact_is_serdes_document` holds them to serde's).
///
/// On one thread, serde's JSON of the benchmark fleet took 10-20% longer than the hand-written
/// writer on both cores (medians 95-108 against 81-88 ms under load): the rows go on both cores,
/// 8 tasks a core a round (2 a core: 5-10% slower; 32: the buffers' fresh memory costs more).
fn compact(
    matrix: &Matrix,
    files: &Files,
    placements_per_task: usize,
    sink: &mut Sink,
) -> Result<()> {
    sink(format!("{{\"version\":{JSON_VERSION},\"clusters\":").as_bytes())?;
    serialize(sink, |out| serde_json::to_writer(out, matrix.clusters()))?;
    // Each cluster's key of a row's cells, escaped once rather than in every cell.
    let keys: Vec<Vec<u8>> = matrix
        .clusters()
        .iter()
        .map(|cluster| {
            let mut key = Vec::new();
            push_str(&mut key, cluster);
            key.extend_from_slice(b":{");
            key
        })
        .collect();
    for (kind, key) in [
        (Kind::App, ",\"apps\":["),
        (Kind::Namespace, "],\"namespaces\":["),
        (Kind::Controller, "],\"controllers\":["),
        (Kind::Policy, "],\"policies\":["),
    ] {
        sink(key.as_bytes())?;
        let render = |at: usize, rows: &[Row], out: &mut Vec<u8>| {
            for (i, row) in rows.iter().enumerate() {
                if at + i > 0 {
                    out.push(b',');
                }
                write_row(out, matrix, files, &keys, row);
            }
            Ok(())
        };
        let rows = matrix.rows_of(kind);
        let tasks = tasks(rows, |row| matrix.placements_of(row), placements_per_task);
        in_rounds(rows, &tasks, render, sink)?;
    }
    sink(b"]}")
}

/// The compact JSON of a row, written by hand: the bytes serde writes of a [`JsonRow`], which
/// the tests hold it to. Measured on the dense benchmark fleet (bench/RESULTS.md, #14): with
/// serde's `to_writer` of the row, `status --json` took 60.0 ms against 46.2 ms for the
/// hand-written writer it had replaced, 2.6 against 2.0 times `rg -n ^ clusters`, over the
/// target of 2.
fn write_row(out: &mut Vec<u8>, matrix: &Matrix, files: &Files, keys: &[Vec<u8>], row: &Row) {
    out.extend_from_slice(b"{\"name\":");
    push_str(out, row.name);
    out.extend_from_slice(b",\"definition\":");
    push_str(out, &row.definition);
    if let Some(set) = row.set {
        out.extend_from_slice(b",\"set\":");
        push_str(out, set);
    }
    if let Some((stage, mode)) = row.policy {
        out.extend_from_slice(b",\"stage\":");
        push_str(out, stage);
        out.extend_from_slice(b",\"mode\":");
        push_str(out, mode.as_str());
    }
    out.extend_from_slice(b",\"clusters\":{");
    let fleet = matrix.fleet();
    let mode = row.policy.map(|(_, mode)| mode);
    let mut first_cell = true;
    for cell in matrix.cells(row) {
        let mut cells = cell
            .placements
            .iter()
            .filter_map(|raw| JsonCell::of(fleet, files, raw, mode));
        let (Some(first), Some(key)) = (cells.next(), keys.get(cell.column)) else {
            continue;
        };
        if !first_cell {
            out.push(b',');
        }
        first_cell = false;
        out.extend_from_slice(key);
        first.write_fields(out);
        let mut also = cells.peekable();
        if also.peek().is_some() {
            out.extend_from_slice(b",\"also\":[");
            for (i, other) in also.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'{');
                other.write_fields(out);
                out.push(b'}');
            }
            out.push(b']');
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"}}");
}

/// `text` as a JSON string, as serde writes it: most need no escape and are copied as they are.
fn push_str(out: &mut Vec<u8>, text: &str) {
    // Every byte looked at, without stopping at the first: the loop then runs on whole
    // vectors, and nearly every text needs no escape.
    let escape = text.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if escape {
        let _ = serde_json::to_writer(&mut *out, text);
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

/// One of this program's own labels (`base`, `overlay`, `Audit`…) as a JSON string: none
/// needs an escape.
fn push_label(out: &mut Vec<u8>, label: &'static str) {
    out.push(b'"');
    out.extend_from_slice(label.as_bytes());
    out.push(b'"');
}

/// `"file":…,"line":…,"via":…` of a reference, as serde writes them.
fn push_place(out: &mut Vec<u8>, files: &Files, reference: &Reference) {
    out.extend_from_slice(b"\"file\":");
    files.write(out, &reference.file);
    out.extend_from_slice(b",\"line\":");
    out.extend_from_slice(itoa::Buffer::new().format(reference.line).as_bytes());
    out.extend_from_slice(b",\"via\":");
    push_str(out, reference.written());
}

/// Placements a task of the compact JSON writes, about: rows are grouped by what they hold,
/// not by their number, since a namespace in every cluster writes a hundred cells and an app in
/// one cluster a single one. On the benchmark fleet, `status --json`'s peak memory was 67 MB
/// with 64 rows a task, 64 MB with 2,048 placements, 55 MB with 512.
const PLACEMENTS_PER_TASK: usize = 512;

/// `rows` cut into consecutive ranges of about `per_task` placements each (`weight` of a row;
/// a row counts at least one).
fn tasks<T>(rows: &[T], weight: impl Fn(&T) -> usize, per_task: usize) -> Vec<Range<usize>> {
    let mut tasks = Vec::new();
    let (mut start, mut held) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        held += weight(row).max(1);
        if held >= per_task {
            tasks.push(start..i + 1);
            (start, held) = (i + 1, 0);
        }
    }
    if start < rows.len() {
        tasks.push(start..rows.len());
    }
    tasks
}

/// Gives `rows`, rendered by `render` (which is told the index of the chunk's first row) on
/// every core one of `tasks` at a time, to `sink` in order: a round of a few tasks per core at
/// a time, each into a buffer the next round reuses (a large fleet's JSON is megabytes, and
/// fresh memory costs more than the rendering).
fn in_rounds<T: Sync>(
    rows: &[T],
    tasks: &[Range<usize>],
    render: impl Fn(usize, &[T], &mut Vec<u8>) -> Result<()> + Sync,
    sink: &mut Sink,
) -> Result<()> {
    let per_round = 8 * rayon::current_num_threads();
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); per_round];
    for round in tasks.chunks(per_round) {
        buffers
            .par_iter_mut()
            .zip(round.par_iter())
            .try_for_each(|(out, task)| {
                out.clear();
                render(task.start, &rows[task.clone()], out)
            })?;
        for out in &buffers[..round.len()] {
            sink(out)?;
        }
    }
    Ok(())
}

/// Runs `write` on a writer that hands `sink` pieces of [`PIECE`] bytes, and returns the
/// first error of the sink or of the encoding.
fn serialize(
    sink: &mut Sink,
    write: impl FnOnce(&mut io::BufWriter<Pieces>) -> serde_json::Result<()>,
) -> Result<()> {
    let mut out = io::BufWriter::with_capacity(PIECE, Pieces { sink, failed: None });
    let written = write(&mut out);
    let flushed = written.map_err(io::Error::from).and_then(|()| out.flush());
    match (flushed, out.into_parts().0.failed) {
        (_, Some(error)) => Err(error),
        (Err(error), None) => Err(Error::Output(error)),
        (Ok(()), None) => Ok(()),
    }
}

/// The JSON as a string, for the tests.
pub fn to_string(matrix: &Matrix, pretty: bool) -> Result<String> {
    let mut out = Vec::new();
    write(matrix, pretty, &mut |piece| {
        out.extend_from_slice(piece);
        Ok(())
    })?;
    String::from_utf8(out).map_err(|e| Error::Output(io::Error::other(e)))
}

/// How much text gathers before it goes to the sink: a large fleet's JSON is megabytes.
const PIECE: usize = 64 * 1024;

/// A [`Sink`] as a writer, keeping the sink's own error.
struct Pieces<'s, 'a> {
    sink: &'s mut Sink<'a>,
    failed: Option<Error>,
}

impl io::Write for Pieces<'_, '_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match (self.sink)(bytes) {
            Ok(()) => Ok(bytes.len()),
            Err(error) => {
                self.failed = Some(error);
                Err(io::Error::other("the output failed"))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The `file` of every list a cell can name, as JSON text, by the address of the path every
/// reference of the list shares: tens of thousands of cells name a few hundred files.
///
/// Measured on the benchmark fleet: each file checked, converted and escaped per cell,
/// `status --json` used 51-55 ms of CPU against the hand-written writer's 46-48 ms, and took
/// 8-16% longer (medians of 60 runs under load); with these, 46 ms and +3%.
struct Files {
    paths: FastMap<usize, Box<RawValue>>,
    /// What each directory renders to, with `--versions`.
    versions: HashMap<PathBuf, Vec<String>>,
}

impl Files {
    fn of(fleet: &Fleet, versions: Option<&Versions>) -> Files {
        let lists = fleet.clusters().iter().flat_map(|c| c.lists());
        let firsts = lists
            .chain(fleet.common_apps())
            .filter_map(|list| list.references.first());
        let entries = fleet.namespaces().iter().filter_map(|n| n.entry.as_ref());
        let mut files = FastMap::default();
        for reference in firsts.chain(entries) {
            let file = &reference.file;
            if let Entry::Vacant(vacant) = files.entry(address(file)) {
                let text = serde_json::to_string(&as_slash(file)).ok();
                if let Some(raw) = text.and_then(|t| RawValue::from_string(t).ok()) {
                    vacant.insert(raw);
                }
            }
        }
        let versions = versions.into_iter().flatten();
        Files {
            paths: files,
            versions: versions
                .filter_map(|(dir, found)| Some((dir.clone(), found.as_ref().ok()?.clone())))
                .collect(),
        }
    }

    /// The versions the directory `raw` brings in renders to, when known.
    fn versions(&self, reference: &Reference, entry: Option<&Reference>) -> Option<&[String]> {
        if self.versions.is_empty() {
            return None;
        }
        let dir = entry.unwrap_or(reference).target()?;
        self.versions.get(dir).map(Vec::as_slice)
    }

    /// Writes `file` as a JSON string.
    fn write(&self, out: &mut Vec<u8>, file: &Arc<Path>) {
        match self.paths.get(&address(file)) {
            Some(raw) => out.extend_from_slice(raw.get().as_bytes()),
            None => push_str(out, &as_slash(file)),
        }
    }

    /// Serializes `file` as the field `file`.
    fn serialize<S: SerializeStruct>(&self, out: &mut S, file: &Arc<Path>) -> Result<(), S::Error> {
        match self.paths.get(&address(file)) {
            Some(raw) => out.serialize_field("file", raw),
            None => out.serialize_field("file", &as_slash(file)),
        }
    }
}

/// Where a path shared by references is: their files are the same when it is.
fn address(file: &Arc<Path>) -> usize {
    Arc::as_ptr(file).cast::<u8>().addr()
}

struct Document<'m, 'f>(&'m Matrix<'f>, &'m Files);

impl Serialize for Document<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Document(matrix, files) = *self;
        let rows = |kind| Rows {
            matrix,
            files,
            rows: matrix.rows_of(kind),
        };
        let mut document = serializer.serialize_struct("Status", 6)?;
        document.serialize_field("version", &JSON_VERSION)?;
        document.serialize_field("clusters", matrix.clusters())?;
        document.serialize_field("apps", &rows(Kind::App))?;
        document.serialize_field("namespaces", &rows(Kind::Namespace))?;
        document.serialize_field("controllers", &rows(Kind::Controller))?;
        document.serialize_field("policies", &rows(Kind::Policy))?;
        document.end()
    }
}

struct Rows<'m, 'f> {
    matrix: &'m Matrix<'f>,
    files: &'m Files,
    rows: &'m [Row<'f>],
}

impl Serialize for Rows<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Rows { matrix, files, .. } = *self;
        serializer.collect_seq(self.rows.iter().map(|row| JsonRow { matrix, files, row }))
    }
}

/// `{"name", "definition", "set" (namespaces), "clusters": {"<cluster>": cell}}`.
struct JsonRow<'m, 'f> {
    matrix: &'m Matrix<'f>,
    files: &'m Files,
    row: &'m Row<'f>,
}

impl Serialize for JsonRow<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let row = self.row;
        let fields = 3 + usize::from(row.set.is_some()) + 2 * usize::from(row.policy.is_some());
        let mut out = serializer.serialize_struct("Row", fields)?;
        out.serialize_field("name", row.name)?;
        out.serialize_field("definition", &row.definition)?;
        if let Some(set) = row.set {
            out.serialize_field("set", set)?;
        }
        if let Some((stage, mode)) = row.policy {
            out.serialize_field("stage", stage)?;
            out.serialize_field("mode", mode.as_str())?;
        }
        out.serialize_field("clusters", &Cells(self))?;
        out.end()
    }
}

/// A row's cells by cluster, in cluster order.
struct Cells<'r, 'm, 'f>(&'r JsonRow<'m, 'f>);

impl Serialize for Cells<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let JsonRow { matrix, files, row } = *self.0;
        let fleet = matrix.fleet();
        let mode = row.policy.map(|(_, mode)| mode);
        let mut map = serializer.serialize_map(None)?;
        for cell in matrix.cells(row) {
            let mut placements = cell.placements;
            // The first placement whose positions resolve (all of them do in a fleet as read).
            let first = loop {
                let Some((raw, rest)) = placements.split_first() else {
                    break None;
                };
                placements = rest;
                if let Some(first) = JsonCell::of(fleet, files, raw, mode) {
                    break Some(first);
                }
            };
            let (Some(first), Some(cluster)) = (first, matrix.clusters().get(cell.column)) else {
                continue;
            };
            let also = Also {
                fleet,
                files,
                placements,
                mode,
            };
            map.serialize_entry(cluster, &FirstCell { first, also })?;
        }
        map.end()
    }
}

/// The cell of one placement: the cluster's reference, how the definition arrives, and for a
/// set or the common list that list's entry.
#[derive(Clone, Copy)]
struct JsonCell<'f> {
    files: &'f Files,
    reference: &'f Reference,
    through: Through<&'f str>,
    entry: Option<&'f Reference>,
    /// The policy's mode, for a policy's cell.
    mode: Option<Mode>,
    /// The versions its directory renders to, with `--versions`.
    versions: Option<&'f [String]>,
}

impl<'f> JsonCell<'f> {
    fn of(fleet: &'f Fleet, files: &'f Files, raw: &Raw, mode: Option<Mode>) -> Option<Self> {
        let (reference, entry) = fleet.references_of(raw)?;
        Some(JsonCell {
            files,
            reference,
            through: fleet.through(raw),
            entry,
            mode,
            versions: files.versions(reference, entry),
        })
    }

    /// The fields other than `also`, as many as there are.
    fn fields(&self) -> usize {
        let name = matches!(
            self.through,
            Through::Overlay(_) | Through::Set(_) | Through::Stage(_)
        );
        4 + usize::from(name)
            + usize::from(self.entry.is_some())
            + usize::from(self.mode.is_some())
            + usize::from(self.versions.is_some())
    }

    /// The fields other than `also`, written by hand as [`JsonCell::serialize_fields`] does.
    fn write_fields(&self, out: &mut Vec<u8>) {
        push_place(out, self.files, self.reference);
        out.extend_from_slice(b",\"through\":");
        push_label(out, self.through.label());
        match self.through {
            Through::Overlay(name) => {
                out.extend_from_slice(b",\"overlay\":");
                push_str(out, name);
            }
            Through::Set(name) => {
                out.extend_from_slice(b",\"set\":");
                push_str(out, name);
            }
            Through::Stage(name) => {
                out.extend_from_slice(b",\"stage\":");
                push_str(out, name);
            }
            _ => {}
        }
        if let Some(mode) = self.mode {
            out.extend_from_slice(b",\"mode\":");
            push_label(out, mode.as_str());
        }
        if let Some(entry) = self.entry {
            out.extend_from_slice(b",\"entry\":{");
            push_place(out, self.files, entry);
            out.push(b'}');
        }
        if let Some(versions) = self.versions {
            out.extend_from_slice(b",\"versions\":[");
            for (i, version) in versions.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_str(out, version);
            }
            out.push(b']');
        }
    }

    fn serialize_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        self.files.serialize(out, &self.reference.file)?;
        out.serialize_field("line", &self.reference.line)?;
        out.serialize_field("via", self.reference.written())?;
        out.serialize_field("through", self.through.label())?;
        match self.through {
            Through::Overlay(name) => out.serialize_field("overlay", name)?,
            Through::Set(name) => out.serialize_field("set", name)?,
            Through::Stage(name) => out.serialize_field("stage", name)?,
            _ => {}
        }
        if let Some(mode) = self.mode {
            out.serialize_field("mode", mode.as_str())?;
        }
        if let Some(entry) = self.entry {
            out.serialize_field("entry", &EntryCell(self.files, entry))?;
        }
        if let Some(versions) = self.versions {
            out.serialize_field("versions", versions)?;
        }
        Ok(())
    }
}

impl Serialize for JsonCell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Cell", self.fields())?;
        self.serialize_fields(&mut out)?;
        out.end()
    }
}

/// A cluster's cell: its first placement's, with the others under `also` when the definition
/// arrives more than once.
struct FirstCell<'f> {
    first: JsonCell<'f>,
    also: Also<'f>,
}

impl Serialize for FirstCell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let FirstCell { first, also } = self;
        let more = also.iter().next().is_some();
        let mut out = serializer.serialize_struct("Cell", first.fields() + usize::from(more))?;
        first.serialize_fields(&mut out)?;
        if more {
            out.serialize_field("also", also)?;
        }
        out.end()
    }
}

/// The other placements of a cell.
#[derive(Clone, Copy)]
struct Also<'f> {
    fleet: &'f Fleet,
    files: &'f Files,
    placements: &'f [Raw],
    mode: Option<Mode>,
}

impl<'f> Also<'f> {
    fn iter(&self) -> impl Iterator<Item = JsonCell<'f>> + '_ {
        self.placements
            .iter()
            .filter_map(|raw| JsonCell::of(self.fleet, self.files, raw, self.mode))
    }
}

impl Serialize for Also<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// `{"file", "line", "via"}` of a set's or the common list's entry.
struct EntryCell<'f>(&'f Files, &'f Reference);

impl Serialize for EntryCell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let EntryCell(files, entry) = *self;
        let mut out = serializer.serialize_struct("Entry", 3)?;
        files.serialize(&mut out, &entry.file)?;
        out.serialize_field("line", &entry.line)?;
        out.serialize_field("via", entry.written())?;
        out.end()
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;

//! `status --versions`: the matrix of apps and controllers with, in each cell, the versions the
//! cluster's reference renders to (image tags, chart versions) instead of how it arrives; a row
//! whose clusters run different versions is shown in yellow.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::PathBuf;

use console::Style;

use super::matrix::{Matrix, Row};
use crate::fleet::Kind;
use crate::rendered::versions::Versions;

/// The kinds that have versions.
pub const KINDS: [(Kind, &str); 2] = [(Kind::App, "APP"), (Kind::Controller, "CONTROLLER")];

/// The directories the cells of apps and controllers bring in (an overlay, a base, a
/// controller's directory), each once: what `--versions` renders.
pub fn dirs(matrix: &Matrix) -> Vec<PathBuf> {
    let fleet = matrix.fleet();
    let mut dirs = BTreeSet::new();
    for (kind, _) in KINDS {
        for row in matrix.rows_of(kind) {
            for cell in matrix.cells(row) {
                for raw in cell.placements {
                    if let Some((reference, entry)) = fleet.references_of(raw) {
                        dirs.extend(entry.unwrap_or(reference).target().map(ToOwned::to_owned));
                    }
                }
            }
        }
    }
    dirs.into_iter().collect()
}

/// The table: a block per kind, a column per cluster, each present cell its versions (`?` when
/// its directory did not render, `none` when it holds no image or chart version), `-` where
/// the row does not arrive; fitted to `width` as the status table is.
pub fn render(matrix: &Matrix, versions: &Versions, color: bool, width: Option<usize>) -> String {
    let paint = |text: &str, style: Style| match color {
        true => style.force_styling(true).apply_to(text).to_string(),
        false => text.to_string(),
    };
    let mut out = String::new();
    for (kind, title) in KINDS {
        let rows = matrix.rows_of(kind);
        if rows.is_empty() {
            continue;
        }
        let table: Vec<(&str, Vec<Option<String>>)> = rows
            .iter()
            .map(|row| (row.name, cells(matrix, row, versions)))
            .collect();
        let first = table
            .iter()
            .map(|(name, _)| name.chars().count())
            .chain([title.len()])
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = matrix
            .clusters()
            .iter()
            .enumerate()
            .map(|(column, cluster)| {
                let cells = table.iter().filter_map(|(_, cells)| cells[column].as_ref());
                cells
                    .map(|text| text.chars().count())
                    .chain([cluster.chars().count(), 1])
                    .max()
                    .unwrap_or(1)
            })
            .collect();
        for group in super::table::groups(first, &widths, width) {
            if !out.is_empty() {
                out.push('\n');
            }
            let mut header = pad(title, first);
            for (cluster, width) in matrix.clusters()[group.clone()]
                .iter()
                .zip(&widths[group.clone()])
            {
                header.push_str("  ");
                header.push_str(&pad(cluster, *width));
            }
            out.push_str(&paint(header.trim_end(), Style::new().bold()));
            out.push('\n');
            for (name, cells) in &table {
                write_row(&mut out, name, first, cells, &widths, group.clone(), &paint);
            }
        }
    }
    out
}

/// One row of a block: the name, then the cells of the block's columns; yellow when the row's
/// clusters (all of them, not only the block's) run different versions.
fn write_row(
    out: &mut String,
    name: &str,
    first: usize,
    cells: &[Option<String>],
    widths: &[usize],
    group: Range<usize>,
    paint: &dyn Fn(&str, Style) -> String,
) {
    let distinct: BTreeSet<&String> = cells.iter().flatten().collect();
    let style = match distinct.len() {
        0 | 1 => Style::new().green(),
        _ => Style::new().yellow(),
    };
    let mut line = pad(name, first);
    for (cell, width) in cells[group.clone()].iter().zip(&widths[group]) {
        line.push_str("  ");
        let (text, style) = match cell {
            Some(text) => (text.as_str(), style.clone()),
            None => ("-", Style::new().dim()),
        };
        line.push_str(&paint(text, style));
        line.push_str(&" ".repeat(width.saturating_sub(text.chars().count())));
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The text of each cluster's cell of `row`, `None` where it does not arrive.
fn cells(matrix: &Matrix, row: &Row, versions: &Versions) -> Vec<Option<String>> {
    let fleet = matrix.fleet();
    let mut out = vec![None; matrix.clusters().len()];
    for cell in matrix.cells(row) {
        let mut found: Vec<&str> = Vec::new();
        let mut failed = false;
        for raw in cell.placements {
            let dir = fleet
                .references_of(raw)
                .and_then(|(reference, entry)| entry.unwrap_or(reference).target());
            match dir.and_then(|dir| versions.get(dir)) {
                Some(Ok(these)) => {
                    for version in these {
                        if !found.contains(&version.as_str()) {
                            found.push(version);
                        }
                    }
                }
                _ => failed = true,
            }
        }
        let text = match (found.is_empty(), failed) {
            (true, true) => "?".to_string(),
            (true, false) => "none".to_string(),
            (false, _) => found.join(", "),
        };
        out[cell.column] = Some(text);
    }
    out
}

/// `text` padded with spaces to `width` characters.
fn pad(text: &str, width: usize) -> String {
    let mut out = text.to_string();
    out.push_str(&" ".repeat(width.saturating_sub(text.chars().count())));
    out
}

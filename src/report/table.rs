//! The matrix as a terminal table: a block per kind, a column per cluster, each cell saying how
//! the row arrives there (`overlay dev`, `common`, `base ×2`), `-` where it does not.

use std::ops::Range;

use console::Style;
use rayon::prelude::*;

use super::matrix::{Cell, Matrix, Row};
use super::Sink;
use crate::error::Result;
use crate::fleet::{Kind, Mode, Through};

/// How much text gathers before it goes to the sink: a large fleet's table is megabytes.
const PIECE: usize = 64 * 1024;

/// Writes the table to `sink` in pieces, coloured when `color`: present cells green, absent
/// ones dimmed, a definition that arrives twice in yellow.
///
/// Rendered on one thread: on the benchmark fleet (7 MB of table) rendering chunks on both
/// cores and writing them in order was within noise of this (see `report/mod.rs`).
pub fn write(matrix: &Matrix, color: bool, sink: &mut Sink) -> Result<()> {
    write_fitted(matrix, color, None, sink)
}

/// [`write`], each kind's block fitted to `width` characters when given: the clusters that do
/// not fit continue in another block below, its rows named again (the way a wide table is
/// printed on paper); a block always holds at least one cluster.
pub fn write_fitted(
    matrix: &Matrix,
    color: bool,
    width: Option<usize>,
    sink: &mut Sink,
) -> Result<()> {
    let paint = |text: &str, style: Style| {
        if color {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    };
    let fleet = matrix.fleet();
    let clusters = matrix.clusters();
    let columns = clusters.len();
    let mut wrote = false;
    let kinds = [
        (Kind::App, "APP"),
        (Kind::Namespace, "NAMESPACE"),
        (Kind::Controller, "CONTROLLER"),
        (Kind::Policy, "POLICY"),
    ];
    for (kind, title) in kinds {
        let rows = matrix.rows_of(kind);
        if rows.is_empty() {
            continue;
        }
        let first = rows.iter().map(|r| r.name.len()).chain([title.len()]).max();
        let first = first.unwrap_or(0);
        let widths = widths(matrix, rows);
        let widths: Vec<usize> = widths
            .iter()
            .zip(clusters)
            .map(|(w, c)| (*w).max(c.len()))
            .collect();
        let mut part = String::with_capacity(PIECE + PIECE / 4);
        for group in groups(first, &widths, width) {
            if wrote {
                part.push('\n');
            }
            wrote = true;
            let mut header = format!("{title:first$}");
            for (c, w) in clusters[group.clone()].iter().zip(&widths[group.clone()]) {
                header.push_str("  ");
                header.push_str(c);
                push_spaces(&mut header, w.saturating_sub(c.chars().count()));
            }
            part.push_str(&paint(header.trim_end(), Style::new().bold()));
            part.push('\n');
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
            let mut dense: Vec<Option<Cell>> = Vec::with_capacity(columns);
            let mut text = String::new();
            for row in rows {
                let start = part.len();
                part.push_str(row.name);
                push_spaces(&mut part, first.saturating_sub(row.name.chars().count()));
                fill(matrix, row, &mut dense);
                let columns = dense[group.clone()].iter().zip(&widths[group.clone()]);
                for ((cell, w), empty) in columns.zip(&empty[group.clone()]) {
                    let Some(cell) = cell else {
                        part.push_str(empty);
                        continue;
                    };
                    let through = fleet.through(&cell.placements[0]);
                    let count = cell.placements.len();
                    let mode = row.policy.map(|(_, mode)| mode);
                    text.clear();
                    push_cell(&mut text, through, count);
                    push_mode(&mut text, mode);
                    part.push_str("  ");
                    if color {
                        let style = match count {
                            1 => Style::new().green(),
                            _ => Style::new().yellow(),
                        };
                        part.push_str(&paint(&text, style));
                    } else {
                        part.push_str(&text);
                    }
                    let width = cell_width(through, count) + mode_width(mode);
                    push_spaces(&mut part, w.saturating_sub(width));
                }
                let kept = part[start..].trim_end().len();
                part.truncate(start + kept);
                part.push('\n');
                if part.len() >= PIECE {
                    sink(part.as_bytes())?;
                    part.clear();
                }
            }
        }
        if !part.is_empty() {
            sink(part.as_bytes())?;
        }
    }
    Ok(())
}

/// The columns of each block: as many as fit in `width` after the first column (each takes
/// two spaces and its width), at least one; all of them without a width.
pub(super) fn groups(first: usize, widths: &[usize], width: Option<usize>) -> Vec<Range<usize>> {
    let whole = 0..widths.len();
    let Some(width) = width else {
        return std::iter::once(whole).collect();
    };
    let mut groups = Vec::new();
    let mut start = 0;
    let mut used = first;
    for (i, w) in widths.iter().enumerate() {
        if i > start && used + 2 + w > width {
            groups.push(start..i);
            start = i;
            used = first;
        }
        used += 2 + w;
    }
    groups.push(start..widths.len());
    groups
}

/// The widest cell of each column among `rows`. A large fleet's matrix has hundreds of
/// thousands of cells: both cores measure them.
fn widths(matrix: &Matrix, rows: &[Row]) -> Vec<usize> {
    let columns = matrix.clusters().len();
    let fleet = matrix.fleet();
    rows.par_chunks(64)
        .map(|chunk| {
            let mut widths = vec![0; columns];
            for row in chunk {
                for cell in matrix.cells(row) {
                    let through = fleet.through(&cell.placements[0]);
                    let mode = row.policy.map(|(_, mode)| mode);
                    let width = cell_width(through, cell.placements.len()) + mode_width(mode);
                    if let Some(w) = widths.get_mut(cell.column) {
                        *w = width.max(*w);
                    }
                }
            }
            widths
        })
        .reduce(
            || vec![0; columns],
            |a, b| a.iter().zip(&b).map(|(x, y)| *x.max(y)).collect(),
        )
}

/// The cells of `row` by column into `out`, `None` where it does not arrive.
pub(super) fn fill<'f>(matrix: &Matrix<'f>, row: &Row<'f>, out: &mut Vec<Option<Cell<'f>>>) {
    out.clear();
    out.resize(matrix.clusters().len(), None);
    for cell in matrix.cells(row) {
        if let Some(slot) = out.get_mut(cell.column) {
            *slot = Some(cell);
        }
    }
}

/// How a present cell reads: `overlay dev`, `common`, `base ×2` when it arrives twice; a
/// policy's stage by its name alone (its mode follows, [`push_mode`]).
pub(super) fn push_cell(out: &mut String, through: Through<&str>, count: usize) {
    match through {
        Through::Stage(name) => out.push_str(name),
        other => other.describe_into(out),
    }
    if count > 1 {
        out.push_str(" ×");
        out.push_str(itoa::Buffer::new().format(count));
    }
}

/// A policy's mode after its cell: `shared Enforce`.
pub(super) fn push_mode(out: &mut String, mode: Option<Mode>) {
    if let Some(mode) = mode {
        out.push(' ');
        out.push_str(mode.as_str());
    }
}

/// The width of [`push_mode`]'s text.
fn mode_width(mode: Option<Mode>) -> usize {
    mode.map_or(0, |m| 1 + m.as_str().len())
}

/// The width of [`push_cell`]'s text in characters, without writing it.
fn cell_width(through: Through<&str>, count: usize) -> usize {
    let mut width = match through {
        Through::Overlay(name) => "overlay ".len() + name.chars().count(),
        Through::Set(name) => "set ".len() + name.chars().count(),
        Through::OwnDir => "own dir".len(),
        Through::Stage(name) => name.chars().count(),
        other => other.label().len(),
    };
    if count > 1 {
        // ` ×` and the digits.
        width += 2 + count.ilog10() as usize + 1;
    }
    width
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_hold_the_columns_that_fit() {
        let blocks = |first, widths: &[usize], width| -> Vec<(usize, usize)> {
            let groups = groups(first, widths, width);
            groups.into_iter().map(|g| (g.start, g.end)).collect()
        };
        assert_eq!(blocks(5, &[3, 3, 3], None), [(0, 3)]);
        // 5 + (2 + 3) * 3 = 20.
        assert_eq!(blocks(5, &[3, 3, 3], Some(20)), [(0, 3)]);
        assert_eq!(blocks(5, &[3, 3, 3], Some(19)), [(0, 2), (2, 3)]);
        assert_eq!(blocks(5, &[3, 3, 3], Some(10)), [(0, 1), (1, 2), (2, 3)]);
        assert_eq!(
            blocks(5, &[30, 3], Some(10)),
            [(0, 1), (1, 2)],
            "one at least"
        );
        assert_eq!(blocks(5, &[], Some(10)), [(0, 0)]);
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
            Through::Stage("test-only"),
        ];
        for through in throughs {
            for count in [1, 2, 9, 10, 99, 100, 12345] {
                let mut text = String::new();
                push_cell(&mut text, through, count);
                assert_eq!(cell_width(through, count), text.chars().count(), "{text:?}");
            }
        }
    }
}

//! The matrix as GitHub Markdown tables, for pull request descriptions and `status --markdown`.

use std::fmt::Write as _;

use super::matrix::Matrix;
use super::table::{fill, push_cell, push_mode};
use crate::fleet::Kind;

/// A table per kind that has rows: `✅ overlay dev` where a row arrives, `—` where it does not.
pub fn render(matrix: &Matrix) -> String {
    let fleet = matrix.fleet();
    let clusters = matrix.clusters();
    let mut out = String::new();
    let mut cells = Vec::with_capacity(clusters.len());
    let kinds = [
        (Kind::App, "app"),
        (Kind::Namespace, "namespace"),
        (Kind::Controller, "controller"),
        (Kind::Policy, "policy"),
    ];
    for (kind, title) in kinds {
        let rows = matrix.rows_of(kind);
        if rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "| {title} | {} |", clusters.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(clusters.len()));
        for row in rows {
            fill(matrix, row, &mut cells);
            let _ = write!(out, "| `{}` | ", row.name);
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    out.push_str(" | ");
                }
                match cell {
                    Some(cell) => {
                        out.push_str("✅ ");
                        let through = fleet.through(&cell.placements[0]);
                        push_cell(&mut out, through, cell.placements.len());
                        push_mode(&mut out, row.policy.map(|(_, mode)| mode));
                    }
                    None => out.push('—'),
                }
            }
            out.push_str(" |\n");
        }
    }
    out
}

//! What the commands print: for `status`, `where` and `check`, and the matrix of a pull request
//! description; for `--dry-run`, the change as a diff. [`Matrix`] is the status matrix, its rows
//! borrowed from the [`crate::fleet::Fleet`]; [`table`], [`json`] and [`markdown`] render it,
//! [`where_`] renders a name's [`crate::fleet::Lookup`], [`finding`] the findings of `check`,
//! [`diff`] a [`crate::plan::ChangeSet`]. Rendering reads and never changes; colour is the
//! caller's choice, passed in.
//!
//! Measured on the benchmark fleet (`gen_fleet`: 100 clusters, 3,000 apps, 600 namespaces; a
//! 2-core VM that other builds kept at a load of 3 to 8, so medians of 75 to 90 interleaved
//! `hyperfine -N` runs against the binary before this module): the table (7 MB) is rendered on
//! one thread, its column widths measured on both cores, and `status` took the time it took
//! when the rows were rendered on both cores and reordered (63.7 against 64.3 ms; 43.7 against
//! 44.9 ms). The compact JSON (8.4 MB) is serialized on both cores; see `json.rs`.

pub mod diff;
pub mod finding;
pub mod json;
pub mod markdown;
mod matrix;
pub mod table;
pub mod versions;
pub mod where_;

pub use matrix::{Filter, Matrix, Row};

/// The `"version"` of every JSON document fluxfleet prints (`status`, `where`, `check`, `diff`,
/// and a change's `--json` outcome): raised when a field is renamed or removed or changes its
/// meaning, never for a field added.
pub const JSON_VERSION: u32 = 1;

/// Where a rendering's pieces go, in order. Large renderings (a large fleet's table and JSON are
/// megabytes) come in pieces of some tens of kilobytes.
pub type Sink<'a> = dyn FnMut(&[u8]) -> crate::error::Result<()> + 'a;

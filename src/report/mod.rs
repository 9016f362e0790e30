//! Step 2 of the read commands: what `status`, `where` and `check` print, and the matrix of a
//! pull request description. [`Matrix`] is the status matrix, its rows borrowed from the
//! [`crate::fleet::Fleet`]; [`table`], [`json`] and [`markdown`] render it, [`where_`] renders a
//! name's [`crate::fleet::Lookup`], [`finding`] the findings of `check`. Rendering reads the
//! fleet and never changes it; colour is the caller's choice, passed in.
//!
//! Rendering runs on one thread. On the benchmark fleet (`gen_fleet`, 100 clusters, 3,000
//! apps) rendering on both cores, chunks written in order, measured within noise of this.

pub mod finding;
pub mod json;
pub mod markdown;
mod matrix;
pub mod table;
pub mod where_;

pub use matrix::{Filter, Matrix, Row};

/// Where a rendering's pieces go, in order. Large renderings (a large fleet's table and JSON are
/// megabytes) come in pieces of some tens of kilobytes.
pub type Sink<'a> = dyn FnMut(&[u8]) -> crate::error::Result<()> + 'a;

//! Everything fluxfleet knows about YAML text: one parse (`parse`) into one tree of nodes
//! that know where they are written (`Node`), which the fleet reader reads and every edit
//! splices; and the comment-preserving edits themselves, which change the text and never
//! re-serialise it.
//!
//! The parse takes a plain block file through a line parser (`plain`) and anything else, and
//! every error, through yaml-rust2's event parser; the tests hold the two equal. `values`
//! types a parsed text as yaml-rust2's loader would, for planners that compare meanings.
//!
//! [`Kustomization`] edits the reference lists of a kustomization file; [`set_scalar`] and
//! [`scalar_at`] change or read one scalar of any YAML file; [`check_generated`] checks a file
//! rendered from a template.

mod error;
mod generated;
mod kustomization;
mod lines;
mod list;
mod list_lines;
mod node;
mod parse;
mod plain;
mod quote;
mod scalar;
mod splice;
mod value;

pub use error::YamlError;
pub use generated::{check as check_generated, Expected};
pub use kustomization::{Entry, Kustomization, MapEntry};
pub(crate) use lines::Lines;
pub(crate) use list_lines::{remove_entries, Emptied};
pub(crate) use node::{Document, Kind, Node};
pub(crate) use parse::{decode, parse, Purpose};
pub(crate) use plain::{any_plain_entry, only_entries};
pub use quote::scalar as quote_scalar;
pub use scalar::{rename_key, scalar_at, set_scalar};
pub(crate) use splice::apply as apply_splices;
pub(crate) use value::values;

//! Minimal, comment-preserving edits of a user's YAML: parse with yaml-rust2's event parser to
//! learn structure and positions, then splice text. Never re-serialise.

mod error;

pub use error::YamlError;

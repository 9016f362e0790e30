//! Minimal, comment-preserving edits of a user's YAML: parse with yaml-rust2's event parser to
//! learn structure and positions, then splice text. Never re-serialise.
//!
//! [`Kustomization`] edits the reference lists of a kustomization file; [`set_scalar`] and
//! [`scalar_at`] change or read one scalar of any YAML file.

mod document;
mod error;
mod kustomization;
mod lines;
mod list;
mod quote;
mod scalar;
mod splice;

pub use error::YamlError;
pub use kustomization::{Entry, Kustomization};
pub use quote::scalar as quote_scalar;
pub use scalar::{scalar_at, set_scalar};

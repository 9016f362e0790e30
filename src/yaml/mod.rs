//! Minimal, comment-preserving edits of a user's YAML: parse with yaml-rust2's event parser to
//! learn structure and positions, then splice text. Never re-serialise.
//!
//! [`Kustomization`] edits the reference lists of a kustomization file; [`set_scalar`] and
//! [`scalar_at`] change or read one scalar of any YAML file; [`check_generated`] checks a file
//! rendered from a template.

mod document;
mod error;
mod generated;
mod kustomization;
mod lines;
mod list;
mod quote;
mod scalar;
mod splice;

pub use error::YamlError;
pub use generated::{check as check_generated, Expected};
pub use kustomization::{Entry, Kustomization};
pub use quote::scalar as quote_scalar;
pub use scalar::{scalar_at, set_scalar};

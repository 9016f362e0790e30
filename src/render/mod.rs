//! New files from tera templates embedded in the binary; a repository overrides any template
//! with a file of the same name under `.fluxfleet/templates/`.

pub mod blocks;
mod templates;

pub use templates::{Templates, EMBEDDED, OVERRIDE_DIR};

//! Other shared definitions a cluster opts into: controllers and policy stages.

use std::path::{Path, PathBuf};

use super::read::Reader;
use crate::error::Result;

/// The directory holding the controllers, one directory each.
pub const CONTROLLERS_DIR: &str = "infrastructure/controllers";

/// What a [`Definition`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefinitionKind {
    /// `infrastructure/controllers/<name>`.
    Controller,
    /// `infrastructure/policies/<engine>/<stage>`, named `<engine>/<stage>`.
    PolicyStage,
}

impl DefinitionKind {
    /// The noun messages use.
    pub fn noun(self) -> &'static str {
        match self {
            DefinitionKind::Controller => "controller",
            DefinitionKind::PolicyStage => "policy stage",
        }
    }
}

/// A shared directory clusters reference by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// Controller or policy stage.
    pub kind: DefinitionKind,
    /// `kyverno`, or `kyverno/test-only` for a policy stage.
    pub name: String,
    /// The repository-relative directory.
    pub dir: PathBuf,
}

/// Reads the controllers and policy stages.
pub(crate) fn read(reader: &Reader) -> Result<Vec<Definition>> {
    let mut out = Vec::new();
    let controllers = Path::new(CONTROLLERS_DIR);
    for name in reader.subdirs(controllers)? {
        out.push(Definition {
            kind: DefinitionKind::Controller,
            dir: controllers.join(&name),
            name,
        });
    }
    let policies = Path::new("infrastructure/policies");
    for engine in reader.subdirs(policies)? {
        for stage in reader.subdirs(&policies.join(&engine))? {
            out.push(Definition {
                kind: DefinitionKind::PolicyStage,
                dir: policies.join(&engine).join(&stage),
                name: format!("{engine}/{stage}"),
            });
        }
    }
    Ok(out)
}

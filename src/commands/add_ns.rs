//! `fluxfleet add-ns`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct AddNsArgs {
    /// Name of the namespace.
    pub name: Option<String>,
    /// Put it in this namespace set (common = every cluster) instead of its own directory.
    #[arg(long)]
    pub set: Option<String>,
    /// Clusters that import it: C,... or all.
    #[arg(long)]
    pub clusters: Option<String>,
    /// A label KEY=VALUE for the Namespace (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Domain of the generated platform labels.
    #[arg(long, default_value = "platform.example.com")]
    pub label_domain: String,
}

pub fn run(_args: AddNsArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("add-ns is not implemented yet"))
}

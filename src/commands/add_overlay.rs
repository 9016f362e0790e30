//! `fluxfleet add-overlay`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct AddOverlayArgs {
    /// The app.
    pub app: Option<String>,
    /// The cluster the overlay is for.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Replicas in that cluster.
    #[arg(long)]
    pub replicas: Option<u32>,
    /// Image in that cluster (through kustomize images:).
    #[arg(long)]
    pub image: Option<String>,
    /// An environment variable KEY=VALUE for the container (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
}

pub fn run(_args: AddOverlayArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("add-overlay is not implemented yet"))
}

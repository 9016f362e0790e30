//! `fluxfleet add-app`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct AddAppArgs {
    /// Name of the app (an RFC 1123 label).
    pub name: Option<String>,
    /// Namespace the app runs in.
    #[arg(long)]
    pub namespace: Option<String>,
    /// Container image, for example ghcr.io/stefanprodan/podinfo:6.9.0.
    #[arg(long)]
    pub image: Option<String>,
    /// Container port.
    #[arg(long)]
    pub port: Option<u16>,
    /// Replicas in the base.
    #[arg(long, default_value_t = 1)]
    pub replicas: u32,
    /// Clusters whose app list references the app: C,... or all.
    #[arg(long)]
    pub clusters: Option<String>,
    /// Make it a baseline app, listed in apps/common.
    #[arg(long, conflicts_with = "clusters")]
    pub common: bool,
    /// CPU request.
    #[arg(long, default_value = "50m")]
    pub cpu_request: String,
    /// Memory request.
    #[arg(long, default_value = "64Mi")]
    pub memory_request: String,
    /// Memory limit.
    #[arg(long, default_value = "128Mi")]
    pub memory_limit: String,
}

pub fn run(_args: AddAppArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("add-app is not implemented yet"))
}

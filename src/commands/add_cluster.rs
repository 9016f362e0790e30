//! `fluxfleet add-cluster`.

use clap::Args;

use crate::context::Context;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct AddClusterArgs {
    /// Name of the new cluster.
    pub name: Option<String>,
    /// Copy the app and infra lists of this cluster.
    #[arg(long, value_name = "CLUSTER")]
    pub like: Option<String>,
}

pub fn run(_args: AddClusterArgs, _ctx: &mut Context) -> Result<()> {
    Err(Error::refused("add-cluster is not implemented yet"))
}

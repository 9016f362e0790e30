//! `fluxfleet add-cluster`.

use clap::Args;

use super::context::Context;
use crate::error::Result;
use crate::names::{self, NameKind};
use crate::plan::add_cluster::{self, AddClusterOptions};

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet add-cluster staging --like test       # staging gets what test has
  fluxfleet add-cluster prod-eu")]
pub struct AddClusterArgs {
    /// Name of the new cluster.
    pub name: Option<String>,
    /// Copy the app and infra lists of this cluster.
    #[arg(long, value_name = "CLUSTER")]
    pub like: Option<String>,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: AddClusterArgs, ctx: &mut Context) -> Result<()> {
    names::check_given(NameKind::Cluster, args.name.as_deref())?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let name = ctx.checked_or_ask(args.name, "NAME", "Name of the new cluster", None, |name| {
        names::check(NameKind::Cluster, name)
    })?;
    let options = AddClusterOptions {
        name: name.clone(),
        like: args.like,
        home: super::init::home(&workspace.root),
    };
    let planned = add_cluster::wanted(&workspace.fleet, &workspace.templates, &options)?;
    let existing =
        crate::files::read_existing(&workspace.root, planned.wanted.iter().map(|w| &w.path))?;
    let change = add_cluster::plan(planned, &existing, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

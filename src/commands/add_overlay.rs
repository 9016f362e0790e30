//! `fluxfleet add-overlay`.

use clap::Args;

use super::context::Context;
use crate::error::Result;
use crate::fleet::Kind;
use crate::names::{self, NameKind};
use crate::plan::add_overlay::{self, AddOverlayOptions};
use crate::plan::values;

use crate::session::Workspace;

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
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: AddOverlayArgs, ctx: &mut Context) -> Result<()> {
    names::check_given(NameKind::App, args.app.as_deref())?;
    values::check_given_image(args.image.as_deref())?;
    args.replicas.map_or(Ok(()), values::replicas)?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let apps = workspace.fleet.names(Kind::App);
    let app = ctx.choice_or_ask(args.app, "APP", "App to make an overlay of", &apps)?;
    names::check(NameKind::App, &app)?;
    let cluster = ctx.choice_or_ask(
        args.cluster,
        "--cluster",
        &format!("Cluster the overlay of {app} is for"),
        &workspace.fleet.cluster_names(),
    )?;
    let env = values::env_pairs(&args.env)?;
    let options = AddOverlayOptions {
        app: app.clone(),
        cluster,
        replicas: args.replicas,
        image: args.image,
        env,
    };
    let change = add_overlay::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &app)
}

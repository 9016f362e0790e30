//! `fluxfleet add-overlay`: `add-overlay APP` for an app, `add-overlay ns NAME` for a
//! namespace. One word is always an app (an app may be named `ns`: `add-overlay ns --cluster C`
//! is its overlay); two words name the kind first (`app ns` says the same explicitly).

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::Kind;
use crate::names::{self, NameKind};
use crate::plan::add_overlay::{self, AddOverlayOptions};
use crate::plan::namespace_overlay::{self, NamespaceOverlayOptions};
use crate::plan::values;

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet add-overlay podinfo --cluster prod --replicas 3
  fluxfleet add-overlay podinfo --cluster prod --image ghcr.io/stefanprodan/podinfo:6.9.1
  fluxfleet add-overlay ns foo --cluster test \\
      --label platform.example.com/environment-scope=test-only")]
pub struct AddOverlayArgs {
    /// APP for an app's overlay, or `ns NAME` for a namespace's; one word is always an app
    /// (`app NAME` says so explicitly).
    #[arg(num_args = 0..=2, value_names = ["APP|ns", "NAME"], action = clap::ArgAction::Set)]
    pub target: Vec<String>,
    /// The cluster the overlay is for.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Replicas in that cluster (apps).
    #[arg(long)]
    pub replicas: Option<u32>,
    /// Image in that cluster, through kustomize images: (apps).
    #[arg(long)]
    pub image: Option<String>,
    /// An environment variable KEY=VALUE for the container, repeatable (apps).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// A label KEY=VALUE of the Namespace in that cluster, repeatable (namespaces).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// An annotation KEY=VALUE of the Namespace in that cluster, repeatable (namespaces).
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: AddOverlayArgs, ctx: &mut Context) -> Result<()> {
    let (kind, name) = match args.target.as_slice() {
        [] => (Kind::App, None),
        [app] => (Kind::App, Some(app.clone())),
        [kind, name] => (names::parse_kind(kind)?, Some(name.clone())),
        _ => return Err(Error::Usage("expected APP, or ns NAME".into())),
    };
    match kind {
        Kind::App => app(args, name, ctx),
        Kind::Namespace => namespace(args, name, ctx),
        Kind::Controller | Kind::Policy => Err(Error::Usage(format!(
            "add-overlay makes overlays of apps and namespaces, not of a {}: expected APP, or \
             ns NAME",
            kind.noun()
        ))),
    }
}

fn app(args: AddOverlayArgs, name: Option<String>, ctx: &mut Context) -> Result<()> {
    if !args.labels.is_empty() || !args.annotations.is_empty() {
        return Err(Error::Usage(
            "--label and --annotation apply to a namespace's overlay: `fluxfleet add-overlay ns \
             NAME --cluster C --label KEY=VALUE`"
                .into(),
        ));
    }
    names::check_given(NameKind::App, name.as_deref())?;
    values::check_given_image(args.image.as_deref())?;
    args.replicas.map_or(Ok(()), values::replicas)?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let apps = workspace.fleet.names(Kind::App);
    let app = ctx.choice_or_ask(name, "APP", "App to make an overlay of", &apps)?;
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

fn namespace(args: AddOverlayArgs, name: Option<String>, ctx: &mut Context) -> Result<()> {
    if args.replicas.is_some() || args.image.is_some() || !args.env.is_empty() {
        return Err(Error::Usage(
            "--replicas, --image and --env apply to an app's overlay; a namespace's overlay \
             sets --label and --annotation"
                .into(),
        ));
    }
    names::check_given(NameKind::Namespace, name.as_deref())?;
    let labels = key_values("--label", &args.labels)?;
    let annotations = key_values("--annotation", &args.annotations)?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let known = workspace.fleet.names(Kind::Namespace);
    let namespace = ctx.choice_or_ask(name, "NAME", "Namespace to make an overlay of", &known)?;
    names::check(NameKind::Namespace, &namespace)?;
    let cluster = ctx.choice_or_ask(
        args.cluster,
        "--cluster",
        &format!("Cluster the overlay of namespace {namespace} is for"),
        &workspace.fleet.cluster_names(),
    )?;
    let options = NamespaceOverlayOptions {
        namespace: namespace.clone(),
        cluster,
        labels,
        annotations,
    };
    let change = namespace_overlay::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &namespace)
}

fn key_values(flag: &str, given: &[String]) -> Result<Vec<(String, String)>> {
    given.iter().map(|g| values::key_value(flag, g)).collect()
}

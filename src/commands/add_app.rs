//! `fluxfleet add-app`.

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::Kind;
use crate::names::{self, NameKind};
use crate::plan::add_app::{self, AddAppOptions};
use crate::plan::values;

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet add-app podinfo --namespace podinfo --image ghcr.io/stefanprodan/podinfo:6.9.0 \\
      --port 9898 --clusters dev,test,prod
  fluxfleet add-app foo-app --namespace foo --image nginx:1.27 --port 80 --clusters test")]
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
    /// Name of the container (default: the image's last path segment, e.g. nginx).
    #[arg(long)]
    pub container: Option<String>,
    /// Port of the Service, which targets the container port.
    #[arg(long, default_value_t = 80)]
    pub service_port: u16,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: AddAppArgs, ctx: &mut Context) -> Result<()> {
    names::check_given(NameKind::App, args.name.as_deref())?;
    values::check_given_image(args.image.as_deref())?;
    values::replicas(args.replicas)?;
    ctx.require(
        "add-app NAME --namespace NS --image IMAGE --port PORT --clusters C,...|all (or --common)",
        &[
            ("NAME", args.name.is_some()),
            ("--namespace", args.namespace.is_some()),
            ("--image", args.image.is_some()),
            ("--port", args.port.is_some()),
            ("--clusters", args.clusters.is_some() || args.common),
        ],
    )?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let name = ctx.checked_or_ask(args.name, "NAME", "Name of the app", None, |name| {
        names::check(NameKind::App, name)
    })?;
    let namespaces = workspace.fleet.names(Kind::Namespace);
    if namespaces.is_empty() && args.namespace.is_none() && ctx.prompter.interactive() {
        return Err(Error::Usage(format!(
            "missing --namespace: the fleet has no namespace for {name} to run in yet; add one \
             first (`fluxfleet add-ns NAME --clusters C,...|all`), or pass --namespace NS"
        )));
    }
    let namespace = ctx.choice_or_ask(
        args.namespace,
        "--namespace",
        &format!("Namespace {name} runs in"),
        &namespaces,
    )?;
    let image = ctx.checked_or_ask(
        args.image,
        "--image",
        "Container image (e.g. ghcr.io/stefanprodan/podinfo:6.9.0)",
        None,
        values::image,
    )?;
    let port = ctx.checked_or_ask(
        args.port.map(|p| p.to_string()),
        "--port",
        "Container port",
        None,
        |port| match parse_port(port)? {
            0 => Err(Error::Usage(
                "--port 0: give the container's port, 1 to 65535".into(),
            )),
            _ => Ok(()),
        },
    )?;
    let port = parse_port(&port)?;
    let clusters = if args.common {
        Vec::new()
    } else {
        let known = workspace.fleet.cluster_names();
        let spec = ctx.list_or_ask(
            args.clusters,
            "--clusters",
            &format!("Clusters that run {name}"),
            &known,
        )?;
        names::clusters(&spec, &known, "--clusters")?
    };
    let options = AddAppOptions {
        name: name.clone(),
        namespace,
        image,
        port,
        service_port: args.service_port,
        replicas: args.replicas,
        clusters,
        common: args.common,
        container: args.container,
        cpu_request: args.cpu_request,
        memory_request: args.memory_request,
        memory_limit: args.memory_limit,
    };
    let change = add_app::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

/// A container port, as a number; the planner refuses 0 (an answer of 0 is asked again).
fn parse_port(port: &str) -> Result<u16> {
    port.trim().parse().map_err(|_| {
        Error::Usage(format!(
            "--port {port:?}: expected a port number, 1 to 65535"
        ))
    })
}

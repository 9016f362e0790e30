//! `fluxfleet add-controller`.

use clap::Args;

use super::context::Context;
use crate::error::Result;
use crate::names::{self, NameKind};
use crate::plan::add_controller::{self, AddControllerOptions};
use crate::plan::helm;

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet add-controller cert-manager --chart cert-manager \\
      --repo-url https://charts.jetstack.io --version v1.16.2 --clusters all
  fluxfleet add-controller kyverno --chart kyverno --repo-url https://kyverno.github.io/kyverno/ \\
      --version 3.3.4 --clusters dev,test,prod")]
pub struct AddControllerArgs {
    /// Name of the controller (an RFC 1123 label).
    pub name: Option<String>,
    /// The Helm chart's name in its repository, for example kyverno.
    #[arg(long)]
    pub chart: Option<String>,
    /// The chart repository: https://... for a Helm repository, oci://... for an OCI registry.
    #[arg(long)]
    pub repo_url: Option<String>,
    /// The chart version, for example 3.2.6 (or a semver range such as 3.x).
    #[arg(long)]
    pub version: Option<String>,
    /// The namespace the controller installs into (default: its name).
    #[arg(long)]
    pub namespace: Option<String>,
    /// Clusters whose infra list references the controller: C,... or all.
    #[arg(long)]
    pub clusters: Option<String>,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: AddControllerArgs, ctx: &mut Context) -> Result<()> {
    names::check_given(NameKind::Controller, args.name.as_deref())?;
    args.namespace
        .as_deref()
        .map_or(Ok(()), add_controller::check_namespace)?;
    args.chart.as_deref().map_or(Ok(()), helm::chart)?;
    args.repo_url
        .as_deref()
        .map_or(Ok(()), |u| helm::repo_url(u).map(drop))?;
    args.version.as_deref().map_or(Ok(()), helm::version)?;
    ctx.require(
        "add-controller NAME --chart CHART --repo-url URL --version VERSION --clusters \
         C,...|all",
        &[
            ("NAME", args.name.is_some()),
            ("--chart", args.chart.is_some()),
            ("--repo-url", args.repo_url.is_some()),
            ("--version", args.version.is_some()),
            ("--clusters", args.clusters.is_some()),
        ],
    )?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let name = ctx.checked_or_ask(args.name, "NAME", "Name of the controller", None, |name| {
        names::check(NameKind::Controller, name)
    })?;
    let chart = ctx.checked_or_ask(
        args.chart,
        "--chart",
        "Helm chart name (e.g. kyverno)",
        Some(&name),
        helm::chart,
    )?;
    let repo_url = ctx.checked_or_ask(
        args.repo_url,
        "--repo-url",
        "Chart repository URL (https://... or oci://...)",
        None,
        |url| helm::repo_url(url).map(drop),
    )?;
    let version = ctx.checked_or_ask(
        args.version,
        "--version",
        "Chart version (e.g. 3.2.6)",
        None,
        helm::version,
    )?;
    let known = workspace.fleet.cluster_names();
    let spec = ctx.list_or_ask(
        args.clusters,
        "--clusters",
        &format!("Clusters that run controller {name}"),
        &known,
    )?;
    let options = AddControllerOptions {
        name: name.clone(),
        chart,
        repo_url,
        version,
        namespace: args.namespace,
        clusters: names::clusters(&spec, &known, "--clusters")?,
    };
    let change = add_controller::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

//! `fluxfleet add-ns`.

use clap::Args;

use super::context::Context;
use crate::error::{Error, Result};
use crate::fleet::COMMON_SET;
use crate::names::{self, NameKind};
use crate::plan::add_ns::{self, AddNsOptions};
use crate::plan::values;

use crate::session::Workspace;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet add-ns foo --set test-only --clusters test
  fluxfleet add-ns monitoring --set common       # every cluster
  fluxfleet add-ns team-x --clusters dev,prod    # its own directory")]
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
    #[arg(long, default_value = add_ns::LABEL_DOMAIN)]
    pub label_domain: String,
    /// Let clusters that do not import SET yet import it, receiving the namespaces it already
    /// holds too (asked on a terminal; refused without this flag otherwise).
    #[arg(long)]
    pub import_set: bool,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: AddNsArgs, ctx: &mut Context) -> Result<()> {
    names::check_given(NameKind::Namespace, args.name.as_deref())?;
    names::check_given(NameKind::Set, args.set.as_deref())?;
    let workspace = Workspace::open(&mut ctx.session)?;
    let name = ctx.checked_or_ask(args.name, "NAME", "Name of the namespace", None, |name| {
        names::check(NameKind::Namespace, name)
    })?;
    let labels = args
        .labels
        .iter()
        .map(|l| values::key_value("--label", l))
        .collect::<Result<Vec<_>>>()?;
    let clusters = if args.set.as_deref() == Some(COMMON_SET) {
        if args.clusters.is_some() {
            return Err(Error::Usage(format!(
                "--clusters does not apply to the common set: every cluster imports \
                 infrastructure/namespaces/common; to put {name} in some clusters only, leave \
                 out --set or name another set (--set test-only)"
            )));
        }
        Vec::new()
    } else {
        let known = workspace.fleet.cluster_names();
        let spec = ctx.list_or_ask(
            args.clusters,
            "--clusters",
            &format!("Clusters that import namespace {name}"),
            &known,
        )?;
        names::clusters(&spec, &known, "--clusters")?
    };
    let import_set = match add_ns::set_newcomers(&workspace.fleet, args.set.as_deref(), &clusters) {
        Some(import) => {
            let prompt = format!(
                "Set {} also holds {}: import it into {}, which then receive {} too?",
                import.set,
                import.others.join(", "),
                import.newcomers.join(", "),
                match import.others.len() {
                    1 => "it",
                    _ => "them",
                }
            );
            if !ctx.confirm(args.import_set, &prompt)? {
                return Err(import.refusal(&name));
            }
            true
        }
        None => args.import_set,
    };
    let options = AddNsOptions {
        name: name.clone(),
        set: args.set,
        clusters,
        labels,
        label_domain: args.label_domain,
        import_set,
    };
    let change = add_ns::plan(&workspace.fleet, &workspace.templates, &options)?;
    workspace.finish(&mut ctx.session, &change, &name)
}

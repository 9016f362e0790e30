//! `add-controller`: a controller in the seed's shape (`infrastructure/controllers/NAME/
//! {helmrepository,helmrelease,kustomization}.yaml`), referenced from each named cluster's
//! infrastructure list, with the namespace it installs into brought to those clusters.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::fleet::{Fleet, BUILTIN_NAMESPACES, CONTROLLERS_DIR};
use crate::names::{self, NameKind};
use crate::paths::to_slash;
use crate::plan::add_ns::{self, AddNsOptions};
use crate::plan::helm::{self, RepoKind};
use crate::plan::lists::{infra_list, ListEdits};
use crate::plan::{branch_name, promote, reach, taken, ChangeSet};
use crate::render::Templates;
use crate::yaml::quote_scalar;

/// What `add-controller` was asked for.
#[derive(Debug, Clone)]
pub struct AddControllerOptions {
    pub name: String,
    /// The chart's name in its repository.
    pub chart: String,
    /// The Helm repository or OCI registry serving the chart.
    pub repo_url: String,
    /// The chart version or semver range.
    pub version: String,
    /// The namespace the HelmRelease installs into; `None` for the controller's name.
    pub namespace: Option<String>,
    /// The clusters that run it, known to the fleet.
    pub clusters: Vec<String>,
}

/// `infrastructure/controllers/NAME`.
pub fn controller_dir(name: &str) -> PathBuf {
    Path::new(CONTROLLERS_DIR).join(name)
}

/// Plans the new controller.
pub fn plan(
    fleet: &Fleet,
    templates: &Templates,
    options: &AddControllerOptions,
) -> Result<ChangeSet> {
    let name = &options.name;
    names::check(NameKind::Controller, name)?;
    taken::controller(fleet, name)?;
    helm::chart(&options.chart)?;
    let repo = helm::repo_url(&options.repo_url)?;
    helm::version(&options.version)?;
    let namespace = options.namespace.as_deref().unwrap_or(name);
    check_namespace(namespace)?;
    let clusters = &options.clusters;
    let dir = controller_dir(name);

    let mut change = ChangeSet::new(
        format!("add controller {name} to {}", clusters.join(", ")),
        branch_name(&format!("add-controller {name}")),
    );
    change.body = format!(
        "Controller {name} (chart {} {} from {}) is defined once in {}, installs into \
         namespace {namespace}, and is referenced from the infra lists of {}.",
        options.chart,
        options.version,
        options.repo_url,
        to_slash(&dir),
        clusters.join(", ")
    );

    let mut context = tera::Context::new();
    context.insert("name", name);
    context.insert("chart", &quote_scalar(&options.chart));
    context.insert("url", &quote_scalar(&options.repo_url));
    context.insert("oci", &(repo == RepoKind::Oci));
    context.insert("version", &quote_scalar(&options.version));
    context.insert("namespace", namespace);
    for file in [
        "helmrepository.yaml",
        "helmrelease.yaml",
        "kustomization.yaml",
    ] {
        change.create(
            dir.join(file),
            templates.render(&format!("controller/{file}"), &context)?,
        )?;
    }

    let mut lists = ListEdits::new();
    for cluster in clusters {
        lists.add(fleet, &infra_list(fleet, cluster)?, &dir)?;
    }
    bring_namespace(
        fleet,
        templates,
        namespace,
        clusters,
        &mut change,
        &mut lists,
        true,
    )?;
    lists.finish(&mut change)?;
    Ok(change)
}

/// Checks the namespace the controller installs into: a namespace name, or one Kubernetes or
/// Flux provides (`flux-system`, which a namespace definition may not be named).
pub fn check_namespace(namespace: &str) -> Result<()> {
    match BUILTIN_NAMESPACES.contains(&namespace) {
        true => Ok(()),
        false => names::check(NameKind::Namespace, namespace),
    }
}

/// Makes `namespace` reach every one of `clusters`, saying how: a namespace Kubernetes or Flux
/// provides is there already; one the fleet defines is promoted where it is missing (as
/// `promote ns` does); one the fleet does not define gets its own directory (as `add-ns`
/// does). A controller whose namespace is missing fails to install. With `say_present`, a
/// namespace that reaches them all already is named too.
pub(crate) fn bring_namespace(
    fleet: &Fleet,
    templates: &Templates,
    namespace: &str,
    clusters: &[String],
    change: &mut ChangeSet,
    lists: &mut ListEdits,
    say_present: bool,
) -> Result<()> {
    if BUILTIN_NAMESPACES.contains(&namespace) {
        return Ok(());
    }
    let missing = reach::namespace_missing(fleet, namespace, clusters)?;
    if missing.is_empty() {
        if let Some(existing) = fleet.namespace(namespace).filter(|_| say_present) {
            change.notes.push(format!(
                "Namespace {namespace} reaches {} already ({}, set {}).",
                clusters.join(", "),
                to_slash(&existing.file),
                existing.set
            ));
        }
        return Ok(());
    }
    match fleet.namespace(namespace) {
        Some(existing) => {
            let brought = promote::promote_namespace(
                fleet, templates, existing, &missing, None, change, lists,
            )?;
            if !brought.is_empty() {
                change.notes.push(format!(
                    "Namespace {namespace} promoted with it to {}.",
                    brought.join(", ")
                ));
            }
        }
        None => {
            let options = AddNsOptions {
                name: namespace.to_string(),
                set: None,
                clusters: missing.clone(),
                labels: Vec::new(),
                label_domain: add_ns::LABEL_DOMAIN.to_string(),
                import_set: false,
            };
            add_ns::plan_into(fleet, templates, &options, change, lists)?;
            change.notes.push(format!(
                "Namespace {namespace} added with it in its own directory, \
                 infrastructure/namespaces/{namespace}, imported by {}.",
                missing.join(", ")
            ));
        }
    }
    Ok(())
}

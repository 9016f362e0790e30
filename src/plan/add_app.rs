//! `add-app`: an app base in the seed's shape (`apps/NAME/base/{deployment,service,
//! kustomization}.yaml`), referenced from each named cluster's app list, or from `apps/common`
//! for a baseline app.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fleet::{Fleet, Kind, COMMON_APPS};
use crate::names::{self, NameKind};
use crate::paths::to_slash;
use crate::plan::lists::apps_list;
use crate::plan::lists::ListEdits;
use crate::plan::make_common::BASELINE_WARNING;
use crate::plan::values::{self, Image};
use crate::plan::{branch_name, reach, taken, ChangeSet};
use crate::render::Templates;
use crate::yaml::quote_scalar;

/// What `add-app` was asked for.
#[derive(Debug, Clone)]
pub struct AddAppOptions {
    pub name: String,
    pub namespace: String,
    pub image: String,
    /// The container port, which the Service targets.
    pub port: u16,
    /// The Service's own port (the seed uses 80).
    pub service_port: u16,
    pub replicas: u32,
    /// The clusters that run it, known to the fleet; empty with `common`.
    pub clusters: Vec<String>,
    /// A baseline app, listed in `apps/common`.
    pub common: bool,
    /// The container's name; by default the image's last path segment (`nginx` for
    /// `nginx:1.27`), as the seed names foo-app's container.
    pub container: Option<String>,
    pub cpu_request: String,
    pub memory_request: String,
    pub memory_limit: String,
}

/// `apps/NAME/base`.
pub fn base_dir(name: &str) -> PathBuf {
    Path::new("apps").join(name).join("base")
}

/// Plans the new app.
pub fn plan(fleet: &Fleet, templates: &Templates, options: &AddAppOptions) -> Result<ChangeSet> {
    let name = &options.name;
    names::check(NameKind::App, name)?;
    taken::app(fleet, name)?;
    names::check(NameKind::Namespace, &options.namespace)?;
    values::image(&options.image)?;
    if options.port == 0 {
        return Err(Error::Usage(
            "--port 0: give the container's port, 1 to 65535".into(),
        ));
    }
    if options.service_port == 0 {
        return Err(Error::Usage(
            "--service-port 0: give a port, 1 to 65535".into(),
        ));
    }
    if options.replicas == 0 {
        return Err(Error::Usage(format!(
            "--replicas 0: absence is absence; to keep {name} out of a cluster, do not list it \
             there (leave the cluster out of --clusters)"
        )));
    }
    values::replicas(options.replicas)?;
    values::quantity("--cpu-request", &options.cpu_request)?;
    values::quantity("--memory-request", &options.memory_request)?;
    values::quantity("--memory-limit", &options.memory_limit)?;
    let container = match &options.container {
        Some(container) => {
            names::check(NameKind::App, container)
                .map_err(|e| Error::refused(format!("--container: {e}")))?;
            container.clone()
        }
        None => default_container(name, &options.image),
    };

    let (targets, list_note) = if options.common {
        let importers = fleet.common_importers(Kind::App);
        (importers, "apps/common".to_string())
    } else {
        (options.clusters.clone(), options.clusters.join(", "))
    };

    let summary = if options.common {
        format!("add baseline app {name} to apps/common")
    } else {
        format!("add app {name} to {list_note}")
    };
    let mut change = ChangeSet::new(&summary, branch_name(&format!("add-app {name}")));
    change.body = format!(
        "App {name} ({}) is defined once in apps/{name}/base and referenced from {}.",
        options.image,
        if options.common {
            "apps/common, which every cluster imports".to_string()
        } else {
            format!("the app lists of {list_note}")
        }
    );

    let base = base_dir(name);
    let mut context = tera::Context::new();
    context.insert("app", name);
    context.insert("namespace", &options.namespace);
    context.insert("replicas", &options.replicas);
    context.insert("container", &container);
    context.insert("image", &quote_scalar(&options.image));
    context.insert("port", &options.port);
    context.insert("service_port", &options.service_port);
    context.insert("cpu_request", &quote_scalar(&options.cpu_request));
    context.insert("memory_request", &quote_scalar(&options.memory_request));
    context.insert("memory_limit", &quote_scalar(&options.memory_limit));
    for file in ["deployment.yaml", "service.yaml", "kustomization.yaml"] {
        change.create(
            base.join(file),
            templates.render(&format!("app/{file}"), &context)?,
        )?;
    }

    let mut lists = ListEdits::new();
    if options.common {
        let common = Path::new(COMMON_APPS).join("kustomization.yaml");
        if fleet.text(&common)?.is_none() {
            return Err(Error::refused(format!(
                "{} does not exist: a baseline app is listed there; run `fluxfleet init` to \
                 write the layout",
                to_slash(&common)
            )));
        }
        lists.add(fleet, &common, &base)?;
        change.warnings.push(BASELINE_WARNING.to_string());
    } else {
        for cluster in &targets {
            lists.add(fleet, &apps_list(fleet, cluster)?, &base)?;
        }
    }
    lists.finish(&mut change)?;
    namespace_warnings(fleet, name, &options.namespace, &targets, &mut change)?;
    Ok(change)
}

/// The container name the seed would write: the image's last path segment when that is a valid
/// name (`podinfo`, `nginx`), else the app's name.
fn default_container(app: &str, image: &str) -> String {
    let image = Image::parse(image);
    let short = image.short_name();
    if names::check(NameKind::App, short).is_ok() {
        short.to_string()
    } else {
        app.to_string()
    }
}

/// Says which of `targets` the app's namespace does not reach, and the command that fixes it.
fn namespace_warnings(
    fleet: &Fleet,
    app: &str,
    namespace: &str,
    targets: &[String],
    change: &mut ChangeSet,
) -> Result<()> {
    let missing = reach::namespace_missing(fleet, namespace, targets)?;
    if !missing.is_empty() {
        change
            .warnings
            .push(reach::namespace_warning(fleet, app, namespace, &missing));
    }
    Ok(())
}

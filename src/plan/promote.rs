//! `promote`: reference an app, a namespace or a controller from more clusters, as the seed's
//! "Promotion Workflow" does it: one line in each target cluster's list.

use crate::error::{Error, Result};
use crate::fleet::{App, ByCluster, Definition, Fleet, Layout, Namespace};

use crate::paths::to_slash;
use crate::plan::add_controller;
use crate::plan::add_overlay::{self, AddOverlayOptions};
use crate::plan::lists::{apps_list, infra_list, ListEdits};
use crate::plan::promote_discovered::{by_flux_paths, promote_discovered};
use crate::plan::relocate::{self, Destination};
use crate::plan::subject::{self, Kind};
use crate::plan::{branch_for, reach, ChangeSet};
use crate::render::Templates;

/// What `promote` was asked for.
#[derive(Debug, Clone)]
pub struct PromoteOptions {
    /// What the name is in the fleet ([`subject::resolve`]).
    pub kind: Kind,
    pub name: String,
    /// The clusters to reference it from, known to the fleet.
    pub to: Vec<String>,
    /// Refuse, rather than bring the app's namespace along where it is missing.
    pub no_namespace: bool,
    /// Generate (or update) an overlay for each target with these values, and reference it.
    pub overlay: Option<OverlayValues>,
    /// Move a namespace into this named set rather than its own directory.
    pub set: Option<String>,
}

/// What `promote --overlay` puts in each target's overlay.
#[derive(Debug, Clone, Default)]
pub struct OverlayValues {
    pub replicas: Option<u32>,
    pub image: Option<String>,
    pub env: Vec<(String, String)>,
}

/// Plans the promotion.
pub fn plan(fleet: &Fleet, templates: &Templates, options: &PromoteOptions) -> Result<ChangeSet> {
    let kind = options.kind;
    let targets = &options.to;
    let mut change = ChangeSet::default();
    let mut lists = ListEdits::new();
    let promoted = match kind {
        _ if fleet.layout() == Layout::Discovered
            || by_flux_paths(fleet, kind, &options.name, targets) =>
        {
            if options.overlay.is_some() || options.set.is_some() {
                return Err(Error::Usage(format!(
                    "--overlay and --set shape the article's layout (apps/<app>/overlays, \
                     namespace sets); in this repository {} comes into clusters otherwise: \
                     promote it without them",
                    options.name
                )));
            }
            promote_discovered(fleet, kind, &options.name, targets, &mut change, &mut lists)?
        }
        Kind::App => {
            if options.set.is_some() {
                return Err(Error::Usage("--set applies to namespaces only".into()));
            }
            let app = fleet
                .app(&options.name)
                .ok_or_else(|| subject::unknown_app(fleet, &options.name))?;
            promote_app(
                fleet,
                templates,
                app,
                targets,
                options,
                &mut change,
                &mut lists,
            )?
        }
        Kind::Namespace => {
            if options.overlay.is_some() {
                return Err(Error::Usage(
                    "--overlay applies to apps only: namespaces are promoted as they are".into(),
                ));
            }
            let namespace = fleet
                .namespace(&options.name)
                .ok_or_else(|| subject::unknown_namespace(fleet, &options.name))?;
            let set = options.set.as_deref();
            promote_namespace(
                fleet,
                templates,
                namespace,
                targets,
                set,
                &mut change,
                &mut lists,
            )?
        }
        Kind::Controller => {
            if options.set.is_some() {
                return Err(Error::Usage("--set applies to namespaces only".into()));
            }
            if options.overlay.is_some() {
                return Err(Error::Usage(
                    "--overlay applies to apps only: controllers are promoted as they are".into(),
                ));
            }
            let controller = fleet
                .controller(&options.name)
                .ok_or_else(|| subject::unknown_controller(fleet, &options.name))?;
            promote_controller(
                fleet,
                templates,
                controller,
                targets,
                &mut change,
                &mut lists,
            )?
        }
        Kind::Policy => {
            return Err(Error::Usage(
                "a policy is promoted to a stage: `fluxfleet promote policy NAME --to STAGE`"
                    .into(),
            ))
        }
    };
    lists.finish(&mut change)?;
    let to = if promoted.is_empty() {
        targets
    } else {
        &promoted
    };
    change.summary = format!("promote {} to {}", options.name, to.join(", "));
    let every = fleet.cluster_names();
    change.branch = branch_for("promote", kind.word(), &options.name, "to", to, &every);
    Ok(change)
}

/// Adds the app to each target's app list: its overlay for that cluster where one exists, else
/// its base. Returns the clusters it was added to.
fn promote_app(
    fleet: &Fleet,
    templates: &Templates,
    app: &App,
    targets: &[String],
    options: &PromoteOptions,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<Vec<String>> {
    let layout = fleet.app_layout(app)?;
    let base = layout.base.clone().ok_or_else(|| {
        Error::refused(format!(
            "{} has no base/kustomization.yaml to reference: add it first",
            to_slash(&app.dir)
        ))
    })?;
    let placements = fleet.app_placements(&app.name);
    let mut promoted = Vec::new();
    for cluster_name in targets {
        let here = placements.get(cluster_name).and_then(|p| p.first());
        if let (Some(values), Some(_)) = (&options.overlay, here) {
            // Already there: `--overlay` still means "with these values", so the cluster's
            // overlay is made or updated, and its list switches from the base to it.
            overlay_into(fleet, templates, app, cluster_name, values, change, lists)?;
            promoted.push(cluster_name.clone());
            continue;
        }
        if let Some(p) = here {
            change.notes.push(format!(
                "{cluster_name} already has {} through {} ({}:{}): skipped",
                app.name,
                p.via,
                to_slash(&p.file),
                p.line
            ));
            continue;
        }
        let list = apps_list(fleet, cluster_name)?;
        let target = match &options.overlay {
            Some(values) => {
                overlay_into(fleet, templates, app, cluster_name, values, change, lists)?
            }
            None if layout.overlays.contains(cluster_name) => app.overlay_dir(cluster_name),
            None => base.clone(),
        };
        lists.add(fleet, &list, &target)?;
        promoted.push(cluster_name.clone());
    }
    bring_namespace(
        fleet,
        templates,
        app,
        &promoted,
        options.no_namespace,
        change,
        lists,
    )?;
    Ok(promoted)
}

/// Makes the namespace `app` deploys into reach `clusters` as `promote ns` would, saying so, so
/// that no cluster runs an app whose namespace it lacks; with `refuse`, refuses instead.
pub fn bring_namespace(
    fleet: &Fleet,
    templates: &Templates,
    app: &App,
    clusters: &[String],
    refuse: bool,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<()> {
    let Some(ns) = &fleet.app_manifests(app)?.namespace else {
        return Ok(());
    };
    let missing = reach::namespace_missing(fleet, ns, clusters)?;
    if missing.is_empty() {
        return Ok(());
    }
    let name = &app.name;
    match fleet.namespace(ns) {
        Some(_) if refuse => Err(Error::refused(format!(
            "{name} deploys into namespace {ns}, which does not reach {0}: run `fluxfleet \
             promote ns {ns} --to {1}` first, or leave out --no-namespace to bring it along",
            missing.join(", "),
            missing.join(",")
        ))),
        Some(namespace) => {
            let from = match namespace.base.is_some() || namespace.own_dir {
                true => format!("its own directory {}", to_slash(&namespace.set_dir)),
                false => format!("set {}", namespace.set),
            };
            change.notes.push(format!(
                "Bringing namespace {ns} to {} ({name} deploys into it; it is in {from}); pass \
                 --no-namespace to refuse instead.",
                missing.join(", ")
            ));
            promote_namespace(fleet, templates, namespace, &missing, None, change, lists)?;
            Ok(())
        }
        None if refuse => Err(Error::refused(reach::namespace_warning(
            fleet, name, ns, &missing,
        ))),
        None => {
            change
                .warnings
                .push(reach::namespace_warning(fleet, name, ns, &missing));
            Ok(())
        }
    }
}

/// Plans the overlay of `app` for `cluster` with `values`, as `add-overlay` does; returns its
/// directory.
fn overlay_into(
    fleet: &Fleet,
    templates: &Templates,
    app: &App,
    cluster: &str,
    values: &OverlayValues,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<std::path::PathBuf> {
    let overlay = AddOverlayOptions {
        app: app.name.clone(),
        cluster: cluster.to_string(),
        replicas: values.replicas,
        image: values.image.clone(),
        env: values.env.clone(),
    };
    // add-overlay's hint to promote the app is what this command is doing.
    let notes = change.notes.len();
    let planned = add_overlay::plan_into(fleet, templates, &overlay, change, lists)?;
    change.notes.truncate(notes);
    Ok(planned.dir)
}

/// Makes the namespace reach each target. A namespace in its own directory is imported; one in
/// a named set that also serves other clusters' needs moves to its own directory (or `set`), so
/// that no cluster receives namespaces it did not ask for. Returns the clusters it now reaches
/// that it did not before.
pub(crate) fn promote_namespace(
    fleet: &Fleet,
    templates: &Templates,
    namespace: &Namespace,
    targets: &[String],
    set: Option<&str>,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<Vec<String>> {
    let name = &namespace.name;
    if set == Some("common") {
        return Err(Error::refused(format!(
            "to put namespace {name} in the common set, run `fluxfleet make-common ns {name}`"
        )));
    }
    let placements = fleet.namespace_placements(name);
    let what = format!("namespace {name}");
    let missing = not_there(&placements, targets, &what, change);
    if missing.is_empty() {
        return Ok(missing);
    }
    if namespace.set == "common" {
        for cluster_name in &missing {
            change.warnings.push(format!(
                "namespace {name} is in the common set, but {cluster_name} does not import \
                 infrastructure/namespaces/common: add `- ../../../infrastructure/namespaces/common` \
                 to clusters/{cluster_name}/infra/kustomization.yaml"
            ));
        }
        return Ok(Vec::new());
    }
    if namespace.base.is_some() {
        // Laid out as base and overlays: each cluster imports its overlay, or else the base.
        if set.is_some() {
            return Err(Error::refused(format!(
                "namespace {name} has per-cluster overlays in {}: it stays in its own directory, \
                 so --set does not apply",
                to_slash(&namespace.set_dir)
            )));
        }
        for cluster_name in &missing {
            let import = namespace.import_dir(cluster_name);
            lists.add(fleet, &infra_list(fleet, cluster_name)?, &import)?;
        }
        return Ok(missing);
    }
    let holders = relocate::holders(&placements);
    let destination = match (set, namespace.own_dir) {
        (Some(set), _) if set == namespace.set => None,
        (Some(set), _) => Some(Destination::Set(set.to_string())),
        (None, true) => None,
        (None, false) => Some(Destination::OwnDir),
    };
    let import_dir = match destination {
        None => namespace.set_dir.clone(),
        Some(destination) => {
            if destination == Destination::OwnDir {
                let verb = if missing.len() == 1 {
                    "receives"
                } else {
                    "receive"
                };
                change.notes.push(format!(
                    "Namespace {name} moved out of set {} into its own directory, so {} \
                     {verb} only {name}.",
                    namespace.set,
                    missing.join(", ")
                ));
            }
            let planned = relocate::Move {
                namespace,
                destination,
                reimport: true,
                importers: holders.clone(),
            };
            relocate::relocate(fleet, templates, &planned, change, lists)?.new_dir
        }
    };
    if let Some(set) = set {
        let importers: Vec<&String> = missing.iter().chain(&holders).collect();
        warn_set_brings_others(fleet, set, name, &importers, change);
    }
    for cluster_name in &missing {
        lists.add(fleet, &infra_list(fleet, cluster_name)?, &import_dir)?;
    }
    Ok(missing)
}

/// Adds the controller's directory to each target's infrastructure list, and brings the
/// namespace it installs into where it is missing (a controller without it fails to install).
/// Returns the clusters it was added to.
fn promote_controller(
    fleet: &Fleet,
    templates: &Templates,
    controller: &Definition,
    targets: &[String],
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<Vec<String>> {
    let placements = fleet.controller_placements(&controller.name);
    let what = format!("controller {}", controller.name);
    let missing = not_there(&placements, targets, &what, change);
    for cluster_name in &missing {
        lists.add(fleet, &infra_list(fleet, cluster_name)?, &controller.dir)?;
    }
    if let Some(namespace) = fleet.controller_namespace(controller)? {
        add_controller::bring_namespace(
            fleet, templates, &namespace, &missing, change, lists, false,
        )?;
    }
    Ok(missing)
}

/// The targets `placements` do not reach; a note for each one they do, naming the reference
/// that brings `what` there already.
fn not_there(
    placements: &ByCluster,
    targets: &[String],
    what: &str,
    change: &mut ChangeSet,
) -> Vec<String> {
    let mut missing = Vec::new();
    for cluster_name in targets {
        match placements.get(cluster_name).and_then(|p| p.first()) {
            Some(p) => change.notes.push(format!(
                "{cluster_name} already has {what} through {} ({}:{}): skipped",
                p.via,
                to_slash(&p.file),
                p.line
            )),
            None => missing.push(cluster_name.clone()),
        }
    }
    missing
}

/// Importing a named set brings every namespace in it: names the others, and the clusters that
/// receive them for the first time.
fn warn_set_brings_others(
    fleet: &Fleet,
    set: &str,
    name: &str,
    importers: &[&String],
    change: &mut ChangeSet,
) {
    let Some(existing) = fleet.set(set) else {
        return;
    };
    let others: Vec<&str> = existing
        .namespaces
        .iter()
        .map(String::as_str)
        .filter(|n| *n != name)
        .collect();
    let newcomers: Vec<&str> =
        crate::plan::add_ns::not_importing(fleet, existing, importers.iter().copied())
            .into_iter()
            .map(String::as_str)
            .collect();
    if !others.is_empty() && !newcomers.is_empty() {
        change.warnings.push(format!(
            "set {set} also holds {}: {} now import it and receive them too; without --set, \
             {name} gets its own directory instead",
            others.join(", "),
            newcomers.join(", ")
        ));
    }
}

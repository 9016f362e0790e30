//! `promote`: reference an app, a namespace or a controller from more clusters, as the seed's
//! "Promotion Workflow" does it: one line in each target cluster's list.

use crate::error::{Error, Result};
use crate::fleet::{
    App, ByCluster, Cluster, Definition, Fleet, Layout, Namespace, KUSTOMIZATION_NAMES,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::paths::{resolve, to_slash};
use crate::plan::add_controller;
use crate::plan::add_overlay::{self, AddOverlayOptions};
use crate::plan::lists::patched::{self, Selector};
use crate::plan::lists::{apps_list, infra_list, ListEdits};
use crate::plan::promote_copy;
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

/// Promotes `name` in a layout other than the article's: each target gets what brings it into
/// the nearest cluster that has it, in the same form. An entry in a list the clusters share the
/// shape of is written in the target's counterpart of that list (`apps/prod/kustomization.yaml`
/// for `apps/dev/kustomization.yaml`, `clusters/prod/...` for `clusters/dev/...`); a
/// per-environment directory or a Flux Kustomization file of the cluster's own is copied for
/// the target ([`promote_copy`]). Where none of these fits, refuses saying what was understood.
fn promote_discovered(
    fleet: &Fleet,
    kind: Kind,
    name: &str,
    targets: &[String],
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<Vec<String>> {
    let placements = match kind {
        Kind::App => fleet.app_placements(name),
        Kind::Controller => fleet.controller_placements(name),
        Kind::Namespace => {
            return Err(Error::refused(format!(
                "in this repository's layout a namespace comes with what holds its Namespace \
                 manifest: promote that (`fluxfleet where {name}` shows it)"
            )))
        }
        Kind::Policy => fleet.policy_placements(name),
    };
    if !placements.values().any(|p| !p.is_empty()) {
        return Err(subject::unknown_app(fleet, name));
    }
    let mut promoted = Vec::new();
    for cluster_name in targets {
        if let Some(p) = placements.get(cluster_name).and_then(|p| p.first()) {
            change.notes.push(format!(
                "{cluster_name} already has {name} through {}:{}: skipped",
                to_slash(&p.file),
                p.line
            ));
            continue;
        }
        let Some(cluster) = fleet.cluster(cluster_name) else {
            continue;
        };
        let Some(source) = nearest(fleet, &placements, cluster_name) else {
            continue;
        };
        let (model_cluster, model) = (source.cluster.name.as_str(), source.placement);
        let Some(target) = model.chain.first().and_then(|r| r.target.clone()) else {
            return Err(Error::refused(format!(
                "{name} comes into {model_cluster} from a remote entry ({}:{}): add it by hand",
                to_slash(&model.file),
                model.line
            )));
        };
        if promote_copy::env_dir(fleet, name, &source, cluster, targets, change, lists)? {
            promoted.push(cluster_name.clone());
            continue;
        }
        if promote_copy::flux_file(fleet, name, &source, cluster, change, lists)? {
            promoted.push(cluster_name.clone());
            continue;
        }
        let model_dir = Some(source.cluster.dir.as_path());
        // What the model cluster references may be its own (`apps/gcp/kafka`) without a list of
        // the target's in the same place to copy it into.
        if target.components().any(|c| c.as_os_str() == model_cluster)
            || model_dir.is_some_and(|d| target.starts_with(d))
        {
            return Err(Error::refused(format!(
                "{name} comes into {model_cluster} as {}, a directory of {model_cluster}'s own \
                 ({}:{}): {cluster_name} needs its own copy, but it has no list beside that one \
                 (a sibling environment directory with a kustomization.yaml) to put the copy in \
                 and list it, so nothing was written; copy it for {cluster_name} and list the \
                 copy by hand",
                to_slash(&target),
                to_slash(&model.file),
                model.line
            )));
        }
        let counterpart = counterpart(&model.file, model_cluster, model_dir, cluster);
        // A kustomization file the cluster pulls in, not one a Flux Kustomization stands for.
        let list = counterpart.filter(|path| {
            KUSTOMIZATION_NAMES.iter().any(|n| path.ends_with(n))
                && cluster.lists().any(|l| !l.generated && l.path == *path)
        });
        let Some(list) = list else {
            return Err(Error::refused(format!(
                "{name} comes into {model_cluster} through {}:{} ({}); {cluster_name} has no \
                 list in the same place to add it to, so nothing was written: add the entry \
                 by hand, or copy what brings it into {model_cluster}",
                to_slash(&model.file),
                model.line,
                model.via
            )));
        };
        // Patches first: a refusal then names their lines as the file has them.
        relist_patches(fleet, lists, &model.file, &list, &target, change)?;
        lists.add(fleet, &list, &target)?;
        promoted.push(cluster_name.clone());
    }
    Ok(promoted)
}

/// The patches of the model's list that patch only what `target` brings come with it into the
/// target's list, where that list's directory has a file of the same name (one a demote left
/// behind); without one, a note says the unit arrives unpatched. A `patchesStrategicMerge`
/// entry is listed by name; a `patches` entry (`- path: F`, a `target:` with it) is copied as
/// the model writes it, re-indented to the target's list.
fn relist_patches(
    fleet: &Fleet,
    lists: &mut ListEdits,
    model: &Path,
    list: &Path,
    target: &Path,
    change: &mut ChangeSet,
) -> Result<()> {
    const STRATEGIC: &str = "patchesStrategicMerge";
    const PATCHES: &str = "patches";
    let model_dir = model.parent().unwrap_or(Path::new(""));
    let list_dir = list.parent().unwrap_or(Path::new(""));
    let brought = patched::objects_of(fleet, target, 0)?;
    let none = BTreeSet::new();
    let only_brought = |selectors: &[Selector]| patched::only_in(selectors, &brought, &none);
    for patch in lists.entries_of(fleet, model, STRATEGIC)? {
        let Some(path) = resolve(model_dir, &patch) else {
            continue;
        };
        if !only_brought(&patched::selectors_in(fleet, &path)?) {
            continue;
        }
        let Some(own) = resolve(list_dir, &patch) else {
            continue;
        };
        if fleet.text(&own)?.is_none() {
            change.notes.push(unpatched_note(model, &patch, list_dir));
        } else if lists.add_entry(fleet, list, STRATEGIC, &patch)? {
            change.notes.push(relisted_note(list, &patch, model));
        }
    }
    for entry in lists.map_entries_of(fleet, model, PATCHES)? {
        let selectors = patched::selectors_of_entry(fleet, model_dir, &entry.value)?;
        if !only_brought(&selectors) {
            continue;
        }
        let Some(patch) = entry.value["path"].as_str() else {
            change.notes.push(format!(
                "{} also patches what it brings with an inline patch (line {}); fluxfleet \
                 copies only patches kept in files, so {} lists none: copy it there by hand if \
                 it is needed",
                to_slash(model),
                entry.line,
                to_slash(list),
            ));
            continue;
        };
        let Some(own) = resolve(list_dir, patch) else {
            continue;
        };
        if fleet.text(&own)?.is_none() {
            change.notes.push(unpatched_note(model, patch, list_dir));
            continue;
        }
        let listed = lists
            .map_entries_of(fleet, list, PATCHES)?
            .iter()
            .filter_map(|e| e.value["path"].as_str().and_then(|p| resolve(list_dir, p)))
            .any(|p| p == own);
        if !listed {
            let written = lists.map_entry_text(fleet, model, PATCHES, entry.index)?;
            lists.add_map_entry(fleet, list, PATCHES, &written)?;
            change.notes.push(relisted_note(list, patch, model));
        }
    }
    Ok(())
}

/// The note that `list` lists its own copy of a patch again.
fn relisted_note(list: &Path, patch: &str, model: &Path) -> String {
    format!(
        "{} lists its patch {patch} again, as {} does",
        to_slash(list),
        to_slash(model)
    )
}

/// The note that the target has no file of a patch the model applies.
fn unpatched_note(model: &Path, patch: &str, list_dir: &Path) -> String {
    format!(
        "{} patches what it brings with {patch}; {} has no such file, so it arrives unpatched \
         there",
        to_slash(model),
        to_slash(list_dir)
    )
}

/// True when an app of a repository read by the article's paths comes into a cluster the way
/// other layouts bring it: through a Flux Kustomization file of the cluster's own
/// (`clusters/staging/podinfo.yaml`), or, the repository using the article's definition paths
/// without its cluster lists, a target has no app list to add it to. The target then gets it
/// as the clusters that have it do.
fn by_flux_paths(fleet: &Fleet, kind: Kind, name: &str, targets: &[String]) -> bool {
    if kind != Kind::App || fleet.layout() == Layout::Discovered {
        return false;
    }
    let listless = fleet.layout() == Layout::Other
        && targets
            .iter()
            .any(|t| fleet.cluster(t).is_some_and(|c| c.apps_list.is_none()));
    listless
        || fleet.app_placements(name).iter().any(|(c, placements)| {
            fleet.cluster(c).is_some_and(|cluster| {
                placements
                    .iter()
                    .any(|p| promote_copy::component_file(cluster, p, name).is_some())
            })
        })
}

/// The cluster `target` takes `placements`' unit from: the nearest before it in promotion order
/// that has it, else the nearest after it.
fn nearest<'f>(
    fleet: &'f Fleet,
    placements: &'f ByCluster,
    target: &str,
) -> Option<promote_copy::Source<'f>> {
    let order = fleet.cluster_names();
    let at = order.iter().position(|c| c == target)?;
    let having = |names: Vec<&String>| {
        names.into_iter().find_map(|c| {
            let placement = placements.get(c).and_then(|p| p.first())?;
            Some((fleet.cluster(c)?, placement))
        })
    };
    let (found, before) = match having(order[..at].iter().rev().collect()) {
        Some(found) => (found, true),
        None => (having(order[at + 1..].iter().collect())?, false),
    };
    Some(promote_copy::Source {
        cluster: found.0,
        placement: found.1,
        before,
    })
}

/// Where `cluster` keeps what `model_cluster` keeps in `file`: the same path with the model
/// cluster's directory, or its name as a path part, swapped for the cluster's.
pub(super) fn counterpart(
    file: &Path,
    model_cluster: &str,
    model_dir: Option<&Path>,
    cluster: &Cluster,
) -> Option<PathBuf> {
    if let Some(rest) = model_dir.and_then(|d| file.strip_prefix(d).ok()) {
        return Some(cluster.dir.join(rest));
    }
    let mut swapped = false;
    let path: PathBuf = file
        .components()
        .map(|c| match c.as_os_str().to_str() {
            Some(part) if part == model_cluster => {
                swapped = true;
                std::ffi::OsStr::new(cluster.name.as_str())
            }
            _ => c.as_os_str(),
        })
        .collect();
    swapped.then_some(path)
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

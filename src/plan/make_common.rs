//! `make-common`: move an app or a namespace into the common set every cluster imports, with
//! exactly the steps of the seed's "Move a Test App/Namespace to All Clusters".

use std::path::Path;

use crate::error::{Error, Result};
use crate::fleet::{Fleet, Through};
use crate::paths::to_slash;
use crate::plan::layout::APPS_COMMON;
use crate::plan::lists::ListEdits;
use crate::plan::promote;
use crate::plan::relocate::{self, Destination};
use crate::plan::subject::{self, Kind};
use crate::plan::{branch_name, ChangeSet};
use crate::render::Templates;

/// What `make-common` was asked for.
#[derive(Debug, Clone)]
pub struct MakeCommonOptions {
    pub kind: Kind,
    pub name: String,
    /// Make an app common even though clusters use overlays of it.
    pub force: bool,
    /// Refuse, rather than bring the app's namespace to the clusters it does not reach.
    pub no_namespace: bool,
}

/// The seed's warning, printed whenever an app becomes a baseline app.
pub const BASELINE_WARNING: &str = "apps/common is for platform baseline apps (monitoring agents, \
     log collectors, external-secrets, ...), not for apps you happen to deploy often: every \
     cluster that imports apps/common now runs it.";

/// Plans the move.
pub fn plan(
    fleet: &Fleet,
    templates: &Templates,
    options: &MakeCommonOptions,
) -> Result<ChangeSet> {
    if options.kind == Kind::Controller {
        return Err(no_common_set(&options.name));
    }
    if options.kind == Kind::Policy {
        return Err(crate::plan::promote_policy::not_common(&options.name));
    }
    let mut change = ChangeSet::new(
        format!("make {} {} common", options.kind.noun(), options.name),
        branch_name(&format!(
            "make-common {} {}",
            options.kind.word(),
            options.name
        )),
    );
    let importers = fleet.common_importers(options.kind);
    refuse_losing_clusters(fleet, options, &importers)?;
    let mut lists = ListEdits::new();
    match options.kind {
        Kind::App => {
            app(fleet, options, &mut change, &mut lists)?;
            if let Some(app) = fleet.app(&options.name) {
                let no_namespace = options.no_namespace;
                promote::bring_namespace(
                    fleet,
                    templates,
                    app,
                    &importers,
                    no_namespace,
                    &mut change,
                    &mut lists,
                )?;
            }
        }
        Kind::Namespace => namespace(fleet, templates, options, &mut change, &mut lists)?,
        Kind::Controller => return Err(no_common_set(&options.name)),
        Kind::Policy => {}
    }
    lists.finish(&mut change)?;
    // Already common: nothing becomes a baseline app, so nothing to warn about.
    if change.is_empty() {
        change.warnings.retain(|w| w != BASELINE_WARNING);
    }
    let missing: Vec<String> = fleet
        .cluster_names()
        .into_iter()
        .filter(|c| !importers.contains(c))
        .collect();
    if !missing.is_empty() && !change.is_empty() {
        change.warnings.push(format!(
            "{} do not import the common set and will not get {}",
            missing.join(", "),
            options.name
        ));
    }
    Ok(change)
}

fn app(
    fleet: &Fleet,
    options: &MakeCommonOptions,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<()> {
    let name = &options.name;
    let app = fleet
        .app(name)
        .ok_or_else(|| subject::unknown_app(fleet, name))?;
    let base = fleet.app_layout(app)?.base.clone().ok_or_else(|| {
        Error::refused(format!(
            "{} has no base to list in apps/common",
            to_slash(&app.dir)
        ))
    })?;
    let placements = fleet.app_placements(name);
    let overlays: Vec<String> = placements
        .values()
        .flatten()
        .filter(|p| matches!(p.through, Through::Overlay(_)))
        .map(|p| format!("{} ({}:{})", p.via, to_slash(&p.file), p.line))
        .collect();
    if !overlays.is_empty() && !options.force {
        return Err(Error::refused(format!(
            "{name} is used through overlays: {}\na baseline app is the same everywhere; keep \
             the per-cluster references (`fluxfleet promote app {name} --to all`), or pass --force \
             to list the base in apps/common and drop the overlay references",
            overlays.join(", ")
        )));
    }
    let common_list = Path::new(APPS_COMMON).join("kustomization.yaml");
    lists.add(fleet, &common_list, &base)?;
    for placement in placements.values().flatten() {
        if matches!(placement.through, Through::Base | Through::Overlay(_)) {
            let dir = placement.file.parent().unwrap_or(Path::new(""));
            if let Some(target) = crate::paths::resolve(dir, &placement.via) {
                lists.remove(fleet, &placement.file, &target)?;
            }
        }
    }
    change.warnings.push(BASELINE_WARNING.to_string());
    Ok(())
}

fn namespace(
    fleet: &Fleet,
    templates: &Templates,
    options: &MakeCommonOptions,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<()> {
    let name = &options.name;
    let namespace = fleet
        .namespace(name)
        .ok_or_else(|| subject::unknown_namespace(fleet, name))?;
    if namespace.set == "common" {
        return Ok(());
    }
    if namespace.base.is_some() {
        return Err(Error::refused(format!(
            "namespace {name} has per-cluster overlays in {}: the common set holds one \
             definition, the same in every cluster; keep the per-cluster references \
             (`fluxfleet promote ns {name} --to all`), or remove the overlays by hand first",
            to_slash(&namespace.set_dir)
        )));
    }
    let planned = relocate::Move {
        namespace,
        destination: Destination::Set("common".into()),
        reimport: false,
        importers: Vec::new(),
    };
    relocate::relocate(fleet, templates, &planned, change, lists)?;
    Ok(())
}

/// Refuses when a cluster that has the thing does not import the common set: moving it there
/// would take it out of that cluster.
fn refuse_losing_clusters(
    fleet: &Fleet,
    options: &MakeCommonOptions,
    importers: &[String],
) -> Result<()> {
    let placements = fleet
        .placements_of(options.kind, &options.name)
        .unwrap_or_default();
    let losing: Vec<String> = placements
        .iter()
        .filter(|(cluster, _)| !importers.contains(cluster))
        .filter_map(|(cluster, p)| {
            p.first()
                .map(|p| format!("{cluster} ({}:{})", to_slash(&p.file), p.line))
        })
        .collect();
    if losing.is_empty() {
        return Ok(());
    }
    let common = match options.kind {
        Kind::App => APPS_COMMON.to_string(),
        Kind::Namespace => format!("{}/common", relocate::NAMESPACES),
        Kind::Controller => return Err(no_common_set(&options.name)),
        Kind::Policy => format!(
            "{}/{}/shared",
            crate::fleet::POLICIES_DIR,
            crate::fleet::KYVERNO
        ),
    };
    Err(Error::refused(format!(
        "{} {} runs in {}, which do not import {common}: making it common would take it out of \
         them. Import {common} there first, or demote it from them",
        options.kind.noun(),
        options.name,
        losing.join(", ")
    )))
}

/// Controllers have no common set: each cluster's infra list references each of its
/// controllers, as the seed writes kyverno's.
fn no_common_set(name: &str) -> Error {
    Error::Usage(format!(
        "make-common takes app or ns: controllers have no common set, each cluster references \
         its controllers; to install {name} in every cluster, run `fluxfleet promote controller \
         {name} --to all`"
    ))
}

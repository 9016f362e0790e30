//! Names already taken in the fleet: a new app, namespace or cluster is refused with the place
//! the existing one is defined.

use crate::error::{Error, Result};
use crate::fleet::Fleet;
use crate::paths::to_slash;

/// Refuses `name` when an app of that name exists.
pub fn app(fleet: &Fleet, name: &str) -> Result<()> {
    match fleet.app(name) {
        Some(app) => Err(Error::refused(format!(
            "app {name} exists already: it is defined in {}/\nchoose another name, or change \
             where it runs with `fluxfleet promote app {name} --to C,...`",
            to_slash(&app.dir)
        ))),
        None => Ok(()),
    }
}

/// Refuses `name` when a namespace of that name is defined anywhere in the fleet: in a
/// namespace set, in its own directory, or by an app's own manifests.
pub fn namespace(fleet: &Fleet, name: &str) -> Result<()> {
    let mut places: Vec<String> = fleet
        .namespace_definitions(name)
        .map(|n| format!("{}:{} (set {})", to_slash(&n.file), n.line, n.set))
        .collect();
    fleet.read_every_app()?;
    for app in fleet.apps() {
        if fleet
            .app_manifests(app)?
            .own_namespaces
            .iter()
            .any(|n| n == name)
        {
            places.push(format!("{}/ (app {})", to_slash(&app.dir), app.name));
        }
    }
    if places.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "namespace {name} exists already: it is defined in {}\nchoose another name, or make it \
         reach more clusters with `fluxfleet promote ns {name} --to C,...`",
        places.join(", ")
    )))
}

/// Refuses `name` when a controller of that name exists.
pub fn controller(fleet: &Fleet, name: &str) -> Result<()> {
    match fleet.controller(name) {
        Some(controller) => Err(Error::refused(format!(
            "controller {name} exists already: it is defined in {}/\nchoose another name, or \
             install it in more clusters with `fluxfleet promote controller {name} --to C,...`",
            to_slash(&controller.dir)
        ))),
        None => Ok(()),
    }
}

/// Refuses `name` when a cluster of that name exists.
pub fn cluster(fleet: &Fleet, name: &str) -> Result<()> {
    match fleet.cluster(name) {
        Some(cluster) => Err(Error::refused(format!(
            "cluster {name} exists already: its entrypoint is {}/\nchoose another name",
            to_slash(&cluster.dir)
        ))),
        None => Ok(()),
    }
}

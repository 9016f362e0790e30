//! What a promotion command acts on: an app, a namespace or a controller of the fleet, by name.

use crate::error::{Error, Result};
use crate::fleet::Fleet;
use crate::names;

pub use crate::fleet::Kind;

/// The kind of `name` in the fleet: the one given, or the only one that exists. Without a kind,
/// a name that is neither an app nor a namespace may be a controller.
pub fn resolve(fleet: &Fleet, kind: Option<Kind>, name: &str) -> Result<Kind> {
    let is_policy = fleet.policy(name).is_some();
    match kind {
        Some(Kind::Policy) if is_policy => return Ok(Kind::Policy),
        Some(Kind::Policy) => return Err(unknown_policy(fleet, name)),
        None if is_policy && fleet.app(name).is_none() && fleet.namespace(name).is_none() => {
            return Ok(Kind::Policy)
        }
        _ => {}
    }
    let is_app = fleet.app(name).is_some();
    let is_ns = fleet.namespace(name).is_some();
    match (kind, is_app, is_ns) {
        (Some(Kind::Controller), _, _) => match fleet.controller(name) {
            Some(_) => Ok(Kind::Controller),
            None => Err(unknown_controller(fleet, name)),
        },
        (None, false, false) if fleet.controller(name).is_some() => Ok(Kind::Controller),
        (Some(Kind::App), true, _) | (None, true, false) => Ok(Kind::App),
        (Some(Kind::Namespace), _, true) | (None, false, true) => Ok(Kind::Namespace),
        (None, true, true) => Err(Error::refused(format!(
            "{name:?} is both an app and a namespace: say `app {name}` or `ns {name}`"
        ))),
        (Some(Kind::App), false, _) => Err(unknown_app(fleet, name)),
        (Some(Kind::Namespace), _, false) => Err(unknown_namespace(fleet, name)),
        (Some(Kind::Policy), _, _) => Err(unknown_policy(fleet, name)),
        (None, false, false) => {
            let mut known: Vec<String> = [Kind::App, Kind::Namespace, Kind::Controller]
                .into_iter()
                .flat_map(|kind| fleet.names(kind))
                .chain(fleet.policies().iter().map(|p| p.name.clone()))
                .collect();
            known.sort();
            known.dedup();
            let close = names::closest(name, &known);
            let hint = match close.is_empty() {
                true => String::new(),
                false => format!("; did you mean {}?", close.join(" or ")),
            };
            Err(Error::refused(format!(
                "no app, namespace, controller or policy named {name:?} in this fleet{hint}\n\
                 known names: {}",
                names::listed(&known)
            )))
        }
    }
}

pub fn unknown_app(fleet: &Fleet, name: &str) -> Error {
    let known: Vec<String> = fleet.apps().iter().map(|a| a.name.clone()).collect();
    names::unknown("app", name, &known, "(no apps/NAME/base)")
}

pub fn unknown_controller(fleet: &Fleet, name: &str) -> Error {
    names::unknown(
        "controller",
        name,
        &fleet.names(Kind::Controller),
        "(no infrastructure/controllers/NAME)",
    )
}

pub fn unknown_policy(fleet: &Fleet, name: &str) -> Error {
    let known: Vec<String> = fleet.policies().iter().map(|p| p.name.clone()).collect();
    names::unknown(
        "policy",
        name,
        &known,
        "(no Kyverno policy under infrastructure/policies)",
    )
}

pub fn unknown_namespace(fleet: &Fleet, name: &str) -> Error {
    let known: Vec<String> = fleet.namespaces().iter().map(|n| n.name.clone()).collect();
    names::unknown(
        "namespace",
        name,
        &known,
        "(no Namespace manifest under infrastructure/namespaces)",
    )
}

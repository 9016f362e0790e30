//! What a promotion command acts on: an app or a namespace, named on the command line as
//! `[app|ns] NAME`.

use crate::error::{Error, Result};
use crate::fleet::Fleet;
use crate::names::{self, NameKind};
use crate::plan::targets;

pub use crate::fleet::Kind;

/// `app` or `ns`, as the command line writes it.
pub fn parse_kind(word: &str) -> Result<Kind> {
    match word {
        "app" => Ok(Kind::App),
        "ns" | "namespace" => Ok(Kind::Namespace),
        other => Err(Error::Usage(format!(
            "{other:?} is not a kind: write `app NAME` or `ns NAME`"
        ))),
    }
}

/// Splits `[app|ns] NAME` and checks the name.
pub fn parse(words: &[String]) -> Result<(Option<Kind>, String)> {
    let (kind, name) = match words {
        [name] => (None, name),
        [kind, name] => (Some(parse_kind(kind)?), name),
        _ => return Err(Error::Usage("expected [app|ns] NAME".into())),
    };
    let name_kind = match kind {
        Some(Kind::Namespace) => NameKind::Namespace,
        _ => NameKind::App,
    };
    names::check(name_kind, name)?;
    Ok((kind, name.clone()))
}

/// The kind of `name` in the fleet: the one given, or the only one that exists.
pub fn resolve(fleet: &Fleet, kind: Option<Kind>, name: &str) -> Result<Kind> {
    let is_app = fleet.app(name).is_some();
    let is_ns = fleet.namespace(name).is_some();
    match (kind, is_app, is_ns) {
        (Some(Kind::App), true, _) | (None, true, false) => Ok(Kind::App),
        (Some(Kind::Namespace), _, true) | (None, false, true) => Ok(Kind::Namespace),
        (None, true, true) => Err(Error::refused(format!(
            "{name:?} is both an app and a namespace: say `app {name}` or `ns {name}`"
        ))),
        (Some(Kind::App), false, _) => Err(unknown_app(fleet, name)),
        (Some(Kind::Namespace), _, false) => Err(unknown_namespace(fleet, name)),
        (None, false, false) => {
            let mut known: Vec<String> = fleet.apps().iter().map(|a| a.name.clone()).collect();
            known.extend(fleet.namespaces().iter().map(|n| n.name.clone()));
            known.sort();
            known.dedup();
            Err(targets::unknown(
                "app or namespace",
                name,
                &known,
                "in this fleet",
            ))
        }
    }
}

pub fn unknown_app(fleet: &Fleet, name: &str) -> Error {
    let known: Vec<String> = fleet.apps().iter().map(|a| a.name.clone()).collect();
    targets::unknown("app", name, &known, "(no apps/NAME/base)")
}

pub fn unknown_namespace(fleet: &Fleet, name: &str) -> Error {
    let known: Vec<String> = fleet.namespaces().iter().map(|n| n.name.clone()).collect();
    targets::unknown(
        "namespace",
        name,
        &known,
        "(no Namespace manifest under infrastructure/namespaces)",
    )
}

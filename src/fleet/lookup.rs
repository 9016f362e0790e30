//! `where`: every reference that brings one app, namespace or controller into a cluster, as data
//! (`report::where_` prints it).

use super::placement::{ByCluster, Kind};
use super::Fleet;
use crate::error::{Error, Result};
use crate::names;
use crate::paths::to_slash;

/// What a name is in the fleet and where it arrives. A name can be both an app and a
/// namespace (an app often deploys to a namespace of its own name), or a controller and the
/// namespace it installs into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The name looked up.
    pub name: String,
    /// `(kind, definition, placements)` for each kind the name is defined as.
    pub found: Vec<(Kind, String, ByCluster)>,
}

/// Looks `name` up among apps, namespaces and controllers; unknown names are refused with the
/// closest known names.
pub fn lookup(fleet: &Fleet, name: &str) -> Result<Lookup> {
    let mut found = Vec::new();
    if let Some(app) = fleet.app(name) {
        found.push((Kind::App, to_slash(&app.dir), fleet.app_placements(name)));
    }
    let definitions: Vec<String> = fleet
        .namespace_definitions(name)
        .map(|n| match n.set.is_empty() {
            // A namespace found in another layout belongs to no set.
            true => to_slash(&n.file),
            false => format!("{}, set {}", to_slash(&n.file), n.set),
        })
        .collect();
    if !definitions.is_empty() {
        found.push((
            Kind::Namespace,
            definitions.join("; "),
            fleet.namespace_placements(name),
        ));
    }
    if let Some(controller) = fleet.controller(name) {
        found.push((
            Kind::Controller,
            to_slash(&controller.dir),
            fleet.controller_placements(name),
        ));
    }
    let policies: Vec<String> = fleet
        .policies()
        .iter()
        .filter(|p| p.name == name)
        .map(|p| format!("{}, stage {}, {}", to_slash(&p.file), p.stage, p.mode))
        .collect();
    if !policies.is_empty() {
        found.push((
            Kind::Policy,
            policies.join("; "),
            fleet.policy_placements(name),
        ));
    }
    if found.is_empty() {
        return Err(Error::refused(unknown(fleet, name)));
    }
    Ok(Lookup {
        name: name.to_string(),
        found,
    })
}

fn unknown(fleet: &Fleet, name: &str) -> String {
    let by_kind =
        [Kind::App, Kind::Namespace, Kind::Controller, Kind::Policy].map(|k| (k, fleet.names(k)));
    let mut known: Vec<String> = by_kind.iter().flat_map(|(_, n)| n.clone()).collect();
    known.sort();
    known.dedup();
    let close: Vec<String> = names::closest(name, &known)
        .into_iter()
        .flat_map(|n| {
            by_kind
                .iter()
                .filter(|(_, of_kind)| of_kind.contains(&n))
                .map(|(k, _)| format!("{n} ({})", k.noun()))
                .collect::<Vec<_>>()
        })
        .take(3)
        .collect();
    let hint = if close.is_empty() {
        "run `fluxfleet status` to see every app, namespace, controller and policy".to_string()
    } else {
        format!("closest: {}", close.join(", "))
    };
    format!("no app, namespace, controller or policy named {name:?} in this fleet; {hint}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::ReadPlan;

    /// `where` reads only what concerns the name: it must find exactly what a full read finds,
    /// for every app and namespace (and a few names that are neither) of every test fleet.
    #[test]
    fn the_focused_read_finds_what_the_full_read_finds() {
        let mut compared = 0;
        for root in crate::fleet::test_roots() {
            let Ok(full) = Fleet::read(&root, ReadPlan::Whole) else {
                continue;
            };
            let mut names = full.names(Kind::App);
            names.extend(full.names(Kind::Namespace));
            names.extend(full.names(Kind::Controller));
            names.extend(full.names(Kind::Policy));
            names.extend(full.cluster_names());
            names.extend(full.sets().iter().map(|s| s.name.clone()));
            names.extend(["common", "no-such-name", "flux-system"].map(String::from));
            for name in names {
                let focused =
                    Fleet::read(&root, ReadPlan::About(&name)).expect("the full read worked");
                match (lookup(&full, &name), lookup(&focused, &name)) {
                    (Ok(want), Ok(got)) => assert_eq!(got, want, "{name} in {}", root.display()),
                    (Err(_), Err(_)) => {}
                    (want, got) => panic!("{name} in {}: {want:?} vs {got:?}", root.display()),
                }
                compared += 1;
            }
        }
        assert!(compared > 50, "only {compared} names compared");
    }

    /// A Flux path may attach a list inside an app's directory, whose entries do not write
    /// the app's name: the focused read must still parse it.
    #[test]
    fn the_focused_read_parses_lists_inside_the_app() {
        let dir = assert_fs::TempDir::new().unwrap();
        let files = [
            (
                "clusters/dev/kustomization.yaml",
                "resources:\n- ./apps.yaml\n",
            ),
            (
                "clusters/dev/apps.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n\
                 metadata:\n  name: apps\nspec:\n  path: ./apps/podinfo/overlays\n",
            ),
            (
                "apps/podinfo/base/kustomization.yaml",
                "resources:\n- deploy.yaml\n",
            ),
            (
                "apps/podinfo/overlays/kustomization.yaml",
                "resources:\n- ./dev\n",
            ),
            (
                "apps/podinfo/overlays/dev/kustomization.yaml",
                "resources:\n- ../../base\n",
            ),
        ];
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let full = lookup(
            &Fleet::read(dir.path(), ReadPlan::Whole).unwrap(),
            "podinfo",
        )
        .unwrap();
        let focused = lookup(
            &Fleet::read(dir.path(), ReadPlan::About("podinfo")).unwrap(),
            "podinfo",
        );
        assert_eq!(focused.unwrap(), full);
        assert_eq!(
            full.found[0].2.get("dev").map(Vec::len),
            Some(1),
            "{full:?}"
        );
    }
}

//! Questions the planners ask of a fleet, answered in one place.

use std::path::Path;

use super::app::COMMON_APPS;
use super::namespace::{COMMON_SET, NAMESPACES_DIR};
use super::placement::Kind;
use super::Fleet;
use crate::error::Result;

/// Namespaces Kubernetes and Flux provide: an app may deploy into them without a definition.
pub const BUILTIN_NAMESPACES: [&str; 5] = [
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "flux-system",
];

impl Fleet {
    /// The clusters whose list imports the common set of `kind`: `apps/common` in the app
    /// list, `infrastructure/namespaces/common` in the infrastructure list. Controllers have
    /// no common set: each cluster references each of its controllers.
    pub fn common_importers(&self, kind: Kind) -> Vec<String> {
        let common = match kind {
            Kind::App => Path::new(COMMON_APPS).to_path_buf(),
            Kind::Namespace => Path::new(NAMESPACES_DIR).join(COMMON_SET),
            Kind::Controller | Kind::Policy => return Vec::new(),
        };
        self.clusters()
            .iter()
            .filter(|c| {
                let list = match kind {
                    Kind::App => &c.apps_list,
                    Kind::Namespace | Kind::Controller | Kind::Policy => &c.infra_list,
                };
                list.as_ref().is_some_and(|l| l.references_target(&common))
            })
            .map(|c| c.name.clone())
            .collect()
    }

    /// True when namespace `ns` needs no definition in the fleet: Kubernetes or Flux provides
    /// it, or some app's own manifests create it.
    /// Reads every app's manifests unless Kubernetes or Flux provides it.
    pub fn namespace_is_provided(&self, ns: &str) -> Result<bool> {
        if BUILTIN_NAMESPACES.contains(&ns) {
            return Ok(true);
        }
        self.read_every_app()?;
        Ok(self
            .apps()
            .iter()
            .filter_map(|a| a.manifests.get())
            .any(|m| m.own_namespaces.iter().any(|n| n == ns)))
    }
}

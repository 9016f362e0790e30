//! Whether an app's namespace reaches the clusters the app runs in, and what to say when not.

use crate::fleet::Fleet;

/// The clusters among `targets` that namespace `ns` does not reach. A namespace Kubernetes or
/// Flux provides, or that an app creates itself, reaches everywhere.
pub fn namespace_missing(fleet: &Fleet, ns: &str, targets: &[String]) -> Vec<String> {
    if fleet.namespace_is_provided(ns) {
        return Vec::new();
    }
    let placements = fleet.namespace_placements(ns);
    targets
        .iter()
        .filter(|c| !placements.contains_key(*c))
        .cloned()
        .collect()
}

/// The warning for `missing` clusters, with the command that fixes it.
pub fn namespace_warning(fleet: &Fleet, app: &str, ns: &str, missing: &[String]) -> String {
    if fleet.namespace(ns).is_some() {
        format!(
            "namespace {ns} (of {app}) does not reach {}: run `fluxfleet promote ns {ns} --to {}`, \
             or pass --with-namespace to promote",
            missing.join(", "),
            missing.join(",")
        )
    } else {
        format!(
            "namespace {ns} (of {app}) is not defined under infrastructure/namespaces, so it does \
             not reach {}: run `fluxfleet add-ns {ns} --clusters {}`",
            missing.join(", "),
            missing.join(",")
        )
    }
}

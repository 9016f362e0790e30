//! Whether an app's namespace reaches the clusters the app runs in, and what to say when not.

use crate::error::Result;
use crate::fleet::Fleet;

/// The clusters among `targets` that namespace `ns` does not reach. A namespace Kubernetes or
/// Flux provides reaches everywhere, and so does one the fleet does not define under
/// `infrastructure/namespaces` but an app creates itself.
pub fn namespace_missing(fleet: &Fleet, ns: &str, targets: &[String]) -> Result<Vec<String>> {
    let placements = fleet.namespace_placements(ns);
    let missing: Vec<String> = targets
        .iter()
        .filter(|c| !placements.contains_key(*c))
        .cloned()
        .collect();
    // Whether an app creates it is asked only of a namespace the fleet does not define: it
    // reads every app.
    if missing.is_empty() || fleet.namespace(ns).is_none() && fleet.namespace_is_provided(ns)? {
        return Ok(Vec::new());
    }
    Ok(missing)
}

/// The warning for `missing` clusters, with the command that fixes it.
pub fn namespace_warning(fleet: &Fleet, app: &str, ns: &str, missing: &[String]) -> String {
    if fleet.namespace(ns).is_some() {
        format!(
            "namespace {ns} (of {app}) does not reach {}: run `fluxfleet promote ns {ns} --to {}`",
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

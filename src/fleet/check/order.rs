//! The promotion order `.fluxfleet.yaml` keeps names clusters that exist.

use super::*;
use crate::fleet::SETTINGS;

/// A warning for each cluster `.fluxfleet.yaml` lists that is no cluster of the fleet.
pub(super) fn listed_clusters(fleet: &Fleet, out: &mut Vec<Finding>) {
    for listed in fleet.listed_clusters() {
        if fleet.cluster(&listed.name).is_some() {
            continue;
        }
        out.push(Finding::warning(
            SETTINGS,
            listed.line,
            format!(
                "the promotion order lists cluster {}, but there is no clusters/{}/",
                listed.name, listed.name
            ),
            format!(
                "remove the line, or create the cluster: fluxfleet add-cluster {}",
                listed.name
            ),
        ));
    }
}

//! `init`: the documented layout for a set of clusters.

use crate::error::Result;
use crate::plan::layout::{self, Existing, Home, Wanted};
use crate::plan::{branch_name, ChangeSet};
use crate::render::Templates;

/// What `init` was asked for, resolved.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Cluster names, checked RFC 1123 labels without duplicates.
    pub clusters: Vec<String>,
    /// Overwrite files whose content differs.
    pub force: bool,
    /// The repository and branch the bootstrap commands and the CI workflow name.
    pub home: Home,
    /// Every cluster the fleet will have, in promotion order: `clusters` and those it has
    /// already. The README lists them.
    pub all: Vec<String>,
}

/// Every file the layout wants for `options`, in the order they are shown.
pub fn wanted(templates: &Templates, options: &InitOptions) -> Result<Vec<Wanted>> {
    let mut files = Vec::new();
    for cluster in &options.clusters {
        let (infra, apps) = layout::default_lists(cluster);
        files.extend(layout::cluster_files(
            templates,
            cluster,
            &infra,
            &[],
            &apps,
        )?);
    }
    files.extend(layout::common_files(templates)?);
    files.extend(layout::repo_files(templates, &options.all, &options.home)?);
    Ok(files)
}

/// The change that brings the repository to the layout, given what exists at the wanted paths.
pub fn plan(wanted: Vec<Wanted>, existing: &Existing, options: &InitOptions) -> Result<ChangeSet> {
    let clusters = options.clusters.join(", ");
    let summary = format!("init fleet with clusters {clusters}");
    let mut change = ChangeSet::new(&summary, branch_name(&summary));
    change.body = format!(
        "The layout of one Git repository for the Flux-managed clusters {clusters}: each cluster \
         reconciles its own path under clusters/ and imports the common sets explicitly."
    );
    layout::add_missing(&mut change, wanted, existing, options.force)?;
    change.notes.push(
        "Next: bootstrap Flux in each cluster, against its kubeconfig context, with GITHUB_TOKEN \
         set:"
            .into(),
    );
    for cluster in &options.clusters {
        change.notes.push(format!(
            "  {}",
            layout::bootstrap_command(cluster, &options.home)
        ));
    }
    change.notes.push(layout::ORGANISATION_NOTE.into());
    change.notes.push(
        "Then: fluxfleet add-ns NAME --clusters all, fluxfleet add-app NAME --namespace NS \
         --image IMG --port N --clusters C,..."
            .into(),
    );
    Ok(change)
}

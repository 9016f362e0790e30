//! The files of the documented layout, rendered from the templates: what `init` and
//! `add-cluster` want to exist, before comparing with what does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::paths::{reference_between, to_slash};
use crate::plan::ChangeSet;
use crate::render::{blocks, Templates};

/// Where the layout keeps things.
pub const CLUSTERS: &str = "clusters";
pub const APPS_COMMON: &str = "apps/common";
pub const NAMESPACES_COMMON: &str = "infrastructure/namespaces/common";

/// The directory of cluster `name`.
pub fn cluster_dir(name: &str) -> PathBuf {
    Path::new(CLUSTERS).join(name)
}

/// A cluster's app list file.
pub fn apps_list(cluster: &str) -> PathBuf {
    cluster_dir(cluster).join("apps/kustomization.yaml")
}

/// A cluster's infrastructure list file.
pub fn infra_list(cluster: &str) -> PathBuf {
    cluster_dir(cluster).join("infra/kustomization.yaml")
}

/// A cluster's policy list file, applied by its own Flux Kustomization after `infra`.
pub fn policies_list(cluster: &str) -> PathBuf {
    cluster_dir(cluster).join("policies/kustomization.yaml")
}

/// The Flux Kustomization that applies a cluster's policy list.
pub fn policies_kustomization(cluster: &str) -> PathBuf {
    cluster_dir(cluster).join("policies.yaml")
}

/// A file the layout wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub path: PathBuf,
    pub content: String,
    /// Documentation: an existing file with other content is kept, not a conflict.
    pub optional: bool,
}

/// The references a new cluster's lists start with: the common sets, imported explicitly.
pub fn default_lists(cluster: &str) -> (Vec<String>, Vec<String>) {
    let infra_dir = cluster_dir(cluster).join("infra");
    let apps_dir = cluster_dir(cluster).join("apps");
    (
        vec![reference_between(&infra_dir, Path::new(NAMESPACES_COMMON))],
        vec![reference_between(&apps_dir, Path::new(APPS_COMMON))],
    )
}

/// The files of one cluster's tree, its lists holding `infra`, `policies` and `apps` references.
pub fn cluster_files(
    templates: &Templates,
    cluster: &str,
    infra: &[String],
    policies: &[String],
    apps: &[String],
) -> Result<Vec<Wanted>> {
    let mut context = tera::Context::new();
    context.insert("cluster", cluster);
    context.insert("infra", infra);
    context.insert("policies", policies);
    context.insert("apps", apps);
    let dir = cluster_dir(cluster);
    let names = [
        "kustomization.yaml",
        "infra.yaml",
        "policies.yaml",
        "apps.yaml",
        "infra/kustomization.yaml",
        "policies/kustomization.yaml",
        "apps/kustomization.yaml",
        "flux-system/kustomization.yaml",
        "flux-system/gotk-components.yaml",
        "flux-system/gotk-sync.yaml",
    ];
    names
        .iter()
        .map(|name| {
            Ok(Wanted {
                path: dir.join(name),
                content: templates.render(&format!("cluster/{name}"), &context)?,
                optional: false,
            })
        })
        .collect()
}

/// The two common sets, empty.
pub fn common_files(templates: &Templates) -> Result<Vec<Wanted>> {
    let context = tera::Context::new();
    Ok(vec![
        Wanted {
            path: Path::new(NAMESPACES_COMMON).join("kustomization.yaml"),
            content: templates.render("common/namespaces.yaml", &context)?,
            optional: false,
        },
        Wanted {
            path: Path::new(APPS_COMMON).join("kustomization.yaml"),
            content: templates.render("common/apps.yaml", &context)?,
            optional: false,
        },
    ])
}

/// Where the repository is and which branch Flux syncs: what the bootstrap commands and the CI
/// workflow name.
#[derive(Debug, Clone)]
pub struct Home {
    /// The repository's name: its directory's.
    pub repository: String,
    /// The branch Flux syncs: the repository's own (`git::sync_branch`).
    pub branch: String,
}

/// The fleet's README for `clusters` (every cluster of the fleet, in promotion order).
pub fn readme(templates: &Templates, clusters: &[String], home: &Home) -> Result<Wanted> {
    Ok(Wanted {
        path: PathBuf::from(README),
        content: templates.render("repo/README.md", &repo_context(clusters, home))?,
        // A README is the user's: only its generated blocks are kept current.
        optional: true,
    })
}

/// The README's path.
pub const README: &str = "README.md";

fn repo_context(clusters: &[String], home: &Home) -> tera::Context {
    let mut context = tera::Context::new();
    context.insert("clusters", clusters);
    context.insert("repository", &home.repository);
    context.insert("branch", &home.branch);
    let bootstrap: Vec<String> = clusters
        .iter()
        .map(|cluster| bootstrap_command(cluster, home))
        .collect();
    context.insert("bootstrap", &bootstrap);
    context
}

/// The repository's settings (the promotion order), README, CI workflow and the validation
/// script it runs, for `clusters`: every cluster of the fleet, in promotion order.
pub fn repo_files(templates: &Templates, clusters: &[String], home: &Home) -> Result<Vec<Wanted>> {
    let context = repo_context(clusters, home);
    Ok(vec![
        Wanted {
            path: PathBuf::from(crate::fleet::SETTINGS),
            content: templates.render("repo/fluxfleet.yaml", &context)?,
            // A repository's own order (or settings) stays as it is.
            optional: true,
        },
        readme(templates, clusters, home)?,
        Wanted {
            path: PathBuf::from(".github/workflows/validate.yaml"),
            content: templates.render("repo/validate.yaml", &context)?,
            optional: false,
        },
        Wanted {
            path: PathBuf::from("scripts/validate.sh"),
            content: templates.render("repo/validate.sh", &context)?,
            optional: false,
        },
    ])
}

/// What is on disk at each wanted path: `None` when nothing is there.
pub type Existing = BTreeMap<PathBuf, Option<String>>;

/// Adds to `change` every wanted file that is missing. An existing file with other content is a
/// conflict, overwritten with `force`; conflicts without `force` refuse the whole plan.
pub fn add_missing(
    change: &mut ChangeSet,
    wanted: Vec<Wanted>,
    existing: &Existing,
    force: bool,
) -> Result<()> {
    let mut conflicts = Vec::new();
    for file in wanted {
        match existing.get(&file.path).cloned().flatten() {
            None => change.create(file.path, file.content)?,
            Some(current) if current == file.content => {}
            Some(current) if file.optional => match blocks::refresh(&current, &file.content) {
                Some(refreshed) if refreshed != current => {
                    change.edit(file.path, current, refreshed)?;
                }
                Some(_) => {}
                None => change.notes.push(format!(
                    "Kept your {}; it differs from the template.",
                    to_slash(&file.path)
                )),
            },
            Some(current) if force => change.edit(file.path, current, file.content)?,
            Some(_) => conflicts.push(to_slash(&file.path)),
        }
    }
    if conflicts.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "these files exist with other content and were left alone: {}\nnothing was written; \
         compare them with `--dry-run --force`, and pass --force to overwrite them",
        conflicts.join(", ")
    )))
}

/// The bootstrap command of one cluster, as the seed writes it, for a repository that a GitHub
/// user owns (`--personal`; an organisation's repository drops it).
pub fn bootstrap_command(cluster: &str, home: &Home) -> String {
    format!(
        "flux bootstrap github --owner=YOUR_USER --repository={} --branch={} \
         --path=clusters/{cluster} --personal",
        home.repository, home.branch
    )
}

/// What to change in the bootstrap commands for a repository of an organisation.
pub const ORGANISATION_NOTE: &str =
    "For a repository of an organisation: --owner=YOUR_ORG, without --personal.";

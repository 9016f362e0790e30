//! `add-cluster`: a new cluster tree as `init` writes it, its lists empty but for the common
//! sets, or copied from another cluster's (`--like C`); the cluster is appended to the
//! promotion order `.fluxfleet.yaml` keeps.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::fleet::{Cluster, Fleet, Reference, SETTINGS};
use crate::names::{self, NameKind};
use crate::paths::reference_between;
use crate::plan::layout::{self, Existing, Home, Wanted};
use crate::plan::{branch_name, taken, ChangeSet};
use crate::render::Templates;
use crate::yaml::Kustomization;

/// What `add-cluster` was asked for.
#[derive(Debug, Clone)]
pub struct AddClusterOptions {
    pub name: String,
    /// The cluster whose lists the new one copies.
    pub like: Option<String>,
    /// The repository and branch the bootstrap command names.
    pub home: Home,
}

/// The new cluster's files, and what the copy of `--like` left out or changed.
pub struct ClusterPlan {
    pub wanted: Vec<Wanted>,
    pub notes: Vec<String>,
    /// `.fluxfleet.yaml` before and after the new cluster is appended to its promotion order.
    pub order: Option<(String, String)>,
    /// The README before and after its generated blocks name the new cluster.
    pub readme: Option<(String, String)>,
}

/// Resolves the new cluster's lists and renders its files.
pub fn wanted(
    fleet: &Fleet,
    templates: &Templates,
    options: &AddClusterOptions,
) -> Result<ClusterPlan> {
    let name = &options.name;
    names::check(NameKind::Cluster, name)?;
    taken::cluster(fleet, name)?;
    let mut notes = Vec::new();
    let (infra, policies, apps) = match &options.like {
        None => {
            let (infra, apps) = layout::default_lists(name);
            (infra, Vec::new(), apps)
        }
        Some(like) => {
            let source = fleet.cluster(like).ok_or_else(|| {
                names::unknown("cluster", like, &fleet.cluster_names(), "in --like")
            })?;
            let (infra, apps) = copy_lists(fleet, source, name, &mut notes)?;
            (infra, copy_policies(source, name, &mut notes), apps)
        }
    };
    Ok(ClusterPlan {
        wanted: layout::cluster_files(templates, name, &infra, &policies, &apps)?,
        notes,
        order: appended_to_order(fleet, name)?,
        readme: refreshed_readme(fleet, templates, options)?,
    })
}

/// The README with its generated blocks (the cluster count and list, the bootstrap commands)
/// naming the new cluster too; `None` without a README or one without such blocks.
fn refreshed_readme(
    fleet: &Fleet,
    templates: &Templates,
    options: &AddClusterOptions,
) -> Result<Option<(String, String)>> {
    let Some(old) = fleet.text(Path::new(layout::README))? else {
        return Ok(None);
    };
    let mut clusters = fleet.cluster_names();
    clusters.push(options.name.clone());
    let wanted = layout::readme(templates, &clusters, &options.home)?;
    Ok(crate::render::blocks::refresh(&old, &wanted.content)
        .filter(|new| **new != *old)
        .map(|new| (old.to_string(), new)))
}

/// `.fluxfleet.yaml` with `name` appended to its `clusters` (the promotion order: a new
/// cluster comes last), one line added; `None` when the file keeps no order.
fn appended_to_order(fleet: &Fleet, name: &str) -> Result<Option<(String, String)>> {
    let path = Path::new(SETTINGS);
    let Some(old) = fleet.text(path)? else {
        return Ok(None);
    };
    let mut settings = Kustomization::parse(path, &old)?;
    if !settings.has_key("clusters") {
        return Ok(None);
    }
    // Listed already (kept when the cluster was removed): the order stays as it is.
    if !settings.add("clusters", name)? {
        return Ok(None);
    }
    Ok(Some((old.to_string(), settings.text().to_string())))
}

/// Plans the new cluster, given what exists at the wanted paths.
pub fn plan(
    planned: ClusterPlan,
    existing: &Existing,
    options: &AddClusterOptions,
) -> Result<ChangeSet> {
    let name = &options.name;
    let summary = match &options.like {
        Some(like) => format!("add cluster {name} like {like}"),
        None => format!("add cluster {name}"),
    };
    let mut change = ChangeSet::new(&summary, branch_name(&format!("add-cluster {name}")));
    change.body = match &options.like {
        Some(like) => format!(
            "Cluster {name} reconciles clusters/{name}; its infra, policy and app lists start as {like}'s, \
             with {like}'s own overlays replaced by the bases."
        ),
        None => format!(
            "Cluster {name} reconciles clusters/{name} and imports the common sets explicitly."
        ),
    };
    layout::add_missing(&mut change, planned.wanted, existing, false)?;
    if let Some((old, new)) = planned.order {
        change.edit(SETTINGS, old, new)?;
    }
    if let Some((old, new)) = planned.readme {
        change.edit(layout::README, old, new)?;
    }
    change.notes.extend(planned.notes);
    change.notes.push(
        "Next: bootstrap Flux in the cluster, against its kubeconfig context, with GITHUB_TOKEN \
         set:"
            .into(),
    );
    change.notes.push(format!(
        "  {}",
        layout::bootstrap_command(name, &options.home)
    ));
    change.notes.push(layout::ORGANISATION_NOTE.into());
    Ok(change)
}

/// `source`'s infra and app references, written from `name`'s lists. References into
/// `source`'s own tree are left out; an app overlay made for `source` becomes the app's base.
fn copy_lists(
    fleet: &Fleet,
    source: &Cluster,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<(Vec<String>, Vec<String>)> {
    let infra_dir = layout::cluster_dir(name).join("infra");
    let apps_dir = layout::cluster_dir(name).join("apps");
    let mut infra = Vec::new();
    if let Some(list) = &source.infra_list {
        for reference in &list.references {
            if let Some(written) = copy_reference(source, reference, &infra_dir, notes) {
                push_unique(&mut infra, written);
            }
        }
    }
    let mut apps = Vec::new();
    let mut overlays = Vec::new();
    if let Some(list) = &source.apps_list {
        for reference in &list.references {
            let overlay_app = match reference.target() {
                Some(target) => overlay_of(fleet, target, &source.name)?,
                None => None,
            };
            match overlay_app {
                Some((app, base)) => {
                    push_unique(&mut apps, reference_between(&apps_dir, &base));
                    overlays.push(app);
                }
                None => {
                    if let Some(written) = copy_reference(source, reference, &apps_dir, notes) {
                        push_unique(&mut apps, written);
                    }
                }
            }
        }
    }
    let sets: Vec<&str> = infra
        .iter()
        .filter_map(|r| {
            r.rsplit_once("infrastructure/namespaces/")
                .map(|(_, set)| set)
        })
        .filter(|set| *set != crate::fleet::COMMON_SET)
        .collect();
    if !sets.is_empty() {
        notes.push(format!(
            "{name} imports the namespace sets and directories {} like {}: drop what it should \
             not have with `fluxfleet demote ns NAME --from {name}`",
            sets.join(", "),
            source.name
        ));
    }
    for app in overlays {
        notes.push(format!(
            "{app}: {} uses apps/{app}/overlays/{}, so {name} gets apps/{app}/base; to give \
             {name} its own values, run `fluxfleet add-overlay {app} --cluster {name} \
             --replicas N` (or --image, --env)",
            source.name, source.name
        ));
    }
    Ok((infra, apps))
}

/// `source`'s policy list (`clusters/<source>/policies/`), written from `name`'s.
fn copy_policies(source: &Cluster, name: &str, notes: &mut Vec<String>) -> Vec<String> {
    let list_dir = layout::cluster_dir(name).join("policies");
    let source_list = layout::policies_list(&source.name);
    let mut policies = Vec::new();
    if let Some(list) = source.lists().find(|l| l.path == source_list) {
        for reference in &list.references {
            if let Some(written) = copy_reference(source, reference, &list_dir, notes) {
                push_unique(&mut policies, written);
            }
        }
    }
    policies
}

/// The reference to write in the new list for one of the source's references.
fn copy_reference(
    source: &Cluster,
    reference: &Reference,
    dir: &Path,
    notes: &mut Vec<String>,
) -> Option<String> {
    if reference.is_remote() {
        return Some(reference.written().to_string());
    }
    match reference.target() {
        Some(target) if source.owns(target) => {
            notes.push(format!(
                "Not copied: {} ({}) lies in {}'s own tree",
                reference.written(),
                reference.location(),
                source.name
            ));
            None
        }
        Some(target) => Some(reference_between(dir, target)),
        None => {
            notes.push(format!(
                "Not copied: {} ({}) leaves the repository",
                reference.written(),
                reference.location()
            ));
            None
        }
    }
}

/// `(app, base)` when `target` is `apps/<app>/overlays/<cluster>` of an app with a base.
fn overlay_of(fleet: &Fleet, target: &Path, cluster: &str) -> Result<Option<(String, PathBuf)>> {
    let Some(app) = fleet
        .apps()
        .iter()
        .find(|app| target == app.overlay_dir(cluster))
    else {
        return Ok(None);
    };
    let base = fleet.app_layout(app)?.base.clone();
    Ok(base.map(|base| (app.name.clone(), base)))
}

fn push_unique(list: &mut Vec<String>, reference: String) {
    if !list.contains(&reference) {
        list.push(reference);
    }
}

//! `add-overlay`: "generating overlays on demand". `apps/APP/overlays/C/kustomization.yaml`
//! holds `../../base` plus what differs in cluster C (replicas and environment through a
//! Deployment patch, the image through kustomize's `images:`), as the seed's podinfo overlays
//! do; C's app list then references the overlay where it referenced the base. An existing
//! overlay is updated in place (see [`super::overlay_edit`]).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::fleet::{App, Fleet, Layout, Through};
use crate::names::{self, NameKind};
use crate::paths::to_slash;
use crate::plan::lists::{single_list, ListEdits};
use crate::plan::overlay_edit::OverlayEdit;
use crate::plan::values::{self, Image};
use crate::plan::{branch_name, ChangeSet};
use crate::render::Templates;
use crate::yaml::quote_scalar;

/// What `add-overlay` was asked for.
#[derive(Debug, Clone, Default)]
pub struct AddOverlayOptions {
    pub app: String,
    pub cluster: String,
    pub replicas: Option<u32>,
    pub image: Option<String>,
    /// Environment variables for the app's container, in the order given.
    pub env: Vec<(String, String)>,
}

/// What planning the overlay did, for a caller's story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayPlan {
    /// `apps/APP/overlays/C`.
    pub dir: PathBuf,
    /// True when the overlay is new, false when an existing one was updated.
    pub created: bool,
    /// True when C's app list now references the overlay instead of the base.
    pub switched: bool,
}

/// The app's Deployment as its base defines it.
#[derive(Debug, Clone, Default)]
struct BaseDeployment {
    name: Option<String>,
    container: Option<String>,
    image: Option<String>,
}

#[derive(Debug, Serialize)]
struct EnvVar {
    name: String,
    value: String,
}

/// Plans the overlay as its own change.
pub fn plan(
    fleet: &Fleet,
    templates: &Templates,
    options: &AddOverlayOptions,
) -> Result<ChangeSet> {
    let mut change = ChangeSet::default();
    let mut lists = ListEdits::new();
    let planned = plan_into(fleet, templates, options, &mut change, &mut lists)?;
    lists.finish(&mut change)?;
    let verb = if planned.created { "add" } else { "update" };
    change.summary = format!("{verb} {} overlay for {}", options.app, options.cluster);
    change.branch = branch_name(&format!(
        "{verb}-overlay {} {}",
        options.app, options.cluster
    ));
    change.body = format!(
        "The app list of {} decides presence; {} decides its configuration there.",
        options.cluster,
        to_slash(&planned.dir)
    );
    Ok(change)
}

/// Adds the overlay's files and the switch of C's list to `change` and `lists`, so that other
/// commands (`promote --overlay`) can plan an overlay as part of their own change.
pub fn plan_into(
    fleet: &Fleet,
    templates: &Templates,
    options: &AddOverlayOptions,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<OverlayPlan> {
    names::check(NameKind::App, &options.app)?;
    names::check(NameKind::Cluster, &options.cluster)?;
    let app = fleet.app(&options.app).ok_or_else(|| {
        let known: Vec<String> = fleet.apps().iter().map(|a| a.name.clone()).collect();
        names::unknown("app", &options.app, &known, "(no apps/NAME/base)")
    })?;
    let cluster = &options.cluster;
    names::cluster(cluster, &fleet.cluster_names(), "--cluster")?;
    let layout = fleet.app_layout(app)?;
    let site = match fleet.layout() {
        Layout::Discovered => sibling_site(fleet, app, cluster)?,
        _ => Site {
            base: layout.base.clone().ok_or_else(|| {
                Error::refused(format!(
                    "{} has no base/ for an overlay to build on: overlays patch apps/{}/base",
                    to_slash(&app.dir),
                    app.name
                ))
            })?,
            dir: app.overlay_dir(cluster),
            base_entry: "../../base".to_string(),
            exists: layout.overlays.contains(cluster),
            list: None,
        },
    };
    let base = site.base.clone();
    if options.replicas == Some(0) {
        return Err(Error::Usage(format!(
            "--replicas 0: absence is absence, not an overlay that disables {0}; to take {0} \
             out of {cluster}, run `fluxfleet demote app {0} --from {cluster}`",
            app.name
        )));
    }
    if let Some(replicas) = options.replicas {
        values::replicas(replicas)?;
    }
    let image = match &options.image {
        Some(image) => {
            values::image(image)?;
            Some(Image::parse(image))
        }
        None => None,
    };
    let mut env = Vec::new();
    for (name, value) in &options.env {
        values::env_name(name)?;
        if env.iter().any(|e: &EnvVar| e.name == *name) {
            return Err(Error::Usage(format!("--env {name} is given twice")));
        }
        env.push(EnvVar {
            name: name.clone(),
            value: quote_scalar(value),
        });
    }

    let deployment = base_deployment(fleet, app, &base)?;
    if fleet.layout() == Layout::Discovered && deployment.name.is_none() {
        return Err(Error::refused(format!(
            "{} defines no Deployment, and --replicas, --image and --env change a \
             Deployment: if {} is a HelmRelease, its replicas, image and environment are \
             values of its chart, set in a patch of the HelmRelease",
            to_slash(&base),
            app.name
        )));
    }
    let deployment_name = deployment.name.clone().unwrap_or_else(|| app.name.clone());
    let container = match (&deployment.container, env.is_empty()) {
        (_, true) => String::new(),
        (Some(container), false) => container.clone(),
        (None, false) => {
            return Err(Error::refused(format!(
                "--env needs the name of {}'s container, and no Deployment with a container was \
                 found in {}",
                app.name,
                to_slash(&base)
            )))
        }
    };

    let dir = site.dir.clone();
    let file = dir.join("kustomization.yaml");
    let patch = |replicas: Option<u32>, env: &[EnvVar]| -> Result<String> {
        let mut context = tera::Context::new();
        context.insert("deployment", &deployment_name);
        context.insert("replicas", &replicas);
        context.insert("container", &container);
        context.insert("env", env);
        templates.render("overlay/patch.yaml", &context)
    };
    let image_item = match &image {
        Some(image) => Some(image_entry(templates, image, deployment.image.as_deref())?),
        None => None,
    };

    single_list(fleet, &file)?;
    let created = match fleet.text(&file)? {
        None => {
            if site.exists {
                return Err(Error::refused(format!(
                    "{} exists without a kustomization.yaml: remove it or add one by hand",
                    to_slash(&dir)
                )));
            }
            if options.replicas.is_none() && image.is_none() && env.is_empty() {
                return Err(Error::Usage(format!(
                    "an overlay holds what differs in {cluster}: give --replicas, --image or \
                     --env (overlays are for differences, never for presence)"
                )));
            }
            let patches = if options.replicas.is_some() || !env.is_empty() {
                indent_item(&patch(options.replicas, &env)?)
            } else {
                String::new()
            };
            let images = image_item
                .as_ref()
                .map(|(_, _, item)| indent_item(item))
                .unwrap_or_default();
            let mut context = tera::Context::new();
            context.insert("base", &quote_scalar(&site.base_entry));
            context.insert("patches", &patches);
            context.insert("images", &images);
            change.create(
                &file,
                templates.render("overlay/kustomization.yaml", &context)?,
            )?;
            true
        }
        Some(text) => {
            let mut edit = OverlayEdit::new(&file, &text)?;
            if let Some(replicas) = options.replicas {
                edit.set_replicas(&deployment_name, replicas, &patch(Some(replicas), &[])?)?;
            }
            if let Some((name, fields, item)) = &image_item {
                let fields: Vec<(&str, Option<&str>)> =
                    fields.iter().map(|(k, v)| (*k, v.as_deref())).collect();
                edit.set_image(name, &fields, item)?;
            }
            if !env.is_empty() {
                for var in &env {
                    if edit.sets_env(&var.name)? {
                        return Err(Error::refused(format!(
                            "{} sets {} already: change its value there by hand (fluxfleet \
                             only adds environment variables to an existing overlay)",
                            to_slash(&file),
                            var.name
                        )));
                    }
                }
                edit.add_patch(&patch(None, &env)?)?;
            }
            change.edit(&file, text.to_string(), edit.text().to_string())?;
            false
        }
    };

    let switched = match &site.list {
        // The list that names the base names the overlay instead.
        Some(list) => lists.replace(fleet, list, &base, &dir)?,
        None if fleet.layout() == Layout::Discovered => false,
        None => switch_list(fleet, app, cluster, &base, &dir, change, lists)?,
    };
    Ok(OverlayPlan {
        dir,
        created,
        switched,
    })
}

/// Where an overlay goes: the base it builds on, its directory, the entry that names the base
/// from there, and whether the directory exists.
struct Site {
    base: PathBuf,
    dir: PathBuf,
    base_entry: String,
    exists: bool,
    /// The list that names the base, to name the overlay instead (other layouts).
    list: Option<PathBuf>,
}

/// On a layout other than the article's, where per-environment lists name the app's definition
/// (`apps/prod/kustomization.yaml` listing `../base/web`): the overlay is the sibling directory
/// those layouts use (`apps/prod/web`, building on `../../base/web`), which C's list then names
/// instead. An entry that names such a directory already is the overlay, updated in place.
fn sibling_site(fleet: &Fleet, app: &App, cluster: &str) -> Result<Site> {
    let placements = fleet.app_placements(&app.name);
    let here = placements.get(cluster).cloned().unwrap_or_default();
    let [placement] = here.as_slice() else {
        return Err(Error::refused(match here.len() {
            0 => format!(
                "{cluster} does not run {0}: in this layout the overlay goes beside the list \
                 that brings {0} in, so promote it first (`fluxfleet promote {0} --to \
                 {cluster}`), then add its overlay",
                app.name
            ),
            n => format!(
                "{cluster} gets {} by {n} entries: no single list to give an overlay to",
                app.name
            ),
        }));
    };
    let reference = placement.chain.first();
    let target = reference.and_then(|r| r.target().map(ToOwned::to_owned));
    let list_dir = placement
        .file
        .parent()
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let list_is_kustomization = placement
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| crate::fleet::KUSTOMIZATION_NAMES.contains(&n));
    let Some(target) = target.filter(|_| list_is_kustomization) else {
        return Err(Error::refused(format!(
            "{cluster} gets {} through {}:{}, not through an entry of a kustomization's \
             resources: fluxfleet cannot give it an overlay there",
            app.name,
            to_slash(&placement.file),
            placement.line
        )));
    };
    if target == app.dir {
        let dir = list_dir.join(&app.name);
        let exists = fleet.text(&dir.join("kustomization.yaml"))?.is_some()
            || fleet.read_files().iter().any(|f| f.starts_with(&dir));
        return Ok(Site {
            base: app.dir.clone(),
            base_entry: crate::paths::reference_between(&dir, &app.dir),
            dir,
            exists,
            list: Some(placement.file.clone()),
        });
    }
    Ok(Site {
        base: app.dir.clone(),
        base_entry: crate::paths::reference_between(&target, &app.dir),
        dir: target,
        exists: true,
        list: None,
    })
}

/// Points C's app list at the overlay where it references the base; says what else it found.
fn switch_list(
    fleet: &Fleet,
    app: &App,
    cluster: &str,
    base: &Path,
    dir: &Path,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<bool> {
    let placements = fleet.app_placements(&app.name);
    let here = placements.get(cluster).cloned().unwrap_or_default();
    let mut switched = false;
    for placement in &here {
        match &placement.through {
            Through::Base => {
                switched |= lists.replace(fleet, &placement.file, base, dir)?;
            }
            Through::Common => change.warnings.push(format!(
                "{cluster} gets {} through apps/common ({}:{}), which lists the base: the \
                 overlay takes effect only where a cluster lists it",
                app.name,
                to_slash(&placement.file),
                placement.line
            )),
            _ => {}
        }
    }
    if here.is_empty() {
        change.notes.push(format!(
            "{cluster} does not run {0}: the overlay takes effect when you run `fluxfleet \
             promote {0} --to {cluster}`",
            app.name
        ));
    }
    Ok(switched)
}

/// The Deployment of the app's base: its name, first container and image.
fn base_deployment(fleet: &Fleet, app: &App, base: &Path) -> Result<BaseDeployment> {
    let files: Vec<PathBuf> = fleet
        .app_manifests(app)?
        .lists
        .iter()
        .filter(|l| l.dir() == base)
        .flat_map(|l| {
            l.references
                .iter()
                .filter_map(|r| r.target().map(ToOwned::to_owned))
        })
        .collect();
    for file in files {
        let Some(text) = fleet.text(&file)? else {
            continue;
        };
        let Some(docs) = crate::yaml::values(&text) else {
            continue;
        };
        for doc in docs {
            if doc["kind"].as_str() != Some("Deployment") {
                continue;
            }
            let container = &doc["spec"]["template"]["spec"]["containers"][0];
            return Ok(BaseDeployment {
                name: doc["metadata"]["name"].as_str().map(String::from),
                container: container["name"].as_str().map(String::from),
                image: container["image"].as_str().map(String::from),
            });
        }
    }
    Ok(BaseDeployment::default())
}

type ImageFields = Vec<(&'static str, Option<String>)>;

/// The `images:` entry that makes `image` replace the base's image: its name, the fields to
/// set in an existing entry, and a new entry's text.
fn image_entry(
    templates: &Templates,
    image: &Image,
    base_image: Option<&str>,
) -> Result<(String, ImageFields, String)> {
    let name = base_image
        .map(|b| Image::parse(b).name)
        .unwrap_or_else(|| image.name.clone());
    let new_name = (image.name != name).then(|| image.name.clone());
    let fields: ImageFields = vec![
        ("newName", new_name.clone()),
        ("newTag", image.tag.clone()),
        ("digest", image.digest.clone()),
    ];
    let mut context = tera::Context::new();
    context.insert("name", &quote_scalar(&name));
    context.insert("new_name", &new_name.as_deref().map(quote_scalar));
    context.insert("new_tag", &image.tag.as_deref().map(quote_scalar));
    context.insert("digest", &image.digest.as_deref().map(quote_scalar));
    let item = templates.render("overlay/image.yaml", &context)?;
    Ok((name, fields, item))
}

/// A list item rendered at column 0, indented as an entry of a top-level list.
fn indent_item(item: &str) -> String {
    item.trim_end_matches('\n')
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

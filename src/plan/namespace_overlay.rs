//! `add-overlay ns`: the seed's "If the namespace metadata differs by environment, use
//! overlays": `infrastructure/namespaces/NAME/base` holds the Namespace, and
//! `infrastructure/namespaces/NAME/overlays/C` a kustomization with `../../base` and a patch
//! setting C's labels and annotations. C's infra list references the overlay; the other clusters
//! keep the base.
//!
//! A namespace not laid out that way yet moves there first, as `promote ns` moves one out of a
//! set ([`super::relocate`]): its manifest becomes `base/namespace.yaml` (a git rename), and
//! every cluster that had it imports the base instead. An existing overlay gains the labels and
//! annotations it does not set yet; one it sets to another value is refused (change it there by
//! hand), and one it sets already is nothing to do.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::fleet::{Fleet, Namespace, Through, COMMON_SET};
use crate::names::{self, NameKind};
use crate::paths::to_slash;
use crate::plan::lists::{infra_list, single_list, ListEdits};
use crate::plan::overlay_edit::OverlayEdit;
use crate::plan::relocate::{self, Destination, NAMESPACES};
use crate::plan::{branch_name, subject, values, ChangeSet};
use crate::render::Templates;
use crate::yaml::quote_scalar;

/// What `add-overlay ns` was asked for.
#[derive(Debug, Clone, Default)]
pub struct NamespaceOverlayOptions {
    pub namespace: String,
    pub cluster: String,
    /// Labels in cluster C, in the order given.
    pub labels: Vec<(String, String)>,
    /// Annotations in cluster C, in the order given.
    pub annotations: Vec<(String, String)>,
}

/// One label or annotation as the template writes it: quoted where YAML needs it.
#[derive(Debug, Clone, Serialize)]
struct Pair {
    key: String,
    value: String,
}

/// Plans the overlay.
pub fn plan(
    fleet: &Fleet,
    templates: &Templates,
    options: &NamespaceOverlayOptions,
) -> Result<ChangeSet> {
    let name = &options.namespace;
    let cluster = &options.cluster;
    names::check(NameKind::Namespace, name)?;
    names::check(NameKind::Cluster, cluster)?;
    let namespace = fleet
        .namespace(name)
        .ok_or_else(|| subject::unknown_namespace(fleet, name))?;
    names::cluster(cluster, &fleet.cluster_names(), "--cluster")?;
    let labels = checked(&options.labels, "--label", |k, v| {
        values::label_key(k)?;
        values::label_value(k, v)
    })?;
    let annotations = checked(&options.annotations, "--annotation", |k, v| {
        values::annotation_key(k)?;
        annotation_value(k, v)
    })?;
    if labels.is_empty() && annotations.is_empty() {
        return Err(Error::Usage(format!(
            "an overlay holds what differs in {cluster}: give --label or --annotation \
             (overlays are for differences, never for presence)"
        )));
    }
    refuse_unsupported(fleet, namespace)?;

    let mut change = ChangeSet::default();
    let mut lists = ListEdits::new();
    let dir = Path::new(NAMESPACES).join(name);
    let base = dir.join("base");
    let overlay = dir.join("overlays").join(cluster);
    let placements = fleet.namespace_placements(name);

    // The layout first: a namespace without a base moves into one.
    let relocated_for: Vec<String> = match namespace.base {
        Some(_) => Vec::new(),
        None => {
            let holders = relocate::holders(&placements);
            let planned = relocate::Move {
                namespace,
                destination: Destination::Base,
                reimport: true,
                importers: holders.clone(),
            };
            relocate::relocate(fleet, templates, &planned, &mut change, &mut lists)?;
            change.notes.push(format!(
                "Namespace {name} moved to {} so that clusters can differ in overlays{}.",
                to_slash(&base),
                match holders.is_empty() {
                    true => String::new(),
                    false => format!(
                        "; the clusters that had it ({}) import it from there",
                        holders.join(", ")
                    ),
                }
            ));
            holders
        }
    };

    // The overlay: a new one from the templates, or an existing one with what it lacks.
    let file = overlay.join("kustomization.yaml");
    single_list(fleet, &file)?;
    let render_patch = |labels: &[Pair], annotations: &[Pair]| -> Result<String> {
        let mut context = tera::Context::new();
        context.insert("namespace", name);
        context.insert("labels", labels);
        context.insert("annotations", annotations);
        templates.render("namespace/patch.yaml", &context)
    };
    let created = match fleet.text(&file)? {
        None => {
            if namespace.overlays.contains(cluster) {
                return Err(Error::refused(format!(
                    "{} exists without a kustomization.yaml: remove it or add one by hand",
                    to_slash(&overlay)
                )));
            }
            let mut context = tera::Context::new();
            context.insert(
                "patches",
                &indent_item(&render_patch(&labels, &annotations)?),
            );
            change.create(&file, templates.render("namespace/overlay.yaml", &context)?)?;
            true
        }
        Some(text) => {
            let mut edit = OverlayEdit::new(&file, &text)?;
            let new_labels = missing(&edit, name, &file, "labels", &options.labels, &labels)?;
            let new_annotations = missing(
                &edit,
                name,
                &file,
                "annotations",
                &options.annotations,
                &annotations,
            )?;
            if !new_labels.is_empty() || !new_annotations.is_empty() {
                edit.add_patch(&render_patch(&new_labels, &new_annotations)?)?;
                change.edit(&file, text.to_string(), edit.text().to_string())?;
            }
            false
        }
    };

    // C's list references the overlay where it referenced the base.
    if relocated_for.contains(cluster) {
        lists.replace(fleet, &infra_list(fleet, cluster)?, &base, &overlay)?;
    } else {
        for placement in placements.get(cluster).into_iter().flatten() {
            if placement.through == Through::Base {
                lists.replace(fleet, &placement.file, &base, &overlay)?;
            }
        }
    }
    if !placements.contains_key(cluster) {
        change.notes.push(format!(
            "{cluster} does not have namespace {name}: the overlay takes effect when you run \
             `fluxfleet promote ns {name} --to {cluster}`"
        ));
    }
    lists.finish(&mut change)?;

    let verb = if created { "add" } else { "update" };
    change.summary = format!("{verb} namespace {name} overlay for {cluster}");
    change.branch = branch_name(&format!("{verb}-overlay ns {name} {cluster}"));
    change.body = format!(
        "The infra list of {cluster} decides presence; {} decides namespace {name}'s metadata \
         there. The other clusters keep {}.",
        to_slash(&overlay),
        to_slash(&base)
    );
    Ok(change)
}

/// Refuses the namespaces this command cannot lay out with overlays.
fn refuse_unsupported(fleet: &Fleet, namespace: &Namespace) -> Result<()> {
    let name = &namespace.name;
    let sets: Vec<&str> = fleet
        .namespace_definitions(name)
        .map(|n| n.set.as_str())
        .collect();
    if sets.len() > 1 {
        return Err(Error::refused(format!(
            "namespace {name} is defined in several sets ({}): keep one definition, then run \
             this again",
            sets.join(", ")
        )));
    }
    if namespace.set == COMMON_SET {
        return Err(Error::refused(format!(
            "namespace {name} is in the common set ({}), one definition every cluster imports: \
             take it out of infrastructure/namespaces/common by hand (`fluxfleet promote ns \
             {name} --to all` after that), then add the overlay",
            to_slash(&namespace.file)
        )));
    }
    if namespace.base.is_some() {
        return Ok(());
    }
    if !namespace.own_dir {
        if let Some(set) = fleet.set(name) {
            return Err(Error::refused(format!(
                "{} exists already as a namespace set (holding {}): namespace {name}'s base \
                 and overlays would go there; rename that set first",
                to_slash(&set.dir),
                set.namespaces.join(", ")
            )));
        }
        return Ok(());
    }
    // Its own directory becomes base/: everything its list holds must be the manifest.
    let others: Vec<String> = fleet
        .set(&namespace.set)
        .and_then(|s| s.list.as_ref())
        .map(|list| {
            list.references
                .iter()
                .filter(|r| r.target() != Some(namespace.file.as_path()))
                .map(|r| format!("{} ({}:{})", r.written(), to_slash(&r.file), r.line))
                .collect()
        })
        .unwrap_or_default();
    if !others.is_empty() {
        return Err(Error::refused(format!(
            "{} lists more than namespace {name}'s manifest: {}\nmove them into {}/base by hand \
             (with the manifest and the kustomization), then run this again",
            to_slash(&namespace.set_dir),
            others.join(", "),
            to_slash(&namespace.set_dir)
        )));
    }
    Ok(())
}

/// The given pairs, each checked by `check`, quoted for the template; a key given twice is
/// refused.
fn checked(
    given: &[(String, String)],
    flag: &str,
    check: impl Fn(&str, &str) -> Result<()>,
) -> Result<Vec<Pair>> {
    let mut out: Vec<Pair> = Vec::new();
    for (i, (key, value)) in given.iter().enumerate() {
        check(key, value)?;
        if given[..i].iter().any(|(k, _)| k == key) {
            return Err(Error::Usage(format!("{flag} {key} is given twice")));
        }
        out.push(Pair {
            key: quote_scalar(key),
            value: quote_scalar(value),
        });
    }
    Ok(out)
}

/// Annotation values are free text; the overlay's patch holds them on one line.
fn annotation_value(key: &str, value: &str) -> Result<()> {
    if value.chars().any(char::is_control) {
        return Err(Error::refused(format!(
            "invalid value for annotation {key}: fluxfleet writes annotation values on one line, \
             without control characters (newlines, tabs); write a longer one in the overlay by \
             hand"
        )));
    }
    Ok(())
}

/// The pairs of `given` (quoted as `quoted`) that the overlay does not set yet. One it sets to
/// another value is refused: an existing value is changed by hand.
fn missing(
    edit: &OverlayEdit,
    namespace: &str,
    file: &Path,
    field: &str,
    given: &[(String, String)],
    quoted: &[Pair],
) -> Result<Vec<Pair>> {
    let mut out = Vec::new();
    for ((key, value), pair) in given.iter().zip(quoted) {
        match edit.patched_metadata("Namespace", namespace, field, key)? {
            Some(old) if old == *value => {}
            Some(old) => {
                return Err(Error::refused(format!(
                    "{} sets {} {key} to {old:?} already: change its value there by hand \
                     (fluxfleet only adds labels and annotations to an existing overlay)",
                    to_slash(file),
                    field.trim_end_matches('s')
                )))
            }
            None => out.push(pair.clone()),
        }
    }
    Ok(out)
}

/// A list item rendered at column 0, indented as an entry of a top-level list.
fn indent_item(item: &str) -> String {
    item.trim_end_matches('\n')
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

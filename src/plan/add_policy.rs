//! `add-policy NAME --stage STAGE [--from FILE] [--clusters C,...]`: a Kyverno policy in
//! `infrastructure/policies/kyverno/STAGE/NAME.yaml`, listed by the stage. A stage that does not
//! exist yet is created and imported by the named clusters (`shared` by every cluster), from
//! each cluster's policy list, which is applied by its own Flux Kustomization after `infra`
//! (see the generated README): a cluster made before that layout gets the list and the Flux
//! Kustomization first.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fleet::{self, Fleet, Mode, KYVERNO, POLICIES_DIR};
use crate::names::{self, NameKind};
use crate::paths::{reference_between, to_slash};
use crate::plan::layout;
use crate::plan::lists::ListEdits;
use crate::plan::promote_policy::importers;
use crate::plan::{branch_name, ChangeSet};
use crate::render::Templates;
use crate::yaml::{self, Purpose};

/// The stage every cluster imports.
pub const SHARED_STAGE: &str = "shared";

/// A policy file the user gave with `--from`.
#[derive(Debug, Clone)]
pub struct GivenPolicy {
    /// The path as given, for messages.
    pub shown: String,
    /// Its text, kept byte for byte.
    pub text: String,
}

/// What `add-policy` was asked for.
#[derive(Debug, Clone)]
pub struct AddPolicyOptions {
    pub name: String,
    pub stage: String,
    /// The user's own policy file instead of the template.
    pub from: Option<GivenPolicy>,
    /// The clusters that import a new stage, known to the fleet; `None` when not given.
    pub clusters: Option<Vec<String>>,
}

/// The directory of Kyverno stage `stage`.
pub fn stage_dir(stage: &str) -> PathBuf {
    Path::new(POLICIES_DIR).join(KYVERNO).join(stage)
}

/// Plans the new policy.
pub fn plan(fleet: &Fleet, templates: &Templates, options: &AddPolicyOptions) -> Result<ChangeSet> {
    let name = &options.name;
    let stage = &options.stage;
    names::check(NameKind::Policy, name)?;
    names::check(NameKind::Stage, stage).map_err(|e| names::in_flag(e, "--stage"))?;
    let dir = stage_dir(stage);
    let file = dir.join(format!("{name}.yaml"));
    let (content, mode) = match &options.from {
        Some(given) => (given.text.clone(), check_given(given, name)?),
        None => {
            let mut context = tera::Context::new();
            context.insert("name", name);
            (
                templates.render("policy/policy.yaml", &context)?,
                Mode::Audit,
            )
        }
    };
    let summary = format!("add policy {name} to stage {stage}");
    let mut change = ChangeSet::new(&summary, branch_name(&format!("add-policy {name}")));
    if let Some(existing) = fleet.policy(name) {
        // The same run again: nothing to do.
        let same = existing.file == file
            && existing.entry.is_some()
            && fleet.text(&file)?.is_some_and(|t| *t == *content);
        if same {
            return Ok(change);
        }
        return Err(Error::refused(format!(
            "policy {name} exists already: {}:{} (stage {}); move it with `fluxfleet promote \
             policy {name} --to STAGE`, or choose another name",
            to_slash(&existing.file),
            existing.line,
            existing.stage
        )));
    }
    if fleet.text(&file)?.is_some() {
        return Err(Error::refused(format!(
            "{} exists already and holds no Kyverno policy named {name}: choose another name, \
             or list that file in the stage by hand",
            to_slash(&file)
        )));
    }
    let existing = fleet.stage(stage);
    let targets = match (existing, &options.clusters) {
        (Some(_), None) => Vec::new(),
        (Some(_), Some(named)) => {
            let importing = importers(fleet, &dir);
            let missing: Vec<&str> = named
                .iter()
                .filter(|c| !importing.contains(c))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(Error::refused(format!(
                    "stage {stage} exists and is imported by {}; {} would also get every other \
                     policy of {}. --clusters names the clusters of a new stage: leave it out to \
                     add {name} to the stage as it is imported, or choose a new stage",
                    names::listed(&importing),
                    missing.join(", "),
                    to_slash(&dir)
                )));
            }
            Vec::new()
        }
        (None, Some(named)) => named.clone(),
        (None, None) if stage == SHARED_STAGE => fleet.cluster_names(),
        (None, None) => {
            return Err(Error::Usage(format!(
                "stage {stage} is new: say which clusters import it with --clusters C,... \
                 (only `shared` goes to every cluster without asking)"
            )))
        }
    };

    change.create(&file, content)?;
    let mut lists = ListEdits::new();
    match existing {
        Some(found) => match &found.list {
            Some(list) if !list.generated => {
                lists.add(fleet, &list.path, &file)?;
            }
            _ => {
                return Err(Error::refused(format!(
                    "{} has no kustomization.yaml: fluxfleet adds policies to a stage's list; \
                     add one listing its policies first",
                    to_slash(&dir)
                )))
            }
        },
        None => {
            let mut context = tera::Context::new();
            context.insert("resources", &[format!("{name}.yaml")]);
            change.create(
                dir.join("kustomization.yaml"),
                templates.render("kustomization.yaml", &context)?,
            )?;
        }
    }
    let mut laid_out = Vec::new();
    for cluster in &targets {
        if import(fleet, templates, cluster, &dir, &mut change, &mut lists)? {
            laid_out.push(cluster.as_str());
        }
    }
    lists.finish(&mut change)?;

    let reached = match existing {
        Some(_) => importers(fleet, &dir),
        None => targets.clone(),
    };
    change.body = format!(
        "Policy {name} ({mode} mode) joins stage {stage} in {}, which {} import{}.",
        to_slash(&dir),
        match reached.is_empty() {
            true => "no cluster".to_string(),
            false => reached.join(", "),
        },
        if reached.len() == 1 { "s" } else { "" }
    );
    if !laid_out.is_empty() {
        change.body.push_str(&format!(
            "\n\n{} had no policy list: each gets clusters/<cluster>/policies.yaml, a Flux \
             Kustomization that applies clusters/<cluster>/policies after infra (so Kyverno's \
             CRDs exist first), listed by the cluster's entrypoint.",
            laid_out.join(", ")
        ));
    }
    let without: Vec<&str> = reached
        .iter()
        .filter_map(|c| fleet.cluster(c))
        .filter(|c| fleet.kyverno_references(c).is_empty())
        .map(|c| c.name.as_str())
        .collect();
    if !without.is_empty() {
        change.warnings.push(format!(
            "{} do{} not get the Kyverno controller: nothing serves {name} there until \
             infrastructure/controllers/kyverno is referenced from {} infra list",
            without.join(", "),
            if without.len() == 1 { "es" } else { "" },
            if without.len() == 1 { "its" } else { "their" }
        ));
    }
    if mode != Mode::Audit {
        change.warnings.push(format!(
            "{} is in {mode} mode: a new policy usually starts in Audit; `fluxfleet audit policy \
             {name}` switches it",
            options
                .from
                .as_ref()
                .map_or(name.as_str(), |g| g.shown.as_str())
        ));
    }
    if reached.is_empty() {
        change
            .notes
            .push(format!("No cluster imports {} yet.", to_slash(&dir)));
    } else {
        change.notes.push(format!(
            "Next: watch its reports (kubectl get policyreports -A), then `fluxfleet promote \
             policy {name} --to STAGE` or `fluxfleet enforce policy {name}`."
        ));
    }
    Ok(change)
}

/// The mode of the user's policy file, once it is known to hold a Kyverno policy named `name`.
fn check_given(given: &GivenPolicy, name: &str) -> Result<Mode> {
    let docs = yaml::parse(Path::new(&given.shown), &given.text, Purpose::Read)?;
    let mut held = Vec::new();
    for doc in docs.iter().map(|d| &d.root) {
        if let Some((found, _, _)) = fleet::identify_policy(doc) {
            if found == name {
                if docs.len() > 1 {
                    return Err(Error::refused(format!(
                        "{} holds {} documents: give policy {name} a file of its own, so that \
                         `promote policy` can move it",
                        given.shown,
                        docs.len()
                    )));
                }
                return Ok(fleet::policy_mode(doc));
            }
        }
        let kind = doc.get("kind").and_then(yaml::Node::as_str);
        let api = doc.get("apiVersion").and_then(yaml::Node::as_str);
        let named = doc
            .at_path(&["metadata", "name"])
            .and_then(yaml::Node::as_str);
        held.push(match (api, kind, named) {
            (Some(api), Some(kind), Some(named)) => format!("{kind} {named} ({api})"),
            (_, Some(kind), _) => kind.to_string(),
            _ => "a document without apiVersion and kind".to_string(),
        });
    }
    let holds = match held.is_empty() {
        true => "nothing".to_string(),
        false => held.join(", "),
    };
    Err(Error::refused(format!(
        "{} holds {holds}; expected a Kyverno ClusterPolicy or Policy (apiVersion kyverno.io/v1) \
         named {name}",
        given.shown
    )))
}

/// Imports stage `dir` into `cluster`'s policy list; a cluster without one gets it first, with
/// its Flux Kustomization, listed by the entrypoint. True when the list was made.
fn import(
    fleet: &Fleet,
    templates: &Templates,
    cluster: &str,
    dir: &Path,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<bool> {
    let list = layout::policies_list(cluster);
    if fleet.text(&list)?.is_some() {
        lists.add(fleet, &list, dir)?;
        return Ok(false);
    }
    let list_dir = list.parent().unwrap_or(Path::new(""));
    let mut context = tera::Context::new();
    context.insert("cluster", cluster);
    context.insert("policies", &[reference_between(list_dir, dir)]);
    change.create(
        &list,
        templates.render("cluster/policies/kustomization.yaml", &context)?,
    )?;
    let flux = layout::policies_kustomization(cluster);
    if fleet.text(&flux)?.is_none() {
        change.create(&flux, templates.render("cluster/policies.yaml", &context)?)?;
    }
    let entry = fleet.cluster(cluster).and_then(|c| c.entry.as_ref());
    match entry {
        // Flux generates the entrypoint from the directory's files: the new one is in it.
        Some(entry) if entry.generated => {}
        Some(entry) => {
            lists.add(fleet, &entry.path, &flux)?;
        }
        None => {
            return Err(Error::refused(format!(
                "cluster {cluster} has no entrypoint (clusters/{cluster}/kustomization.yaml)"
            )))
        }
    }
    Ok(true)
}

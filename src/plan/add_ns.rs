//! `add-ns`: a namespace in its own directory (like the seed's team-x), in the common set every
//! cluster imports, or in a named set (test-only, customer-facing) the named clusters import.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::fleet::{Fleet, NamespaceSet, COMMON_SET};
use crate::names::{self, NameKind};
use crate::paths::to_slash;
use crate::plan::lists::infra_list;
use crate::plan::lists::ListEdits;
use crate::plan::relocate::Destination;
use crate::plan::{branch_name, taken, values, ChangeSet};
use crate::render::Templates;
use crate::yaml::quote_scalar;

/// The domain of the generated platform labels unless `--label-domain` says otherwise.
pub const LABEL_DOMAIN: &str = "platform.example.com";

/// The label every generated namespace carries, as the seed writes it.
const PART_OF: (&str, &str) = ("app.kubernetes.io/part-of", "platform");

/// What `add-ns` was asked for.
#[derive(Debug, Clone)]
pub struct AddNsOptions {
    pub name: String,
    /// A namespace set; `None` for the namespace's own directory.
    pub set: Option<String>,
    /// The clusters that import it, known to the fleet; empty for the common set, which every
    /// cluster imports.
    pub clusters: Vec<String>,
    /// Extra labels, in the order given; one with a generated key replaces that label.
    pub labels: Vec<(String, String)>,
    /// Domain of the generated `<domain>/namespace-set` and `<domain>/environment-scope` labels.
    pub label_domain: String,
    /// Let clusters import a named set for the first time although it holds other namespaces,
    /// which they then receive too ([`set_newcomers`]).
    pub import_set: bool,
}

/// What importing an existing named set into more clusters brings along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetImport {
    pub set: String,
    /// The clusters among the targets that do not import the set yet.
    pub newcomers: Vec<String>,
    /// The namespaces the set holds already, which they would receive too.
    pub others: Vec<String>,
}

/// For `add-ns NAME --set SET --clusters ...`: the clusters that would import SET for the first
/// time and the namespaces they would receive with it; `None` when that brings nothing else
/// (a new set, the common set, or clusters that import it already).
pub fn set_newcomers(fleet: &Fleet, set: Option<&str>, targets: &[String]) -> Option<SetImport> {
    let set = set.filter(|s| *s != COMMON_SET)?;
    let existing = fleet.set(set)?;
    let newcomers: Vec<String> = not_importing(fleet, existing, targets)
        .into_iter()
        .cloned()
        .collect();
    let others = existing.namespaces.clone();
    (!newcomers.is_empty() && !others.is_empty()).then(|| SetImport {
        set: set.to_string(),
        newcomers,
        others,
    })
}

/// The clusters among `clusters` whose infra list does not import `set` yet.
pub(crate) fn not_importing<'c>(
    fleet: &Fleet,
    set: &NamespaceSet,
    clusters: impl IntoIterator<Item = &'c String>,
) -> Vec<&'c String> {
    clusters
        .into_iter()
        .filter(|c| {
            fleet
                .cluster(c)
                .and_then(|c| c.infra_list.as_ref())
                .is_some_and(|l| !l.references_target(&set.dir))
        })
        .collect()
}

impl SetImport {
    /// The refusal when the import was not asked for: who would receive what, and the commands
    /// that add the namespace alone instead.
    pub fn refusal(&self, name: &str) -> Error {
        let (set, clusters) = (&self.set, self.newcomers.join(", "));
        Error::refused(format!(
            "set {set} holds {} too: importing infrastructure/namespaces/{set} into {clusters} \
             would bring {} there as well.\nto add {name} alone, leave out --set ({name} gets \
             its own directory) or name a set for those clusters (--set {}-only); to import the \
             whole set into {clusters}, pass --import-set",
            self.others.join(", "),
            match self.others.len() {
                1 => "it",
                _ => "them",
            },
            self.newcomers.first().map_or("dev", String::as_str),
        ))
    }
}

/// One label as the template writes it: key and value already quoted where YAML needs it.
#[derive(Debug, Serialize)]
struct Label {
    key: String,
    value: String,
}

/// Plans the new namespace.
pub fn plan(fleet: &Fleet, templates: &Templates, options: &AddNsOptions) -> Result<ChangeSet> {
    let mut change = ChangeSet::default();
    let mut lists = ListEdits::new();
    let (summary, body) = plan_into(fleet, templates, options, &mut change, &mut lists)?;
    lists.finish(&mut change)?;
    change.summary = summary;
    change.branch = branch_name(&format!("add-ns {}", options.name));
    change.body = body;
    Ok(change)
}

/// Plans the new namespace into `change` and `lists`, as part of a larger change (a controller
/// brings the namespace it installs into); returns the summary and body of its own story.
pub(crate) fn plan_into(
    fleet: &Fleet,
    templates: &Templates,
    options: &AddNsOptions,
    change: &mut ChangeSet,
    lists: &mut ListEdits,
) -> Result<(String, String)> {
    let name = &options.name;
    names::check(NameKind::Namespace, name)?;
    taken::namespace(fleet, name)?;
    let destination = match &options.set {
        None => Destination::OwnDir,
        Some(set) => {
            names::check(NameKind::Set, set)?;
            Destination::Set(set.clone())
        }
    };
    let is_common = matches!(&destination, Destination::Set(s) if s == COMMON_SET);
    let targets = match is_common {
        true => Vec::new(),
        false => options.clusters.clone(),
    };
    let dir = destination.dir(name);
    if destination == Destination::OwnDir {
        if let Some(set) = fleet.set(name) {
            return Err(Error::refused(format!(
                "{} exists already as a namespace set (holding {}): put {name} there with \
                 `--set {name}`, or choose another name",
                to_slash(&set.dir),
                set.namespaces.join(", ")
            )));
        }
    }
    let labels = labels(options, &destination)?;
    let set_import = set_newcomers(fleet, options.set.as_deref(), &targets);
    if let Some(import) = &set_import {
        if !options.import_set {
            return Err(import.refusal(name));
        }
    }

    let scope = match &destination {
        Destination::OwnDir | Destination::Base => "its own directory".to_string(),
        Destination::Set(set) => format!("set {set}"),
    };
    let summary = if is_common {
        format!("add namespace {name} to the common set")
    } else {
        format!("add namespace {name} in {scope} for {}", targets.join(", "))
    };
    let body = if is_common {
        format!(
            "Namespace {name} joins infrastructure/namespaces/common, which every cluster imports \
             explicitly from its infra list."
        )
    } else {
        format!(
            "Namespace {name} is defined once under {} and imported by the infra lists of {}.",
            to_slash(&dir),
            targets.join(", ")
        )
    };

    let file = destination.file(name);
    let mut context = tera::Context::new();
    context.insert("namespace", name);
    context.insert("labels", &labels);
    change.create(
        &file,
        templates.render("namespace/namespace.yaml", &context)?,
    )?;

    let set_list = dir.join("kustomization.yaml");
    let set_exists = fleet.set(&dir_name(&dir)).is_some();
    if fleet.text(&set_list)?.is_some() {
        lists.add(fleet, &set_list, &file)?;
    } else if set_exists {
        return Err(Error::refused(format!(
            "{} has no kustomization.yaml: fluxfleet adds namespaces to a set's list; add one \
             listing its manifests first",
            to_slash(&dir)
        )));
    } else {
        let mut context = tera::Context::new();
        context.insert("resources", &[file_name(&file)]);
        change.create(&set_list, templates.render("kustomization.yaml", &context)?)?;
    }

    for cluster in &targets {
        lists.add(fleet, &infra_list(fleet, cluster)?, &dir)?;
    }

    // Who else receives it: every cluster importing the set, not only the ones named.
    let importers: Vec<String> = fleet
        .clusters()
        .iter()
        .filter(|c| {
            c.infra_list
                .as_ref()
                .is_some_and(|l| l.references_target(&dir))
        })
        .map(|c| c.name.clone())
        .collect();
    if is_common {
        let missing: Vec<&str> = fleet
            .clusters()
            .iter()
            .map(|c| c.name.as_str())
            .filter(|c| !importers.iter().any(|i| i == c))
            .collect();
        if !missing.is_empty() {
            change.warnings.push(format!(
                "{} do not import infrastructure/namespaces/common and will not get {name}: add \
                 `- ../../../infrastructure/namespaces/common` to their infra lists",
                missing.join(", ")
            ));
        }
    } else {
        if let Some(import) = &set_import {
            change.warnings.push(format!(
                "{} now import set {} and receive {} too",
                import.newcomers.join(", "),
                import.set,
                import.others.join(", ")
            ));
        }
        let others: Vec<&String> = importers.iter().filter(|c| !targets.contains(c)).collect();
        if !others.is_empty() {
            change.warnings.push(format!(
                "{} import {} already and receive {name} too",
                others
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                to_slash(&dir)
            ));
        }
    }
    Ok((summary, body))
}

/// The seed's labels for `destination`, then the user's (replacing a generated one with the
/// same key).
fn labels(options: &AddNsOptions, destination: &Destination) -> Result<Vec<Label>> {
    values::dns_subdomain("--label-domain", &options.label_domain)?;
    let domain = &options.label_domain;
    let scope = match destination {
        Destination::Set(set) if set == COMMON_SET => {
            (format!("{domain}/namespace-set"), COMMON_SET.to_string())
        }
        Destination::Set(set) => (format!("{domain}/environment-scope"), set.clone()),
        Destination::OwnDir | Destination::Base => {
            (format!("{domain}/environment-scope"), "shared".to_string())
        }
    };
    let mut pairs: Vec<(String, String)> =
        vec![(PART_OF.0.to_string(), PART_OF.1.to_string()), scope];
    let mut given: Vec<&str> = Vec::new();
    for (key, value) in &options.labels {
        values::label_key(key)?;
        values::label_value(key, value)?;
        if given.contains(&key.as_str()) {
            return Err(Error::Usage(format!("--label {key} is given twice")));
        }
        given.push(key);
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.clone(),
            None => pairs.push((key.clone(), value.clone())),
        }
    }
    Ok(pairs
        .into_iter()
        .map(|(key, value)| Label {
            key: quote_scalar(&key),
            value: quote_scalar(&value),
        })
        .collect())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn dir_name(dir: &Path) -> String {
    file_name(dir)
}

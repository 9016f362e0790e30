//! Policies rolled out by stage: the Kyverno `ClusterPolicy` and `Policy` documents listed by
//! `infrastructure/policies/<engine>/<stage>/kustomization.yaml`.
//!
//! A policy's name is its `metadata.name`, its stage the directory listing it. Its mode is what
//! Kyverno does on a violation: per rule `validate.failureAction` (current Kyverno), else the
//! policy's `spec.validationFailureAction` (older Kyverno), else Audit (Kyverno's default).
//! A policy whose validate rules disagree is [`Mode::Mixed`]: neither word would be true, and
//! `enforce`/`audit` make it one again.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::members;
use super::read::{is_yaml, Docs, Reader};
use super::reference::{ListFile, Reference};
use crate::error::Result;
use crate::yaml::Node;

/// The directory holding the policy engines and their stages.
pub const POLICIES_DIR: &str = "infrastructure/policies";

/// The engine fluxfleet writes policies for.
pub const KYVERNO: &str = "kyverno";

/// What Kyverno does with a request that violates a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Reported, not blocked (Kyverno's default).
    Audit,
    /// Blocked.
    Enforce,
    /// Some validate rules audit and others enforce.
    Mixed,
}

impl Mode {
    /// `Audit`, `Enforce` or `Mixed`, as status shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Audit => "Audit",
            Mode::Enforce => "Enforce",
            Mode::Mixed => "Mixed",
        }
    }

    /// The mode a `failureAction` value says, in either case (`enforce` in older policies).
    pub fn parse(value: &str) -> Option<Mode> {
        match value.to_ascii_lowercase().as_str() {
            "audit" => Some(Mode::Audit),
            "enforce" => Some(Mode::Enforce),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Kyverno policy in a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `metadata.name`.
    pub name: String,
    /// `ClusterPolicy` or `Policy`.
    pub kind: String,
    /// The repository-relative file holding it.
    pub file: PathBuf,
    /// The line of `metadata.name` in it.
    pub line: usize,
    /// The engine directory (`kyverno`).
    pub engine: String,
    /// The stage directory (`test-only`, `shared`, `prod`).
    pub stage: String,
    /// `infrastructure/policies/<engine>/<stage>`.
    pub stage_dir: PathBuf,
    /// The stage list's entry that brings the file in, when the stage has a list.
    pub entry: Option<Reference>,
    /// Audit, Enforce or Mixed.
    pub mode: Mode,
}

/// A stage directory `infrastructure/policies/<engine>/<stage>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// `kyverno`.
    pub engine: String,
    /// The directory name.
    pub name: String,
    /// `infrastructure/policies/<engine>/<name>`.
    pub dir: PathBuf,
    /// Its kustomization, if it has one.
    pub list: Option<ListFile>,
}

/// Reads every stage of every engine and the policies in them. Policies are sorted by name,
/// then stage.
pub(crate) fn read(reader: &Reader) -> Result<(Vec<Stage>, Vec<Policy>)> {
    let root = Path::new(POLICIES_DIR);
    let mut stages = Vec::new();
    let mut policies = Vec::new();
    for engine in reader.subdirs(root)? {
        for name in reader.subdirs(&root.join(&engine))? {
            let dir = root.join(&engine).join(&name);
            let list = reader.list_and_id(&dir)?;
            let mut found = Vec::new();
            members::walk(reader, &dir, list.as_ref(), &mut |file, entry| {
                collect_file(reader, file, entry, &mut found)
            })?;
            let mut seen = HashSet::new();
            for mut policy in found {
                if seen.insert(policy.name.clone()) {
                    policy.engine.clone_from(&engine);
                    policy.stage.clone_from(&name);
                    policy.stage_dir.clone_from(&dir);
                    policies.push(policy);
                }
            }
            stages.push(Stage {
                engine: engine.clone(),
                name,
                dir,
                list: list.map(|(list, _)| list),
            });
        }
    }
    policies.sort_by(|a, b| (&a.name, &a.stage).cmp(&(&b.name, &b.stage)));
    Ok((stages, policies))
}

fn collect_file(
    reader: &Reader,
    file: &Path,
    entry: Option<&Reference>,
    found: &mut Vec<Policy>,
) -> Result<()> {
    if !is_yaml(&file.to_string_lossy()) {
        return Ok(());
    }
    let wanted = |text: &str| text.contains("kyverno.io") && reader.concerns(text);
    let Docs::Parsed(docs) = reader.docs_if(file, wanted)? else {
        return Ok(());
    };
    for doc in docs.iter().map(|d| &d.root) {
        if let Some((name, kind, line)) = identify(doc) {
            found.push(Policy {
                name: name.to_string(),
                kind: kind.to_string(),
                file: file.to_path_buf(),
                line,
                engine: String::new(),
                stage: String::new(),
                stage_dir: PathBuf::new(),
                entry: entry.cloned(),
                mode: mode_of(doc),
            });
        }
    }
    Ok(())
}

/// The name, kind and line of the name of a Kyverno policy document; `None` for anything else.
pub(crate) fn identify(doc: &Node) -> Option<(&str, &str, usize)> {
    let api = doc.get("apiVersion").and_then(Node::as_str)?;
    let kind = doc.get("kind").and_then(Node::as_str)?;
    if !api.starts_with("kyverno.io/") || !matches!(kind, "ClusterPolicy" | "Policy") {
        return None;
    }
    let name = doc.at_path(&["metadata", "name"])?;
    Some((name.as_str()?, kind, name.line))
}

/// The mode of a policy document: see the module's documentation.
pub(crate) fn mode_of(doc: &Node) -> Mode {
    let spec = doc.get("spec");
    let default = spec
        .and_then(|s| s.get("validationFailureAction"))
        .and_then(Node::as_str)
        .and_then(Mode::parse)
        .unwrap_or(Mode::Audit);
    let rules = spec.and_then(|s| s.get("rules")).map(Node::items);
    let mut modes = rules.unwrap_or_default().iter().filter_map(|rule| {
        let validate = rule.get("validate")?;
        Some(
            validate
                .get("failureAction")
                .and_then(Node::as_str)
                .and_then(Mode::parse)
                .unwrap_or(default),
        )
    });
    let Some(first) = modes.next() else {
        return default;
    };
    match modes.all(|m| m == first) {
        true => first,
        false => Mode::Mixed,
    }
}

impl super::Fleet {
    /// The references of `cluster`'s lists that bring in a Kyverno controller: a directory
    /// under `infrastructure/controllers` with kyverno in its name.
    pub fn kyverno_references<'c>(&self, cluster: &'c super::Cluster) -> Vec<&'c Reference> {
        let controllers: Vec<&Path> = self
            .definitions()
            .iter()
            .filter(|d| d.kind == super::DefinitionKind::Controller && d.name.contains(KYVERNO))
            .map(|d| d.dir.as_path())
            .collect();
        cluster
            .references()
            .filter(|r| {
                r.target()
                    .is_some_and(|t| controllers.iter().any(|c| t.starts_with(c)))
            })
            .collect()
    }
}

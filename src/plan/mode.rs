//! `enforce policy NAME` / `audit policy NAME`: the seed's "switch Audit to Enforce when
//! ready", as the smallest edit of the policy's file.
//!
//! Every value that decides the mode is set in place, keeping its quoting (and its lowercase
//! spelling, `enforce`, in older policies): each validate rule's `failureAction` and the
//! policy's `spec.validationFailureAction`. A validate rule that says nothing while the policy
//! says nothing either gets `failureAction`, the field current Kyverno reads (the policy-wide
//! field is deprecated since Kyverno 1.13), as the first key of its `validate` mapping.

use std::path::Path;

use crate::error::{Error, Result};
use crate::fleet::{self, Fleet, Mode};
use crate::paths::to_slash;
use crate::plan::{branch_name, subject, ChangeSet};
use crate::yaml::{self, set_scalar, Kind, Node, Purpose};

const BOM: &str = "\u{feff}";

/// What `enforce`/`audit` was asked for.
#[derive(Debug, Clone)]
pub struct ModeOptions {
    pub name: String,
    /// The mode wanted.
    pub mode: Mode,
}

/// The command's verb for a mode.
pub fn verb(mode: Mode) -> &'static str {
    match mode {
        Mode::Enforce => "enforce",
        _ => "audit",
    }
}

/// Plans the switch.
pub fn plan(fleet: &Fleet, options: &ModeOptions) -> Result<ChangeSet> {
    let name = &options.name;
    let policy = fleet
        .policy(name)
        .ok_or_else(|| subject::unknown_policy(fleet, name))?;
    let verb = verb(options.mode);
    let mut change = ChangeSet::new(
        format!("{verb} policy {name}"),
        branch_name(&format!("{verb}-policy {name}")),
    );
    let text = fleet
        .text(&policy.file)?
        .ok_or_else(|| Error::changed_on_disk(&policy.file))?;
    let new = set_mode(&policy.file, &text, name, options.mode)?;
    let clusters: Vec<String> = fleet
        .reaches(fleet::Kind::Policy, name)
        .into_iter()
        .map(str::to_string)
        .collect();
    change.body = format!(
        "Policy {name} ({}, stage {}) switches from {} to {}: {}",
        to_slash(&policy.file),
        policy.stage,
        policy.mode,
        options.mode,
        match options.mode {
            Mode::Enforce => "requests that violate it are now refused.",
            _ => "violations are now reported, not refused.",
        }
    );
    change.edit(&policy.file, text.to_string(), new)?;
    if !change.is_empty() && options.mode == Mode::Enforce && !clusters.is_empty() {
        change.notes.push(format!(
            "{name} now refuses violating requests in {}.",
            clusters.join(", ")
        ));
    }
    Ok(change)
}

/// `text` with policy `name` in `mode`; the same text when it is in `mode` already.
pub fn set_mode(file: &Path, text: &str, name: &str, mode: Mode) -> Result<String> {
    let doc = policy_doc(file, text, name)?;
    if fleet::policy_mode(&doc) == mode {
        return Ok(text.to_string());
    }
    let validates = validate_rules(&doc);
    let spec_level = doc
        .get("spec")
        .and_then(|s| s.get("validationFailureAction"))
        .is_some();
    if validates.is_empty() && !spec_level {
        return Err(Error::refused(format!(
            "{}: policy {name} has no validate rule: Audit and Enforce apply to validate rules \
             only",
            to_slash(file)
        )));
    }
    // The values in place first: they change no line.
    let mut paths: Vec<Vec<String>> = Vec::new();
    if spec_level {
        paths.push(vec!["spec".into(), "validationFailureAction".into()]);
    }
    for (i, validate) in &validates {
        if validate.get("failureAction").is_some() {
            paths.push(
                ["spec", "rules", &i.to_string(), "validate", "failureAction"]
                    .map(String::from)
                    .to_vec(),
            );
        }
    }
    let mut out = text.to_string();
    for path in &paths {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let old = yaml::scalar_at(file, &out, &path)?
            .into_iter()
            .next()
            .flatten()
            .unwrap_or_default();
        let value = spelled_like(&old, mode);
        out = set_scalar(file, &out, &path, value)?;
    }
    // Then the rules that inherit nothing.
    if !spec_level {
        let doc = policy_doc(file, &out, name)?;
        let mut inserts: Vec<usize> = Vec::new();
        for (_, validate) in validate_rules(&doc) {
            if validate.get("failureAction").is_none() {
                inserts.push(first_key_line(file, &out, &validate)?);
            }
        }
        let eol = if out.contains("\r\n") { "\r\n" } else { "\n" };
        let bom = if out.starts_with(BOM) { BOM.len() } else { 0 };
        for at in inserts.into_iter().rev() {
            let at = at + bom;
            let indent: String = out[at..].chars().take_while(|c| *c == ' ').collect();
            out.insert_str(at, &format!("{indent}failureAction: {mode}{eol}"));
        }
    }
    let doc = policy_doc(file, &out, name)?;
    if fleet::policy_mode(&doc) != mode {
        return Err(Error::refused(format!(
            "{}: refusing to switch policy {name} to {mode}: the edit would not read back as \
             {mode}; text unchanged",
            to_slash(file)
        )));
    }
    Ok(out)
}

/// `Enforce` or `Audit`, lowercase when the value it replaces was.
fn spelled_like(old: &str, mode: Mode) -> &'static str {
    let lower = !old.is_empty() && old.chars().all(|c| !c.is_ascii_uppercase());
    match (mode, lower) {
        (Mode::Enforce, true) => "enforce",
        (Mode::Enforce, false) => "Enforce",
        (_, true) => "audit",
        (_, false) => "Audit",
    }
}

/// The one document of `text`, which must be policy `name`.
fn policy_doc(file: &Path, text: &str, name: &str) -> Result<Node> {
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let docs = yaml::parse(file, body, Purpose::Edit)?;
    let found = docs
        .iter()
        .find(|d| fleet::identify_policy(&d.root).is_some_and(|(n, _, _)| n == name));
    match (found, docs.len()) {
        (Some(doc), 1) => Ok(doc.root.clone()),
        (Some(_), n) => Err(Error::refused(format!(
            "{} holds {n} documents: fluxfleet edits a policy in a file of its own; move policy \
             {name} to one",
            to_slash(file)
        ))),
        (None, _) => Err(Error::changed_on_disk(file)),
    }
}

/// The `validate` mappings of the policy's rules, with the rule's index.
fn validate_rules(doc: &Node) -> Vec<(usize, Node)> {
    let rules = doc.get("spec").and_then(|s| s.get("rules"));
    rules
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| Some((i, rule.get("validate")?.clone())))
        .collect()
}

/// The byte offset (after any BOM) of the start of the line holding the first key of a block
/// `validate` mapping, which holds only that key's indentation before it.
fn first_key_line(file: &Path, text: &str, validate: &Node) -> Result<usize> {
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let refuse = |why: &str| {
        Error::refused(format!(
            "{}:{}: cannot add failureAction: {why}; write it by hand",
            to_slash(file),
            validate.line
        ))
    };
    let Kind::Map { flow: false, .. } = validate.kind else {
        return Err(refuse("validate is not a block mapping"));
    };
    let start = validate.start;
    let line_start = body[..start].rfind('\n').map_or(0, |i| i + 1);
    if !body[line_start..start].chars().all(|c| c == ' ') {
        return Err(refuse("validate's first key does not start its line"));
    }
    Ok(line_start)
}

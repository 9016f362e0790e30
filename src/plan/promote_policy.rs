//! `promote policy NAME --to STAGE`: the seed's "move policy to shared or prod when stable".
//! The policy's file moves to the other stage's directory (git sees a rename, the bytes are
//! unchanged), the old stage's list loses its entry and the new stage's list gains one.

use std::path::Path;

use crate::error::{Error, Result};
use crate::fleet::{Fleet, Policy, Stage};
use crate::names::{self, NameKind};
use crate::paths::to_slash;
use crate::plan::lists::ListEdits;
use crate::plan::{branch_name, subject, ChangeSet, FileChange};

/// What `promote policy` was asked for.
#[derive(Debug, Clone)]
pub struct PromotePolicyOptions {
    pub name: String,
    /// The stage to move the policy to.
    pub to: String,
}

/// Plans the move.
pub fn plan(fleet: &Fleet, options: &PromotePolicyOptions) -> Result<ChangeSet> {
    let name = &options.name;
    names::check(NameKind::Stage, &options.to).map_err(|e| names::in_flag(e, "--to"))?;
    let policy = fleet
        .policy(name)
        .ok_or_else(|| subject::unknown_policy(fleet, name))?;
    let to = stage(fleet, policy, &options.to)?;
    let mut change = ChangeSet::new(
        format!("promote policy {name} to {}", to.name),
        branch_name(&format!("promote-policy {name} {}", to.name)),
    );
    if to.dir == policy.stage_dir {
        return Ok(change);
    }
    own_file(fleet, policy)?;
    let file_name = policy.file.file_name().unwrap_or_default();
    let dest = to.dir.join(file_name);
    if fleet.text(&dest)?.is_some() {
        return Err(Error::refused(format!(
            "{} exists already: stage {} has a file of that name; rename one of them first",
            to_slash(&dest),
            to.name
        )));
    }
    let text = fleet
        .text(&policy.file)?
        .ok_or_else(|| Error::changed_on_disk(&policy.file))?;
    let mut lists = ListEdits::new();
    if let Some(entry) = &policy.entry {
        lists.remove(fleet, &entry.file, &policy.file)?;
    }
    if let Some(list) = &to.list {
        lists.add(fleet, &list.path, &dest)?;
    }
    change.push(FileChange::Move {
        from: policy.file.clone(),
        to: dest.clone(),
        old: text.to_string(),
        new: text.to_string(),
    })?;
    lists.finish(&mut change)?;
    change.body = format!(
        "Policy {name} moves from stage {} to stage {}: every cluster that imports {} now \
         applies it, in {} mode as before.",
        policy.stage,
        to.name,
        to_slash(&to.dir),
        policy.mode
    );
    let clusters = importers(fleet, &to.dir);
    let losing: Vec<String> = importers(fleet, &policy.stage_dir)
        .into_iter()
        .filter(|c| !clusters.contains(c))
        .collect();
    if !losing.is_empty() {
        change.warnings.push(format!(
            "{} import{} {} but not {}: {name} no longer applies there",
            losing.join(", "),
            if losing.len() == 1 { "s" } else { "" },
            policy.stage,
            to.name,
        ));
    }
    change.notes.push(match clusters.is_empty() {
        true => format!("No cluster imports {} yet.", to_slash(&to.dir)),
        false => format!("{name} now applies to {}.", clusters.join(", ")),
    });
    Ok(change)
}

/// The stage named `to`, of the policy's engine.
fn stage<'f>(fleet: &'f Fleet, policy: &Policy, to: &str) -> Result<&'f Stage> {
    let stages: Vec<&Stage> = fleet
        .stages()
        .iter()
        .filter(|s| s.engine == policy.engine)
        .collect();
    if let Some(stage) = stages.iter().find(|s| s.name == to) {
        return Ok(stage);
    }
    let known: Vec<String> = stages.iter().map(|s| s.name.clone()).collect();
    let error = names::unknown(
        "policy stage",
        to,
        &known,
        &format!("under {}/{}", crate::fleet::POLICIES_DIR, policy.engine),
    );
    if !names::closest(to, &known).is_empty() {
        return Err(error);
    }
    Err(Error::refused(format!(
        "{}\nstages are made by `fluxfleet add-policy NAME --stage {to} --clusters C,...`, \
         which imports the new stage into those clusters",
        error
    )))
}

/// Refuses a policy that shares its file with other documents or is listed through a
/// directory: moving the file would move more, or the lists would not say it.
fn own_file(fleet: &Fleet, policy: &Policy) -> Result<()> {
    let others: Vec<&str> = fleet
        .policies()
        .iter()
        .filter(|p| p.file == policy.file && p.name != policy.name)
        .map(|p| p.name.as_str())
        .collect();
    if !others.is_empty() {
        return Err(Error::refused(format!(
            "{} also holds {}: moving the file would move them too; give policy {} a file \
             of its own first",
            to_slash(&policy.file),
            others.join(", "),
            policy.name
        )));
    }
    if let Some(entry) = &policy.entry {
        if entry.target() != Some(policy.file.as_path()) {
            return Err(Error::refused(format!(
                "{} lists {} as {:?} ({}), not by its own file: move it by hand",
                to_slash(&entry.file),
                policy.name,
                entry.written(),
                entry.location()
            )));
        }
    }
    Ok(())
}

/// The clusters whose lists import `dir`, in the fleet's order.
pub(crate) fn importers(fleet: &Fleet, dir: &Path) -> Vec<String> {
    fleet
        .clusters()
        .iter()
        .filter(|c| c.lists().any(|l| l.references_target(dir)))
        .map(|c| c.name.clone())
        .collect()
}

/// The refusal of `make-common policy`.
pub fn not_common(name: &str) -> Error {
    Error::refused(format!(
        "policies are not made common: they roll out by stage; to apply {name} on every \
         cluster, run `fluxfleet promote policy {name} --to shared`"
    ))
}

/// The refusal of `demote policy`.
pub fn not_demoted(name: &str) -> Error {
    Error::refused(format!(
        "a policy reaches clusters through its stage, not by a reference of its own: move \
         it to another stage with `fluxfleet promote policy {name} --to STAGE`, or remove \
         the stage from the cluster's policy list"
    ))
}

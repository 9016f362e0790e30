//! Branch names as git accepts them (`git check-ref-format --branch`), and the existing
//! branches a new one would collide with in git's reference store.

use git2::Repository;

use crate::error::{Error, Result};

/// Refuses a `--branch` that git would not accept as a branch name, stating the rule it breaks.
pub fn check_branch_name(branch: &str) -> Result<()> {
    let broken = broken_rule(branch).or_else(|| {
        // libgit2's own check, in case git's rules grow beyond the ones spelled out above.
        (!git2::Reference::is_valid_name(&format!("refs/heads/{branch}")))
            .then_some("git refuses it (see `git check-ref-format --branch`)")
    });
    match broken {
        Some(rule) => Err(Error::refused(format!(
            "--branch {branch:?} is not a valid branch name: {rule}; pass another --branch NAME, \
             such as fluxfleet/my-change"
        ))),
        None => Ok(()),
    }
}

/// The first rule of `git check-ref-format --branch` that `branch` breaks.
fn broken_rule(branch: &str) -> Option<&'static str> {
    if branch.is_empty() {
        return Some("a branch name cannot be empty");
    }
    if branch == "HEAD" {
        return Some("HEAD names the checked-out commit, so git refuses it as a branch name");
    }
    if branch == "@" {
        // git accepts `refs/heads/@`, but `@` alone means HEAD wherever git reads a revision,
        // so the branch could never be named on a command line.
        return Some("`@` alone means HEAD to git, so the branch could not be named");
    }
    if branch.starts_with('-') {
        return Some("a branch name cannot start with '-' (git would read it as an option)");
    }
    if let Some(c) = branch.chars().find(|c| c.is_ascii_control()) {
        return Some(if c == '\t' || c == '\n' {
            "a branch name cannot contain whitespace"
        } else {
            "a branch name cannot contain control characters"
        });
    }
    if let Some(c) = branch
        .chars()
        .find(|c| matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        return Some(match c {
            ' ' => "a branch name cannot contain spaces",
            _ => "a branch name cannot contain any of ~ ^ : ? * [ \\",
        });
    }
    if branch.contains("..") {
        return Some("a branch name cannot contain '..'");
    }
    if branch.contains("@{") {
        return Some("a branch name cannot contain '@{'");
    }
    if branch.starts_with('/') || branch.ends_with('/') || branch.contains("//") {
        return Some("a branch name cannot start or end with '/' or contain '//'");
    }
    if branch.ends_with('.') {
        return Some("a branch name cannot end with '.'");
    }
    for component in branch.split('/') {
        if component.starts_with('.') {
            return Some("no '/'-separated part of a branch name can start with '.'");
        }
        if component.ends_with(".lock") {
            return Some("no '/'-separated part of a branch name can end with '.lock'");
        }
    }
    None
}

/// Refuses a new branch `name` that an existing branch blocks: git stores `a/b` under a
/// directory `a`, so a branch `a` and a branch `a/b` cannot both exist.
pub fn check_branch_room(repo: &Repository, name: &str) -> Result<()> {
    let Some(existing) = blocking_branch(repo, name)? else {
        return Ok(());
    };
    let (longer, shorter) = if existing.len() > name.len() {
        (existing.as_str(), name)
    } else {
        (name, existing.as_str())
    };
    Err(Error::refused(format!(
        "the existing branch {existing:?} is in the way of the new branch {name:?}: git cannot \
         hold a branch {shorter:?} and a branch {longer:?} at the same time; pass --branch NAME \
         for another name, or rename the existing branch (`git branch -m {existing} NEW-NAME`)"
    )))
}

/// An existing branch that is a prefix directory of `name`, or lies under `name/`.
fn blocking_branch(repo: &Repository, name: &str) -> Result<Option<String>> {
    let below = format!("{name}/");
    for reference in repo.references()? {
        let reference = reference?;
        let Some(existing) = reference
            .name()
            .ok()
            .and_then(|full| full.strip_prefix("refs/heads/"))
        else {
            continue;
        };
        let above = name
            .strip_prefix(existing)
            .is_some_and(|rest| rest.starts_with('/'));
        if above || existing.starts_with(&below) {
            return Ok(Some(existing.to_string()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_s_rules_for_branch_names() {
        for good in [
            "main",
            "fluxfleet/promote-web-to-dev",
            "a.b",
            "x@y",
            "é",
            "a-",
            "HEAD/x",
        ] {
            assert_eq!(broken_rule(good), None, "{good}");
        }
        for bad in [
            "", "HEAD", "@", "-", "-x", "a b", "a\tb", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b",
            "a\\b", "a..b", "a@{b", "/a", "a/", "a//b", "a.", ".a", "a/.b", "a.lock", "a.lock/b",
        ] {
            assert!(broken_rule(bad).is_some(), "{bad:?} accepted");
        }
    }
}

//! The fleet's promotion order: the order clusters are listed in everywhere (status, JSON,
//! where, check, `all`, messages, prompts), first to last as a change travels.
//!
//! `.fluxfleet.yaml` at the repository root keeps it, as `init --clusters` was given and
//! `add-cluster` appends:
//!
//! ```yaml
//! clusters:
//!   - dev
//!   - test
//!   - prod
//! ```
//!
//! An item may name the cluster's directory as well (`- {name: prod, path: kubernetes/prod}`),
//! for a repository whose clusters detection does not find.
//!
//! The clusters listed there come first, in that order; clusters found but not listed follow.
//! Those (and every cluster of a fleet without the file) are ordered by the stage their name
//! tells: dev, development or local; then test, testing, qa, uat or int; then staging, stage
//! or preprod; then names that tell no stage; then prod or production. A name counts by
//! itself or by its first `-`-separated part (`prod-eu` is prod). Alphabetical within a stage.

use std::path::Path;

use super::cluster::Cluster;
use super::read::Reader;
use crate::error::Result;
use crate::yaml::{Kind, Node, YamlError};

/// The settings file at the repository root.
pub const SETTINGS: &str = ".fluxfleet.yaml";

/// A cluster named in `.fluxfleet.yaml`, with the line naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub line: usize,
    /// The cluster's directory, when the item says it (`- {name: prod, path: kubernetes/prod}`):
    /// where detection does not find it.
    pub path: Option<std::path::PathBuf>,
}

/// The clusters `.fluxfleet.yaml` lists, in its order; empty without the file or the key.
/// A file that is no YAML, or whose `clusters` is not a list of names, is refused naming the
/// file and line. Other keys are left alone.
pub(crate) fn read(reader: &Reader) -> Result<Vec<Listed>> {
    let path = Path::new(SETTINGS);
    let Some(docs) = reader.docs(path)? else {
        return Ok(Vec::new());
    };
    let text = reader.text(path)?.unwrap_or_default();
    let wrong = |node: &Node, message: String| {
        let col = text.get(..node.start).map_or(0, |before| {
            before.chars().rev().take_while(|c| *c != '\n').count() + 1
        });
        YamlError::at(path, &text, node.line, col, message)
    };
    let Some(root) = docs.first().map(|d| &d.root) else {
        return Ok(Vec::new());
    };
    if root.is_null() {
        return Ok(Vec::new());
    }
    if !matches!(root.kind, Kind::Map { .. }) {
        return Err(wrong(
            root,
            format!(
                "expected a mapping with `clusters:` (the promotion order), found {}",
                root.describe()
            ),
        )
        .into());
    }
    let Some(clusters) = root.get("clusters") else {
        return Ok(Vec::new());
    };
    if clusters.is_null() {
        return Ok(Vec::new());
    }
    if !matches!(clusters.kind, Kind::Seq { .. }) {
        return Err(wrong(
            clusters,
            format!(
                "`clusters` must be a list of cluster names, first to last (- dev), found {}",
                clusters.describe()
            ),
        )
        .into());
    }
    let mut listed: Vec<Listed> = Vec::new();
    for item in clusters.items() {
        // `- {name: prod, path: kubernetes/prod}` names the cluster's directory too.
        let (item, path) = match &item.kind {
            Kind::Map { .. } => {
                let path = item
                    .get("path")
                    .and_then(Node::as_str)
                    .and_then(crate::paths::from_source_root)
                    .filter(|p| !p.as_os_str().is_empty());
                let (Some(name), Some(path)) = (item.get("name"), path) else {
                    return Err(wrong(
                        item,
                        "expected a cluster name, or its name and directory from the \
                         repository root ({name: prod, path: kubernetes/prod})"
                            .to_string(),
                    )
                    .into());
                };
                (name, Some(path))
            }
            _ => (item, None),
        };
        let name = item.as_str().filter(|_| !item.is_null());
        let Some(name) = name.filter(|n| crate::names::is_label(n)) else {
            return Err(wrong(
                item,
                format!(
                    "expected a cluster name (lowercase letters, digits and '-', starting and \
                     ending alphanumeric, at most 63 characters), found {}",
                    match item.as_str() {
                        Some(text) if !item.is_null() => format!("{text:?}"),
                        _ => item.describe().to_string(),
                    }
                ),
            )
            .into());
        };
        if let Some(first) = listed.iter().find(|l| l.name == name) {
            return Err(wrong(
                item,
                format!(
                    "cluster {name} is listed twice (first on line {})",
                    first.line
                ),
            )
            .into());
        }
        listed.push(Listed {
            name: name.to_string(),
            line: item.line,
            path,
        });
    }
    Ok(listed)
}

/// Sorts `clusters` (sorted by name) into the promotion order `listed` gives.
pub(crate) fn sort(clusters: &mut [Cluster], listed: &[Listed]) {
    // Stable: alphabetical within a stage.
    clusters.sort_by_key(|c| match listed.iter().position(|l| l.name == c.name) {
        Some(at) => (0, at, 0),
        None => (1, 0, stage(&c.name)),
    });
}

/// The rank of the rollout stage a cluster's name tells: 0 development, 1 test, 2 staging,
/// 3 unknown, 4 production.
pub fn stage(name: &str) -> u8 {
    let rank = |word: &str| match word {
        "dev" | "development" | "local" => Some(0),
        "test" | "testing" | "qa" | "uat" | "int" => Some(1),
        "staging" | "stage" | "preprod" => Some(2),
        "prod" | "production" => Some(4),
        _ => None,
    };
    let first = name.split('-').next().unwrap_or(name);
    rank(name).or_else(|| rank(first)).unwrap_or(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(names: &[&str], listed: &[&str]) -> Vec<String> {
        let mut clusters: Vec<Cluster> = names
            .iter()
            .map(|n| Cluster {
                name: n.to_string(),
                dir: Path::new("clusters").join(n),
                entry: None,
                apps_list: None,
                infra_list: None,
                other_lists: Vec::new(),
                flux: Vec::new(),
                attachments: Vec::new(),
            })
            .collect();
        clusters.sort_by(|a, b| a.name.cmp(&b.name));
        let listed: Vec<Listed> = listed
            .iter()
            .map(|n| Listed {
                path: None,
                name: n.to_string(),
                line: 1,
            })
            .collect();
        sort(&mut clusters, &listed);
        clusters.into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn well_known_stages_come_in_rollout_order() {
        assert_eq!(
            ordered(&["prod", "test", "dev"], &[]),
            ["dev", "test", "prod"]
        );
        assert_eq!(
            ordered(
                &[
                    "prod-us",
                    "prod-eu",
                    "edge",
                    "staging",
                    "qa",
                    "local",
                    "production"
                ],
                &[]
            ),
            [
                "local",
                "qa",
                "staging",
                "edge",
                "prod-eu",
                "prod-us",
                "production"
            ]
        );
    }

    #[test]
    fn the_listed_order_comes_first_and_the_others_follow_by_stage() {
        assert_eq!(
            ordered(&["a", "prod", "test", "z", "dev"], &["z", "a"]),
            ["z", "a", "dev", "test", "prod"]
        );
    }
}

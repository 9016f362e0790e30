//! The difference between a cluster's objects before and after: added, removed, changed (with a
//! unified diff of the object's text).

use similar::TextDiff;

use super::object::{ObjectKey, Objects};

/// What changes in one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterChange {
    pub cluster: String,
    pub added: Vec<ObjectKey>,
    pub removed: Vec<ObjectKey>,
    pub changed: Vec<ChangedObject>,
}

/// An object whose text differs, with the unified diff from before to after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedObject {
    pub key: ObjectKey,
    pub diff: String,
}

impl ClusterChange {
    /// Compares a cluster's objects before and after.
    pub fn between(cluster: &str, before: &Objects, after: &Objects) -> ClusterChange {
        let added = after
            .keys()
            .filter(|k| !before.contains_key(*k))
            .cloned()
            .collect();
        let removed = before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .cloned()
            .collect();
        let changed = before
            .iter()
            .filter_map(|(key, old)| {
                let new = after.get(key)?;
                (old != new).then(|| ChangedObject {
                    key: key.clone(),
                    diff: unified(key, old, new),
                })
            })
            .collect();
        ClusterChange {
            cluster: cluster.to_string(),
            added,
            removed,
            changed,
        }
    }

    /// True when nothing the cluster renders changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// `2 added, 0 removed, 1 changed`.
    pub fn counts(&self) -> String {
        format!(
            "{} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )
    }
}

/// The unified diff of one object's text, headed by the object.
fn unified(key: &ObjectKey, old: &str, new: &str) -> String {
    let name = key.to_string().replace(' ', "/");
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

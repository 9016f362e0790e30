//! The objects of a render: kustomize's multi-document output cut into objects, each keyed by
//! what identifies it in a cluster and kept with its text.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::yaml::{self, Node, Purpose};

/// What identifies an object in a cluster: API group, kind, namespace (empty when
/// cluster-scoped or unset) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ObjectKey {
    /// `Deployment podinfo/podinfo`, or `Namespace foo` without a namespace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.namespace.as_str() {
            "" => write!(f, "{} {}", self.kind, self.name),
            ns => write!(f, "{} {ns}/{}", self.kind, self.name),
        }
    }
}

/// A cluster's objects by key, with their YAML text as kustomize printed it.
pub type Objects = BTreeMap<ObjectKey, String>;

/// One rendered object: its key, its text and its parsed tree.
pub struct Object {
    pub key: ObjectKey,
    pub text: String,
    pub root: Node,
}

/// Cuts kustomize's output into objects. Kustomize separates documents with a `---` line and
/// indents block scalars, so a line `---` is always a separator.
pub fn parse(label: &Path, output: &str) -> Result<Vec<Object>, String> {
    let mut objects = Vec::new();
    let mut current = String::new();
    let mut push = |text: &mut String| -> Result<(), String> {
        let piece = std::mem::take(text);
        if piece.trim().is_empty() {
            return Ok(());
        }
        let docs = yaml::parse(label, &piece, Purpose::Read).map_err(|e| e.to_string())?;
        for doc in docs {
            let root = doc.root;
            let text_of = |keys: &[&str]| {
                root.at_path(keys)
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let api_version = text_of(&["apiVersion"]);
            let key = ObjectKey {
                group: api_version
                    .rsplit_once('/')
                    .map_or("", |(group, _)| group)
                    .to_string(),
                kind: text_of(&["kind"]),
                namespace: text_of(&["metadata", "namespace"]),
                name: text_of(&["metadata", "name"]),
            };
            if key.kind.is_empty() {
                continue;
            }
            objects.push(Object {
                key,
                text: piece.clone(),
                root,
            });
        }
        Ok(())
    };
    for line in output.split_inclusive('\n') {
        if line.trim_end() == "---" {
            push(&mut current)?;
        } else {
            current.push_str(line);
        }
    }
    push(&mut current)?;
    Ok(objects)
}

//! Checks a file fluxfleet generates before it is planned: the built-in templates always
//! render what kustomize and Kubernetes read, but a repository's own templates may not.

use std::collections::HashSet;
use std::path::Path;

use super::lines::Lines;
use super::node::{Document, Kind, Node};
use super::parse::{error_at, parse, Purpose};
use super::{Kustomization, YamlError};

/// What a generated text must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Any YAML (a CI workflow).
    Yaml,
    /// Kubernetes objects: every document a mapping with `apiVersion` and `kind` (a file of
    /// comments only is a placeholder, and holds none).
    Manifest,
    /// A kustomization: one mapping whose reference lists fluxfleet can edit.
    Kustomization,
    /// One item of a list (`- key: value`), spliced into a kustomization.
    ListItem,
}

impl Expected {
    /// A text of this shape that fails the check, in the words of a refusal ("renders ...").
    pub fn invalid(self) -> &'static str {
        match self {
            Expected::Yaml => "invalid YAML",
            Expected::Manifest => "an invalid Kubernetes manifest",
            Expected::Kustomization => "an invalid kustomization",
            Expected::ListItem => "an invalid list item",
        }
    }

    /// What the text must be, for the advice of a refusal.
    pub fn rule(self) -> &'static str {
        match self {
            Expected::Yaml => "valid YAML",
            Expected::Manifest => {
                "valid YAML whose every document is a mapping with apiVersion and kind"
            }
            Expected::Kustomization => "one YAML mapping such as `resources:`",
            Expected::ListItem => "one YAML list item that is a mapping, such as `- name: x`",
        }
    }
}

/// Checks that `text` parses as YAML without duplicate keys and has the `expected` shape.
/// The error's line and column are those of `text`; `path` only labels it.
pub fn check(path: &Path, text: &str, expected: Expected) -> Result<(), YamlError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = Lines::new(body);
    let documents = parse(path, body, Purpose::Edit)?;
    for document in &documents {
        unique_keys(path, &lines, &document.root)?;
    }
    match expected {
        Expected::Yaml => Ok(()),
        Expected::Kustomization => Kustomization::parse(path, text).map(drop),
        Expected::Manifest => documents
            .iter()
            .filter(|document| !document.root.is_null())
            .try_for_each(|document| manifest(path, &lines, &document.root)),
        Expected::ListItem => list_item(path, &lines, &documents),
    }
}

/// One `- ` item that is a mapping.
fn list_item(path: &Path, lines: &Lines<'_>, documents: &[Document]) -> Result<(), YamlError> {
    let [document] = documents else {
        return Err(YamlError::at(
            path,
            lines.text(),
            1,
            1,
            format!(
                "{} YAML documents; expected one list item that is a mapping",
                documents.len()
            ),
        ));
    };
    let root = &document.root;
    let problem = match &root.kind {
        Kind::Seq { items, .. } => match items.as_slice() {
            [item] if matches!(item.kind, Kind::Map { .. }) => return Ok(()),
            [item] => {
                return Err(error_at(
                    path,
                    lines,
                    item.start,
                    format!("the item is {}; expected a mapping", item.describe()),
                ))
            }
            items => format!("a list of {} items", items.len()),
        },
        _ => root.describe().to_string(),
    };
    Err(error_at(
        path,
        lines,
        root.start,
        format!("the text is {problem}; expected one list item that is a mapping"),
    ))
}

/// A Kubernetes object: a mapping with `apiVersion` and `kind` strings.
fn manifest(path: &Path, lines: &Lines<'_>, root: &Node) -> Result<(), YamlError> {
    if !matches!(root.kind, Kind::Map { .. }) {
        return Err(error_at(
            path,
            lines,
            root.start,
            format!(
                "the document is {}; expected a mapping with apiVersion and kind",
                root.describe()
            ),
        ));
    }
    for (key, example) in [("apiVersion", "apps/v1"), ("kind", "Deployment")] {
        let Some(value) = root.get(key) else {
            return Err(error_at(
                path,
                lines,
                root.start,
                format!("the document has no `{key}`; every object needs apiVersion and kind"),
            ));
        };
        let problem = match value.as_str() {
            _ if value.is_null() => "empty".to_string(),
            Some("") => "empty".to_string(),
            Some(_) => continue,
            None => value.describe().to_string(),
        };
        return Err(error_at(
            path,
            lines,
            value.start,
            format!("`{key}` is {problem}; expected a string such as {example}"),
        ));
    }
    Ok(())
}

/// Refuses a key written twice in one mapping, anywhere in the tree: Kubernetes' YAML reader
/// rejects it. One set of keys per mapping keeps this linear in the size of the text.
fn unique_keys(path: &Path, lines: &Lines<'_>, node: &Node) -> Result<(), YamlError> {
    match &node.kind {
        Kind::Map { pairs, .. } => {
            let mut seen = HashSet::with_capacity(pairs.len());
            for (key, value) in pairs {
                if let Some(name) = key.as_str() {
                    if !seen.insert(name) {
                        return Err(error_at(
                            path,
                            lines,
                            key.start,
                            format!("duplicate key `{name}`"),
                        ));
                    }
                }
                unique_keys(path, lines, value)?;
            }
            Ok(())
        }
        Kind::Seq { items, .. } => items
            .iter()
            .try_for_each(|item| unique_keys(path, lines, item)),
        Kind::Scalar { .. } | Kind::Alias(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str, expected: Expected) -> Option<(usize, usize, String)> {
        check(Path::new("t.yaml"), text, expected)
            .err()
            .map(|e| (e.line, e.col, e.message))
    }

    #[test]
    fn manifests_are_mappings_with_api_version_and_kind() {
        let ok = "apiVersion: v1\nkind: Service\n---\n# empty\n---\napiVersion: v1\nkind: X\n";
        assert_eq!(problem(ok, Expected::Manifest), None);
        assert_eq!(problem("# a placeholder\n", Expected::Manifest), None);
        assert_eq!(
            problem("apiVersion: v1\nmetadata: {}\n", Expected::Manifest),
            Some((
                1,
                1,
                "the document has no `kind`; every object needs apiVersion and kind".into()
            ))
        );
        assert_eq!(
            problem("apiVersion: v1\nkind: [a]\n", Expected::Manifest),
            Some((
                2,
                7,
                "`kind` is a list; expected a string such as Deployment".into()
            ))
        );
        assert_eq!(
            problem("apiVersion: ''\nkind: X\n", Expected::Manifest),
            Some((
                1,
                13,
                "`apiVersion` is empty; expected a string such as apps/v1".into()
            ))
        );
        assert_eq!(
            problem("- a\n", Expected::Manifest),
            Some((
                1,
                1,
                "the document is a list; expected a mapping with apiVersion and kind".into()
            ))
        );
    }

    #[test]
    fn invalid_yaml_and_duplicate_keys_are_refused_where_they_are() {
        let (line, col, message) = problem("a: 1\nb: c: d\n", Expected::Yaml).expect("invalid");
        assert_eq!((line, col), (2, 5));
        assert!(message.starts_with("invalid YAML: "), "{message}");
        assert_eq!(
            problem("a:\n  b: 1\n  b: 2\n", Expected::Yaml),
            Some((3, 3, "duplicate key `b`".into()))
        );
    }

    #[test]
    fn kustomizations_and_list_items() {
        assert_eq!(problem("resources: []\n", Expected::Kustomization), None);
        assert!(problem("- a\n", Expected::Kustomization).is_some());
        assert_eq!(
            problem("- name: a\n  newTag: b\n", Expected::ListItem),
            None
        );
        assert_eq!(
            problem("name: a\n", Expected::ListItem),
            Some((
                1,
                1,
                "the text is a mapping; expected one list item that is a mapping".into()
            ))
        );
        assert_eq!(
            problem("- a\n", Expected::ListItem),
            Some((1, 3, "the item is a string; expected a mapping".into()))
        );
        assert!(problem("- a: 1\n- b: 2\n", Expected::ListItem).is_some());
        assert!(problem("", Expected::ListItem).is_some());
    }
}

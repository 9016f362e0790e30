//! Reading and replacing one scalar at a key path of any YAML file (`spec.replicas`,
//! `spec.validationFailureAction`, `images.0.newTag`).
//!
//! A replaced value keeps the old one's quoting style. A plain value that was a number or a
//! boolean may stay plain (setting `replicas: 3` to `5`); a plain string is quoted when the new
//! value would read as another type.

use std::path::Path;

use yaml_rust2::scanner::TScalarStyle;

use super::lines::Lines;
use super::node::{Kind, Node, Shape};
use super::parse::{error_at, parse, Purpose};
use super::quote::{self, Quote};
use super::splice::{self, Splice};
use super::YamlError;

const BOM: &str = "\u{feff}";

/// Replaces the scalar at `path` (e.g. `["spec", "replicas"]`; a number indexes a list) in a
/// single-document YAML text, keeping its quoting. Errors, naming line and column, when the
/// path is missing, is not a one-line scalar, or the text is not one valid document.
pub fn set_scalar(
    file: &Path,
    text: &str,
    path: &[&str],
    value: &str,
) -> Result<String, YamlError> {
    let bom = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let (mark, body) = text.split_at(bom);
    let lines = Lines::new(body);
    let root = single_document(file, &lines)?;
    let dotted = path.join(".");
    let node = locate(file, &lines, &root, path)?;
    let refuse = |message: String| error_at(file, &lines, node.start, message);
    let Kind::Scalar {
        value: old,
        style,
        end,
        ..
    } = &node.kind
    else {
        return Err(refuse(format!(
            "`{dotted}` is {}; expected a single value",
            node.describe()
        )));
    };
    let Some(end) = *end else {
        return Err(refuse(format!(
            "`{dotted}` is empty, a block scalar or spread over several lines; \
             write it as `key: value` on one line"
        )));
    };
    let flow = node.in_flow;
    let written = match style {
        TScalarStyle::Plain
            if quote::reads_as_non_string(old) && quote::plain_is_syntactic(value, flow) =>
        {
            value.to_string()
        }
        TScalarStyle::Plain => quote::write(value, Quote::Plain, flow),
        TScalarStyle::SingleQuoted => quote::write(value, Quote::Single, flow),
        _ => quote::write(value, Quote::Double, flow),
    };
    let new_body = splice::apply(body, &[Splice::replace(node.start..end, written)])
        .ok_or_else(|| refuse(format!("cannot splice `{dotted}`")))?;

    let new_lines = Lines::new(&new_body);
    let fail = |why: &str| refuse(format!("refusing to set `{dotted}`: {why}; text unchanged"));
    let new_root =
        single_document(file, &new_lines).map_err(|_| fail("the result would not parse"))?;
    let new_node = new_root
        .at_path(path)
        .filter(|n| n.as_str() == Some(value))
        .ok_or_else(|| fail("the value would not read back"))?;
    let mut expected = root.shape();
    if let Some(slot) = shape_at(&mut expected, path) {
        *slot = new_node.shape();
    }
    if expected != new_root.shape() {
        return Err(fail("the edit would change something else"));
    }
    Ok(format!("{mark}{new_body}"))
}

/// Renames the key at the end of `path` (e.g. `["metadata", "labels", "old/key"]`) to
/// `new_key` in a single-document YAML text, keeping its value, position and quoting style.
/// Errors when the key is missing, not a one-line scalar, or `new_key` is taken already.
pub fn rename_key(
    file: &Path,
    text: &str,
    path: &[&str],
    new_key: &str,
) -> Result<String, YamlError> {
    let bom = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let (mark, body) = text.split_at(bom);
    let lines = Lines::new(body);
    let root = single_document(file, &lines)?;
    let dotted = path.join(".");
    let (last, parent_path) = path
        .split_last()
        .ok_or_else(|| YamlError::file(file, "no key to rename"))?;
    let parent = locate(file, &lines, &root, parent_path)?;
    let refuse = |message: String| error_at(file, &lines, parent.start, message);
    let Kind::Map { pairs, .. } = &parent.kind else {
        return Err(refuse(format!("`{dotted}` is not in a mapping")));
    };
    if pairs.iter().any(|(k, _)| k.as_str() == Some(new_key)) {
        return Err(refuse(format!("`{new_key}` is there already")));
    }
    let key = pairs
        .iter()
        .map(|(k, _)| k)
        .find(|k| k.as_str() == Some(*last))
        .ok_or_else(|| refuse(format!("no `{last}` there")))?;
    let Kind::Scalar {
        style,
        end: Some(end),
        ..
    } = &key.kind
    else {
        return Err(refuse(format!("`{dotted}` is not a one-line key")));
    };
    let flow = key.in_flow;
    let written = match style {
        TScalarStyle::Plain => quote::write(new_key, Quote::Plain, flow),
        TScalarStyle::SingleQuoted => quote::write(new_key, Quote::Single, flow),
        _ => quote::write(new_key, Quote::Double, flow),
    };
    let new_body = splice::apply(body, &[Splice::replace(key.start..*end, written)])
        .ok_or_else(|| refuse(format!("cannot splice `{dotted}`")))?;

    // Read back: the same document with one key renamed.
    let fail = |why: &str| {
        refuse(format!(
            "refusing to rename `{dotted}`: {why}; text unchanged"
        ))
    };
    let new_lines = Lines::new(&new_body);
    let new_root =
        single_document(file, &new_lines).map_err(|_| fail("the result would not parse"))?;
    let mut expected = root.shape();
    if let Some(Shape::Map(pairs)) = shape_at(&mut expected, parent_path) {
        for (k, _) in pairs.iter_mut() {
            if let Shape::Scalar(name, plain) = k {
                if name == last {
                    *k = Shape::Scalar(new_key.to_string(), *plain && !written_quoted(new_key));
                }
            }
        }
    }
    if expected != new_root.shape() {
        return Err(fail("the edit would change something else"));
    }
    Ok(format!("{mark}{new_body}"))
}

/// True when a plain key would have to be quoted to read back as `key`.
fn written_quoted(key: &str) -> bool {
    !quote::plain_is_safe(key, false)
}

/// The scalar at `path` in each document of a YAML stream: `None` for a document where the
/// path is missing, null, or not a scalar.
pub fn scalar_at(file: &Path, text: &str, path: &[&str]) -> Result<Vec<Option<String>>, YamlError> {
    let body = text.strip_prefix(BOM).unwrap_or(text);
    let documents = parse(file, body, Purpose::Edit)?;
    Ok(documents
        .iter()
        .map(|d| {
            d.root
                .at_path(path)
                .filter(|n| !n.is_null())
                .and_then(Node::as_str)
                .map(str::to_string)
        })
        .collect())
}

fn single_document(file: &Path, lines: &Lines<'_>) -> Result<Node, YamlError> {
    let mut documents = parse(file, lines.text(), Purpose::Edit)?.into_iter();
    let first = documents.next().ok_or_else(|| {
        YamlError::at(file, lines.text(), 1, 1, "the file holds no YAML document")
    })?;
    match documents.next() {
        Some(second) => Err(error_at(
            file,
            lines,
            second.start,
            "a second YAML document starts here; expected exactly one",
        )),
        None => Ok(first.root),
    }
}

/// The node at `path`, or an error at the node where the path stops.
fn locate<'n>(
    file: &Path,
    lines: &Lines<'_>,
    root: &'n Node,
    path: &[&str],
) -> Result<&'n Node, YamlError> {
    let mut node = root;
    for (depth, segment) in path.iter().enumerate() {
        let walked = path.get(..depth).unwrap_or_default().join(".");
        let under = if walked.is_empty() {
            "at the top level".to_string()
        } else {
            format!("under `{walked}`")
        };
        let next = match &node.kind {
            Kind::Map { .. } => node.get(segment),
            Kind::Seq { items, .. } => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => {
                return Err(error_at(
                    file,
                    lines,
                    node.start,
                    format!(
                        "`{walked}` is {}, so it has no `{segment}`",
                        node.describe()
                    ),
                ))
            }
        };
        node = next
            .ok_or_else(|| error_at(file, lines, node.start, format!("no `{segment}` {under}")))?;
    }
    Ok(node)
}

fn shape_at<'s>(shape: &'s mut Shape, path: &[&str]) -> Option<&'s mut Shape> {
    let Some((segment, rest)) = path.split_first() else {
        return Some(shape);
    };
    let next = match shape {
        Shape::Map(pairs) => pairs
            .iter_mut()
            .find(|(k, _)| matches!(k, Shape::Scalar(name, _) if name == segment))
            .map(|(_, v)| v),
        Shape::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    }?;
    shape_at(next, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str, path: &str, value: &str) -> Result<String, YamlError> {
        let path: Vec<&str> = path.split('.').collect();
        set_scalar(Path::new("x.yaml"), text, &path, value)
    }

    #[test]
    fn keeps_quoting_and_type() {
        let text = "spec:\n  replicas: 2 # scaled\n  mode: 'Audit'\n  name: web\n";
        assert_eq!(
            set(text, "spec.replicas", "5").expect("set"),
            "spec:\n  replicas: 5 # scaled\n  mode: 'Audit'\n  name: web\n"
        );
        assert!(set(text, "spec.mode", "Enforce")
            .expect("set")
            .contains("mode: 'Enforce'\n"));
        assert!(set(text, "spec.name", "yes")
            .expect("set")
            .contains("name: \"yes\"\n"));
    }

    #[test]
    fn indexes_lists_and_reads_every_document() {
        let text = "images:\n  - name: a\n    newTag: v1\n";
        assert_eq!(
            set(text, "images.0.newTag", "v2").expect("set"),
            "images:\n  - name: a\n    newTag: v2\n"
        );
        let stream = "metadata:\n  name: a\n---\nkind: X\n---\nmetadata: {name: \"b\"}\n";
        assert_eq!(
            scalar_at(Path::new("s.yaml"), stream, &["metadata", "name"]).expect("reads"),
            [Some("a".to_string()), None, Some("b".to_string())]
        );
    }

    #[test]
    fn renames_a_key_in_place() {
        let text = "metadata:\n  labels:\n    a/scope: test-only # why\n    b: c\n";
        let path = ["metadata", "labels", "a/scope"];
        assert_eq!(
            rename_key(Path::new("x.yaml"), text, &path, "a/set").expect("renamed"),
            "metadata:\n  labels:\n    a/set: test-only # why\n    b: c\n"
        );
        assert!(rename_key(Path::new("x.yaml"), text, &path, "b").is_err());
    }

    #[test]
    fn names_where_the_path_stops() {
        let err = set("spec:\n  x: 1\n", "spec.replicas", "3").expect_err("missing");
        assert_eq!((err.line, err.col), (2, 3));
        assert!(
            err.message.contains("no `replicas` under `spec`"),
            "{}",
            err.message
        );
        let err = set("spec: [1]\n", "spec", "3").expect_err("not scalar");
        assert!(err.message.contains("is a list"), "{}", err.message);
    }
}

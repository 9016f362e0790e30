//! Typed values of a parsed text, as yaml-rust2's `YamlLoader` resolves them: `3` an integer,
//! `"3"` a string, aliases copied, a repeated key an error. For the planners that compare what
//! a file means before and after an edit, or pick a value by its type; built from the one parse
//! ([`super::parse`]), never by parsing again.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

use super::node::{Kind, Node, Tag};
use super::parse::{parse, Purpose};

/// The value of each document of `text`; `None` where `YamlLoader::load_from_str` fails.
pub(crate) fn values(text: &str) -> Option<Vec<Yaml>> {
    let documents = parse(Path::new(""), text, Purpose::Load).ok()?;
    let mut loader = Loader::default();
    documents
        .iter()
        .map(|document| loader.document(&document.root))
        .collect()
}

/// The value of one node of a parsed text, typed as [`values`] types it; `None` where the
/// loader would fail. An alias to an anchor outside the node is a bad value.
pub(crate) fn value_of(node: &Node) -> Option<Yaml> {
    Loader::default().document(node)
}

/// `YamlLoader`'s own steps, taken over the nodes in the order their events came.
#[derive(Default)]
struct Loader {
    /// Open collections with their anchors.
    stack: Vec<(Yaml, u32)>,
    /// For each open mapping, the key waiting for its value (`BadValue` when none).
    keys: Vec<Yaml>,
    /// Anchored values by id; ids are unique over the whole text.
    anchors: HashMap<u32, Yaml>,
}

/// A node being walked: its children still to come.
enum Frame<'n> {
    Seq(std::slice::Iter<'n, Node>),
    Map(std::slice::Iter<'n, (Node, Node)>, Option<&'n Node>),
}

impl Loader {
    fn document(&mut self, root: &Node) -> Option<Yaml> {
        // A stack rather than recursion, as the parse: deep nesting is the text's business.
        let mut frames = Vec::new();
        let mut next = Some(root);
        loop {
            if let Some(node) = next.take() {
                match &node.kind {
                    Kind::Scalar {
                        value, style, tag, ..
                    } => self.insert(scalar(value, *style, *tag), node.anchor)?,
                    Kind::Alias(id) => {
                        let value = self.anchors.get(id).cloned().unwrap_or(Yaml::BadValue);
                        self.insert(value, 0)?;
                    }
                    Kind::Seq { items, .. } => {
                        self.stack.push((Yaml::Array(Vec::new()), node.anchor));
                        frames.push((Frame::Seq(items.iter()), false));
                    }
                    Kind::Map { pairs, .. } => {
                        self.stack.push((Yaml::Hash(Hash::new()), node.anchor));
                        self.keys.push(Yaml::BadValue);
                        frames.push((Frame::Map(pairs.iter(), None), true));
                    }
                }
            }
            let Some((frame, is_map)) = frames.last_mut() else {
                return self.stack.pop().map(|(value, _)| value);
            };
            next = match frame {
                Frame::Seq(items) => items.next(),
                Frame::Map(pairs, pending) => match pending.take() {
                    Some(value) => Some(value),
                    None => pairs.next().map(|(key, value)| {
                        *pending = Some(value);
                        key
                    }),
                },
            };
            if next.is_none() {
                if *is_map {
                    self.keys.pop();
                }
                frames.pop();
                let (value, anchor) = self.stack.pop()?;
                self.insert(value, anchor)?;
            }
        }
    }

    /// `YamlLoader::insert_new_node`: `None` for a key repeated in a mapping.
    fn insert(&mut self, value: Yaml, anchor: u32) -> Option<()> {
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        let Some((parent, _)) = self.stack.last_mut() else {
            self.stack.push((value, anchor));
            return Some(());
        };
        match parent {
            Yaml::Array(items) => items.push(value),
            Yaml::Hash(map) => {
                let key = self.keys.last_mut()?;
                if key.is_badvalue() {
                    *key = value;
                } else {
                    let key = std::mem::replace(key, Yaml::BadValue);
                    if map.insert(key, value).is_some() {
                        return None;
                    }
                }
            }
            _ => return None,
        }
        Some(())
    }
}

/// A scalar's value the way `YamlLoader` types it.
fn scalar(value: &str, style: TScalarStyle, tag: Tag) -> Yaml {
    if style != TScalarStyle::Plain {
        return Yaml::String(value.to_string());
    }
    match tag {
        Tag::None => Yaml::from_str(value),
        Tag::Bool => match value {
            "true" | "True" | "TRUE" => Yaml::Boolean(true),
            "false" | "False" | "FALSE" => Yaml::Boolean(false),
            _ => Yaml::BadValue,
        },
        Tag::Int => value.parse::<i64>().map_or(Yaml::BadValue, Yaml::Integer),
        Tag::Float if is_f64(value) => Yaml::Real(value.to_string()),
        Tag::Float => Yaml::BadValue,
        Tag::Null if matches!(value, "~" | "null") => Yaml::Null,
        Tag::Null => Yaml::BadValue,
        Tag::Other => Yaml::String(value.to_string()),
    }
}

/// yaml-rust2's test of a `!!float` scalar.
fn is_f64(value: &str) -> bool {
    match value {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => true,
        // A digit, so that `inf` and `nan`, which Rust reads as numbers, are not.
        _ => value.bytes().any(|b| b.is_ascii_digit()) && value.parse::<f64>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use yaml_rust2::YamlLoader;

    use super::*;

    fn same_as_yaml_loader(text: &str) -> Result<(), TestCaseError> {
        let ours = values(text);
        let theirs = YamlLoader::load_from_str(text).ok();
        prop_assert_eq!(ours, theirs, "{:?}", text);
        Ok(())
    }

    /// Lines of YAML that exercise typing, tags, anchors, aliases and repeated keys.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a: 1",
            "a: 2",
            "b: '1'",
            "c: !!int 3",
            "c: !!int x",
            "d: !!bool true",
            "d: !!bool yes",
            "e: !!float 1.5",
            "e: !!float inf",
            "f: !!null ~",
            "f: !!null x",
            "g: !!str 3",
            "g: !custom 3",
            "h: &x [1, 2]",
            "i: *x",
            "j: &y {k: v}",
            "k: *y",
            "l: *z",
            "? *y\n: m",
            "1: one",
            "01: one again",
            "n:\n  - &z 7\n  - *z",
            "o: .inf",
            "p: 0x1f",
            "q: ~",
            "r:",
            "---",
            "- item",
            "  s: deeper",
            "t: \"x\"",
            "\u{feff}u: bom",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn types_values_as_yaml_loader_does(lines in prop::collection::vec(fragment(), 0..8)) {
            same_as_yaml_loader(&lines.join("\n"))?;
        }

        #[test]
        fn agrees_on_plain_generated_documents(text in crate::yaml::plain::tests::text()) {
            same_as_yaml_loader(&text)?;
        }
    }

    #[test]
    fn agrees_on_every_file_of_the_shared_corpus() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !corpus.is_dir() {
            eprintln!("SKIPPED: ../shared/corpus is not present");
            return;
        }
        let mut pending = vec![corpus];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    same_as_yaml_loader(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                }
            }
        }
    }
}

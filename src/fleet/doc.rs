//! A small read-only YAML tree with positions, built from yaml-rust2's event parser.
//!
//! The fleet only reads a handful of keys (`resources`, `spec.path`, `metadata.name`, ...), but
//! every value it keeps must say on which line it was written. `YamlLoader` drops positions, so
//! the tree is built here from marked events instead.

use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::yaml::YamlError;

/// A YAML node and the 1-based line and column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub line: usize,
    pub col: usize,
}

/// The value of a node. Aliases are kept as null: no fleet key is ever written through one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Null,
}

impl Node {
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value under `key`, to take parts of it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a sequence; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }
}

/// Decodes a file's bytes, reporting the first invalid byte as a position in the file.
pub(crate) fn decode<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, YamlError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let before = &bytes[..valid];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let col = valid - line_start + 1;
        let text = String::from_utf8_lossy(bytes);
        YamlError::at(
            path,
            &text,
            line,
            col,
            format!(
                "not valid UTF-8 (byte 0x{:02x}); save the file as UTF-8",
                bytes.get(valid).copied().unwrap_or(0)
            ),
        )
    })
}

/// Parses every document of `text`. `path` only labels errors.
///
/// Files in the plain block shape most fleet files have are read by [`super::simple`], which
/// builds the same tree several times faster; every other file goes through yaml-rust2.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Node>, YamlError> {
    match super::simple::parse(text) {
        Some(docs) => Ok(docs),
        None => parse_full(path, text),
    }
}

/// Parses every document of `text` with yaml-rust2.
pub(crate) fn parse_full(path: &Path, text: &str) -> Result<Vec<Node>, YamlError> {
    // A byte order mark is not content; yaml-rust2 would report it as an unexpected character.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(body);
    parser.load(&mut builder, true).map_err(|e| {
        let mark = e.marker();
        YamlError::at(
            path,
            text,
            mark.line(),
            column(mark),
            format!("invalid YAML: {}", e.info()),
        )
    })?;
    Ok(builder.docs)
}

/// yaml-rust2 counts lines from 1 but columns from 0 (checked by a test below).
fn column(mark: &Marker) -> usize {
    mark.col() + 1
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    /// Open collections; a mapping's pending key waits beside it.
    stack: Vec<(Node, Option<Node>)>,
}

impl Builder {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some((parent, pending)) => match &mut parent.value {
                Value::Seq(items) => items.push(node),
                Value::Map(entries) => match pending.take() {
                    None => *pending = Some(node),
                    Some(key) => entries.push((key, node)),
                },
                _ => {}
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = |value| Node {
            value,
            line: mark.line(),
            col: column(&mark),
        };
        match event {
            Event::Scalar(text, ..) => self.push_value(at(Value::Scalar(text))),
            Event::Alias(_) => self.push_value(at(Value::Null)),
            Event::SequenceStart(..) => self.stack.push((at(Value::Seq(Vec::new())), None)),
            Event::MappingStart(..) => self.stack.push((at(Value::Map(Vec::new())), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_one_based_lines_and_columns() {
        let docs = parse(Path::new("k.yaml"), "a: 1\nresources:\n  - ./x\n  - ../y\n").unwrap();
        let items = docs[0].get("resources").unwrap().items();
        assert_eq!(
            (items[0].as_str(), items[0].line, items[0].col),
            (Some("./x"), 3, 5)
        );
        assert_eq!(items[1].line, 4);
    }

    #[test]
    fn reads_every_document_and_skips_a_byte_order_mark() {
        let docs = parse(Path::new("k.yaml"), "\u{feff}---\nkind: A\n---\nkind: B\n").unwrap();
        let kinds: Vec<_> = docs
            .iter()
            .map(|d| d.get("kind").unwrap().as_str())
            .collect();
        assert_eq!(kinds, [Some("A"), Some("B")]);
    }

    #[test]
    fn reports_errors_with_the_line() {
        let err = parse(Path::new("k.yaml"), "a: 1\nb: [x\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
        assert!(err.to_string().starts_with("k.yaml:"), "{err}");
    }

    #[test]
    fn reports_invalid_utf8_where_it_is() {
        let err = decode(Path::new("k.yaml"), b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!((err.line, err.col), (2, 4));
    }
}

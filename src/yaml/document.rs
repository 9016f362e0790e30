//! YAML text parsed into nodes that know where they are written.
//!
//! yaml-rust2's event parser gives each event a start marker only: no end positions and no
//! comments. A node here keeps its byte offset; a scalar also keeps where it ends when that can
//! be found exactly (one-line plain scalars, quoted scalars), which is all an edit needs.

use std::path::Path;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::lines::Lines;
use super::YamlError;

/// Deeper nesting is refused: kustomizations are shallow, and a bound keeps recursion safe.
const MAX_DEPTH: usize = 64;

/// One node of a document with its position in the text.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// Byte offset of the node's first character: a scalar's first character or opening quote,
    /// a block sequence's first dash (its first entry when the dash sits at the parent key's
    /// column), a flow collection's bracket, a block mapping's first key.
    pub(crate) start: usize,
    /// Whether the node is inside a flow collection (or is one).
    pub(crate) in_flow: bool,
}

/// What a node is.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Scalar {
        value: String,
        style: TScalarStyle,
        /// Byte offset just past the scalar (closing quote included); `None` for empty, block
        /// and multi-line plain scalars.
        end: Option<usize>,
    },
    Seq {
        flow: bool,
        items: Vec<Node>,
        /// Byte offset of the closing `]` of a flow sequence; where the next token starts for a
        /// block one.
        end: usize,
    },
    Map {
        flow: bool,
        pairs: Vec<(Node, Node)>,
        /// Like `Seq::end`, for `}`.
        end: usize,
    },
    Alias,
}

/// A value with positions stripped, to check that an edit left a node's meaning alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The value and whether it was written plain (plain `3` and `"3"` differ).
    Scalar(String, bool),
    Seq(Vec<Shape>),
    Map(Vec<(Shape, Shape)>),
    Alias,
}

/// One document of a YAML stream.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) root: Node,
    /// Byte offset of the document's start (its `---` when it has one).
    pub(crate) start: usize,
}

impl Node {
    /// The value of the first pair whose key is the plain or quoted string `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map { pairs, .. } => pairs
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The node at a key path; a segment that is a number indexes a sequence.
    pub(crate) fn at_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter()
            .try_fold(self, |node, segment| match &node.kind {
                Kind::Seq { items, .. } => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => node.get(segment),
            })
    }

    /// The value of a scalar node.
    pub(crate) fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// True for a plain null: nothing written, `~` or `null`.
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: TScalarStyle::Plain, .. }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// "a list", "a mapping"... for messages.
    pub(crate) fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } if self.is_null() => "null",
            Kind::Scalar { .. } => "a string",
            Kind::Seq { .. } => "a list",
            Kind::Map { .. } => "a mapping",
            Kind::Alias => "an alias",
        }
    }

    /// The node's value without positions.
    pub(crate) fn shape(&self) -> Shape {
        match &self.kind {
            Kind::Scalar { value, style, .. } => {
                Shape::Scalar(value.clone(), *style == TScalarStyle::Plain)
            }
            Kind::Seq { items, .. } => Shape::Seq(items.iter().map(Node::shape).collect()),
            Kind::Map { pairs, .. } => {
                Shape::Map(pairs.iter().map(|(k, v)| (k.shape(), v.shape())).collect())
            }
            Kind::Alias => Shape::Alias,
        }
    }
}

/// An error at byte `offset` of the text `lines` describes.
pub(crate) fn error_at(
    path: &Path,
    lines: &Lines<'_>,
    offset: usize,
    message: impl Into<String>,
) -> YamlError {
    YamlError::at(
        path,
        lines.text(),
        lines.line_of(offset),
        lines.col_of(offset),
        message,
    )
}

/// Parses every document of `text` (which must not start with a byte order mark).
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Document>, YamlError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        lines: Lines::new(text),
        path,
        flow_depth: 0,
    };
    let mut documents = Vec::new();
    loop {
        let (event, offset) = builder.next()?;
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => return Ok(documents),
            Event::DocumentStart => {
                let (event, root_offset) = builder.next()?;
                let root = builder.node(event, root_offset, 0)?;
                match builder.next()? {
                    (Event::DocumentEnd, _) => documents.push(Document {
                        root,
                        start: offset,
                    }),
                    (_, at) => return Err(builder.error(at, "expected the end of the document")),
                }
            }
            _ => return Err(builder.error(offset, "expected the start of a document")),
        }
    }
}

struct Builder<'a> {
    parser: Parser<std::str::Chars<'a>>,
    lines: Lines<'a>,
    path: &'a Path,
    flow_depth: usize,
}

impl Builder<'_> {
    fn next(&mut self) -> Result<(Event, usize), YamlError> {
        match self.parser.next_token() {
            Ok((event, mark)) => Ok((event, self.lines.offset(mark.line(), mark.col()))),
            Err(e) => {
                let mark = e.marker();
                let offset = self.lines.offset(mark.line(), mark.col());
                Err(self.error(offset, format!("invalid YAML: {}", e.info())))
            }
        }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> YamlError {
        error_at(self.path, &self.lines, offset, message)
    }

    fn node(&mut self, event: Event, offset: usize, depth: usize) -> Result<Node, YamlError> {
        if depth > MAX_DEPTH {
            return Err(self.error(
                offset,
                format!("nested more than {MAX_DEPTH} levels deep; refusing to edit this file"),
            ));
        }
        let text = self.lines.text();
        let in_flow = self.flow_depth > 0;
        let kind = match event {
            Event::Scalar(value, style, _, _) => {
                self.check_indentation(offset)?;
                let end = scalar_end(text, offset, &value, style);
                Kind::Scalar { value, style, end }
            }
            Event::Alias(_) => Kind::Alias,
            Event::SequenceStart(_, _) => {
                let flow = text.get(offset..).is_some_and(|t| t.starts_with('['));
                self.enter(flow, offset)?;
                let mut items = Vec::new();
                let end = loop {
                    match self.next()? {
                        (Event::SequenceEnd, end) => break end,
                        (event, at) => items.push(self.node(event, at, depth + 1)?),
                    }
                };
                self.flow_depth -= usize::from(flow);
                Kind::Seq { flow, items, end }
            }
            Event::MappingStart(_, _) => {
                // A block mapping's marker sits at its first `:`, a flow mapping's at `{`.
                let flow = text.get(offset..).is_some_and(|t| t.starts_with('{'));
                self.enter(flow, offset)?;
                let mut pairs = Vec::new();
                let end = loop {
                    match self.next()? {
                        (Event::MappingEnd, end) => break end,
                        (event, at) => {
                            let key = self.node(event, at, depth + 1)?;
                            let (event, at) = self.next()?;
                            let value = self.node(event, at, depth + 1)?;
                            pairs.push((key, value));
                        }
                    }
                };
                self.flow_depth -= usize::from(flow);
                let start = match pairs.first() {
                    Some((key, _)) if !flow => key.start,
                    _ => offset,
                };
                return Ok(Node {
                    kind: Kind::Map { flow, pairs, end },
                    start,
                    in_flow: in_flow || flow,
                });
            }
            _ => return Err(self.error(offset, "unexpected YAML event")),
        };
        let in_flow = in_flow || matches!(kind, Kind::Seq { flow: true, .. });
        Ok(Node {
            kind,
            start: offset,
            in_flow,
        })
    }

    fn enter(&mut self, flow: bool, offset: usize) -> Result<(), YamlError> {
        if flow {
            self.flow_depth += 1;
            Ok(())
        } else {
            self.check_indentation(offset)
        }
    }

    /// Refuses a tab in the indentation of a line where a block node starts: YAML forbids it,
    /// and yaml-rust2 lets some through (spaces then a tab).
    fn check_indentation(&self, offset: usize) -> Result<(), YamlError> {
        if self.flow_depth > 0 {
            return Ok(());
        }
        let line = self.lines.line_of(offset);
        let content = self.lines.content(line);
        let indent_len = content.len() - content.trim_start_matches([' ', '\t']).len();
        match content
            .get(..indent_len)
            .and_then(|indent| indent.find('\t'))
        {
            Some(tab) => Err(self.error(
                self.lines.start(line) + tab,
                "tab used for indentation; indent YAML with spaces",
            )),
            None => Ok(()),
        }
    }
}

/// Where a scalar written at `start` ends, when that is certain.
fn scalar_end(text: &str, start: usize, value: &str, style: TScalarStyle) -> Option<usize> {
    let rest = text.get(start..)?;
    match style {
        TScalarStyle::Plain => {
            (!value.is_empty() && rest.starts_with(value)).then(|| start + value.len())
        }
        TScalarStyle::SingleQuoted => closing_quote(rest, '\'').map(|end| start + end),
        TScalarStyle::DoubleQuoted => closing_quote(rest, '"').map(|end| start + end),
        _ => None,
    }
}

/// The byte just past the quote that closes the scalar opening `rest`.
fn closing_quote(rest: &str, quote: char) -> Option<usize> {
    let mut chars = rest.char_indices();
    if chars.next()?.1 != quote {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
        } else if c == quote {
            // `''` is an escaped quote inside a single-quoted scalar.
            if quote == '\'' && rest.get(i + 1..).is_some_and(|r| r.starts_with('\'')) {
                chars.next();
            } else {
                return Some(i + 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let mut docs = parse(Path::new("k.yaml"), text).expect("parses");
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    #[test]
    fn finds_scalar_spans_in_every_quoting_style() {
        let text = "a: [x, 'it''s', \"q\\\"\"]\nb: é  # c\n";
        let node = root(text);
        let Some(Kind::Seq { items, flow, .. }) = node.get("a").map(|n| &n.kind) else {
            panic!("a is a list");
        };
        assert!(flow);
        let spans: Vec<&str> = items
            .iter()
            .map(|n| match n.kind {
                Kind::Scalar { end: Some(end), .. } => &text[n.start..end],
                _ => "?",
            })
            .collect();
        assert_eq!(spans, ["x", "'it''s'", "\"q\\\"\""]);
        let b = node.get("b").expect("b");
        assert!(
            matches!(b.kind, Kind::Scalar { end: Some(end), .. } if &text[b.start..end] == "é")
        );
    }

    #[test]
    fn positions_survive_non_ascii_block_scalars() {
        let text = "a: |\n  héllo wörld ü\nb: x\n";
        let node = root(text);
        assert_eq!(node.get("b").map(|n| n.start), Some(text.len() - 2));
    }

    #[test]
    fn refuses_tab_indentation_and_deep_nesting() {
        let err = parse(Path::new("k.yaml"), "a:\n  \t- x\n").expect_err("tab");
        assert_eq!((err.line, err.col), (2, 3));
        let deep = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(Path::new("k.yaml"), &deep).is_err());
    }
}

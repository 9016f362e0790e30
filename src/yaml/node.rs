//! The one tree a YAML text is parsed into ([`super::parse`]): nodes that know where they are
//! written, so that the fleet can say on which line a value is and an edit can splice the text
//! where it is.
//!
//! yaml-rust2's event parser gives each event a start marker only: no end positions and no
//! comments. A node here keeps its byte offset and line; a scalar also keeps where it ends when
//! that can be found exactly (one-line plain scalars, quoted scalars), which is all an edit needs.

use yaml_rust2::scanner::TScalarStyle;

/// One node of a document with its position in the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// Byte offset of the node's first character: a scalar's first character or opening quote,
    /// a block sequence's first dash (its first entry when the dash sits at the parent key's
    /// column), a flow collection's bracket, a block mapping's first key.
    pub(crate) start: usize,
    /// The 1-based line of `start`.
    pub(crate) line: usize,
    /// The id of the node's anchor (`&name`), unique over the text; 0 for none.
    pub(crate) anchor: u32,
    /// Whether the node is inside a flow collection (or is one).
    pub(crate) in_flow: bool,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Scalar {
        value: String,
        style: TScalarStyle,
        /// Byte offset just past the scalar (closing quote included); `None` for empty, block
        /// and multi-line plain scalars.
        end: Option<usize>,
        tag: Tag,
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
    /// `*name`, with the id of the anchor it names. Nothing the fleet reads or edits is written
    /// through one.
    Alias(u32),
}

/// A scalar's tag, as far as it types the value ([`super::value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    None,
    /// `!!bool`, `!!int`, `!!float`, `!!null`.
    Bool,
    Int,
    Float,
    Null,
    /// Any other tag: the value is a string.
    Other,
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
#[derive(Debug, Clone, PartialEq)]
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
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// [`Node::get`], to take parts of the value.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            Kind::Map { pairs, .. } => pairs
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node of the first pair whose key is `key`.
    pub(crate) fn key(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map { pairs, .. } => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
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
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The items of a sequence; empty for anything else.
    pub(crate) fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq { items, .. } => items,
            _ => &[],
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
            Kind::Alias(_) => "an alias",
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
            Kind::Alias(_) => Shape::Alias,
        }
    }
}

//! The one way fluxfleet parses YAML: text in, [`Document`]s of [`Node`]s out, for the fleet
//! reader and for every edit alike.
//!
//! Files in the plain block shape most fleet files are written in go through [`super::plain`],
//! a line parser that builds the same tree several times faster; every other file, and every
//! error, goes through yaml-rust2's event parser here. The tests hold the two equal.

use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag as EventTag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::lines::Lines;
use super::node::{Document, Kind, Node, Tag};
use super::YamlError;

/// Deeper nesting is refused for an edit: kustomizations are shallow, and a bound keeps edits
/// predictable.
pub(crate) const MAX_DEPTH: usize = 64;

/// What the text is parsed for; an edit refuses more than a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Reading the fleet: any YAML yaml-rust2 accepts, after a byte order mark. Errors quote the
    /// text as given, mark included.
    Read,
    /// Editing the text: tab indentation and nesting deeper than [`MAX_DEPTH`] are refused too.
    /// The caller strips a byte order mark, and anchors are known to the end of the text.
    Edit,
    /// Typing values as yaml-rust2's `YamlLoader` does ([`super::values`]): what it accepts,
    /// byte order mark included.
    Load,
}

/// Parses every document of `text`. `path` only labels errors. To read, a leading byte order
/// mark is skipped (positions are those of the text after it); to edit, the caller strips it.
pub(crate) fn parse(path: &Path, text: &str, purpose: Purpose) -> Result<Vec<Document>, YamlError> {
    match super::plain::parse(text) {
        Some(documents) => Ok(documents),
        None => parse_events(path, text, purpose),
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

/// Parses every document of `text` with yaml-rust2's event parser.
pub(crate) fn parse_events(
    path: &Path,
    text: &str,
    purpose: Purpose,
) -> Result<Vec<Document>, YamlError> {
    // A byte order mark is not content; yaml-rust2 would report it as an unexpected character.
    // An edit's caller keeps the mark out of the text itself, as its offsets are the text's.
    let body = match purpose {
        Purpose::Read => text.strip_prefix('\u{feff}').unwrap_or(text),
        Purpose::Edit | Purpose::Load => text,
    };
    let mut builder = Builder {
        events: match purpose {
            Purpose::Edit => Events::Stream(Box::new(Parser::new_from_str(body))),
            Purpose::Read | Purpose::Load => Events::Loaded(Vec::new().into_iter()),
        },
        lines: Lines::new(body),
        path,
        text,
        purpose,
        flow_depth: 0,
        open: Vec::new(),
    };
    if purpose != Purpose::Edit {
        // `Parser::load`, as the reader and `YamlLoader` have always read: it forgets anchors
        // at each document's end, where taking events one by one does not.
        let mut loaded = Loaded(Vec::new());
        if let Err(e) = Parser::new_from_str(body).load(&mut loaded, true) {
            return Err(builder.scan_error(&e));
        }
        builder.events = Events::Loaded(loaded.0.into_iter());
    }
    let mut documents = Vec::new();
    loop {
        let (event, offset, _) = builder.next()?;
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => return Ok(documents),
            Event::DocumentStart => {
                let root = builder.root()?;
                match builder.next()? {
                    (Event::DocumentEnd, _, _) => documents.push(Document {
                        root,
                        start: offset,
                    }),
                    (_, at, _) => return Err(builder.error(at, "expected the end of the document")),
                }
            }
            _ => {
                return Err(builder.error(offset, "expected the start of a document"));
            }
        }
    }
}

/// Where a builder's events come from.
enum Events<'a> {
    /// Taken one by one from the parser.
    Stream(Box<Parser<std::str::Chars<'a>>>),
    /// Loaded beforehand, each with its marker's line and column.
    Loaded(std::vec::IntoIter<(Event, usize, usize)>),
}

/// The events of a whole stream, as `Parser::load` gives them.
struct Loaded(Vec<(Event, usize, usize)>);

impl MarkedEventReceiver for Loaded {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.0.push((event, mark.line(), mark.col()));
    }
}

/// A collection whose end event has not come yet.
struct Open {
    start: usize,
    line: usize,
    anchor: u32,
    flow: bool,
    in_flow: bool,
    body: Body,
}

enum Body {
    Seq(Vec<Node>),
    /// The pairs so far, and a key waiting for its value.
    Map(Vec<(Node, Node)>, Option<Node>),
}

struct Builder<'a> {
    events: Events<'a>,
    /// The text after any byte order mark.
    lines: Lines<'a>,
    path: &'a Path,
    /// The text as given, quoted by a read's errors.
    text: &'a str,
    purpose: Purpose,
    flow_depth: usize,
    /// Collections opened and not yet closed, outermost first: a stack rather than recursion,
    /// so that deep nesting cannot overflow a reading thread's stack.
    open: Vec<Open>,
}

impl Builder<'_> {
    /// The next event, its byte offset and its line.
    fn next(&mut self) -> Result<(Event, usize, usize), YamlError> {
        let next = match &mut self.events {
            Events::Stream(parser) => parser
                .next_token()
                .map(|(event, mark)| (event, mark.line(), mark.col())),
            // `load` ends with the stream's end, after which nothing is asked.
            Events::Loaded(events) => Ok(events.next().unwrap_or((Event::StreamEnd, 0, 0))),
        };
        match next {
            Ok((event, line, col)) => Ok((event, self.lines.offset(line, col), line)),
            Err(e) => Err(self.scan_error(&e)),
        }
    }

    /// yaml-rust2's own error, where it says.
    fn scan_error(&self, e: &ScanError) -> YamlError {
        let mark = e.marker();
        let message = format!("invalid YAML: {}", e.info());
        match self.purpose {
            // yaml-rust2 counts lines from 1 but columns from 0.
            Purpose::Read | Purpose::Load => {
                YamlError::at(self.path, self.text, mark.line(), mark.col() + 1, message)
            }
            Purpose::Edit => {
                let offset = self.lines.offset(mark.line(), mark.col());
                self.error(offset, message)
            }
        }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> YamlError {
        error_at(self.path, &self.lines, offset, message)
    }

    /// The root node of a document, its events read up to the last one.
    fn root(&mut self) -> Result<Node, YamlError> {
        loop {
            let (event, offset, line) = self.next()?;
            let done = match event {
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(open) = self.open.pop() else {
                        return Err(self.error(offset, "unexpected YAML event"));
                    };
                    self.flow_depth -= usize::from(open.flow);
                    self.close(open, offset)
                }
                event => self.start(event, offset, line)?,
            };
            if let Some(node) = done {
                match self.open.last_mut() {
                    None => return Ok(node),
                    Some(Open {
                        body: Body::Seq(items),
                        ..
                    }) => items.push(node),
                    Some(Open {
                        body: Body::Map(pairs, key),
                        ..
                    }) => match key.take() {
                        None => *key = Some(node),
                        Some(key) => pairs.push((key, node)),
                    },
                }
            }
        }
    }

    /// The node `event` starts: a scalar or alias, complete; `None` for a collection, opened.
    fn start(
        &mut self,
        event: Event,
        offset: usize,
        line: usize,
    ) -> Result<Option<Node>, YamlError> {
        if self.purpose == Purpose::Edit && self.open.len() > MAX_DEPTH {
            return Err(self.error(
                offset,
                format!("nested more than {MAX_DEPTH} levels deep; refusing to edit this file"),
            ));
        }
        let text = self.lines.text();
        let in_flow = self.flow_depth > 0;
        let (body, flow, anchor) = match event {
            Event::Scalar(value, style, anchor, tag) => {
                self.check_indentation(offset)?;
                let end = scalar_end(text, offset, &value, style);
                let tag = tag.as_ref().map_or(Tag::None, typing);
                let kind = Kind::Scalar {
                    value,
                    style,
                    end,
                    tag,
                };
                return Ok(Some(Node {
                    kind,
                    start: offset,
                    line,
                    anchor: id(anchor),
                    in_flow,
                }));
            }
            Event::Alias(anchor) => {
                return Ok(Some(Node {
                    kind: Kind::Alias(id(anchor)),
                    start: offset,
                    line,
                    anchor: 0,
                    in_flow,
                }))
            }
            Event::SequenceStart(anchor, _) => (
                Body::Seq(Vec::new()),
                text.get(offset..).is_some_and(|t| t.starts_with('[')),
                anchor,
            ),
            // A block mapping's marker sits at its first `:`, a flow mapping's at `{`.
            Event::MappingStart(anchor, _) => (
                Body::Map(Vec::new(), None),
                text.get(offset..).is_some_and(|t| t.starts_with('{')),
                anchor,
            ),
            _ => return Err(self.error(offset, "unexpected YAML event")),
        };
        if flow {
            self.flow_depth += 1;
        } else {
            self.check_indentation(offset)?;
        }
        self.open.push(Open {
            start: offset,
            line,
            anchor: id(anchor),
            flow,
            in_flow: in_flow || flow,
            body,
        });
        Ok(None)
    }

    /// The collection `open`, whose end event is at `end`.
    fn close(&self, open: Open, end: usize) -> Option<Node> {
        let Open {
            start,
            line,
            anchor,
            flow,
            in_flow,
            body,
        } = open;
        let (kind, start, line) = match body {
            Body::Seq(items) => (Kind::Seq { flow, items, end }, start, line),
            Body::Map(pairs, _) => {
                let (start, line) = match pairs.first() {
                    Some((key, _)) if !flow => (key.start, key.line),
                    _ => (start, line),
                };
                (Kind::Map { flow, pairs, end }, start, line)
            }
        };
        Some(Node {
            kind,
            start,
            line,
            anchor,
            in_flow,
        })
    }

    /// For an edit, refuses a tab in the indentation of a line where a block node starts: YAML
    /// forbids it, and yaml-rust2 lets some through (spaces then a tab).
    fn check_indentation(&self, offset: usize) -> Result<(), YamlError> {
        if self.flow_depth > 0 || self.purpose != Purpose::Edit {
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

/// An anchor's id as a node keeps it; no text holds four billion anchors.
fn id(anchor: usize) -> u32 {
    u32::try_from(anchor).unwrap_or(u32::MAX)
}

/// What a scalar's tag means for its type, as `YamlLoader` reads it.
fn typing(tag: &EventTag) -> Tag {
    if tag.handle != "tag:yaml.org,2002:" {
        return Tag::Other;
    }
    match tag.suffix.as_str() {
        "bool" => Tag::Bool,
        "int" => Tag::Int,
        "float" => Tag::Float,
        "null" => Tag::Null,
        _ => Tag::Other,
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
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn root(text: &str) -> Node {
        let mut docs = parse(Path::new("k.yaml"), text, Purpose::Edit).expect("parses");
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
        assert_eq!(
            node.get("b").map(|n| (n.start, n.line)),
            Some((text.len() - 2, 3))
        );
    }

    #[test]
    fn an_edit_refuses_tab_indentation_and_deep_nesting_and_a_read_does_not() {
        let tab = "a:\n  \t- x\n";
        let err = parse(Path::new("k.yaml"), tab, Purpose::Edit).expect_err("tab");
        assert_eq!((err.line, err.col), (2, 3));
        assert!(parse(Path::new("k.yaml"), tab, Purpose::Read).is_ok());
        let deep = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(Path::new("k.yaml"), &deep, Purpose::Edit).is_err());
        assert!(parse(Path::new("k.yaml"), &deep, Purpose::Read).is_ok());
    }

    #[test]
    fn a_read_forgets_anchors_between_documents_and_an_edit_does_not() {
        // As `Parser::load` (the reader, `YamlLoader`) and `next_token` (the editor) always did.
        let text = "a: &x 1\n---\nb: *x\n";
        let err = parse(Path::new("k.yaml"), text, Purpose::Read).unwrap_err();
        assert_eq!((err.line, err.col), (3, 4), "{err}");
        assert!(parse(Path::new("k.yaml"), text, Purpose::Load).is_err());
        assert!(parse(Path::new("k.yaml"), text, Purpose::Edit).is_ok());
    }

    #[test]
    fn keeps_one_based_lines() {
        let text = "a: 1\nresources:\n  - ./x\n  - ../y\n";
        let docs = parse_events(Path::new("k.yaml"), text, Purpose::Read).unwrap();
        let items = docs[0].root.get("resources").unwrap().items();
        assert_eq!((items[0].as_str(), items[0].line), (Some("./x"), 3));
        assert_eq!(items[1].line, 4);
    }

    #[test]
    fn reads_every_document_and_skips_a_byte_order_mark() {
        let text = "\u{feff}---\nkind: A\n---\nkind: B\n";
        let docs = parse(Path::new("k.yaml"), text, Purpose::Read).unwrap();
        let kinds: Vec<_> = docs
            .iter()
            .map(|d| d.root.get("kind").unwrap().as_str())
            .collect();
        assert_eq!(kinds, [Some("A"), Some("B")]);
    }

    #[test]
    fn reports_errors_with_the_line() {
        let err = parse(Path::new("k.yaml"), "a: 1\nb: [x\n", Purpose::Read).unwrap_err();
        assert!(err.line >= 2, "{err}");
        assert!(err.to_string().starts_with("k.yaml:"), "{err}");
    }

    #[test]
    fn reports_invalid_utf8_where_it_is() {
        let err = decode(Path::new("k.yaml"), b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!((err.line, err.col), (2, 4));
    }
}

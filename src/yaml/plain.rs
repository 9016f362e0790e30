//! The fast path of [`super::parse`]: a line parser for the plain block YAML most fleet files
//! are written in, so that reading a large fleet does not run yaml-rust2's scanner over every
//! kustomization and manifest.
//!
//! It understands exactly this shape: block mappings whose keys are plain words
//! (`apiVersion`, `app.kubernetes.io/name`), block sequences (indented or not under their key,
//! `- key: value` items included), plain scalars without flow indicators, single- and
//! double-quoted scalars on one line without escapes, comments, blank lines and `---` between
//! documents; printable ASCII only, spaces for indentation. For anything else it answers `None`
//! and [`super::parse`] uses yaml-rust2, so an error is always reported by the full parser.
//! Where it answers, the documents are the ones yaml-rust2's events build, positions included:
//! the tests (`plain_tests.rs`) compare the two on generated documents and on every file of the
//! shared corpus.
//!
//! [`any_plain_entry`] goes further still for `where NAME`: it scans a kustomization's list
//! entries without building anything, and sends whatever is not plain to the parse;
//! [`only_entries`] comments out the entries that cannot concern NAME before the parse.

use std::ops::Range;

use memchr::{memchr, memchr2, memchr3, memchr_iter};
use yaml_rust2::scanner::TScalarStyle;

use super::node::{Document, Kind, Node, Tag};
use super::parse::MAX_DEPTH;

/// Longer lines go to the full parser (YAML limits implicit keys to 1024 characters).
const MAX_LINE: usize = 1000;

/// A content line: its 1-based number, its indentation, the byte offset of its text, and the
/// text after the indentation.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: usize,
    indent: usize,
    at: usize,
    text: &'a str,
}

/// The documents of `text`, or `None` when it is not in the plain shape.
pub(crate) fn parse(text: &str) -> Option<Vec<Document>> {
    if !printable(text.as_bytes()) {
        return None;
    }
    let mut docs = Vec::new();
    // Sized once: a cluster's list is hundreds of lines.
    let mut lines: Vec<Line> =
        Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut separators = 0;
    // Where the `---` that opened the current document is.
    let mut opened = None;
    let mut line_start = 0;
    // `split('\n')` by the newlines' positions: its own search costs more per line to start
    // than these short lines take.
    let line_ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for (i, end) in line_ends.enumerate() {
        let (start, line) = (line_start, &text[line_start..end]);
        line_start = end + 1;
        if line.len() > MAX_LINE {
            return None;
        }
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if line == "---" {
            // A leading `---` opens the first document; any other closes one that has content.
            if lines.is_empty() && (separators > 0 || !docs.is_empty()) {
                return None;
            }
            separators += 1;
            if !lines.is_empty() {
                docs.push(document(std::mem::take(&mut lines), opened, start)?);
            }
            opened = Some(start);
            continue;
        }
        if matches!(
            body.as_bytes(),
            [b'-', b'-', b'-', ..] | [b'.', b'.', b'.', ..]
        ) {
            return None;
        }
        let indent = line.len() - body.len();
        lines.push(Line {
            no: i + 1,
            indent,
            at: start + indent,
            text: body,
        });
    }
    if lines.is_empty() {
        // Nothing after a `---`: yaml-rust2 makes an empty document of it.
        if separators > 0 {
            return None;
        }
    } else {
        docs.push(document(lines, opened, text.len())?);
    }
    Some(docs)
}

/// The document written on `lines`, opened by a `---` at `opened` if any, and followed by the
/// next `---` or the end of the text at `end`.
fn document(lines: Vec<Line>, opened: Option<usize>, end: usize) -> Option<Document> {
    if lines.first()?.indent != 0 {
        return None;
    }
    let mut parser = Parser { lines, pos: 0, end };
    let root = parser.node(0)?;
    if parser.pos != parser.lines.len() {
        return None;
    }
    // yaml-rust2 starts a document without `---` at its first token: a mapping's first colon.
    let start = opened.unwrap_or(match &root.kind {
        Kind::Map { pairs, .. } => match pairs.first().map(|(key, _)| &key.kind) {
            Some(Kind::Scalar { end: Some(end), .. }) => *end,
            _ => root.start,
        },
        _ => root.start,
    });
    Some(Document { root, start })
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    /// Where the document ends: the next `---` or the end of the text.
    end: usize,
}

impl Parser<'_> {
    /// The indentation of the next line, if any.
    fn next_indent(&self) -> Option<usize> {
        self.lines.get(self.pos).map(|l| l.indent)
    }

    /// Where the next token starts, which ends the block collections before it.
    fn next_token(&self) -> usize {
        self.lines.get(self.pos).map_or(self.end, |l| l.at)
    }

    /// The collection starting at the current line, `depth` collections deep.
    fn node(&mut self, depth: usize) -> Option<Node> {
        let line = *self.lines.get(self.pos)?;
        if is_item(line.text) {
            self.seq(line.indent, false, depth)
        } else {
            self.map(line.indent, depth)
        }
    }

    /// The sequence whose dashes are at `indent`; `indentless` when it is the value of a key
    /// at that same column.
    fn seq(&mut self, indent: usize, indentless: bool, depth: usize) -> Option<Node> {
        // Its items would be deeper than an edit accepts: the full parser says so.
        if depth >= MAX_DEPTH {
            return None;
        }
        let first = *self.lines.get(self.pos)?;
        // yaml-rust2 marks an indented sequence at its first dash, an indentless one where its
        // first item starts.
        let mut start = first.at;
        // Sized once: a cluster's list holds hundreds of entries, and growing a vector of
        // nodes by doubling allocates twice its size again in vectors thrown away.
        let count = self.lines[self.pos..]
            .iter()
            .take_while(|l| l.indent > indent || (l.indent == indent && is_item(l.text)))
            .filter(|l| l.indent == indent)
            .count();
        let mut items = Vec::with_capacity(count);
        while let Some(line) = self.lines.get(self.pos).copied() {
            if line.indent != indent || !is_item(line.text) {
                break;
            }
            let rest = &line.text[1..];
            let content = rest.trim_start_matches(' ');
            let skip = 1 + (rest.len() - content.len());
            if matches!(content.as_bytes().first(), None | Some(b'#' | b'-')) {
                return None;
            }
            if indentless && items.is_empty() {
                start = line.at + skip;
            }
            let item = if split_key(content).is_some() {
                // `- key: value`: a mapping whose keys line up with this first one.
                self.lines[self.pos] = Line {
                    no: line.no,
                    indent: indent + skip,
                    at: line.at + skip,
                    text: content,
                };
                self.map(indent + skip, depth + 1)?
            } else {
                self.pos += 1;
                scalar(content, line.no, line.at + skip)?
            };
            if self.next_indent().is_some_and(|i| i > indent) {
                return None;
            }
            items.push(item);
        }
        Some(Node {
            kind: Kind::Seq {
                flow: false,
                items,
                end: self.next_token(),
            },
            start,
            line: first.no,
            anchor: 0,
            in_flow: false,
        })
    }

    fn map(&mut self, indent: usize, depth: usize) -> Option<Node> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let first = *self.lines.get(self.pos)?;
        // Sized once, as a sequence's items; keys of an indentless sequence's items are not
        // counted, which are deeper.
        let count = self.lines[self.pos..]
            .iter()
            .take_while(|l| l.indent >= indent)
            .filter(|l| l.indent == indent && !is_item(l.text))
            .count();
        let mut pairs = Vec::with_capacity(count);
        while let Some(line) = self.lines.get(self.pos).copied() {
            if line.indent != indent || is_item(line.text) {
                break;
            }
            let (key, rest) = split_key(line.text)?;
            let key = Node {
                kind: Kind::Scalar {
                    value: key.to_string(),
                    style: TScalarStyle::Plain,
                    end: Some(line.at + key.len()),
                    tag: Tag::None,
                },
                start: line.at,
                line: line.no,
                anchor: 0,
                in_flow: false,
            };
            let content = rest.trim_start_matches(' ');
            self.pos += 1;
            let value = if content.is_empty() || content.starts_with('#') {
                // The value is the block below: deeper, or a sequence at the key's own column.
                let next = self.lines.get(self.pos)?;
                if next.indent > indent {
                    self.node(depth + 1)?
                } else if next.indent == indent && is_item(next.text) {
                    self.seq(indent, true, depth + 1)?
                } else {
                    return None;
                }
            } else {
                let at = line.at + (line.text.len() - content.len());
                scalar(content, line.no, at)?
            };
            if self.next_indent().is_some_and(|i| i > indent) {
                return None;
            }
            pairs.push((key, value));
        }
        Some(Node {
            kind: Kind::Map {
                flow: false,
                pairs,
                end: self.next_token(),
            },
            start: first.at,
            line: first.no,
            anchor: 0,
            in_flow: false,
        })
    }
}

/// Scans the lines of a kustomization without parsing it, for a reader that only needs to know
/// whether some entry matters: true as soon as `wanted` holds for a `- ` entry (its text before
/// any comment, trimmed), or a line is more than plainly a key or an entry (flow style, anchors,
/// block scalars, quotes), which only a parse can tell.
///
/// This runs over every line of every list of a large fleet for each `where`, so it works on
/// bytes, line by line, without allocating.
pub(crate) fn any_plain_entry(text: &str, mut wanted: impl FnMut(&str) -> bool) -> bool {
    for (_, line) in plain_lines(text) {
        match line {
            Plain::Unusual => return true,
            Plain::Entry(item) if wanted(item) => return true,
            _ => {}
        }
    }
    false
}

/// `text` with the plain scalar entries (`- ../../apps/x`, not `- path: p.yaml`) whose line
/// `wanted` does not want (it is given the line's byte range) commented out: a `#` in place of
/// the line's first byte, so the keys, lines and byte positions stay, and the parse skips what
/// it need not read. `where NAME` parses a long list that way when it needs only the entries
/// that name NAME. `None` when a line is more than plainly a key or an entry, as for
/// [`any_plain_entry`]: only a parse of the whole text tells what it holds.
pub(crate) fn only_entries(
    text: &str,
    mut wanted: impl FnMut(Range<usize>) -> bool,
) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (range, line) in plain_lines(text) {
        match line {
            Plain::Unusual => return None,
            Plain::Entry(item) if !item.contains(':') && !wanted(range.clone()) => {
                // The first byte is ASCII: `-` or the indentation before it.
                out.push_str(&text[copied..range.start]);
                out.push('#');
                copied = range.start + 1;
            }
            _ => {}
        }
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// A line of a kustomization, as the scans that do not parse it see it.
enum Plain<'t> {
    /// Blank, a comment or `---`.
    Nothing,
    /// A `- ` entry: its text before any comment, trimmed.
    Entry(&'t str),
    /// A plain `key:` or `key: value`.
    Key,
    /// More than plainly a key or an entry.
    Unusual,
}

/// Each line of `text` with its byte range (without the line feed) and what it is.
fn plain_lines(text: &str) -> impl Iterator<Item = (Range<usize>, Plain<'_>)> {
    let bytes = text.as_bytes();
    // Most lists hold no unusual byte and no comment at all; three vector searches of the whole
    // text spare looking at each byte of each line for them.
    let unusual = memchr3(b'[', b'{', b'&', bytes).is_some()
        || memchr3(b'*', b'|', b'>', bytes).is_some()
        || memchr2(b'"', b'\'', bytes).is_some();
    let comments = memchr(b'#', bytes).is_some();
    let mut start = 0;
    memchr_iter(b'\n', bytes)
        .chain([bytes.len()])
        .map(move |end| {
            let range = start..end;
            start = end + 1;
            let line = text[range.clone()].trim_ascii();
            (range, what_line(line, unusual, comments))
        })
}

/// What the trimmed `line` is; `unusual` and `comments` tell whether the text holds any byte
/// that makes a line more than plain, and any `#`.
fn what_line(line: &str, unusual: bool, comments: bool) -> Plain<'_> {
    if line.is_empty() || line.starts_with('#') || line == "---" {
        return Plain::Nothing;
    }
    if unusual && line.bytes().any(|b| UNUSUAL[usize::from(b)]) {
        return Plain::Unusual;
    }
    if let Some(item) = line.strip_prefix("- ") {
        // Up to the first ` #`.
        let item = match comments {
            true => item.find(" #").map_or(item, |at| &item[..at]),
            false => item,
        };
        return Plain::Entry(item.trim_ascii());
    }
    let key = line.split(':').next().unwrap_or_default();
    let mapped = line.ends_with(':') || line.contains(": ");
    match !mapped || key.contains(' ') {
        true => Plain::Unusual,
        false => Plain::Key,
    }
}

/// The bytes a plain scalar's scan stops at ([`scalar`]): a table, since most bytes are none
/// of them and a lookup passes them quicker than comparing each with six.
const SCALAR_STOPS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(i as u8, b'#' | b'[' | b']' | b'{' | b'}' | b':');
        i += 1;
    }
    table
};

/// Bytes that make a line more than a plain key or list entry.
const UNUSUAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(
            i as u8,
            b'[' | b'{' | b'&' | b'*' | b'|' | b'>' | b'"' | b'\''
        );
        i += 1;
    }
    table
};

/// True when `bytes` are printable ASCII and line feeds only.
fn printable(bytes: &[u8]) -> bool {
    // No early exit inside a chunk, so that the compiler checks many bytes at once.
    bytes.chunks(64).all(|chunk| {
        chunk.iter().fold(true, |ok, &b| {
            ok & ((b' '..=b'~').contains(&b) | (b == b'\n'))
        })
    })
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: rest` with a plain-word key; `None` when the line is not a mapping entry of that kind.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    // The key ends at the first `:`; most list entries have none, and are passed at once.
    let end = memchr::memchr(b':', bytes)?;
    let key_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/');
    if end == 0 || bytes[0] == b'-' || !bytes[..end].iter().all(key_char) {
        return None;
    }
    match bytes.get(end + 1) {
        None | Some(b' ') => Some((&text[..end], &text[end + 1..])),
        _ => None,
    }
}

/// A scalar written on line `line` at byte offset `at`, up to an optional comment.
fn scalar(text: &str, line: usize, at: usize) -> Option<Node> {
    let (value, style, written) = match text.as_bytes().first()? {
        quote @ (b'\'' | b'"') => {
            let inner = &text[1..];
            let close = inner.find(*quote as char)?;
            let (value, after) = (&inner[..close], &inner[close + 1..]);
            if *quote == b'"' && value.contains('\\') {
                return None;
            }
            let rest = after.trim_start_matches(' ');
            if !(rest.is_empty() || (rest.starts_with('#') && rest.len() < after.len())) {
                return None;
            }
            let style = if *quote == b'"' {
                TScalarStyle::DoubleQuoted
            } else {
                TScalarStyle::SingleQuoted
            };
            (value, style, close + 2)
        }
        first if first.is_ascii_alphanumeric() || b"./_~$(+=".contains(first) => {
            // One pass: the value ends where ` #` starts a comment; a flow indicator or `: `
            // before that, or a `:` at its end, is more than a plain scalar.
            let bytes = text.as_bytes();
            let mut end = bytes.len();
            for (i, &b) in bytes.iter().enumerate() {
                if !SCALAR_STOPS[usize::from(b)] {
                    continue;
                }
                match b {
                    b'#' if i > 0 && bytes[i - 1] == b' ' => {
                        end = i;
                        break;
                    }
                    b'[' | b']' | b'{' | b'}' => return None,
                    b':' if bytes.get(i + 1) == Some(&b' ') => return None,
                    _ => {}
                }
            }
            let value = text[..end].trim_end_matches(' ');
            if value.ends_with(':') {
                return None;
            }
            (value, TScalarStyle::Plain, value.len())
        }
        _ => return None,
    };
    Some(Node {
        kind: Kind::Scalar {
            value: value.to_string(),
            style,
            end: Some(at + written),
            tag: Tag::None,
        },
        start: at,
        line,
        anchor: 0,
        in_flow: false,
    })
}

#[cfg(test)]
#[path = "plain_tests.rs"]
pub(super) mod tests;

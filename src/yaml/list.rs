//! A top-level list of references as it is written, and the splices that edit it.
//!
//! The list may be a block list (`- x` lines), a flow list (`[x, y]`), a null value
//! (`resources:`, `resources: ~`) or absent. Edits copy the style of what is there: a new block
//! line copies the last entry's indentation, dash spacing and line ending; quoting follows the
//! entries (the most common style, the last entry's on a tie).

use std::ops::Range;
use std::path::Path;

use yaml_rust2::scanner::TScalarStyle;

use super::lines::{is_blank_or_comment, usual_ending, Lines};
use super::node::{Kind, Node};
use super::parse::error_at;
use super::quote::{self, Quote};
use super::splice::Splice;
use super::YamlError;

/// One entry of a list, validated to be a one-line string scalar.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) value: String,
    /// Byte span of the scalar, quotes included.
    pub(crate) span: Range<usize>,
    pub(crate) quote: Quote,
}

/// How the list is written.
#[derive(Debug, Clone)]
pub(crate) enum Form {
    Absent,
    /// `key:` with no value, or `~`/`null` (its span).
    Null {
        explicit: Option<Range<usize>>,
    },
    Block,
    /// Byte offsets of `[` and `]`.
    Flow {
        open: usize,
        close: usize,
    },
}

/// A list located in a parsed text.
pub(crate) struct ListView<'a> {
    lines: &'a Lines<'a>,
    root: &'a Node,
    key: Option<&'a Node>,
    /// Byte offset just past the key's `:`.
    colon: usize,
    pub(crate) form: Form,
    pub(crate) items: Vec<Item>,
}

/// How the file writes block lists, for a list that has no entries to copy from.
struct Layout {
    /// Spaces between a key's column and its list's dash.
    indent: usize,
    /// Spaces after the dash.
    space: usize,
}

impl<'a> ListView<'a> {
    /// Finds and validates `key` of the top-level mapping `root`.
    pub(crate) fn new(
        path: &Path,
        lines: &'a Lines<'a>,
        root: &'a Node,
        key: &str,
    ) -> Result<Self, YamlError> {
        let err = |offset: usize, message: String| error_at(path, lines, offset, message);
        let Kind::Map { pairs, .. } = &root.kind else {
            return Err(err(root.start, "the top level is not a mapping".into()));
        };
        let Some((key_node, value)) = pairs.iter().find(|(k, _)| k.as_str() == Some(key)) else {
            return Ok(ListView {
                lines,
                root,
                key: None,
                colon: 0,
                form: Form::Absent,
                items: Vec::new(),
            });
        };
        let colon = colon_after(lines.text(), key_node).ok_or_else(|| {
            err(
                key_node.start,
                format!("write `{key}:` as a plain key on one line to let fluxfleet edit it"),
            )
        })?;
        let (form, nodes) = match &value.kind {
            Kind::Scalar { end, .. } if value.is_null() => (
                Form::Null {
                    explicit: end.map(|end| value.start..end),
                },
                &[][..],
            ),
            Kind::Seq { flow, items, end } => {
                let form = match flow {
                    true => Form::Flow {
                        open: value.start,
                        close: *end,
                    },
                    false => Form::Block,
                };
                (form, &items[..])
            }
            Kind::Alias(_) => {
                return Err(err(
                    value.start,
                    format!("`{key}` is an alias; write the list itself here"),
                ))
            }
            _ => {
                return Err(err(
                    value.start,
                    format!(
                        "`{key}` is {}; expected a list of references such as `- ../base`",
                        value.describe()
                    ),
                ))
            }
        };
        let block = matches!(form, Form::Block);
        let items = nodes
            .iter()
            .map(|node| item(path, lines, key, node, block))
            .collect::<Result<_, _>>()?;
        Ok(ListView {
            lines,
            root,
            key: Some(key_node),
            colon,
            form,
            items,
        })
    }

    /// Byte offset of the key, or of the document when the key is absent.
    pub(crate) fn key_start(&self) -> usize {
        self.key.map_or(self.root.start, |k| k.start)
    }

    /// Splices that append `value` after the last entry.
    pub(crate) fn add(
        &self,
        path: &Path,
        key: &str,
        value: &str,
    ) -> Result<Vec<Splice>, YamlError> {
        let lines = self.lines;
        let text = lines.text();
        let refuse = |message: &str| error_at(path, lines, self.key_start(), message);
        let style = self.usual_quote();
        match &self.form {
            Form::Block => {
                let Some(last) = self.items.last() else {
                    return Err(refuse("a block list without entries"));
                };
                let line = lines.line_of(last.span.start);
                let prefix = dash_prefix(lines.content(line)).unwrap_or("- ");
                let new_line = format!("{prefix}{}", quote::write(value, style, false));
                Ok(vec![insert_line_after(lines, line, &new_line)])
            }
            Form::Flow { open, close } if self.items.is_empty() => {
                let one_line = lines.line_of(*open) == lines.line_of(*close);
                if one_line && !self.key_in_flow() {
                    // `resources: []` becomes a block list: kustomizations are written that way,
                    // and removing the last entry again gives back `resources: []`.
                    let mut splices = vec![Splice::delete(self.colon..close + 1)];
                    splices.push(self.first_block_line(lines.line_of(*close), key, value));
                    Ok(splices)
                } else {
                    Ok(vec![Splice::insert(
                        open + 1,
                        quote::write(value, style, true),
                    )])
                }
            }
            Form::Flow { open, .. } => {
                let Some(last) = self.items.last() else {
                    return Err(refuse("a flow list without entries"));
                };
                let written = quote::write(value, style, true);
                let line = lines.line_of(last.span.start);
                let content = lines.content(line);
                let before = text.get(lines.start(line)..last.span.start).unwrap_or("");
                let after = text
                    .get(last.span.end..lines.content_end(line))
                    .unwrap_or("");
                let after = strip_comment(after).trim();
                if lines.line_of(*open) != line
                    && before.trim().is_empty()
                    && matches!(after, "" | ",")
                {
                    // One entry per line: the new entry gets a line of its own.
                    let indent = content
                        .get(..content.len() - content.trim_start().len())
                        .unwrap_or("");
                    if after == "," {
                        let new_line = format!("{indent}{written},");
                        Ok(vec![insert_line_after(lines, line, &new_line)])
                    } else {
                        let new_line = format!("{indent}{written}");
                        Ok(vec![
                            Splice::insert(last.span.end, ","),
                            insert_line_after(lines, line, &new_line),
                        ])
                    }
                } else {
                    let separator = self
                        .items
                        .iter()
                        .rev()
                        .nth(1)
                        .and_then(|prev| text.get(prev.span.end..last.span.start))
                        .filter(|sep| sep.trim() == "," && !sep.contains(['\n', '\r']))
                        .unwrap_or(", ");
                    Ok(vec![Splice::insert(
                        last.span.end,
                        format!("{separator}{written}"),
                    )])
                }
            }
            Form::Null { explicit } => {
                if self.key_in_flow() {
                    return Err(refuse("cannot add to an empty value inside a flow mapping"));
                }
                let (mut splices, line) = match explicit {
                    Some(span) => (
                        vec![Splice::delete(self.colon..span.end)],
                        lines.line_of(span.start),
                    ),
                    None => (Vec::new(), lines.line_of(self.colon.saturating_sub(1))),
                };
                splices.push(self.first_block_line(line, key, value));
                Ok(splices)
            }
            Form::Absent => self.add_key(path, key, value).map(|s| vec![s]),
        }
    }

    /// Splices that remove entry `index`, its own line in a block list.
    pub(crate) fn remove(&self, index: usize) -> Vec<Splice> {
        let lines = self.lines;
        let text = lines.text();
        let Some(item) = self.items.get(index) else {
            return Vec::new();
        };
        let line = lines.line_of(item.span.start);
        match &self.form {
            Form::Block => {
                let mut splices = vec![delete_line(lines, line)];
                if self.items.len() == 1 {
                    // kustomize rejects a kustomization with nothing in it; an explicit empty
                    // list keeps the key and says the emptiness is meant.
                    splices.push(Splice::insert(self.colon, " []"));
                }
                splices
            }
            Form::Flow { open, close } => {
                let before = text.get(lines.start(line)..item.span.start).unwrap_or("");
                let after = text
                    .get(item.span.end..lines.content_end(line))
                    .unwrap_or("");
                let after = strip_comment(after).trim();
                let next = self.items.get(index + 1);
                let prev = index.checked_sub(1).and_then(|i| self.items.get(i));
                let inner = text.get(open + 1..*close).unwrap_or("");
                let alone = inner.lines().filter(|l| !l.trim().is_empty()).count() <= 1;
                if self.items.len() == 1 && alone {
                    // `[\n]` and `[\n  "a"\n]` trip yaml-rust2 ("invalid indentation"), so an
                    // emptied list closes on the key's line.
                    vec![Splice::delete(open + 1..*close)]
                } else if lines.line_of(*open) != line
                    && before.trim().is_empty()
                    && matches!(after, "" | ",")
                {
                    let mut splices = vec![delete_line(lines, line)];
                    // The last entry had no comma after it: the new last entry loses its own,
                    // so that removing what `add` appended gives back the original text.
                    if let Some(prev) = prev.filter(|_| after.is_empty() && next.is_none()) {
                        if text
                            .get(prev.span.end..)
                            .is_some_and(|r| r.starts_with(','))
                        {
                            splices.push(Splice::delete(prev.span.end..prev.span.end + 1));
                        }
                    }
                    splices
                } else if let Some(next) = next.filter(|n| lines.line_of(n.span.start) == line) {
                    vec![Splice::delete(item.span.start..next.span.start)]
                } else if let Some(prev) = prev {
                    vec![Splice::delete(prev.span.end..item.span.end)]
                } else if let Some(next) = next {
                    vec![Splice::delete(item.span.start..next.span.start)]
                } else {
                    let end = if after == "," {
                        text.get(item.span.end..)
                            .and_then(|rest| rest.find(','))
                            .map_or(item.span.end, |i| item.span.end + i + 1)
                    } else {
                        item.span.end
                    };
                    vec![Splice::delete(item.span.start..end)]
                }
            }
            Form::Null { .. } | Form::Absent => Vec::new(),
        }
    }

    /// The splice that rewrites entry `index` as `value`, in that entry's quoting style.
    pub(crate) fn replace(&self, index: usize, value: &str) -> Option<Splice> {
        let item = self.items.get(index)?;
        let flow = matches!(self.form, Form::Flow { .. });
        Some(Splice::replace(
            item.span.clone(),
            quote::write(value, item.quote, flow),
        ))
    }

    fn key_in_flow(&self) -> bool {
        self.key.is_some_and(|k| k.in_flow)
    }

    /// The most common quoting style of the entries; the last entry's on a tie.
    fn usual_quote(&self) -> Quote {
        let last = self.items.last().map_or(Quote::Plain, |i| i.quote);
        let count = |q: Quote| self.items.iter().filter(|i| i.quote == q).count();
        [Quote::Plain, Quote::Single, Quote::Double]
            .into_iter()
            .max_by_key(|&q| (count(q), q == last))
            .unwrap_or(Quote::Plain)
    }

    /// The first `- value` line of a list that has none, inserted after `line`.
    fn first_block_line(&self, line: usize, key: &str, value: &str) -> Splice {
        let lines = self.lines;
        let key_start = self.key_start();
        let key_line = lines.start(lines.line_of(key_start));
        let key_indent = lines.text().get(key_line..key_start).unwrap_or("");
        let layout = layout(lines, self.root, key);
        let new_line = format!(
            "{key_indent}{}-{}{}",
            " ".repeat(layout.indent),
            " ".repeat(layout.space),
            quote::write(value, Quote::Plain, false)
        );
        insert_line_after(lines, line, &new_line)
    }

    /// Appends `key:` and a first entry after the last line of the top-level mapping.
    fn add_key(&self, path: &Path, key: &str, value: &str) -> Result<Splice, YamlError> {
        let lines = self.lines;
        let text = lines.text();
        let Kind::Map {
            pairs,
            flow: false,
            end,
        } = &self.root.kind
        else {
            return Err(error_at(
                path,
                lines,
                self.root.start,
                format!("cannot add `{key}` to a mapping written in flow style `{{...}}`"),
            ));
        };
        // The mapping's end marker is where the next token starts (`...` or the end of text);
        // comments and blank lines before it stay after the new key.
        let mut line = lines.line_of(*end);
        if text
            .get(lines.start(line)..*end)
            .is_none_or(|before| before.trim().is_empty())
        {
            line = line.saturating_sub(1).max(1);
        }
        let last_value = pairs.last().map(|(_, v)| v);
        let floor = last_value.map_or(1, |v| lines.line_of(v.start));
        // Lines after a block scalar may be its content even when they look like comments.
        if !last_value.is_some_and(ends_with_block_scalar) {
            while line > floor && is_blank_or_comment(lines.content(line)) {
                line -= 1;
            }
        }
        let first_key = pairs.first().map_or(0, |(k, _)| k.start);
        let indent = text
            .get(lines.start(lines.line_of(first_key))..first_key)
            .unwrap_or("");
        let layout = layout(lines, self.root, key);
        let eol = usual_ending(text);
        let block = format!(
            "{indent}{key}:{eol}{indent}{}-{}{}",
            " ".repeat(layout.indent),
            " ".repeat(layout.space),
            quote::write(value, Quote::Plain, false)
        );
        Ok(insert_line_after(lines, line, &block))
    }
}

/// Validates one entry of `key`'s list.
fn item(
    path: &Path,
    lines: &Lines<'_>,
    key: &str,
    node: &Node,
    block: bool,
) -> Result<Item, YamlError> {
    let err = |message: String| error_at(path, lines, node.start, message);
    let (value, style, end) = match &node.kind {
        Kind::Scalar {
            value, style, end, ..
        } => (value, *style, *end),
        Kind::Alias(_) => {
            return Err(err(format!(
                "an entry of `{key}` is an alias; write the reference itself"
            )))
        }
        other => {
            let what = if matches!(other, Kind::Map { .. }) {
                "a mapping"
            } else {
                "a nested list"
            };
            return Err(err(format!(
                "an entry of `{key}` is {what}; entries must be paths or URLs"
            )));
        }
    };
    let quote = match style {
        TScalarStyle::Plain => Quote::Plain,
        TScalarStyle::SingleQuoted => Quote::Single,
        TScalarStyle::DoubleQuoted => Quote::Double,
        _ => {
            return Err(err(format!(
                "an entry of `{key}` is a block scalar; write the reference on one line"
            )))
        }
    };
    if node.is_null() {
        return Err(err(format!(
            "an entry of `{key}` is empty; remove the line or write a reference"
        )));
    }
    if quote == Quote::Plain && quote::reads_as_non_string(value) {
        return Err(err(format!(
            "the entry `{value}` of `{key}` is not a string in YAML 1.1; quote it"
        )));
    }
    let line = lines.line_of(node.start);
    let end = end
        .filter(|&end| lines.line_of(end.saturating_sub(1)) == line)
        .ok_or_else(|| {
            err(format!(
                "an entry of `{key}` spans several lines; write it on one line"
            ))
        })?;
    if block {
        let before = lines
            .text()
            .get(lines.start(line)..node.start)
            .unwrap_or("");
        if dash_prefix(before).is_none() {
            return Err(err(format!(
                "write each entry of `{key}` as `- reference` on one line"
            )));
        }
    }
    Ok(Item {
        value: value.clone(),
        span: node.start..end,
        quote,
    })
}

/// The byte just past the `:` that follows a one-line key.
fn colon_after(text: &str, key: &Node) -> Option<usize> {
    let Kind::Scalar { end: Some(end), .. } = key.kind else {
        return None;
    };
    let rest = text.get(end..)?;
    let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest.get(gap..)?.starts_with(':').then_some(end + gap + 1)
}

/// The indentation, dash and spacing that start a block entry's line (`  - `).
fn dash_prefix(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line.get(indent..)?.strip_prefix('-')?;
    let space = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    (space > 0)
        .then(|| line.get(..indent + 1 + space))
        .flatten()
}

/// The text before a ` #` comment; flow-list separators are all that can precede one here.
fn strip_comment(text: &str) -> &str {
    text.find('#')
        .map_or(text, |i| text.get(..i).unwrap_or(text))
}

/// Whether the last scalar of `node`, in document order, is a `|` or `>` block scalar.
fn ends_with_block_scalar(node: &Node) -> bool {
    match &node.kind {
        Kind::Scalar { style, .. } => {
            matches!(style, TScalarStyle::Literal | TScalarStyle::Folded)
        }
        Kind::Seq { items, .. } => items.last().is_some_and(ends_with_block_scalar),
        Kind::Map { pairs, .. } => pairs.last().is_some_and(|(_, v)| ends_with_block_scalar(v)),
        Kind::Alias(_) => false,
    }
}

/// Inserts `new_line` as a line of its own after `line`, with that line's ending; at the end of
/// a text without a final line break, the new line goes without one too.
fn insert_line_after(lines: &Lines<'_>, line: usize, new_line: &str) -> Splice {
    let ending = lines.ending(line);
    if ending.is_empty() {
        let eol = usual_ending(lines.text());
        Splice::insert(lines.content_end(line), format!("{eol}{new_line}"))
    } else {
        Splice::insert(lines.end(line), format!("{new_line}{ending}"))
    }
}

/// Deletes `line` with its line break; the last line without a break takes the previous break
/// with it, so that a missing final line break stays missing.
fn delete_line(lines: &Lines<'_>, line: usize) -> Splice {
    if lines.ending(line).is_empty() && line > 1 {
        Splice::delete(lines.content_end(line - 1)..lines.end(line))
    } else {
        Splice::delete(lines.start(line)..lines.end(line))
    }
}

/// How the file indents block lists under keys: the first such list, top level first; else a
/// dash two spaces in.
fn layout(lines: &Lines<'_>, root: &Node, skip_key: &str) -> Layout {
    fn of(lines: &Lines<'_>, key: &Node, value: &Node) -> Option<Layout> {
        let Kind::Seq {
            flow: false, items, ..
        } = &value.kind
        else {
            return None;
        };
        // The sequence's marker is its first dash, or the first entry when the dash sits at the
        // key's column; the entry's line shows both.
        let first = items.first()?;
        let prefix = dash_prefix(lines.content(lines.line_of(first.start)))?;
        let dash = prefix.len() - prefix.trim_start_matches(' ').len();
        let indent = dash.checked_sub(lines.col_of(key.start) - 1)?;
        let space = prefix.len() - dash - 1;
        Some(Layout { indent, space })
    }
    fn nested(lines: &Lines<'_>, node: &Node) -> Option<Layout> {
        match &node.kind {
            Kind::Map { pairs, .. } => pairs
                .iter()
                .find_map(|(k, v)| of(lines, k, v).or_else(|| nested(lines, v))),
            Kind::Seq { items, .. } => items.iter().find_map(|n| nested(lines, n)),
            _ => None,
        }
    }
    let top = match &root.kind {
        Kind::Map { pairs, .. } => pairs
            .iter()
            .filter(|(k, _)| k.as_str() != Some(skip_key))
            .find_map(|(k, v)| of(lines, k, v)),
        _ => None,
    };
    top.or_else(|| nested(lines, root)).unwrap_or(Layout {
        indent: 2,
        space: 1,
    })
}

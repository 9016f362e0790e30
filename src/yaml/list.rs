//! A top-level list of references as it is written, and the splices that edit it.
//!
//! The list may be a block list (`- x` lines), a flow list (`[x, y]`), a null value
//! (`resources:`, `resources: ~`) or absent. Edits copy the style of what is there: a new block
//! line copies the last entry's indentation, dash spacing and line ending; quoting follows the
//! entries (the most common style, the last entry's on a tie).
//!
//! A list's entries may be mappings instead (kustomize's `patches`: `- path: x` with `target:`
//! on the lines after it, or a Flux Kustomization's `dependsOn`). Such an entry is removed with
//! all its lines, and one copied from another file is re-indented to this list's dash; they are
//! edited in block lists only.

use std::ops::Range;
use std::path::Path;

use super::lines::{is_blank_or_comment, usual_ending, Lines};
use super::list_lines::{
    colon_after, dash_prefix, delete_lines, ends_with_block_scalar, entry_lines, eol_at,
    flow_refusal, insert_line_after, item, layout, remove_entries, strip_comment, Emptied,
};
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
    /// The entries, for a list of references ([`ListView::new`]).
    pub(crate) items: Vec<Item>,
    /// The entries' nodes, whatever they are.
    pub(crate) nodes: &'a [Node],
    /// The list's node, when it is one.
    seq: Option<&'a Node>,
}

/// How the file writes block lists, for a list that has no entries to copy from.
pub(super) struct Layout {
    /// Spaces between a key's column and its list's dash.
    pub(super) indent: usize,
    /// Spaces after the dash.
    pub(super) space: usize,
}

impl<'a> ListView<'a> {
    /// Finds and validates `key` of the top-level mapping `root`: a list of references.
    pub(crate) fn new(
        path: &Path,
        lines: &'a Lines<'a>,
        root: &'a Node,
        key: &str,
    ) -> Result<Self, YamlError> {
        let mut view = Self::locate(path, lines, root, key)?;
        let block = matches!(view.form, Form::Block);
        view.items = view
            .nodes
            .iter()
            .map(|node| item(path, lines, key, node, block))
            .collect::<Result<_, _>>()?;
        Ok(view)
    }

    /// Finds `key` of the top-level mapping `root`: a list whose entries are mappings, such as
    /// kustomize's `patches` (`- path: patch.yaml`, with `target:` and more keys on the lines
    /// after it). [`ListView::items`] stays empty; the entries are [`ListView::nodes`].
    pub(crate) fn of_mappings(
        path: &Path,
        lines: &'a Lines<'a>,
        root: &'a Node,
        key: &str,
    ) -> Result<Self, YamlError> {
        let view = Self::locate(path, lines, root, key)?;
        if let Some(node) = view
            .nodes
            .iter()
            .find(|n| !matches!(n.kind, Kind::Map { .. }))
        {
            return Err(error_at(
                path,
                lines,
                node.start,
                format!(
                    "an entry of `{key}` is {}; expected a mapping such as `- path: patch.yaml`",
                    node.describe()
                ),
            ));
        }
        Ok(view)
    }

    /// Finds `key` and how its list is written, without looking into the entries.
    fn locate(
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
                nodes: &[],
                seq: None,
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
        let seq = matches!(value.kind, Kind::Seq { .. }).then_some(value);
        Ok(ListView {
            lines,
            root,
            key: Some(key_node),
            colon,
            form,
            items: Vec::new(),
            nodes,
            seq,
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
                    self.first_entry(path, key, NewEntry::Reference(value, Quote::Plain))
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
            Form::Null { .. } | Form::Absent => {
                self.first_entry(path, key, NewEntry::Reference(value, Quote::Plain))
            }
        }
    }

    /// Splices that write `entry` as the first entry of a list that has none, as a block list:
    /// after `key: []` written on one line, after `key:` or `key: ~`, or under a new key.
    /// `resources: []` becomes a block list because kustomizations are written that way, and
    /// removing the last entry again gives back `resources: []`.
    fn first_entry(
        &self,
        path: &Path,
        key: &str,
        entry: NewEntry<'_>,
    ) -> Result<Vec<Splice>, YamlError> {
        let lines = self.lines;
        let refuse = |message: &str| Err(error_at(path, lines, self.key_start(), message));
        match &self.form {
            Form::Flow { open, close }
                if self.nodes.is_empty()
                    && lines.line_of(*open) == lines.line_of(*close)
                    && !self.key_in_flow() =>
            {
                Ok(vec![
                    Splice::delete(self.colon..close + 1),
                    self.first_block_line(lines.line_of(*close), key, entry),
                ])
            }
            Form::Null { .. } if self.key_in_flow() => {
                refuse("cannot add to an empty value inside a flow mapping")
            }
            Form::Null { explicit } => {
                let (mut splices, line) = match explicit {
                    Some(span) => (
                        vec![Splice::delete(self.colon..span.end)],
                        lines.line_of(span.start),
                    ),
                    None => (Vec::new(), lines.line_of(self.colon.saturating_sub(1))),
                };
                splices.push(self.first_block_line(line, key, entry));
                Ok(splices)
            }
            Form::Absent => self.add_key(path, key, entry).map(|s| vec![s]),
            Form::Block | Form::Flow { .. } => refuse("the list has entries already"),
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
                let mut splices = vec![delete_lines(lines, line, line)];
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
                    let mut splices = vec![delete_lines(lines, line, line)];
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

    /// The text of mapping entry `index`, its lines as [`entry_lines`] finds them, without the
    /// last line break.
    pub(crate) fn mapping_text(
        &self,
        path: &Path,
        key: &str,
        index: usize,
    ) -> Result<String, YamlError> {
        let lines = self.lines;
        let seq = self.seq.ok_or_else(|| {
            error_at(
                path,
                lines,
                self.key_start(),
                format!("`{key}` is not a list"),
            )
        })?;
        let (first, last) = entry_lines(path, lines, key, seq, index)?;
        Ok(lines
            .text()
            .get(lines.start(first)..lines.content_end(last))
            .unwrap_or("")
            .to_string())
    }

    /// Splices that remove mapping entry `index` with its lines ([`entry_lines`]); removing the
    /// last one leaves `key: []`, as for a list of references. A flow list is refused.
    pub(crate) fn remove_mapping(
        &self,
        path: &Path,
        index: usize,
    ) -> Result<Vec<Splice>, YamlError> {
        let (Some(key), Some(seq)) = (self.key, self.seq) else {
            return Ok(Vec::new());
        };
        remove_entries(path, self.lines, key, seq, &[index], Emptied::Brackets)
    }

    /// Splices that append `written`, the lines of a mapping entry of another list (as
    /// [`ListView::mapping_text`] gives them), after the last entry: its dash takes the place
    /// of the last entry's, or of the file's usual one in a list without entries, and the lines
    /// after it move with it. A flow list with entries is refused.
    pub(crate) fn add_mapping(
        &self,
        path: &Path,
        key: &str,
        written: &str,
    ) -> Result<Vec<Splice>, YamlError> {
        let lines = self.lines;
        let refuse = |message: String| error_at(path, lines, self.key_start(), message);
        let entry = NewEntry::Copied(written);
        match &self.form {
            Form::Block => {
                let (Some(seq), Some(index)) = (self.seq, self.nodes.len().checked_sub(1)) else {
                    return Err(refuse("a block list without entries".into()));
                };
                let (first, last) = entry_lines(path, lines, key, seq, index)?;
                let prefix = dash_prefix(lines.content(first)).unwrap_or("- ");
                let new_lines = entry.written(prefix, eol_at(lines, last));
                Ok(vec![insert_line_after(lines, last, &new_lines)])
            }
            Form::Flow { open, close }
                if !self.nodes.is_empty() || lines.line_of(*open) != lines.line_of(*close) =>
            {
                Err(refuse(flow_refusal(key)))
            }
            _ => self.first_entry(path, key, entry),
        }
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

    /// The first entry of a list that has none, inserted after `line`.
    fn first_block_line(&self, line: usize, key: &str, entry: NewEntry<'_>) -> Splice {
        let lines = self.lines;
        let key_start = self.key_start();
        let key_line = lines.start(lines.line_of(key_start));
        let key_indent = lines.text().get(key_line..key_start).unwrap_or("");
        let layout = layout(lines, self.root, key).unwrap_or(entry.layout());
        let prefix = format!(
            "{key_indent}{}-{}",
            " ".repeat(layout.indent),
            " ".repeat(layout.space),
        );
        let new_line = entry.written(&prefix, eol_at(lines, line));
        insert_line_after(lines, line, &new_line)
    }

    /// Appends `key:` and a first entry after the last line of the top-level mapping.
    fn add_key(&self, path: &Path, key: &str, entry: NewEntry<'_>) -> Result<Splice, YamlError> {
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
        let layout = layout(lines, self.root, key).unwrap_or(entry.layout());
        let eol = usual_ending(text);
        let prefix = format!(
            "{indent}{}-{}",
            " ".repeat(layout.indent),
            " ".repeat(layout.space),
        );
        let block = format!("{indent}{key}:{eol}{}", entry.written(&prefix, eol));
        Ok(insert_line_after(lines, line, &block))
    }
}

/// An entry to write on lines of its own.
#[derive(Debug, Clone, Copy)]
enum NewEntry<'v> {
    /// A reference, in the given quoting.
    Reference(&'v str, Quote),
    /// The lines of a mapping entry copied from another list, its dash's line first.
    Copied(&'v str),
}

impl NewEntry<'_> {
    /// How to write the entry in a file without block lists: a copied entry as its own list
    /// had it (both are lists of a top-level key), a reference with a dash two spaces in.
    fn layout(self) -> Layout {
        let copied = match self {
            NewEntry::Copied(text) => text.lines().next().and_then(dash_prefix),
            NewEntry::Reference(..) => None,
        };
        copied.map_or(
            Layout {
                indent: 2,
                space: 1,
            },
            |prefix| {
                let indent = prefix.len() - prefix.trim_start_matches(' ').len();
                Layout {
                    indent,
                    space: prefix.len() - indent - 1,
                }
            },
        )
    }

    /// The entry's text: its first line starts with `prefix` (indentation, dash and spacing),
    /// a copied entry's later lines move by as much as its first line's content did, and lines
    /// are joined by `eol`.
    fn written(self, prefix: &str, eol: &str) -> String {
        match self {
            NewEntry::Reference(value, style) => {
                format!("{prefix}{}", quote::write(value, style, false))
            }
            NewEntry::Copied(text) => {
                let mut copied = text.lines();
                let first = copied.next().unwrap_or("");
                let old = dash_prefix(first).map_or(0, str::len);
                let mut out = format!("{prefix}{}", first.get(old..).unwrap_or(""));
                for line in copied {
                    out.push_str(eol);
                    let content = line.trim_start_matches(' ');
                    if content.trim().is_empty() {
                        continue;
                    }
                    let indent = line.len() - content.len();
                    out.push_str(&" ".repeat((indent + prefix.len()).saturating_sub(old)));
                    out.push_str(content);
                }
                out
            }
        }
    }
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;

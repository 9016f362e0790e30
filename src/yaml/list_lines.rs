//! Where a list's entries are, line by line: the lines an entry spans, the layout a new entry
//! copies, and the splices that insert or delete whole lines ([`super::list`] edits with them).

use std::collections::BTreeSet;
use std::path::Path;

use yaml_rust2::scanner::TScalarStyle;

use super::lines::{is_blank_or_comment, usual_ending, Lines};
use super::list::{Item, Layout};
use super::node::{Kind, Node};
use super::parse::error_at;
use super::quote::{self, Quote};
use super::splice::Splice;
use super::YamlError;

/// What becomes of a block list's key when its last entry is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Emptied {
    /// `key: []`, as removing a kustomization list's last reference leaves it: kustomize
    /// refuses a kustomization with nothing in it, and the empty list says it is meant.
    Brackets,
    /// The key's line goes too (a Flux Kustomization's `dependsOn`, where no key means none).
    Key,
}

/// The first and last 1-based lines of entry `index` of the block list `seq`, the value of
/// `key`: from its dash's line through its last line indented past the dash. Comments above
/// the entry, and comments and blank lines after its last line, belong to what is around it and
/// stay, as with a one-line entry; a block scalar's lines are its own, comment-like or not.
/// Refuses a flow list, and an entry whose dash does not start its first line.
pub(super) fn entry_lines(
    path: &Path,
    lines: &Lines<'_>,
    key: &str,
    seq: &Node,
    index: usize,
) -> Result<(usize, usize), YamlError> {
    let refuse = |message: String| error_at(path, lines, seq.start, message);
    let Kind::Seq { flow, items, end } = &seq.kind else {
        return Err(refuse(format!(
            "`{key}` is {}; expected a list",
            seq.describe()
        )));
    };
    if *flow {
        return Err(refuse(flow_refusal(key)));
    }
    let Some(item) = items.get(index) else {
        return Err(refuse(format!("`{key}` has no entry {}", index + 1)));
    };
    let (first, dash) = dash_line(path, lines, key, item)?;
    let bound = match items.get(index + 1) {
        Some(next) => dash_line(path, lines, key, next)?.0.saturating_sub(1),
        None => {
            // The list ends where the next token starts: that token's line is not the entry's.
            let line = lines.line_of(*end);
            let before = lines.text().get(lines.start(line)..*end).unwrap_or("");
            match before.trim().is_empty() {
                true => line.saturating_sub(1),
                false => line,
            }
        }
    };
    let scalar_last = ends_with_block_scalar(item);
    let mut last = first;
    for line in first + 1..=bound {
        let content = lines.content(line);
        let indent = content.len() - content.trim_start_matches(' ').len();
        let own = match content.trim().is_empty() {
            true => false,
            false if scalar_last && indent > dash => true,
            false => !is_blank_or_comment(content),
        };
        if own {
            last = line;
        }
    }
    Ok((first, last))
}

/// Splices that remove entries `indices` of the block list `seq`, the value of `key`, each with
/// its lines ([`entry_lines`]); when none is left, `emptied` says what becomes of the key.
pub(crate) fn remove_entries(
    path: &Path,
    lines: &Lines<'_>,
    key: &Node,
    seq: &Node,
    indices: &[usize],
    emptied: Emptied,
) -> Result<Vec<Splice>, YamlError> {
    let name = key.as_str().unwrap_or("");
    let mut gone = BTreeSet::new();
    for &index in indices {
        let (first, last) = entry_lines(path, lines, name, seq, index)?;
        gone.extend(first..=last);
    }
    let mut splices = Vec::new();
    let left = seq.items().len() - indices.iter().collect::<BTreeSet<_>>().len();
    if left == 0 {
        match emptied {
            Emptied::Brackets => {
                let colon = colon_after(lines.text(), key).ok_or_else(|| {
                    error_at(
                        path,
                        lines,
                        key.start,
                        format!(
                            "write `{name}:` as a plain key on one line to let fluxfleet edit it"
                        ),
                    )
                })?;
                splices.push(Splice::insert(colon, " []"));
            }
            Emptied::Key => {
                gone.insert(lines.line_of(key.start));
            }
        }
    }
    // One deletion for each run of consecutive lines, so that none overlaps another.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for line in gone {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == line => *last = line,
            _ => runs.push((line, line)),
        }
    }
    splices.extend(
        runs.into_iter()
            .map(|(first, last)| delete_lines(lines, first, last)),
    );
    Ok(splices)
}

/// The line of a block entry's dash and the dash's column, for an entry whose first line holds
/// nothing before it but indentation and the dash.
pub(super) fn dash_line(
    path: &Path,
    lines: &Lines<'_>,
    key: &str,
    item: &Node,
) -> Result<(usize, usize), YamlError> {
    let line = lines.line_of(item.start);
    let before = lines
        .text()
        .get(lines.start(line)..item.start)
        .unwrap_or("");
    match dash_prefix(before) {
        Some(prefix) if prefix.len() == before.len() => {
            Ok((line, before.len() - before.trim_start_matches(' ').len()))
        }
        _ => Err(error_at(
            path,
            lines,
            item.start,
            format!(
                "write each entry of `{key}` on lines of its own, its first line starting with \
                 `- `"
            ),
        )),
    }
}

/// Why a flow list of mappings is not edited.
pub(super) fn flow_refusal(key: &str) -> String {
    format!(
        "`{key}` is written in flow style (`[...]`), which fluxfleet does not edit entry by \
         entry; write it as a block list, each entry starting with `- ` on a line of its own"
    )
}

/// Validates one entry of `key`'s list.
pub(super) fn item(
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
pub(super) fn colon_after(text: &str, key: &Node) -> Option<usize> {
    let Kind::Scalar { end: Some(end), .. } = key.kind else {
        return None;
    };
    let rest = text.get(end..)?;
    let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest.get(gap..)?.starts_with(':').then_some(end + gap + 1)
}

/// The indentation, dash and spacing that start a block entry's line (`  - `).
pub(super) fn dash_prefix(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line.get(indent..)?.strip_prefix('-')?;
    let space = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    (space > 0)
        .then(|| line.get(..indent + 1 + space))
        .flatten()
}

/// The text before a ` #` comment; flow-list separators are all that can precede one here.
pub(super) fn strip_comment(text: &str) -> &str {
    text.find('#')
        .map_or(text, |i| text.get(..i).unwrap_or(text))
}

/// Whether the last scalar of `node`, in document order, is a `|` or `>` block scalar.
pub(super) fn ends_with_block_scalar(node: &Node) -> bool {
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
pub(super) fn insert_line_after(lines: &Lines<'_>, line: usize, new_line: &str) -> Splice {
    let ending = lines.ending(line);
    if ending.is_empty() {
        let eol = usual_ending(lines.text());
        Splice::insert(lines.content_end(line), format!("{eol}{new_line}"))
    } else {
        Splice::insert(lines.end(line), format!("{new_line}{ending}"))
    }
}

/// Deletes lines `first` through `last` with their line breaks; a last line without a break
/// takes the previous break with it, so that a missing final line break stays missing.
pub(super) fn delete_lines(lines: &Lines<'_>, first: usize, last: usize) -> Splice {
    if lines.ending(last).is_empty() && first > 1 {
        Splice::delete(lines.content_end(first - 1)..lines.end(last))
    } else {
        Splice::delete(lines.start(first)..lines.end(last))
    }
}

/// The line break to write after `line`: its own, or the text's usual one after a last line
/// without one.
pub(super) fn eol_at<'t>(lines: &Lines<'t>, line: usize) -> &'t str {
    match lines.ending(line) {
        "" => usual_ending(lines.text()),
        ending => ending,
    }
}

/// How the file indents block lists under keys: the first such list, top level first.
pub(super) fn layout(lines: &Lines<'_>, root: &Node, skip_key: &str) -> Option<Layout> {
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
    top.or_else(|| nested(lines, root))
}

//! A line parser for the plain block YAML most fleet files are written in, so that reading a
//! large fleet does not run yaml-rust2's scanner over every kustomization and manifest.
//!
//! It understands exactly this shape: block mappings whose keys are plain words
//! (`apiVersion`, `app.kubernetes.io/name`), block sequences (indented or not under their key,
//! `- key: value` items included), plain scalars without flow indicators, single- and
//! double-quoted scalars on one line without escapes, comments, blank lines and `---` between
//! documents; printable ASCII only, spaces for indentation. For anything else it answers `None`
//! and [`super::doc::parse`] uses yaml-rust2, so an error is always reported by the full parser.
//! Where it answers, the tree is the one yaml-rust2's events build, positions included: the
//! tests compare the two on generated documents and on every file of the shared corpus.

use super::doc::{Node, Value};

/// Longer lines go to the full parser (YAML limits implicit keys to 1024 characters).
const MAX_LINE: usize = 1000;

/// A content line: its 1-based number, its indentation, and the text after it.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: usize,
    indent: usize,
    text: &'a str,
}

/// The documents of `text`, or `None` when it is not in the simple shape.
pub(crate) fn parse(text: &str) -> Option<Vec<Node>> {
    if !printable(text.as_bytes()) {
        return None;
    }
    let mut docs = Vec::new();
    // Sized once: a cluster's list is hundreds of lines.
    let mut lines: Vec<Line> =
        Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut separators = 0;
    for (i, line) in text.split('\n').enumerate() {
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
                docs.push(document(std::mem::take(&mut lines))?);
            }
            continue;
        }
        if matches!(
            body.as_bytes(),
            [b'-', b'-', b'-', ..] | [b'.', b'.', b'.', ..]
        ) {
            return None;
        }
        lines.push(Line {
            no: i + 1,
            indent: line.len() - body.len(),
            text: body,
        });
    }
    if lines.is_empty() {
        // Nothing after a `---`: yaml-rust2 makes an empty document of it.
        if separators > 0 {
            return None;
        }
    } else {
        docs.push(document(lines)?);
    }
    Some(docs)
}

fn document(lines: Vec<Line>) -> Option<Node> {
    if lines.first()?.indent != 0 {
        return None;
    }
    let mut parser = Parser { lines, pos: 0 };
    let root = parser.node()?;
    (parser.pos == parser.lines.len()).then_some(root)
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
}

impl Parser<'_> {
    /// The indentation of the next line, if any.
    fn next_indent(&self) -> Option<usize> {
        self.lines.get(self.pos).map(|l| l.indent)
    }

    /// The collection starting at the current line.
    fn node(&mut self) -> Option<Node> {
        let line = *self.lines.get(self.pos)?;
        if is_item(line.text) {
            self.seq(line.indent, false)
        } else {
            self.map(line.indent)
        }
    }

    /// The sequence whose dashes are at `indent`; `indentless` when it is the value of a key
    /// at that same column.
    fn seq(&mut self, indent: usize, indentless: bool) -> Option<Node> {
        let first = *self.lines.get(self.pos)?;
        // yaml-rust2 marks an indented sequence at its first dash, an indentless one where its
        // first item starts.
        let mut col = indent + 1;
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
            let at = indent + 1 + (rest.len() - content.len());
            if matches!(content.as_bytes().first(), None | Some(b'#' | b'-')) {
                return None;
            }
            if indentless && items.is_empty() {
                col = at + 1;
            }
            let item = if split_key(content).is_some() {
                // `- key: value`: a mapping whose keys line up with this first one.
                self.lines[self.pos] = Line {
                    no: line.no,
                    indent: at,
                    text: content,
                };
                self.map(at)?
            } else {
                self.pos += 1;
                scalar(content, line.no, at)?
            };
            if self.next_indent().is_some_and(|i| i > indent) {
                return None;
            }
            items.push(item);
        }
        Some(Node {
            value: Value::Seq(items),
            line: first.no,
            col,
        })
    }

    fn map(&mut self, indent: usize) -> Option<Node> {
        let first = *self.lines.get(self.pos)?;
        // yaml-rust2 marks a mapping at its first key's colon.
        let col = indent + 1 + split_key(first.text)?.0.len();
        // Sized once, as a sequence's items; keys of an indentless sequence's items are not
        // counted, which are deeper.
        let count = self.lines[self.pos..]
            .iter()
            .take_while(|l| l.indent >= indent)
            .filter(|l| l.indent == indent && !is_item(l.text))
            .count();
        let mut entries = Vec::with_capacity(count);
        while let Some(line) = self.lines.get(self.pos).copied() {
            if line.indent != indent || is_item(line.text) {
                break;
            }
            let (key, rest) = split_key(line.text)?;
            let key = Node {
                value: Value::Scalar(key.to_string()),
                line: line.no,
                col: indent + 1,
            };
            let content = rest.trim_start_matches(' ');
            self.pos += 1;
            let value = if content.is_empty() || content.starts_with('#') {
                // The value is the block below: deeper, or a sequence at the key's own column.
                let next = self.lines.get(self.pos)?;
                if next.indent > indent {
                    self.node()?
                } else if next.indent == indent && is_item(next.text) {
                    self.seq(indent, true)?
                } else {
                    return None;
                }
            } else {
                let col = indent + (line.text.len() - content.len());
                scalar(content, line.no, col)?
            };
            if self.next_indent().is_some_and(|i| i > indent) {
                return None;
            }
            entries.push((key, value));
        }
        Some(Node {
            value: Value::Map(entries),
            line: first.no,
            col,
        })
    }
}

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
    let end = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/')))?;
    if end == 0 || bytes[0] == b'-' || bytes[end] != b':' {
        return None;
    }
    match bytes.get(end + 1) {
        None | Some(b' ') => Some((&text[..end], &text[end + 1..])),
        _ => None,
    }
}

/// A scalar written at (`line`, 0-based `col`), up to an optional comment.
fn scalar(text: &str, line: usize, col: usize) -> Option<Node> {
    let value = match text.as_bytes().first()? {
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
            value
        }
        first if first.is_ascii_alphanumeric() || b"./_~$(+=".contains(first) => {
            // One pass: the value ends where ` #` starts a comment; a flow indicator or `: `
            // before that, or a `:` at its end, is more than a plain scalar.
            let bytes = text.as_bytes();
            let mut end = bytes.len();
            for (i, &b) in bytes.iter().enumerate() {
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
            value
        }
        _ => return None,
    };
    Some(Node {
        value: Value::Scalar(value.to_string()),
        line,
        col: col + 1,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::fleet::doc::parse_full;

    /// Where the fast path answers, it must answer exactly what yaml-rust2 builds.
    fn agrees(text: &str) -> Result<bool, TestCaseError> {
        let Some(fast) = parse(text) else {
            return Ok(false);
        };
        match parse_full(Path::new("t.yaml"), text) {
            Ok(full) => prop_assert_eq!(fast, full, "{:?}", text),
            Err(e) => prop_assert!(
                false,
                "fast path read what yaml-rust2 refuses: {e}\n{text:?}"
            ),
        }
        Ok(true)
    }

    /// A document tree with its formatting choices.
    #[derive(Debug, Clone)]
    enum Gen {
        Scalar {
            text: String,
            style: u8,
            comment: bool,
        },
        Map {
            entries: Vec<(String, Gen)>,
            step: usize,
        },
        Seq {
            items: Vec<Gen>,
            step: usize,
            dash: usize,
            indentless: bool,
        },
    }

    fn scalar_text() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z0-9./_-]{1,12}",
            1 => "[a-zA-Z0-9./_~:#'\" ,\\[\\]{}!&*|>%@`?=+()$-]{1,12}",
            1 => Just(String::new()),
        ]
    }

    fn key_text() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => "[a-zA-Z][a-zA-Z0-9._/-]{0,8}",
            1 => "[a-z0-9 :#'\"&*!|>-]{1,5}",
        ]
    }

    fn gen() -> impl Strategy<Value = Gen> {
        let leaf =
            (scalar_text(), 0u8..3, any::<bool>()).prop_map(|(text, style, comment)| Gen::Scalar {
                text,
                style,
                comment,
            });
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                (
                    prop::collection::vec((key_text(), inner.clone()), 1..5),
                    1usize..5
                )
                    .prop_map(|(entries, step)| Gen::Map { entries, step }),
                (
                    prop::collection::vec(inner, 1..5),
                    1usize..5,
                    1usize..4,
                    any::<bool>()
                )
                    .prop_map(|(items, step, dash, indentless)| Gen::Seq {
                        items,
                        step,
                        dash,
                        indentless
                    }),
            ]
        })
    }

    fn scalar_str(text: &str, style: u8, comment: bool) -> String {
        let mut out = match style {
            0 => text.to_string(),
            1 => format!("'{text}'"),
            _ => format!("\"{text}\""),
        };
        if comment {
            out.push_str(" # note: - x");
        }
        out
    }

    /// Renders `g` at `indent`; `first` is the text already written on the current line (a
    /// key, or a sequence dash), which the node continues.
    fn render(g: &Gen, indent: usize, out: &mut Vec<String>) {
        match g {
            Gen::Scalar {
                text,
                style,
                comment,
            } => out.push(format!(
                "{}{}",
                " ".repeat(indent),
                scalar_str(text, *style, *comment)
            )),
            Gen::Map { entries, step } => {
                for (key, value) in entries {
                    let head = format!("{}{key}:", " ".repeat(indent));
                    match value {
                        Gen::Scalar {
                            text,
                            style,
                            comment,
                        } => out.push(format!("{head} {}", scalar_str(text, *style, *comment))),
                        Gen::Seq {
                            indentless: true, ..
                        } => {
                            out.push(head);
                            render(value, indent, out);
                        }
                        _ => {
                            out.push(head);
                            render(value, indent + step, out);
                        }
                    }
                }
            }
            Gen::Seq {
                items, step, dash, ..
            } => {
                for item in items {
                    let head = format!("{}-{}", " ".repeat(indent), " ".repeat(*dash));
                    match item {
                        Gen::Scalar {
                            text,
                            style,
                            comment,
                        } => out.push(format!("{head}{}", scalar_str(text, *style, *comment))),
                        Gen::Map { .. } => {
                            // The first entry on the dash's line, the others beneath it.
                            let col = indent + 1 + dash;
                            let mut inner = Vec::new();
                            render(item, col, &mut inner);
                            if let Some(first) = inner.first_mut() {
                                *first = format!("{head}{}", &first[col.min(first.len())..]);
                            }
                            out.extend(inner);
                        }
                        Gen::Seq { .. } => {
                            out.push(head.trim_end().to_string());
                            render(item, indent + step, out);
                        }
                    }
                }
            }
        }
    }

    /// Documents, blank and comment lines after some lines, and one optional edit anywhere.
    fn text() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(gen(), 1..3),
            any::<bool>(),
            prop::collection::vec((0usize..40, 0u8..4), 0..4),
            prop::option::of((
                any::<prop::sample::Index>(),
                prop_oneof![
                    Just(""),
                    Just(" "),
                    Just("\t"),
                    Just("\r"),
                    Just("\n"),
                    Just("\n\n"),
                    Just("-"),
                    Just("- "),
                    Just(":"),
                    Just(": "),
                    Just("#"),
                    Just(" #"),
                    Just("'"),
                    Just("\""),
                    Just("\\"),
                    Just("|"),
                    Just("&a "),
                    Just("*a"),
                    Just("!t "),
                    Just("["),
                    Just("{"),
                    Just("é"),
                    Just("\u{feff}"),
                    Just("---\n"),
                    Just("...\n"),
                    Just("? "),
                    Just("%"),
                    Just("  "),
                    Just("~"),
                ],
                0usize..3,
            )),
        )
            .prop_map(|(docs, leading, extras, edit)| {
                let mut lines = Vec::new();
                if leading {
                    lines.push("---".to_string());
                }
                for (i, doc) in docs.iter().enumerate() {
                    if i > 0 {
                        lines.push("---".to_string());
                    }
                    render(doc, 0, &mut lines);
                }
                for (at, what) in extras {
                    let at = at.min(lines.len());
                    match what {
                        0 => lines.insert(at, String::new()),
                        1 => lines.insert(at, "# a comment: - [x]".to_string()),
                        2 => lines.insert(at, "      # deeper comment".to_string()),
                        _ => {
                            if let Some(line) = lines.get_mut(at) {
                                line.push_str("  ");
                            }
                        }
                    }
                }
                let mut text = lines.join("\n");
                text.push('\n');
                if let Some((at, insert, remove)) = edit {
                    let mut at = at.index(text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    let mut end = (at + remove).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(at..end, insert);
                }
                text
            })
    }

    /// A kustomization list as people write them: the shape the fleet reads most.
    fn list_text() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop::collection::vec(("[a-z0-9./_-]{1,30}", 0u8..3, any::<bool>()), 1..20),
            0usize..4,
            1usize..3,
            prop::option::of("[a-z][a-z0-9-]{0,20}"),
            any::<bool>(),
        )
            .prop_map(|(leading, entries, indent, dash, namespace, comment)| {
                let mut out = String::new();
                if leading {
                    out.push_str("---\n");
                }
                out.push_str("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
                if let Some(ns) = namespace {
                    out.push_str(&format!("namespace: {ns}\n"));
                }
                if comment {
                    out.push_str("# Entries, one per line.\n");
                }
                out.push_str("resources:\n");
                for (text, style, note) in entries {
                    let value = scalar_str(&text, style, note);
                    let value = if text.starts_with('-') && style == 0 {
                        format!("./{value}")
                    } else {
                        value
                    };
                    out.push_str(&format!(
                        "{}-{}{value}\n",
                        " ".repeat(indent),
                        " ".repeat(dash)
                    ));
                    if comment {
                        out.push('\n');
                    }
                }
                out
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn agrees_with_yaml_rust2_wherever_it_answers(text in text()) {
            agrees(&text)?;
        }

        #[test]
        fn reads_kustomization_lists_itself_and_exactly(text in list_text()) {
            prop_assert!(agrees(&text)?, "fast path declined a plain list:\n{}", text);
        }
    }

    #[test]
    fn answers_for_the_usual_files_and_declines_the_rest() {
        for text in [
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ./a\n- '../b' # c\n",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    app.kubernetes.io/part-of: platform\n",
            "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  dependsOn:\n  - name: infra\n  path: ./clusters/dev/apps\n---\nkind: B\n",
            "",
            "# only a comment\n",
        ] {
            assert!(agrees(text).unwrap(), "{text}");
        }
        for text in [
            "resources: [a, b]\n",
            "a: &x 1\nb: *x\n",
            "a: |\n  text\n",
            "a:\tb\n",
            "a: b\r\n",
            "\u{feff}a: b\n",
            "a: b\n---\n",
            "a: b\n...\n",
            "a: b\n  c\n",
            "a:\n",
            "- - a\n",
            "a: 'it''s'\n",
            "a: \"tab\\t\"\n",
        ] {
            assert!(parse(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn agrees_on_every_file_of_the_shared_corpus() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !corpus.is_dir() {
            eprintln!("SKIPPED: ../shared/corpus is not present");
            return;
        }
        let (mut files, mut answered) = (0, 0);
        let mut pending = vec![corpus];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if path.is_dir() {
                    pending.push(path);
                } else if crate::fleet::read::is_yaml(&name) || name == "Kustomization" {
                    let Ok(text) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    files += 1;
                    if agrees(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
                        answered += 1;
                    }
                }
            }
        }
        eprintln!("fast path answered {answered} of {files} corpus files");
        assert!(answered * 2 > files, "{answered} of {files}");
    }
}

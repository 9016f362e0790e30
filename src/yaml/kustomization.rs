//! A kustomization file held as text, with intent-level edits of its reference lists.
//!
//! Each edit splices the text (see [`super::list`]), parses the result again and checks that
//! the list is exactly the intended one and every other top-level value is untouched; otherwise
//! it returns an error and leaves the file as it was.
//!
//! Choices, each to keep an edit predictable and its diff one line:
//! - `add` appends after the last entry and never sorts: the seed appends, and few real lists
//!   are sorted (resources often go namespace first, then what uses it).
//! - `add` to `key: []` writes a block list (`key:` then `  - x`, indented like the file's
//!   other block lists), because kustomizations are written that way and removing the last
//!   entry gives `key: []` back. Inside a flow mapping, or for a multi-line `[ ]`, the flow list
//!   is edited in place.
//! - A new entry copies the quoting of the entries (see [`super::quote`] for when a value must be
//!   quoted whatever they use); a replaced entry keeps its own.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::lines::Lines;
use yaml_rust2::Yaml;

use super::list::ListView;
use super::node::{Document, Kind, Node, Shape};
use super::parse::{error_at, parse, Purpose};
use super::splice::{self, Splice};
use super::value::{value_of, values};
use super::YamlError;
use crate::paths::normalize;

/// Lists of references checked when a file is parsed; other keys are checked when edited.
const REFERENCE_LISTS: &[&str] = &["resources", "components"];

const BOM: &str = "\u{feff}";

/// A kustomization file: its path, its exact text and where everything is written in it.
#[derive(Debug, Clone)]
pub struct Kustomization {
    path: PathBuf,
    text: String,
    /// Length of a leading byte order mark, kept in `text` and hidden from the parser.
    bom: usize,
    root: Node,
}

/// One entry of a list of mappings, such as kustomize's `patches` (`- path: patch.yaml`).
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    /// Its place in the list, from 0.
    pub index: usize,
    /// 1-based line of its first key.
    pub line: usize,
    /// What it says, typed as yaml-rust2 loads it.
    pub value: Yaml,
}

/// One entry of a reference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The reference, quotes and escapes resolved.
    pub value: String,
    /// The scalar as written in the file, quotes included.
    pub written: String,
    /// 1-based line.
    pub line: usize,
    /// Byte span of the scalar in [`Kustomization::text`].
    pub span: Range<usize>,
}

impl Kustomization {
    /// Parses a kustomization. Refuses, naming line and column, what fluxfleet cannot edit
    /// safely: invalid YAML, several documents, a top level that is not a mapping, duplicate
    /// top-level keys, and `resources`/`components` that are not lists of one-line strings.
    pub fn parse(path: impl Into<PathBuf>, text: &str) -> Result<Self, YamlError> {
        let path = path.into();
        let bom = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let body = text.get(bom..).unwrap_or("");
        let lines = Lines::new(body);
        let mut documents = parse(&path, body, Purpose::Edit)?.into_iter();
        let Some(Document { root, .. }) = documents.next() else {
            return Err(YamlError::at(
                &path,
                body,
                1,
                1,
                "the file holds no YAML document; expected a kustomization mapping",
            ));
        };
        if let Some(second) = documents.next() {
            return Err(error_at(
                &path,
                &lines,
                second.start,
                "a second YAML document starts here; a kustomization holds exactly one",
            ));
        }
        let Kind::Map { pairs, .. } = &root.kind else {
            return Err(error_at(
                &path,
                &lines,
                root.start,
                format!(
                    "the top level is {}; expected a mapping such as `resources:`",
                    root.describe()
                ),
            ));
        };
        // One pass with the first position of each key: comparing every key with all the
        // earlier ones took 45 s for a list of 100,000 keys (bench/huge-list.sh).
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(pairs.len());
        for (key, _) in pairs {
            let Some(name) = key.as_str() else { continue };
            if let Some(&first) = seen.get(name) {
                return Err(error_at(
                    &path,
                    &lines,
                    key.start,
                    format!(
                        "duplicate key `{name}` (first at line {}); merge the two into one",
                        lines.line_of(first)
                    ),
                ));
            }
            seen.insert(name, key.start);
        }
        for key in REFERENCE_LISTS {
            ListView::new(&path, &lines, &root, key)?;
        }
        Ok(Kustomization {
            path,
            text: text.to_string(),
            bom,
            root,
        })
    }

    /// Like [`Kustomization::parse`], for bytes read from disk; refuses text that is not UTF-8,
    /// naming the line and column of the first bad byte.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: &[u8]) -> Result<Self, YamlError> {
        let path = path.into();
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::parse(path, text),
            Err(e) => {
                let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
                let valid = String::from_utf8_lossy(valid);
                let line = valid.matches('\n').count() + 1;
                let col = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Err(YamlError::at(
                    path,
                    &String::from_utf8_lossy(bytes),
                    line,
                    col,
                    format!(
                        "not valid UTF-8 (byte offset {}); save the file as UTF-8",
                        e.valid_up_to()
                    ),
                ))
            }
        }
    }

    /// The current text, byte for byte.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file this text belongs to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries of the top-level list `key`; empty when the key is absent, null, `[]`, or
    /// not a list of one-line strings.
    pub fn entries(&self, key: &str) -> Vec<Entry> {
        let lines = Lines::new(self.body());
        ListView::new(&self.path, &lines, &self.root, key)
            .map(|view| {
                view.items
                    .iter()
                    .map(|item| Entry {
                        value: item.value.clone(),
                        written: self.body().get(item.span.clone()).unwrap_or("").to_string(),
                        line: lines.line_of(item.span.start),
                        span: item.span.start + self.bom..item.span.end + self.bom,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the top-level mapping has `key`, whatever its value.
    pub fn has_key(&self, key: &str) -> bool {
        self.root.get(key).is_some()
    }

    /// Whether `key` lists `reference`, comparing normalised references.
    pub fn contains(&self, key: &str, reference: &str) -> bool {
        self.find(key, reference).is_some()
    }

    /// The first entry of `key` that is `reference` once both are normalised.
    pub fn find(&self, key: &str, reference: &str) -> Option<Entry> {
        let wanted = normalize(reference);
        self.entries(key)
            .into_iter()
            .find(|e| normalize(&e.value) == wanted)
    }

    /// Appends `reference` to `key`'s list, creating the key when needed. `Ok(false)` when an
    /// equivalent reference is already listed; the text is then unchanged.
    pub fn add(&mut self, key: &str, reference: &str) -> Result<bool, YamlError> {
        self.check_reference(reference)?;
        let lines = Lines::new(self.body());
        let view = ListView::new(&self.path, &lines, &self.root, key)?;
        let wanted = normalize(reference);
        if view.items.iter().any(|i| normalize(&i.value) == wanted) {
            return Ok(false);
        }
        let splices = view.add(&self.path, key, reference)?;
        let mut expected: Vec<String> = view.items.iter().map(|i| i.value.clone()).collect();
        expected.push(reference.to_string());
        let next = self.edited(&view, key, &splices, &expected)?;
        *self = next;
        Ok(true)
    }

    /// Removes every entry of `key` equivalent to `reference`, each with its own line. Removing
    /// the last entry leaves `key: []`. `Ok(false)` when none is listed.
    pub fn remove(&mut self, key: &str, reference: &str) -> Result<bool, YamlError> {
        let wanted = normalize(reference);
        let mut work = self.clone();
        let mut removed = false;
        loop {
            let lines = Lines::new(work.body());
            let view = ListView::new(&work.path, &lines, &work.root, key)?;
            let Some(index) = view
                .items
                .iter()
                .position(|i| normalize(&i.value) == wanted)
            else {
                break;
            };
            let splices = view.remove(index);
            let mut expected: Vec<String> = view.items.iter().map(|i| i.value.clone()).collect();
            expected.remove(index);
            let next = work.edited(&view, key, &splices, &expected)?;
            work = next;
            removed = true;
        }
        *self = work;
        Ok(removed)
    }

    /// Rewrites the entry equivalent to `old` as `new` in place, keeping its position, quoting
    /// style and comment. When `new` is already listed elsewhere, `old` is removed instead so
    /// that the list does not hold it twice. `Ok(false)` when `old` is not listed.
    pub fn replace(&mut self, key: &str, old: &str, new: &str) -> Result<bool, YamlError> {
        self.check_reference(new)?;
        let lines = Lines::new(self.body());
        let view = ListView::new(&self.path, &lines, &self.root, key)?;
        let (old_n, new_n) = (normalize(old), normalize(new));
        let Some(index) = view.items.iter().position(|i| normalize(&i.value) == old_n) else {
            return Ok(false);
        };
        let elsewhere = view
            .items
            .iter()
            .enumerate()
            .any(|(i, item)| i != index && normalize(&item.value) == new_n);
        if elsewhere && old_n != new_n {
            return self.remove(key, old);
        }
        if view.items.get(index).is_some_and(|i| i.value == new) {
            return Ok(true);
        }
        let splices: Vec<Splice> = view.replace(index, new).into_iter().collect();
        let mut expected: Vec<String> = view.items.iter().map(|i| i.value.clone()).collect();
        if let Some(slot) = expected.get_mut(index) {
            *slot = new.to_string();
        }
        let next = self.edited(&view, key, &splices, &expected)?;
        *self = next;
        Ok(true)
    }

    /// The entries of the top-level list `key` whose entries are mappings (`patches`); empty
    /// when the key is absent, null or `[]`. Refuses, naming the line, an entry that is not a
    /// mapping.
    pub fn map_entries(&self, key: &str) -> Result<Vec<MapEntry>, YamlError> {
        let lines = Lines::new(self.body());
        let view = ListView::of_mappings(&self.path, &lines, &self.root, key)?;
        Ok(view
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| MapEntry {
                index,
                line: node.line,
                value: value_of(node).unwrap_or(Yaml::BadValue),
            })
            .collect())
    }

    /// The lines of mapping entry `index` of `key` as written, without the last line break:
    /// what [`Kustomization::add_map_entry`] copies into another file.
    pub fn map_entry_text(&self, key: &str, index: usize) -> Result<String, YamlError> {
        let lines = Lines::new(self.body());
        let view = ListView::of_mappings(&self.path, &lines, &self.root, key)?;
        view.mapping_text(&self.path, key, index)
    }

    /// Removes mapping entry `index` of `key` with its lines, comments and blank lines around it
    /// kept. Removing the last entry leaves `key: []`, as for a list of references. A list in
    /// flow style is refused.
    pub fn remove_map_entry(&mut self, key: &str, index: usize) -> Result<(), YamlError> {
        let lines = Lines::new(self.body());
        let view = ListView::of_mappings(&self.path, &lines, &self.root, key)?;
        let splices = view.remove_mapping(&self.path, index)?;
        let mut expected = mapping_values(&view);
        if index < expected.len() {
            expected.remove(index);
        }
        let next = self.edited_mappings(&view, key, &splices, &expected)?;
        *self = next;
        Ok(())
    }

    /// Appends the mapping entry `written` (the lines of an entry of another file, as
    /// [`Kustomization::map_entry_text`] gives them) to `key`, re-indented to this list's
    /// style, creating the key when needed.
    pub fn add_map_entry(&mut self, key: &str, written: &str) -> Result<(), YamlError> {
        let lines = Lines::new(self.body());
        let view = ListView::of_mappings(&self.path, &lines, &self.root, key)?;
        let copied = values(written)
            .and_then(|docs| docs.into_iter().next())
            .and_then(|doc| doc.into_vec())
            .and_then(|items| items.into_iter().next())
            .filter(|_| written.trim_start().starts_with('-'))
            .ok_or_else(|| {
                YamlError::file(
                    &self.path,
                    format!("refusing to add to `{key}` an entry that is not one list entry"),
                )
            })?;
        let splices = view.add_mapping(&self.path, key, written)?;
        let mut expected = mapping_values(&view);
        expected.push(copied);
        let next = self.edited_mappings(&view, key, &splices, &expected)?;
        *self = next;
        Ok(())
    }

    fn body(&self) -> &str {
        self.text.get(self.bom..).unwrap_or("")
    }

    fn check_reference(&self, reference: &str) -> Result<(), YamlError> {
        if reference.trim().is_empty() {
            return Err(YamlError::file(
                &self.path,
                "an empty reference cannot be listed",
            ));
        }
        Ok(())
    }

    /// The file after `splices`, provided that it parses, `key` lists exactly `expected`, and
    /// every other top-level key keeps its value.
    fn edited(
        &self,
        view: &ListView<'_>,
        key: &str,
        splices: &[Splice],
        expected: &[String],
    ) -> Result<Kustomization, YamlError> {
        self.edited_as(view, key, splices, expected, |next, lines| {
            let view = ListView::new(&next.path, lines, &next.root, key)?;
            Ok(view.items.into_iter().map(|i| i.value).collect())
        })
    }

    /// [`Kustomization::edited`] for a list of mappings: `key`'s entries must mean exactly
    /// `expected`.
    fn edited_mappings(
        &self,
        view: &ListView<'_>,
        key: &str,
        splices: &[Splice],
        expected: &[Yaml],
    ) -> Result<Kustomization, YamlError> {
        self.edited_as(view, key, splices, expected, |next, lines| {
            ListView::of_mappings(&next.path, lines, &next.root, key).map(|v| mapping_values(&v))
        })
    }

    /// The file after `splices`, provided that it parses, `entries` reads from it exactly
    /// `expected`, and every other top-level key keeps its value.
    fn edited_as<T: PartialEq + std::fmt::Debug>(
        &self,
        view: &ListView<'_>,
        key: &str,
        splices: &[Splice],
        expected: &[T],
        entries: impl FnOnce(&Kustomization, &Lines) -> Result<Vec<T>, YamlError>,
    ) -> Result<Kustomization, YamlError> {
        let lines = Lines::new(self.body());
        let refuse = |why: String| self.refusal(&lines, view, key, why);
        let next = self.reparsed(view, key, splices)?;
        let got = entries(&next, &Lines::new(next.body()))
            .map_err(|e| refuse(format!("the result would not be a list ({})", e.message)))?;
        if got != expected {
            return Err(refuse(format!(
                "the result would list {got:?} instead of {expected:?}"
            )));
        }
        Ok(next)
    }

    /// The file after `splices`, provided that it parses and every top-level key but `key`
    /// keeps its value.
    fn reparsed(
        &self,
        view: &ListView<'_>,
        key: &str,
        splices: &[Splice],
    ) -> Result<Kustomization, YamlError> {
        let lines = Lines::new(self.body());
        let refuse = |why: String| self.refusal(&lines, view, key, why);
        let body = splice::apply(self.body(), splices)
            .ok_or_else(|| refuse("the planned edit does not fit the text".into()))?;
        let text = format!("{}{body}", self.text.get(..self.bom).unwrap_or(""));
        let next = Kustomization::parse(self.path.clone(), &text)
            .map_err(|e| refuse(format!("the result would not parse ({})", e.message)))?;
        if others(&self.root, key) != others(&next.root, key) {
            return Err(refuse("the edit would change another key".into()));
        }
        Ok(next)
    }

    /// An edit of `key` refused for `why`, pointing at the key.
    fn refusal(&self, lines: &Lines<'_>, view: &ListView<'_>, key: &str, why: String) -> YamlError {
        error_at(
            &self.path,
            lines,
            view.key_start(),
            format!("refusing to edit `{key}`: {why}; the file is left unchanged"),
        )
    }
}

/// What each entry of a list of mappings says.
fn mapping_values(view: &ListView<'_>) -> Vec<Yaml> {
    view.nodes
        .iter()
        .map(|node| value_of(node).unwrap_or(Yaml::BadValue))
        .collect()
}

/// Every top-level pair except `key`'s, without positions.
fn others(root: &Node, key: &str) -> Vec<(Shape, Shape)> {
    match &root.kind {
        Kind::Map { pairs, .. } => pairs
            .iter()
            .filter(|(k, _)| k.as_str() != Some(key))
            .map(|(k, v)| (k.shape(), v.shape()))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - a # x\n  # - old\n",
        "\u{feff}---\r\nresources: [a, 'b']\r\n...\r\n",
        "resources:\n- \"x\"\ncomponents: []",
        "kind: Kustomization\nresources:\n",
    ];

    #[test]
    fn parsing_without_an_edit_returns_the_input_byte_for_byte() {
        for sample in SAMPLES {
            let k = Kustomization::parse("k.yaml", sample).expect("parses");
            assert_eq!(k.text(), *sample);
            let k = Kustomization::from_bytes("k.yaml", sample.as_bytes()).expect("parses");
            assert_eq!(k.text().as_bytes(), sample.as_bytes());
        }
    }

    #[test]
    fn entry_spans_point_into_the_text_with_its_byte_order_mark() {
        let k = Kustomization::parse("k.yaml", SAMPLES[1]).expect("parses");
        let entries = k.entries("resources");
        assert_eq!(entries.len(), 2);
        for e in &entries {
            assert_eq!(&k.text()[e.span.clone()], e.written);
            assert_eq!(e.line, 2);
        }
        assert_eq!(entries[1].value, "b");
        assert_eq!(entries[1].written, "'b'");
    }

    #[test]
    fn duplicate_top_level_keys_are_reported_at_the_second_with_the_line_of_the_first() {
        let err = Kustomization::parse("k.yaml", "resources: []\nkind: K\nresources:\n- a\n")
            .expect_err("duplicate");
        assert_eq!((err.line, err.col), (3, 1));
        assert_eq!(
            err.message,
            "duplicate key `resources` (first at line 1); merge the two into one"
        );
        // Among many keys (the check is one pass, not every pair), the first repeated key is
        // the one reported.
        let mut text: String = (0..50_000).map(|i| format!("k{i}: v\n")).collect();
        text.push_str("k49999: again\nk7: again\n");
        let err = Kustomization::parse("k.yaml", &text).expect_err("duplicate");
        assert_eq!(err.line, 50_001);
        assert_eq!(
            err.message,
            "duplicate key `k49999` (first at line 50000); merge the two into one"
        );
        let text: String = (0..50_000).map(|i| format!("k{i}: v\n")).collect();
        assert!(Kustomization::parse("k.yaml", &text).is_ok());
    }

    #[test]
    fn from_bytes_names_the_line_of_a_bad_byte() {
        let err = Kustomization::from_bytes("k.yaml", b"a: b\nc: \xff\n").expect_err("bad");
        assert_eq!((err.line, err.col), (2, 4));
        assert!(err.message.contains("byte offset 8"), "{}", err.message);
    }

    #[test]
    fn a_failed_edit_leaves_the_file_alone() {
        let text = "resources: {a: b}\n";
        assert!(Kustomization::parse("k.yaml", text).is_err());
        let mut k = Kustomization::parse("k.yaml", "generators: {a: b}\n").expect("parses");
        assert!(k.add("generators", "x").is_err());
        assert_eq!(k.text(), "generators: {a: b}\n");
    }
}

//! Property tests of the YAML editor over kustomizations written in many styles, and over
//! arbitrary or mutated input, which must never make it panic.

use std::path::Path;

use fluxfleet::paths::normalize;
use fluxfleet::yaml::{scalar_at, set_scalar, Kustomization};
use proptest::prelude::*;
use similar::{capture_diff_slices, Algorithm, DiffOp};

/// How the generated `resources` list is written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    Block,
    Flow,
    FlowMultiline,
    /// `resources: []`
    Empty,
    /// `resources:`
    Null,
    Absent,
}

#[derive(Debug, Clone)]
struct Style {
    bom: bool,
    doc_start: bool,
    doc_end: bool,
    crlf: bool,
    final_newline: bool,
    indent: usize,
    space: usize,
    form: Form,
    /// Entries with their quoting (0 plain, 1 single, 2 double) and whether a comment sits on
    /// their line and above them.
    entries: Vec<(String, u8, bool, bool)>,
    trailing_comment: bool,
    key_last: bool,
}

/// A reference that may stay plain; the `odd` values below exercise quoting.
fn reference() -> impl Strategy<Value = String> {
    "(\\.\\./){0,3}(\\./)?[a-z][a-z0-9-]{0,6}(/[a-z]{1,5}){0,2}(\\.yaml)?"
        .prop_filter("YAML 1.1 reads these words as booleans or null", |r| {
            !["y", "n", "yes", "no", "on", "off", "true", "false", "null"].contains(&r.as_str())
        })
}

fn style() -> impl Strategy<Value = Style> {
    let entries = prop::collection::vec((reference(), 0u8..3, any::<bool>(), any::<bool>()), 0..5)
        .prop_map(|mut entries| {
            let mut seen = Vec::new();
            entries.retain(|(r, ..)| {
                let n = normalize(r);
                let fresh = !seen.contains(&n);
                seen.push(n);
                fresh
            });
            entries
        });
    let form = prop_oneof![
        3 => Just(Form::Block),
        2 => Just(Form::Flow),
        1 => Just(Form::FlowMultiline),
        1 => Just(Form::Empty),
        1 => Just(Form::Null),
        1 => Just(Form::Absent),
    ];
    (
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (prop::sample::select(vec![0usize, 2, 4]), 1usize..3),
        form,
        entries,
        (any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (bom, doc_start, doc_end, crlf, final_newline),
                (indent, space),
                form,
                entries,
                (trailing_comment, key_last),
            )| {
                let empty_form = matches!(form, Form::Empty | Form::Null | Form::Absent);
                let form = match (empty_form, entries.is_empty()) {
                    (true, _) | (false, false) => form,
                    (false, true) => Form::Empty,
                };
                let mut entries = if empty_form { Vec::new() } else { entries };
                if form == Form::FlowMultiline {
                    if let Some(first) = entries.first_mut() {
                        // yaml-rust2 rejects a multi-line flow list of quoted entries only; see
                        // `only_quoted_left`.
                        first.1 = 0;
                    }
                }
                Style {
                    bom,
                    doc_start,
                    doc_end,
                    crlf,
                    final_newline,
                    indent,
                    space,
                    form,
                    entries,
                    trailing_comment,
                    key_last,
                }
            },
        )
}

impl Style {
    fn values(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.0.clone()).collect()
    }

    fn text(&self) -> String {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let pad = " ".repeat(self.indent);
        let dash = format!("{pad}-{}", " ".repeat(self.space));
        let written = |(value, quote, ..): &(String, u8, bool, bool)| match quote {
            1 => format!("'{value}'"),
            2 => format!("\"{value}\""),
            _ => value.clone(),
        };
        let mut list = String::new();
        match self.form {
            Form::Block => {
                list.push_str(&format!("resources: # the apps{eol}"));
                for entry in &self.entries {
                    if entry.3 {
                        list.push_str(&format!("{pad}# about {}{eol}", entry.0));
                    }
                    let comment = if entry.2 { "  # note\t x" } else { "" };
                    list.push_str(&format!("{dash}{}{comment}{eol}", written(entry)));
                }
            }
            Form::Flow => {
                let items: Vec<String> = self.entries.iter().map(written).collect();
                list.push_str(&format!("resources: [{}]{eol}", items.join(", ")));
            }
            Form::FlowMultiline => {
                list.push_str(&format!("resources: [{eol}"));
                for (i, entry) in self.entries.iter().enumerate() {
                    let comma = if i + 1 < self.entries.len() || entry.2 {
                        ","
                    } else {
                        ""
                    };
                    list.push_str(&format!("  {}{comma}{eol}", written(entry)));
                }
                list.push_str(&format!("]{eol}"));
            }
            Form::Empty => list.push_str(&format!("resources: []{eol}")),
            Form::Null => list.push_str(&format!("resources:{eol}")),
            Form::Absent => {}
        }
        if self.trailing_comment && !list.is_empty() {
            list.push_str(&format!("{pad}# - old/base{eol}{eol}"));
        }
        let mut text = String::new();
        if self.bom {
            text.push('\u{feff}');
        }
        if self.doc_start {
            text.push_str(&format!("---{eol}"));
        }
        text.push_str(&format!("apiVersion: kustomize.config.k8s.io/v1beta1{eol}"));
        text.push_str(&format!("kind: Kustomization{eol}"));
        if !self.key_last {
            text.push_str(&list);
        }
        text.push_str(&format!("patches:{eol}{dash}path: p.yaml{eol}"));
        text.push_str(&format!("namespace: apps{eol}"));
        if self.key_last {
            text.push_str(&list);
        }
        if self.doc_end {
            text.push_str(&format!("...{eol}"));
        }
        if !self.final_newline {
            text.truncate(text.len() - eol.len());
        }
        text
    }
}

/// Lines of `old` deleted and lines of `new` inserted, as a line diff counts them.
fn changed_lines(old: &str, new: &str) -> (Vec<usize>, usize) {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let mut deleted = Vec::new();
    let mut inserted = 0;
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => deleted.extend(old_index..old_index + old_len),
            DiffOp::Insert { new_len, .. } => inserted += new_len,
            DiffOp::Replace {
                old_index,
                old_len,
                new_len,
                ..
            } => {
                deleted.extend(old_index..old_index + old_len);
                inserted += new_len;
            }
        }
    }
    (deleted.into_iter().map(|i| i + 1).collect(), inserted)
}

/// Whether removing entry `removed` of a multi-line flow list leaves only quoted entries:
/// yaml-rust2 0.13 reports "invalid indentation" for `[\n  "a",\n  "b"\n]` with `]` at the
/// key's column (valid YAML), so the edit is refused rather than written unchecked.
fn only_quoted_left(style: &Style, removed: usize) -> bool {
    let left: Vec<_> = (0..style.entries.len()).filter(|&i| i != removed).collect();
    style.form == Form::FlowMultiline
        && !left.is_empty()
        && left.iter().all(|&i| style.entries[i].1 != 0)
}

fn values(k: &Kustomization) -> Vec<String> {
    k.entries("resources")
        .into_iter()
        .map(|e| e.value)
        .collect()
}

/// 512 cases by default; `PROPTEST_CASES` raises it for a longer hunt.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    #[test]
    fn edits_change_only_the_list(style in style(), fresh in reference(), odd in prop::sample::select(vec!["yes", "on", "1e3", "a b #c", "x: y", "it's", "[x]"])) {
        let text = style.text();
        let original = Kustomization::parse("k.yaml", &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(original.text(), text.as_str());
        prop_assert_eq!(values(&original), style.values());
        for entry in original.entries("resources") {
            prop_assert_eq!(&original.text()[entry.span.clone()], entry.written.as_str());
        }
        let key_line = text.lines().position(|l| l.starts_with("resources:")).map(|i| i + 1);
        let entry_lines: Vec<usize> = original.entries("resources").iter().map(|e| e.line).collect();

        for new in [fresh.as_str(), odd] {
            if original.contains("resources", new) {
                continue;
            }
            // Add, then remove: the identity wherever a list was already written.
            let mut k = original.clone();
            prop_assert!(k.add("resources", new).map_err(|e| TestCaseError::fail(e.to_string()))?);
            let mut want = style.values();
            want.push(new.to_string());
            prop_assert_eq!(values(&k), want);
            let (deleted, inserted) = changed_lines(&text, k.text());
            match style.form {
                Form::Block => prop_assert!(deleted.is_empty() && inserted == 1, "{}", k.text()),
                Form::Flow => prop_assert!(deleted.len() == 1 && inserted == 1, "{}", k.text()),
                _ => prop_assert!(deleted.len() <= 1 && inserted <= 2, "{}", k.text()),
            }
            for line in &deleted {
                prop_assert!(Some(*line) == key_line || entry_lines.contains(line), "line {} changed", line);
            }
            prop_assert!(k.remove("resources", new).map_err(|e| TestCaseError::fail(e.to_string()))?);
            if matches!(style.form, Form::Null | Form::Absent) {
                prop_assert!(values(&k).is_empty());
                prop_assert!(k.text().contains("resources: []"));
            } else {
                prop_assert_eq!(k.text(), text.as_str());
            }
        }

        // Remove each entry: its own line goes, nothing else but `resources:` when emptied.
        for (i, entry) in original.entries("resources").iter().enumerate() {
            let mut k = original.clone();
            let mut want = style.values();
            want.remove(i);
            if only_quoted_left(&style, i) {
                // yaml-rust2 cannot read the result back, so the edit is refused untouched.
                let err = k.remove("resources", &entry.value).expect_err("refused");
                prop_assert!(err.message.contains("would not parse"), "{}", err);
                prop_assert_eq!(k.text(), text.as_str());
                continue;
            }
            prop_assert!(k.remove("resources", &entry.value).map_err(|e| TestCaseError::fail(e.to_string()))?);
            prop_assert_eq!(values(&k), want.clone());
            if want.is_empty() && style.form == Form::FlowMultiline {
                // The emptied list closes on the key's line: `resources: []`.
                prop_assert!(k.text().contains("resources: []"), "{}", k.text());
                continue;
            }
            let (deleted, inserted) = changed_lines(&text, k.text());
            prop_assert!(deleted.contains(&entry.line) || style.form == Form::Flow, "{}", k.text());
            prop_assert!(inserted <= 1 && deleted.len() <= 2, "{}", k.text());
            for line in &deleted {
                prop_assert!(Some(*line) == key_line || entry_lines.contains(line), "line {} changed", line);
            }

            // Replace in place: only the entry's line changes.
            let mut k = original.clone();
            if !original.contains("resources", &fresh) {
                prop_assert!(k.replace("resources", &entry.value, &fresh).map_err(|e| TestCaseError::fail(e.to_string()))?);
                let mut want = style.values();
                want[i] = fresh.clone();
                prop_assert_eq!(values(&k), want);
                let (deleted, inserted) = changed_lines(&text, k.text());
                prop_assert_eq!((deleted, inserted), (vec![entry.line], 1));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        exercise_everything(&bytes);
    }

    #[test]
    fn yaml_like_strings_never_panic(text in "[-a-z:#\\[\\]{}&*!|>'\"%@`,? \t\r\n.~\u{feff}é]{0,120}") {
        exercise_everything(text.as_bytes());
    }

    #[test]
    fn mutated_kustomizations_never_panic(
        style in style(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, prop::sample::select(vec!["-", ":", " ", "\t", "#", "[", "]", "'", "\"", "\n", "\r", "&a ", "*a", "|", "---\n", "é", "{", ","])), 1..6),
    ) {
        let mut bytes = style.text().into_bytes();
        for (at, cut, insert) in edits {
            let at = at.index(bytes.len() + 1);
            let end = (at + cut).min(bytes.len());
            bytes.splice(at..end, insert.bytes());
        }
        exercise_everything(&bytes);
    }
}

/// A kustomization whose `patches` entries are mappings, written in one of many styles.
#[derive(Debug, Clone)]
struct PatchStyle {
    bom: bool,
    crlf: bool,
    final_newline: bool,
    indent: usize,
    space: usize,
    /// Per entry: a `target:` block under it, a comment above it, a comment on its first line,
    /// a blank line after it, an inline patch instead of a file.
    entries: Vec<(bool, bool, bool, bool, bool)>,
    key_last: bool,
}

fn patch_style() -> impl Strategy<Value = PatchStyle> {
    let entry = (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (prop::sample::select(vec![0usize, 2, 4]), 1usize..3),
        prop::collection::vec(entry, 1..5),
    )
        .prop_map(
            |((bom, crlf, final_newline, key_last), (indent, space), entries)| PatchStyle {
                bom,
                crlf,
                final_newline,
                indent,
                space,
                entries,
                key_last,
            },
        )
}

impl PatchStyle {
    fn eol(&self) -> &'static str {
        if self.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// Entry `i`'s own lines, each with its line break.
    fn entry(&self, i: usize) -> Vec<String> {
        let eol = self.eol();
        let (target, _, comment, _, inline) = self.entries[i];
        let pad = " ".repeat(self.indent);
        let inner = " ".repeat(self.indent + 1 + self.space);
        let note = if comment { " # note" } else { "" };
        let mut lines = match inline {
            true => vec![
                format!("{pad}-{}patch: |-{note}{eol}", " ".repeat(self.space)),
                format!("{inner}  - op: remove{eol}"),
                format!("{inner}    path: /spec/p{i}{eol}"),
                format!("{inner}  # removes p{i}{eol}"),
            ],
            false => vec![format!(
                "{pad}-{}path: p{i}.yaml{note}{eol}",
                " ".repeat(self.space)
            )],
        };
        if target || inline {
            lines.push(format!("{inner}target:{eol}"));
            lines.push(format!("{inner}  kind: K{eol}"));
            lines.push(format!("{inner}  name: n{i}{eol}"));
        }
        lines
    }

    fn text(&self) -> String {
        let eol = self.eol();
        let pad = " ".repeat(self.indent);
        let mut list = format!("patches:{eol}");
        for i in 0..self.entries.len() {
            let (_, above, _, blank, _) = self.entries[i];
            if above {
                list.push_str(&format!("{pad}# about p{i}{eol}"));
            }
            list.extend(self.entry(i));
            if blank {
                list.push_str(eol);
            }
        }
        let mut text = String::new();
        if self.bom {
            text.push('\u{feff}');
        }
        text.push_str(&format!("kind: Kustomization{eol}"));
        if !self.key_last {
            text.push_str(&list);
        }
        text.push_str(&format!(
            "resources:{eol}{pad}-{}../base{eol}",
            " ".repeat(self.space)
        ));
        if self.key_last {
            text.push_str(&list);
        }
        if !self.final_newline {
            text.truncate(text.len() - eol.len());
        }
        text
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn a_mapping_entry_leaves_with_its_lines_only_and_comes_back_as_it_was(style in patch_style()) {
        let text = style.text();
        let fail = |e: fluxfleet::yaml::YamlError| TestCaseError::fail(e.to_string());
        let original = Kustomization::parse("k.yaml", &text).map_err(fail)?;
        let entries = original.map_entries("patches").map_err(fail)?;
        prop_assert_eq!(entries.len(), style.entries.len());
        let n = entries.len();
        for i in 0..n {
            let written = original.map_entry_text("patches", i).map_err(fail)?;
            let own = style.entry(i).concat();
            prop_assert_eq!(written.as_str(), own.trim_end_matches(['\r', '\n']));
            let mut k = original.clone();
            k.remove_map_entry("patches", i).map_err(fail)?;
            let left = k.map_entries("patches").map_err(fail)?;
            let left: Vec<_> = left.into_iter().map(|e| e.value).collect();
            let mut expected: Vec<_> = entries.iter().map(|e| e.value.clone()).collect();
            expected.remove(i);
            prop_assert_eq!(left, expected);
            prop_assert_eq!(k.entries("resources").len(), 1);
            let (deleted, inserted) = changed_lines(&text, k.text());
            if n > 1 {
                prop_assert_eq!(inserted, 0, "{}", k.text());
                // The text's last line, without a line break, takes the one before it with it:
                // a blank line there is then no line of its own any more.
                let last_of_text =
                    i + 1 == n && style.key_last && !style.final_newline && !style.entries[i].3;
                let blank =
                    usize::from(last_of_text && style.entries[i - 1].3 && !style.entries[i].1);
                prop_assert_eq!(deleted.len(), style.entry(i).len() + blank, "{}", k.text());
            } else {
                prop_assert_eq!(inserted, 1, "{}", k.text());
                prop_assert!(k.text().contains("patches: []"), "{}", k.text());
            }
            // What was taken out last comes back as it was, where nothing stood between it and
            // the entry before it.
            let (_, above, ..) = style.entries[i];
            let blank_before = i > 0 && style.entries[i - 1].3;
            if i + 1 == n && !above && !blank_before {
                k.add_map_entry("patches", &written).map_err(fail)?;
                prop_assert_eq!(k.text(), text.as_str());
            }
        }
    }
}

/// Runs every entry point on `bytes`; only a panic fails.
fn exercise_everything(bytes: &[u8]) {
    let file = Path::new("k.yaml");
    let text = String::from_utf8_lossy(bytes);
    let _ = scalar_at(file, &text, &["metadata", "name"]);
    let _ = set_scalar(file, &text, &["spec", "replicas"], "3");
    let _ = set_scalar(file, &text, &["resources", "0"], "x: y");
    let Ok(k) = Kustomization::from_bytes(file, bytes) else {
        return;
    };
    for key in ["resources", "components", "kind", "patches"] {
        let _ = k.entries(key);
        let first = k.entries(key).first().map(|e| e.value.clone());
        let mut edited = k.clone();
        let _ = edited.add(key, "../new/base");
        let _ = edited.add(key, "yes");
        if let Some(first) = &first {
            let mut edited = k.clone();
            let _ = edited.remove(key, first);
            let mut edited = k.clone();
            let _ = edited.replace(key, first, "on");
        }
        let _ = edited.remove(key, "../new/base");
        if let Ok(entries) = k.map_entries(key) {
            for entry in entries {
                let mut edited = k.clone();
                let _ = edited.remove_map_entry(key, entry.index);
                if let Ok(written) = k.map_entry_text(key, entry.index) {
                    let _ = edited.add_map_entry(key, &written);
                    let _ = edited.add_map_entry("patches", &written);
                }
            }
        }
        let mut edited = k.clone();
        let _ = edited.add_map_entry(key, "- path: x.yaml\n  target:\n    kind: K");
    }
}

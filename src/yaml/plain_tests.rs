//! The fast path's tests: wherever [`super::parse`] answers, it must answer exactly the tree
//! yaml-rust2's events build ([`parse_events`]), positions included, on generated documents and
//! on every file of the shared corpus.

use std::ops::Range;
use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::yaml::parse::{parse_events, Purpose};

/// Where the fast path answers, it must answer exactly what yaml-rust2 builds.
fn agrees(text: &str) -> Result<bool, TestCaseError> {
    let Some(fast) = parse(text) else {
        return Ok(false);
    };
    // Equal to a read's tree, and to an edit's: an edit refuses more, never reads otherwise.
    for purpose in [Purpose::Read, Purpose::Edit] {
        match parse_events(Path::new("t.yaml"), text, purpose) {
            Ok(full) => prop_assert_eq!(&fast, &full, "{:?}", text),
            Err(e) => prop_assert!(
                false,
                "fast path read what yaml-rust2 refuses ({purpose:?}): {e}\n{text:?}"
            ),
        }
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
pub(in crate::yaml) fn text() -> impl Strategy<Value = String> {
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
            } else if name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization" {
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

/// The entries of the `resources` list of the first document of `text`, with their lines.
fn resource_entries(text: &str) -> Vec<(usize, String)> {
    // A list left without entries (`resources:` alone) is not for the fast path.
    let docs =
        crate::yaml::parse(Path::new("kustomization.yaml"), text, Purpose::Read).expect("a list");
    let Some(Kind::Seq { items, .. }) = docs[0].root.get("resources").map(|n| &n.kind) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| Some((i.line, i.as_str()?.to_string())))
        .collect()
}

#[test]
fn only_entries_comments_out_the_plain_entries_not_wanted_and_keeps_everything_else() {
    let text = "kind: Kustomization\nnamespace: web # theirs\nresources:\n- ../../apps/podinfo/base\n  # a note\n- ../../apps/redis/base # cache\n- path: patch.yaml\n- ../../apps/podinfo-ui/base\n";
    let wanted = |line: Range<usize>| text[line].contains("podinfo");
    assert_eq!(
        only_entries(text, wanted).as_deref(),
        Some("kind: Kustomization\nnamespace: web # theirs\nresources:\n- ../../apps/podinfo/base\n  # a note\n# ../../apps/redis/base # cache\n- path: patch.yaml\n- ../../apps/podinfo-ui/base\n")
    );
    // Only a parse can tell what an unusual line holds.
    for unusual in [
        "resources: [a, b]\n",
        "resources:\n- 'a'\n- b\n",
        "a: |\n  - b\n",
    ] {
        assert_eq!(only_entries(unusual, |_| false), None, "{unusual:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// A list with some entries commented out reads as the entries kept, on their own lines.
    #[test]
    fn only_entries_reads_as_the_entries_kept(text in list_text(), keep in any::<u64>()) {
        let line_of = |at: usize| text[..at].matches('\n').count() + 1;
        let kept = |line: usize| keep >> (line % 64) & 1 == 1;
        let Some(only) = only_entries(&text, |range| kept(line_of(range.start))) else {
            // Quoted entries are unusual to the scan.
            prop_assert!(text.contains(['\'', '"']));
            return Ok(());
        };
        prop_assert_eq!(only.len(), text.len());
        let want: Vec<(usize, String)> = resource_entries(&text)
            .into_iter()
            .filter(|(line, _)| kept(*line))
            .collect();
        prop_assert_eq!(resource_entries(&only), want);
    }
}

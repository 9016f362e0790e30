use super::*;
use crate::yaml::Kustomization;

const HEAD: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

fn removed(text: &str, index: usize) -> Result<String, YamlError> {
    let mut k = Kustomization::parse("k.yaml", text)?;
    k.remove_map_entry("patches", index)?;
    Ok(k.text().to_string())
}

fn added(text: &str, written: &str) -> Result<String, YamlError> {
    let mut k = Kustomization::parse("k.yaml", text)?;
    k.add_map_entry("patches", written)?;
    Ok(k.text().to_string())
}

fn entry_text(text: &str, index: usize) -> String {
    let k = Kustomization::parse("k.yaml", text).unwrap();
    k.map_entry_text("patches", index).unwrap()
}

#[test]
fn a_mapping_entry_leaves_with_all_its_lines_and_nothing_else() {
    let text = format!(
        "{HEAD}patches:\n  # the team's patch\n  - path: a.yaml # first\n    target:\n      \
         kind: Kustomization\n\n      name: a\n  # b comes next\n\n  - path: b.yaml\n\
         resources:\n  - ../base\n"
    );
    assert_eq!(
        removed(&text, 0).unwrap(),
        format!(
            "{HEAD}patches:\n  # the team's patch\n  # b comes next\n\n  - path: b.yaml\n\
             resources:\n  - ../base\n"
        )
    );
    assert_eq!(
        removed(&text, 1).unwrap(),
        format!(
            "{HEAD}patches:\n  # the team's patch\n  - path: a.yaml # first\n    \
             target:\n      kind: Kustomization\n\n      name: a\n  # b comes next\n\n\
             resources:\n  - ../base\n"
        )
    );
}

#[test]
fn the_last_entry_leaves_an_empty_list_that_adding_it_back_undoes() {
    let text = format!("{HEAD}resources:\n  - ../base\npatches:\n  - path: a.yaml\n");
    let empty = removed(&text, 0).unwrap();
    assert_eq!(
        empty,
        format!("{HEAD}resources:\n  - ../base\npatches: []\n")
    );
    assert_eq!(added(&empty, &entry_text(&text, 0)).unwrap(), text);
}

#[test]
fn line_endings_and_a_byte_order_mark_are_kept() {
    let text = "\u{feff}kind: Kustomization\r\npatches:\r\n- path: a.yaml\r\n  target:\r\n    \
                name: a\r\n- path: b.yaml\r\n";
    let one = removed(text, 0).unwrap();
    assert_eq!(
        one,
        "\u{feff}kind: Kustomization\r\npatches:\r\n- path: b.yaml\r\n"
    );
    let none = removed(&one, 0).unwrap();
    assert_eq!(none, "\u{feff}kind: Kustomization\r\npatches: []\r\n");
    let back = added(&none, &entry_text(&one, 0)).unwrap();
    assert_eq!(back, one);
    // The copy takes this file's line breaks, whatever the other file's were.
    let copied = added(&one, &entry_text(text, 0).replace("\r\n", "\n")).unwrap();
    assert_eq!(
        copied,
        "\u{feff}kind: Kustomization\r\npatches:\r\n- path: b.yaml\r\n- path: a.yaml\r\n  \
         target:\r\n    name: a\r\n"
    );
}

#[test]
fn entries_at_the_key_column_and_a_missing_final_line_break() {
    let text = "patches:\n- path: a.yaml\n  target:\n    kind: A\n- path: b.yaml\n  \
                options:\n    allowNameChange: true";
    assert_eq!(
        removed(text, 1).unwrap(),
        "patches:\n- path: a.yaml\n  target:\n    kind: A"
    );
    assert_eq!(
        removed(text, 0).unwrap(),
        "patches:\n- path: b.yaml\n  options:\n    allowNameChange: true"
    );
}

#[test]
fn a_copied_entry_takes_the_dash_of_the_list_it_joins() {
    let from = "patches:\n    -   path: a.yaml\n        target:\n            kind: A\n";
    let into = "patches:\n- path: b.yaml\n";
    assert_eq!(
        added(into, &entry_text(from, 0)).unwrap(),
        "patches:\n- path: b.yaml\n- path: a.yaml\n  target:\n      kind: A\n"
    );
    // A list without entries takes the file's other lists' indentation.
    let into = "resources:\n    - x\npatches:\n";
    assert_eq!(
        added(into, &entry_text(from, 0)).unwrap(),
        "resources:\n    - x\npatches:\n    - path: a.yaml\n      target:\n          kind: A\n"
    );
    let into = "resources:\n- x\n";
    assert_eq!(
        added(into, "- path: a.yaml").unwrap(),
        "resources:\n- x\npatches:\n- path: a.yaml\n"
    );
}

#[test]
fn an_inline_patch_goes_whole_even_where_its_lines_look_like_comments() {
    let text = "patches:\n  - patch: |\n      - op: remove\n        path: /spec/x\n      \
                # not a comment\n    target:\n      kind: A\n  - patch: |-\n      a: b\n      \
                # still the patch\n# a comment of the file\n";
    assert_eq!(
        removed(text, 1).unwrap(),
        "patches:\n  - patch: |\n      - op: remove\n        path: /spec/x\n      \
         # not a comment\n    target:\n      kind: A\n# a comment of the file\n"
    );
    assert_eq!(
        removed(text, 0).unwrap(),
        "patches:\n  - patch: |-\n      a: b\n      # still the patch\n\
         # a comment of the file\n"
    );
}

#[test]
fn a_flow_list_is_read_but_not_edited() {
    let text = "patches: [{path: a.yaml}, {path: b.yaml, target: {kind: A}}]\n";
    let k = Kustomization::parse("k.yaml", text).unwrap();
    let entries = k.map_entries("patches").unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].value["target"]["kind"].as_str(), Some("A"));
    let err = removed(text, 0).unwrap_err().to_string();
    assert!(
        err.starts_with("k.yaml:1:10: `patches` is written in flow style (`[...]`)"),
        "{err}"
    );
    assert!(err.contains("write it as a block list"), "{err}");
    let err = added(text, "- path: c.yaml").unwrap_err().to_string();
    assert!(err.contains("flow style"), "{err}");
    // `[]` is an empty list, and becomes a block list; in a file without block lists, the
    // entry keeps the indentation its own list gave it.
    assert_eq!(
        added("patches: []\n", "  - path: c.yaml").unwrap(),
        "patches:\n  - path: c.yaml\n"
    );
}

#[test]
fn entries_that_are_not_mappings_or_do_not_start_their_line_are_refused() {
    let k = Kustomization::parse("k.yaml", "patches:\n  - a.yaml\n").unwrap();
    let err = k.map_entries("patches").unwrap_err();
    assert_eq!((err.line, err.col), (2, 5));
    assert!(
        err.message.contains("expected a mapping"),
        "{}",
        err.message
    );
    let err = removed("patches:\n  -\n    path: a.yaml\n", 0).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(
        err.message.contains("starting with `- `"),
        "{}",
        err.message
    );
}

#[test]
fn a_nested_list_can_lose_its_key_with_its_last_entry() {
    let text = "spec:\n  dependsOn:\n    - name: a\n      namespace: x\n  path: ./a\n";
    let docs = crate::yaml::parse(Path::new("k.yaml"), text, super::super::Purpose::Edit).unwrap();
    let spec = docs[0].root.get("spec").unwrap();
    let (key, list) = (
        spec.key("dependsOn").unwrap(),
        spec.get("dependsOn").unwrap(),
    );
    let lines = Lines::new(text);
    let splices =
        remove_entries(Path::new("k.yaml"), &lines, key, list, &[0], Emptied::Key).unwrap();
    let out = super::super::splice::apply(text, &splices).unwrap();
    assert_eq!(out, "spec:\n  path: ./a\n");
}

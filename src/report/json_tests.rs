use serde_json::Value;

use super::*;
use crate::fleet::{Kind, Placement, ReadPlan};
use crate::paths::to_slash;
use crate::report::Filter;

/// The compact JSON, serialized in chunks of any size, is serde's of the whole document.
#[test]
fn compact_is_serdes_document() {
    let mut compared = 0;
    for root in crate::fleet::test_roots() {
        let Ok(fleet) = Fleet::read(&root, ReadPlan::Whole) else {
            continue;
        };
        let matrix = Matrix::new(&fleet, &Filter::default()).unwrap();
        let files = Files::of(&fleet, None);
        let want = serde_json::to_string(&Document(&matrix, &files)).unwrap();
        for placements_per_task in [1, 2, 3, 64, PLACEMENTS_PER_TASK] {
            let mut got = Vec::new();
            compact(&matrix, &files, placements_per_task, &mut |piece| {
                got.extend_from_slice(piece);
                Ok(())
            })
            .unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), want, "{}", root.display());
        }
        compared += 1;
    }
    assert!(compared > 10, "only {compared} fleets compared");
}

/// With versions, the compact JSON is still serde's document, and each app's and
/// controller's cell carries the versions of its directory.
#[test]
fn versions_go_into_the_cells_of_both_writers() {
    let root = crate::fleet::test_roots().remove(0);
    let fleet = Fleet::read(&root, ReadPlan::Whole).unwrap();
    let matrix = Matrix::new(&fleet, &Filter::default()).unwrap();
    let dirs = crate::report::versions::dirs(&matrix);
    assert!(!dirs.is_empty());
    let versions: Versions = dirs
        .into_iter()
        .map(|dir| {
            let version = format!("v-{}", dir.display());
            (dir, Ok(vec![version]))
        })
        .collect();
    let files = Files::of(&fleet, Some(&versions));
    let want = serde_json::to_string(&Document(&matrix, &files)).unwrap();
    let mut got = Vec::new();
    compact(&matrix, &files, 2, &mut |piece| {
        got.extend_from_slice(piece);
        Ok(())
    })
    .unwrap();
    assert_eq!(String::from_utf8(got).unwrap(), want);
    let document: Value = serde_json::from_str(&want).unwrap();
    let cells = document["apps"][0]["clusters"].as_object().unwrap();
    assert!(!cells.is_empty());
    for cell in cells.values() {
        assert!(
            cell["versions"][0].as_str().unwrap().starts_with("v-apps/"),
            "{cell}"
        );
    }
    assert!(document["namespaces"][0]["clusters"]
        .as_object()
        .unwrap()
        .values()
        .all(|cell| cell.get("versions").is_none()));
}

/// The first error of the sink ends the writing, and is the one returned.
#[test]
fn the_sinks_error_ends_the_writing() {
    let root = crate::fleet::test_roots().remove(0);
    let fleet = Fleet::read(&root, ReadPlan::Whole).unwrap();
    let matrix = Matrix::new(&fleet, &Filter::default()).unwrap();
    for pretty in [false, true] {
        let mut pieces = 0;
        let written = write(&matrix, pretty, &mut |_| {
            pieces += 1;
            Err(Error::refused("the sink"))
        });
        assert_eq!(written.unwrap_err().to_string(), "the sink");
        assert_eq!(pieces, 1);
    }
}

/// What a cell must say of a placement, as the fleet makes it.
fn cell_of(p: &Placement) -> Value {
    let mut cell = serde_json::json!({
        "file": to_slash(&p.file),
        "line": p.line,
        "via": p.via,
        "through": p.through.label(),
    });
    match &p.through {
        Through::Overlay(name) => cell["overlay"] = name.as_str().into(),
        Through::Set(name) => cell["set"] = name.as_str().into(),
        Through::Stage(name) => cell["stage"] = name.as_str().into(),
        _ => {}
    }
    if let Some(entry) = p.chain.get(1) {
        cell["entry"] = serde_json::json!({
            "file": to_slash(&entry.file),
            "line": entry.line,
            "via": entry.written(),
        });
    }
    cell
}

/// The JSON of every row of every test fleet says what the fleet's placements (made by
/// another path than the matrix's borrowed ones) say, cell by cell; compact and indented
/// are the same document.
#[test]
fn every_cell_says_what_the_placements_say() {
    let mut cells = 0;
    for root in crate::fleet::test_roots() {
        let Ok(fleet) = Fleet::read(&root, ReadPlan::Whole) else {
            continue;
        };
        let matrix = Matrix::new(&fleet, &Filter::default()).unwrap();
        let compact = to_string(&matrix, false).unwrap();
        let document: Value = serde_json::from_str(&compact).unwrap();
        let pretty: Value = serde_json::from_str(&to_string(&matrix, true).unwrap()).unwrap();
        assert_eq!(pretty, document);
        assert_eq!(
            document["clusters"],
            serde_json::json!(fleet.cluster_names())
        );
        let kinds = [
            (Kind::App, "apps"),
            (Kind::Namespace, "namespaces"),
            (Kind::Controller, "controllers"),
            (Kind::Policy, "policies"),
        ];
        for (kind, key) in kinds {
            let rows = document[key].as_array().unwrap();
            assert_eq!(rows.len(), fleet.names(kind).len(), "{}", root.display());
            for row in rows {
                let name = row["name"].as_str().unwrap();
                let placements = fleet.placements_of(kind, name).unwrap_or_default();
                let mode = fleet.policy(name).filter(|_| kind == Kind::Policy);
                let mode = mode.map(|p| Value::from(p.mode.as_str()));
                let cell_of = |p: &Placement| {
                    let mut cell = cell_of(p);
                    if let Some(mode) = &mode {
                        cell["mode"] = mode.clone();
                    }
                    cell
                };
                let want: serde_json::Map<String, Value> = placements
                    .iter()
                    .map(|(cluster, placements)| {
                        let mut cell = cell_of(&placements[0]);
                        if placements.len() > 1 {
                            cell["also"] = placements[1..].iter().map(&cell_of).collect();
                        }
                        (cluster.clone(), cell)
                    })
                    .collect();
                cells += want.len();
                assert_eq!(row["clusters"], Value::Object(want), "{name}");
            }
        }
    }
    assert!(cells > 100, "only {cells} cells compared");
}

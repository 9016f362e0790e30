//! `status`, `where` and a clean `check` on the seed's end state, run with the real binary.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use serde_json::Value;

use common::{copy_dir, kustomize, rendered_objects, Sandbox};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-fleet")
}

/// A sandbox holding a copy of the fixture.
fn seed() -> (Sandbox, PathBuf) {
    let sandbox = Sandbox::new();
    let dir = sandbox.work().join("fleet");
    copy_dir(&fixture(), &dir);
    (sandbox, dir)
}

fn stdout(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> String {
    let out = sandbox.fluxfleet(dir).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "fluxfleet {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn the_fixture_builds_with_kustomize_and_places_what_the_seed_says() {
    let dir = fixture();
    for (cluster, replicas, foo) in [("dev", 1, false), ("test", 2, true), ("prod", 3, false)] {
        let apps = rendered_objects(&kustomize(&dir.join("clusters").join(cluster).join("apps")));
        let podinfo = apps
            .iter()
            .find(|(k, n, _)| k == "Deployment" && n == "podinfo")
            .expect("podinfo is deployed");
        assert_eq!(podinfo.2, Some(replicas), "{cluster}");
        assert_eq!(
            apps.iter().any(|(_, n, _)| n == "foo-app"),
            foo,
            "{cluster}"
        );

        let infra = rendered_objects(&kustomize(
            &dir.join("clusters").join(cluster).join("infra"),
        ));
        let namespaces: Vec<&str> = infra
            .iter()
            .filter(|(k, _, _)| k == "Namespace")
            .map(|(_, n, _)| n.as_str())
            .collect();
        let mut want = vec!["kyverno", "monitoring", "team-x"];
        if foo {
            want.push("foo");
        }
        let mut got = namespaces.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{cluster}");
        assert!(infra
            .iter()
            .any(|(k, n, _)| k == "HelmRelease" && n == "kyverno"));
        kustomize(&dir.join("clusters").join(cluster));
    }
}

/// `(file, line, via, through, overlay or set)` of one cell.
type Cell = (String, u64, String, String, Option<String>);

fn cell(json: &Value) -> Cell {
    let extra = json["overlay"]
        .as_str()
        .or(json["set"].as_str())
        .map(String::from);
    (
        json["file"].as_str().expect("file").to_string(),
        json["line"].as_u64().expect("line"),
        json["via"].as_str().expect("via").to_string(),
        json["through"].as_str().expect("through").to_string(),
        extra,
    )
}

fn rows(json: &Value, key: &str) -> Vec<(String, String, Cell)> {
    let mut out = Vec::new();
    for row in json[key].as_array().expect("array") {
        let name = row["name"].as_str().expect("name");
        for (cluster, c) in row["clusters"].as_object().expect("clusters") {
            out.push((name.to_string(), cluster.clone(), cell(c)));
        }
    }
    out
}

fn want(
    name: &str,
    cluster: &str,
    list: &str,
    line: u64,
    via: &str,
    through: &str,
    extra: Option<&str>,
) -> (String, String, Cell) {
    (
        name.into(),
        cluster.into(),
        (
            format!("clusters/{cluster}/{list}/kustomization.yaml"),
            line,
            via.into(),
            through.into(),
            extra.map(String::from),
        ),
    )
}

/// podinfo in `cluster` through its overlay `overlay`, from line 5 of the cluster's app list.
fn podinfo_overlay(cluster: &str, overlay: &str) -> (String, String, Cell) {
    let via = format!("../../../apps/podinfo/overlays/{overlay}");
    want(
        "podinfo",
        cluster,
        "apps",
        5,
        &via,
        "overlay",
        Some(overlay),
    )
}

#[test]
fn status_json_shows_every_cell_of_the_matrix() {
    let (sandbox, dir) = seed();
    let json: Value = serde_json::from_str(&stdout(&sandbox, &dir, &["status", "--json"])).unwrap();
    assert_eq!(json["clusters"], serde_json::json!(["dev", "prod", "test"]));

    assert_eq!(
        rows(&json, "apps"),
        vec![
            want(
                "foo-app",
                "test",
                "apps",
                6,
                "../../../apps/foo-app/base",
                "base",
                None
            ),
            podinfo_overlay("dev", "dev"),
            podinfo_overlay("prod", "prod"),
            podinfo_overlay("test", "test"),
        ]
    );

    let common = "../../../infrastructure/namespaces/common";
    let team_x = "../../../infrastructure/namespaces/team-x";
    let mut namespaces = vec![want(
        "foo",
        "test",
        "infra",
        9,
        "../../../infrastructure/namespaces/test-only",
        "set",
        Some("test-only"),
    )];
    for ns in ["kyverno", "monitoring"] {
        for c in ["dev", "prod", "test"] {
            namespaces.push(want(ns, c, "infra", 5, common, "common", None));
        }
    }
    for (c, line) in [("dev", 7), ("prod", 8), ("test", 8)] {
        namespaces.push(want("team-x", c, "infra", line, team_x, "own-dir", None));
    }
    assert_eq!(rows(&json, "namespaces"), namespaces);

    // A namespace in common also names the set's own entry.
    let kyverno = &json["namespaces"][1];
    assert_eq!(kyverno["name"], "kyverno");
    assert_eq!(kyverno["set"], "common");
    assert_eq!(
        kyverno["clusters"]["dev"]["entry"],
        serde_json::json!({
            "file": "infrastructure/namespaces/common/kustomization.yaml",
            "line": 4,
            "via": "ns-kyverno.yaml"
        })
    );
}

#[test]
fn status_table_and_markdown_show_how_each_arrives() {
    let (sandbox, dir) = seed();
    let table = stdout(&sandbox, &dir, &["status"]);
    assert_eq!(
        table,
        "APP      dev          prod          test\n\
         foo-app  -            -             base\n\
         podinfo  overlay dev  overlay prod  overlay test\n\
         \n\
         NAMESPACE   dev      prod     test\n\
         foo         -        -        set test-only\n\
         kyverno     common   common   common\n\
         monitoring  common   common   common\n\
         team-x      own dir  own dir  own dir\n"
    );
    let markdown = stdout(&sandbox, &dir, &["status", "--markdown", "--kind", "app"]);
    assert_eq!(
        markdown,
        "| app | dev | prod | test |\n\
         |---|---|---|---|\n\
         | `foo-app` | — | — | ✅ base |\n\
         | `podinfo` | ✅ overlay dev | ✅ overlay prod | ✅ overlay test |\n"
    );
}

#[test]
fn status_names_overlays_as_their_directories_are_named() {
    // prod takes an overlay named after no cluster; test takes the one made for dev.
    let (sandbox, dir) = seed();
    let overlays = dir.join("apps/podinfo/overlays");
    copy_dir(&overlays.join("prod"), &overlays.join("prod-eu"));
    for (cluster, from, to) in [("prod", "prod", "prod-eu"), ("test", "test", "dev")] {
        let list = dir
            .join("clusters")
            .join(cluster)
            .join("apps/kustomization.yaml");
        let text = fs::read_to_string(&list).unwrap();
        let edited = text.replace(&format!("overlays/{from}\n"), &format!("overlays/{to}\n"));
        assert_ne!(edited, text, "{}", list.display());
        fs::write(&list, edited).unwrap();
        let apps = rendered_objects(&kustomize(&dir.join("clusters").join(cluster).join("apps")));
        assert!(apps
            .iter()
            .any(|(k, n, _)| k == "Deployment" && n == "podinfo"));
    }

    let table = stdout(&sandbox, &dir, &["status", "--kind", "app"]);
    assert_eq!(
        table,
        "APP      dev          prod             test\n\
         foo-app  -            -                base\n\
         podinfo  overlay dev  overlay prod-eu  overlay dev\n"
    );
    let json: Value = serde_json::from_str(&stdout(&sandbox, &dir, &["status", "--json"])).unwrap();
    let overlays: Vec<(String, String, Cell)> = rows(&json, "apps")
        .into_iter()
        .filter(|(name, _, _)| name == "podinfo")
        .collect();
    assert_eq!(
        overlays,
        vec![
            podinfo_overlay("dev", "dev"),
            podinfo_overlay("prod", "prod-eu"),
            podinfo_overlay("test", "dev"),
        ]
    );
}

#[test]
fn an_app_missing_its_base_is_shown_where_a_cluster_asks_for_it() {
    // test still lists foo-app's base, which is gone: the directory holds a README alone.
    let (sandbox, dir) = seed();
    fs::remove_dir_all(dir.join("apps/foo-app/base")).unwrap();
    fs::write(dir.join("apps/foo-app/README.md"), "# foo-app\n").unwrap();

    let table = stdout(&sandbox, &dir, &["status", "--kind", "app"]);
    assert_eq!(
        table,
        "APP      dev          prod          test\n\
         foo-app  -            -             base\n\
         podinfo  overlay dev  overlay prod  overlay test\n"
    );
    assert_eq!(
        stdout(&sandbox, &dir, &["where", "foo-app"]),
        "app foo-app (apps/foo-app)\n  \
         test  clusters/test/apps/kustomization.yaml:6  ../../../apps/foo-app/base  (base)\n"
    );
    sandbox
        .fluxfleet(&dir)
        .arg("check")
        .assert()
        .code(1)
        .stdout(
            "error: clusters/test/apps/kustomization.yaml:6: ../../../apps/foo-app/base does \
             not resolve: apps/foo-app/base does not exist\n  \
             fix: create it, or remove this line\n",
        )
        .stderr(predicates::str::contains(
            "3 clusters, 2 apps, 4 namespaces: 1 error(s), 0 warning(s)",
        ));
}

#[test]
fn status_stops_quietly_when_its_reader_goes_away() {
    // Thousands of apps in every cluster: far more than a pipe holds, as a table or as JSON.
    let (sandbox, dir) = seed();
    let mut list = fs::read_to_string(dir.join("clusters/dev/apps/kustomization.yaml")).unwrap();
    for i in 0..4000 {
        let app = format!("apps/bulk-{i:04}/base");
        fs::create_dir_all(dir.join(&app)).unwrap();
        fs::write(dir.join(&app).join("kustomization.yaml"), "resources: []\n").unwrap();
        list.push_str(&format!("- ../../../{app}\n"));
    }
    for cluster in ["dev", "prod", "test"] {
        fs::write(
            dir.join("clusters")
                .join(cluster)
                .join("apps/kustomization.yaml"),
            &list,
        )
        .unwrap();
    }
    let whole = stdout(&sandbox, &dir, &["status", "--json"]);
    let table = stdout(&sandbox, &dir, &["status"]);
    for text in [&whole, &table] {
        assert!(text.len() > 128 * 1024, "{} bytes", text.len());
    }
    for (args, whole) in [(&["status", "--json"][..], &whole), (&["status"], &table)] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fluxfleet"))
            .args(args)
            .current_dir(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0_u8; 64];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", out.status);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
        assert_eq!(&head[..], &whole.as_bytes()[..64], "{args:?}");
    }
}

#[test]
fn status_filters_by_cluster_and_kind() {
    let (sandbox, dir) = seed();
    let json: Value = serde_json::from_str(&stdout(
        &sandbox,
        &dir,
        &["status", "--json", "--cluster", "dev"],
    ))
    .unwrap();
    assert_eq!(json["clusters"], serde_json::json!(["dev"]));
    let apps: Vec<&str> = json["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(apps, ["podinfo"]);
    let namespaces = json["namespaces"].as_array().unwrap();
    assert!(namespaces.iter().all(|n| n["name"] != "foo"));

    let ns_only = stdout(&sandbox, &dir, &["status", "--kind", "ns"]);
    assert!(ns_only.starts_with("NAMESPACE"), "{ns_only}");

    sandbox
        .fluxfleet(&dir)
        .args(["status", "--cluster", "staging"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("known clusters: dev, prod, test"));
    sandbox
        .fluxfleet(&dir)
        .args(["status", "--kind", "pods"])
        .assert()
        .code(2);
}

#[test]
fn where_lists_every_line_that_brings_a_name_in() {
    let (sandbox, dir) = seed();
    assert_eq!(
        stdout(&sandbox, &dir, &["where", "podinfo"]),
        "app podinfo (apps/podinfo)\n  \
         dev   clusters/dev/apps/kustomization.yaml:5  ../../../apps/podinfo/overlays/dev  (overlay dev)\n  \
         prod  clusters/prod/apps/kustomization.yaml:5  ../../../apps/podinfo/overlays/prod  (overlay prod)\n  \
         test  clusters/test/apps/kustomization.yaml:5  ../../../apps/podinfo/overlays/test  (overlay test)\n"
    );
    assert_eq!(
        stdout(&sandbox, &dir, &["where", "foo-app"]),
        "app foo-app (apps/foo-app)\n  \
         test  clusters/test/apps/kustomization.yaml:6  ../../../apps/foo-app/base  (base)\n"
    );
    assert_eq!(
        stdout(&sandbox, &dir, &["where", "foo"]),
        "namespace foo (infrastructure/namespaces/test-only/ns-foo.yaml, set test-only)\n  \
         test  clusters/test/infra/kustomization.yaml:9  ../../../infrastructure/namespaces/test-only  (set test-only)\n          \
         infrastructure/namespaces/test-only/kustomization.yaml:4  ns-foo.yaml\n"
    );
    let kyverno = stdout(&sandbox, &dir, &["where", "kyverno"]);
    for cluster in ["dev", "prod", "test"] {
        assert!(
            kyverno.contains(&format!(
                "{cluster:4}  clusters/{cluster}/infra/kustomization.yaml:5  \
                 ../../../infrastructure/namespaces/common  (common)\n          \
                 infrastructure/namespaces/common/kustomization.yaml:4  ns-kyverno.yaml\n"
            )),
            "{kyverno}"
        );
    }
    let team_x = stdout(&sandbox, &dir, &["where", "team-x"]);
    assert!(
        team_x.contains("dev   clusters/dev/infra/kustomization.yaml:7"),
        "{team_x}"
    );
    assert!(
        team_x.contains("prod  clusters/prod/infra/kustomization.yaml:8"),
        "{team_x}"
    );
}

#[test]
fn where_an_unknown_name_suggests_the_closest() {
    let (sandbox, dir) = seed();
    sandbox
        .fluxfleet(&dir)
        .args(["where", "podinfa"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "no app or namespace named \"podinfa\"",
        ))
        .stderr(predicates::str::contains("closest: podinfo (app)"));
}

#[test]
fn check_is_clean_on_the_seed_layout() {
    let (sandbox, dir) = seed();
    sandbox
        .fluxfleet(&dir)
        .arg("check")
        .assert()
        .success()
        .stdout("")
        .stderr(predicates::str::contains(
            "3 clusters, 2 apps, 4 namespaces: 0 error(s), 0 warning(s)",
        ));
    sandbox
        .fluxfleet(&dir)
        .args(["check", "--build"])
        .assert()
        .success();
}

#[test]
fn commands_run_from_a_subdirectory() {
    let (sandbox, dir) = seed();
    let out = stdout(
        &sandbox,
        &dir.join("apps/podinfo/base"),
        &["where", "foo-app"],
    );
    assert!(out.starts_with("app foo-app"), "{out}");
}

#[test]
fn malformed_yaml_is_reported_with_file_line_and_source() {
    let (sandbox, dir) = seed();
    let list = dir.join("clusters/dev/apps/kustomization.yaml");
    let text = fs::read_to_string(&list).unwrap();
    fs::write(
        &list,
        text.replace("overlays/dev", "overlays/dev: bad: value"),
    )
    .unwrap();
    for command in [&["status"][..], &["where", "podinfo"], &["check"]] {
        sandbox
            .fluxfleet(&dir)
            .args(command)
            .assert()
            .code(1)
            .stderr(predicates::str::contains(
                "clusters/dev/apps/kustomization.yaml:",
            ))
            .stderr(predicates::str::contains(
                "clusters/dev/apps/kustomization.yaml:5:",
            ))
            .stderr(predicates::str::contains(
                "5 | - ../../../apps/podinfo/overlays/dev: bad: value",
            ));
    }
}

#[test]
fn non_utf8_is_reported_with_file_line_and_column() {
    let (sandbox, dir) = seed();
    let file = dir.join("infrastructure/namespaces/test-only/ns-foo.yaml");
    let mut bytes = fs::read(&file).unwrap();
    bytes.extend_from_slice(b"# caf\xe9\n");
    fs::write(&file, bytes).unwrap();
    sandbox
        .fluxfleet(&dir)
        .arg("status")
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "infrastructure/namespaces/test-only/ns-foo.yaml:8:6: not valid UTF-8",
        ));
}

#[test]
fn where_follows_nested_lists_and_the_common_set() {
    let (sandbox, dir) = seed();
    // prod's app list pulls in a list of its own, which references foo-app; dev gets foo-app
    // through apps/common. Neither cluster list names foo-app itself.
    let prod = dir.join("clusters/prod/apps/kustomization.yaml");
    let text = fs::read_to_string(&prod).unwrap();
    fs::write(
        &prod,
        text.replace("overlays/prod\n", "overlays/prod\n- ./team-a\n"),
    )
    .unwrap();
    fs::create_dir_all(dir.join("clusters/prod/apps/team-a")).unwrap();
    fs::write(
        dir.join("clusters/prod/apps/team-a/kustomization.yaml"),
        "resources:\n- ../../../../apps/foo-app/base\n",
    )
    .unwrap();
    let common = dir.join("apps/common/kustomization.yaml");
    let text = fs::read_to_string(&common).unwrap();
    fs::write(
        &common,
        text.replace("resources: []\n", "resources:\n- ../foo-app/base\n"),
    )
    .unwrap();

    let out = stdout(&sandbox, &dir, &["where", "foo-app"]);
    assert!(
        out.contains(
            "dev   clusters/dev/apps/kustomization.yaml:4  ../../../apps/common  (common)\n          \
             apps/common/kustomization.yaml:4  ../foo-app/base\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "prod  clusters/prod/apps/team-a/kustomization.yaml:2  ../../../../apps/foo-app/base  (base)"
        ),
        "{out}"
    );
    // The same answer as the whole matrix gives.
    let json: Value = serde_json::from_str(&stdout(&sandbox, &dir, &["status", "--json"])).unwrap();
    let clusters = json["apps"][0]["clusters"].as_object().unwrap();
    assert_eq!(clusters.keys().collect::<Vec<_>>(), ["dev", "prod", "test"]);
}

//! What `status`, `where` and `check` print, held to golden files in `tests/golden/report/`
//! made by the binary before the renderers moved to `report/`: the plain outputs through the
//! binary, the coloured table and the indented JSON (which the binary shows only on a terminal)
//! through the library.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;

use common::{copy_dir, seed_fixture, Sandbox};
use fluxfleet::fleet::{check, Fleet, ReadPlan};
use fluxfleet::report::{finding, json, markdown, table, Filter, Matrix};

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/report")
        .join(name)
}

fn golden(name: &str) -> String {
    fs::read_to_string(golden_path(name)).unwrap()
}

/// Holds `actual` to the golden file `name`, or writes it there with `SNAPSHOTS=overwrite`
/// (read the diff before committing it).
fn assert_golden(actual: &str, name: &str, context: &str) {
    if common::blessing() {
        fs::write(golden_path(name), actual).unwrap();
        return;
    }
    assert_eq!(actual, golden(name), "{context}");
}

/// A fleet whose names need JSON escapes and are not ASCII, with an app that arrives twice in a
/// cluster, an overlay named after no cluster, a common set, a named set and a namespace in its
/// own directory, a directory under `apps/` that is no app, and controllers: one whose name
/// needs escapes, and one referenced twice by a cluster.
fn odd_fleet(dir: &Path) {
    let list = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
    let namespace =
        |name: &str| format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n");
    let files = [
        (
            "clusters/dev/kustomization.yaml",
            format!(
                "{list}resources:\n- ../../infrastructure/namespaces/common\n\
                 - \"../../apps/web/overlays/d\\\"ev\"\n- ../../apps/web/base\n\
                 - ../../apps/shared/podinfo\n- ../../apps/cafe/overlays/dév-ü\n\
                 - ../../infrastructure/controllers/ingress\n"
            ),
        ),
        (
            "clusters/prod/kustomization.yaml",
            format!(
                "{list}resources:\n- ../../infrastructure/namespaces/common\n\
                 - ../../apps/cafe/base\n- \"../../infrastructure/controllers/d\\\"ns-é\"\n"
            ),
        ),
        (
            "clusters/a-very-long-cluster-name/kustomization.yaml",
            format!(
                "{list}resources:\n- ../../infrastructure/namespaces/test-only\n\
                 - ../../infrastructure/namespaces/team-x\n- ../../apps/cafe/overlays/dév-ü\n\
                 - ../../infrastructure/controllers/ingress\n\
                 - ./../../infrastructure/controllers/ingress/\n"
            ),
        ),
        (
            "infrastructure/namespaces/common/kustomization.yaml",
            format!("{list}resources:\n- \"ns \\\"q\\\"\\\\x.yaml\"\n"),
        ),
        (
            "infrastructure/namespaces/common/ns \"q\"\\x.yaml",
            namespace("q"),
        ),
        (
            "infrastructure/namespaces/test-only/kustomization.yaml",
            format!("{list}resources:\n- ns-foo.yaml\n"),
        ),
        (
            "infrastructure/namespaces/test-only/ns-foo.yaml",
            namespace("foo"),
        ),
        (
            "infrastructure/namespaces/team-x/kustomization.yaml",
            format!("{list}resources:\n- namespace.yaml\n"),
        ),
        (
            "infrastructure/namespaces/team-x/namespace.yaml",
            namespace("team-x"),
        ),
        (
            "infrastructure/controllers/ingress/kustomization.yaml",
            list.to_string(),
        ),
        (
            "infrastructure/controllers/d\"ns-é/kustomization.yaml",
            list.to_string(),
        ),
        ("apps/web/base/kustomization.yaml", list.to_string()),
        (
            "apps/web/overlays/d\"ev/kustomization.yaml",
            list.to_string(),
        ),
        ("apps/shared/podinfo/kustomization.yaml", list.to_string()),
        ("apps/cafe/base/kustomization.yaml", list.to_string()),
        (
            "apps/cafe/overlays/dév-ü/kustomization.yaml",
            list.to_string(),
        ),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// The seed fixture and the odd fleet, each in a sandbox, by the prefix of their golden files.
fn fleets(sandbox: &Sandbox) -> Vec<(&'static str, PathBuf)> {
    let (seed, odd) = (sandbox.work().join("seed"), sandbox.work().join("odd"));
    copy_dir(&seed_fixture(), &seed);
    odd_fleet(&odd);
    vec![("seed", seed), ("odd", odd)]
}

/// stdout, stderr and the exit code of the binary in `dir`.
fn run(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = sandbox.fluxfleet(dir).args(args).output().unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (
        text(out.stdout),
        text(out.stderr),
        out.status.code().unwrap(),
    )
}

#[test]
fn status_prints_the_table_json_and_markdown_of_the_goldens() {
    let sandbox = Sandbox::new();
    for (name, dir) in fleets(&sandbox) {
        for (args, file) in [
            (&["status"][..], "table.txt"),
            (&["status", "--json"], "json"),
            (&["status", "--markdown"], "md"),
        ] {
            let file = match file {
                "json" | "md" => format!("{name}.{file}"),
                _ => format!("{name}-{file}"),
            };
            let (stdout, stderr, code) = run(&sandbox, &dir, args);
            assert_eq!((stderr.as_str(), code), ("", 0), "{name}: {args:?}");
            assert_golden(&stdout, &file, &format!("{name}: {args:?}"));
        }
    }
}

#[test]
fn the_coloured_table_and_the_indented_json_are_those_of_the_goldens() {
    let sandbox = Sandbox::new();
    for (name, dir) in fleets(&sandbox) {
        let fleet = Fleet::read(&dir, ReadPlan::Whole).unwrap();
        let matrix = Matrix::new(&fleet, &Filter::default()).unwrap();
        let mut colored = Vec::new();
        table::write(&matrix, true, &mut |piece| {
            colored.extend_from_slice(piece);
            Ok(())
        })
        .unwrap();
        assert_golden(
            &String::from_utf8(colored).unwrap(),
            &format!("{name}-table-color.txt"),
            name,
        );
        // The binary adds the line break.
        let pretty = json::to_string(&matrix, true).unwrap() + "\n";
        assert_golden(&pretty, &format!("{name}-pretty.json"), name);
        let compact = json::to_string(&matrix, false).unwrap() + "\n";
        assert_golden(&compact, &format!("{name}.json"), name);
        assert_golden(&markdown::render(&matrix), &format!("{name}.md"), name);
    }
}

#[test]
fn one_cluster_and_unknown_clusters() {
    let sandbox = Sandbox::new();
    let odd = sandbox.work().join("odd");
    odd_fleet(&odd);
    let (stdout, stderr, code) = run(&sandbox, &odd, &["status", "--cluster", "dev"]);
    assert_eq!((stderr.as_str(), code), ("", 0));
    assert_golden(&stdout, "odd-table-dev.txt", "status --cluster dev");
    let refused = run(&sandbox, &odd, &["status", "--cluster", "dve"]);
    assert_eq!(
        refused,
        (
            String::new(),
            "error: unknown cluster \"dve\" in --cluster; did you mean dev?\n\
             known clusters: dev, a-very-long-cluster-name, prod\n"
                .to_string(),
            1
        )
    );
}

#[test]
fn where_prints_each_reference_and_the_set_entry_beneath() {
    let sandbox = Sandbox::new();
    let fleets = fleets(&sandbox);
    for (dir, name, file) in [
        (&fleets[0].1, "kyverno", "seed-where-kyverno.txt"),
        (&fleets[1].1, "web", "odd-where-web.txt"),
        (&fleets[1].1, "foo", "odd-where-foo.txt"),
        (&fleets[1].1, "ingress", "odd-where-ingress.txt"),
    ] {
        let (stdout, stderr, code) = run(&sandbox, dir, &["where", name]);
        assert_eq!((stderr.as_str(), code), ("", 0), "{name}");
        assert_golden(&stdout, file, name);
    }
}

#[test]
fn check_prints_each_finding_with_its_fix() {
    let sandbox = Sandbox::new();
    let odd = sandbox.work().join("odd");
    odd_fleet(&odd);
    let stderr = "error: checked 3 clusters, 2 apps, 3 namespaces: 5 errors, 0 warnings\n";
    let (stdout, got_stderr, code) = run(&sandbox, &odd, &["check"]);
    assert_eq!((got_stderr.as_str(), code), (stderr, 1));
    assert_golden(&stdout, "odd-check.txt", "check");
    let findings = check(&Fleet::read(&odd, ReadPlan::Whole).unwrap()).unwrap();
    assert_golden(
        &finding::render(&findings, true),
        "odd-check-color.txt",
        "check, coloured",
    );
}

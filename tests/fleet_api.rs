//! The `fleet` API later commands build on, read in-process from the seed fixture.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

use std::fs;
use std::path::{Path, PathBuf};

use fluxfleet::fleet::{check, Fleet, Kind, Layout, ReadPlan, Severity, Through};
use fluxfleet::report::{markdown, Filter, Matrix};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-fleet")
}

#[test]
fn the_snapshot_holds_clusters_apps_sets_and_exact_texts() {
    let root = fixture();
    let fleet = Fleet::read(&root, ReadPlan::Whole).unwrap();
    // Promotion order: the seed has no .fluxfleet.yaml, and its names tell their stages.
    assert_eq!(fleet.cluster_names(), ["dev", "test", "prod"]);
    assert_eq!(fleet.layout(), Layout::Fluxfleet);

    let test = fleet.cluster("test").unwrap();
    let apps = test.apps_list.as_ref().unwrap();
    assert_eq!(
        apps.path,
        Path::new("clusters/test/apps/kustomization.yaml")
    );
    let written: Vec<(usize, &str)> = apps
        .references
        .iter()
        .map(|r| (r.line, r.written()))
        .collect();
    assert_eq!(
        written,
        [
            (4, "../../../apps/common"),
            (5, "../../../apps/podinfo/overlays/test"),
            (6, "../../../apps/foo-app/base")
        ]
    );
    assert_eq!(
        apps.references[2].target(),
        Some(Path::new("apps/foo-app/base"))
    );
    let flux: Vec<&str> = test.flux.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(flux, ["apps", "infra"]);

    let podinfo = fleet.app_layout(fleet.app("podinfo").unwrap()).unwrap();
    assert_eq!(podinfo.overlays, ["dev", "prod", "test"]);
    assert_eq!(
        podinfo.base.as_deref(),
        Some(Path::new("apps/podinfo/base"))
    );

    let foo = fleet.namespace("foo").unwrap();
    assert_eq!((foo.set.as_str(), foo.own_dir), ("test-only", false));
    assert!(fleet.namespace("team-x").unwrap().own_dir);
    assert_eq!(
        fleet.set("common").unwrap().namespaces,
        ["kyverno", "monitoring"]
    );

    for path in [
        "clusters/dev/apps/kustomization.yaml",
        "infrastructure/namespaces/common/ns-kyverno.yaml",
    ] {
        assert_eq!(
            fleet.text(Path::new(path)).unwrap().as_deref(),
            Some(fs::read_to_string(root.join(path)).unwrap().as_str())
        );
    }

    let placements = fleet.app_placements("podinfo");
    assert_eq!(
        placements["prod"][0].through,
        Through::Overlay("prod".into())
    );
    let kyverno = fleet.namespace_placements("kyverno");
    assert_eq!(kyverno["dev"][0].chain.len(), 2);
    assert_eq!(fleet.reaches(Kind::App, "foo-app"), ["test"]);
}

#[test]
fn check_and_status_are_data() {
    let fleet = Fleet::read(&fixture(), ReadPlan::Whole).unwrap();
    let foo_app = fleet.app("foo-app").unwrap();
    assert_eq!(
        fleet.app_manifests(foo_app).unwrap().namespace.as_deref(),
        Some("foo")
    );
    // The seed applies its policies with Kyverno's controller, from one Flux Kustomization:
    // a warning per cluster, nothing else.
    let findings = check(&fleet).unwrap();
    assert_eq!(findings.len(), 3, "{findings:?}");
    assert!(findings
        .iter()
        .all(|f| f.severity == Severity::Warning && f.message.contains("Kyverno controller")));
    let filter = Filter {
        names: Some(["foo-app".to_string()].into()),
        ..Filter::default()
    };
    let matrix = Matrix::new(&fleet, &filter).unwrap();
    assert_eq!(
        markdown::render(&matrix),
        "| app | dev | test | prod |\n|---|---|---|---|\n| `foo-app` | — | ✅ base | — |\n"
    );
}

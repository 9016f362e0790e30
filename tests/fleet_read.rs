//! The seed fixture renders as the seed says, `status` stops quietly when its reader goes away,
//! and commands run from a subdirectory. What `status`, `where` and `check` print is golden
//! cases under `tests/cases/{status,where,check}/`.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;

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
fn commands_run_from_a_subdirectory() {
    let (sandbox, dir) = seed();
    let out = stdout(
        &sandbox,
        &dir.join("apps/podinfo/base"),
        &["where", "foo-app"],
    );
    assert!(out.starts_with("app foo-app"), "{out}");
}

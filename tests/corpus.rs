//! `status`, `where` and `check` on every real repository of the shared corpus: no crash, a
//! proper exit code, and no false errors where the repository is consistent.
//!
//! Repositories 1 to 6 of SOURCES.md were copied whole, so `check` must find no error there.
//! Repositories 7 (angelnu) and 8 (PingCAP) were copied in part: many listed files are missing
//! on purpose, and `check` rightly reports them; for those only a clean run is required.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const PARTIAL: [&str; 2] = ["angelnu__k8s-gitops", "PingCAP-QE__ee-ops"];

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("fluxfleet")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        !stderr.contains("panicked"),
        "{args:?} in {}:\n{stderr}",
        dir.display()
    );
    assert!(
        code == 0 || code == 1,
        "{args:?} in {}: exit {code}\n{stderr}",
        dir.display()
    );
    if code == 1 {
        assert!(
            stderr.contains("error: "),
            "{args:?} in {}: no message",
            dir.display()
        );
    }
    (code, stdout, stderr)
}

#[test]
fn every_corpus_repository_is_read_without_a_crash_or_false_errors() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let mut repos: Vec<_> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    assert_eq!(repos.len(), 8, "the corpus has 8 repositories");
    for repo in &repos {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();

        let (code, stdout, _) = run(repo, &["status", "--json"]);
        assert_eq!(code, 0, "status in {name}");
        let json: Value = serde_json::from_str(&stdout).unwrap();
        let clusters = json["clusters"].as_array().unwrap();
        assert!(!clusters.is_empty(), "{name}: no clusters found");
        run(repo, &["status"]);
        run(repo, &["status", "--markdown"]);

        let first = ["apps", "namespaces"].iter().find_map(|k| {
            json[*k].as_array()?.first()?["name"]
                .as_str()
                .map(String::from)
        });
        if let Some(known) = first {
            let (code, stdout, _) = run(repo, &["where", &known]);
            assert_eq!(code, 0, "where {known} in {name}");
            assert!(stdout.contains(&known));
        }
        let (code, _, stderr) = run(repo, &["where", "no-such-thing-here"]);
        assert_eq!(code, 1, "{name}");
        assert!(
            stderr.contains("no app, namespace, controller or policy named"),
            "{name}: {stderr}"
        );

        let (code, stdout, _) = run(repo, &["check"]);
        if !PARTIAL.contains(&name.as_str()) {
            assert_eq!(code, 0, "check in {name} reported errors:\n{stdout}");
            assert!(!stdout.contains("error:"), "{name}:\n{stdout}");
        }
    }
}

#[test]
fn the_partial_copies_report_only_missing_files() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    for name in PARTIAL {
        let (_, stdout, _) = run(&corpus.join(name), &["check"]);
        for line in stdout.lines().filter(|l| l.starts_with("error: ")) {
            assert!(line.contains("does not exist"), "{name}: unexpected {line}");
        }
    }
}

#[test]
fn a_flux_example_attaches_its_environment_lists() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    // angelnu's clusters both reconcile ./apps, which has no kustomization: Flux generates one
    // listing each app directory, so every app reaches both clusters.
    let (_, stdout, _) = run(&corpus.join("angelnu__k8s-gitops"), &["where", "authentik"]);
    assert!(
        stdout.contains("prod  clusters/prod/config/cluster-apps.yaml:10  ./apps/authentik  (dir)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test  clusters/test/config/cluster-apps.yaml:10"),
        "{stdout}"
    );
}

//! Namespaces with per-cluster metadata, checked on what kustomize renders: the article's
//! `infrastructure/namespaces/foo/{base,overlays/<cluster>}`, made by `add-overlay ns`, then
//! promoted and demoted; each cluster's infra list renders the Namespace with its own labels and
//! annotations, and `check` finds the fleet clean.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::path::Path;

use common::Sandbox;
use yaml_rust2::{Yaml, YamlLoader};

/// Runs one step and merges its branch into main, as a reviewer would before the next step
/// (each new branch starts from main); returns its stderr.
fn run_ok(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> String {
    let out = sandbox.fluxfleet(repo).args(args).assert().success();
    let branch = sandbox.git(repo, &["symbolic-ref", "--short", "HEAD"]);
    sandbox.git(repo, &["switch", "-q", "main"]);
    sandbox.git(repo, &["merge", "-q", "--ff-only", branch.trim()]);
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

fn rendered_namespace(repo: &Path, cluster: &str, name: &str) -> Option<Yaml> {
    let yaml = common::kustomize(&repo.join("clusters").join(cluster).join("infra"));
    YamlLoader::load_from_str(&yaml)
        .unwrap()
        .into_iter()
        .find(|d| {
            d["kind"].as_str() == Some("Namespace") && d["metadata"]["name"].as_str() == Some(name)
        })
}

fn metadata(ns: &Yaml, field: &str, key: &str) -> Option<String> {
    ns["metadata"][field][key].as_str().map(str::to_string)
}

#[test]
fn each_cluster_renders_its_own_labels_and_annotations() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    run_ok(
        &sandbox,
        &repo,
        &[
            "add-overlay",
            "ns",
            "foo",
            "--cluster",
            "test",
            "--label",
            "tier=silver",
            "--annotation",
            "example.com/owner=team-a",
        ],
    );
    run_ok(
        &sandbox,
        &repo,
        &["promote", "ns", "foo", "--to", "dev,prod"],
    );
    run_ok(
        &sandbox,
        &repo,
        &[
            "add-overlay",
            "ns",
            "foo",
            "--cluster",
            "prod",
            "--label",
            "tier=gold",
            "--annotation",
            "example.com/pager=24x7",
        ],
    );

    let dev = rendered_namespace(&repo, "dev", "foo").expect("dev has foo");
    let test = rendered_namespace(&repo, "test", "foo").expect("test has foo");
    let prod = rendered_namespace(&repo, "prod", "foo").expect("prod has foo");
    assert_eq!(metadata(&dev, "labels", "tier"), None, "dev keeps the base");
    assert_eq!(metadata(&test, "labels", "tier").as_deref(), Some("silver"));
    assert_eq!(metadata(&prod, "labels", "tier").as_deref(), Some("gold"));
    assert_eq!(
        metadata(&test, "annotations", "example.com/owner").as_deref(),
        Some("team-a")
    );
    assert_eq!(metadata(&test, "annotations", "example.com/pager"), None);
    assert_eq!(
        metadata(&prod, "annotations", "example.com/pager").as_deref(),
        Some("24x7")
    );
    for ns in [&dev, &test, &prod] {
        assert_eq!(
            metadata(ns, "labels", "app.kubernetes.io/part-of").as_deref(),
            Some("platform"),
            "the base's labels stay"
        );
    }
    sandbox.fluxfleet(&repo).arg("check").assert().success();

    // Demoted from prod: prod's list drops its overlay; the others are untouched.
    run_ok(&sandbox, &repo, &["demote", "ns", "foo", "--from", "prod"]);
    assert!(rendered_namespace(&repo, "prod", "foo").is_none());
    let test = rendered_namespace(&repo, "test", "foo").expect("test keeps foo");
    assert_eq!(metadata(&test, "labels", "tier").as_deref(), Some("silver"));
    assert!(repo
        .join("infrastructure/namespaces/foo/overlays/prod/kustomization.yaml")
        .is_file());
}

#[test]
fn an_app_promoted_into_a_laid_out_namespace_brings_its_overlay() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    run_ok(
        &sandbox,
        &repo,
        &[
            "add-overlay",
            "ns",
            "foo",
            "--cluster",
            "prod",
            "--label",
            "tier=gold",
        ],
    );
    let stderr = run_ok(&sandbox, &repo, &["promote", "foo-app", "--to", "prod"]);
    assert!(
        stderr.contains("Bringing namespace foo to prod"),
        "{stderr}"
    );
    let prod = rendered_namespace(&repo, "prod", "foo").expect("prod has foo");
    assert_eq!(metadata(&prod, "labels", "tier").as_deref(), Some("gold"));
    sandbox.fluxfleet(&repo).arg("check").assert().success();
}

#[test]
fn demote_help_says_a_namespace_may_leave_its_set() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .fluxfleet(&sandbox.work())
        .args(["demote", "--help"])
        .assert()
        .success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        help.contains("its manifest leaves the set for its own")
            && !help.contains("never touches the definition"),
        "{help}"
    );
}

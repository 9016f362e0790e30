//! `promote` on layouts where each cluster has its own copy of what it runs: what kustomize
//! renders from the copy. The exact bytes, messages and commits are golden cases under
//! `tests/cases/promote/env-overlay-dirs-*` and `flux-ks-per-component-*`.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{kustomize, rendered_objects, Sandbox};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn promoted(sandbox: &Sandbox, fixture_name: &str, args: &[&str]) -> PathBuf {
    let repo = sandbox.work().join("fleet");
    sandbox.commit_copy(&fixture(fixture_name), &repo, |_| {});
    sandbox.fluxfleet(&repo).args(args).assert().success();
    repo
}

#[test]
fn the_copied_environment_directory_renders_as_production_with_stagings_values() {
    let sandbox = Sandbox::new();
    let repo = promoted(
        &sandbox,
        "env-overlay-dirs",
        &["promote", "app", "podinfo", "--to", "production"],
    );
    let rendered = kustomize(&repo.join("apps/production"));
    let objects = rendered_objects(&rendered);
    // staging's replica patch and image pin came along; redis stayed.
    assert!(objects.contains(&("Deployment".into(), "podinfo".into(), Some(2))));
    assert!(objects.contains(&("Deployment".into(), "redis".into(), None)));
    assert!(rendered.contains("image: ghcr.io/stefanprodan/podinfo:6.5.4"));
    // What named staging names production now.
    assert!(rendered.contains("host: podinfo.production.example.com"));
    assert!(rendered.contains("environment: production"));
    assert!(!rendered.contains("staging"));
    // The source is untouched.
    let staging = kustomize(&repo.join("apps/staging"));
    assert!(staging.contains("host: podinfo.staging.example.com"));
}

#[test]
fn the_copied_flux_kustomization_points_at_productions_overlay_and_keeps_the_pins() {
    let sandbox = Sandbox::new();
    let repo = promoted(
        &sandbox,
        "flux-ks-per-component",
        &["promote", "app", "podinfo", "--to", "production"],
    );
    let entry = kustomize(&repo.join("clusters/production"));
    let docs = yaml_rust2::YamlLoader::load_from_str(&entry).unwrap();
    let podinfo = docs
        .iter()
        .find(|d| {
            d["kind"].as_str() == Some("Kustomization")
                && d["metadata"]["name"].as_str() == Some("podinfo")
        })
        .expect("production's entry renders the podinfo Flux Kustomization");
    let spec = &podinfo["spec"];
    assert_eq!(
        spec["path"].as_str(),
        Some("./apps/podinfo/overlays/production")
    );
    let depends: Vec<&str> = spec["dependsOn"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(depends, ["infrastructure"]);
    assert_eq!(
        spec["postBuild"]["substitute"]["podinfo_version"].as_str(),
        Some("6.5.4")
    );
    // What that path renders is production's overlay.
    let path = spec["path"].as_str().unwrap().trim_start_matches("./");
    let objects = rendered_objects(&kustomize(&repo.join(path)));
    assert!(objects.contains(&("Deployment".into(), "podinfo".into(), Some(3))));
    assert!(
        fs::read_to_string(repo.join("clusters/staging/podinfo.yaml"))
            .unwrap()
            .contains("- name: redis")
    );
}

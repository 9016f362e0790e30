//! Controllers end to end: what kustomize renders for each cluster after `add-controller`,
//! `demote controller` and `promote controller` (the HelmRelease, its chart and version, the
//! HelmRepository, the namespace it installs into), and a fleet `check` still passes. The exact
//! bytes, messages and commits of single runs are golden cases under
//! `tests/cases/add-controller/`.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{kustomize, Sandbox};
use yaml_rust2::{Yaml, YamlLoader};

const CLUSTERS: [&str; 3] = ["dev", "test", "prod"];

/// The objects kustomize renders for a cluster's infra list.
fn infra(repo: &Path, cluster: &str) -> Vec<Yaml> {
    let yaml = kustomize(&repo.join(format!("clusters/{cluster}/infra")));
    YamlLoader::load_from_str(&yaml).unwrap()
}

/// The rendered object of `kind` named `name`, if any.
fn object<'a>(objects: &'a [Yaml], kind: &str, name: &str) -> Option<&'a Yaml> {
    objects
        .iter()
        .find(|o| o["kind"].as_str() == Some(kind) && o["metadata"]["name"].as_str() == Some(name))
}

fn run_ok(sandbox: &Sandbox, repo: &Path, args: &[&str]) {
    let out = sandbox.fluxfleet(repo).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The article's kyverno, one command on a fresh fleet: every cluster renders the
/// HelmRelease with the chart and version asked for, its HelmRepository, and the namespace.
#[test]
fn add_controller_installs_the_chart_in_every_cluster() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    run_ok(
        &sandbox,
        &work,
        &["init", "fleet", "--clusters", "dev,test,prod"],
    );
    let fleet = work.join("fleet");
    run_ok(
        &sandbox,
        &fleet,
        &[
            "add-controller",
            "kyverno",
            "--chart",
            "kyverno",
            "--repo-url",
            "https://kyverno.github.io/kyverno/",
            "--version",
            "3.2.6",
            "--clusters",
            "all",
        ],
    );
    for cluster in CLUSTERS {
        kustomize(&fleet.join(format!("clusters/{cluster}")));
        let objects = infra(&fleet, cluster);
        let release = object(&objects, "HelmRelease", "kyverno").expect(cluster);
        assert_eq!(
            release["apiVersion"].as_str(),
            Some("helm.toolkit.fluxcd.io/v2")
        );
        let chart = &release["spec"]["chart"]["spec"];
        assert_eq!(chart["chart"].as_str(), Some("kyverno"), "{cluster}");
        assert_eq!(chart["version"].as_str(), Some("3.2.6"), "{cluster}");
        assert_eq!(chart["sourceRef"]["kind"].as_str(), Some("HelmRepository"));
        assert_eq!(chart["sourceRef"]["name"].as_str(), Some("kyverno"));
        assert_eq!(release["spec"]["targetNamespace"].as_str(), Some("kyverno"));
        let repository = object(&objects, "HelmRepository", "kyverno").expect(cluster);
        assert_eq!(
            repository["apiVersion"].as_str(),
            Some("source.toolkit.fluxcd.io/v1")
        );
        assert_eq!(
            repository["spec"]["url"].as_str(),
            Some("https://kyverno.github.io/kyverno/")
        );
        assert!(repository["spec"]["type"].is_badvalue(), "not an OCI one");
        assert!(
            object(&objects, "Namespace", "kyverno").is_some(),
            "{cluster}"
        );
    }
    sandbox.fluxfleet(&fleet).arg("check").assert().success();
}

/// The article's gateway-api, from an OCI registry into a namespace of its own name, on the
/// seed fleet: `type: oci`, and the namespace reaches every cluster.
#[test]
fn add_controller_from_an_oci_registry() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    run_ok(
        &sandbox,
        &repo,
        &[
            "add-controller",
            "gateway-api",
            "--chart",
            "gateway-helm",
            "--repo-url",
            "oci://docker.io/envoyproxy",
            "--version",
            "v1.2.6",
            "--namespace",
            "envoy-gateway-system",
            "--clusters",
            "all",
        ],
    );
    for cluster in CLUSTERS {
        let objects = infra(&repo, cluster);
        let release = object(&objects, "HelmRelease", "gateway-api").expect(cluster);
        let chart = &release["spec"]["chart"]["spec"];
        assert_eq!(chart["chart"].as_str(), Some("gateway-helm"));
        assert_eq!(chart["version"].as_str(), Some("v1.2.6"));
        assert_eq!(
            release["spec"]["targetNamespace"].as_str(),
            Some("envoy-gateway-system")
        );
        let repository = object(&objects, "HelmRepository", "gateway-api").expect(cluster);
        assert_eq!(repository["spec"]["type"].as_str(), Some("oci"));
        assert_eq!(
            repository["spec"]["url"].as_str(),
            Some("oci://docker.io/envoyproxy")
        );
        assert!(object(&objects, "Namespace", "envoy-gateway-system").is_some());
        // The seed's kyverno is still there.
        assert!(object(&objects, "HelmRelease", "kyverno").is_some());
    }
    sandbox.fluxfleet(&repo).arg("check").assert().success();
}

/// `demote controller` takes the HelmRelease out of one cluster only; `promote controller`
/// brings it back.
#[test]
fn demote_and_promote_a_controller() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    run_ok(
        &sandbox,
        &repo,
        &["demote", "controller", "kyverno", "--from", "prod"],
    );
    assert!(object(&infra(&repo, "prod"), "HelmRelease", "kyverno").is_none());
    for cluster in ["dev", "test"] {
        assert!(object(&infra(&repo, cluster), "HelmRelease", "kyverno").is_some());
    }
    sandbox.git(&repo, &["checkout", "-q", "-b", "again"]);
    run_ok(
        &sandbox,
        &repo,
        &[
            "promote",
            "controller",
            "kyverno",
            "--to",
            "all",
            "--base",
            "again",
        ],
    );
    let objects = infra(&repo, "prod");
    let release = object(&objects, "HelmRelease", "kyverno").unwrap();
    assert_eq!(
        release["spec"]["chart"]["spec"]["version"].as_str(),
        Some("3.x")
    );
    sandbox.fluxfleet(&repo).arg("check").assert().success();
}

//! The seed's whole end state, reached from an empty directory by commands alone: one commit
//! per command, the article's "Expected result" per cluster, the golden tree, a clean `check`,
//! and every generated definition equal in value to the hand-written seed fixture.

mod common;

use std::path::Path;

use common::{assert_tree_matches, kustomize, rendered_objects, Sandbox};

/// The walkthrough, as the issue lists it. foo-app gets the seed's smaller resources.
const COMMANDS: &[&str] = &[
    "add-ns team-x --clusters all",
    "add-ns foo --set test-only --clusters test",
    "add-ns kyverno --set common",
    "add-ns monitoring --set common",
    "add-controller kyverno --chart kyverno --repo-url https://kyverno.github.io/kyverno/ \
     --version 3.x --clusters all",
    "add-app podinfo --namespace team-x --image ghcr.io/stefanprodan/podinfo:6.9.0 --port 9898 \
     --clusters all",
    "add-overlay podinfo --cluster dev --replicas 1",
    "add-overlay podinfo --cluster test --replicas 2",
    "add-overlay podinfo --cluster prod --replicas 3",
    "add-app foo-app --namespace foo --image nginx:1.27 --port 80 --clusters test \
     --cpu-request 25m --memory-request 32Mi --memory-limit 64Mi",
];

/// What one cluster renders: its namespaces, and its Deployments with their replicas.
fn rendered(fleet: &Path, cluster: &str) -> (Vec<String>, Vec<(String, i64)>) {
    let mut namespaces = Vec::new();
    let mut deployments = Vec::new();
    for part in ["infra", "apps"] {
        let yaml = kustomize(&fleet.join(format!("clusters/{cluster}/{part}")));
        for (kind, name, replicas) in rendered_objects(&yaml) {
            match kind.as_str() {
                "Namespace" => namespaces.push(name),
                "Deployment" => deployments.push((name, replicas.unwrap_or(1))),
                _ => {}
            }
        }
    }
    namespaces.sort();
    deployments.sort();
    (namespaces, deployments)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_seed_is_reachable_from_an_empty_directory() {
    let sandbox = Sandbox::new();
    let fleet = sandbox.work().join("fleet");
    sandbox
        .fluxfleet(&sandbox.work())
        .args(["init", "fleet", "--clusters", "dev,test,prod"])
        .assert()
        .success();
    for command in COMMANDS {
        let args: Vec<&str> = command.split_whitespace().collect();
        let output = sandbox
            .fluxfleet(&fleet)
            .args(&args)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{command}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // Each command made one branch with one commit; merge it as a reviewer would.
        let made = sandbox.git(&fleet, &["branch", "--show-current"]);
        assert_eq!(
            sandbox
                .git(&fleet, &["rev-list", "--count", "main..HEAD"])
                .trim(),
            "1",
            "{command}: one commit"
        );
        sandbox.git(&fleet, &["checkout", "-q", "main"]);
        sandbox.git(&fleet, &["merge", "-q", "--ff-only", made.trim()]);
    }
    assert_eq!(
        sandbox.git(&fleet, &["rev-list", "--count", "HEAD"]).trim(),
        (COMMANDS.len() + 1).to_string(),
        "init plus one commit per command"
    );
    assert_eq!(sandbox.git(&fleet, &["status", "--porcelain"]), "");

    // The article's "Expected result".
    let expected = [
        (
            "dev",
            strings(&["kyverno", "monitoring", "team-x"]),
            vec![("podinfo".to_string(), 1)],
        ),
        (
            "test",
            strings(&["foo", "kyverno", "monitoring", "team-x"]),
            vec![("foo-app".to_string(), 1), ("podinfo".to_string(), 2)],
        ),
        (
            "prod",
            strings(&["kyverno", "monitoring", "team-x"]),
            vec![("podinfo".to_string(), 3)],
        ),
    ];
    for (cluster, namespaces, deployments) in expected {
        kustomize(&fleet.join(format!("clusters/{cluster}")));
        assert_eq!(
            rendered(&fleet, cluster),
            (namespaces, deployments),
            "{cluster}"
        );
    }

    assert_tree_matches(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/seed-from-scratch/out"),
        &fleet,
    );
    sandbox.fluxfleet(&fleet).arg("check").assert().success();
    assert_same_values_as_the_seed(&fleet);
}

/// Every definition the commands wrote holds the same values as the hand-written seed: the
/// seed's text lost its indentation, so values, not bytes, are what it shows.
fn assert_same_values_as_the_seed(fleet: &Path) {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-fleet");
    let files = [
        "apps/podinfo/base/deployment.yaml",
        "apps/podinfo/base/service.yaml",
        "apps/podinfo/base/kustomization.yaml",
        "apps/podinfo/overlays/dev/kustomization.yaml",
        "apps/podinfo/overlays/test/kustomization.yaml",
        "apps/podinfo/overlays/prod/kustomization.yaml",
        "apps/foo-app/base/deployment.yaml",
        "apps/foo-app/base/service.yaml",
        "apps/foo-app/base/kustomization.yaml",
        "infrastructure/controllers/kyverno/helmrepository.yaml",
        "infrastructure/controllers/kyverno/helmrelease.yaml",
        "infrastructure/controllers/kyverno/kustomization.yaml",
        "infrastructure/namespaces/common/ns-kyverno.yaml",
        "infrastructure/namespaces/common/ns-monitoring.yaml",
        "infrastructure/namespaces/common/kustomization.yaml",
        "infrastructure/namespaces/team-x/namespace.yaml",
        "infrastructure/namespaces/team-x/kustomization.yaml",
        "infrastructure/namespaces/test-only/ns-foo.yaml",
        "infrastructure/namespaces/test-only/kustomization.yaml",
        "clusters/test/apps/kustomization.yaml",
        "clusters/dev/apps/kustomization.yaml",
        "clusters/prod/apps/kustomization.yaml",
    ];
    let load = |path: &Path| {
        let text = std::fs::read_to_string(path).expect("read");
        yaml_rust2::YamlLoader::load_from_str(&text).expect("yaml")
    };
    for file in files {
        assert_eq!(
            load(&fleet.join(file)),
            load(&seed.join(file)),
            "{file} differs in value from the seed"
        );
    }
}

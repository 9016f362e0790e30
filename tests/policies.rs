//! The seed's policy flow on the seed fleet, checked on what kustomize renders: a policy added
//! to a stage in Audit mode reaches the clusters importing the stage, `promote policy` brings
//! it to more clusters, `enforce`/`audit` switch the mode the cluster receives. The exact bytes,
//! messages and commits of single runs are golden cases under `tests/cases/{add-policy,enforce,
//! audit}` and `tests/cases/promote/policy-*`.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{kustomize, Sandbox};

/// Each ClusterPolicy kustomize renders for `dir`, with what its rules say on a violation:
/// each validate rule's `failureAction`, else the policy's `validationFailureAction`, else
/// `Audit`.
fn policies(dir: &Path) -> Vec<(String, Vec<String>)> {
    let rendered = kustomize(dir);
    let docs = yaml_rust2::YamlLoader::load_from_str(&rendered).unwrap();
    docs.iter()
        .filter(|d| d["kind"].as_str() == Some("ClusterPolicy"))
        .map(|d| {
            let name = d["metadata"]["name"].as_str().unwrap().to_string();
            let default = d["spec"]["validationFailureAction"]
                .as_str()
                .unwrap_or("Audit")
                .to_string();
            let modes = d["spec"]["rules"]
                .as_vec()
                .unwrap()
                .iter()
                .map(|r| {
                    r["validate"]["failureAction"]
                        .as_str()
                        .map_or(default.clone(), str::to_string)
                })
                .collect();
            (name, modes)
        })
        .collect()
}

/// What the cluster's Flux Kustomizations apply: its infra list, and its policy list when it
/// has one (the entrypoint renders only the Flux objects that point at them).
fn mode_in(repo: &Path, cluster: &str, policy: &str) -> Option<Vec<String>> {
    let tree = repo.join("clusters").join(cluster);
    ["infra", "policies"]
        .iter()
        .map(|list| tree.join(list))
        .filter(|dir| dir.is_dir())
        .flat_map(|dir| policies(&dir))
        .find(|(name, _)| name == policy)
        .map(|(_, modes)| modes)
}

/// Runs one step and merges its branch into main, as a reviewer would before the next step
/// (each new branch starts from main).
fn run_ok(sandbox: &Sandbox, repo: &Path, args: &[&str]) {
    sandbox.fluxfleet(repo).args(args).assert().success();
    let branch = sandbox.git(repo, &["symbolic-ref", "--short", "HEAD"]);
    sandbox.git(repo, &["switch", "-q", "main"]);
    sandbox.git(repo, &["merge", "-q", "--ff-only", branch.trim()]);
}

#[test]
fn the_seed_policy_flow_renders_what_each_step_says() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let audit = Some(vec!["Audit".to_string()]);
    let enforce = Some(vec!["Enforce".to_string()]);

    // A new stage for test only, in Audit mode, through test's new policy list.
    run_ok(
        &sandbox,
        &repo,
        &[
            "add-policy",
            "require-labels",
            "--stage",
            "canary",
            "--clusters",
            "test",
        ],
    );
    assert_eq!(mode_in(&repo, "test", "require-labels"), audit);
    assert_eq!(mode_in(&repo, "dev", "require-labels"), None);
    let list = policies(&repo.join("clusters/test/policies"));
    assert_eq!(
        list,
        vec![("require-labels".to_string(), audit.clone().unwrap())]
    );

    // Promoted to shared: every cluster gets it, still in Audit.
    run_ok(
        &sandbox,
        &repo,
        &["promote", "policy", "require-labels", "--to", "shared"],
    );
    for cluster in ["dev", "test", "prod"] {
        assert_eq!(
            mode_in(&repo, cluster, "require-labels"),
            audit,
            "{cluster}"
        );
    }
    assert!(policies(&repo.join("clusters/test/policies")).is_empty());

    // Enforced, then back to Audit.
    run_ok(&sandbox, &repo, &["enforce", "policy", "require-labels"]);
    for cluster in ["dev", "test", "prod"] {
        assert_eq!(
            mode_in(&repo, cluster, "require-labels"),
            enforce,
            "{cluster}"
        );
    }
    run_ok(&sandbox, &repo, &["audit", "policy", "require-labels"]);
    assert_eq!(mode_in(&repo, "prod", "require-labels"), audit);

    // The seed's own policy, with the policy-wide field.
    run_ok(&sandbox, &repo, &["enforce", "policy", "deny-latest-tag"]);
    assert_eq!(mode_in(&repo, "test", "deny-latest-tag"), enforce);
    assert_eq!(mode_in(&repo, "prod", "deny-latest-tag"), None);
}

#[test]
fn a_new_cluster_applies_policies_after_infra() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    std::fs::create_dir_all(&work).unwrap();
    sandbox
        .fluxfleet(&work)
        .args(["init", "fleet", "--clusters", "dev,prod"])
        .assert()
        .success();
    let repo = work.join("fleet");
    let rendered = kustomize(&repo.join("clusters/dev"));
    let docs = yaml_rust2::YamlLoader::load_from_str(&rendered).unwrap();
    let policies = docs
        .iter()
        .find(|d| {
            d["kind"].as_str() == Some("Kustomization")
                && d["metadata"]["name"].as_str() == Some("policies")
        })
        .expect("a Flux Kustomization named policies");
    assert_eq!(
        policies["spec"]["path"].as_str(),
        Some("./clusters/dev/policies")
    );
    assert_eq!(
        policies["spec"]["dependsOn"][0]["name"].as_str(),
        Some("infra")
    );
    assert_eq!(policies["spec"]["wait"].as_bool(), Some(true));
    assert_eq!(policies["spec"]["prune"].as_bool(), Some(true));

    run_ok(
        &sandbox,
        &repo,
        &["add-policy", "require-labels", "--stage", "shared"],
    );
    for cluster in ["dev", "prod"] {
        assert_eq!(
            mode_in(&repo, cluster, "require-labels"),
            Some(vec!["Audit".to_string()])
        );
        let infra = policies_in(&repo.join("clusters").join(cluster).join("infra"));
        assert!(
            infra.is_empty(),
            "no policy is applied with infra in {cluster}"
        );
    }
}

fn policies_in(dir: &Path) -> Vec<String> {
    policies(dir).into_iter().map(|(name, _)| name).collect()
}

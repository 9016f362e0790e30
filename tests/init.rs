//! `fluxfleet init`: the generated layout, git results, kustomize builds, refusals, overrides.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_tree_matches, kustomize, repo_state, tree, Sandbox};
use predicates::prelude::*;

const CLUSTERS: [&str; 3] = ["dev", "test", "prod"];

fn golden(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/init")
        .join(case)
}

/// Every entrypoint of every cluster renders with real kustomize.
fn assert_clusters_build(dir: &Path, clusters: &[&str]) {
    for cluster in clusters {
        for part in ["", "/infra", "/apps"] {
            kustomize(&dir.join(format!("clusters/{cluster}{part}")));
        }
    }
}

#[test]
fn fresh_directory_gets_the_layout_and_one_clean_commit() {
    let sandbox = Sandbox::new();
    let fleet = sandbox.work().join("fleet");
    sandbox
        .fluxfleet(&sandbox.work())
        .args(["init", "fleet", "--clusters", "dev,test,prod"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "flux bootstrap github --owner=YOUR_USER --repository=fleet --branch=main \
             --path=clusters/prod",
        ));

    assert_tree_matches(&golden("fresh/out"), &fleet);
    assert_clusters_build(&fleet, &CLUSTERS);
    assert_eq!(
        sandbox.git(&fleet, &["rev-list", "--count", "HEAD"]).trim(),
        "1"
    );
    assert_eq!(sandbox.git(&fleet, &["status", "--porcelain"]), "");
    assert_eq!(
        sandbox.git(&fleet, &["branch", "--show-current"]).trim(),
        "main"
    );
    let listed = sandbox.git(&fleet, &["ls-files"]);
    let on_disk: Vec<String> = tree(&fleet).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        on_disk,
        "every file is committed"
    );
}

#[test]
fn cluster_flux_kustomizations_point_at_their_own_tree() {
    let sandbox = Sandbox::new();
    let fleet = sandbox.work();
    sandbox
        .fluxfleet(&fleet)
        .args(["init", "--clusters", "dev,test,prod"])
        .assert()
        .success();
    for cluster in CLUSTERS {
        let rendered = kustomize(&fleet.join(format!("clusters/{cluster}")));
        let docs = yaml_rust2::YamlLoader::load_from_str(&rendered).expect("yaml");
        let paths: Vec<(&str, &str)> = docs
            .iter()
            .map(|d| {
                (
                    d["metadata"]["name"].as_str().expect("name"),
                    d["spec"]["path"].as_str().expect("path"),
                )
            })
            .collect();
        assert_eq!(
            paths,
            [
                ("apps", format!("./clusters/{cluster}/apps").as_str()),
                ("infra", format!("./clusters/{cluster}/infra").as_str())
            ]
        );
        let apps = docs
            .iter()
            .find(|d| d["metadata"]["name"].as_str() == Some("apps"));
        let depends = &apps.expect("apps")["spec"]["dependsOn"][0]["name"];
        assert_eq!(depends.as_str(), Some("infra"));
    }
}

#[test]
fn existing_repository_gets_one_branch_whose_diff_the_dry_run_printed() {
    let sandbox = Sandbox::new();
    let repo = sandbox.work();
    sandbox.git(&repo, &["init", "-q"]);
    fs::write(repo.join("README.md"), "# my fork of the demo\n").expect("write");
    fs::create_dir_all(repo.join("apps/podinfo")).expect("mkdir");
    fs::write(repo.join("apps/podinfo/keep.yaml"), "kind: ConfigMap\n").expect("write");
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "demo"]);

    let dry = sandbox
        .fluxfleet(&repo)
        .args(["init", "--clusters", "dev,prod", "--dry-run"])
        .assert()
        .success();
    let printed = String::from_utf8(dry.get_output().stdout.clone()).expect("utf8");
    assert_eq!(
        sandbox.git(&repo, &["status", "--porcelain"]),
        "",
        "dry run wrote nothing"
    );

    sandbox
        .fluxfleet(&repo)
        .args(["init", "--clusters", "dev,prod"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Kept your README.md"));
    assert_eq!(
        sandbox.git(&repo, &["branch", "--show-current"]).trim(),
        "fluxfleet/init-fleet-with-clusters-dev-prod"
    );
    assert_eq!(
        sandbox
            .git(&repo, &["rev-list", "--count", "main..HEAD"])
            .trim(),
        "1"
    );
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    let committed = sandbox.git(&repo, &["diff", "main", "HEAD"]);
    let committed: String = committed
        .lines()
        .filter(|l| !l.starts_with("index "))
        .map(|l| format!("{l}\n"))
        .collect();
    pretty_assertions::assert_eq!(committed, printed);
    assert_eq!(
        fs::read_to_string(repo.join("README.md")).expect("read"),
        "# my fork of the demo\n"
    );
    assert_clusters_build(&repo, &["dev", "prod"]);
}

#[test]
fn dry_run_writes_nothing_at_all() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    let output = sandbox
        .fluxfleet(&work)
        .args(["--dry-run", "init", "fleet", "--clusters", "dev"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout);
    assert!(
        stdout.contains("+++ b/clusters/dev/infra.yaml\n"),
        "{stdout}"
    );
    assert!(!work.join("fleet").exists(), "no directory, no .git");
    assert_eq!(tree(&work), Vec::new());
}

#[test]
fn running_init_twice_is_a_no_op() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev"])
        .assert()
        .success();
    let before = repo_state(&work);
    sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Nothing to do"));
    assert_eq!(repo_state(&work), before);
    assert_eq!(sandbox.git(&work, &["branch", "--list"]).trim(), "* main");
}

#[test]
fn conflicting_files_are_listed_and_nothing_changes_unless_forced() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    sandbox.git(&work, &["init", "-q"]);
    fs::create_dir_all(work.join("clusters/dev")).expect("mkdir");
    fs::write(work.join("clusters/dev/infra.yaml"), "# mine\n").expect("write");
    fs::create_dir_all(work.join("apps/common")).expect("mkdir");
    fs::write(
        work.join("apps/common/kustomization.yaml"),
        "resources: [../x]\n",
    )
    .expect("write");
    sandbox.git(&work, &["add", "-A"]);
    sandbox.git(&work, &["commit", "-qm", "mine"]);
    let before = repo_state(&work);

    sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "clusters/dev/infra.yaml, apps/common/kustomization.yaml",
        ))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(repo_state(&work), before);

    sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev", "--force"])
        .assert()
        .success();
    assert!(fs::read_to_string(work.join("clusters/dev/infra.yaml"))
        .expect("read")
        .contains("path: ./clusters/dev/infra"));
    assert_clusters_build(&work, &["dev"]);
}

#[test]
fn bad_cluster_names_are_refused_with_the_rule() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    for (clusters, expected) in [
        (
            "Dev",
            "invalid cluster name \"Dev\": names are RFC 1123 labels",
        ),
        ("dev,dev", "cluster \"dev\" is named twice"),
        ("", "empty cluster name"),
        ("dev,,prod", "empty cluster name"),
        ("-dev", "starting and ending with a letter or digit"),
        ("flux-system", "reserved"),
        (&"a".repeat(64), "1 to 63 characters"),
    ] {
        sandbox
            .fluxfleet(&work)
            .args(["init", "fleet", &format!("--clusters={clusters}")])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(expected));
        assert_eq!(tree(&work), Vec::new(), "{clusters:?} wrote nothing");
    }
}

#[test]
fn missing_clusters_without_a_terminal_names_the_flag() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    for args in [vec!["init", "fleet"], vec!["--yes", "init", "fleet"]] {
        sandbox
            .fluxfleet(&work)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("missing --clusters"));
        assert!(!work.join("fleet").exists());
    }
}

#[test]
fn templates_can_be_overridden_per_repository() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    sandbox.git(&work, &["init", "-q"]);
    let custom = work.join(".fluxfleet/templates/cluster");
    fs::create_dir_all(&custom).expect("mkdir");
    fs::write(
        custom.join("infra.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  \
         name: infra\n  namespace: flux-system\nspec:\n  interval: 10m # ours\n  prune: true\n  \
         sourceRef:\n    kind: GitRepository\n    name: flux-system\n  \
         path: ./clusters/{{ cluster }}/infra\n",
    )
    .expect("write");
    sandbox.git(&work, &["add", "-A"]);
    sandbox.git(&work, &["commit", "-qm", "templates"]);
    sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev"])
        .assert()
        .success();
    let infra = fs::read_to_string(work.join("clusters/dev/infra.yaml")).expect("read");
    assert!(infra.contains("  interval: 10m # ours\n"), "{infra}");
    assert!(infra.ends_with("  path: ./clusters/dev/infra\n"), "{infra}");
    assert_clusters_build(&work, &["dev"]);
}

#[test]
fn a_broken_override_template_is_reported_with_its_name() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    let custom = work.join(".fluxfleet/templates/cluster");
    fs::create_dir_all(&custom).expect("mkdir");
    fs::write(custom.join("apps.yaml"), "path: {{ cluster \n").expect("write");
    sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(".fluxfleet/templates/"));
    assert!(!work.join(".git").exists() && !work.join("clusters").exists());
}

#[test]
fn no_commit_writes_the_files_without_git() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    sandbox
        .fluxfleet(&work)
        .args(["--no-commit", "init", "fleet", "--clusters", "dev"])
        .assert()
        .success();
    assert!(work
        .join("fleet/clusters/dev/apps/kustomization.yaml")
        .is_file());
    assert!(!work.join("fleet/.git").exists());
    assert_clusters_build(&work.join("fleet"), &["dev"]);
}

#[test]
fn custom_branch_name_is_used_in_an_existing_repository() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    sandbox.git(&work, &["init", "-q"]);
    fs::write(work.join("x.txt"), "x\n").expect("write");
    sandbox.git(&work, &["add", "-A"]);
    sandbox.git(&work, &["commit", "-qm", "x"]);
    sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev", "--branch", "fleet-layout"])
        .assert()
        .success();
    assert_eq!(
        sandbox.git(&work, &["branch", "--show-current"]).trim(),
        "fleet-layout"
    );
}

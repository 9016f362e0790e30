//! The seed's promotion workflows on a fleet in the seed's end state: the exact bytes of every
//! changed file, the set of files in the commit ("What Changes in Git?"), and what kustomize
//! renders for each cluster afterwards.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, kustomize, rendered_objects, repo_state, Sandbox};
use predicates::prelude::*;

const CLUSTERS: [&str; 3] = ["dev", "test", "prod"];

fn fixture() -> PathBuf {
    common::seed_fixture()
}

fn golden(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/promote")
        .join(case)
}

/// The seed fixture committed on `main` of a new repository.
fn seed_repo(sandbox: &Sandbox) -> PathBuf {
    sandbox.seed_repo()
}

/// `git diff --name-status -M main HEAD` as (status, path) pairs; renames as `R old -> new`.
fn committed(sandbox: &Sandbox, repo: &Path) -> Vec<String> {
    assert_eq!(
        sandbox
            .git(repo, &["rev-list", "--count", "main..HEAD"])
            .trim(),
        "1"
    );
    assert_eq!(
        sandbox.git(repo, &["status", "--porcelain"]),
        "",
        "clean tree"
    );
    sandbox
        .git(repo, &["diff", "--name-status", "-M", "main", "HEAD"])
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split('\t').collect();
            match parts.as_slice() {
                [status, old, new] if status.starts_with('R') => format!("R {old} -> {new}"),
                [status, path] => format!("{status} {path}"),
                _ => panic!("unexpected line {line:?}"),
            }
        })
        .collect()
}

/// Every added, modified or renamed-to file equals its golden copy under `case/out/`, byte for
/// byte (`FLUXFLEET_BLESS=1` writes them).
fn assert_changed_files_match(case: &str, repo: &Path, changes: &[String]) {
    let out = golden(case).join("out");
    for change in changes {
        let path = match change.split_once(' ') {
            Some(("D", _)) => continue,
            Some(("R", rename)) => rename.split(" -> ").nth(1).expect("new path"),
            Some((_, path)) => path,
            None => panic!("bad change {change}"),
        };
        let actual = fs::read(repo.join(path)).expect("changed file exists");
        let expected_path = out.join(path);
        if std::env::var_os("FLUXFLEET_BLESS").is_some() {
            fs::create_dir_all(expected_path.parent().expect("parent")).expect("mkdir");
            fs::write(&expected_path, &actual).expect("bless");
            continue;
        }
        let expected = fs::read(&expected_path)
            .unwrap_or_else(|_| panic!("missing golden file {}", expected_path.display()));
        pretty_assertions::assert_eq!(
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(&actual),
            "{path}"
        );
    }
}

/// The names of `kind` objects kustomize renders for a cluster's apps or infra list.
fn rendered(repo: &Path, cluster: &str, list: &str, kind: &str) -> BTreeSet<String> {
    rendered_objects(&kustomize(&repo.join(format!("clusters/{cluster}/{list}"))))
        .into_iter()
        .filter(|(k, _, _)| k == kind)
        .map(|(_, name, _)| name)
        .collect()
}

fn deployments(repo: &Path, cluster: &str) -> BTreeSet<String> {
    rendered(repo, cluster, "apps", "Deployment")
}

fn namespaces(repo: &Path, cluster: &str) -> BTreeSet<String> {
    rendered(repo, cluster, "infra", "Namespace")
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn run_ok(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> String {
    let out = sandbox.fluxfleet(repo).args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn promote_a_test_app_to_dev_and_prod() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let stderr = run_ok(&sandbox, &repo, &["promote", "foo-app", "--to", "all"]);
    assert!(stderr.contains("test already has foo-app through ../../../apps/foo-app/base"));
    assert_eq!(
        sandbox.git(&repo, &["branch", "--show-current"]).trim(),
        "fluxfleet/promote-foo-app-to-dev-prod"
    );
    let message = sandbox.git(&repo, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("promote foo-app to dev, prod\n"),
        "{message}"
    );
    let changes = committed(&sandbox, &repo);
    assert_eq!(
        changes,
        [
            "M clusters/dev/apps/kustomization.yaml",
            "M clusters/prod/apps/kustomization.yaml"
        ]
    );
    assert_changed_files_match("app-to-all", &repo, &changes);
    for cluster in CLUSTERS {
        assert!(deployments(&repo, cluster).contains("foo-app"), "{cluster}");
    }
}

#[test]
fn make_a_test_app_a_baseline_app() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let stderr = run_ok(&sandbox, &repo, &["make-common", "app", "foo-app"]);
    assert!(
        stderr.contains("apps/common is for platform baseline apps"),
        "{stderr}"
    );
    let changes = committed(&sandbox, &repo);
    assert_eq!(
        changes,
        [
            "M apps/common/kustomization.yaml",
            "M clusters/test/apps/kustomization.yaml"
        ]
    );
    assert_changed_files_match("app-make-common", &repo, &changes);
    for cluster in CLUSTERS {
        assert_eq!(
            deployments(&repo, cluster),
            set(&["foo-app", "podinfo"]),
            "{cluster}"
        );
    }
}

#[test]
fn make_a_test_namespace_common() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    run_ok(&sandbox, &repo, &["make-common", "ns", "foo"]);
    let changes = committed(&sandbox, &repo);
    assert_eq!(
        changes,
        [
            "M clusters/test/infra/kustomization.yaml",
            "M infrastructure/namespaces/common/kustomization.yaml",
            "R infrastructure/namespaces/test-only/ns-foo.yaml -> infrastructure/namespaces/common/ns-foo.yaml",
            "D infrastructure/namespaces/test-only/kustomization.yaml",
        ]
    );
    assert_changed_files_match("ns-make-common", &repo, &changes);
    assert!(!repo.join("infrastructure/namespaces/test-only").exists());
    for cluster in CLUSTERS {
        assert!(namespaces(&repo, cluster).contains("foo"), "{cluster}");
    }
}

#[test]
fn promote_a_namespace_from_a_named_set_gives_it_its_own_directory() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    run_ok(&sandbox, &repo, &["promote", "ns", "foo", "--to", "prod"]);
    let changes = committed(&sandbox, &repo);
    assert_eq!(
        changes,
        [
            "M clusters/prod/infra/kustomization.yaml",
            "M clusters/test/infra/kustomization.yaml",
            // git pairs the emptied set's list with the new directory's: same content shape.
            "R infrastructure/namespaces/test-only/kustomization.yaml -> infrastructure/namespaces/foo/kustomization.yaml",
            "R infrastructure/namespaces/test-only/ns-foo.yaml -> infrastructure/namespaces/foo/namespace.yaml",
        ]
    );
    assert_changed_files_match("ns-to-prod", &repo, &changes);
    assert!(namespaces(&repo, "test").contains("foo"));
    assert!(namespaces(&repo, "prod").contains("foo"));
    assert!(!namespaces(&repo, "dev").contains("foo"));
}

#[test]
fn promote_uses_the_overlay_made_for_the_cluster() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let before = common::tree(&repo);
    run_ok(&sandbox, &repo, &["demote", "podinfo", "--from", "prod"]);
    assert!(!deployments(&repo, "prod").contains("podinfo"));
    sandbox.git(&repo, &["checkout", "-q", "-b", "again"]);
    run_ok(
        &sandbox,
        &repo,
        &["promote", "app", "podinfo", "--to", "prod"],
    );
    let objects = rendered_objects(&kustomize(&repo.join("clusters/prod/apps")));
    assert!(objects.contains(&("Deployment".into(), "podinfo".into(), Some(3))));
    assert_eq!(
        common::tree(&repo),
        before,
        "demote then promote is the identity"
    );
}

#[test]
fn promote_then_demote_returns_the_original_bytes() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let before = common::tree(&repo);
    run_ok(&sandbox, &repo, &["promote", "foo-app", "--to", "dev,prod"]);
    assert_ne!(common::tree(&repo), before);
    sandbox.git(&repo, &["checkout", "-q", "-b", "back"]);
    run_ok(
        &sandbox,
        &repo,
        &["demote", "foo-app", "--from", "dev,prod"],
    );
    assert_eq!(common::tree(&repo), before);
}

#[test]
fn every_command_run_twice_makes_no_second_commit() {
    let cases: [&[&str]; 5] = [
        &["promote", "foo-app", "--to", "dev"],
        &["promote", "ns", "foo", "--to", "prod"],
        &["demote", "foo-app", "--from", "test"],
        &["make-common", "app", "foo-app"],
        &["make-common", "ns", "foo"],
    ];
    for args in cases {
        let sandbox = Sandbox::new();
        let repo = seed_repo(&sandbox);
        run_ok(&sandbox, &repo, args);
        let state = repo_state(&repo);
        let stderr = run_ok(&sandbox, &repo, args);
        assert!(stderr.contains("Nothing to do"), "{args:?}: {stderr}");
        assert_eq!(repo_state(&repo), state, "{args:?}");
    }
}

#[test]
fn demote_reports_when_nothing_references_the_app_any_more() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let stderr = run_ok(&sandbox, &repo, &["demote", "foo-app", "--from", "test"]);
    assert!(
        stderr.contains("No cluster references app foo-app any more"),
        "{stderr}"
    );
    assert!(
        repo.join("apps/foo-app/base/deployment.yaml").is_file(),
        "definition kept"
    );
    let changes = committed(&sandbox, &repo);
    assert_eq!(changes, ["M clusters/test/apps/kustomization.yaml"]);
    assert!(
        deployments(&repo, "test").is_empty() || !deployments(&repo, "test").contains("foo-app")
    );
}

#[test]
fn something_that_arrives_through_common_cannot_be_demoted_per_cluster() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["demote", "ns", "kyverno", "--from", "prod"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "namespace kyverno reaches prod through the common set",
        ))
        .stderr(predicate::str::contains(
            "clusters/prod/infra/kustomization.yaml:",
        ));
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn make_common_refuses_an_app_with_overlays_unless_forced() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["make-common", "app", "podinfo"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("podinfo is used through overlays"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(repo_state(&repo), before);
    run_ok(
        &sandbox,
        &repo,
        &["make-common", "app", "podinfo", "--force"],
    );
    for cluster in CLUSTERS {
        let objects = rendered_objects(&kustomize(&repo.join(format!("clusters/{cluster}/apps"))));
        assert!(objects.contains(&("Deployment".into(), "podinfo".into(), Some(1))));
    }
}

#[test]
fn with_namespace_promotes_the_apps_namespace_in_the_same_commit() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let stderr = run_ok(&sandbox, &repo, &["promote", "foo-app", "--to", "prod"]);
    assert!(
        stderr.contains("namespace foo (of foo-app) does not reach prod"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fluxfleet promote ns foo --to prod"),
        "{stderr}"
    );

    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    run_ok(
        &sandbox,
        &repo,
        &["promote", "foo-app", "--to", "prod", "--with-namespace"],
    );
    let changes = committed(&sandbox, &repo);
    assert!(changes.contains(&"M clusters/prod/apps/kustomization.yaml".to_string()));
    assert!(changes.contains(&"M clusters/prod/infra/kustomization.yaml".to_string()));
    assert!(namespaces(&repo, "prod").contains("foo"));
    assert!(deployments(&repo, "prod").contains("foo-app"));
    sandbox.fluxfleet(&repo).arg("check").assert().success();
}

#[test]
fn pr_body_shows_the_matrix_before_and_after() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let body = sandbox.work().join("pr.md");
    run_ok(
        &sandbox,
        &repo,
        &[
            "promote",
            "foo-app",
            "--to",
            "prod",
            "--pr-body",
            body.to_str().expect("utf8"),
        ],
    );
    let text = fs::read_to_string(&body).expect("pr body written");
    assert!(text.starts_with("## promote foo-app to prod\n"), "{text}");
    let before = text.split("After:").next().expect("before");
    let after = text.split("After:").nth(1).expect("after");
    assert!(before.contains("| `foo-app` | — | — | ✅"), "{before}");
    assert!(after.contains("| `foo-app` | — | ✅"), "{after}");
    assert!(
        text.contains("- `clusters/prod/apps/kustomization.yaml`"),
        "{text}"
    );
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["--dry-run", "make-common", "ns", "foo"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "rename from infrastructure/namespaces/test-only/ns-foo.yaml\n\
             rename to infrastructure/namespaces/common/ns-foo.yaml\n",
        ))
        .stdout(predicate::str::contains("+- ns-foo.yaml\n"));
    assert_eq!(repo_state(&repo), before);
}

/// Hand-styled lists: comments between entries, 4-space indentation, a flow list, CRLF and no
/// final newline. Only the intended line changes; demote gives back the original bytes.
#[test]
fn hand_styled_lists_keep_everything_but_the_intended_line() {
    let sandbox = Sandbox::new();
    let repo = sandbox.work().join("fleet");
    copy_dir(&fixture(), &repo);
    let dev = "# dev runs what test has proven\napiVersion: kustomize.config.k8s.io/v1beta1\n\
               kind: Kustomization\nresources:\n    # baseline\n    -   ../../../apps/common  \n\n    \
               # podinfo, tuned for dev\n    -   '../../../apps/podinfo/overlays/dev' # replicas 1\n\
               # - ../../../apps/old-app/base\n";
    let prod = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
                resources: [../../../apps/common, ../../../apps/podinfo/overlays/prod]  # keep short\n";
    let test =
        "apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\nresources:\r\n\
                - ../../../apps/common\r\n- ../../../apps/podinfo/overlays/test\r\n\
                - ../../../apps/foo-app/base";
    fs::write(repo.join("clusters/dev/apps/kustomization.yaml"), dev).expect("write");
    fs::write(repo.join("clusters/prod/apps/kustomization.yaml"), prod).expect("write");
    fs::write(repo.join("clusters/test/apps/kustomization.yaml"), test).expect("write");
    sandbox.git(&repo, &["init", "-q", "-b", "main"]);
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "hand-styled"]);
    let before = common::tree(&repo);

    run_ok(&sandbox, &repo, &["promote", "foo-app", "--to", "dev,prod"]);
    let read = |cluster: &str| {
        fs::read_to_string(repo.join(format!("clusters/{cluster}/apps/kustomization.yaml")))
            .expect("read")
    };
    assert_eq!(
        read("dev"),
        "# dev runs what test has proven\napiVersion: kustomize.config.k8s.io/v1beta1\n\
         kind: Kustomization\nresources:\n    # baseline\n    -   ../../../apps/common  \n\n    \
         # podinfo, tuned for dev\n    -   '../../../apps/podinfo/overlays/dev' # replicas 1\n    \
         -   '../../../apps/foo-app/base'\n# - ../../../apps/old-app/base\n"
    );
    assert_eq!(
        read("prod"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
         resources: [../../../apps/common, ../../../apps/podinfo/overlays/prod, \
         ../../../apps/foo-app/base]  # keep short\n"
    );
    assert_eq!(read("test"), test, "test already had it");
    for cluster in CLUSTERS {
        assert!(deployments(&repo, cluster).contains("foo-app"), "{cluster}");
    }

    sandbox.git(&repo, &["checkout", "-q", "-b", "back"]);
    run_ok(
        &sandbox,
        &repo,
        &["demote", "foo-app", "--from", "dev,prod,test"],
    );
    let test_after = read("test");
    assert_eq!(
        test_after,
        "apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\nresources:\r\n\
         - ../../../apps/common\r\n- ../../../apps/podinfo/overlays/test",
        "CRLF kept, and the file still has no final newline"
    );
    fs::write(repo.join("clusters/test/apps/kustomization.yaml"), test).expect("restore test");
    assert_eq!(
        common::tree(&repo),
        before,
        "dev and prod are back to their bytes"
    );
}

#[test]
fn promote_with_overlay_generates_and_references_it() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    run_ok(
        &sandbox,
        &repo,
        &[
            "promote",
            "foo-app",
            "--to",
            "prod",
            "--overlay",
            "--replicas",
            "3",
            "--with-namespace",
        ],
    );
    let changes = committed(&sandbox, &repo);
    assert_eq!(
        changes,
        [
            "A apps/foo-app/overlays/prod/kustomization.yaml",
            "M clusters/prod/apps/kustomization.yaml",
            "M clusters/prod/infra/kustomization.yaml",
            "M clusters/test/infra/kustomization.yaml",
            "R infrastructure/namespaces/test-only/kustomization.yaml -> infrastructure/namespaces/foo/kustomization.yaml",
            "R infrastructure/namespaces/test-only/ns-foo.yaml -> infrastructure/namespaces/foo/namespace.yaml",
        ]
    );
    assert_changed_files_match("app-with-overlay", &repo, &changes);
    let prod = rendered_objects(&kustomize(&repo.join("clusters/prod/apps")));
    assert!(
        prod.contains(&("Deployment".into(), "foo-app".into(), Some(3))),
        "{prod:?}"
    );
    assert!(namespaces(&repo, "prod").contains("foo"));
    sandbox.fluxfleet(&repo).arg("check").assert().success();

    sandbox
        .fluxfleet(&repo)
        .args(["promote", "foo-app", "--to", "dev", "--overlay"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "give --replicas, --image or --env",
        ));
}

#[test]
fn promote_a_namespace_into_a_named_set() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    run_ok(
        &sandbox,
        &repo,
        &[
            "promote",
            "ns",
            "foo",
            "--to",
            "prod",
            "--set",
            "customer-facing",
        ],
    );
    let changes = committed(&sandbox, &repo);
    assert_eq!(
        changes,
        [
            "M clusters/prod/infra/kustomization.yaml",
            "M clusters/test/infra/kustomization.yaml",
            "R infrastructure/namespaces/test-only/kustomization.yaml -> infrastructure/namespaces/customer-facing/kustomization.yaml",
            "R infrastructure/namespaces/test-only/ns-foo.yaml -> infrastructure/namespaces/customer-facing/ns-foo.yaml",
        ]
    );
    assert_changed_files_match("ns-into-set", &repo, &changes);
    for (cluster, has) in [("dev", false), ("test", true), ("prod", true)] {
        assert_eq!(namespaces(&repo, cluster).contains("foo"), has, "{cluster}");
    }
    sandbox.fluxfleet(&repo).arg("check").assert().success();
}

#[test]
fn a_namespace_in_common_is_already_everywhere() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let before = repo_state(&repo);
    let stderr = run_ok(
        &sandbox,
        &repo,
        &["promote", "ns", "kyverno", "--to", "all"],
    );
    assert!(
        stderr.contains("prod already has namespace kyverno through"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing to do"), "{stderr}");
    assert_eq!(repo_state(&repo), before);
}

/// Adds namespace `bar` to the test-only set of a committed seed fleet.
fn with_bar_in_test_only(sandbox: &Sandbox, repo: &Path) {
    let set = repo.join("infrastructure/namespaces/test-only");
    fs::write(
        set.join("ns-bar.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bar\n",
    )
    .expect("write");
    let list = set.join("kustomization.yaml");
    let text = fs::read_to_string(&list).expect("read");
    fs::write(&list, format!("{text}- ns-bar.yaml\n")).expect("write");
    sandbox.git(repo, &["commit", "-qam", "bar", "--no-verify"]);
    sandbox.git(repo, &["add", "-A"]);
    sandbox.git(repo, &["commit", "-qm", "bar manifest", "--allow-empty"]);
}

#[test]
fn demote_a_namespace_out_of_a_shared_set_splits_it_off() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    with_bar_in_test_only(&sandbox, &repo);
    let stderr = run_ok(&sandbox, &repo, &["demote", "ns", "foo", "--from", "test"]);
    assert!(
        stderr.contains("foo-app still deploys into namespace foo in test"),
        "{stderr}"
    );
    assert!(
        stderr.contains("left set test-only for its own directory"),
        "{stderr}"
    );
    let test = namespaces(&repo, "test");
    assert!(test.contains("bar") && !test.contains("foo"), "{test:?}");
    assert!(repo
        .join("infrastructure/namespaces/foo/namespace.yaml")
        .is_file());
}

#[test]
fn promote_into_the_set_it_is_in_imports_the_set_and_names_what_comes_along() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    with_bar_in_test_only(&sandbox, &repo);
    let stderr = run_ok(
        &sandbox,
        &repo,
        &["promote", "ns", "foo", "--to", "prod", "--set", "test-only"],
    );
    assert!(
        stderr.contains("set test-only also holds bar: prod now import it"),
        "{stderr}"
    );
    assert_eq!(
        committed(&sandbox, &repo),
        ["M clusters/prod/infra/kustomization.yaml"]
    );
    assert!(namespaces(&repo, "prod").contains("foo"));
}

#[test]
fn make_common_refuses_to_take_the_thing_out_of_a_cluster_without_common() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let list = repo.join("clusters/test/apps/kustomization.yaml");
    let text = fs::read_to_string(&list).expect("read");
    fs::write(&list, text.replace("- ../../../apps/common\n", "")).expect("write");
    sandbox.git(&repo, &["commit", "-qam", "test without common"]);
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["make-common", "app", "foo-app"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "app foo-app runs in test (clusters/test/apps/kustomization.yaml:",
        ))
        .stderr(predicate::str::contains("which do not import apps/common"));
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn overlay_values_reach_clusters_that_already_run_the_app() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    run_ok(
        &sandbox,
        &repo,
        &[
            "promote",
            "podinfo",
            "--to",
            "prod",
            "--overlay",
            "--replicas",
            "5",
        ],
    );
    assert_eq!(
        committed(&sandbox, &repo),
        ["M apps/podinfo/overlays/prod/kustomization.yaml"]
    );
    let prod = rendered_objects(&kustomize(&repo.join("clusters/prod/apps")));
    assert!(
        prod.contains(&("Deployment".into(), "podinfo".into(), Some(5))),
        "{prod:?}"
    );
}

#[test]
fn a_reference_to_something_not_committed_is_refused() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    run_ok(
        &sandbox,
        &repo,
        &[
            "--no-commit",
            "add-app",
            "bar",
            "--namespace",
            "team-x",
            "--image",
            "nginx:1.27",
            "--port",
            "80",
            "--clusters",
            "test",
        ],
    );
    sandbox.git(&repo, &["checkout", "--", "clusters"]);
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["promote", "bar", "--to", "dev"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "references apps/bar/base which HEAD does not have",
        ));
    assert_eq!(repo_state(&repo), before);
    sandbox
        .fluxfleet(&repo)
        .args(["--no-commit", "promote", "bar", "--to", "dev"])
        .assert()
        .success();
}

#[test]
fn a_dry_run_says_when_the_real_run_would_be_refused() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    sandbox.git(&repo, &["branch", "fluxfleet/promote-foo-app-to-dev"]);
    sandbox
        .fluxfleet(&repo)
        .args(["--dry-run", "promote", "foo-app", "--to", "dev"])
        .assert()
        .success()
        .stdout(predicate::str::contains("+- ../../../apps/foo-app/base"))
        .stderr(predicate::str::contains(
            "warning: the real run would be refused: branch \"fluxfleet/promote-foo-app-to-dev\" exists already",
        ));
}

#[test]
fn the_identity_can_come_from_the_environment_as_with_git() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    sandbox
        .fluxfleet(&repo)
        .env("HOME", sandbox.work())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Cy Committer")
        .env("GIT_COMMITTER_EMAIL", "cy@example.com")
        .args(["promote", "foo-app", "--to", "dev"])
        .assert()
        .success();
    assert_eq!(
        sandbox
            .git(&repo, &["log", "-1", "--format=%an <%ae> / %cn <%ce>"])
            .trim(),
        "Ada Author <ada@example.com> / Cy Committer <cy@example.com>"
    );
}

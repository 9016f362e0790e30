//! add-app, add-ns, add-overlay and add-cluster: golden cases (`tests/cases/<command>/<case>/
//! {in,args,out,stderr}`) run with the real binary in a git repository, every cluster
//! entrypoint rendered with kustomize; refusals leave the repository byte for byte as it was.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{assert_tree_matches, kustomize, repo_state, Sandbox};

fn cases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// A sandbox whose work directory holds `input` committed on main.
fn repository(input: &Path) -> (Sandbox, PathBuf) {
    let sandbox = Sandbox::new();
    let repo = sandbox.work();
    sandbox.commit_copy(input, &repo, |_| {});
    (sandbox, repo)
}

/// Renders every cluster entrypoint and list under `repo/clusters`.
fn assert_clusters_build(repo: &Path) {
    for entry in fs::read_dir(repo.join("clusters")).expect("clusters/") {
        let dir = entry.expect("entry").path();
        for part in ["", "infra", "apps"] {
            kustomize(&dir.join(part));
        }
    }
}

/// Runs one golden case: the command in `args` succeeds with one commit on a new branch, the
/// tree matches `out/`, stderr holds each line of `stderr`, and every cluster still builds.
fn golden(case: &str) {
    let dir = cases().join(case);
    let (sandbox, repo) = repository(&dir.join("in"));
    let args = fs::read_to_string(dir.join("args")).expect("args");
    let args: Vec<&str> = args.lines().collect();
    let output = sandbox.fluxfleet(&repo).args(&args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{case} failed:\n{stderr}");
    if let Ok(expected) = fs::read_to_string(dir.join("stderr")) {
        for line in expected.lines() {
            assert!(
                stderr.contains(line),
                "{case}: stderr lacks {line:?}:\n{stderr}"
            );
        }
    }
    assert_tree_matches(&dir.join("out"), &repo);
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    assert_eq!(
        sandbox
            .git(&repo, &["rev-list", "--count", "main..HEAD"])
            .trim(),
        "1",
        "{case}: one commit on the new branch"
    );
    assert_clusters_build(&repo);
}

macro_rules! golden {
    ($($test:ident => $case:literal,)*) => {$(
        #[test]
        fn $test() {
            golden($case);
        }
    )*};
}

golden! {
    add_app_seed_podinfo => "add-app/seed-podinfo",
    add_app_keeps_hand_styled_lists => "add-app/hand-styled-lists",
    add_app_common_is_listed_in_apps_common => "add-app/common",
    add_app_says_where_the_namespace_is_missing => "add-app/namespace-missing",
    add_ns_own_dir_keeps_hand_styled_lists => "add-ns/own-dir-hand-styled-lists",
    add_ns_new_set => "add-ns/new-set",
    add_ns_existing_set_with_labels => "add-ns/existing-set-with-labels",
    add_ns_common => "add-ns/common",
    add_overlay_seed_dev => "add-overlay/seed-dev",
    add_overlay_env_keeps_the_list_comment => "add-overlay/env-hand-styled-list",
    add_overlay_updates_the_seed_overlay => "add-overlay/update-seed-fixture",
    add_overlay_updates_the_image_tag => "add-overlay/update-image-tag",
    add_overlay_for_a_cluster_without_the_app => "add-overlay/not-listed",
    add_cluster_plain => "add-cluster/plain",
    add_cluster_like_test => "add-cluster/like-test",
}

/// Runs `args` on a copy of the seed fleet (optionally changed by `prepare`) and checks that
/// it fails with `code`, says `message`, and leaves the repository exactly as it was.
fn refused(args: &[&str], code: i32, message: &str, prepare: impl FnOnce(&Path)) {
    let sandbox = Sandbox::new();
    let repo = sandbox.work();
    sandbox.commit_copy(&common::seed_fixture(), &repo, prepare);
    let before = repo_state(&repo);
    let output = sandbox.fluxfleet(&repo).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{args:?}:\n{stderr}");
    assert!(
        stderr.contains(message),
        "{args:?}: expected {message:?} in:\n{stderr}"
    );
    assert_eq!(repo_state(&repo), before, "{args:?} changed the repository");
}

fn nothing(_: &Path) {}

#[test]
fn taken_names_are_refused_with_their_definition() {
    refused(
        &[
            "add-app",
            "podinfo",
            "--namespace",
            "team-x",
            "--image",
            "nginx",
            "--port",
            "80",
            "--clusters",
            "dev",
        ],
        1,
        "app podinfo exists already: it is defined in apps/podinfo/",
        nothing,
    );
    refused(
        &["add-ns", "foo", "--clusters", "dev"],
        1,
        "namespace foo exists already: it is defined in \
         infrastructure/namespaces/test-only/ns-foo.yaml:4 (set test-only)",
        nothing,
    );
    refused(
        &[
            "add-ns",
            "kyverno",
            "--set",
            "customer-facing",
            "--clusters",
            "prod",
        ],
        1,
        "infrastructure/namespaces/common/ns-kyverno.yaml:4 (set common)",
        nothing,
    );
    refused(
        &["add-cluster", "test"],
        1,
        "cluster test exists already: its entrypoint is clusters/test/",
        nothing,
    );
}

#[test]
fn unknown_clusters_and_apps_are_refused_with_suggestions() {
    refused(
        &[
            "add-app",
            "web",
            "--namespace",
            "team-x",
            "--image",
            "nginx",
            "--port",
            "80",
            "--clusters",
            "dev,prd",
        ],
        1,
        "unknown cluster \"prd\" in --clusters; did you mean prod?",
        nothing,
    );
    refused(
        &[
            "add-overlay",
            "podinfoo",
            "--cluster",
            "dev",
            "--replicas",
            "2",
        ],
        1,
        "unknown app \"podinfoo\"",
        nothing,
    );
    refused(
        &[
            "add-overlay",
            "podinfo",
            "--cluster",
            "staging",
            "--replicas",
            "2",
        ],
        1,
        "unknown cluster \"staging\" in --cluster",
        nothing,
    );
    refused(
        &["add-cluster", "staging", "--like", "tset"],
        1,
        "unknown cluster \"tset\" in --like; did you mean test?",
        nothing,
    );
}

#[test]
fn bad_names_and_values_are_refused() {
    refused(
        &["add-ns", "Team_X", "--clusters", "dev"],
        1,
        "invalid namespace name \"Team_X\": names are RFC 1123 labels",
        nothing,
    );
    refused(
        &[
            "add-app",
            "web",
            "--namespace",
            "team-x",
            "--image",
            "nginx latest",
            "--port",
            "80",
            "--clusters",
            "dev",
        ],
        1,
        "invalid image \"nginx latest\"",
        nothing,
    );
    refused(
        &[
            "add-ns",
            "payments",
            "--clusters",
            "dev",
            "--label",
            "team=a b",
        ],
        1,
        "invalid value \"a b\" for label team",
        nothing,
    );
    refused(
        &["add-cluster", "base"],
        1,
        "cluster name \"base\" is reserved",
        nothing,
    );
    refused(
        &[
            "add-overlay",
            "podinfo",
            "--cluster",
            "dev",
            "--replicas",
            "0",
        ],
        2,
        "absence is absence",
        nothing,
    );
}

#[test]
fn missing_flags_are_named_without_a_terminal() {
    refused(
        &[
            "--yes",
            "add-app",
            "web",
            "--image",
            "nginx",
            "--port",
            "80",
            "--clusters",
            "dev",
        ],
        2,
        "missing --namespace",
        nothing,
    );
    refused(
        &[
            "--yes",
            "add-app",
            "web",
            "--namespace",
            "team-x",
            "--port",
            "80",
            "--clusters",
            "dev",
        ],
        2,
        "missing --image",
        nothing,
    );
    refused(
        &[
            "add-app",
            "web",
            "--namespace",
            "team-x",
            "--image",
            "nginx",
            "--clusters",
            "dev",
        ],
        2,
        "missing --port",
        nothing,
    );
    refused(
        &["--yes", "add-ns", "payments"],
        2,
        "missing --clusters",
        nothing,
    );
    refused(&["--yes", "add-ns"], 2, "missing NAME", nothing);
    refused(
        &["add-ns", "payments", "--set", "common", "--clusters", "dev"],
        2,
        "--clusters does not apply to the common set",
        nothing,
    );
    refused(
        &["add-overlay", "foo-app", "--cluster", "test"],
        2,
        "give --replicas, --image or --env",
        nothing,
    );
}

#[test]
fn an_overlay_that_cannot_be_updated_safely_is_left_alone() {
    // The replicas line carries a comment: not the shape fluxfleet edits.
    refused(
        &[
            "add-overlay",
            "podinfo",
            "--cluster",
            "dev",
            "--replicas",
            "4",
        ],
        1,
        "cannot update apps/podinfo/overlays/dev/kustomization.yaml safely",
        |repo| {
            let file = repo.join("apps/podinfo/overlays/dev/kustomization.yaml");
            let text = fs::read_to_string(&file).expect("read");
            let text = text.replace("replicas: 1", "replicas: 1 # pinned for the demo");
            fs::write(&file, text).expect("write");
        },
    );
    // An images entry pinned by digest cannot take a tag.
    refused(
        &[
            "add-overlay",
            "podinfo",
            "--cluster",
            "dev",
            "--image",
            "ghcr.io/stefanprodan/podinfo:6.9.1",
        ],
        1,
        "the `images:` entry for ghcr.io/stefanprodan/podinfo has no `newTag`",
        |repo| {
            let file = repo.join("apps/podinfo/overlays/dev/kustomization.yaml");
            let mut text = fs::read_to_string(&file).expect("read");
            text.push_str("images:\n- name: ghcr.io/stefanprodan/podinfo\n  digest: sha256:0123\n");
            fs::write(&file, text).expect("write");
        },
    );
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let (sandbox, repo) = repository(&common::seed_fixture());
    let before = repo_state(&repo);
    let output = sandbox
        .fluxfleet(&repo)
        .args([
            "--dry-run",
            "add-overlay",
            "podinfo",
            "--cluster",
            "prod",
            "--replicas",
            "4",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("-      replicas: 3\n+      replicas: 4\n"),
        "{stdout}"
    );
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn an_unchanged_overlay_is_nothing_to_do() {
    let (sandbox, repo) = repository(&common::seed_fixture());
    let before = repo_state(&repo);
    let output = sandbox
        .fluxfleet(&repo)
        .args([
            "add-overlay",
            "podinfo",
            "--cluster",
            "prod",
            "--replicas",
            "3",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Nothing to do"));
    assert_eq!(repo_state(&repo), before);
}

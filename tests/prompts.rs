//! The interactive path: values left off the command line are asked for, through the prompt
//! module with scripted answers, and the answers are used exactly as flags would be.

mod common;

use std::sync::{Arc, Mutex};

use clap::Parser;
use fluxfleet::cli::Cli;
use fluxfleet::interactive::Scripted;
use fluxfleet::output::Shell;

/// A writer the test can read back after the run.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// Runs `args` in-process with scripted answers; returns the result, stderr and the prompts.
pub fn run_scripted(
    args: &[&str],
    answers: &[&str],
) -> (fluxfleet::Result<()>, String, Vec<String>) {
    let cli = Cli::try_parse_from(std::iter::once("fluxfleet").chain(args.iter().copied()))
        .expect("arguments parse");
    let err = Captured::default();
    let mut shell = Shell::capture(Box::new(Captured::default()), Box::new(err.clone()));
    let mut prompter = Scripted::new(answers.iter().copied());
    let result = fluxfleet::run_with(cli, &mut shell, &mut prompter);
    (result, err.text(), prompter.asked)
}

/// git2 reads the committer identity from HOME, which is global to the test process: one
/// sandbox's home serves every test here and lives as long as the process.
fn git_identity() {
    static HOME: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let sandbox = common::Sandbox::new();
        let home = sandbox.home();
        std::env::set_var("HOME", &home);
        std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
        std::mem::forget(sandbox);
        home
    });
}

#[test]
fn init_asks_for_the_clusters() {
    let sandbox = common::Sandbox::new();
    let dir = sandbox.work().join("fleet");
    let dir_arg = dir.display().to_string();
    git_identity();
    let (result, stderr, asked) = run_scripted(&["init", &dir_arg], &["dev,prod"]);
    result.expect("init succeeds");
    assert_eq!(
        asked,
        ["Clusters (--clusters, comma-separated, e.g. dev,test,prod)"]
    );
    assert!(stderr.contains("--path=clusters/prod"), "{stderr}");
    assert!(dir.join("clusters/prod/apps/kustomization.yaml").is_file());
    assert!(!dir.join("clusters/test").exists());
    common::kustomize(&dir.join("clusters/dev"));
}

/// A copy of the seed fleet committed in a fresh sandbox, with git's identity in HOME.
fn seed_repository() -> (common::Sandbox, std::path::PathBuf) {
    let sandbox = common::Sandbox::new();
    let repo = sandbox.work();
    sandbox.commit_copy(&common::seed_fixture(), &repo, |_| {});
    git_identity();
    (sandbox, repo)
}

#[test]
fn add_app_asks_for_namespace_image_port_and_clusters() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let (result, stderr, asked) = run_scripted(
        &["-C", &dir, "add-app", "web"],
        &["team-x", "nginx:1.27", "8080", "dev,prod"],
    );
    result.expect("add-app succeeds");
    assert_eq!(
        asked,
        [
            "Namespace web runs in (--namespace)",
            "Container image (--image, e.g. ghcr.io/stefanprodan/podinfo:6.9.0)",
            "Container port (--port)",
            "Clusters that run web (--clusters)",
        ]
    );
    assert!(stderr.contains("add app web to dev, prod"), "{stderr}");
    let deployment =
        std::fs::read_to_string(repo.join("apps/web/base/deployment.yaml")).expect("base");
    assert!(deployment.contains("namespace: team-x"));
    assert!(deployment.contains("image: nginx:1.27"));
    assert!(deployment.contains("containerPort: 8080"));
    for cluster in ["dev", "prod"] {
        let list = std::fs::read_to_string(
            repo.join(format!("clusters/{cluster}/apps/kustomization.yaml")),
        )
        .expect("list");
        assert!(
            list.contains("- ../../../apps/web/base"),
            "{cluster}: {list}"
        );
        common::kustomize(&repo.join(format!("clusters/{cluster}/apps")));
    }
    let test =
        std::fs::read_to_string(repo.join("clusters/test/apps/kustomization.yaml")).expect("list");
    assert!(!test.contains("apps/web"));
}

#[test]
fn add_ns_asks_for_the_name_and_clusters() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let (result, _stderr, asked) = run_scripted(&["-C", &dir, "add-ns"], &["payments", "prod"]);
    result.expect("add-ns succeeds");
    assert_eq!(
        asked,
        [
            "Name of the namespace (NAME)",
            "Clusters that import namespace payments (--clusters)"
        ]
    );
    assert!(repo
        .join("infrastructure/namespaces/payments/namespace.yaml")
        .is_file());
    let prod =
        std::fs::read_to_string(repo.join("clusters/prod/infra/kustomization.yaml")).expect("list");
    assert!(prod.contains("- ../../../infrastructure/namespaces/payments"));
    common::kustomize(&repo.join("clusters/prod/infra"));
}

/// Runs `args` in-process with scripted answers, as [`run_scripted`], and also returns what
/// the prompter was told about refused answers.
fn run_told(args: &[&str], answers: &[&str]) -> (fluxfleet::Result<()>, Vec<String>, Vec<String>) {
    let cli = Cli::try_parse_from(std::iter::once("fluxfleet").chain(args.iter().copied()))
        .expect("arguments parse");
    let mut shell = Shell::capture(Box::new(Captured::default()), Box::new(Captured::default()));
    let mut prompter = Scripted::new(answers.iter().copied());
    let result = fluxfleet::run_with(cli, &mut shell, &mut prompter);
    (result, prompter.asked, prompter.told)
}

#[test]
fn a_bad_answer_is_refused_like_a_bad_flag_and_asked_again() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let (result, asked, told) = run_told(
        &["-C", &dir, "add-app", "Web_1", "--namespace", "team-x"],
        &[],
    );
    // The name given on the command line is refused at once; nothing is asked.
    let error = result.expect_err("a bad NAME is refused").to_string();
    assert!(error.starts_with("invalid app name \"Web_1\""), "{error}");
    assert!(asked.is_empty() && told.is_empty(), "{asked:?} {told:?}");

    let before = common::repo_state(&repo);
    let (result, asked, told) = run_told(
        &["-C", &dir, "add-app", "web", "--namespace", "team-x"],
        &["Nginx", "nginx:1.27", "http", "0", "8080", "", "dev"],
    );
    result.expect("the good answers are taken");
    assert_eq!(
        asked,
        [
            "Container image (--image, e.g. ghcr.io/stefanprodan/podinfo:6.9.0)",
            "Container image (--image, e.g. ghcr.io/stefanprodan/podinfo:6.9.0)",
            "Container port (--port)",
            "Container port (--port)",
            "Container port (--port)",
            "Clusters that run web (--clusters)",
            "Clusters that run web (--clusters)",
        ]
    );
    let image_refused = fluxfleet::plan::values::image("Nginx")
        .expect_err("upper case is refused")
        .to_string();
    assert_eq!(
        told,
        [
            image_refused.as_str(),
            "--port \"http\": expected a port number, 1 to 65535",
            "--port 0: give the container's port, 1 to 65535",
            "pick at least one cluster: space ticks the one under the cursor",
        ]
    );
    assert_ne!(common::repo_state(&repo), before);
}

#[test]
fn without_a_terminal_every_missing_flag_is_named_at_once() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let cli = Cli::try_parse_from(["fluxfleet", "-C", &dir, "add-app", "web"]).expect("parse");
    let mut shell = Shell::capture(Box::new(Captured::default()), Box::new(Captured::default()));
    let result = fluxfleet::run_with(cli, &mut shell, &mut fluxfleet::interactive::NoPrompts);
    assert_eq!(
        result.expect_err("flags are missing").to_string(),
        "missing --namespace, --image, --port, --clusters: add-app NAME --namespace NS --image \
         IMAGE --port PORT --clusters C,...|all (or --common) (nothing is asked with --yes or \
         without a terminal)"
    );
}

#[test]
fn esc_in_a_picker_cancels_and_writes_nothing() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let before = common::repo_state(&repo);
    let (result, asked, _) = run_told(&["-C", &dir, "promote", "foo-app"], &[Scripted::ESC]);
    assert!(
        matches!(result, Err(fluxfleet::Error::Cancelled)),
        "{result:?}"
    );
    // foo-app runs in test already: the picker offers the others only.
    assert_eq!(asked, ["Promote foo-app to which clusters? (--to)"]);
    assert_eq!(common::repo_state(&repo), before);
}

#[test]
fn demote_asks_before_flux_prunes_and_a_no_cancels() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let before = common::repo_state(&repo);
    let (result, asked, _) = run_told(&["-C", &dir, "demote", "app", "podinfo"], &["dev", "no"]);
    assert!(
        matches!(result, Err(fluxfleet::Error::Cancelled)),
        "{result:?}"
    );
    assert_eq!(
        asked,
        [
            "Demote podinfo from which clusters? (--from)",
            "Remove app podinfo from dev? Flux then deletes it there (prune: true)",
        ]
    );
    assert_eq!(common::repo_state(&repo), before);

    let (result, stderr, asked) =
        run_scripted(&["-C", &dir, "demote", "app", "podinfo"], &["dev", "yes"]);
    result.expect("a yes demotes");
    assert_eq!(asked.len(), 2);
    assert!(
        stderr.contains(
            "Flux prunes what leaves a cluster (prune: true): once it syncs this change, app \
             podinfo is deleted from dev, with the objects it made there"
        ),
        "{stderr}"
    );
}

#[test]
fn add_controller_asks_for_chart_repository_version_and_clusters() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let (result, stderr, asked) = run_scripted(
        &["-C", &dir, "add-controller", "cert-manager"],
        // An empty answer takes the chart's default: the controller's name.
        &["", "https://charts.jetstack.io", "v1.16.2", "dev,prod"],
    );
    result.expect("add-controller succeeds");
    assert_eq!(
        asked,
        [
            "Helm chart name (--chart, e.g. kyverno)",
            "Chart repository URL (--repo-url, https://... or oci://...)",
            "Chart version (--version, e.g. 3.2.6)",
            "Clusters that run controller cert-manager (--clusters)",
        ]
    );
    assert!(
        stderr.contains("add controller cert-manager to dev, prod"),
        "{stderr}"
    );
    let release = std::fs::read_to_string(
        repo.join("infrastructure/controllers/cert-manager/helmrelease.yaml"),
    )
    .expect("the HelmRelease");
    assert!(release.contains("chart: cert-manager"), "{release}");
    assert!(release.contains("version: v1.16.2"), "{release}");
    for cluster in ["dev", "prod"] {
        let list = std::fs::read_to_string(
            repo.join(format!("clusters/{cluster}/infra/kustomization.yaml")),
        )
        .expect("infra list");
        assert!(
            list.contains("../../../infrastructure/controllers/cert-manager"),
            "{list}"
        );
        common::kustomize(&repo.join(format!("clusters/{cluster}")));
    }
}

#[test]
fn add_ns_into_a_set_new_to_a_cluster_asks_before_bringing_its_members() {
    let (_sandbox, repo) = seed_repository();
    let dir = repo.display().to_string();
    let args = [
        "-C",
        &dir,
        "add-ns",
        "baz",
        "--set",
        "test-only",
        "--clusters",
        "test,dev",
    ];
    let question = "Set test-only also holds foo: import it into dev, which then receive it too?";

    let (result, _stderr, asked) = run_scripted(&args, &["no"]);
    let refusal = result.expect_err("a no refuses").to_string();
    assert_eq!(asked, [question]);
    assert!(refusal.contains("--import-set"), "{refusal}");
    assert!(!repo
        .join("infrastructure/namespaces/test-only/ns-baz.yaml")
        .exists());

    let (result, stderr, asked) = run_scripted(&args, &["yes"]);
    result.expect("a yes imports the set");
    assert_eq!(asked, [question]);
    assert!(
        stderr.contains("dev now import set test-only and receive foo too"),
        "{stderr}"
    );
    let dev =
        std::fs::read_to_string(repo.join("clusters/dev/infra/kustomization.yaml")).expect("list");
    assert!(dev.contains("infrastructure/namespaces/test-only"), "{dev}");
    common::kustomize(&repo.join("clusters/dev/infra"));
}

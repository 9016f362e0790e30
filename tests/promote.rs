//! The seed's promotion workflows on a fleet in the seed's end state: what kustomize renders for
//! each cluster afterwards, round trips, and runs that need more than one command. The exact
//! bytes, messages and commits of single runs are golden cases under `tests/cases/promote/`.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, kustomize, rendered_objects, Sandbox};

const CLUSTERS: [&str; 3] = ["dev", "test", "prod"];

fn fixture() -> PathBuf {
    common::seed_fixture()
}

/// The seed fixture committed on `main` of a new repository.
fn seed_repo(sandbox: &Sandbox) -> PathBuf {
    sandbox.seed_repo()
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

fn run_ok(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> String {
    let out = sandbox.fluxfleet(repo).args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
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
        &[
            "promote", "app", "podinfo", "--to", "prod", "--base", "again",
        ],
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
    // The app's namespace first: promoting the app alone would bring it along.
    run_ok(
        &sandbox,
        &repo,
        &["promote", "ns", "foo", "--to", "dev,prod"],
    );
    let before = common::tree(&repo);
    run_ok(&sandbox, &repo, &["promote", "foo-app", "--to", "dev,prod"]);
    assert_ne!(common::tree(&repo), before);
    sandbox.git(&repo, &["checkout", "-q", "-b", "back"]);
    run_ok(
        &sandbox,
        &repo,
        &["demote", "foo-app", "--from", "dev,prod", "--base", "back"],
    );
    assert_eq!(common::tree(&repo), before);
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
    // The app's namespace first: promoting the app alone would bring it along.
    run_ok(
        &sandbox,
        &repo,
        &["promote", "ns", "foo", "--to", "dev,prod"],
    );
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
        &[
            "demote",
            "foo-app",
            "--from",
            "dev,prod,test",
            "--base",
            "back",
        ],
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

/// The promotions whose exact result is a golden case (`tests/cases/promote/`) leave a fleet
/// that `check` finds clean.
#[test]
fn promoted_fleets_pass_check() {
    let cases: [&[&str]; 3] = [
        &["promote", "foo-app", "--to", "prod", "--with-namespace"],
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
        &[
            "promote",
            "ns",
            "foo",
            "--to",
            "prod",
            "--set",
            "customer-facing",
        ],
    ];
    for args in cases {
        let sandbox = Sandbox::new();
        let repo = seed_repo(&sandbox);
        run_ok(&sandbox, &repo, args);
        sandbox.fluxfleet(&repo).arg("check").assert().success();
    }
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

/// The render gate's shortcut renders the entries a change adds; an added manifest renders with
/// its list, and that list is the file the change writes: it must be rendered as the change
/// leaves it, not as the working tree has it while the run writes beside the gate.
#[test]
fn the_render_gate_renders_an_added_manifest_with_its_list_as_changed() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let set = repo.join("infrastructure/namespaces/test-only");
    // A second manifest of the namespace the set already brings: listing it makes kustomize
    // refuse the duplicate.
    fs::copy(set.join("ns-foo.yaml"), set.join("ns-foo-again.yaml")).unwrap();
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "a second foo"]);
    let list = Path::new("infrastructure/namespaces/test-only/kustomization.yaml");
    let before = fs::read_to_string(repo.join(list)).unwrap();
    assert!(before.ends_with("- ns-foo.yaml\n"), "{before}");
    let after = format!("{before}- ns-foo-again.yaml\n");

    let git = git2::Repository::open(&repo).unwrap();
    let head = git.head().unwrap().peel_to_commit().unwrap().id();
    let files = [(list.to_path_buf(), Some(after.into_bytes()))];
    let broken = fluxfleet::rendered::breaks(&git, "main", head, &files).unwrap();
    let message = broken.expect("the duplicate namespace breaks the set's render");
    assert!(
        message.starts_with("infrastructure/namespaces/test-only does not render")
            && message.contains("already registered id"),
        "{message}"
    );
    // Nothing was written to the working tree to find that out.
    assert_eq!(fs::read_to_string(repo.join(list)).unwrap(), before);
}

/// Two directories a change adds to one list (here an app and a second app that is its twin)
/// are rendered together, in one kustomize run; what that cannot tell apart is rendered one by
/// one, so the gate answers as it would for each on its own.
#[test]
fn the_render_gate_judges_added_directories_each_on_its_own() {
    let sandbox = Sandbox::new();
    let repo = seed_repo(&sandbox);
    let configmap = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n")
    };
    let write_app = |app: &str, manifest: &str| {
        let dir = repo.join("apps").join(app).join("base");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("configmap.yaml"), manifest).unwrap();
        fs::write(
            dir.join("kustomization.yaml"),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n\
             - configmap.yaml\n",
        )
        .unwrap();
    };
    // `twin-a` and `twin-b` make the same ConfigMap: together kustomize refuses the second,
    // each on its own renders. `broken` lists a file that is not there.
    write_app("twin-a", &configmap("same"));
    write_app("twin-b", &configmap("same"));
    write_app("broken", &configmap("broken"));
    fs::remove_file(repo.join("apps/broken/base/configmap.yaml")).unwrap();
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "three apps"]);

    let git = git2::Repository::open(&repo).unwrap();
    let head = git.head().unwrap().peel_to_commit().unwrap().id();
    let list = Path::new("clusters/prod/apps/kustomization.yaml");
    let before = fs::read_to_string(repo.join(list)).unwrap();
    let adding = |apps: &[&str]| {
        let mut after = before.clone();
        for app in apps {
            after.push_str(&format!("- ../../../apps/{app}/base\n"));
        }
        fluxfleet::rendered::breaks(&git, "main", head, &[(list.into(), Some(after.into()))])
            .unwrap()
    };
    assert_eq!(adding(&["twin-a", "twin-b"]), None);
    let broken = adding(&["twin-a", "broken"]).expect("broken does not render");
    assert!(
        broken
            .starts_with("apps/broken/base does not render: `kubectl kustomize apps/broken/base`"),
        "{broken}"
    );
}

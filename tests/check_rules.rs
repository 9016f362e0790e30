//! Each rule of `check`, triggered by breaking one thing in a copy of the seed fixture.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, Sandbox};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-fleet")
}

/// Runs `check` (with `args`) on a copy of the fixture changed by `breaking`; returns the exit
/// code and stdout.
fn check_broken(args: &[&str], breaking: impl FnOnce(&Path)) -> (i32, String) {
    let sandbox = Sandbox::new();
    let dir = sandbox.work().join("fleet");
    copy_dir(&fixture(), &dir);
    breaking(&dir);
    let out = sandbox
        .fluxfleet(&dir)
        .arg("check")
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Asserts an error at `location` whose message contains `message` (and fix `fix`).
fn assert_error(out: &str, location: &str, message: &str, fix: &str) {
    let wanted = format!("error: {location}: ");
    let found = out.split("\nerror: ").map(|s| {
        if s.starts_with("error: ") {
            s.to_string()
        } else {
            format!("error: {s}")
        }
    });
    assert!(
        found
            .clone()
            .any(|f| f.starts_with(&wanted) && f.contains(message) && f.contains(fix)),
        "no error at {location} with {message:?} / {fix:?} in:\n{out}"
    );
}

#[test]
fn a_reference_that_does_not_resolve() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/dev/apps/kustomization.yaml",
            "overlays/dev",
            "overlays/dve",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/dev/apps/kustomization.yaml:5",
        "../../../apps/podinfo/overlays/dve does not resolve",
        "fix: did you mean ../../../apps/podinfo/overlays/dev?",
    );
}

#[test]
fn a_reference_to_a_directory_without_kustomization() {
    let (code, out) = check_broken(&[], |d| {
        fs::remove_file(d.join("apps/foo-app/base/kustomization.yaml")).unwrap()
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/test/apps/kustomization.yaml:6",
        "a directory without kustomization.yaml",
        "add apps/foo-app/base/kustomization.yaml",
    );
}

#[test]
fn a_file_reference_that_exists_and_a_remote_one_are_fine() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/dev/apps/kustomization.yaml",
            "- ../../../apps/common\n",
            "- ../../../apps/common\n- ./extra.yaml\n- github.com/org/repo//deploy?ref=v1.0.0\n",
        );
        write(
            d,
            "clusters/dev/apps/extra.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
        );
    });
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn a_cluster_without_infra_yaml() {
    let (code, out) = check_broken(&[], |d| {
        fs::remove_file(d.join("clusters/prod/infra.yaml")).unwrap()
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/prod/kustomization.yaml:3",
        "cluster prod has no infra.yaml",
        "create clusters/prod/infra.yaml",
    );
}

#[test]
fn an_entry_that_does_not_list_apps_yaml() {
    let (code, out) = check_broken(&[], |d| {
        edit(d, "clusters/test/kustomization.yaml", "- ./apps.yaml\n", "")
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/test/kustomization.yaml:3",
        "does not list ./apps.yaml: Flux never applies it",
        "add `- ./apps.yaml`",
    );
}

#[test]
fn a_cluster_that_reconciles_another_clusters_tree() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/prod/apps.yaml",
            "./clusters/prod/apps",
            "./clusters/dev/apps",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/prod/apps.yaml:13",
        "cluster dev's tree: prod will become dev",
        "point it at ./clusters/prod/apps",
    );
}

#[test]
fn a_flux_path_that_is_not_the_clusters_list() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/dev/infra.yaml",
            "./clusters/dev/infra",
            "./clusters/dev",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/dev/infra.yaml:13",
        "points at ./clusters/dev, not at the cluster's infra list",
        "set `path: ./clusters/dev/infra`",
    );
}

#[test]
fn apps_that_do_not_depend_on_infra() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/test/apps.yaml",
            "  dependsOn:\n  - name: infra\n",
            "",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/test/apps.yaml:6",
        "Flux Kustomization apps does not depend on infra",
        "dependsOn:",
    );
}

#[test]
fn a_common_set_one_cluster_does_not_import() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/prod/infra/kustomization.yaml",
            "- ../../../infrastructure/namespaces/common\n",
            "",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/prod/infra/kustomization.yaml:3",
        "cluster prod does not import the common set infrastructure/namespaces/common",
        "add `- ../../../infrastructure/namespaces/common`",
    );
}

#[test]
fn the_common_app_set_one_cluster_does_not_import() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/dev/apps/kustomization.yaml",
            "- ../../../apps/common\n",
            "",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/dev/apps/kustomization.yaml:3",
        "cluster dev does not import the common set apps/common",
        "add `- ../../../apps/common`",
    );
}

#[test]
fn the_same_app_twice_in_one_cluster() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/dev/apps/kustomization.yaml",
            "overlays/dev\n",
            "overlays/dev\n- ../../../apps/podinfo/base\n",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/dev/apps/kustomization.yaml:6",
        "app podinfo arrives in cluster dev twice: through overlay dev",
        "keep the overlay",
    );
}

#[test]
fn an_app_both_in_common_and_listed_directly() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "apps/common/kustomization.yaml",
            "resources: []\n",
            "resources:\n- ../foo-app/base\n",
        );
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/test/apps/kustomization.yaml:6",
        "app foo-app arrives in cluster test twice: through common",
        "keep the common set and drop the direct reference",
    );
}

#[test]
fn an_overlay_made_for_another_cluster() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/prod/apps/kustomization.yaml",
            "overlays/prod",
            "overlays/test",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/prod/apps/kustomization.yaml:5",
        "cluster prod references app podinfo's overlay for test",
        "reference ../../../apps/podinfo/overlays/prod",
    );
}

#[test]
fn an_app_whose_namespace_is_missing_in_the_cluster() {
    let (code, out) = check_broken(&[], |d| {
        edit(
            d,
            "clusters/prod/apps/kustomization.yaml",
            "overlays/prod\n",
            "overlays/prod\n- ../../../apps/foo-app/base\n",
        )
    });
    assert_eq!(code, 1);
    assert_error(
        &out,
        "clusters/prod/apps/kustomization.yaml:6",
        "app foo-app reaches cluster prod, but its namespace foo does not exist there",
        "fluxfleet promote ns foo --to prod",
    );
}

#[test]
fn a_definition_no_cluster_references_is_a_warning() {
    let (code, out) = check_broken(&[], |d| {
        write(
            d,
            "apps/bar/base/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
        );
        write(
            d,
            "infrastructure/policies/kyverno/staged/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
        );
    });
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning: apps/bar: app bar is defined but no cluster references it"),
        "{out}"
    );
    assert!(
        out.contains(
            "warning: infrastructure/policies/kyverno/staged: policy stage kyverno/staged is \
             defined but no cluster references it"
        ),
        "{out}"
    );
}

#[test]
fn build_reports_a_cluster_kustomize_cannot_render() {
    let (code, out) = check_broken(&["--build"], |d| {
        edit(
            d,
            "clusters/dev/apps/kustomization.yaml",
            "overlays/dev\n",
            "overlays/dev\n- ./broken.yaml\n",
        );
        write(
            d,
            "clusters/dev/apps/broken.yaml",
            "apiVersion: v1\nkind: ConfigMap\n",
        );
    });
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "error: clusters/dev/apps/kustomization.yaml: cluster dev: `kubectl kustomize clusters/dev/apps` failed"
        ),
        "{out}"
    );
    assert!(!out.contains("cluster prod"), "{out}");
}

//! Rules of `check` whose whole output cannot be a golden case: an unlisted apps.yaml (today's
//! output holds a wrong second finding, see `an_entry_that_does_not_list_apps_yaml`) and
//! `--build`, whose message quotes kubectl's own. The other rules are golden cases under
//! `tests/cases/check/`.
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

/// Not a golden case yet: today `check` also reports "clusters/test/apps.yaml holds no Flux
/// Kustomization", which is wrong (the file holds one; it is only unlisted), and a golden file
/// would bless that.
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

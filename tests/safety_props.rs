//! Arbitrary names and arbitrary bytes as a cluster's app list, fed to the commands (add-ns and
//! add-overlay included): nothing panics (the exit code is 0, 1 or 2, never 101 or a signal)
//! and a run that fails writes nothing (files, index, refs and HEAD are as before).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_dir, repo_state, Sandbox};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const LIST: &str = "clusters/dev/apps/kustomization.yaml";

/// 48 cases by default; `PROPTEST_CASES` raises it for a longer hunt.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

/// Pieces of kustomization text, valid and broken, that arbitrary lists are made of.
const PIECES: &[&str] = &[
    "apiVersion: kustomize.config.k8s.io/v1beta1\n",
    "kind: Kustomization\n",
    "resources:\n",
    "resources: []\n",
    "resources: [../../../apps/common, ../../../apps/podinfo/overlays/dev]\n",
    "- ../../../apps/common\n",
    "- ../../../apps/podinfo/overlays/dev\n",
    "- ../../../apps/foo-app/base\n",
    "  - ../../../apps/podinfo/base\n",
    "- \"../../../apps/foo-app/base/\"\n",
    "- ../../../../../etc\n",
    "- /abs/path\n",
    "- github.com/org/repo//x?ref=v1\n",
    "---\n",
    "...\n",
    "# a comment\n",
    "\n",
    "\t- x\n",
    "- [a, b]\n",
    "- {a: 1}\n",
    "resources: &r\n",
    "bases: *r\n",
    "? [a]\n: b\n",
    "resources: !!binary aGVsbG8=\n",
    "- 'unterminated\n",
    "  : :\n",
    "\r\n",
    "\u{feff}",
    "\u{0}",
    "\u{85}",
    "components:\n",
    "namespace: foo\n",
];

fn list_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Pieces in any order, sometimes with a stray byte that is not UTF-8.
        (
            prop::collection::vec(prop::sample::select(PIECES), 0..12),
            prop::option::of((any::<prop::sample::Index>(), 0x80u8..=0xff)),
        )
            .prop_map(|(pieces, stray)| {
                let mut bytes = pieces.concat().into_bytes();
                if let Some((at, byte)) = stray {
                    let at = at.index(bytes.len() + 1);
                    bytes.insert(at, byte);
                }
                bytes
            }),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "foo-app", "podinfo", "foo", "team-x", "kyverno", "base", "common", "",
        ])
        .prop_map(String::from),
        "[a-z0-9-]{1,70}",
        // Anything a shell can pass: no NUL.
        "[^\u{0}]{0,40}",
    ]
}

/// The seed fleet committed in `dir`.
fn seed(sandbox: &Sandbox, dir: &Path) {
    sandbox.commit_copy(&common::seed_fixture(), dir, |_| {});
}

/// Runs one command line; fails the case on a panic, a signal, an unexpected exit code, or a
/// write by a run that failed.
fn run(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> Result<(), TestCaseError> {
    let before = repo_state(repo);
    let out = sandbox.fluxfleet(repo).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    prop_assert!(
        matches!(code, Some(0..=2)),
        "{args:?} exited with {:?}: {stderr}",
        out.status
    );
    prop_assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    if code != Some(0) {
        prop_assert!(
            repo_state(repo) == before,
            "{args:?} failed ({code:?}) but changed the repository: {stderr}"
        );
        prop_assert!(
            !stderr.trim().is_empty(),
            "{args:?} failed without a message"
        );
    }
    prop_assert!(
        !repo.join(".git/fluxfleet.lock").exists(),
        "{args:?} left its lock"
    );
    Ok(())
}

#[test]
fn arbitrary_lists_and_names_never_panic_and_never_write_on_error() {
    let sandbox = Sandbox::new();
    let template = sandbox.work().join("template");
    seed(&sandbox, &template);
    let repo: PathBuf = sandbox.work().join("case");
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(list_text(), name(), name()), |(bytes, app, cluster)| {
        let _ = fs::remove_dir_all(&repo);
        copy_dir(&template, &repo);
        fs::write(repo.join(LIST), &bytes).unwrap();
        sandbox.git(&repo, &["add", "-A"]);
        sandbox.git(
            &repo,
            &["commit", "-q", "--allow-empty", "-m", "arbitrary list"],
        );
        for args in [
            &["status"][..],
            &["status", "--json"],
            &["where", "podinfo"],
            &["where", &app],
            &["check"],
            &["promote", "foo-app", "--to", "dev"],
            &["demote", "podinfo", "--from", "dev"],
            &["promote", &app, "--to", &cluster],
            &["demote", "ns", &app, "--from", "dev"],
            &["make-common", "app", &app],
        ] {
            // A successful change leaves the next command on its branch; fine either way.
            run(&sandbox, &repo, args)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

//! Writes cannot be half-done: a failure injected at every step of a run leaves the repository
//! byte-identical, and two runs on one repository cannot interleave.

mod common;

use std::fs;
use std::path::Path;

use common::{repo_state, Sandbox};
use predicates::prelude::*;

/// A committed repository that `init --clusters dev` changes on a new branch.
fn demo_repository(sandbox: &Sandbox) -> std::path::PathBuf {
    let repo = sandbox.work();
    sandbox.git(&repo, &["init", "-q"]);
    fs::create_dir_all(repo.join("apps/common")).expect("mkdir");
    fs::write(repo.join("README.md"), "# demo\n").expect("write");
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "demo"]);
    repo
}

fn run_failing_at(sandbox: &Sandbox, repo: &Path, step: usize) -> std::process::Output {
    sandbox
        .fluxfleet(repo)
        .env("FLUXFLEET_FAIL_AT", step.to_string())
        .args(["init", "--clusters", "dev"])
        .output()
        .expect("runs")
}

#[test]
fn a_failure_at_any_step_leaves_the_repository_unchanged() {
    let sandbox = Sandbox::new();
    let repo = demo_repository(&sandbox);
    let before = repo_state(&repo);
    let mut failed_steps = 0;
    for step in 1.. {
        let out = run_failing_at(&sandbox, &repo, step);
        if out.status.success() {
            break;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "step {step}: {stderr}");
        assert!(stderr.contains("injected failure"), "step {step}: {stderr}");
        assert_eq!(
            repo_state(&repo),
            before,
            "step {step} left a trace: {stderr}"
        );
        assert!(!repo.join(".git/fluxfleet.lock").exists());
        failed_steps += 1;
    }
    // Directories, temporaries, renames, the branch, the index and HEAD are all steps.
    assert!(
        failed_steps > 20,
        "only {failed_steps} steps were exercised"
    );
    assert_eq!(
        sandbox.git(&repo, &["branch", "--show-current"]).trim(),
        "fluxfleet/init-fleet-with-clusters-dev"
    );
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
}

#[test]
fn a_held_lock_refuses_naming_the_holder() {
    let sandbox = Sandbox::new();
    let repo = demo_repository(&sandbox);
    fs::write(repo.join(".git/fluxfleet.lock"), "4242\n").expect("write");
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["init", "--clusters", "dev"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("another fluxfleet run (pid 4242)"))
        .stderr(predicate::str::contains(".git/fluxfleet.lock"));
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn concurrent_runs_make_one_consistent_commit() {
    let sandbox = Sandbox::new();
    let repo = demo_repository(&sandbox);
    let spawn = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fluxfleet"));
        cmd.current_dir(&repo)
            .args(["init", "--clusters", "dev,test,prod"])
            .env("HOME", sandbox.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", sandbox.home().join(".gitconfig"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().expect("spawn")
    };
    let runs: Vec<_> = (0..4).map(|_| spawn()).collect();
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let committed = outputs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("Committed on branch"))
        .count();
    assert_eq!(committed, 1, "exactly one run commits");
    for out in &outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = stderr.contains("Committed on branch")
            || stderr.contains("another fluxfleet run (pid")
            || stderr.contains("Nothing to do");
        assert!(ok, "unexpected outcome: {stderr}");
    }
    assert_eq!(
        sandbox.git(&repo, &["rev-list", "--count", "HEAD"]).trim(),
        "2"
    );
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    assert!(!repo.join(".git/fluxfleet.lock").exists());
}

#[test]
fn a_failed_first_init_leaves_no_directory_and_no_repository() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    for step in 1.. {
        let out = sandbox
            .fluxfleet(&work)
            .env("FLUXFLEET_FAIL_AT", step.to_string())
            .args(["init", "fleet", "--clusters", "dev"])
            .output()
            .expect("runs");
        if out.status.success() {
            assert!(step > 20, "only {step} steps");
            break;
        }
        assert!(
            !work.join("fleet").exists(),
            "step {step} left fleet/: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        sandbox
            .git(&work.join("fleet"), &["rev-list", "--count", "HEAD"])
            .trim(),
        "1"
    );
}

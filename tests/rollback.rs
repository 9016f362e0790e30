//! Writes cannot be half-done: a failure injected at every step of a run leaves the repository
//! byte-identical (file modes included), and two runs on one repository cannot interleave.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{repo_state, Sandbox};

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
fn a_held_lock_refuses_and_a_lock_file_left_behind_is_taken_over() {
    let sandbox = Sandbox::new();
    let repo = demo_repository(&sandbox);
    let lock = repo.join(".git/fluxfleet.lock");
    // Another process holds the kernel lock (flock(1) until its stdin closes).
    let mut holder = std::process::Command::new("flock")
        .arg(&lock)
        .args(["-c", "echo locked; read _"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("flock(1) runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("flock says it holds the lock");
    assert_eq!(line, "locked\n");
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["init", "--clusters", "dev"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "error: another fluxfleet run (pid unknown) is changing this repository: wait for \
             it to finish, then run again\n",
        );
    assert_eq!(repo_state(&repo), before);
    drop(holder.stdin.take());
    holder.wait().expect("flock ends");

    // A run that was killed leaves its lock file, with its pid, but not the kernel's lock.
    fs::write(&lock, "4242\n").expect("write");
    sandbox
        .fluxfleet(&repo)
        .args(["init", "--clusters", "dev"])
        .assert()
        .success();
    assert!(!lock.exists(), "the lock file is removed at the end");
}

#[test]
fn concurrent_runs_make_one_consistent_commit() {
    let sandbox = Sandbox::new();
    let repo = demo_repository(&sandbox);
    let runs = (0..4)
        .map(|_| sandbox.spawn(&repo, &["init", "--clusters", "dev,test,prod"]))
        .collect();
    assert_one_run_committed(&sandbox, &repo, runs);
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

/// The seed fleet committed in a fresh repository, with two files executable: one that
/// `promote` edits and one that `make-common ns team-x` moves.
fn seed_repository(sandbox: &Sandbox) -> PathBuf {
    let repo = sandbox.work().join("fleet");
    sandbox.commit_copy(&common::seed_fixture(), &repo, |repo| {
        common::foo_app_into_team_x(repo);
        for file in EXECUTABLE {
            fs::set_permissions(repo.join(file), fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    });
    repo
}

const EXECUTABLE: [&str; 2] = [
    "clusters/dev/apps/kustomization.yaml",
    "infrastructure/namespaces/team-x/namespace.yaml",
];

/// The repository state, and the mode of every file, which `repo_state` does not see.
type State = (Vec<(String, Vec<u8>)>, Vec<(String, u32)>);

/// The repository state plus the mode of every file.
fn state_with_modes(repo: &Path) -> State {
    let modes = common::tree(repo)
        .into_iter()
        .map(|(path, _)| {
            let mode = fs::metadata(repo.join(&path))
                .expect("stat")
                .permissions()
                .mode();
            (path, mode)
        })
        .collect();
    (repo_state(repo), modes)
}

/// Fails every step of `args` in turn, checking that each failure leaves the repository as it
/// was; returns the number of steps, the last run having succeeded.
fn fail_every_step(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> usize {
    let before = state_with_modes(repo);
    for step in 1.. {
        let out = sandbox
            .fluxfleet(repo)
            .env("FLUXFLEET_FAIL_AT", step.to_string())
            .args(args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            assert!(!stderr.contains("injected failure"), "{stderr}");
            return step - 1;
        }
        assert_eq!(out.status.code(), Some(1), "step {step}: {stderr}");
        assert!(stderr.contains("injected failure"), "step {step}: {stderr}");
        assert_eq!(
            state_with_modes(repo),
            before,
            "step {step} left a trace: {stderr}"
        );
        assert!(!repo.join(".git/fluxfleet.lock").exists());
    }
    unreachable!()
}

fn mode_on_disk(repo: &Path, file: &str) -> u32 {
    fs::metadata(repo.join(file))
        .expect("stat")
        .permissions()
        .mode()
        & 0o777
}

fn mode_in_head(sandbox: &Sandbox, repo: &Path, file: &str) -> String {
    let line = sandbox.git(repo, &["ls-tree", "HEAD", file]);
    line.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_failure_at_any_step_of_a_promote_leaves_the_repository_unchanged() {
    let sandbox = Sandbox::new();
    let repo = seed_repository(&sandbox);
    let steps = fail_every_step(&sandbox, &repo, &["promote", "foo-app", "--to", "dev,prod"]);
    // Two temporaries, two renames, the branch, the index and HEAD.
    assert!(steps >= 7, "only {steps} steps were exercised");
    assert_eq!(
        sandbox.git(&repo, &["branch", "--show-current"]).trim(),
        "fluxfleet/promote-app-foo-app-to-dev-prod"
    );
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    let list = fs::read_to_string(repo.join(EXECUTABLE[0])).expect("read");
    assert!(list.contains("- ../../../apps/foo-app/base\n"), "{list}");
    // The executable bit of the edited file is kept, in the commit and on disk.
    assert_eq!(mode_in_head(&sandbox, &repo, EXECUTABLE[0]), "100755");
    assert_eq!(mode_on_disk(&repo, EXECUTABLE[0]), 0o755);
    assert_eq!(
        mode_in_head(&sandbox, &repo, "clusters/prod/apps/kustomization.yaml"),
        "100644"
    );
}

#[test]
fn a_failure_at_any_step_of_a_make_common_ns_leaves_the_repository_unchanged() {
    let sandbox = Sandbox::new();
    let repo = seed_repository(&sandbox);
    let steps = fail_every_step(&sandbox, &repo, &["make-common", "ns", "team-x"]);
    // Temporaries and renames of five files, a removal, a deletion, the branch, index, HEAD.
    assert!(steps >= 14, "only {steps} steps were exercised");
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    assert!(!repo.join("infrastructure/namespaces/team-x").exists());
    // The moved file keeps its executable bit, in the commit and on disk.
    let moved = "infrastructure/namespaces/common/ns-team-x.yaml";
    assert_eq!(mode_in_head(&sandbox, &repo, moved), "100755");
    assert_eq!(mode_on_disk(&repo, moved), 0o755);
    let renamed = sandbox.git(&repo, &["show", "-M", "--name-status", "--format=", "HEAD"]);
    assert!(
        renamed.contains("R100\tinfrastructure/namespaces/team-x/namespace.yaml"),
        "{renamed}"
    );
}

#[test]
fn concurrent_promotes_make_one_consistent_commit() {
    let sandbox = Sandbox::new();
    let repo = seed_repository(&sandbox);
    // Staggered starts: some runs meet the lock, some read after the first one finished.
    let runs = (0..6)
        .map(|_| {
            let child = sandbox.spawn(&repo, &["promote", "foo-app", "--to", "dev,prod"]);
            std::thread::sleep(std::time::Duration::from_millis(15));
            child
        })
        .collect();
    assert_one_run_committed(&sandbox, &repo, runs);
    assert_eq!(
        sandbox.git(&repo, &["show", "--name-only", "--format=", "HEAD"]),
        "clusters/dev/apps/kustomization.yaml\nclusters/prod/apps/kustomization.yaml\n"
    );
}

/// Of concurrent `runs` in `repo`, exactly one commits (one commit on top of the first) and
/// each other one met the lock, found nothing to do, or found the first one's branch or files
/// when it took the lock after reading; the tree is clean and the lock gone.
fn assert_one_run_committed(sandbox: &Sandbox, repo: &Path, runs: Vec<std::process::Child>) {
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let committed = outputs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("Committed on branch"))
        .count();
    assert_eq!(committed, 1, "exactly one run commits");
    for out in outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = (out.status.success() && stderr.contains("Committed on branch"))
            || (out.status.code() == Some(1) && stderr.contains("another fluxfleet run (pid"))
            // Read before the first run committed, refused once it holds the lock.
            || (out.status.code() == Some(1)
                && (stderr.contains("exists already") || stderr.contains("changed on disk")))
            || (out.status.success() && stderr.contains("Nothing to do"));
        assert!(ok, "unexpected outcome: {stderr}");
    }
    assert_eq!(
        sandbox.git(repo, &["rev-list", "--count", "HEAD"]).trim(),
        "2"
    );
    assert_eq!(sandbox.git(repo, &["status", "--porcelain"]), "");
    assert!(!repo.join(".git/fluxfleet.lock").exists());
}

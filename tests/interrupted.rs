//! A run stopped at any point of its writes — SIGKILL, Ctrl-C (SIGINT) — leaves a repository
//! that one plain re-run brings to the whole change, never a part of it; git commands run
//! meanwhile never see the change half-made; a run holding the repository keeps others out.
//!
//! Signals are placed without timing: `FLUXFLEET_STOP_AT=N` makes the run stop itself (SIGSTOP)
//! before its step N, the test waits until the kernel reports it stopped, then signals it.
//! `tests/kill-loop.sh` does the same at random moments, on 100 clusters, for as many runs as
//! asked.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use common::terminal::Terminal;
use common::Sandbox;

/// The seed fleet with `extra` more clusters made like dev, committed on `main`.
fn fleet(sandbox: &Sandbox, extra: usize) -> PathBuf {
    let repo = sandbox.work().join("fleet");
    sandbox.commit_copy(&common::seed_fixture(), &repo, |dir| {
        common::foo_app_into_team_x(dir);
        for n in 1..=extra {
            let name = format!("c{n:03}");
            let to = dir.join("clusters").join(&name);
            common::copy_dir(&dir.join("clusters/dev"), &to);
            for (path, bytes) in common::tree(&to) {
                let text = String::from_utf8(bytes).expect("utf-8");
                let text = text.replace("clusters/dev", &format!("clusters/{name}"));
                fs::write(to.join(path), text).expect("write");
            }
        }
    });
    repo
}

const PROMOTE: &[&str] = &["promote", "foo-app", "--to", "all"];

/// What an uninterrupted run leaves: its branch and the branch's tree.
struct Reference {
    branch: String,
    tree: String,
    main: String,
}

fn rev(sandbox: &Sandbox, repo: &Path, what: &str) -> String {
    sandbox.git(repo, &["rev-parse", what]).trim().to_string()
}

/// What a run must leave as it found or as it makes it: the files, what the index records for
/// them (not its file status, which checkouts rewrite), the refs and what HEAD names.
fn repo_state(sandbox: &Sandbox, repo: &Path) -> Vec<String> {
    let mut state: Vec<String> = common::tree(repo)
        .into_iter()
        .map(|(path, bytes)| format!("{path}\n{}", String::from_utf8_lossy(&bytes)))
        .collect();
    state.push(sandbox.git(repo, &["ls-files", "-s"]));
    state.push(sandbox.git(repo, &["show-ref"]));
    state.push(sandbox.git(repo, &["symbolic-ref", "HEAD"]));
    state.push(sandbox.git(repo, &["status", "--porcelain", "--ignored"]));
    state
}

/// Fails naming the first difference between two states, not the whole of them.
fn assert_same_state(before: &[String], after: &[String], what: &str) {
    if let Some((b, a)) = before.iter().zip(after).find(|(b, a)| b != a) {
        panic!("{what}: the repository differs:\n  before: {b}\n  after:  {a}");
    }
    assert_eq!(
        before.len(),
        after.len(),
        "{what}: files were added or removed"
    );
}

/// Runs the change once without interruption, notes its result, and undoes it.
fn reference(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> Reference {
    let before = repo_state(sandbox, repo);
    sandbox.fluxfleet(repo).args(args).assert().success();
    let reference = Reference {
        branch: sandbox
            .git(repo, &["branch", "--show-current"])
            .trim()
            .to_string(),
        tree: rev(sandbox, repo, "HEAD^{tree}"),
        main: rev(sandbox, repo, "main"),
    };
    reset(sandbox, repo, &reference.branch, &before);
    reference
}

fn reset(sandbox: &Sandbox, repo: &Path, branch: &str, before: &[String]) {
    sandbox.git(repo, &["checkout", "-q", "main"]);
    sandbox.git(repo, &["branch", "-qD", branch]);
    assert_same_state(before, &repo_state(sandbox, repo), "reset to main");
}

/// Starts the run so that it stops itself before its step `step`.
fn start_stopping_at(sandbox: &Sandbox, repo: &Path, args: &[&str], step: usize) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fluxfleet"));
    cmd.args(args)
        .env("FLUXFLEET_STOP_AT", step.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    sandbox_command(sandbox, repo, &mut cmd);
    cmd.spawn().expect("spawn fluxfleet")
}

/// Isolates `cmd` like the sandbox's own runs, started in `dir`.
fn sandbox_command(sandbox: &Sandbox, dir: &Path, cmd: &mut Command) {
    sandbox.isolate_process(cmd.current_dir(dir).env_remove("FLUXFLEET_FAIL_AT"));
}

/// Waits until `child` has stopped itself (true) or ended (false), as the kernel tells.
fn stopped(child: &mut Child) -> bool {
    let stat = format!("/proc/{}/stat", child.id());
    loop {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        if let Ok(text) = fs::read_to_string(&stat) {
            // pid (comm) state ...: the state follows the last `)`.
            let state = text
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next());
            if state == Some("T") {
                return true;
            }
        }
        std::thread::yield_now();
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Asserts the repository holds the whole change, checked out and clean, with nothing of a
/// run left behind.
fn assert_whole_change(sandbox: &Sandbox, repo: &Path, want: &Reference, what: &str) {
    assert_eq!(
        sandbox.git(repo, &["branch", "--show-current"]).trim(),
        want.branch,
        "{what}"
    );
    assert_eq!(rev(sandbox, repo, "HEAD^{tree}"), want.tree, "{what}");
    assert_eq!(rev(sandbox, repo, "HEAD~1"), want.main, "{what}");
    assert_eq!(rev(sandbox, repo, "main"), want.main, "{what}");
    assert_eq!(
        sandbox.git(repo, &["status", "--porcelain", "--ignored"]),
        "",
        "{what}"
    );
    for leftover in [".git/index.lock", ".git/fluxfleet", ".git/fluxfleet.lock"] {
        assert!(!repo.join(leftover).exists(), "{what}: {leftover} is left");
    }
    assert_eq!(render_scratch(repo), Vec::<String>::new(), "{what}");
}

/// Runs `fluxfleet status` in `repo`, which must succeed; what it says on stderr.
fn status_succeeds(sandbox: &Sandbox, repo: &Path) -> String {
    let out = sandbox
        .fluxfleet(repo)
        .arg("status")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

/// The scratch directories of the render gate in the git directory, by name.
fn render_scratch(repo: &Path) -> Vec<String> {
    fs::read_dir(repo.join(".git"))
        .expect("git directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("fluxfleet-diff-"))
        .collect()
}

/// Stops the run before each step in `steps` and delivers `how` to it, then re-runs it
/// plainly: the repository must hold the whole change every time.
fn interrupt_at(sandbox: &Sandbox, repo: &Path, steps: impl Iterator<Item = usize>) -> usize {
    let before = repo_state(sandbox, repo);
    let want = reference(sandbox, repo, PROMOTE);
    let mut interrupted = 0;
    for step in steps {
        let mut run = start_stopping_at(sandbox, repo, PROMOTE, step);
        if !stopped(&mut run) {
            // The run has fewer steps: it finished.
            assert!(run.wait().expect("wait").success());
            reset(sandbox, repo, &want.branch, &before);
            break;
        }
        let how = ["KILL", "INT", "TERM"][step % 3];
        signal(&run, how);
        signal(&run, "CONT");
        let status = run.wait().expect("wait");
        assert!(
            !status.success(),
            "step {step}: the {how} did not end the run"
        );
        let again = sandbox
            .fluxfleet(repo)
            .args(PROMOTE)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert_eq!(
            again.status.code(),
            Some(0),
            "step {step} ({how}): {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_whole_change(
            sandbox,
            repo,
            &want,
            &format!("step {step} ({how}): {stderr}"),
        );
        reset(sandbox, repo, &want.branch, &before);
        interrupted += 1;
    }
    interrupted
}

#[test]
fn a_run_killed_or_interrupted_at_any_step_is_completed_by_one_re_run() {
    let sandbox = Sandbox::new();
    let repo = fleet(&sandbox, 5);
    let interrupted = interrupt_at(&sandbox, &repo, 1..);
    // Eight clusters: the journal, git's lock, eight writes and renames, the index, the
    // branch, HEAD.
    assert!(
        interrupted > 20,
        "only {interrupted} steps were interrupted"
    );
}

#[test]
fn a_run_on_a_hundred_clusters_killed_at_every_step_is_completed_by_one_re_run() {
    let sandbox = Sandbox::new();
    let repo = fleet(&sandbox, 97);
    // Every step: the journal, git's lock, 99 writes and 99 renames, the index, branch, HEAD.
    let interrupted = interrupt_at(&sandbox, &repo, 1..);
    assert!(
        interrupted > 200,
        "only {interrupted} steps were interrupted"
    );
}

#[test]
fn a_killed_run_is_rolled_back_by_the_next_command_which_says_so() {
    let sandbox = Sandbox::new();
    let repo = fleet(&sandbox, 2);
    let before = repo_state(&sandbox, &repo);
    // Stopped among its renames: three of its four lists are written, the last not.
    let mut run = start_stopping_at(&sandbox, &repo, PROMOTE, 10);
    assert!(stopped(&mut run));

    // While it holds the repository, another run is refused, naming it.
    sandbox
        .fluxfleet(&repo)
        .args(["promote", "foo-app", "--to", "dev"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "error: another fluxfleet run (pid {}) is changing this repository: wait for it \
             to finish, then run again\n",
            run.id()
        ));
    // git itself sees the repository locked: a commit cannot take half the change.
    let commit = git_commit_all(&repo);
    assert!(!commit.status.success());
    assert!(String::from_utf8_lossy(&commit.stderr).contains("index.lock"));

    signal(&run, "KILL");
    run.wait().expect("wait");
    let stderr = status_succeeds(&sandbox, &repo);
    assert_eq!(
        stderr,
        format!(
            "warning: an interrupted fluxfleet run (pid {}) was rolled back: 3 file(s) as \
             before\n",
            run.id()
        )
    );
    assert_same_state(&before, &repo_state(&sandbox, &repo), "after the recovery");
    assert!(!repo.join(".git/fluxfleet").exists());
    assert!(!repo.join(".git/index.lock").exists());
    assert!(temporaries(&repo).is_empty());
    // The render gate rendered beside the writes: its scratch directory goes with the rest.
    assert_eq!(render_scratch(&repo), Vec::<String>::new());
    // Nothing more to recover.
    assert_eq!(status_succeeds(&sandbox, &repo), "");
}

/// The render gate renders while the run checks and writes: a run killed then leaves the
/// gate's scratch directory in `.git`, and the next command, whatever it is, takes it away.
#[test]
fn a_run_killed_while_its_render_gate_renders_leaves_nothing_after_the_next_command() {
    let sandbox = Sandbox::new();
    let repo = fleet(&sandbox, 2);
    let before = repo_state(&sandbox, &repo);
    // A kubectl that says it started, with its pid, then takes its time.
    let bin = sandbox.temp.path().join("slow-bin");
    fs::create_dir_all(&bin).unwrap();
    let started = sandbox.temp.path().join("kubectl-started");
    let kubectl = bin.join("kubectl");
    fs::write(
        &kubectl,
        format!(
            "#!/bin/sh\necho $$ > '{}.tmp' && mv '{0}.tmp' '{0}'\nexec sleep 30\n",
            started.display()
        ),
    )
    .unwrap();
    fs::set_permissions(
        &kubectl,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fluxfleet"));
    cmd.args(PROMOTE)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    sandbox_command(&sandbox, &repo, &mut cmd);
    let mut run = cmd.env("PATH", &path).spawn().expect("spawn fluxfleet");
    while !started.exists() {
        assert!(
            run.try_wait().unwrap().is_none(),
            "the run ended before rendering"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(
        render_scratch(&repo).len(),
        1,
        "the gate renders in its scratch"
    );
    signal(&run, "KILL");
    run.wait().expect("wait");
    let renderer = fs::read_to_string(&started).unwrap();
    let _ = Command::new("kill")
        .args(["-KILL", renderer.trim()])
        .status();

    let stderr = status_succeeds(&sandbox, &repo);
    assert_eq!(render_scratch(&repo), Vec::<String>::new(), "{stderr}");
    assert!(!repo.join(".git/fluxfleet").exists(), "{stderr}");
    assert_same_state(
        &before,
        &repo_state(&sandbox, &repo),
        "after the next command",
    );
}

#[test]
fn git_commands_run_while_fluxfleet_writes_wait_for_the_whole_change() {
    let sandbox = Sandbox::new();
    let repo = fleet(&sandbox, 3);
    let want = reference(&sandbox, &repo, PROMOTE);
    let mut run = start_stopping_at(&sandbox, &repo, PROMOTE, 12);
    assert!(stopped(&mut run));
    let commit = git_commit_all(&repo);
    let stderr = String::from_utf8_lossy(&commit.stderr);
    assert!(
        !commit.status.success(),
        "git commit -a took part of the change"
    );
    assert!(stderr.contains("index.lock': File exists"), "{stderr}");
    signal(&run, "CONT");
    assert!(run.wait().expect("wait").success());
    assert_whole_change(&sandbox, &repo, &want, "after git commit -a was refused");
}

/// `git commit -a` in `repo`, as a user would run it while fluxfleet writes.
fn git_commit_all(repo: &Path) -> std::process::Output {
    Command::new("git")
        .current_dir(repo)
        .args(["-c", "user.name=x", "-c", "user.email=x@x"])
        .args(["commit", "-qam", "mine"])
        .output()
        .expect("git runs")
}

fn temporaries(dir: &Path) -> Vec<String> {
    common::tree(dir)
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.contains(".fluxfleet-"))
        .collect()
}

#[test]
fn the_kill_loop_script_runs() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kill-loop.sh");
    let sandbox = Sandbox::new();
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .args(["--runs", "4", "--clusters", "20"])
        .env("FLUXFLEET", env!("CARGO_BIN_EXE_fluxfleet"))
        .env("FLEET_FIXTURE", common::seed_fixture())
        .env("WORK", sandbox.work());
    sandbox_command(&sandbox, &sandbox.work(), &mut cmd);
    let out = cmd.output().expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.ends_with("4 of 4 runs: whole change after one re-run\n"),
        "{stdout}"
    );
}

#[test]
fn ctrl_c_at_a_prompt_leaves_nothing_behind() {
    let sandbox = Sandbox::new();
    let repo = fleet(&sandbox, 0);
    let before = repo_state(&sandbox, &repo);
    let terminal = Terminal::start(
        &sandbox,
        &repo,
        &format!("{} promote foo-app", env!("CARGO_BIN_EXE_fluxfleet")),
    );
    terminal.wait_for("Promote foo-app to which clusters?");
    terminal.wait_for_raw_mode();
    terminal.keys("C-c");
    let screen = terminal.wait_for("EXIT=");
    assert!(screen.contains("EXIT=130"), "{screen}");
    assert!(
        !repo.join(".git/fluxfleet.lock").exists(),
        "the lock is left"
    );
    assert!(!repo.join(".git/fluxfleet").exists());
    assert_same_state(&before, &repo_state(&sandbox, &repo), "after Ctrl-C");
}

#[test]
fn a_run_killed_after_its_last_step_is_never_undone_whatever_the_user_did_since() {
    let sandbox = Sandbox::new();
    let repo = fleet(&sandbox, 0);
    let want = reference(&sandbox, &repo, PROMOTE);
    // The last step: a run stopped there, then let finish, has everything but the removal of
    // its journal; putting the journal back makes the state a kill after that step leaves.
    let mut last = 0;
    for step in 1.. {
        let mut run = start_stopping_at(&sandbox, &repo, PROMOTE, step);
        let stopped_there = stopped(&mut run);
        if stopped_there {
            signal(&run, "KILL");
        }
        run.wait().expect("wait");
        sandbox.fluxfleet(&repo).arg("status").assert().success();
        sandbox.git(&repo, &["checkout", "-q", "main"]);
        // Gone already when the recovery rolled the run back.
        let _ = Command::new("git")
            .current_dir(&repo)
            .args(["branch", "-qD", &want.branch])
            .output();
        if !stopped_there {
            break;
        }
        last = step;
    }
    let mut run = start_stopping_at(&sandbox, &repo, PROMOTE, last);
    assert!(
        stopped(&mut run),
        "step {last}: {}",
        sandbox.git(&repo, &["status", "--short", "--branch"])
    );
    let saved = sandbox.work().join("journal-copy");
    common::copy_dir(&repo.join(".git/fluxfleet"), &saved);
    signal(&run, "CONT");
    assert!(run.wait().expect("wait").success());
    assert_whole_change(&sandbox, &repo, &want, "the run itself");
    common::copy_dir(&saved, &repo.join(".git/fluxfleet"));
    // The user goes back to main before running fluxfleet again.
    sandbox.git(&repo, &["checkout", "-q", "main"]);
    let out = sandbox
        .fluxfleet(&repo)
        .arg("status")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "warning: an interrupted fluxfleet run (pid {}) had committed its change; its \
             leftovers were removed\n",
            run.id()
        )
    );
    assert_eq!(
        rev(&sandbox, &repo, &want.branch),
        rev(&sandbox, &repo, "HEAD@{1}")
    );
    assert_eq!(
        rev(&sandbox, &repo, &format!("{}^{{tree}}", want.branch)),
        want.tree
    );
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    assert!(!repo.join(".git/fluxfleet").exists());
}

//! Suggested commands work when run: each `fluxfleet ...` (and `git ...`) a message suggests is
//! taken from the message and run as the user would paste it, and must succeed. Where a name
//! is both an app and a namespace, a suggestion without the kind would fail with "is both an
//! app and a namespace".
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::Sandbox;

/// The commands a message suggests: every `` `fluxfleet ...` `` or `` `git ...` `` span.
fn suggested(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.starts_with("fluxfleet ") || span.starts_with("git "))
        .map(str::to_string)
        .collect()
}

/// Runs fluxfleet in `repo`: (success, stderr).
fn run(sandbox: &Sandbox, repo: &Path, args: &[&str]) -> (bool, String) {
    let out = sandbox.fluxfleet(repo).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a suggested `fluxfleet ...` command in `repo` as a shell would split it, with the
/// placeholder `C,...` filled in; it must succeed.
fn run_suggested(sandbox: &Sandbox, repo: &Path, command: &str, clusters: &str) -> String {
    let command = command.replace("C,...", clusters);
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[0], "fluxfleet", "{command}");
    let (ok, stderr) = run(sandbox, repo, &words[1..]);
    assert!(ok, "`{command}` failed:\n{stderr}");
    stderr
}

/// The seed fleet with namespace web and app web in it, on dev, committed on main: one name,
/// two kinds.
fn web_in_web(sandbox: &Sandbox) -> std::path::PathBuf {
    let repo = sandbox.seed_repo();
    for args in [
        &["add-ns", "web", "--clusters", "dev"][..],
        &[
            "add-app",
            "web",
            "--namespace",
            "web",
            "--image",
            "nginx:1.27",
            "--port",
            "80",
            "--clusters",
            "dev",
        ][..],
    ] {
        let args = [args, &["--no-commit"]].concat();
        let (ok, stderr) = run(sandbox, &repo, &args);
        assert!(ok, "{args:?}: {stderr}");
    }
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "web in web"]);
    repo
}

#[test]
fn demote_ns_suggests_demoting_the_app_by_its_kind() {
    let sandbox = Sandbox::new();
    let repo = web_in_web(&sandbox);
    let (ok, stderr) = run(&sandbox, &repo, &["demote", "ns", "web", "--from", "dev"]);
    assert!(ok, "{stderr}");
    let commands = suggested(&stderr);
    assert_eq!(
        commands,
        ["fluxfleet demote app web --from dev"],
        "{stderr}"
    );
    run_suggested(&sandbox, &repo, &commands[0], "");
}

#[test]
fn add_app_of_an_existing_app_suggests_promoting_it_by_its_kind() {
    let sandbox = Sandbox::new();
    let repo = web_in_web(&sandbox);
    let (ok, stderr) = run(
        &sandbox,
        &repo,
        &[
            "add-app",
            "web",
            "--namespace",
            "web",
            "--image",
            "nginx:1.27",
            "--port",
            "80",
            "--clusters",
            "prod",
        ],
    );
    assert!(!ok);
    let commands = suggested(&stderr);
    assert_eq!(
        commands,
        ["fluxfleet promote app web --to C,..."],
        "{stderr}"
    );
    run_suggested(&sandbox, &repo, &commands[0], "prod");
}

#[test]
fn make_common_of_an_app_with_overlays_suggests_promoting_it_by_its_kind() {
    let sandbox = Sandbox::new();
    let repo = web_in_web(&sandbox);
    let (ok, stderr) = run(
        &sandbox,
        &repo,
        &[
            "add-overlay",
            "web",
            "--cluster",
            "dev",
            "--replicas",
            "2",
            "--no-commit",
        ],
    );
    assert!(ok, "{stderr}");
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "overlay"]);
    let (ok, stderr) = run(&sandbox, &repo, &["make-common", "app", "web"]);
    assert!(!ok);
    let commands = suggested(&stderr);
    assert_eq!(commands, ["fluxfleet promote app web --to all"], "{stderr}");
    run_suggested(&sandbox, &repo, &commands[0], "");
}

#[test]
fn an_overlay_of_zero_replicas_suggests_demoting_the_app_by_its_kind() {
    let sandbox = Sandbox::new();
    let repo = web_in_web(&sandbox);
    let (ok, stderr) = run(
        &sandbox,
        &repo,
        &["add-overlay", "web", "--cluster", "dev", "--replicas", "0"],
    );
    assert!(!ok);
    let commands = suggested(&stderr);
    assert_eq!(
        commands,
        ["fluxfleet demote app web --from dev"],
        "{stderr}"
    );
    run_suggested(&sandbox, &repo, &commands[0], "");
}

#[test]
fn init_without_an_identity_suggests_git_config_that_runs() {
    let sandbox = Sandbox::new();
    // No identity: an empty global configuration.
    std::fs::write(sandbox.home().join(".gitconfig"), "").unwrap();
    let work = sandbox.work();
    let (ok, stderr) = run(&sandbox, &work, &["init", "fleet", "--clusters", "dev"]);
    assert!(!ok);
    assert!(!work.join("fleet/.git").exists(), "{stderr}");
    let commands = suggested(&stderr);
    let fleet = work.join("fleet").display().to_string();
    assert_eq!(
        commands,
        [
            "git config --global user.name \"Your Name\"".to_string(),
            "git config --global user.email you@example.com".to_string(),
            format!("git init {fleet}"),
            format!("git -C {fleet} config user.name \"Your Name\""),
            format!("git -C {fleet} config user.email you@example.com"),
        ],
        "{stderr}"
    );
    // The per-repository way, in order, from the directory init ran in.
    for command in &commands[2..] {
        let mut shell = Command::new("sh");
        shell.arg("-c").arg(command).current_dir(&work);
        sandbox.isolate_process(&mut shell);
        let out = shell.output().unwrap();
        assert!(
            out.status.success(),
            "`{command}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (ok, stderr) = run(&sandbox, &work, &["init", "fleet", "--clusters", "dev"]);
    assert!(ok, "{stderr}");
}

#[test]
fn a_missing_identity_in_an_existing_repository_suggests_git_config_in_it() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    std::fs::write(sandbox.home().join(".gitconfig"), "").unwrap();
    // Run from outside the repository (-C), as a script would.
    let work = sandbox.work();
    let dir = repo.display().to_string();
    let (ok, stderr) = run(
        &sandbox,
        &work,
        &["-C", &dir, "promote", "foo-app", "--to", "prod"],
    );
    assert!(!ok);
    let commands = suggested(&stderr);
    assert_eq!(
        commands[..2],
        [
            format!("git -C {dir} config user.name \"Your Name\""),
            format!("git -C {dir} config user.email you@example.com"),
        ],
        "{stderr}"
    );
    for command in &commands[..2] {
        let mut shell = Command::new("sh");
        shell.arg("-c").arg(command).current_dir(&work);
        sandbox.isolate_process(&mut shell);
        assert!(shell.status().unwrap().success(), "`{command}` failed");
    }
    let (ok, stderr) = run(
        &sandbox,
        &work,
        &["-C", &dir, "promote", "foo-app", "--to", "prod"],
    );
    assert!(ok, "{stderr}");
}

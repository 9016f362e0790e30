//! From change to pull request (#17): every new branch starts from the base, `--push` pushes it
//! with the user's own git to a real (local, bare) remote, and `--pr` opens the pull request
//! with `gh` or `glab`, here stand-ins on PATH that record what they were asked.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{kustomize, Sandbox};

/// The seed fleet with a bare `origin` whose default branch is `main`, and a `bin/` directory
/// for stand-ins.
struct Remote {
    sandbox: Sandbox,
    repo: PathBuf,
    origin: PathBuf,
    bin: PathBuf,
}

impl Remote {
    fn new() -> Remote {
        let sandbox = Sandbox::new();
        let repo = sandbox.work().join("fleet");
        // foo-app deploys into team-x: its promotion is a change of app lists only.
        sandbox.commit_copy(&common::seed_fixture(), &repo, common::foo_app_into_team_x);
        let origin = sandbox.work().join("origin.git");
        sandbox.git(
            &sandbox.work(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        sandbox.git(
            &repo,
            &["remote", "add", "origin", origin.to_str().unwrap()],
        );
        sandbox.git(&repo, &["push", "-q", "-u", "origin", "main"]);
        sandbox.git(&repo, &["remote", "set-head", "origin", "main"]);
        let bin = sandbox.work().join("bin");
        fs::create_dir_all(&bin).unwrap();
        Remote {
            sandbox,
            repo,
            origin,
            bin,
        }
    }

    /// A stand-in for `gh` or `glab` that records its arguments (one a line) and its standard
    /// input, and prints a pull request URL.
    fn stand_in(&self, program: &str) -> PathBuf {
        let log = self.sandbox.work().join(program);
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{log}.args'\ncat > '{log}.stdin'\n\
             echo 'https://example.com/fleet/pull/7'\n",
            log = log.display()
        );
        let path = self.bin.join(program);
        fs::write(&path, script).unwrap();
        make_executable(&path);
        log
    }

    /// Runs fluxfleet in the repository with a PATH of `bin/` and a directory of links to
    /// the few tools the run and the stand-ins need (so a `gh` installed on this machine is not
    /// found).
    fn run(&self, args: &[&str]) -> std::process::Output {
        let tools = self.sandbox.work().join("tools");
        if !tools.exists() {
            fs::create_dir_all(&tools).unwrap();
            for tool in ["git", "cat"] {
                std::os::unix::fs::symlink(which(tool), tools.join(tool)).unwrap();
            }
        }
        let path = format!("{}:{}", self.bin.display(), tools.display());
        let mut cmd = self.sandbox.fluxfleet(&self.repo);
        cmd.env("PATH", path).args(args).output().unwrap()
    }

    fn git(&self, args: &[&str]) -> String {
        self.sandbox.git(&self.repo, args)
    }
}

fn which(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap()
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn pr_pushes_the_branch_and_opens_one_pull_request_with_gh() {
    let remote = Remote::new();
    let gh = remote.stand_in("gh");
    let out = remote.run(&["promote", "foo-app", "--to", "prod", "--pr", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let branch = "fluxfleet/promote-app-foo-app-to-prod";

    // The branch is on the remote, at the commit made here.
    let local = remote.git(&["rev-parse", branch]);
    let pushed = remote.sandbox.git(
        &remote.origin,
        &["rev-parse", &format!("refs/heads/{branch}")],
    );
    assert_eq!(local, pushed);
    assert_eq!(
        remote.git(&[
            "rev-parse",
            "--abbrev-ref",
            &format!("{branch}@{{upstream}}")
        ]),
        format!("origin/{branch}\n")
    );

    // gh was asked exactly this, and given the description on its standard input.
    let args = fs::read_to_string(gh.with_extension("args")).unwrap();
    assert_eq!(
        args,
        format!(
            "pr\ncreate\n--base\nmain\n--head\n{branch}\n--title\npromote foo-app to prod\n\
             --body-file\n-\n"
        )
    );
    let body = fs::read_to_string(gh.with_extension("stdin")).unwrap();
    assert!(body.starts_with("## promote foo-app to prod\n"), "{body}");
    assert!(
        body.contains("After:\n\n| app | dev | test | prod |\n|---|---|---|---|\n| `foo-app` | — | ✅ base | ✅ base |\n"),
        "{body}"
    );
    assert!(
        body.contains("- `clusters/prod/apps/kustomization.yaml`"),
        "{body}"
    );

    // --json: the outcome on stdout.
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["outcome"], "committed");
    assert_eq!(outcome["branch"], branch);
    assert_eq!(outcome["base"], "main");
    assert_eq!(outcome["commit"], local.trim());
    assert_eq!(outcome["pushed_to"], "origin");
    assert_eq!(outcome["pull_request"], "https://example.com/fleet/pull/7");
    assert_eq!(
        outcome["files"],
        serde_json::json!([{"path": "clusters/prod/apps/kustomization.yaml", "status": "M"}])
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Opened the pull request: https://example.com/fleet/pull/7"),
        "{stderr}"
    );
    kustomize(&remote.repo.join("clusters/prod"));
}

#[test]
fn gitlab_remotes_get_their_merge_request_from_glab() {
    let remote = Remote::new();
    let glab = remote.stand_in("glab");
    remote.git(&[
        "remote",
        "set-url",
        "--push",
        "origin",
        remote.origin.to_str().unwrap(),
    ]);
    // The URL names GitLab; pushes still go to the local bare repository.
    remote.git(&[
        "config",
        "remote.origin.url",
        "https://gitlab.example.com/team/fleet.git",
    ]);
    remote.git(&[
        "config",
        "remote.origin.pushurl",
        remote.origin.to_str().unwrap(),
    ]);
    let out = remote.run(&["demote", "podinfo", "--from", "dev", "--pr"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let args = fs::read_to_string(glab.with_extension("args")).unwrap();
    let lines: Vec<&str> = args.lines().collect();
    assert_eq!(
        lines[..8],
        [
            "mr",
            "create",
            "--source-branch",
            "fluxfleet/demote-app-podinfo-from-dev",
            "--target-branch",
            "main",
            "--title",
            "demote podinfo from dev",
        ]
    );
    assert_eq!(lines[8], "--description");
    assert!(args.contains("## demote podinfo from dev"), "{args}");
    assert_eq!(lines.last(), Some(&"--yes"));
}

#[test]
fn the_second_change_starts_from_the_base_not_from_the_first_ones_branch() {
    let remote = Remote::new();
    let main = remote.git(&["rev-parse", "main"]);
    let first = remote.run(&["promote", "foo-app", "--to", "prod"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = remote.run(&["demote", "podinfo", "--from", "dev"]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).starts_with(
            "Switched to main (the base of the new branch; you were on \
             fluxfleet/promote-app-foo-app-to-prod)\n"
        ),
        "{}",
        text(&second.stderr)
    );
    // One commit each, both on main.
    for branch in [
        "fluxfleet/promote-app-foo-app-to-prod",
        "fluxfleet/demote-app-podinfo-from-dev",
    ] {
        assert_eq!(remote.git(&["rev-parse", &format!("{branch}^")]), main);
    }
    assert_eq!(
        remote.git(&["symbolic-ref", "--short", "HEAD"]),
        "fluxfleet/demote-app-podinfo-from-dev\n"
    );
    // The second branch does not carry the first change.
    let prod =
        fs::read_to_string(remote.repo.join("clusters/prod/apps/kustomization.yaml")).unwrap();
    assert!(!prod.contains("foo-app"), "{prod}");
    assert_eq!(remote.git(&["status", "--porcelain"]), "");
    kustomize(&remote.repo.join("clusters/dev"));
}

#[test]
fn started_on_a_feature_branch_the_new_branch_parent_is_the_base() {
    let remote = Remote::new();
    let main = remote.git(&["rev-parse", "main"]);
    remote.git(&["switch", "-q", "-c", "feature"]);
    fs::write(remote.repo.join("NOTES.md"), "work in progress\n").unwrap();
    remote.git(&["add", "NOTES.md"]);
    remote.git(&["commit", "-qm", "notes"]);
    let out = remote.run(&["promote", "foo-app", "--to", "dev"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        remote.git(&["rev-parse", "fluxfleet/promote-app-foo-app-to-dev^"]),
        main
    );
    // The feature branch is untouched, and its file is not in the new branch.
    assert!(!remote.repo.join("NOTES.md").exists());
    assert_eq!(
        remote.git(&["show", "feature:NOTES.md"]),
        "work in progress\n"
    );
}

#[test]
fn base_flag_branches_from_the_given_ref() {
    let remote = Remote::new();
    remote.git(&["switch", "-q", "-c", "release"]);
    fs::write(remote.repo.join("NOTES.md"), "release notes\n").unwrap();
    remote.git(&["add", "NOTES.md"]);
    remote.git(&["commit", "-qm", "notes"]);
    let release = remote.git(&["rev-parse", "release"]);
    remote.git(&["switch", "-q", "main"]);
    let out = remote.run(&["promote", "foo-app", "--to", "dev", "--base", "release"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        remote.git(&["rev-parse", "fluxfleet/promote-app-foo-app-to-dev^"]),
        release
    );
}

#[test]
fn a_refused_change_goes_back_to_the_branch_it_started_on() {
    let remote = Remote::new();
    remote.git(&["switch", "-q", "-c", "feature"]);
    fs::write(remote.repo.join("NOTES.md"), "notes\n").unwrap();
    remote.git(&["add", "NOTES.md"]);
    remote.git(&["commit", "-qm", "notes"]);
    let before = remote.git(&["rev-parse", "HEAD"]);
    let out = remote.run(&["promote", "foo-app", "--to", "nope"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        remote.git(&["symbolic-ref", "--short", "HEAD"]),
        "feature\n"
    );
    assert_eq!(remote.git(&["rev-parse", "HEAD"]), before);
    assert_eq!(remote.git(&["status", "--porcelain"]), "");
    assert!(remote.repo.join("NOTES.md").exists());
    assert!(!remote.repo.join(".git/fluxfleet-switch").exists());
}

#[test]
fn uncommitted_changes_the_switch_would_overwrite_refuse_the_run() {
    let remote = Remote::new();
    remote.git(&["switch", "-q", "-c", "feature"]);
    fs::write(remote.repo.join("NOTES.md"), "notes\n").unwrap();
    remote.git(&["add", "NOTES.md"]);
    remote.git(&["commit", "-qm", "notes"]);
    fs::write(remote.repo.join("NOTES.md"), "edited, not committed\n").unwrap();
    let out = remote.run(&["promote", "foo-app", "--to", "dev"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: a new branch starts from main (the base), and switching to it from feature \
         would overwrite uncommitted changes to NOTES.md: commit or stash them first (`git \
         stash`), pass --base feature to branch from where you are, or --no-commit to edit the \
         working tree only\n"
    );
    assert_eq!(
        remote.git(&["symbolic-ref", "--short", "HEAD"]),
        "feature\n"
    );
    assert_eq!(
        fs::read_to_string(remote.repo.join("NOTES.md")).unwrap(),
        "edited, not committed\n"
    );
}

#[test]
fn running_the_same_change_again_finds_its_branch() {
    let remote = Remote::new();
    assert!(remote
        .run(&["promote", "foo-app", "--to", "prod"])
        .status
        .success());
    let out = remote.run(&["promote", "foo-app", "--to", "prod"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "Nothing to do: promote foo-app to prod: branch \
             fluxfleet/promote-app-foo-app-to-prod holds it already, made by an earlier run \
             and not merged into main yet.\n"
        ),
        "{stderr}"
    );
    // Back where it started, nothing new.
    assert_eq!(
        remote.git(&["symbolic-ref", "--short", "HEAD"]),
        "fluxfleet/promote-app-foo-app-to-prod\n"
    );
    assert_eq!(remote.git(&["branch", "--list"]).lines().count(), 2);
}

#[test]
fn pr_without_gh_is_refused_before_anything_is_written() {
    let remote = Remote::new();
    let out = remote.run(&["promote", "foo-app", "--to", "prod", "--pr"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: --pr opens the pull request with `gh`, which is not on PATH: install it from https://cli.github.com (then `gh \
         auth login`), or pass --push and open the pull request yourself\n"
    );
    assert_eq!(remote.git(&["branch", "--list"]), "* main\n");
    assert_eq!(remote.git(&["status", "--porcelain"]), "");
}

#[test]
fn push_without_a_remote_is_refused_before_anything_is_written() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let out = sandbox
        .fluxfleet(&repo)
        .args(["demote", "podinfo", "--from", "dev", "--push"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: --push: the repository has no remote \
         called origin to push to: add one (`git remote add origin URL`), or name it: --push \
         REMOTE\n"
    );
    assert_eq!(sandbox.git(&repo, &["branch", "--list"]), "* main\n");
}

#[test]
fn a_failed_push_says_the_commit_is_there_and_how_to_push_it() {
    let remote = Remote::new();
    fs::remove_dir_all(&remote.origin).unwrap();
    let out = remote.run(&["demote", "podinfo", "--from", "dev", "--push"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.ends_with(
            "error: `git push -u origin fluxfleet/demote-app-podinfo-from-dev` failed (exit \
             status: 128): the change is committed on branch \
             fluxfleet/demote-app-podinfo-from-dev; push it with `git push -u origin \
             fluxfleet/demote-app-podinfo-from-dev` once the problem is fixed\n"
        ),
        "{stderr}"
    );
    assert_eq!(
        remote.git(&["symbolic-ref", "--short", "HEAD"]),
        "fluxfleet/demote-app-podinfo-from-dev\n"
    );
}

#[test]
fn dry_run_previews_the_description_and_says_what_the_real_run_would_push() {
    let remote = Remote::new();
    remote.stand_in("gh");
    let out = remote.run(&[
        "make-common",
        "app",
        "foo-app",
        "--pr",
        "--pr-body",
        "-",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("diff --git"), "{stdout}");
    assert!(stdout.contains("## make app foo-app common"), "{stdout}");
    assert!(
        text(&out.stderr).contains(
            "The real run would push fluxfleet/make-common-app-foo-app to origin, and open its \
             pull request with `gh`.\n"
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(remote.git(&["branch", "--list"]), "* main\n");
    assert_eq!(remote.git(&["status", "--porcelain"]), "");
}

/// A new app in the seed fleet's test cluster.
const ADD_WEB: &[&str] = &[
    "add-app",
    "web",
    "--namespace",
    "foo",
    "--image",
    "nginx:1",
    "--port",
    "80",
    "--clusters",
    "test",
];

#[test]
fn pr_body_is_taken_by_every_command_that_changes_the_fleet() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let runs: [&[&str]; 5] = [
        &["add-cluster", "staging"],
        ADD_WEB,
        &["add-ns", "team-y", "--clusters", "dev"],
        &[
            "add-overlay",
            "foo-app",
            "--cluster",
            "test",
            "--replicas",
            "2",
        ],
        &["make-common", "ns", "foo"],
    ];
    for args in runs {
        sandbox.git(&repo, &["switch", "-q", "main"]);
        let out = sandbox
            .fluxfleet(&repo)
            .args(args)
            .args(["--pr-body", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let body = text(&out.stdout);
        assert!(body.starts_with("## "), "{args:?}: {body}");
        assert!(body.contains("### Files\n"), "{args:?}: {body}");
    }
}

#[test]
fn json_and_pr_body_on_stdout_are_refused_together() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let out = sandbox
        .fluxfleet(&repo)
        .args([
            "demote",
            "podinfo",
            "--from",
            "dev",
            "--json",
            "--pr-body",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --json and --pr-body - both print on stdout: give --pr-body a file\n"
    );
}

#[test]
fn the_dry_runs_description_is_the_one_the_real_run_writes() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let runs: [&[&str]; 3] = [
        &["promote", "foo-app", "--to", "prod,dev"],
        ADD_WEB,
        &["make-common", "ns", "foo"],
    ];
    for args in runs {
        sandbox.git(&repo, &["switch", "-q", "main"]);
        let run = |extra: &[&str]| {
            let out = sandbox
                .fluxfleet(&repo)
                .args(args)
                .args(["--pr-body", "-"])
                .args(extra)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
            text(&out.stdout)
        };
        let preview = run(&["--dry-run"]);
        let written = run(&[]);
        // The dry run prints the diff first, then the description.
        let (_, described) = preview.split_at(preview.find("## ").unwrap());
        assert_eq!(described, written, "{args:?}");
        assert!(written.contains("After:\n\n|"), "{args:?}: {written}");
    }
}

#[test]
fn a_run_killed_after_its_switch_to_the_base_is_undone_by_the_next_run() {
    let remote = Remote::new();
    assert!(remote
        .run(&["promote", "foo-app", "--to", "prod"])
        .status
        .success());
    let branch = "fluxfleet/promote-app-foo-app-to-prod";
    let before = remote.git(&["rev-parse", "HEAD"]);
    // Stopped with the working tree switched to main and HEAD not yet moved, then killed.
    let mut stopped = {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fluxfleet"));
        cmd.current_dir(&remote.repo)
            .args(["demote", "podinfo", "--from", "dev"])
            .env("FLUXFLEET_STOP_AT", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        remote.sandbox.isolate_process(&mut cmd);
        cmd.spawn().unwrap()
    };
    // Wait until it has stopped itself, then kill it.
    let pid = stopped.id();
    let state = || fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    for _ in 0..500 {
        if state().split(' ').nth(2) == Some("T") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(state().split(' ').nth(2), Some("T"), "the run did not stop");
    stopped.kill().unwrap();
    stopped.wait().unwrap();
    assert!(remote.repo.join(".git/fluxfleet-switch").exists());

    let out = remote.run(&["status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!(
            "warning: an interrupted run had switched to the base of its branch: back on {branch}"
        )),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        remote.git(&["symbolic-ref", "--short", "HEAD"]),
        format!("{branch}\n")
    );
    assert_eq!(remote.git(&["rev-parse", "HEAD"]), before);
    assert_eq!(remote.git(&["status", "--porcelain"]), "");
    assert!(!remote.repo.join(".git/fluxfleet-switch").exists());
}

#[test]
fn a_failure_right_after_the_switch_goes_back() {
    let remote = Remote::new();
    assert!(remote
        .run(&["promote", "foo-app", "--to", "prod"])
        .status
        .success());
    let mut cmd = remote.sandbox.fluxfleet(&remote.repo);
    let out = cmd
        .args(["demote", "podinfo", "--from", "dev"])
        .env("FLUXFLEET_FAIL_AT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("injected failure at step 1"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        remote.git(&["symbolic-ref", "--short", "HEAD"]),
        "fluxfleet/promote-app-foo-app-to-prod\n"
    );
    assert_eq!(remote.git(&["status", "--porcelain"]), "");
    assert_eq!(remote.git(&["branch", "--list"]).lines().count(), 2);
}

#[test]
fn a_refused_change_on_another_branch_leaves_gits_files_byte_for_byte() {
    let remote = Remote::new();
    assert!(remote
        .run(&["promote", "foo-app", "--to", "prod"])
        .status
        .success());
    let before = common::repo_state(&remote.repo);
    // Switched to main to plan, refused there, and back.
    let out = remote.run(&["promote", "nosuch", "--to", "dev"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        common::repo_state(&remote.repo) == before,
        "{}",
        text(&out.stderr)
    );
    assert!(!remote.repo.join(".git/fluxfleet-switch.index").exists());
}

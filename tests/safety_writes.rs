//! Writes stay inside the repository and commits hold exactly the change: planted links at the
//! temporaries' names, a full disk, where a `--pr-body` is written (its refusals are golden
//! cases under `tests/cases/promote/pr-body-*`), a `.git` that is a link to another checkout,
//! a plan made from uncommitted text, and git's line-ending filters.

#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{repo_state, seed_fixture, Sandbox};

const LIST: &str = "clusters/dev/apps/kustomization.yaml";
/// The seed fleet with foo-app deploying into team-x, which every cluster has: promoting it
/// is then a one-file change (into namespace foo it would bring foo along).
fn seed(sandbox: &Sandbox) -> PathBuf {
    let repo = sandbox.seed_repo();
    common::foo_app_into_team_x(&repo);
    sandbox.git(&repo, &["commit", "-qam", "foo-app into team-x"]);
    repo
}

/// Every file under `dir` whose name marks it as a fluxfleet temporary.
fn temporaries(dir: &Path) -> Vec<String> {
    common::tree(dir)
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.contains(".fluxfleet-") && path.ends_with(".tmp"))
        .collect()
}

#[test]
fn links_planted_at_temporary_names_are_never_written_through() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let outside = sandbox.work().join("outside.txt");
    fs::write(&outside, "precious\n").unwrap();
    // The names the temporaries of the next runs would have had when named by process id:
    // links to the outside file, committed.
    let next = std::process::Command::new("true").spawn().unwrap().id();
    for pid in next..next + 3000 {
        let link = repo.join(format!(
            "clusters/dev/apps/.kustomization.yaml.fluxfleet-{pid}.tmp"
        ));
        std::os::unix::fs::symlink(&outside, link).unwrap();
    }
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "plant"]);
    sandbox
        .fluxfleet(&repo)
        .args(["promote", "foo-app", "--to", "dev"])
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&outside).unwrap(), "precious\n");
    let list = fs::symlink_metadata(repo.join(LIST)).unwrap();
    assert!(list.is_file(), "the list is still a regular file");
    assert!(fs::read_to_string(repo.join(LIST))
        .unwrap()
        .contains("foo-app"));
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
}

#[test]
fn a_write_that_fails_for_lack_of_space_leaves_no_temporary() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    // A list larger than the file size limit the run gets below: its temporary cannot be
    // written in full.
    let mut big = fs::read_to_string(repo.join(LIST)).unwrap();
    big.push_str(&"# padding\n".repeat(40_000));
    fs::write(repo.join(LIST), big).unwrap();
    sandbox.git(&repo, &["commit", "-qam", "big"]);
    let before = repo_state(&repo);
    let script = format!(
        "trap '' XFSZ; ulimit -f 200; exec {} promote foo-app --to dev",
        env!("CARGO_BIN_EXE_fluxfleet")
    );
    let mut cmd = std::process::Command::new("bash");
    cmd.current_dir(&repo).args(["-c", &script]);
    sandbox.isolate_process(&mut cmd);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!("error: {LIST}: File too large (os error 27)\n")
    );
    assert_eq!(temporaries(&repo), Vec::<String>::new());
    assert_eq!(repo_state(&repo), before);
    assert!(!repo.join(".git/fluxfleet").exists());
    assert!(!repo.join(".git/index.lock").exists());
}

#[test]
fn a_pr_body_is_written_before_the_commit_and_to_stdout_for_a_dash() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let out = sandbox
        .fluxfleet(&repo)
        .args(["promote", "foo-app", "--to", "dev", "--pr-body", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("## promote foo-app to dev\n"),
        "{stdout}"
    );
    assert!(stdout.contains("### What runs where"), "{stdout}");
    assert!(!repo.join("-").exists());

    // A description that cannot be written refuses the run as a whole: every step of the
    // run fails in turn, the description's among them, and each leaves nothing behind.
    let repo = sandbox.work().join("fleet2");
    sandbox.commit_copy(&seed_fixture(), &repo, |_| {});
    let before = repo_state(&repo);
    let body = sandbox.work().join("pr.md");
    let mut described = false;
    for step in 1.. {
        let out = sandbox
            .fluxfleet(&repo)
            .env("FLUXFLEET_FAIL_AT", step.to_string())
            .args(["promote", "foo-app", "--to", "dev", "--pr-body", "../pr.md"])
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        described |= stderr.contains("pull request description");
        assert_eq!(repo_state(&repo), before, "step {step}: {stderr}");
        assert!(
            !body.exists(),
            "step {step} wrote the description: {stderr}"
        );
    }
    assert!(described, "no step wrote the description");
    assert!(body.is_file());
    assert_eq!(
        sandbox.git(&repo, &["branch", "--show-current"]).trim(),
        "fluxfleet/promote-app-foo-app-to-dev"
    );
}

#[test]
fn a_git_link_to_another_checkout_edits_this_work_tree_only() {
    let sandbox = Sandbox::new();
    let first = seed(&sandbox);
    let second = sandbox.work().join("second");
    common::copy_dir(&seed_fixture(), &second);
    common::foo_app_into_team_x(&second);
    std::os::unix::fs::symlink(first.join(".git"), second.join(".git")).unwrap();
    let first_files = common::tree(&first);
    sandbox
        .fluxfleet(&second)
        .args(["promote", "foo-app", "--to", "dev"])
        .assert()
        .success();
    assert_eq!(
        common::tree(&first),
        first_files,
        "the other checkout changed"
    );
    assert!(fs::read_to_string(second.join(LIST))
        .unwrap()
        .contains("foo-app"));
    assert_eq!(
        sandbox.git(&second, &["show", "--name-only", "--format=", "HEAD"]),
        format!("{LIST}\n")
    );
}

#[test]
fn a_plan_made_from_uncommitted_text_that_concerns_it_is_refused() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    // Uncommitted: dev already lists foo-app, so the plan would skip dev, and the branch,
    // made from HEAD, would not have it there.
    let list = fs::read_to_string(repo.join(LIST)).unwrap();
    fs::write(
        repo.join(LIST),
        format!("{list}- ../../../apps/foo-app/base\n"),
    )
    .unwrap();
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(["promote", "foo-app", "--to", "dev,prod"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "error: the change was planned from files whose uncommitted changes concern it: \
             {LIST}\nthe new branch starts from HEAD, which has them otherwise: commit or stash \
             them first (`git stash`), or pass --no-commit to edit the working tree only\n"
        ));
    assert_eq!(repo_state(&repo), before);
}

/// A seed repository whose text files git stores with LF and checks out with CRLF.
fn crlf_repo(sandbox: &Sandbox, configure: &[&[&str]]) -> PathBuf {
    let repo = seed(sandbox);
    for args in configure {
        sandbox.git(&repo, args);
    }
    sandbox.git(&repo, &["commit", "-qam", "line endings", "--allow-empty"]);
    // A fresh checkout writes every file with the configured line endings.
    for (path, _) in common::tree(&repo) {
        fs::remove_file(repo.join(path)).unwrap();
    }
    sandbox.git(&repo, &["checkout", "-q", "--", "."]);
    assert!(fs::read_to_string(repo.join(LIST))
        .unwrap()
        .contains("\r\n"));
    assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    repo
}

#[test]
fn line_endings_go_through_git_filters_like_git_add() {
    let sandbox = Sandbox::new();
    let autocrlf = crlf_repo(&sandbox, &[&["config", "core.autocrlf", "true"]]);
    let attributes = sandbox.work().join("attrs");
    sandbox.commit_copy(&seed_fixture(), &attributes, |dir| {
        fs::write(dir.join(".gitattributes"), "*.yaml text eol=crlf\n").unwrap();
        common::foo_app_into_team_x(dir);
    });
    for (path, _) in common::tree(&attributes) {
        if path.ends_with(".yaml") {
            fs::remove_file(attributes.join(path)).unwrap();
        }
    }
    sandbox.git(&attributes, &["checkout", "-q", "--", "."]);
    assert!(fs::read_to_string(attributes.join(LIST))
        .unwrap()
        .contains("\r\n"));

    for repo in [autocrlf, attributes] {
        sandbox
            .fluxfleet(&repo)
            .args(["promote", "foo-app", "--to", "dev"])
            .assert()
            .success();
        // The commit stores the one new line, with git's line ending for the blob.
        let diff = sandbox.git(&repo, &["show", "--format=", "--numstat", "HEAD"]);
        assert_eq!(diff, format!("1\t0\t{LIST}\n"), "{}", repo.display());
        let blob = sandbox.git(&repo, &["show", &format!("HEAD:{LIST}")]);
        assert!(!blob.contains('\r'), "the blob keeps LF: {blob:?}");
        assert!(fs::read_to_string(repo.join(LIST))
            .unwrap()
            .contains("\r\n"));
        assert_eq!(sandbox.git(&repo, &["status", "--porcelain"]), "");
    }
}

#[test]
fn template_overrides_are_read_from_inside_the_repository_only() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let secret = sandbox.work().join("secret.yaml");
    fs::write(&secret, "kind: Secret # outside the repository\n").unwrap();
    let dir = repo.join(".fluxfleet/templates/app");
    fs::create_dir_all(&dir).unwrap();
    let add_app = [
        "add-app",
        "web",
        "--namespace",
        "foo",
        "--image",
        "nginx:1.27",
        "--port",
        "80",
        "--clusters",
        "dev",
    ];
    // A link out of the repository: refused, naming it; the outside file is not read.
    std::os::unix::fs::symlink(&secret, dir.join("deployment.yaml")).unwrap();
    sandbox.git(&repo, &["add", "-A"]);
    sandbox.git(&repo, &["commit", "-qm", "override"]);
    let before = repo_state(&repo);
    sandbox
        .fluxfleet(&repo)
        .args(add_app)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "error: .fluxfleet/templates/app/deployment.yaml: a symbolic link along it leaves \
             the repository\n",
        );
    assert_eq!(repo_state(&repo), before);

    // A named pipe: refused without waiting for a writer.
    fs::remove_file(dir.join("deployment.yaml")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.join("deployment.yaml"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let out = sandbox.fluxfleet(&repo).args(add_app).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: .fluxfleet/templates/app/deployment.yaml: not a regular file but a named pipe \
         (FIFO); fluxfleet reads only regular files: remove it\n"
    );
}

#[test]
fn a_first_commit_on_a_named_branch_leaves_head_on_it() {
    let sandbox = Sandbox::new();
    let dir = sandbox.work().join("new-fleet");
    sandbox
        .fluxfleet(&sandbox.work())
        .args([
            "--branch",
            "setup",
            "init",
            "new-fleet",
            "--clusters",
            "dev,prod",
        ])
        .assert()
        .success();
    assert_eq!(
        sandbox.git(&dir, &["symbolic-ref", "HEAD"]),
        "refs/heads/setup\n"
    );
    assert_eq!(sandbox.git(&dir, &["status", "--porcelain"]), "");
    assert_eq!(sandbox.git(&dir, &["rev-list", "--count", "setup"]), "1\n");
}

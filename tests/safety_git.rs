//! Git's own rules: branch names git refuses, branches in each other's way, hooks and signing
//! that a commit through libgit2 would bypass, and repository shapes libgit2 cannot commit in
//! (split index, submodule, bare, sparse) are refused before anything is written, with a message
//! saying what is wrong and what to do; ignored files the change commits are named in a warning.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{repo_state, Sandbox};

/// The seed fleet committed in a fresh repository.
struct Fleet {
    sandbox: Sandbox,
    repo: PathBuf,
}

/// What a run printed and how it ended, with the sandbox's temporary directory written
/// `[TMP]` so that messages can be compared whole.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn refused(stderr: &str) -> Run {
        Run {
            code: Some(1),
            stdout: String::new(),
            stderr: format!("error: {stderr}\n"),
        }
    }
}

impl Fleet {
    fn new() -> Self {
        let sandbox = Sandbox::new();
        let repo = sandbox.seed_repo();
        Fleet { sandbox, repo }
    }

    fn git(&self, args: &[&str]) -> String {
        self.sandbox.git(&self.repo, args)
    }

    fn write(&self, file: &str, text: &str) {
        let path = self.repo.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_in(&self.repo, args)
    }

    fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let out = self.sandbox.fluxfleet(dir).args(args).output().unwrap();
        let tmp = self.sandbox.temp.path().display().to_string();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&tmp, "[TMP]");
        Run {
            code: out.status.code(),
            stdout: text(&out.stdout),
            stderr: text(&out.stderr),
        }
    }

    /// Runs `args`, which must be refused with `message`, and checks that files, index, refs
    /// and HEAD are as they were.
    fn assert_refused(&self, args: &[&str], message: &str) {
        let before = repo_state(&self.repo);
        // A refused change says nothing of what it would have done (a demote's prune warning).
        let expected = Run::refused(message);
        pretty_assertions::assert_eq!(self.run(args), expected, "{args:?}");
        assert!(
            repo_state(&self.repo) == before,
            "{args:?}: the refused run changed the repository"
        );
        assert!(!self.repo.join(".git/fluxfleet.lock").exists());
    }

    fn branches(&self) -> String {
        self.git(&["branch", "--format=%(refname:short)"])
    }

    fn head_branch(&self) -> String {
        self.git(&["symbolic-ref", "--short", "HEAD"])
            .trim()
            .to_string()
    }
}

const DEMOTE: &[&str] = &["demote", "podinfo", "--from", "dev"];
/// The warning every demote of podinfo from dev prints first.
const PRUNED: &str = "warning: Flux prunes what leaves a cluster (prune: true): once it syncs \
                      this change, app podinfo is deleted from dev, with the objects it made \
                      there\n";
const DEMOTED: &str = "warning: Flux prunes what leaves a cluster (prune: true): once it syncs \
                       this change, app podinfo is deleted from dev, with the objects it made \
                       there\nCommitted on branch fluxfleet/demote-app-podinfo-from-dev: demote \
                       podinfo from dev\n  M clusters/dev/apps/kustomization.yaml\n";
const SUGGEST: &str = "pass another --branch NAME, such as fluxfleet/my-change";

/// `flags` followed by `args`.
fn with<'a>(flags: &[&'a str], args: &[&'a str]) -> Vec<&'a str> {
    flags.iter().chain(args).copied().collect()
}

// Branch names.

#[test]
fn branch_names_git_refuses_are_refused_stating_the_rule() {
    let fleet = Fleet::new();
    let cases = [
        (
            "HEAD",
            "HEAD names the checked-out commit, so git refuses it as a branch name",
        ),
        (
            "-x",
            "a branch name cannot start with '-' (git would read it as an option)",
        ),
        (
            "-",
            "a branch name cannot start with '-' (git would read it as an option)",
        ),
        ("a..b", "a branch name cannot contain '..'"),
        (
            "@",
            "`@` alone means HEAD to git, so the branch could not be named",
        ),
        ("a b", "a branch name cannot contain spaces"),
        ("a~b", "a branch name cannot contain any of ~ ^ : ? * [ \\"),
        ("a^b", "a branch name cannot contain any of ~ ^ : ? * [ \\"),
        ("a:b", "a branch name cannot contain any of ~ ^ : ? * [ \\"),
        ("a?b", "a branch name cannot contain any of ~ ^ : ? * [ \\"),
        ("a*b", "a branch name cannot contain any of ~ ^ : ? * [ \\"),
        ("a[b", "a branch name cannot contain any of ~ ^ : ? * [ \\"),
        ("a\\b", "a branch name cannot contain any of ~ ^ : ? * [ \\"),
        (
            "x.lock",
            "no '/'-separated part of a branch name can end with '.lock'",
        ),
        (
            "x/",
            "a branch name cannot start or end with '/' or contain '//'",
        ),
        ("a@{1}", "a branch name cannot contain '@{'"),
        (
            "x/.y",
            "no '/'-separated part of a branch name can start with '.'",
        ),
    ];
    for (name, rule) in cases {
        let message = format!("--branch {name:?} is not a valid branch name: {rule}; {SUGGEST}");
        let flag = format!("--branch={name}");
        fleet.assert_refused(&with(&[&flag], DEMOTE), &message);
    }
    // The spelling with a space: `-` is a value to clap, and still refused.
    fleet.assert_refused(
        &["--branch", "-", "demote", "podinfo", "--from", "dev"],
        &format!(
            "--branch \"-\" is not a valid branch name: a branch name cannot start with '-' \
             (git would read it as an option); {SUGGEST}"
        ),
    );
    assert_eq!(fleet.branches(), "main\n");
}

#[test]
fn a_refused_branch_name_is_refused_by_a_dry_run_too() {
    let fleet = Fleet::new();
    fleet.assert_refused(
        &[
            "--dry-run",
            "--branch",
            "HEAD",
            "demote",
            "podinfo",
            "--from",
            "dev",
        ],
        &format!(
            "--branch \"HEAD\" is not a valid branch name: HEAD names the checked-out commit, \
             so git refuses it as a branch name; {SUGGEST}"
        ),
    );
}

#[test]
fn branch_names_git_accepts_still_commit() {
    let fleet = Fleet::new();
    let run = fleet.run(&[
        "--branch",
        "team/x@y-1.2",
        "demote",
        "podinfo",
        "--from",
        "dev",
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(fleet.head_branch(), "team/x@y-1.2");
}

#[test]
fn a_branch_named_like_the_prefix_of_the_new_one_is_in_the_way() {
    let fleet = Fleet::new();
    fleet.git(&["branch", "fluxfleet"]);
    fleet.assert_refused(
        DEMOTE,
        "the existing branch \"fluxfleet\" is in the way of the new branch \
         \"fluxfleet/demote-app-podinfo-from-dev\": git cannot hold a branch \"fluxfleet\" and a \
         branch \"fluxfleet/demote-app-podinfo-from-dev\" at the same time; pass --branch NAME for \
         another name, or rename the existing branch (`git branch -m fluxfleet NEW-NAME`)",
    );
    // The way out the message names works.
    let run = fleet.run(&[
        "--branch",
        "demote-podinfo",
        "demote",
        "podinfo",
        "--from",
        "dev",
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn a_branch_below_the_new_name_is_in_the_way() {
    let fleet = Fleet::new();
    fleet.git(&["branch", "fluxfleet/x"]);
    fleet.assert_refused(
        &[
            "--branch",
            "fluxfleet",
            "demote",
            "podinfo",
            "--from",
            "dev",
        ],
        "the existing branch \"fluxfleet/x\" is in the way of the new branch \"fluxfleet\": \
         git cannot hold a branch \"fluxfleet\" and a branch \"fluxfleet/x\" at the same time; \
         pass --branch NAME for another name, or rename the existing branch (`git branch -m \
         fluxfleet/x NEW-NAME`)",
    );
}

// Hooks and signing.

/// Installs an executable hook that fails, so that a commit that ran it would not exist.
fn hook(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, "#!/bin/sh\necho hook ran >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_pre_commit_hook_is_refused_naming_it_and_no_verify() {
    let fleet = Fleet::new();
    hook(&fleet.repo.join(".git/hooks/pre-commit"));
    fleet.assert_refused(
        DEMOTE,
        "the repository has the git hook [TMP]/work/fleet/.git/hooks/pre-commit, which `git \
         commit` would run but fluxfleet cannot: pass --no-verify to commit without it (as `git \
         commit --no-verify` does), or pass --no-commit and commit the change yourself with \
         `git commit`",
    );
    let run = fleet.run(&with(&["--no-verify"], DEMOTE));
    pretty_assertions::assert_eq!(
        run,
        Run {
            code: Some(0),
            stdout: String::new(),
            stderr: DEMOTED.to_string(),
        }
    );
    assert_eq!(fleet.head_branch(), "fluxfleet/demote-app-podinfo-from-dev");
}

#[test]
fn hooks_in_core_hooks_path_are_found_and_named() {
    let fleet = Fleet::new();
    fleet.git(&["config", "core.hooksPath", ".githooks"]);
    hook(&fleet.repo.join(".githooks/commit-msg"));
    hook(&fleet.repo.join(".githooks/pre-commit"));
    fleet.git(&["add", ".githooks"]);
    fleet.git(&["commit", "-qm", "hooks", "--no-verify"]);
    fleet.assert_refused(
        DEMOTE,
        "the repository has the git hooks [TMP]/work/fleet/.githooks/pre-commit and \
         [TMP]/work/fleet/.githooks/commit-msg, which `git commit` would run but fluxfleet \
         cannot: pass --no-verify to commit without them (as `git commit --no-verify` does), or \
         pass --no-commit and commit the change yourself with `git commit`",
    );
    // The hooks in .git/hooks are not git's any more: core.hooksPath replaces them.
    fleet.git(&["config", "core.hooksPath", "/nowhere"]);
    hook(&fleet.repo.join(".git/hooks/pre-commit"));
    let run = fleet.run(DEMOTE);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn a_hook_that_is_not_executable_does_not_count_as_git_does() {
    let fleet = Fleet::new();
    fleet.write(".git/hooks/pre-commit", "#!/bin/sh\nexit 1\n");
    fleet.write(".git/hooks/commit-msg.sample", "#!/bin/sh\nexit 1\n");
    let run = fleet.run(DEMOTE);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn commit_gpgsign_is_refused_unless_no_gpg_sign() {
    let fleet = Fleet::new();
    fleet.git(&["config", "commit.gpgsign", "true"]);
    fleet.assert_refused(
        DEMOTE,
        "commit.gpgsign is true in the repository's configuration, so `git commit` would sign \
         the commit, but fluxfleet cannot sign: pass --no-gpg-sign to commit unsigned (as `git \
         commit --no-gpg-sign` does), or pass --no-commit and commit the change yourself with \
         `git commit`",
    );
    let run = fleet.run(&with(&["--no-gpg-sign"], DEMOTE));
    pretty_assertions::assert_eq!(
        run,
        Run {
            code: Some(0),
            stdout: String::new(),
            stderr: DEMOTED.to_string(),
        }
    );
    let commit = fleet.git(&["cat-file", "commit", "HEAD"]);
    assert!(!commit.contains("gpgsig"), "{commit}");
}

#[test]
fn commit_gpgsign_in_the_global_configuration_is_named_so() {
    let fleet = Fleet::new();
    let config = fleet.sandbox.home().join(".gitconfig");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replace("gpgsign = false", "gpgsign = true")).unwrap();
    fleet.assert_refused(
        DEMOTE,
        "commit.gpgsign is true in your global git configuration, so `git commit` would sign \
         the commit, but fluxfleet cannot sign: pass --no-gpg-sign to commit unsigned (as `git \
         commit --no-gpg-sign` does), or pass --no-commit and commit the change yourself with \
         `git commit`",
    );
}

#[test]
fn a_dry_run_warns_that_the_real_run_would_be_refused_by_a_hook() {
    let fleet = Fleet::new();
    hook(&fleet.repo.join(".git/hooks/commit-msg"));
    let before = repo_state(&fleet.repo);
    let run = fleet.run(&with(&["--dry-run"], DEMOTE));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stdout.contains("-- ../../../apps/podinfo/overlays/dev"),
        "{run:?}"
    );
    pretty_assertions::assert_eq!(
        run.stderr,
        PRUNED.to_string()
            + "warning: the real run would be refused: the repository has the git hook \
         [TMP]/work/fleet/.git/hooks/commit-msg, which `git commit` would run but fluxfleet \
         cannot: pass --no-verify to commit without it (as `git commit --no-verify` does), or \
         pass --no-commit and commit the change yourself with `git commit`\n"
    );
    assert!(repo_state(&fleet.repo) == before);
    let quiet = fleet.run(&with(&["--dry-run", "--no-verify"], DEMOTE));
    assert_eq!(quiet.stderr, PRUNED, "{quiet:?}");
}

#[test]
fn no_commit_needs_neither_no_verify_nor_no_gpg_sign() {
    let fleet = Fleet::new();
    hook(&fleet.repo.join(".git/hooks/pre-commit"));
    fleet.git(&["config", "commit.gpgsign", "true"]);
    let run = fleet.run(&with(&["--no-commit"], DEMOTE));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(fleet.head_branch(), "main");
    assert!(
        !fs::read_to_string(fleet.repo.join("clusters/dev/apps/kustomization.yaml"))
            .unwrap()
            .contains("podinfo")
    );
}

// Repository shapes libgit2 cannot commit in.

#[test]
fn a_split_index_is_refused_saying_how_to_undo_it() {
    let fleet = Fleet::new();
    fleet.git(&["update-index", "--split-index"]);
    let message = "[TMP]/work/fleet/.git/index is a split index (`git update-index \
                   --split-index`, or core.splitIndex), which fluxfleet's git library cannot \
                   read: run `git update-index --no-split-index` to write it as one file, then \
                   run again";
    fleet.assert_refused(DEMOTE, message);
    let dry = fleet.run(&with(&["--dry-run"], DEMOTE));
    assert_eq!(dry.code, Some(0));
    assert_eq!(
        dry.stderr,
        format!("{PRUNED}warning: the real run would be refused: {message}\n")
    );
    fleet.git(&["config", "core.splitIndex", "true"]);
    fleet.assert_refused(
        DEMOTE,
        "[TMP]/work/fleet/.git/index is a split index (`git update-index --split-index`, or \
         core.splitIndex), which fluxfleet's git library cannot read: run `git config \
         core.splitIndex false`, then `git update-index --no-split-index` to write it as one \
         file, then run again",
    );
    // The way out the message names works.
    fleet.git(&["config", "core.splitIndex", "false"]);
    fleet.git(&["update-index", "--no-split-index"]);
    let run = fleet.run(DEMOTE);
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[test]
fn a_cluster_that_is_a_submodule_is_refused_naming_it() {
    let fleet = Fleet::new();
    let dev = fleet.repo.join("clusters/dev");
    fleet.sandbox.git(&dev, &["init", "-q", "-b", "main"]);
    fleet.sandbox.git(&dev, &["add", "-A"]);
    fleet
        .sandbox
        .git(&dev, &["commit", "-qm", "dev on its own"]);
    fleet.git(&["rm", "-rq", "--cached", "clusters/dev"]);
    fleet.git(&["add", "clusters/dev"]);
    fleet.git(&["commit", "-qm", "dev is a submodule"]);
    assert!(fleet
        .git(&["ls-tree", "HEAD", "clusters/dev"])
        .starts_with("160000 commit"));
    fleet.assert_refused(
        DEMOTE,
        "clusters/dev is a git submodule (a separate repository, recorded in HEAD as a commit), \
         so clusters/dev/apps/kustomization.yaml cannot be committed in this repository: make \
         the change in the submodule's own repository (pass --no-commit to edit the files, then \
         commit them in clusters/dev), or turn clusters/dev into an ordinary directory of this \
         repository",
    );
    let dry = fleet.run(&with(&["--dry-run"], DEMOTE));
    assert_eq!(dry.code, Some(0), "{dry:?}");
    assert!(
        dry.stderr.starts_with(&format!(
            "{PRUNED}warning: the real run would be refused: clusters/dev is a git submodule"
        )),
        "{dry:?}"
    );
}

#[test]
fn a_git_file_pointing_at_a_bare_repository_is_refused_saying_so() {
    let fleet = Fleet::new();
    let work = fleet.sandbox.work();
    fleet
        .sandbox
        .git(&work, &["clone", "-q", "--bare", "fleet", "store.git"]);
    let checkout = work.join("checkout");
    common::copy_dir(&fleet.repo.join("clusters"), &checkout.join("clusters"));
    fs::write(
        checkout.join(".git"),
        format!("gitdir: {}\n", work.join("store.git").display()),
    )
    .unwrap();
    let before = common::tree(&checkout);
    let store_before = repo_state(&work.join("store.git"));
    pretty_assertions::assert_eq!(
        fleet.run_in(&checkout, DEMOTE),
        Run::refused(
            "[TMP]/work/checkout/.git points at [TMP]/work/store.git, which is a bare repository \
             (core.bare = true): it has no working tree, so [TMP]/work/checkout is not one and \
             fluxfleet has no files to edit and commit there; run fluxfleet in a clone (`git \
             clone [TMP]/work/store.git DIR`) or in a worktree of it (`git -C \
             [TMP]/work/store.git worktree add DIR`)"
        )
    );
    assert!(common::tree(&checkout) == before);
    assert!(repo_state(&work.join("store.git")) == store_before);
}

#[test]
fn a_sparse_checkout_that_leaves_out_a_cluster_is_refused_naming_it() {
    let fleet = Fleet::new();
    fleet.git(&[
        "sparse-checkout",
        "set",
        "--no-cone",
        "/*",
        "!/clusters/prod/",
    ]);
    assert!(!fleet.repo.join("clusters/prod").exists());
    let message = "this is a sparse checkout that leaves clusters/prod out of the working \
                   tree: fluxfleet reads the fleet from the working tree, so it would plan \
                   without them (and `--to all` would skip them); run `git sparse-checkout \
                   disable` (or `git sparse-checkout add clusters` and the paths named), then \
                   run again";
    fleet.assert_refused(DEMOTE, message);
    fleet.assert_refused(
        &["promote", "foo-app", "--with-namespace", "--to", "all"],
        message,
    );
}

#[test]
fn a_sparse_checkout_that_keeps_every_cluster_commits() {
    let fleet = Fleet::new();
    fleet.git(&[
        "sparse-checkout",
        "set",
        "--no-cone",
        "/*",
        "!/apps/foo-app/",
    ]);
    let run = fleet.run(DEMOTE);
    pretty_assertions::assert_eq!(
        run,
        Run {
            code: Some(0),
            stdout: String::new(),
            stderr: DEMOTED.to_string(),
        }
    );
}

#[test]
fn a_sparse_index_is_refused_saying_how_to_expand_it() {
    let fleet = Fleet::new();
    fleet.git(&[
        "sparse-checkout",
        "set",
        "--sparse-index",
        "clusters/dev",
        "apps",
        "infrastructure",
    ]);
    fleet.assert_refused(
        DEMOTE,
        "[TMP]/work/fleet/.git/index is a sparse index (index.sparse), which fluxfleet's git \
         library cannot read: run `git sparse-checkout disable` (or `git sparse-checkout \
         reapply --no-sparse-index` to keep the sparse checkout), then run again",
    );
    // Once expanded, the sparse checkout itself is refused: it leaves clusters out.
    fleet.git(&["sparse-checkout", "reapply", "--no-sparse-index"]);
    fleet.assert_refused(
        DEMOTE,
        "this is a sparse checkout that leaves clusters/prod, clusters/test out of the working \
         tree: fluxfleet reads the fleet from the working tree, so it would plan without them \
         (and `--to all` would skip them); run `git sparse-checkout disable` (or `git \
         sparse-checkout add clusters` and the paths named), then run again",
    );
}

// Ignored files.

#[test]
fn files_the_change_adds_that_git_ignores_are_named_with_the_rule() {
    let fleet = Fleet::new();
    fleet.write("clusters/.gitignore", "# local experiments\nstaging/\n");
    fleet.git(&["add", "-A"]);
    fleet.git(&["commit", "-qm", "ignore staging"]);
    let before = repo_state(&fleet.repo);
    let dry = fleet.run(&["--dry-run", "add-cluster", "staging", "--like", "dev"]);
    assert_eq!(dry.code, Some(0), "{dry:?}");
    assert!(repo_state(&fleet.repo) == before);
    let run = fleet.run(&["add-cluster", "staging", "--like", "dev"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let files = "clusters/staging/apps/kustomization.yaml, clusters/staging/apps.yaml, \
                 clusters/staging/flux-system/gotk-components.yaml, \
                 clusters/staging/flux-system/gotk-sync.yaml, \
                 clusters/staging/flux-system/kustomization.yaml, \
                 clusters/staging/infra/kustomization.yaml, clusters/staging/infra.yaml, \
                 clusters/staging/kustomization.yaml, \
                 clusters/staging/policies/kustomization.yaml, clusters/staging/policies.yaml";
    let warning = format!(
        "warning: {files} are ignored by git (clusters/.gitignore:2: `staging/`), but committed \
         on the new branch all the same, as `git add -f` would: if they belong in the \
         repository, remove or narrow that rule; if not, delete the branch\n"
    );
    assert!(dry.stderr.ends_with(&warning), "{}", dry.stderr);
    assert!(run.stderr.starts_with(&warning), "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning:").count(), 1, "{}", run.stderr);
    let committed = fleet.git(&["ls-tree", "-r", "--name-only", "HEAD", "clusters/staging"]);
    assert_eq!(committed.lines().count(), 10, "{committed}");
}

#[test]
fn ignored_files_the_change_edits_are_not_named_when_git_tracks_them() {
    let fleet = Fleet::new();
    // The cluster lists are ignored but tracked: editing them is what git would commit too.
    fleet.write(".git/info/exclude", "kustomization.yaml\n");
    let run = fleet.run(DEMOTE);
    pretty_assertions::assert_eq!(
        run,
        Run {
            code: Some(0),
            stdout: String::new(),
            stderr: DEMOTED.to_string(),
        }
    );
}

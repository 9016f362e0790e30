//! The golden cases, laid out like cargo's: every directory `tests/cases/<command>/<case>/`
//! holding an `args` file is one run of the real binary, and what a user would see is compared
//! whole.
//!
//! ```text
//! tests/cases/<command>/<case>/
//!   args      the arguments, one a line (an empty line is an empty argument; `[ROOT]` is the
//!             sandbox's temporary directory)
//!   in/       the repository before the run, committed on main; or
//!   fixture   the name of a directory under tests/fixtures to use as in/ (seed-fleet, or
//!             ../../../shared/corpus/<repo> for a corpus repository); with
//!             neither, the run starts in an empty directory that is no repository
//!   setup     optional: a shell script run in the repository before the command, for what
//!             args cannot say (a dirty file, a branch in the way, a planted link); $OUTSIDE
//!             is an empty directory outside the repository, $FLUXFLEET the binary (for a
//!             first run when the case is the second)
//!   code      the exit code
//!   stdout    the whole of stdout, the sandbox's directory written `[ROOT]`
//!   stderr    the whole of stderr, likewise
//!   git       what git shows afterwards: branches, the new commits with their files, status
//!   out/      optional: the whole tree afterwards (without .git); every cluster entrypoint in
//!             it is rendered with `kubectl kustomize` (make an empty out/ and bless to fill it)
//! ```
//!
//! A run that fails (non-zero code), and a dry run, must leave the repository (files, index,
//! refs, HEAD) and the outside directory byte for byte as they were, and no lock behind; no
//! run leaves a render's scratch directory in `.git`.
//!
//! Each command's cases are one test (`cargo test --test cases -- promote`); a failure lists
//! every case that differs. `SNAPSHOTS=overwrite cargo test --test cases` rewrites `code`,
//! `stdout`, `stderr`, `git` and `out/` from today's binary; read the diff before committing
//! it.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeSet;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Mutex;

use common::{assert_tree_matches, kustomize, repo_state, tree, Sandbox};
use snapbox::{Assert, Data};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// The cases of one command, sorted.
fn cases_of(command: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(cases_dir().join(command))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    cases
}

fn snapshots() -> Assert {
    Assert::new().action_env(snapbox::assert::DEFAULT_ACTION_ENV)
}

/// Compares `actual` with the whole of the file `case/name`, or writes it there in bless mode.
fn compare(case: &Path, name: &str, actual: String) -> Result<(), String> {
    let expected = Data::read_from(&case.join(name), None).raw();
    snapshots()
        .try_eq(Some(&name), Data::text(actual), expected)
        .map_err(|e| e.to_string())
}

/// The directories under `work` that hold a git repository: `work` itself, or the ones a run
/// made in it (`init fleet`).
fn repositories(work: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if work.join(".git").exists() {
        found.push(work.to_path_buf());
    }
    if let Ok(entries) = fs::read_dir(work) {
        let mut children: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.join(".git").exists())
            .collect();
        children.sort();
        found.extend(children);
    }
    found
}

/// What git shows of `repo` after a run: the current branch, every branch, each commit made
/// since `base` (all commits without one) with the files it changed, and the status.
fn git_summary(sandbox: &Sandbox, repo: &Path, base: Option<&str>) -> String {
    let git = |args: &[&str]| {
        let mut cmd = Process::new("git");
        cmd.current_dir(repo).args(args);
        sandbox.isolate_process(&mut cmd);
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut text = String::new();
    text.push_str(&format!("HEAD: {}", git(&["branch", "--show-current"])));
    text.push_str(&format!(
        "branches: {}\n",
        git(&["branch", "--format=%(refname:short)"])
            .lines()
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let range = match base {
        Some(base) => format!("{base}..HEAD"),
        None => "HEAD".to_string(),
    };
    let log = git(&[
        "log",
        "--reverse",
        "--name-status",
        "-M",
        "--format=commit by %an <%ae>%n%B",
        &range,
    ]);
    if log.trim().is_empty() {
        text.push_str("no new commit\n");
    } else {
        text.push_str(&log);
    }
    let status = git(&["status", "--porcelain", "--untracked-files=all"]);
    if status.is_empty() {
        text.push_str("status: clean\n");
    } else {
        text.push_str(&format!("status:\n{status}"));
    }
    text
}

/// Renders every cluster entrypoint, and its infra and apps lists, under `repo/clusters`.
///
/// A list renders from its cluster's directory and from what lies outside `clusters/` (apps/,
/// infrastructure/): the layout fluxfleet writes, where no cluster reaches into another's
/// directory. A list whose cluster directory and outside files are byte for byte those of a
/// list already rendered by this run of the tests rendered the same, so it is not rendered
/// again: most cases change one or two clusters of the seed fleet.
fn render_clusters(repo: &Path) {
    static RENDERED: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());
    let Ok(clusters) = fs::read_dir(repo.join("clusters")) else {
        return;
    };
    let files = tree(repo);
    for cluster in clusters {
        let dir = cluster.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut inputs = DefaultHasher::new();
        let own = format!("clusters/{name}/");
        for (path, bytes) in &files {
            if !path.starts_with("clusters/") || path.starts_with(&own) {
                (path, bytes).hash(&mut inputs);
            }
        }
        for part in ["", "infra", "apps"] {
            let list = dir.join(part);
            if !list.join("kustomization.yaml").is_file() {
                continue;
            }
            let mut key = inputs.clone();
            (&name, part).hash(&mut key);
            if RENDERED.lock().unwrap().contains(&key.finish()) {
                continue;
            }
            kustomize(&list);
            RENDERED.lock().unwrap().insert(key.finish());
        }
    }
}

/// Runs one case; the error lists every way it differs from its files.
fn run_case(case: &Path) -> Result<(), String> {
    let sandbox = Sandbox::new();
    let root = sandbox.temp.path().display().to_string();
    let work = sandbox.work();
    let outside = sandbox.temp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();

    let fixture = fs::read_to_string(case.join("fixture")).ok();
    let input = match &fixture {
        Some(name) => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name.trim()),
        ),
        None => Some(case.join("in")).filter(|p| p.is_dir()),
    };
    if let Some(input) = &input {
        sandbox.commit_copy(input, &work, |_| {});
    }
    if case.join("setup").is_file() {
        let mut cmd = Process::new("sh");
        cmd.arg("-eu")
            .arg(case.join("setup"))
            .current_dir(&work)
            .env("OUTSIDE", &outside)
            .env("FLUXFLEET", env!("CARGO_BIN_EXE_fluxfleet"));
        sandbox.isolate_process(&mut cmd);
        let out = cmd.output().unwrap();
        if !out.status.success() {
            return Err(format!(
                "setup failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }

    // Each repository's HEAD before the run: none where there is no commit yet.
    let bases: Vec<(PathBuf, String)> = repositories(&work)
        .into_iter()
        .filter_map(|repo| {
            let mut cmd = Process::new("git");
            cmd.current_dir(&repo)
                .args(["rev-parse", "--verify", "-q", "HEAD"]);
            sandbox.isolate_process(&mut cmd);
            let out = cmd.output().unwrap();
            let head = String::from_utf8_lossy(&out.stdout).trim().to_string();
            out.status.success().then_some((repo, head))
        })
        .collect();
    let before = (repo_state(&work), tree(&outside));

    let args = fs::read_to_string(case.join("args")).unwrap();
    let args: Vec<String> = args.lines().map(|a| a.replace("[ROOT]", &root)).collect();
    let output = sandbox
        .fluxfleet(&work)
        .env_remove("EMAIL")
        .args(&args)
        .output()
        .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&root, "[ROOT]");
    let code = output.status.code();

    let mut wrong = Vec::new();
    let mut check = |result: Result<(), String>| {
        if let Err(e) = result {
            wrong.push(e);
        }
    };
    check(compare(case, "code", format!("{}\n", code.unwrap_or(-1))));
    check(compare(case, "stdout", text(&output.stdout)));
    check(compare(case, "stderr", text(&output.stderr)));
    let summaries: Vec<String> = repositories(&work)
        .into_iter()
        .map(|repo| {
            let base = bases
                .iter()
                .find(|(r, _)| *r == repo)
                .map(|(_, b)| b.as_str());
            let name = repo.strip_prefix(&work).unwrap().display().to_string();
            let summary = git_summary(&sandbox, &repo, base);
            if name.is_empty() {
                summary
            } else {
                format!("in {name}/:\n{summary}")
            }
        })
        .collect();
    if !summaries.is_empty() {
        check(compare(case, "git", summaries.join("\n")));
    }
    if code != Some(0) || args.iter().any(|a| a == "--dry-run") {
        if (repo_state(&work), tree(&outside)) != before {
            wrong.push("the run changed the repository or the outside directory".into());
        }
        if work.join(".git/fluxfleet.lock").exists() {
            wrong.push("the refused run left its lock behind".into());
        }
    }
    // Every run, refused or not, takes its renders' scratch directories away (the render gate
    // renders beside the run's own checks, which may refuse first).
    if let Ok(entries) = fs::read_dir(work.join(".git")) {
        let names = entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
        for scratch in names.filter(|n| n.starts_with("fluxfleet-diff-")) {
            wrong.push(format!("the run left .git/{scratch} behind"));
        }
    }
    if case.join("out").is_dir() {
        let outcome = std::panic::catch_unwind(|| {
            assert_tree_matches(&case.join("out"), &work);
            render_clusters(&work);
            for entry in fs::read_dir(&work).unwrap() {
                render_clusters(&entry.unwrap().path());
            }
        });
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            wrong.push(format!("out/: {message}"));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("\n"))
    }
}

/// Runs every case of `command` and reports all that fail, each by its directory.
fn run_command(command: &str) {
    let cases = cases_of(command);
    assert!(!cases.is_empty(), "tests/cases/{command} holds no case");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let name = case
                .strip_prefix(cases_dir())
                .unwrap()
                .display()
                .to_string();
            run_case(case).err().map(|why| format!("--- {name}\n{why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The commands whose cases run here, one test each so that they run side by side.
const COMMANDS: &[&str] = &[
    "add-app",
    "add-cluster",
    "add-controller",
    "add-ns",
    "add-overlay",
    "add-policy",
    "audit",
    "check",
    "demote",
    "diff",
    "enforce",
    "help",
    "init",
    "make-common",
    "promote",
    "status",
    "where",
];

macro_rules! commands {
    ($($test:ident => $command:literal,)*) => {$(
        #[test]
        fn $test() {
            run_command($command);
        }
    )*};
}

commands! {
    add_app => "add-app",
    add_cluster => "add-cluster",
    add_controller => "add-controller",
    add_ns => "add-ns",
    add_overlay => "add-overlay",
    add_policy => "add-policy",
    audit => "audit",
    check => "check",
    demote => "demote",
    diff => "diff",
    enforce => "enforce",
    help => "help",
    init => "init",
    make_common => "make-common",
    promote => "promote",
    status => "status",
    where_ => "where",
}

#[test]
fn every_command_with_cases_has_its_test() {
    let mut with_cases: Vec<String> = fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|dir| {
            fs::read_dir(dir)
                .map(|cases| cases.flatten().any(|c| c.path().join("args").is_file()))
                .unwrap_or(false)
        })
        .map(|dir| dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    with_cases.sort();
    assert_eq!(with_cases, COMMANDS);
}

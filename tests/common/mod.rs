//! Shared test support: run the real binary isolated from the machine, inspect git, render with
//! real kustomize, compare trees against golden directories.
#![allow(dead_code)]

pub mod terminal;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use assert_fs::TempDir;

/// The environment variables git reads an identity from.
pub const IDENTITY_VARS: [&str; 4] = [
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
];

/// What a fluxfleet run must not inherit: the fault injection, and the identity, which comes
/// from the sandbox's HOME unless a test sets it itself.
const FLUXFLEET_CLEARED: [&str; 5] = [
    "FLUXFLEET_FAIL_AT",
    IDENTITY_VARS[0],
    IDENTITY_VARS[1],
    IDENTITY_VARS[2],
    IDENTITY_VARS[3],
];

/// A temporary home for one test: HOME with a fixed git identity, and a work directory.
pub struct Sandbox {
    pub temp: TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let temp = TempDir::new().expect("temp dir");
        let home = temp.path().join("home");
        fs::create_dir_all(&home).expect("home");
        fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = Fleet Tester\n\temail = tester@example.com\n\
             [init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        )
        .expect("gitconfig");
        fs::create_dir_all(temp.path().join("work")).expect("work");
        Sandbox { temp }
    }

    /// The directory tests run fluxfleet in.
    pub fn work(&self) -> PathBuf {
        self.temp.path().join("work")
    }

    /// Copies `fixture` to `dir`, lets `prepare` change the copy, and commits it as the first
    /// commit of a new repository on `main`.
    pub fn commit_copy(&self, fixture: &Path, dir: &Path, prepare: impl FnOnce(&Path)) {
        copy_dir(fixture, dir);
        prepare(dir);
        self.git(dir, &["init", "-q", "-b", "main"]);
        self.git(dir, &["add", "-A"]);
        self.git(dir, &["commit", "-qm", "fleet"]);
    }

    /// The seed fleet (`tests/fixtures/seed-fleet`) committed in `work/fleet`.
    pub fn seed_repo(&self) -> PathBuf {
        let repo = self.work().join("fleet");
        self.commit_copy(&seed_fixture(), &repo, |_| {});
        repo
    }

    /// Corpus repository `name` (`../shared/corpus/<name>`) committed in `work/fleet`; `None`
    /// when the corpus is not there (see [`corpus_dir`]).
    pub fn corpus_repo(&self, name: &str) -> Option<PathBuf> {
        let original = corpus_dir()?.join(name);
        let repo = self.work().join("fleet");
        self.commit_copy(&original, &repo, |_| {});
        Some(repo)
    }

    pub fn home(&self) -> PathBuf {
        self.temp.path().join("home")
    }

    /// The fluxfleet binary, started in `dir`, isolated from the machine's git config and
    /// terminal.
    pub fn fluxfleet(&self, dir: &Path) -> Command {
        let mut cmd = Command::cargo_bin("fluxfleet").expect("binary");
        self.isolate(cmd.current_dir(dir));
        cmd
    }

    /// Plain `git` in `dir`, isolated the same way; panics on failure.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = Process::new("git");
        cmd.current_dir(dir).args(args);
        self.isolate_process(&mut cmd);
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The fluxfleet binary started in `dir` with `args`, isolated like [`Sandbox::fluxfleet`],
    /// its output piped: for runs that must overlap.
    pub fn spawn(&self, dir: &Path, args: &[&str]) -> std::process::Child {
        let mut cmd = Process::new(env!("CARGO_BIN_EXE_fluxfleet"));
        cmd.current_dir(dir)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        self.isolate_process(&mut cmd);
        for var in FLUXFLEET_CLEARED {
            cmd.env_remove(var);
        }
        cmd.spawn().expect("spawn fluxfleet")
    }

    fn isolate(&self, cmd: &mut Command) {
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        for var in ["GIT_DIR", "GIT_WORK_TREE"]
            .into_iter()
            .chain(FLUXFLEET_CLEARED)
        {
            cmd.env_remove(var);
        }
    }

    /// Isolates any command (a shell that starts fluxfleet, say) like the sandbox's own runs:
    /// the sandbox's HOME and git configuration, fixed dates, no colour.
    pub fn isolate_process(&self, cmd: &mut Process) {
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.env_remove("GIT_DIR").env_remove("GIT_WORK_TREE");
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let home = self.home().display().to_string();
        vec![
            ("HOME", home.clone()),
            ("XDG_CONFIG_HOME", format!("{home}/.config")),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("GIT_CONFIG_GLOBAL", format!("{home}/.gitconfig")),
            ("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z".into()),
            ("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z".into()),
            ("NO_COLOR", "1".into()),
            ("TERM", "dumb".into()),
            // clap wraps help at COLUMNS: the width the help goldens were written at.
            ("COLUMNS", "100".into()),
        ]
    }
}

/// The hand-written fleet in the seed's end state.
pub fn seed_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-fleet")
}

/// Renders `dir` with `kubectl kustomize`; panics saying so when kubectl is missing or the
/// build fails.
pub fn kustomize(dir: &Path) -> String {
    let out = Process::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("kubectl is required by this test (`kubectl kustomize`) but could not run: {e}")
        });
    assert!(
        out.status.success(),
        "kubectl kustomize {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `(kind, name)` of every object a kustomize build renders, plus `spec.replicas` where set.
pub fn rendered_objects(yaml: &str) -> Vec<(String, String, Option<i64>)> {
    let docs = yaml_rust2::YamlLoader::load_from_str(yaml).expect("kustomize output parses");
    docs.iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or_default().to_string(),
                d["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                d["spec"]["replicas"].as_i64(),
            )
        })
        .collect()
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under `dir` (skipping `.git`), relative and sorted, with its bytes; a symbolic
/// link as its target.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).expect("read_dir") {
            let entry = entry.expect("entry");
            if entry.file_name() == ".git" {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type().expect("type");
            if kind.is_symlink() {
                // A link is recorded as what it points at, never followed.
                let rel = path.strip_prefix(root).expect("prefix");
                let target = fs::read_link(&path).expect("read_link");
                out.push((
                    rel.to_string_lossy().replace('\\', "/"),
                    format!("symlink -> {}", target.display()).into_bytes(),
                ));
            } else if kind.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("prefix");
                out.push((
                    rel.to_string_lossy().replace('\\', "/"),
                    fs::read(&path).expect("read"),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Asserts that `actual` holds exactly the files of the golden directory `expected`, byte for
/// byte. With `SNAPSHOTS=overwrite` (snapbox's bless mode, for every golden file) the golden
/// directory is rewritten instead.
pub fn assert_tree_matches(expected: &Path, actual: &Path) {
    if blessing() {
        let _ = fs::remove_dir_all(expected);
        for (path, bytes) in tree(actual) {
            let target = expected.join(&path);
            fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            fs::write(target, bytes).expect("write golden");
        }
        return;
    }
    let want = tree(expected);
    let got = tree(actual);
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    pretty_assertions::assert_eq!(names(&want), names(&got), "file lists differ");
    for ((path, want), (_, got)) in want.iter().zip(&got) {
        pretty_assertions::assert_eq!(
            String::from_utf8_lossy(want),
            String::from_utf8_lossy(got),
            "{path} differs from the golden file"
        );
    }
}

/// True when golden files are to be rewritten from today's output: `SNAPSHOTS=overwrite`.
pub fn blessing() -> bool {
    std::env::var_os("SNAPSHOTS").is_some_and(|v| v == "overwrite")
}

/// A snapshot of everything a refused command must leave alone: files, index, refs and HEAD.
pub fn repo_state(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut state = tree(dir);
    let git = dir.join(".git");
    for name in ["HEAD", "index", "packed-refs"] {
        if let Ok(bytes) = fs::read(git.join(name)) {
            state.push((format!(".git/{name}"), bytes));
        }
    }
    if git.join("refs").is_dir() {
        for (path, bytes) in tree(&git.join("refs")) {
            state.push((format!(".git/refs/{path}"), bytes));
        }
    }
    state
}

/// The shared corpus of real fleet repositories, when present. With `FLUXFLEET_REQUIRE_CORPUS`
/// set (CI), its absence fails the test.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("FLUXFLEET_REQUIRE_CORPUS").is_none(),
        "../shared/corpus is required (FLUXFLEET_REQUIRE_CORPUS is set) but missing"
    );
    eprintln!("SKIPPED: ../shared/corpus is not present; the corpus test did not run");
    None
}

/// Makes the seed's foo-app deploy into team-x, which every cluster has, in the fleet at `dir`:
/// promoting it is then a change of app lists only (into namespace foo, `promote` would bring
/// foo along), for tests that use a promotion as their vehicle.
pub fn foo_app_into_team_x(dir: &Path) {
    for file in ["deployment.yaml", "service.yaml"] {
        let path = dir.join("apps/foo-app/base").join(file);
        let text = fs::read_to_string(&path).expect("read foo-app");
        fs::write(&path, text.replace("namespace: foo", "namespace: team-x")).expect("write");
    }
}

/// `../shared/tools/flux-truth` run on the checkout at `dir` with `args`: what Flux applies to
/// each cluster, computed by the project's independent tool (it renders with kustomize and
/// follows Flux Kustomizations, `ExternalArtifact`s built by an `ArtifactGenerator` included).
pub fn flux_truth(dir: &Path, args: &[&str]) -> serde_json::Value {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/flux-truth");
    let out = std::process::Command::new("python3")
        .arg(&tool)
        .arg(dir)
        .args(args)
        .output()
        .expect("python3 runs flux-truth");
    assert!(
        out.status.success(),
        "flux-truth on {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("flux-truth prints JSON")
}

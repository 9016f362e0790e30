//! Every bad input and every unsafe repository state is refused with a message that says what is
//! wrong, where, and what to do, and leaves the repository byte-identical: working tree files,
//! index, refs and HEAD.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::PathBuf;

use common::{copy_dir, repo_state, tree, Sandbox};

/// Files as [`tree`] lists them: path and bytes.
type Files = Vec<(String, Vec<u8>)>;

/// The seed fleet, committed in a fresh repository, with a directory beside it that lies
/// outside the repository.
struct Fleet {
    sandbox: Sandbox,
    repo: PathBuf,
}

impl Fleet {
    fn new() -> Self {
        let sandbox = Sandbox::new();
        let repo = sandbox.seed_repo();
        fs::create_dir_all(sandbox.temp.path().join("outside")).unwrap();
        Fleet { sandbox, repo }
    }

    fn outside(&self) -> PathBuf {
        self.sandbox.temp.path().join("outside")
    }

    fn git(&self, args: &[&str]) -> String {
        self.sandbox.git(&self.repo, args)
    }

    fn write(&self, file: &str, bytes: impl AsRef<[u8]>) {
        let path = self.repo.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn append(&self, file: &str, text: &str) {
        let mut bytes = fs::read(self.repo.join(file)).unwrap();
        bytes.extend_from_slice(text.as_bytes());
        self.write(file, bytes);
    }

    fn commit(&self) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-qm", "change"]);
    }

    /// Everything a refused run must leave alone: the repository and the directory outside.
    fn state(&self) -> (Files, Files) {
        (repo_state(&self.repo), tree(&self.outside()))
    }

    /// Runs fluxfleet in the repository; `@outside` in an argument is the outside directory.
    fn run(&self, args: &[&str], identity: bool) -> (Option<i32>, String) {
        let outside = self.outside().display().to_string();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("@outside", &outside))
            .collect();
        let mut cmd = self.sandbox.fluxfleet(&self.repo);
        cmd.args(&args);
        if !identity {
            let home = self.sandbox.temp.path().join("empty-home");
            fs::create_dir_all(&home).unwrap();
            cmd.env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
                .env_remove("GIT_AUTHOR_NAME")
                .env_remove("GIT_AUTHOR_EMAIL")
                .env_remove("GIT_COMMITTER_NAME")
                .env_remove("GIT_COMMITTER_EMAIL")
                .env_remove("EMAIL");
        }
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }
}

/// One bad input or repository state.
struct Case {
    name: &'static str,
    /// Puts the repository in the state under test.
    setup: fn(&Fleet),
    args: &'static [&'static str],
    /// The exit code DESIGN.md fixes: 1 refused or a finding, 2 usage.
    code: i32,
    /// What the message must name: the file, line, rule, flag, what to run.
    says: &'static [&'static str],
    /// Run with a committer identity (the sandbox's global git config).
    identity: bool,
}

const PROMOTE: &[&str] = &["promote", "foo-app", "--to", "dev"];
const LIST: &str = "clusters/dev/apps/kustomization.yaml";
const RULE: &str = "1 to 63 characters, lowercase letters, digits and '-', starting and ending \
                    with a letter or digit";

fn nothing(_: &Fleet) {}

fn case(
    name: &'static str,
    setup: fn(&Fleet),
    args: &'static [&'static str],
    code: i32,
    says: &'static [&'static str],
) -> Case {
    Case {
        name,
        setup,
        args,
        code,
        says,
        identity: true,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // Uncommitted changes to what the change touches.
        case(
            "dirty touched file is listed",
            |f| f.append(LIST, "# mine\n"),
            PROMOTE,
            1,
            &["uncommitted changes", LIST, "--no-commit", "git stash"],
        ),
        case(
            "staged touched file is listed",
            |f| {
                f.append(LIST, "# mine\n");
                f.git(&["add", LIST]);
            },
            PROMOTE,
            1,
            &["uncommitted changes", LIST],
        ),
        case(
            "untracked file where a file is moved to",
            |f| f.write("infrastructure/namespaces/common/ns-team-x.yaml", "mine\n"),
            &["make-common", "ns", "team-x"],
            1,
            &["infrastructure/namespaces/common/ns-team-x.yaml"],
        ),
        case(
            "dirty file that a make-common deletes",
            |f| {
                f.append(
                    "infrastructure/namespaces/team-x/kustomization.yaml",
                    "# x\n",
                )
            },
            &["make-common", "ns", "team-x"],
            1,
            &["infrastructure/namespaces/team-x/kustomization.yaml"],
        ),
        // Branches and HEAD.
        case(
            "planned branch exists",
            |f| {
                f.git(&["branch", "fluxfleet/promote-foo-app-to-dev"]);
            },
            PROMOTE,
            1,
            &[
                "fluxfleet/promote-foo-app-to-dev",
                "exists already",
                "--branch",
            ],
        ),
        case(
            "--branch names an existing branch",
            |f| {
                f.git(&["branch", "taken"]);
            },
            &["--branch", "taken", "promote", "foo-app", "--to", "dev"],
            1,
            &["\"taken\" exists already", "git branch -D taken"],
        ),
        case(
            "--branch is not a valid ref name",
            nothing,
            &["--branch", "bad..name", "promote", "foo-app", "--to", "dev"],
            1,
            &["--branch", "bad..name", "not a valid branch name"],
        ),
        case(
            "--branch is not a valid ref name, even for --dry-run",
            nothing,
            &[
                "--dry-run",
                "--branch",
                "x.lock",
                "demote",
                "podinfo",
                "--from",
                "dev",
            ],
            1,
            &["--branch", "x.lock", "not a valid branch name"],
        ),
        case(
            "--branch is empty",
            nothing,
            &["--branch", "", "promote", "foo-app", "--to", "dev"],
            1,
            &["--branch", "not a valid branch name"],
        ),
        case(
            "detached HEAD",
            |f| {
                f.git(&["checkout", "-q", "--detach"]);
            },
            PROMOTE,
            1,
            &["HEAD is detached", "git switch"],
        ),
        case(
            "merge in progress",
            |f| {
                let head = f.git(&["rev-parse", "HEAD"]);
                f.write(".git/MERGE_HEAD", head);
            },
            PROMOTE,
            1,
            &["merge is in progress", "git status"],
        ),
        case(
            "rebase in progress",
            |f| fs::create_dir_all(f.repo.join(".git/rebase-merge")).unwrap(),
            &["demote", "podinfo", "--from", "dev"],
            1,
            &["rebase is in progress"],
        ),
        case(
            "cherry-pick in progress",
            |f| {
                let head = f.git(&["rev-parse", "HEAD"]);
                f.write(".git/CHERRY_PICK_HEAD", head);
            },
            &["make-common", "ns", "team-x"],
            1,
            &["cherry-pick is in progress"],
        ),
        case(
            "revert in progress",
            |f| {
                let head = f.git(&["rev-parse", "HEAD"]);
                f.write(".git/REVERT_HEAD", head);
            },
            PROMOTE,
            1,
            &["revert is in progress"],
        ),
        case(
            "bare repository",
            |f| {
                f.git(&["clone", "-q", "--bare", ".", "../../outside/bare.git"]);
            },
            &[
                "-C",
                "@outside/bare.git",
                "promote",
                "foo-app",
                "--to",
                "dev",
            ],
            1,
            &["bare repository", "outside/bare.git"],
        ),
        case(
            "init --no-commit into a bare repository",
            |f| {
                f.git(&["clone", "-q", "--bare", ".", "../../outside/bare.git"]);
            },
            &[
                "-C",
                "@outside/bare.git",
                "--no-commit",
                "init",
                "--clusters",
                "dev",
            ],
            1,
            &["bare repository", "outside/bare.git", "clone"],
        ),
        case(
            "init inside .git",
            nothing,
            &["-C", ".git", "init", "--clusters", "dev"],
            1,
            &["inside the git directory", ".git"],
        ),
        case(
            "init --no-commit inside .git/refs",
            nothing,
            &["--no-commit", "init", ".git/refs", "--clusters", "dev"],
            1,
            &["inside the git directory", ".git/refs"],
        ),
        case(
            "no commit yet",
            |f| {
                fs::remove_dir_all(f.repo.join(".git")).unwrap();
                f.git(&["init", "-q"]);
            },
            PROMOTE,
            1,
            &["no commit yet", "fluxfleet init"],
        ),
        Case {
            identity: false,
            ..case(
                "no committer identity",
                nothing,
                PROMOTE,
                1,
                &[
                    "no committer identity",
                    "git config user.name",
                    "git config user.email",
                    "--no-commit",
                ],
            )
        },
        case(
            "index.lock held by git",
            |f| f.write(".git/index.lock", ""),
            PROMOTE,
            1,
            &[".git/index.lock", "another git process"],
        ),
        case(
            "index.lock held, with --no-commit",
            |f| f.write(".git/index.lock", ""),
            &["--no-commit", "promote", "foo-app", "--to", "dev"],
            1,
            &[".git/index.lock"],
        ),
        // Paths.
        case(
            "cluster's apps directory is a symbolic link outside the repository",
            |f| {
                let target = f.outside().join("prod-apps");
                fs::create_dir_all(&target).unwrap();
                let list = f.repo.join("clusters/prod/apps");
                fs::rename(
                    list.join("kustomization.yaml"),
                    target.join("kustomization.yaml"),
                )
                .unwrap();
                fs::remove_dir(&list).unwrap();
                std::os::unix::fs::symlink(&target, &list).unwrap();
                f.commit();
            },
            &["promote", "foo-app", "--to", "prod"],
            1,
            &[
                "clusters/prod/apps/kustomization.yaml",
                "symbolic link clusters/prod/apps",
            ],
        ),
        case(
            "cluster's list file is a symbolic link",
            |f| {
                let dir = f.repo.join("clusters/prod/apps");
                fs::rename(dir.join("kustomization.yaml"), dir.join("real.yaml")).unwrap();
                std::os::unix::fs::symlink("real.yaml", dir.join("kustomization.yaml")).unwrap();
                f.commit();
            },
            &["promote", "foo-app", "--to", "prod"],
            1,
            &["symbolic link clusters/prod/apps/kustomization.yaml"],
        ),
        case(
            "-C to a missing directory",
            nothing,
            &["-C", "no/such/dir", "promote", "foo-app", "--to", "dev"],
            1,
            &["no/such/dir", "no such directory", "-C"],
        ),
        // YAML.
        case(
            "malformed YAML in a cluster list",
            |f| {
                f.write(LIST, "apiVersion: v1\nresources:\n- a\n  - : [\n");
                f.commit();
            },
            PROMOTE,
            1,
            &[
                "clusters/dev/apps/kustomization.yaml:4:5",
                "invalid YAML",
                "4 |   - : [",
            ],
        ),
        case(
            "malformed YAML, read by status",
            |f| {
                f.write(LIST, "apiVersion: v1\nresources:\n- a\n  - : [\n");
                f.commit();
            },
            &["status"],
            1,
            &["clusters/dev/apps/kustomization.yaml:4:5", "4 |   - : ["],
        ),
        case(
            "malformed YAML, read by where",
            |f| {
                f.write(LIST, "resources: [a, b\n");
                f.commit();
            },
            &["where", "podinfo"],
            1,
            &[
                "clusters/dev/apps/kustomization.yaml:",
                "1 | resources: [a, b",
            ],
        ),
        case(
            "malformed YAML, read by check",
            |f| {
                f.write(LIST, "resources:\n- \"unterminated\n");
                f.commit();
            },
            &["check"],
            1,
            &["clusters/dev/apps/kustomization.yaml:"],
        ),
        case(
            "list that is not UTF-8",
            |f| {
                f.write(LIST, b"apiVersion: v1\nresources:\n- \xff\xfe\n");
                f.commit();
            },
            PROMOTE,
            1,
            &["clusters/dev/apps/kustomization.yaml:3:3", "UTF-8", "3 | "],
        ),
        case(
            "duplicate keys",
            |f| {
                f.write(
                    LIST,
                    "kind: Kustomization\nresources:\n- ../../../apps/common\nresources:\n- x\n",
                );
                f.commit();
            },
            PROMOTE,
            1,
            &[
                "clusters/dev/apps/kustomization.yaml:4:1",
                "duplicate key `resources`",
                "4 | resources:",
            ],
        ),
        case(
            "two documents",
            |f| {
                f.write(
                    LIST,
                    "kind: Kustomization\nresources:\n- ../../../apps/common\n---\nkind: x\n",
                );
                f.commit();
            },
            PROMOTE,
            1,
            &[
                "clusters/dev/apps/kustomization.yaml:4:1",
                "second YAML document",
                "4 | ---",
            ],
        ),
        case(
            "two documents, for demote",
            |f| {
                f.write(
                    LIST,
                    "resources:\n- ../../../apps/podinfo/overlays/dev\n---\nkind: x\n",
                );
                f.commit();
            },
            &["demote", "podinfo", "--from", "dev"],
            1,
            &[
                "clusters/dev/apps/kustomization.yaml:3:1",
                "second YAML document",
                "3 | ---",
            ],
        ),
        case(
            "tab indentation",
            |f| {
                f.write(
                    LIST,
                    "kind: Kustomization\nresources:\n\t- ../../../apps/common\n",
                );
                f.commit();
            },
            PROMOTE,
            1,
            &[
                "clusters/dev/apps/kustomization.yaml:3:",
                "tab",
                "3 | \t- ../../../apps/common",
            ],
        ),
        case(
            "check finds a reference that does not resolve",
            |f| {
                let text = fs::read_to_string(f.repo.join(LIST)).unwrap();
                f.write(LIST, text.replace("podinfo/overlays/dev", "missing/base"));
                f.commit();
            },
            &["check"],
            1,
            &[
                "clusters/dev/apps/kustomization.yaml:5",
                "apps/missing/base",
            ],
        ),
        // Names, checked before anything else, with the rule.
        case(
            "uppercase app name",
            nothing,
            &["promote", "Foo-app", "--to", "dev"],
            1,
            &["invalid app name \"Foo-app\"", RULE],
        ),
        case(
            "underscore in an app name",
            nothing,
            &["promote", "foo_app", "--to", "dev"],
            1,
            &["invalid app name \"foo_app\"", RULE],
        ),
        case(
            "64-character name",
            nothing,
            &[
                "demote",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "--from",
                "dev",
            ],
            1,
            &["invalid app name", RULE],
        ),
        case(
            "cluster name with a leading dash",
            nothing,
            &["promote", "foo-app", "--to=-x"],
            1,
            &["invalid cluster name \"-x\"", RULE],
        ),
        case(
            "uppercase cluster name",
            nothing,
            &["promote", "foo-app", "--to", "Dev"],
            1,
            &["invalid cluster name \"Dev\"", RULE],
        ),
        case(
            "empty app name",
            nothing,
            &["promote", "", "--to", "dev"],
            1,
            &["invalid app name \"\"", RULE],
        ),
        case(
            "empty cluster list",
            nothing,
            &["promote", "foo-app", "--to", ""],
            1,
            &["empty cluster name", "--to", "dev,test,prod"],
        ),
        case(
            "cluster named twice",
            nothing,
            &["promote", "foo-app", "--to", "dev,dev"],
            1,
            &["\"dev\" is named twice"],
        ),
        case(
            "invalid namespace set name",
            nothing,
            &["promote", "ns", "foo", "--to", "dev", "--set", "Bad_Set"],
            1,
            &["invalid namespace set name \"Bad_Set\"", RULE],
        ),
        case(
            "invalid cluster name for init",
            nothing,
            &["init", "--clusters", "dev,Prod"],
            1,
            &["invalid cluster name \"Prod\"", RULE],
        ),
        case(
            "reserved app name",
            nothing,
            &["promote", "base", "--to", "dev"],
            1,
            &[
                "app name \"base\" is reserved",
                "overlays, common, flux-system",
            ],
        ),
        case(
            "reserved namespace name",
            nothing,
            &["make-common", "ns", "flux-system"],
            1,
            &["namespace name \"flux-system\" is reserved"],
        ),
        case(
            "reserved cluster name",
            nothing,
            &["promote", "foo-app", "--to", "overlays"],
            1,
            &["cluster name \"overlays\" is reserved"],
        ),
        case(
            "reserved cluster name for init",
            nothing,
            &["init", "--clusters", "dev,common"],
            1,
            &["cluster name \"common\" is reserved"],
        ),
        // Unknown names, with the closest ones.
        case(
            "unknown cluster",
            nothing,
            &["promote", "foo-app", "--to", "dve"],
            1,
            &[
                "unknown cluster \"dve\"",
                "--to",
                "known clusters: dev, prod, test",
            ],
        ),
        case(
            "unknown cluster to demote from",
            nothing,
            &["demote", "podinfo", "--from", "nope"],
            1,
            &["unknown cluster \"nope\"", "--from", "dev, prod, test"],
        ),
        case(
            "unknown app",
            nothing,
            &["promote", "foo-ap", "--to", "dev"],
            1,
            &[
                "unknown app or namespace \"foo-ap\"",
                "did you mean foo-app",
            ],
        ),
        case(
            "unknown namespace",
            nothing,
            &["promote", "ns", "fo", "--to", "dev"],
            1,
            &["unknown namespace \"fo\"", "did you mean foo"],
        ),
        case(
            "unknown name for where",
            nothing,
            &["where", "fooapp"],
            1,
            &["\"fooapp\"", "closest: foo-app"],
        ),
        // Refusals of the layout's rules.
        case(
            "demote of a namespace that arrives through common",
            nothing,
            &["demote", "ns", "kyverno", "--from", "dev"],
            1,
            &[
                "infrastructure/namespaces/common",
                "clusters/dev/infra/kustomization.yaml:5",
                "keep it common",
                "fluxfleet promote ns kyverno --to prod,test",
            ],
        ),
        case(
            "make-common of an app with overlays, without --force",
            nothing,
            &["make-common", "app", "podinfo"],
            1,
            &[
                "overlays",
                "clusters/dev/apps/kustomization.yaml:5",
                "--force",
            ],
        ),
        // The generators: add-app, add-ns, add-overlay, add-cluster.
        case(
            "add-app with an invalid name, before the fleet is read",
            |f| {
                f.write(LIST, "resources: [a, b\n");
                f.commit();
            },
            &[
                "add-app",
                "Web_App",
                "--namespace",
                "foo",
                "--image",
                "nginx",
                "--port",
                "80",
                "--clusters",
                "dev",
            ],
            1,
            &["invalid app name \"Web_App\"", RULE],
        ),
        case(
            "add-app with a reserved name",
            nothing,
            &[
                "add-app",
                "overlays",
                "--namespace",
                "foo",
                "--image",
                "nginx",
                "--port",
                "80",
                "--clusters",
                "dev",
            ],
            1,
            &["app name \"overlays\" is reserved"],
        ),
        case(
            "add-app of an existing app",
            nothing,
            &[
                "add-app",
                "podinfo",
                "--namespace",
                "foo",
                "--image",
                "nginx",
                "--port",
                "80",
                "--clusters",
                "dev",
            ],
            1,
            &[
                "podinfo exists already",
                "apps/podinfo/",
                "fluxfleet promote podinfo",
            ],
        ),
        case(
            "add-app to an unknown cluster",
            nothing,
            &[
                "add-app",
                "web",
                "--namespace",
                "foo",
                "--image",
                "nginx",
                "--port",
                "80",
                "--clusters",
                "dve",
            ],
            1,
            &["unknown cluster \"dve\"", "--clusters", "dev, prod, test"],
        ),
        case(
            "add-app with port 0",
            nothing,
            &[
                "add-app",
                "web",
                "--namespace",
                "foo",
                "--image",
                "nginx",
                "--port",
                "0",
                "--clusters",
                "dev",
            ],
            2,
            &["--port 0", "1 to 65535"],
        ),
        case(
            "add-app with an invalid image",
            nothing,
            &[
                "add-app",
                "web",
                "--namespace",
                "foo",
                "--image",
                "bad image",
                "--port",
                "80",
                "--clusters",
                "dev",
            ],
            1,
            &["invalid image \"bad image\"", "NAME[:TAG]"],
        ),
        case(
            "add-app on a dirty list it would edit",
            |f| f.append(LIST, "# mine\n"),
            &[
                "add-app",
                "web",
                "--namespace",
                "foo",
                "--image",
                "nginx",
                "--port",
                "80",
                "--clusters",
                "dev",
            ],
            1,
            &["uncommitted changes", LIST],
        ),
        case(
            "add-app with untracked files where the app goes",
            |f| f.write("apps/web/base/service.yaml", "mine\n"),
            &[
                "add-app",
                "web",
                "--namespace",
                "foo",
                "--image",
                "nginx",
                "--port",
                "80",
                "--clusters",
                "dev",
            ],
            1,
            &["apps/web"],
        ),
        case(
            "add-ns with an invalid name",
            nothing,
            &["add-ns", "Team", "--clusters", "dev"],
            1,
            &["invalid namespace name \"Team\"", RULE],
        ),
        case(
            "add-ns with an invalid set name, before the fleet is read",
            |f| {
                f.write(LIST, "resources: [a, b\n");
                f.commit();
            },
            &["add-ns", "bar", "--set", "Bad", "--clusters", "dev"],
            1,
            &["invalid namespace set name \"Bad\"", RULE],
        ),
        case(
            "add-ns of an existing namespace",
            nothing,
            &["add-ns", "team-x", "--clusters", "dev"],
            1,
            &[
                "team-x exists already",
                "infrastructure/namespaces/team-x/namespace.yaml:4",
            ],
        ),
        case(
            "add-ns with a label that is not KEY=VALUE",
            nothing,
            &["add-ns", "bar", "--clusters", "dev", "--label", "no-equals"],
            2,
            &["--label \"no-equals\"", "KEY=VALUE"],
        ),
        case(
            "add-ns on a detached HEAD",
            |f| {
                f.git(&["checkout", "-q", "--detach"]);
            },
            &["add-ns", "bar", "--clusters", "dev"],
            1,
            &["HEAD is detached"],
        ),
        case(
            "add-overlay for an unknown cluster",
            nothing,
            &["add-overlay", "podinfo", "--cluster", "nope"],
            1,
            &["unknown cluster \"nope\"", "--cluster", "dev, prod, test"],
        ),
        case(
            "add-overlay of an unknown app",
            nothing,
            &["add-overlay", "nosuch", "--cluster", "dev"],
            1,
            &["unknown app \"nosuch\"", "foo-app, podinfo"],
        ),
        case(
            "add-overlay with replicas 0",
            nothing,
            &[
                "add-overlay",
                "podinfo",
                "--cluster",
                "dev",
                "--replicas",
                "0",
            ],
            2,
            &["--replicas 0", "fluxfleet demote podinfo --from dev"],
        ),
        case(
            "add-overlay through a symbolic link",
            |f| {
                let overlay = f.repo.join("apps/podinfo/overlays/dev");
                let target = f.outside().join("dev-overlay");
                copy_dir(&overlay, &target);
                fs::remove_dir_all(&overlay).unwrap();
                std::os::unix::fs::symlink(&target, &overlay).unwrap();
                f.commit();
            },
            &[
                "add-overlay",
                "podinfo",
                "--cluster",
                "dev",
                "--replicas",
                "3",
            ],
            1,
            &["symbolic link apps/podinfo/overlays/dev"],
        ),
        case(
            "add-cluster with an invalid name",
            nothing,
            &["add-cluster", "Prod2"],
            1,
            &["invalid cluster name \"Prod2\"", RULE],
        ),
        case(
            "add-cluster with a reserved name",
            nothing,
            &["add-cluster", "flux-system"],
            1,
            &["cluster name \"flux-system\" is reserved"],
        ),
        case(
            "add-cluster of an existing cluster",
            nothing,
            &["add-cluster", "prod"],
            1,
            &["cluster prod exists already", "clusters/prod/"],
        ),
        case(
            "add-cluster like an unknown cluster",
            nothing,
            &["add-cluster", "stage", "--like", "nope"],
            1,
            &["unknown cluster \"nope\"", "--like"],
        ),
        case(
            "add-cluster while a merge is in progress",
            |f| {
                let head = f.git(&["rev-parse", "HEAD"]);
                f.write(".git/MERGE_HEAD", head);
            },
            &["add-cluster", "stage", "--like", "dev"],
            1,
            &["merge is in progress"],
        ),
        // Usage.
        case(
            "unknown kind",
            nothing,
            &["promote", "widget", "foo", "--to", "dev"],
            2,
            &["\"widget\" is not a kind", "app NAME"],
        ),
        case(
            "missing --to without a terminal",
            nothing,
            &["promote", "foo-app"],
            2,
            &["missing --to"],
        ),
        case(
            "unknown flag",
            nothing,
            &["promote", "foo-app", "--to", "dev", "--bogus"],
            2,
            &["--bogus"],
        ),
        case(
            "status --kind with a bad value",
            nothing,
            &["status", "--kind", "apps-and-more"],
            2,
            &["--kind takes app or ns"],
        ),
    ]
}

#[test]
fn every_bad_input_is_refused_with_a_message_and_leaves_the_repository_alone() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let fleet = Fleet::new();
        (case.setup)(&fleet);
        let before = fleet.state();
        let (code, text) = fleet.run(case.args, case.identity);
        let mut wrong = Vec::new();
        if code != Some(case.code) {
            wrong.push(format!("exit code {code:?}, wanted {}", case.code));
        }
        for needle in case.says {
            if !text.contains(needle) {
                wrong.push(format!("message does not say {needle:?}"));
            }
        }
        if text.contains("panicked") {
            wrong.push("panicked".to_string());
        }
        if fleet.state() != before {
            wrong.push("the repository or the outside directory changed".to_string());
        }
        if fleet.repo.join(".git/fluxfleet.lock").exists() && !case.name.contains("lock held") {
            wrong.push("the lock was left behind".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{} ({:?}):\n  {}\n  output: {}",
                case.name,
                case.args,
                wrong.join("\n  "),
                text.replace('\n', "\n          ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_dirty_file_the_change_does_not_touch_is_allowed_and_survives() {
    let fleet = Fleet::new();
    fleet.append("clusters/prod/apps/kustomization.yaml", "# mine\n");
    let (code, text) = fleet.run(PROMOTE, true);
    assert_eq!(code, Some(0), "{text}");
    let prod =
        fs::read_to_string(fleet.repo.join("clusters/prod/apps/kustomization.yaml")).unwrap();
    assert!(prod.ends_with("# mine\n"));
    assert_eq!(
        fleet.git(&["status", "--porcelain"]),
        " M clusters/prod/apps/kustomization.yaml\n"
    );
    assert_eq!(
        fleet.git(&["show", "--name-only", "--format=", "HEAD"]),
        format!("{LIST}\n")
    );
}

#[test]
fn no_commit_edits_on_top_of_the_uncommitted_text_of_a_touched_file() {
    let fleet = Fleet::new();
    fleet.append(LIST, "# my uncommitted note\n");
    let git_before = repo_state(&fleet.repo)
        .into_iter()
        .filter(|(path, _)| path.starts_with(".git/"))
        .collect::<Vec<_>>();
    let (code, text) = fleet.run(&["--no-commit", "promote", "foo-app", "--to", "dev"], true);
    assert_eq!(code, Some(0), "{text}");
    let list = fs::read_to_string(fleet.repo.join(LIST)).unwrap();
    assert!(list.contains("- ../../../apps/foo-app/base\n"), "{list}");
    assert!(list.contains("# my uncommitted note\n"), "{list}");
    let git_after = repo_state(&fleet.repo)
        .into_iter()
        .filter(|(path, _)| path.starts_with(".git/"))
        .collect::<Vec<_>>();
    assert_eq!(git_before, git_after, "--no-commit touched git");
}

mod in_process {
    //! What cannot be staged from outside the process: a file saved while a run is under way,
    //! and change sets whose paths leave the repository.

    use std::fs;
    use std::path::{Path, PathBuf};

    use clap::Parser;
    use fluxfleet::interactive::Prompter;
    use fluxfleet::plan::{ChangeSet, FileChange};

    use super::{repo_state, Fleet, LIST};

    /// Answers the cluster question, but first saves a file as an editor would.
    struct SavesWhileAsked {
        file: PathBuf,
    }

    impl Prompter for SavesWhileAsked {
        fn input(&mut self, _: &str, _: Option<&str>) -> fluxfleet::Result<String> {
            unreachable!("only the clusters are asked")
        }
        fn select(&mut self, _: &str, _: &[String], _: usize) -> fluxfleet::Result<usize> {
            unreachable!("only the clusters are asked")
        }
        fn multi_select(
            &mut self,
            _: &str,
            items: &[String],
            _: &[bool],
        ) -> fluxfleet::Result<Vec<usize>> {
            let mut text = fs::read_to_string(&self.file).unwrap();
            text.push_str("# saved meanwhile\n");
            fs::write(&self.file, text).unwrap();
            Ok(vec![items.iter().position(|c| c == "dev").unwrap()])
        }
    }

    /// Runs `args` in-process, the cluster answer coming from [`SavesWhileAsked`].
    fn run_saving(fleet: &Fleet, args: &[&str]) -> (fluxfleet::Result<()>, String) {
        // The identity comes from the repository, so the test needs no process environment.
        fleet.git(&["config", "user.name", "Fleet Tester"]);
        fleet.git(&["config", "user.email", "tester@example.com"]);
        let repo = fleet.repo.display().to_string();
        let line = ["fluxfleet", "-C", &repo]
            .into_iter()
            .chain(args.iter().copied());
        let cli = fluxfleet::cli::Cli::try_parse_from(line).unwrap();
        let err = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Sink(err.clone());
        let mut shell =
            fluxfleet::output::Shell::capture(Box::new(std::io::sink()), Box::new(sink));
        let mut prompter = SavesWhileAsked {
            file: fleet.repo.join(LIST),
        };
        let result = fluxfleet::run_with(cli, &mut shell, &mut prompter);
        let text = String::from_utf8_lossy(&err.lock().unwrap()).into_owned();
        (result, text)
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The state before the run with only the editor's save applied.
    fn expected_after_save(before: super::Files) -> super::Files {
        before
            .into_iter()
            .map(|(path, mut bytes)| {
                if path == LIST {
                    bytes.extend_from_slice(b"# saved meanwhile\n");
                }
                (path, bytes)
            })
            .collect()
    }

    #[test]
    fn a_file_saved_between_read_and_write_aborts_the_run() {
        let fleet = Fleet::new();
        let before = repo_state(&fleet.repo);
        let (result, _) = run_saving(&fleet, &["--no-commit", "promote", "foo-app"]);
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains(&format!("{LIST} changed on disk")),
            "{message}"
        );
        assert!(message.contains("nothing was written"), "{message}");
        assert_eq!(repo_state(&fleet.repo), expected_after_save(before));
    }

    #[test]
    fn a_file_saved_between_read_and_commit_is_refused_as_uncommitted() {
        let fleet = Fleet::new();
        let before = repo_state(&fleet.repo);
        let (result, _) = run_saving(&fleet, &["promote", "foo-app"]);
        let message = result.unwrap_err().to_string();
        assert!(message.contains("uncommitted changes"), "{message}");
        assert!(message.contains(LIST), "{message}");
        assert_eq!(repo_state(&fleet.repo), expected_after_save(before));
    }

    fn edit(path: &str, old: &str, new: &str) -> FileChange {
        FileChange::Edit {
            path: PathBuf::from(path),
            old: old.to_string(),
            new: new.to_string(),
        }
    }

    fn create(path: impl Into<PathBuf>) -> FileChange {
        FileChange::Create {
            path: path.into(),
            content: "written\n".to_string(),
        }
    }

    /// Applies a change set made of `changes` (plus a valid edit before them, to show that
    /// nothing at all is written) and returns the refusal.
    fn refused(fleet: &Fleet, changes: Vec<FileChange>) -> String {
        let old = fs::read_to_string(fleet.repo.join(LIST)).unwrap();
        let mut change = ChangeSet::new("test", "fluxfleet/test");
        change
            .changes
            .push(edit(LIST, &old, &format!("{old}# x\n")));
        change.changes.extend(changes);
        let before = (repo_state(&fleet.repo), super::tree(&fleet.outside()));
        let err = fluxfleet::apply::apply(&fleet.repo, &change)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            (repo_state(&fleet.repo), super::tree(&fleet.outside())),
            before,
            "{err}"
        );
        err.to_string()
    }

    #[test]
    fn the_writer_refuses_a_file_that_is_not_as_planned() {
        let fleet = Fleet::new();
        let message = refused(
            &fleet,
            vec![edit(
                "clusters/prod/apps/kustomization.yaml",
                "what the plan read\n",
                "new\n",
            )],
        );
        assert!(
            message.contains("clusters/prod/apps/kustomization.yaml changed on disk"),
            "{message}"
        );
        let message = refused(
            &fleet,
            vec![edit("clusters/prod/apps/gone.yaml", "text\n", "new\n")],
        );
        assert!(message.contains("gone.yaml changed on disk"), "{message}");
        let message = refused(&fleet, vec![create("clusters/dev/apps.yaml")]);
        assert!(
            message.contains("clusters/dev/apps.yaml exists already"),
            "{message}"
        );
    }

    #[test]
    fn the_writer_refuses_paths_outside_the_repository() {
        let fleet = Fleet::new();
        let message = refused(&fleet, vec![create("../../outside/x.yaml")]);
        assert!(message.contains("../../outside/x.yaml"), "{message}");
        assert!(message.contains("outside the repository"), "{message}");

        let absolute = fleet.outside().join("abs.yaml");
        let message = refused(&fleet, vec![create(absolute.clone())]);
        assert!(
            message.contains(&absolute.display().to_string()),
            "{message}"
        );
        assert!(message.contains("outside the repository"), "{message}");

        let message = refused(&fleet, vec![create("apps/../../escape.yaml")]);
        assert!(message.contains("outside the repository"), "{message}");
    }

    #[test]
    fn the_writer_refuses_git_directories_and_symbolic_links() {
        let fleet = Fleet::new();
        for path in [
            ".git/config",
            ".git/hooks/pre-commit",
            "apps/.git/x",
            ".GIT/x",
        ] {
            let message = refused(&fleet, vec![create(path)]);
            assert!(
                message.contains("refusing to write inside .git"),
                "{path}: {message}"
            );
            assert!(message.contains(path), "{path}: {message}");
        }
        std::os::unix::fs::symlink(fleet.outside(), fleet.repo.join("apps/link")).unwrap();
        let message = refused(&fleet, vec![create("apps/link/new.yaml")]);
        assert!(
            message.contains(
                "apps/link/new.yaml: refusing to write through the symbolic link apps/link"
            ),
            "{message}"
        );
        let message = refused(
            &fleet,
            vec![FileChange::Delete {
                path: PathBuf::from("apps/link"),
                old: String::new(),
            }],
        );
        assert!(message.contains("symbolic link apps/link"), "{message}");
        assert!(Path::new(&fleet.outside()).is_dir());
    }

    #[test]
    fn finish_refuses_an_outside_path_even_for_a_dry_run() {
        let fleet = Fleet::new();
        let mut change = ChangeSet::new("test", "fluxfleet/test");
        change.changes.push(create("../escape.yaml"));
        let mut shell =
            fluxfleet::output::Shell::capture(Box::new(std::io::sink()), Box::new(std::io::sink()));
        let options = fluxfleet::session::RunOptions {
            dry_run: true,
            ..Default::default()
        };
        let mut session = fluxfleet::session::Session::new(options, &mut shell, None);
        let err = session
            .finish(
                &fleet.repo,
                &change,
                fluxfleet::session::Finish::new(fluxfleet::session::History::Required),
            )
            .unwrap_err();
        assert!(err.to_string().contains("outside the repository"), "{err}");
        assert_eq!(err.exit_code(), 1);
    }
}

//! The fleet read on hostile trees: links that loop or leave the repository, special and huge
//! files, directories with two kustomization files, and lists whose resources form a cycle.
//! Each test runs the real binary on a committed copy of the seed fleet.
//!
//! The commands run under `ulimit -t` (CPU seconds) and `ulimit -v` (memory): a run that would
//! loop or read without end is stopped by the limit and fails its assertions, instead of taking
//! the machine down with it. A named pipe blocks without using CPU: that test has a wall-clock
//! guard as well. No assertion depends on how long anything takes.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::Sandbox;

/// A committed copy of the seed fleet.
struct Fleet {
    sandbox: Sandbox,
    dir: PathBuf,
}

/// What a run printed and how it ended.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Fleet {
    /// The seed fleet, its policies applied after infra, changed by `prepare`, committed.
    fn new(prepare: impl FnOnce(&Path)) -> Fleet {
        let sandbox = Sandbox::new();
        let dir = sandbox.work().join("fleet");
        sandbox.commit_copy(&common::seed_fixture(), &dir, |dir| {
            policies_after_infra(dir);
            prepare(dir);
        });
        Fleet { sandbox, dir }
    }

    /// The binary in the fleet with `args`, under a CPU and memory limit (and a wall-clock
    /// guard for what blocks without using CPU), isolated like `Sandbox::fluxfleet`.
    fn run(&self, args: &[&str]) -> Run {
        let home = self.sandbox.home();
        let mut cmd = assert_cmd::Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -t 20 && ulimit -v 2097152 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_fluxfleet"))
            .args(args)
            .current_dir(&self.dir)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .timeout(Duration::from_secs(60));
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "FLUXFLEET_FAIL_AT",
            "GIT_AUTHOR_NAME",
            "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL",
        ] {
            cmd.env_remove(var);
        }
        let out = cmd.output().unwrap();
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "{run:?}");
        run
    }

    fn git(&self, args: &[&str]) -> String {
        self.sandbox.git(&self.dir, args)
    }

    /// HEAD, the branches, and the working tree's status: what a refused run must leave as is.
    fn state(&self) -> (String, String, String) {
        (
            self.git(&["rev-parse", "HEAD"]),
            self.git(&["branch", "--list"]),
            self.git(&["status", "--porcelain", "--untracked-files=all"]),
        )
    }
}

fn ok(stdout: &str) -> Run {
    Run {
        code: Some(0),
        stdout: stdout.to_string(),
        stderr: String::new(),
    }
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn symlink(target: impl AsRef<Path>, link: &Path) {
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// The seed's policy stages moved from each cluster's infra list to its own policy list,
/// applied by a Flux Kustomization after infra, as `fluxfleet init` lays a cluster out: the
/// seed as it is would make `check` warn, which these tests are not about.
fn policies_after_infra(dir: &Path) {
    for cluster in ["dev", "prod", "test"] {
        let tree = dir.join("clusters").join(cluster);
        let infra = fs::read_to_string(tree.join("infra/kustomization.yaml")).unwrap();
        let (stages, kept): (Vec<&str>, Vec<&str>) = infra
            .lines()
            .partition(|l| l.contains("infrastructure/policies/"));
        fs::write(
            tree.join("infra/kustomization.yaml"),
            kept.join("\n") + "\n",
        )
        .unwrap();
        let list = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n";
        write(
            &tree,
            "policies/kustomization.yaml",
            &format!("{list}{}\n", stages.join("\n")),
        );
        let flux = fs::read_to_string(tree.join("apps.yaml")).unwrap();
        write(&tree, "policies.yaml", &flux.replace("apps", "policies"));
        let entry = fs::read_to_string(tree.join("kustomization.yaml")).unwrap();
        fs::write(
            tree.join("kustomization.yaml"),
            format!("{entry}- ./policies.yaml\n"),
        )
        .unwrap();
    }
}

/// The status of the unchanged seed fleet.
const SEED_STATUS: &str = "\
APP      dev          test          prod
foo-app  -            base          -
podinfo  overlay dev  overlay test  overlay prod

NAMESPACE   dev      test           prod
foo         -        set test-only  -
kyverno     common   common         common
monitoring  common   common         common
team-x      own dir  own dir        own dir

CONTROLLER  dev  test  prod
kyverno     dir  dir   dir

POLICY                 dev           test             prod
deny-latest-tag        -             test-only Audit  -
require-pod-resources  shared Audit  shared Audit     shared Audit
require-signed-images  -             -                prod Audit
";

const WHERE_PODINFO: &str = "\
app podinfo (apps/podinfo)
  dev   clusters/dev/apps/kustomization.yaml:5  ../../../apps/podinfo/overlays/dev  (overlay dev)
  test  clusters/test/apps/kustomization.yaml:5  ../../../apps/podinfo/overlays/test  (overlay test)
  prod  clusters/prod/apps/kustomization.yaml:5  ../../../apps/podinfo/overlays/prod  (overlay prod)
";

/// A Flux Kustomization in dev's tree attaching `clusters/dev/extra`, a directory without a
/// kustomization: Flux generates one from every manifest below it.
fn attach_extra(dir: &Path) {
    write(
        dir,
        "clusters/dev/extra.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  \
         name: extra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: \
         ./clusters/dev/extra\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    \
         name: flux-system\n",
    );
    let entry = dir.join("clusters/dev/kustomization.yaml");
    let text = fs::read_to_string(&entry).unwrap();
    fs::write(&entry, format!("{text}- ./extra.yaml\n")).unwrap();
    write(
        dir,
        "clusters/dev/extra/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: default\n",
    );
}

/// What `check` says of the ConfigMap [`attach_extra`] writes inside dev's tree.
const EXTRA_WARNING: &str = "\
warning: clusters/dev/extra/config.yaml:2: ConfigMap extra is defined inside cluster dev's tree: \
definitions live in apps/ and infrastructure/, and a cluster only references them
  fix: move it to its app's base (apps/extra/base/, or the app it belongs to) and reference the \
base, or the app's overlay for dev, from clusters/dev/apps/kustomization.yaml
";

/// `check` on the seed with [`attach_extra`]: its one warning, exit 0.
fn check_with_extra() -> Run {
    Run {
        code: Some(0),
        stdout: EXTRA_WARNING.into(),
        stderr: "checked 3 clusters, 2 apps, 4 namespaces: 0 errors, 1 warning\n".into(),
    }
}

fn check_clean() -> Run {
    Run {
        code: Some(0),
        stdout: String::new(),
        stderr: "checked 3 clusters, 2 apps, 4 namespaces: 0 errors, 0 warnings\n".into(),
    }
}

// Item: links that loop, leave the repository, or lead to special files.

#[test]
fn two_links_to_dot_in_a_directory_flux_walks_end_every_command() {
    let fleet = Fleet::new(|d| {
        attach_extra(d);
        symlink(".", &d.join("clusters/dev/extra/a"));
        symlink(".", &d.join("clusters/dev/extra/b"));
    });
    assert_eq!(fleet.run(&["status"]), ok(SEED_STATUS));
    assert_eq!(fleet.run(&["where", "podinfo"]), ok(WHERE_PODINFO));
    assert_eq!(fleet.run(&["check"]), check_with_extra());
    let promoted = fleet.run(&["promote", "foo-app", "--to", "dev"]);
    assert_eq!(promoted.code, Some(0), "{promoted:?}");
    let list = fs::read_to_string(fleet.dir.join("clusters/dev/apps/kustomization.yaml")).unwrap();
    assert!(list.ends_with("- ../../../apps/foo-app/base\n"), "{list}");
    assert_eq!(fleet.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_cycle_of_links_through_a_list_ends_and_is_walked_once() {
    // A list that lists two links to its own directory: two spellings of one list.
    let fleet = Fleet::new(|d| {
        write(
            d,
            "clusters/dev/team/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n\
             - ./a\n- ./b\n",
        );
        symlink(".", &d.join("clusters/dev/team/a"));
        symlink(".", &d.join("clusters/dev/team/b"));
        let apps = d.join("clusters/dev/apps/kustomization.yaml");
        let text = fs::read_to_string(&apps).unwrap();
        fs::write(&apps, format!("{text}- ../team\n")).unwrap();
    });
    assert_eq!(fleet.run(&["status"]), ok(SEED_STATUS));
    assert_eq!(fleet.run(&["where", "podinfo"]), ok(WHERE_PODINFO));
    let check = fleet.run(&["check"]);
    assert_eq!(check.code, Some(1), "{check:?}");
    assert_eq!(
        check.stdout,
        "error: clusters/dev/team/kustomization.yaml:4: ./a is the list's own directory: a \
         cycle of resources, which kustomize fails on\n  fix: remove one of these references\n\
         error: clusters/dev/team/kustomization.yaml:5: ./b is the list's own directory: a \
         cycle of resources, which kustomize fails on\n  fix: remove one of these references\n"
    );
}

#[test]
fn a_list_linked_to_dev_zero_is_not_read_and_check_names_the_link() {
    let fleet = Fleet::new(|d| {
        let list = d.join("clusters/dev/apps/kustomization.yaml");
        fs::remove_file(&list).unwrap();
        symlink("/dev/zero", &list);
    });
    let status = fleet.run(&["status"]);
    assert_eq!(
        status,
        ok("\
APP      dev  test          prod
foo-app  -    base          -
podinfo  -    overlay test  overlay prod

NAMESPACE   dev      test           prod
foo         -        set test-only  -
kyverno     common   common         common
monitoring  common   common         common
team-x      own dir  own dir        own dir

CONTROLLER  dev  test  prod
kyverno     dir  dir   dir

POLICY                 dev           test             prod
deny-latest-tag        -             test-only Audit  -
require-pod-resources  shared Audit  shared Audit     shared Audit
require-signed-images  -             -                prod Audit
")
    );
    let check = fleet.run(&["check"]);
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(
        check.stdout.starts_with(
            "error: clusters/dev/apps/kustomization.yaml: clusters/dev/apps/kustomization.yaml \
             is a symbolic link to /dev/zero, which leaves the repository: it is not followed, \
             and what it points at counts as absent\n  fix: replace the link with the files \
             themselves, or point it inside the repository\n"
        ),
        "{check:?}"
    );
    let before = fleet.state();
    assert_eq!(
        fleet.run(&["promote", "foo-app", "--to", "dev"]),
        Run {
            code: Some(1),
            stdout: String::new(),
            stderr: "error: clusters/dev/apps/kustomization.yaml is a symbolic link to /dev/zero, \
                     which leaves the repository: fluxfleet neither reads nor writes through it; \
                     replace the link with the files themselves\n"
                .into(),
        }
    );
    assert_eq!(fleet.state(), before);
}

#[test]
fn a_link_to_a_directory_outside_the_repository_is_neither_read_nor_reported_on() {
    let sandbox_outside = assert_fs::TempDir::new().unwrap();
    let outside = sandbox_outside.path().to_path_buf();
    write(
        &outside,
        "ns-secret.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: secret\n",
    );
    let fleet = Fleet::new(|d| {
        // A namespace set that is a link out, and a relative link out from a walked directory.
        symlink(&outside, &d.join("infrastructure/namespaces/elsewhere"));
        attach_extra(d);
        symlink("../../../../..", &d.join("clusters/dev/extra/up"));
    });
    assert_eq!(fleet.run(&["status"]), ok(SEED_STATUS));
    let check = fleet.run(&["check"]);
    assert_eq!(
        check,
        Run {
            code: Some(1),
            stdout: format!(
                "{EXTRA_WARNING}\
                 error: clusters/dev/extra/up: clusters/dev/extra/up is a symbolic link to \
                 ../../../../.., which leaves the repository: it is not followed, and what it \
                 points at counts as absent\n  fix: replace the link with the files themselves, \
                 or point it inside the repository\n\
                 error: infrastructure/namespaces/elsewhere: infrastructure/namespaces/elsewhere \
                 is a symbolic link to {}, which leaves the repository: it is not followed, and \
                 what it points at counts as absent\n  fix: replace the link with the files \
                 themselves, or point it inside the repository\n",
                outside.display()
            ),
            stderr: "error: checked 3 clusters, 2 apps, 4 namespaces: 2 errors, 1 warning\n".into(),
        }
    );
    let unknown = fleet.run(&["where", "secret"]);
    assert_eq!(unknown.code, Some(1), "{unknown:?}");
}

#[test]
fn links_that_stay_inside_the_repository_keep_working() {
    let fleet = Fleet::new(|d| {
        // dev's app list is a relative link to a file elsewhere in the repository, prod's an
        // absolute one; the common namespace set is a link to a copy of it.
        let dev = d.join("clusters/dev/apps/kustomization.yaml");
        let prod = d.join("clusters/prod/apps/kustomization.yaml");
        fs::create_dir_all(d.join("shared")).unwrap();
        fs::rename(&dev, d.join("shared/dev-apps.yaml")).unwrap();
        symlink("../../../shared/dev-apps.yaml", &dev);
        fs::rename(&prod, d.join("shared/prod-apps.yaml")).unwrap();
        symlink(d.join("shared/prod-apps.yaml"), &prod);
        let common = d.join("infrastructure/namespaces/common");
        fs::rename(&common, d.join("shared/common-namespaces")).unwrap();
        symlink("../../shared/common-namespaces", &common);
    });
    assert_eq!(fleet.run(&["status"]), ok(SEED_STATUS));
    assert_eq!(fleet.run(&["where", "podinfo"]), ok(WHERE_PODINFO));
    assert_eq!(fleet.run(&["check"]), check_clean());
}

#[test]
fn a_named_pipe_is_never_opened_for_reading() {
    let fleet = Fleet::new(|_| {});
    // Not committed (git stores no pipes): made in the working tree.
    let list = fleet.dir.join("clusters/dev/apps/kustomization.yaml");
    fs::remove_file(&list).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&list)
        .status()
        .unwrap();
    assert!(made.success());
    let message = "error: clusters/dev/apps/kustomization.yaml: not a regular file but a named \
                   pipe (FIFO); fluxfleet reads only regular files: remove it\n";
    for args in [&["status"][..], &["where", "podinfo"], &["check"]] {
        let run = fleet.run(args);
        assert_eq!(
            run,
            Run {
                code: Some(1),
                stdout: String::new(),
                stderr: message.into()
            },
            "{args:?}"
        );
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_naming_it_and_the_limit() {
    let fleet = Fleet::new(|d| {
        let file = d.join("clusters/dev/infra.yaml");
        let mut text = fs::read_to_string(&file).unwrap();
        let line = format!("# {}\n", "x".repeat(1021));
        text.push_str(&line.repeat(17 * 1024));
        fs::write(&file, text).unwrap();
    });
    let message = "error: clusters/dev/infra.yaml: larger than 16 MiB, the limit for a file of \
                   the fleet: fleet files are small; move it out of the directories Flux reads\n";
    for args in [
        &["status"][..],
        &["check"],
        &["promote", "foo-app", "--to", "dev"],
    ] {
        let before = fleet.state();
        let run = fleet.run(args);
        assert_eq!(
            run,
            Run {
                code: Some(1),
                stdout: String::new(),
                stderr: message.into()
            },
            "{args:?}"
        );
        assert_eq!(fleet.state(), before, "{args:?}");
    }
}

// Item: a directory with two kustomization files.

#[test]
fn check_reports_a_directory_with_two_kustomization_files() {
    for (second, both) in [
        (
            "kustomization.yml",
            "clusters/dev/apps/kustomization.yaml and clusters/dev/apps/kustomization.yml",
        ),
        (
            "Kustomization",
            "clusters/dev/apps/kustomization.yaml and clusters/dev/apps/Kustomization",
        ),
    ] {
        let fleet = Fleet::new(|d| {
            let apps = d.join("clusters/dev/apps");
            fs::copy(apps.join("kustomization.yaml"), apps.join(second)).unwrap();
        });
        let rendered = std::process::Command::new("kubectl")
            .args(["kustomize", "clusters/dev/apps"])
            .current_dir(&fleet.dir)
            .output()
            .unwrap();
        assert!(!rendered.status.success());
        assert!(String::from_utf8_lossy(&rendered.stderr)
            .contains("Found multiple kustomization files"));
        assert_eq!(
            fleet.run(&["check"]),
            Run {
                code: Some(1),
                stdout: format!(
                    "error: clusters/dev/apps/kustomization.yaml: {both} are both kustomization \
                     files of one directory: kustomize refuses it (\"Found multiple \
                     kustomization files\"), and fluxfleet edits neither\n  fix: keep one: \
                     merge the others into clusters/dev/apps/kustomization.yaml and delete \
                     them\n"
                ),
                stderr: "error: checked 3 clusters, 2 apps, 4 namespaces: 1 error, 0 warnings\n"
                    .into(),
            }
        );
    }
}

#[test]
fn mutating_commands_refuse_a_list_beside_a_second_kustomization_file() {
    let fleet = Fleet::new(|d| {
        let apps = d.join("clusters/dev/apps");
        fs::copy(
            apps.join("kustomization.yaml"),
            apps.join("kustomization.yml"),
        )
        .unwrap();
        let ns = d.join("infrastructure/namespaces/test-only");
        fs::copy(ns.join("kustomization.yaml"), ns.join("Kustomization")).unwrap();
    });
    let apps = "clusters/dev/apps/kustomization.yaml and clusters/dev/apps/kustomization.yml \
                are both kustomization files of clusters/dev/apps";
    let set = "infrastructure/namespaces/test-only/kustomization.yaml and \
               infrastructure/namespaces/test-only/Kustomization are both kustomization files \
               of infrastructure/namespaces/test-only";
    let rest = ": kustomize refuses a directory with more than one (\"Found multiple \
                kustomization files\"), so fluxfleet edits neither; merge them into one, delete \
                the other, and run this again\n";
    for (args, which) in [
        (&["promote", "foo-app", "--to", "dev"][..], apps),
        (&["demote", "podinfo", "--from", "dev"], apps),
        (&["--dry-run", "promote", "foo-app", "--to", "dev"], apps),
        (
            &[
                "add-app",
                "web",
                "--namespace",
                "team-x",
                "--image",
                "nginx:1",
                "--port",
                "80",
                "--clusters",
                "dev",
            ],
            apps,
        ),
        (
            &[
                "add-ns",
                "extra",
                "--set",
                "test-only",
                "--clusters",
                "test",
            ],
            set,
        ),
    ] {
        let before = fleet.state();
        let run = fleet.run(args);
        assert_eq!(
            run,
            Run {
                code: Some(1),
                stdout: String::new(),
                stderr: format!("error: {which}{rest}"),
            },
            "{args:?}"
        );
        assert_eq!(fleet.state(), before, "{args:?}");
    }
}

// Item: cycles of resources.

fn kustomization(resources: &[&str]) -> String {
    let mut text = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
    );
    for r in resources {
        text.push_str(&format!("- {r}\n"));
    }
    text
}

#[test]
fn check_reports_a_cycle_of_two_lists_with_each_reference() {
    let fleet = Fleet::new(|d| {
        write(
            d,
            "clusters/dev/apps/team-a/kustomization.yaml",
            &kustomization(&["../team-b"]),
        );
        write(
            d,
            "clusters/dev/apps/team-b/kustomization.yaml",
            &kustomization(&["../team-a"]),
        );
        let apps = d.join("clusters/dev/apps/kustomization.yaml");
        let text = fs::read_to_string(&apps).unwrap();
        fs::write(&apps, format!("{text}- ./team-a\n")).unwrap();
    });
    let rendered = std::process::Command::new("kubectl")
        .args(["kustomize", "clusters/dev/apps"])
        .current_dir(&fleet.dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&rendered.stderr).contains("cycle detected"));
    assert_eq!(
        fleet.run(&["check"]),
        Run {
            code: Some(1),
            stdout: "error: clusters/dev/apps/team-a/kustomization.yaml:4: the resources of \
                     these lists form a cycle: clusters/dev/apps/team-a/kustomization.yaml:4 \
                     (../team-b) -> clusters/dev/apps/team-b/kustomization.yaml:4 (../team-a) \
                     -> back to clusters/dev/apps/team-a/kustomization.yaml; kustomize fails on \
                     it\n  fix: remove one of these references\n"
                .into(),
            stderr: "error: checked 3 clusters, 2 apps, 4 namespaces: 1 error, 0 warnings\n".into(),
        }
    );
    assert_eq!(fleet.run(&["status"]), ok(SEED_STATUS));
    assert_eq!(fleet.run(&["where", "podinfo"]), ok(WHERE_PODINFO));
}

#[test]
fn check_reports_a_list_that_lists_its_own_directory() {
    // `.` in a cluster list, and `../common` in a set outside the clusters' trees.
    let fleet = Fleet::new(|d| {
        let infra = d.join("clusters/test/infra/kustomization.yaml");
        let text = fs::read_to_string(&infra).unwrap();
        fs::write(&infra, format!("{text}- .\n")).unwrap();
        let common = d.join("infrastructure/namespaces/common/kustomization.yaml");
        let text = fs::read_to_string(&common).unwrap();
        fs::write(&common, format!("{text}- ../common\n")).unwrap();
    });
    let check = fleet.run(&["check"]);
    assert_eq!(check.code, Some(1), "{check:?}");
    let infra_line = fs::read_to_string(fleet.dir.join("clusters/test/infra/kustomization.yaml"))
        .unwrap()
        .lines()
        .count();
    let common_line = fs::read_to_string(
        fleet
            .dir
            .join("infrastructure/namespaces/common/kustomization.yaml"),
    )
    .unwrap()
    .lines()
    .count();
    assert_eq!(
        check.stdout,
        format!(
            "error: clusters/test/infra/kustomization.yaml:{infra_line}: . is the list's own \
             directory: a cycle of resources, which kustomize fails on\n  fix: remove one of \
             these references\n\
             error: infrastructure/namespaces/common/kustomization.yaml:{common_line}: \
             ../common is the list's own directory: a cycle of resources, which kustomize fails \
             on\n  fix: remove one of these references\n"
        )
    );
    assert_eq!(fleet.run(&["status"]), ok(SEED_STATUS));
    assert_eq!(fleet.run(&["where", "podinfo"]), ok(WHERE_PODINFO));
    assert_eq!(fleet.run(&["where", "monitoring"]).code, Some(0));
}

#[test]
fn check_reports_a_cycle_among_lists_only_check_reads() {
    // The controller's list leads to two lists the fleet read does not hold, which lead back.
    let fleet = Fleet::new(|d| {
        let kyverno = d.join("infrastructure/controllers/kyverno/kustomization.yaml");
        let text = fs::read_to_string(&kyverno).unwrap();
        fs::write(&kyverno, format!("{text}- ../../shared/a\n")).unwrap();
        write(
            d,
            "infrastructure/shared/a/kustomization.yaml",
            &kustomization(&["../b"]),
        );
        write(
            d,
            "infrastructure/shared/b/kustomization.yaml",
            &kustomization(&["../../controllers/kyverno"]),
        );
    });
    assert_eq!(
        fleet.run(&["check"]).stdout,
        "error: infrastructure/controllers/kyverno/kustomization.yaml:6: the resources of these \
         lists form a cycle: infrastructure/controllers/kyverno/kustomization.yaml:6 \
         (../../shared/a) -> infrastructure/shared/a/kustomization.yaml:4 (../b) -> \
         infrastructure/shared/b/kustomization.yaml:4 (../../controllers/kyverno) -> back to \
         infrastructure/controllers/kyverno/kustomization.yaml; kustomize fails on it\n  fix: \
         remove one of these references\n"
    );
    assert_eq!(fleet.run(&["status"]), ok(SEED_STATUS));
}

//! The CI of a generated fleet: `.github/workflows/validate.yaml` sets up kustomize and
//! kubeconform on `ubuntu-latest` and runs `scripts/validate.sh`, which validates the fleet as
//! Flux's example repositories do. Both run here as far as this machine allows: the network
//! (curl) and kubeconform are stand-ins, kustomize is `kubectl kustomize`, and yq's parse of
//! every YAML file is PyYAML's.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Sandbox;
use yaml_rust2::{Yaml, YamlLoader};

/// An executable script `name` in `dir`.
fn script(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// kubeconform's stand-in: every document it reads (files, or stdin) must be a Kubernetes
/// object; it logs what it read and checks the flags Flux's script passes.
const KUBECONFORM: &str = r#"#!/usr/bin/env python3
import os, sys, yaml
args = sys.argv[1:]
files, flags, i = [], [], 0
while i < len(args):
    if args[i] == "-schema-location":
        flags.append(args[i] + " " + args[i + 1]); i += 2
    elif args[i].startswith("-"):
        flags.append(args[i]); i += 1
    else:
        files.append(args[i]); i += 1
want = ["-skip=Secret", "-strict", "-ignore-missing-schemas", "-schema-location default",
        "-schema-location " + os.environ["FLUX_CRD_SCHEMAS"], "-summary"]
if flags != want:
    sys.exit("kubeconform: flags %r" % flags)
docs = 0
for name, text in ([(f, open(f).read()) for f in files] or [("stdin", sys.stdin.read())]):
    for doc in yaml.safe_load_all(text):
        if doc is None:
            continue
        if not (isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind")):
            sys.exit("kubeconform: %s: not a Kubernetes object: %r" % (name, doc))
        docs += 1
with open(os.environ["STUB_LOG"], "a") as log:
    log.write("kubeconform %s: %d\n" % (" ".join(files) or "stdin", docs))
print("Summary: %d resources found - Valid: %d, Invalid: 0, Errors: 0, Skipped: 0" % (docs, docs))
"#;

/// yq's stand-in for `yq e 'true' FILE`: the file must parse.
const YQ: &str = r#"#!/usr/bin/env python3
import sys, yaml
if sys.argv[1:3] != ["e", "true"]:
    sys.exit("yq: unexpected arguments %r" % sys.argv[1:])
try:
    list(yaml.safe_load_all(open(sys.argv[3])))
except yaml.YAMLError as e:
    sys.exit("Error: %s" % e)
print("true")
"#;

/// kustomize's stand-in: `kubectl kustomize`, which is kustomize.
const KUSTOMIZE: &str = "#!/bin/sh\n[ \"$1\" = build ] || exit 2\nshift\n\
    echo \"kustomize build $*\" >> \"$STUB_LOG\"\nexec kubectl kustomize \"$@\"\n";

/// A directory of stand-ins, and the log they write.
struct Stubs {
    bin: PathBuf,
    log: PathBuf,
    schemas: PathBuf,
}

impl Stubs {
    fn new(sandbox: &Sandbox) -> Self {
        let bin = sandbox.temp.path().join("stubs");
        fs::create_dir_all(&bin).unwrap();
        script(&bin, "kubeconform", KUBECONFORM);
        script(&bin, "yq", YQ);
        script(&bin, "kustomize", KUSTOMIZE);
        script(
            &bin,
            "curl",
            "#!/bin/sh\necho \"curl: no network in tests: $*\" >&2\nexit 7\n",
        );
        // Flux's schemas as downloaded: the script downloads only when they are missing.
        let schemas = sandbox.temp.path().join("flux-crd-schemas");
        fs::create_dir_all(schemas.join("master-standalone-strict")).unwrap();
        Stubs {
            log: sandbox.temp.path().join("stubs.log"),
            bin,
            schemas,
        }
    }

    fn path(&self) -> String {
        format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap())
    }

    /// `bash scripts/validate.sh` in `fleet`, as the workflow runs it: (success, stdout+stderr).
    fn validate(&self, fleet: &Path) -> (bool, String) {
        let _ = fs::remove_file(&self.log);
        let out = Command::new("bash")
            .arg("scripts/validate.sh")
            .current_dir(fleet)
            .env("PATH", self.path())
            .env("STUB_LOG", &self.log)
            .env("FLUX_CRD_SCHEMAS", &self.schemas)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A fleet made by `init --clusters dev,prod` in `work/new`.
fn new_fleet(sandbox: &Sandbox) -> PathBuf {
    sandbox
        .fluxfleet(&sandbox.work())
        .args(["init", "new", "--clusters", "dev,prod"])
        .assert()
        .success();
    sandbox.work().join("new")
}

/// The steps of the workflow's one job.
fn steps(fleet: &Path) -> Vec<Yaml> {
    let text = fs::read_to_string(fleet.join(".github/workflows/validate.yaml")).unwrap();
    let doc = YamlLoader::load_from_str(&text).unwrap().remove(0);
    assert_eq!(
        doc["jobs"]["manifests"]["runs-on"].as_str(),
        Some("ubuntu-latest")
    );
    doc["jobs"]["manifests"]["steps"].as_vec().unwrap().clone()
}

fn step<'a>(steps: &'a [Yaml], name: &str) -> &'a Yaml {
    steps
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name:?}"))
}

#[test]
fn the_workflow_checks_out_sets_up_and_runs_the_script() {
    let sandbox = Sandbox::new();
    let fleet = new_fleet(&sandbox);
    let steps = steps(&fleet);
    let names: Vec<Option<&str>> = steps
        .iter()
        .map(|s| s["uses"].as_str().or(s["name"].as_str()))
        .collect();
    assert_eq!(
        names,
        [
            Some("actions/checkout@v4"),
            Some("Set up kustomize and kubeconform"),
            Some("Validate")
        ]
    );
    assert_eq!(
        step(&steps, "Validate")["run"].as_str(),
        Some("bash scripts/validate.sh")
    );
    let text = fs::read_to_string(fleet.join(".github/workflows/validate.yaml")).unwrap();
    assert!(!text.contains("install_kustomize.sh"), "{text}");
    assert!(!text.contains("/usr/local/bin"), "{text}");
}

/// The setup step with curl serving a release archive that holds both tools: the URLs it
/// fetched, and what it put on the job's PATH.
fn run_setup(sandbox: &Sandbox, fleet: &Path, kustomize_on_path: bool) -> (Vec<String>, String) {
    let steps = steps(fleet);
    let setup = step(&steps, "Set up kustomize and kubeconform");
    let temp = sandbox
        .temp
        .path()
        .join(format!("runner-{kustomize_on_path}"));
    let bin = temp.join("stubs");
    let release = temp.join("release");
    fs::create_dir_all(&bin).unwrap();
    fs::create_dir_all(&release).unwrap();
    for tool in ["kustomize", "kubeconform"] {
        script(&release, tool, "#!/bin/sh\n");
    }
    let archive = temp.join("release.tar.gz");
    let tar = Command::new("tar")
        .arg("czf")
        .arg(&archive)
        .arg("-C")
        .arg(&release)
        .args(["kustomize", "kubeconform"])
        .status()
        .unwrap();
    assert!(tar.success());
    let log = temp.join("curl.log");
    script(
        &bin,
        "curl",
        &format!(
            "#!/bin/sh\nfor a; do url=$a; done\necho \"$url\" >> {}\ncat {}\n",
            log.display(),
            archive.display()
        ),
    );
    if kustomize_on_path {
        script(&bin, "kustomize", "#!/bin/sh\n");
    }
    let github_path = temp.join("github_path");
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(setup["run"].as_str().unwrap())
        .current_dir(fleet)
        // Only the system's own directories: no kustomize there unless the stub is.
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_PATH", &github_path);
    for (key, value) in setup["env"].as_hash().unwrap() {
        let value = match value {
            Yaml::Real(v) | Yaml::String(v) => v.clone(),
            other => panic!("env {other:?}"),
        };
        cmd.env(key.as_str().unwrap(), value);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fetched = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut installed: Vec<String> = fs::read_dir(temp.join("bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    installed.sort();
    assert_eq!(
        fs::read_to_string(&github_path).unwrap(),
        format!("{}\n", temp.join("bin").display())
    );
    (fetched, installed.join(" "))
}

#[test]
fn setup_uses_the_runners_kustomize_and_a_pinned_kubeconform() {
    let sandbox = Sandbox::new();
    let fleet = new_fleet(&sandbox);
    let (fetched, installed) = run_setup(&sandbox, &fleet, true);
    assert_eq!(
        fetched,
        ["https://github.com/yannh/kubeconform/releases/download/v0.6.7/kubeconform-linux-amd64.tar.gz"]
    );
    assert_eq!(installed, "kubeconform");
}

#[test]
fn setup_fetches_a_pinned_kustomize_where_the_runner_has_none() {
    let sandbox = Sandbox::new();
    let fleet = new_fleet(&sandbox);
    let (fetched, installed) = run_setup(&sandbox, &fleet, false);
    assert_eq!(
        fetched,
        [
            "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv5.5.0/kustomize_v5.5.0_linux_amd64.tar.gz",
            "https://github.com/yannh/kubeconform/releases/download/v0.6.7/kubeconform-linux-amd64.tar.gz",
        ]
    );
    assert_eq!(installed, "kubeconform kustomize");
}

#[test]
fn the_script_validates_a_new_fleet() {
    let sandbox = Sandbox::new();
    let fleet = new_fleet(&sandbox);
    let stubs = Stubs::new(&sandbox);
    let (ok, output) = stubs.validate(&fleet);
    assert!(ok, "{output}");
    let lines: Vec<&str> = output.lines().filter(|l| l.starts_with("INFO")).collect();
    assert_eq!(
        lines,
        [
            "INFO - Validating ./.fluxfleet.yaml",
            "INFO - Validating ./.github/workflows/validate.yaml",
            "INFO - Validating ./apps/common/kustomization.yaml",
            "INFO - Validating ./clusters/dev/apps.yaml",
            "INFO - Validating ./clusters/dev/apps/kustomization.yaml",
            "INFO - Validating ./clusters/dev/flux-system/gotk-components.yaml",
            "INFO - Validating ./clusters/dev/flux-system/gotk-sync.yaml",
            "INFO - Validating ./clusters/dev/flux-system/kustomization.yaml",
            "INFO - Validating ./clusters/dev/infra.yaml",
            "INFO - Validating ./clusters/dev/infra/kustomization.yaml",
            "INFO - Validating ./clusters/dev/kustomization.yaml",
            "INFO - Validating ./clusters/dev/policies.yaml",
            "INFO - Validating ./clusters/dev/policies/kustomization.yaml",
            "INFO - Validating ./clusters/prod/apps.yaml",
            "INFO - Validating ./clusters/prod/apps/kustomization.yaml",
            "INFO - Validating ./clusters/prod/flux-system/gotk-components.yaml",
            "INFO - Validating ./clusters/prod/flux-system/gotk-sync.yaml",
            "INFO - Validating ./clusters/prod/flux-system/kustomization.yaml",
            "INFO - Validating ./clusters/prod/infra.yaml",
            "INFO - Validating ./clusters/prod/infra/kustomization.yaml",
            "INFO - Validating ./clusters/prod/kustomization.yaml",
            "INFO - Validating ./clusters/prod/policies.yaml",
            "INFO - Validating ./clusters/prod/policies/kustomization.yaml",
            "INFO - Validating ./infrastructure/namespaces/common/kustomization.yaml",
            "INFO - Validating clusters",
            "INFO - Validating kustomize overlays",
            "INFO - Validating kustomization ./apps/common/",
            "INFO - Validating kustomization ./clusters/dev/apps/",
            "INFO - Validating kustomization ./clusters/dev/flux-system/",
            "INFO - Validating kustomization ./clusters/dev/infra/",
            "INFO - Validating kustomization ./clusters/dev/",
            "INFO - Validating kustomization ./clusters/dev/policies/",
            "INFO - Validating kustomization ./clusters/prod/apps/",
            "INFO - Validating kustomization ./clusters/prod/flux-system/",
            "INFO - Validating kustomization ./clusters/prod/infra/",
            "INFO - Validating kustomization ./clusters/prod/",
            "INFO - Validating kustomization ./clusters/prod/policies/",
            "INFO - Validating kustomization ./infrastructure/namespaces/common/",
        ]
    );
    let log = stubs.log();
    // Each cluster's entrypoint renders its three Flux Kustomizations, which kubeconform sees.
    assert!(
        log.contains(
            "kustomize build ./clusters/dev --load-restrictor=LoadRestrictionsNone\nkubeconform stdin: 3\n"
        ),
        "{log}"
    );
    assert!(
        log.contains("kubeconform ./clusters/prod/infra.yaml: 1\n"),
        "{log}"
    );
}

#[test]
fn the_script_validates_the_seed_fleet_and_fails_on_a_broken_one() {
    let sandbox = Sandbox::new();
    let fleet = sandbox.seed_repo();
    let script = new_fleet(&sandbox).join("scripts");
    common::copy_dir(&script, &fleet.join("scripts"));
    let stubs = Stubs::new(&sandbox);
    let (ok, output) = stubs.validate(&fleet);
    assert!(ok, "{output}");
    assert!(
        stubs
            .log()
            .contains("kustomize build ./apps/podinfo/base --load-restrictor=LoadRestrictionsNone\nkubeconform stdin: "),
        "{}",
        stubs.log()
    );

    // A file that is no YAML fails the parse step.
    fs::write(fleet.join("apps/podinfo/base/broken.yaml"), "a: [\n").unwrap();
    let (ok, output) = stubs.validate(&fleet);
    assert!(!ok, "{output}");
    assert!(
        output.contains("INFO - Validating ./apps/podinfo/base/broken.yaml\nError"),
        "{output}"
    );
    fs::remove_file(fleet.join("apps/podinfo/base/broken.yaml")).unwrap();

    // A list that names a missing directory fails kustomize's build.
    let list = fleet.join("clusters/dev/apps/kustomization.yaml");
    let text = fs::read_to_string(&list).unwrap();
    fs::write(&list, format!("{text}  - ../../../apps/missing\n")).unwrap();
    let (ok, output) = stubs.validate(&fleet);
    assert!(!ok, "{output}");
    // It stops at the first failure.
    assert_eq!(
        output.lines().rfind(|l| l.starts_with("INFO")),
        Some("INFO - Validating kustomization ./clusters/dev/apps/"),
        "{output}"
    );
    assert!(output.contains("apps/missing"), "{output}");
}

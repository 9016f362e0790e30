//! Bad input that used to be committed: a template override that renders invalid YAML, and
//! flag values that make broken manifests (replicas beyond Kubernetes' int32, image references
//! outside the reference grammar). Each is refused with exit code 1 and a message that names
//! the file or states the rule, and leaves the repository as it was: files, index, refs, HEAD.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::PathBuf;

use common::{repo_state, Sandbox};

/// The seed fleet committed in a fresh repository.
struct Fleet {
    sandbox: Sandbox,
    repo: PathBuf,
}

impl Fleet {
    fn new() -> Self {
        let sandbox = Sandbox::new();
        let repo = sandbox.seed_repo();
        Fleet { sandbox, repo }
    }

    /// The seed fleet with `.fluxfleet/templates/<name>` overridden by `text`, committed.
    fn with_override(name: &str, text: &str) -> Self {
        let fleet = Fleet::new();
        let path = fleet.repo.join(".fluxfleet/templates").join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        fleet.sandbox.git(&fleet.repo, &["add", "-A"]);
        fleet
            .sandbox
            .git(&fleet.repo, &["commit", "-qm", "templates"]);
        fleet
    }

    /// Runs fluxfleet; returns exit code, stdout and stderr.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self
            .sandbox
            .fluxfleet(&self.repo)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs fluxfleet and asserts that it was refused with exit code 1, nothing on stdout,
    /// exactly `stderr`, and the repository left as it was.
    fn refused(&self, args: &[&str], stderr: &str) {
        let before = repo_state(&self.repo);
        let got = self.run(args);
        assert_eq!(
            got,
            (Some(1), String::new(), stderr.to_string()),
            "{args:?}"
        );
        assert!(
            repo_state(&self.repo) == before,
            "{args:?} changed the repository"
        );
    }

    /// Runs fluxfleet with `--dry-run` and asserts that it succeeded, returning stdout.
    fn accepted(&self, args: &[&str]) -> String {
        let before = repo_state(&self.repo);
        let mut all = vec!["--dry-run"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = self.run(&all);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(repo_state(&self.repo) == before, "a dry run wrote");
        stdout
    }
}

const ADD_APP: &[&str] = &[
    "add-app",
    "web",
    "--namespace",
    "foo",
    "--port",
    "80",
    "--clusters",
    "dev",
];

fn add_app(extra: &[&str]) -> Vec<String> {
    ADD_APP.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

// Item: a template override that renders invalid YAML is committed.

#[test]
fn an_override_that_renders_invalid_yaml_is_refused_naming_it_and_the_rendered_line() {
    // The loop renders one line per label, so the rendered line (9) is not the template's (7).
    let fleet = Fleet::with_override(
        "app/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ app }}\n  labels:\n\
         {%- for l in ['a', 'b', 'c'] %}\n    {{ l }}: x\n{%- endfor %}\n  \
         annotations: {{ image }}: oops\nspec:\n  replicas: {{ replicas }}\n",
    );
    fleet.refused(
        &strs(&add_app(&["--image", "nginx:1.27"])),
        "error: template .fluxfleet/templates/app/deployment.yaml renders invalid YAML \
         (line 9, column 26 of the rendered text): mapping values are not allowed in this \
         context\n  |\n9 |   annotations: nginx:1.27: oops\n  |                          ^\n\
         fix the template so that it renders valid YAML whose every document is a mapping \
         with apiVersion and kind, or delete it to use the built-in one\n",
    );
}

const MANIFEST_ADVICE: &str = "fix the template so that it renders valid YAML whose every \
     document is a mapping with apiVersion and kind, or delete it to use the built-in one\n";

#[test]
fn an_override_manifest_must_be_a_mapping_with_api_version_and_kind() {
    let fleet = Fleet::with_override(
        "app/service.yaml",
        "apiVersion: v1\nmetadata:\n  name: {{ app }}\n",
    );
    fleet.refused(
        &strs(&add_app(&["--image", "nginx"])),
        &format!(
            "error: template .fluxfleet/templates/app/service.yaml renders an invalid Kubernetes \
         manifest (line 1, column 1 of the rendered text): the document has no `kind`; every \
         object needs apiVersion and kind\n  |\n1 | apiVersion: v1\n  | ^\n{MANIFEST_ADVICE}"
        ),
    );

    let fleet = Fleet::with_override("app/service.yaml", "- {{ app }}\n");
    fleet.refused(
        &strs(&add_app(&["--image", "nginx"])),
        &format!(
            "error: template .fluxfleet/templates/app/service.yaml renders an invalid Kubernetes \
         manifest (line 1, column 1 of the rendered text): the document is a list; expected a \
         mapping with apiVersion and kind\n  |\n1 | - web\n  | ^\n{MANIFEST_ADVICE}"
        ),
    );
}

#[test]
fn an_override_kustomization_must_be_one_mapping() {
    let fleet = Fleet::with_override("app/kustomization.yaml", "deployment.yaml\n");
    fleet.refused(
        &strs(&add_app(&["--image", "nginx"])),
        "error: template .fluxfleet/templates/app/kustomization.yaml renders an invalid \
         kustomization (line 1, column 1 of the rendered text): the top level is a string; \
         expected a mapping such as `resources:`\n  |\n1 | deployment.yaml\n  | ^\nfix the \
         template so that it renders one YAML mapping such as `resources:`, or delete it to use \
         the built-in one\n",
    );
}

#[test]
fn an_override_overlay_patch_that_renders_invalid_yaml_is_refused() {
    let fleet = Fleet::with_override(
        "overlay/patch.yaml",
        "- target:\n    kind: Deployment\n    name: {{ deployment }}\n  patch: [\n",
    );
    let (code, stdout, stderr) = fleet.run(&["add-overlay", "foo-app", "--cluster", "prod"]);
    assert_eq!(code, Some(2), "no value given: {stdout}{stderr}");
    fleet.refused(
        &[
            "add-overlay",
            "foo-app",
            "--cluster",
            "prod",
            "--replicas",
            "2",
        ],
        "error: template .fluxfleet/templates/overlay/patch.yaml renders invalid YAML \
         (line 4, column 11 of the rendered text): while parsing a node, did not find expected \
         node content\n  |\n4 |   patch: [\n  |           ^\nfix the template so that it \
         renders one YAML list item that is a mapping, such as `- name: x`, or delete it to use \
         the built-in one\n",
    );
}

#[test]
fn init_with_an_override_that_renders_invalid_yaml_writes_nothing() {
    let sandbox = Sandbox::new();
    let work = sandbox.work();
    sandbox.git(&work, &["init", "-q"]);
    let custom = work.join(".fluxfleet/templates/cluster/apps");
    fs::create_dir_all(&custom).unwrap();
    fs::write(
        custom.join("kustomization.yaml"),
        "resources:\n{%- for r in apps %}\n  - {{ r }}\n{%- endfor %}\nkind: a: b\n",
    )
    .unwrap();
    sandbox.git(&work, &["add", "-A"]);
    sandbox.git(&work, &["commit", "-qm", "templates"]);
    let before = repo_state(&work);
    let out = sandbox
        .fluxfleet(&work)
        .args(["init", "--clusters", "dev"])
        .output()
        .unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned()
        ),
        (
            Some(1),
            String::new(),
            "error: template .fluxfleet/templates/cluster/apps/kustomization.yaml renders \
             invalid YAML (line 3, column 8 of the rendered text): mapping values are not \
             allowed in this context\n  |\n3 | kind: a: b\n  |        ^\nfix the template so \
             that it renders one YAML mapping such as `resources:`, or delete it to use the \
             built-in one\n"
                .to_string()
        )
    );
    assert!(repo_state(&work) == before, "init wrote on refusal");
}

#[test]
fn a_valid_override_is_still_used() {
    let fleet = Fleet::with_override(
        "app/service.yaml",
        "# ours\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ app }}\n  namespace: \
         {{ namespace }}\nspec:\n  selector:\n    app: {{ app }}\n  ports:\n    - port: \
         {{ service_port }}\n      targetPort: {{ port }}\n",
    );
    let diff = fleet.accepted(&strs(&add_app(&["--image", "nginx"])));
    assert!(diff.contains("+# ours\n"), "{diff}");
}

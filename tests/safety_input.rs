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
    // The loop renders one line per label: the error is on line 10 of the rendered text, and
    // on line 9 of the template.
    let fleet = Fleet::with_override(
        "app/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ app }}\n  labels:\n\
         {%- for l in ['a', 'b', 'c', 'd'] %}\n    {{ l }}: x\n{%- endfor %}\n  \
         annotations: {{ image }}: oops\nspec:\n  replicas: {{ replicas }}\n",
    );
    fleet.refused(
        &strs(&add_app(&["--image", "nginx:1.27"])),
        "error: template .fluxfleet/templates/app/deployment.yaml renders invalid YAML \
         (line 10, column 26 of the rendered text): mapping values are not allowed in this \
         context\n   |\n10 |   annotations: nginx:1.27: oops\n   |                          ^\n\
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

// Item: flags that produce broken manifests are committed.

const REPLICAS_RULE: &str = "Kubernetes stores replicas as a 32-bit signed integer: give 1 to \
                             2147483647";

#[test]
fn replicas_beyond_kubernetes_int32_are_refused_stating_the_range() {
    let fleet = Fleet::new();
    for (args, given) in [
        (
            add_app(&["--image", "nginx", "--replicas", "4294967295"]),
            "4294967295",
        ),
        (
            add_app(&["--image", "nginx", "--replicas", "2147483648"]),
            "2147483648",
        ),
        (
            [
                "add-overlay",
                "podinfo",
                "--cluster",
                "test",
                "--replicas",
                "4294967295",
            ]
            .map(String::from)
            .to_vec(),
            "4294967295",
        ),
        (
            [
                "promote",
                "foo-app",
                "--to",
                "prod",
                "--overlay",
                "--replicas",
                "2147483648",
            ]
            .map(String::from)
            .to_vec(),
            "2147483648",
        ),
    ] {
        fleet.refused(
            &strs(&args),
            &format!("error: --replicas {given}: {REPLICAS_RULE}\n"),
        );
    }
}

#[test]
fn replicas_at_the_int32_bound_are_written() {
    let fleet = Fleet::new();
    let diff = fleet.accepted(&strs(&add_app(&[
        "--image",
        "nginx",
        "--replicas",
        "2147483647",
    ])));
    assert!(diff.contains("+  replicas: 2147483647\n"), "{diff}");
}

const IMAGE_RULE: &str = "an image reference is [HOST[:PORT]/]NAME[:TAG][@DIGEST]: NAME is \
     lowercase path components separated by '/', each of letters and digits joined by '.', \
     '_', '__' or dashes; TAG is 1 to 128 letters, digits, '_', '.' and '-', not starting \
     with '.' or '-'; DIGEST is ALGORITHM:HEX with at least 32 hex digits (for example \
     ghcr.io/stefanprodan/podinfo:6.9.0)";

#[test]
fn images_outside_the_reference_grammar_are_refused_stating_the_rule() {
    let fleet = Fleet::new();
    let cases: &[(&str, &str)] = &[
        (
            "a:b:c",
            "the name \"a:b\" holds a ':' that is neither a registry port nor a tag",
        ),
        ("x/", "the name \"x/\" has an empty path component"),
        ("/x", "the name \"/x\" has an empty path component"),
        ("a//b", "the name \"a//b\" has an empty path component"),
        ("Nginx", "\"Nginx\" is not a lowercase path component"),
        (
            "ghcr.io/Team/app",
            "\"Team\" is not a lowercase path component",
        ),
        ("a--.b", "\"a--.b\" is not a lowercase path component"),
        ("nginx:", "the tag is empty"),
        (
            "nginx:.1",
            "the tag \".1\" does not start with a letter, digit or '_'",
        ),
        (
            "nginx@sha256:abc",
            "the digest \"sha256:abc\" is not ALGORITHM:HEX",
        ),
        (
            "nginx latest",
            "it contains whitespace or a control character",
        ),
    ];
    for (image, reason) in cases {
        let message = format!("error: invalid image {image:?}: {reason}; {IMAGE_RULE}\n");
        fleet.refused(&strs(&add_app(&["--image", image])), &message);
        fleet.refused(
            &[
                "add-overlay",
                "podinfo",
                "--cluster",
                "test",
                "--image",
                image,
            ],
            &message,
        );
        fleet.refused(
            &[
                "promote",
                "foo-app",
                "--to",
                "prod",
                "--overlay",
                "--image",
                image,
            ],
            &message,
        );
    }
}

#[test]
fn images_inside_the_reference_grammar_are_written() {
    let fleet = Fleet::new();
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    for image in [
        "nginx".to_string(),
        "nginx:1.27".to_string(),
        "localhost:5000/team/app:v1_2.3-rc".to_string(),
        "registry.example.com:443/a__b/c-d---e.f_g:latest".to_string(),
        "[::1]:5000/app".to_string(),
        format!("ghcr.io/stefanprodan/podinfo:6.9.0@{digest}"),
        format!("nginx@{digest}"),
    ] {
        let diff = fleet.accepted(&strs(&add_app(&["--image", &image])));
        // Quoted where YAML needs it ("[::1]..." would start a flow sequence).
        assert!(
            diff.contains(&format!("image: {image}\n"))
                || diff.contains(&format!("image: \"{image}\"\n")),
            "{image}: {diff}"
        );
    }
}

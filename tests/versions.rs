//! `status --versions` against the rendered truth: what it reports for a HelmRelease whose
//! overlay patches only an image tag in its values (a strategic merge patch, a JSON 6902
//! patch) is what `kubectl kustomize` renders for the cluster. The fleets are those of the
//! golden cases `tests/cases/status/versions-*-helm-values-*`, made by their `setup` scripts.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{kustomize, Sandbox};
use yaml_rust2::{Yaml, YamlLoader};

/// The seed fleet, committed, then changed by the golden case's `setup` script.
fn fleet_of_case(sandbox: &Sandbox, case: &str) -> PathBuf {
    let repo = sandbox.seed_repo();
    let setup = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/status")
        .join(case)
        .join("setup");
    let mut sh = Command::new("sh");
    sh.arg(&setup).current_dir(&repo);
    sandbox.isolate_process(&mut sh);
    assert!(sh.status().unwrap().success(), "{} failed", setup.display());
    repo
}

/// The HelmRelease `name` in the render of cluster `cluster`'s apps.
fn rendered_release(repo: &Path, cluster: &str, name: &str) -> Yaml {
    let output = kustomize(&repo.join("clusters").join(cluster).join("apps"));
    YamlLoader::load_from_str(&output)
        .unwrap()
        .into_iter()
        .find(|d| {
            d["kind"].as_str() == Some("HelmRelease")
                && d["metadata"]["name"].as_str() == Some(name)
        })
        .unwrap_or_else(|| panic!("no HelmRelease {name} rendered for {cluster}:\n{output}"))
}

/// `status --versions --json`'s versions of app `app` on `cluster`.
fn reported(sandbox: &Sandbox, repo: &Path, app: &str, cluster: &str) -> Vec<String> {
    let out = sandbox
        .fluxfleet(repo)
        .args(["status", "--versions", "--json", "--kind", "app"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = status["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == app)
        .unwrap();
    serde_json::from_value(row["clusters"][cluster]["versions"].clone()).unwrap()
}

fn text(yaml: &Yaml) -> &str {
    yaml.as_str()
        .unwrap_or_else(|| panic!("not a string: {yaml:?}"))
}

#[test]
fn a_values_tag_patched_in_prod_is_the_one_kustomize_renders() {
    let sandbox = Sandbox::new();
    let repo = fleet_of_case(&sandbox, "versions-differ-by-a-helm-values-tag");
    let dev = rendered_release(&repo, "dev", "web");
    let prod = rendered_release(&repo, "prod", "web");
    let chart = text(&dev["spec"]["chart"]["spec"]["version"]);
    assert_eq!(text(&prod["spec"]["chart"]["spec"]["version"]), chart);
    // Dev leaves the tag to the chart; prod's patch sets it and keeps the repository.
    assert!(dev["spec"]["values"]["image"]["tag"].is_badvalue());
    let tag = text(&prod["spec"]["values"]["image"]["tag"]);
    assert_eq!(tag, "6.5.1");
    assert_eq!(
        text(&prod["spec"]["values"]["image"]["repository"]),
        "ghcr.io/stefanprodan/podinfo"
    );
    assert_eq!(reported(&sandbox, &repo, "web", "dev"), [chart]);
    assert_eq!(
        reported(&sandbox, &repo, "web", "prod"),
        [format!("{chart} (image {tag})")]
    );
}

#[test]
fn a_values_tag_replaced_by_a_json_6902_patch_is_the_one_kustomize_renders() {
    let sandbox = Sandbox::new();
    let repo = fleet_of_case(&sandbox, "versions-json-of-a-helm-values-tag-json6902");
    for (cluster, worker) in [("dev", "1.4.0"), ("prod", "1.4.2")] {
        let release = rendered_release(&repo, cluster, "api");
        let values = &release["spec"]["values"];
        let image = text(&values["image"]);
        assert_eq!(image, "ghcr.io/acme/api:1.4.0");
        assert_eq!(text(&values["worker"]["image"]["tag"]), worker);
        let chart = text(&release["spec"]["chart"]["spec"]["version"]);
        let expected = match worker == "1.4.0" {
            true => format!("{chart} (image 1.4.0)"),
            false => format!("{chart} (images 1.4.0, {worker})"),
        };
        assert_eq!(reported(&sandbox, &repo, "api", cluster), [expected]);
    }
}

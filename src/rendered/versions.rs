//! What version of an app or a controller a directory renders to: the image tags of its
//! workloads and the chart versions of its HelmReleases, as kustomize builds the directory a
//! cluster references (the app's overlay for that cluster, or its base). `status --versions`
//! shows them per cluster, so 6.9.0 on dev against 6.9.1 on prod is seen at a glance.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::object::{self, Object};
use crate::fleet::Renderer;
use crate::yaml::Node;

/// Each directory's versions, or why it did not render.
pub type Versions = HashMap<PathBuf, Result<Vec<String>, String>>;

/// Renders each of `dirs` (relative to `root`) on both cores, and reads its versions.
pub fn of_dirs(root: &Path, renderer: &Renderer, dirs: Vec<PathBuf>) -> Versions {
    dirs.into_par_iter()
        .map(|dir| {
            let versions = renderer
                .output(root, &dir, false)
                .and_then(|output| object::parse(&dir, &output))
                .map(|objects| of_objects(&objects));
            (dir, versions)
        })
        .collect()
}

/// The versions of rendered objects, each once, in the order found: a HelmRelease's chart
/// version, an OCIRepository's tag or semver range, a workload's image tags (init containers
/// too).
fn of_objects(objects: &[Object]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut push = |version: String| {
        if !found.contains(&version) {
            found.push(version);
        }
    };
    for object in objects {
        let root = &object.root;
        let at = |path: &[&str]| root.at_path(path).and_then(Node::as_str);
        let pod = match object.key.kind.as_str() {
            "HelmRelease" => {
                if let Some(version) = at(&["spec", "chart", "spec", "version"]) {
                    push(version.to_string());
                }
                continue;
            }
            "OCIRepository" => {
                let reference = at(&["spec", "ref", "tag"]).or(at(&["spec", "ref", "semver"]));
                if let Some(version) = reference {
                    push(version.to_string());
                }
                continue;
            }
            "Pod" => root.at_path(&["spec"]),
            "CronJob" => root.at_path(&["spec", "jobTemplate", "spec", "template", "spec"]),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
                root.at_path(&["spec", "template", "spec"])
            }
            _ => None,
        };
        let Some(pod) = pod else {
            continue;
        };
        for list in ["initContainers", "containers"] {
            let containers = pod.get(list).map(Node::items).unwrap_or_default();
            for container in containers {
                if let Some(image) = container.get("image").and_then(Node::as_str) {
                    push(tag(image));
                }
            }
        }
    }
    found
}

/// The tag of an image reference (`latest` when it has none), or the start of its digest.
fn tag(image: &str) -> String {
    if let Some((_, digest)) = image.split_once('@') {
        return digest.chars().take("sha256:".len() + 12).collect();
    }
    let name = image.rsplit('/').next().unwrap_or(image);
    match name.split_once(':') {
        Some((_, tag)) => tag.to_string(),
        None => "latest".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_images_tag_or_digest() {
        assert_eq!(tag("ghcr.io/stefanprodan/podinfo:6.9.0"), "6.9.0");
        assert_eq!(tag("localhost:5000/web:1.2"), "1.2");
        assert_eq!(tag("localhost:5000/web"), "latest");
        assert_eq!(tag("nginx"), "latest");
        assert_eq!(
            tag("nginx:1.27@sha256:0123456789abcdef0123"),
            "sha256:0123456789ab"
        );
    }

    #[test]
    fn versions_of_workloads_and_helm_releases() {
        let output = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: web:2.0
      containers:
      - name: web
        image: registry.example.com/web:2.0
      - name: proxy
        image: envoy:v1.30
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kyverno
spec:
  chart:
    spec:
      chart: kyverno
      version: 3.3.4
---
apiVersion: v1
kind: Service
metadata:
  name: web
";
        let objects = object::parse(Path::new("dir"), output).unwrap();
        assert_eq!(of_objects(&objects), ["2.0", "v1.30", "3.3.4"]);
    }
}

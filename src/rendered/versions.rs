//! What version of an app or a controller a directory renders to: the image tags of its
//! workloads and the chart versions of its HelmReleases with the image tags their values set,
//! as kustomize builds the directory a cluster references (the app's overlay for that cluster,
//! or its base), so an overlay's patch is seen. `status --versions` shows them per cluster, so
//! 6.9.0 on dev against 6.9.1 on prod is seen at a glance.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::object::{self, Object};
use crate::fleet::Renderer;
use crate::yaml::{Kind, Node};

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
/// version with the image tags its values set ([`helm_release`]), an OCIRepository's tag or
/// semver range, a workload's image tags (init containers too).
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
                let chart = at(&["spec", "chart", "spec", "version"]);
                let mut images = Vec::new();
                if let Some(values) = root.at_path(&["spec", "values"]) {
                    value_tags(values, &mut images);
                }
                helm_release(chart, images).into_iter().for_each(&mut push);
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

/// What a HelmRelease runs: its chart version, with the image tags its values set beside it
/// (`6.5.0 (image 6.5.1)`) because the chart alone no longer says which image runs; the tags
/// alone when no chart version is written.
fn helm_release(chart: Option<&str>, images: Vec<String>) -> Vec<String> {
    match (chart, images.len()) {
        (Some(chart), 0) => vec![chart.to_string()],
        (Some(chart), 1) => vec![format!("{chart} (image {})", images[0])],
        (Some(chart), _) => vec![format!("{chart} (images {})", images.join(", "))],
        (None, _) => images,
    }
}

/// The image tags a HelmRelease's values set, each once, in the order written, at any depth
/// (`image.tag`, `worker.image.tag`, an item of a list): the `tag` of an `image` mapping or
/// of any mapping beside a `repository` (`redis: {repository, tag}`), or an `image` reference
/// with a tag or digest. An image without one leaves the tag to the chart: no version.
fn value_tags(node: &Node, found: &mut Vec<String>) {
    match &node.kind {
        Kind::Map { pairs, .. } => {
            for (key, value) in pairs {
                let written = match value.as_str() {
                    Some(image) if key.as_str() == Some("image") => written_tag(image),
                    Some(_) => None,
                    None if key.as_str() == Some("image") || value.get("repository").is_some() => {
                        value
                            .get("tag")
                            .filter(|tag| !tag.is_null())
                            .and_then(Node::as_str)
                            .filter(|tag| !tag.is_empty())
                            .map(str::to_string)
                    }
                    None => None,
                };
                match written {
                    Some(tag) if !found.contains(&tag) => found.push(tag),
                    _ => {}
                }
                value_tags(value, found);
            }
        }
        Kind::Seq { items, .. } => items.iter().for_each(|item| value_tags(item, found)),
        Kind::Scalar { .. } | Kind::Alias(_) => {}
    }
}

/// The tag of an image reference (`latest` when it has none), or the start of its digest.
fn tag(image: &str) -> String {
    written_tag(image).unwrap_or_else(|| "latest".to_string())
}

/// The tag an image reference writes, or the start of its digest; `None` when it writes
/// neither.
fn written_tag(image: &str) -> Option<String> {
    if let Some((_, digest)) = image.split_once('@') {
        return Some(digest.chars().take("sha256:".len() + 12).collect());
    }
    let name = image.rsplit('/').next().unwrap_or(image);
    name.split_once(':').map(|(_, tag)| tag.to_string())
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
        assert_eq!(written_tag("localhost:5000/web"), None);
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

    /// The shapes charts give their image in values, beside the chart version or alone.
    #[test]
    fn image_tags_a_helm_releases_values_set() {
        let output = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  chart:
    spec:
      chart: podinfo
      version: 6.5.0
  values:
    image:
      repository: ghcr.io/stefanprodan/podinfo
      tag: 6.5.1
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api
spec:
  chart:
    spec:
      chart: api
      version: 2.x
  values:
    image: registry.example.com:5000/api:1.4.0
    worker:
      image:
        tag: \"1.4\"
    sidecars:
    - image: envoy:v1.30
    - image: busybox
    cache:
      image:
        repository: redis
        tag: \"\"
    redis:
      repository: public.ecr.aws/docker/library/redis
      tag: 8.6.2
    release:
      tag: not-an-image
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: by-ref
spec:
  chartRef:
    kind: OCIRepository
    name: by-ref
  values:
    image:
      tag: 3.0.1
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: chart-only
spec:
  chart:
    spec:
      chart: kyverno
      version: 3.3.4
  values:
    image:
      repository: kyverno
";
        let objects = object::parse(Path::new("dir"), output).unwrap();
        assert_eq!(
            of_objects(&objects),
            [
                "6.5.0 (image 6.5.1)",
                "2.x (images 1.4.0, 1.4, v1.30, 8.6.2)",
                "3.0.1",
                "3.3.4"
            ]
        );
    }
}

//! `fluxfleet diff` checked against rendering every cluster by hand on both sides: a checkout
//! of the base and the working tree, each cluster's entrypoint built with `kubectl kustomize`
//! and every Flux Kustomization whose source is this repository followed the same way. The
//! object sets and the changed objects must be the same as `diff --json` reports.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use common::Sandbox;
use yaml_rust2::{Yaml, YamlLoader};

type Key = (String, String, String, String);

/// `(group, kind, namespace, name)` → text, for every object of the cluster.
fn render_by_hand(root: &Path, cluster: &str, scratch: &Path) -> BTreeMap<Key, String> {
    let mut objects = BTreeMap::new();
    let mut queue = vec![(format!("clusters/{cluster}"), None::<String>)];
    let mut seen = BTreeSet::new();
    while let Some((path, namespace)) = queue.pop() {
        if !seen.insert((path.clone(), namespace.clone())) {
            continue;
        }
        let dir = root.join(&path);
        let has_list = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
            .iter()
            .any(|n| dir.join(n).is_file());
        let target = if has_list && namespace.is_none() {
            dir.clone()
        } else {
            let wrapper = scratch.join(format!("w{}", seen.len()));
            fs::create_dir_all(&wrapper).unwrap();
            let mut entries = Vec::new();
            if has_list {
                entries.push(dir.clone());
            } else {
                let mut files: Vec<PathBuf> = walk(&dir);
                files.sort();
                entries.extend(files);
            }
            let mut text = String::from("resources:\n");
            for entry in entries {
                let up = "../".repeat(wrapper.components().count());
                text.push_str(&format!(
                    "- {up}{}\n",
                    entry.display().to_string().trim_start_matches('/')
                ));
            }
            if let Some(ns) = &namespace {
                text.push_str(&format!("namespace: {ns}\n"));
            }
            fs::write(wrapper.join("kustomization.yaml"), text).unwrap();
            wrapper
        };
        let out = Process::new("kubectl")
            .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
            .arg(&target)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let output = String::from_utf8(out.stdout).unwrap();
        for piece in output.split("\n---\n") {
            // A list with nothing left in it renders nothing.
            let docs = YamlLoader::load_from_str(piece).unwrap();
            let Some(doc) = docs.first() else {
                continue;
            };
            let s = |y: &Yaml| y.as_str().unwrap_or_default().to_string();
            let api = s(&doc["apiVersion"]);
            let group = api.rsplit_once('/').map_or("", |(g, _)| g).to_string();
            let key = (
                group.clone(),
                s(&doc["kind"]),
                s(&doc["metadata"]["namespace"]),
                s(&doc["metadata"]["name"]),
            );
            let mut text = piece.trim_end_matches('\n').to_string();
            text.push('\n');
            if group == "kustomize.toolkit.fluxcd.io"
                && s(&doc["spec"]["sourceRef"]["name"]) == "flux-system"
            {
                let written = s(&doc["spec"]["path"]);
                let mut parts: Vec<&str> = Vec::new();
                for part in written.split('/') {
                    match part {
                        "" | "." => {}
                        ".." => {
                            parts.pop();
                        }
                        p => parts.push(p),
                    }
                }
                let ns = doc["spec"]["targetNamespace"].as_str().map(String::from);
                queue.push((parts.join("/"), ns));
            }
            objects.entry(key).or_insert(text);
        }
    }
    objects
}

/// What kustomize-controller generates for a directory without a kustomization: every
/// manifest below it, and the subdirectories that have their own kustomization.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.join("kustomization.yaml").is_file() {
                out.push(path);
            } else {
                out.extend(walk(&path));
            }
        } else if path.extension().is_some_and(|e| e == "yaml")
            && fs::read_to_string(&path).unwrap().contains("\nkind:")
        {
            out.push(path);
        }
    }
    out
}

fn keys(value: &serde_json::Value) -> BTreeSet<Key> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let s = |k: &str| o[k].as_str().unwrap().to_string();
            (s("group"), s("kind"), s("namespace"), s("name"))
        })
        .collect()
}

#[test]
fn diff_matches_rendering_every_cluster_by_hand() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    // Committed on a branch: a promotion; in the working tree: a demotion, an overlay change,
    // and a Flux Kustomization with a clamped path, a target namespace and no kustomization.
    sandbox
        .fluxfleet(&repo)
        .args(["promote", "foo-app", "--to", "prod", "--yes"])
        .assert()
        .success();
    sandbox
        .fluxfleet(&repo)
        .args([
            "demote",
            "podinfo",
            "--from",
            "test",
            "--yes",
            "--no-commit",
        ])
        .assert()
        .success();
    let overlay = repo.join("apps/podinfo/overlays/prod/kustomization.yaml");
    let text = fs::read_to_string(&overlay).unwrap();
    fs::write(&overlay, text.replace("replicas: 3", "replicas: 4")).unwrap();
    fs::create_dir_all(repo.join("extras/dev/more")).unwrap();
    fs::write(
        repo.join("extras/dev/more/config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n",
    )
    .unwrap();
    fs::write(
        repo.join("clusters/dev/extras.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  \
         name: extras\n  namespace: flux-system\nspec:\n  interval: 5m\n  sourceRef:\n    \
         kind: GitRepository\n    name: flux-system\n  path: ../../extras/dev\n  \
         targetNamespace: extra\n",
    )
    .unwrap();
    let entry = repo.join("clusters/dev/kustomization.yaml");
    let text = fs::read_to_string(&entry).unwrap();
    fs::write(&entry, format!("{text}- ./extras.yaml\n")).unwrap();

    let changed = check_against_hand(&sandbox, &repo, &["dev", "test", "prod"]);
    assert_eq!(changed, BTreeSet::from(["dev", "prod", "test"]));
}

#[test]
fn diff_matches_rendering_by_hand_on_a_corpus_repository() {
    let sandbox = Sandbox::new();
    let Some(repo) = sandbox.corpus_repo("fluxcd__flux2-multi-tenancy") else {
        return;
    };
    // A tenant's patch in staging only; a policy both clusters import, renamed.
    let patch = repo.join("tenants/staging/dev-team-patch.yaml");
    let text = fs::read_to_string(&patch).unwrap();
    fs::write(
        &patch,
        text.replace("path: ./staging", "path: ./staging-v2"),
    )
    .unwrap();
    let policy = repo.join("infrastructure/kyverno-policies/verify-flux-images.yaml");
    let text = fs::read_to_string(&policy).unwrap();
    fs::write(
        &policy,
        text.replace("name: verify-flux-images", "name: verify-flux-images-2"),
    )
    .unwrap();
    let changed = check_against_hand(&sandbox, &repo, &["staging", "production"]);
    assert_eq!(changed, BTreeSet::from(["production", "staging"]));
}

#[test]
fn diff_matches_rendering_by_hand_on_a_third_corpus_repository() {
    let sandbox = Sandbox::new();
    let Some(repo) = sandbox.corpus_repo("Azure__gitops-flux2-kustomize-helm-mt") else {
        return;
    };
    // Both clusters share infrastructure/: redis's values, behind a configMapGenerator whose
    // name carries a hash, change; staging's podinfo gets another host.
    for (file, from, to) in [
        (
            "infrastructure/redis/values.yaml",
            "usePassword: false",
            "usePassword: true",
        ),
        (
            "apps/staging/podinfo-values.yaml",
            "podinfo.staging",
            "podinfo.staging.example.com",
        ),
    ] {
        let path = repo.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {text}");
        fs::write(&path, text.replace(from, to)).unwrap();
    }
    let changed = check_against_hand(&sandbox, &repo, &["staging", "production"]);
    assert_eq!(changed, BTreeSet::from(["production", "staging"]));
}

/// The objects `tenants/base/dev-team` of flux2-multi-tenancy brings, as `diff --json` keys them.
fn dev_team_objects() -> BTreeSet<Key> {
    [
        ("", "Namespace", "", "apps"),
        ("", "ServiceAccount", "apps", "dev-team"),
        (
            "rbac.authorization.k8s.io",
            "RoleBinding",
            "apps",
            "gotk-reconciler",
        ),
        (
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "apps",
            "dev-team",
        ),
        (
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "apps",
            "dev-team",
        ),
    ]
    .into_iter()
    .map(|(g, k, ns, n)| (g.into(), k.into(), ns.into(), n.into()))
    .collect()
}

#[test]
fn a_patched_tenant_demoted_and_promoted_back_changes_exactly_its_objects_on_a_corpus_repository() {
    let name = "fluxcd__flux2-multi-tenancy";
    let demote = ["demote", "app", "dev-team", "--from", "staging", "--yes"];

    // Leaving staging: its patch goes from the list with it, and only staging changes.
    let sandbox = Sandbox::new();
    let Some(repo) = sandbox.corpus_repo(name) else {
        return;
    };
    sandbox
        .fluxfleet(&repo)
        .args(demote)
        .arg("--no-commit")
        .assert()
        .success();
    let staging = kustomize_objects(&repo.join("tenants/staging"));
    assert!(staging.is_empty(), "{staging:?}");
    let changed = check_against_hand(&sandbox, &repo, &["staging", "production"]);
    assert_eq!(changed, BTreeSet::from(["staging"]));
    let reported = diff_json(&sandbox, &repo, None);
    assert_eq!(
        keys(&reported["clusters"]["staging"]["removed"]),
        dev_team_objects()
    );

    // Coming back: the list is the original byte for byte, and staging's own patch applies.
    let sandbox = Sandbox::new();
    let repo = sandbox.corpus_repo(name).unwrap();
    sandbox.fluxfleet(&repo).args(demote).assert().success();
    sandbox.git(&repo, &["checkout", "-q", "main"]);
    sandbox.git(
        &repo,
        &[
            "merge",
            "-q",
            "--ff-only",
            "fluxfleet/demote-app-dev-team-from-staging",
        ],
    );
    sandbox
        .fluxfleet(&repo)
        .args([
            "promote",
            "app",
            "dev-team",
            "--to",
            "staging",
            "--yes",
            "--no-commit",
        ])
        .assert()
        .success();
    let list = "tenants/staging/kustomization.yaml";
    assert_eq!(
        fs::read(repo.join(list)).unwrap(),
        fs::read(common::corpus_dir().unwrap().join(name).join(list)).unwrap()
    );
    let changed = check_against_hand(&sandbox, &repo, &["staging", "production"]);
    assert_eq!(changed, BTreeSet::from(["staging"]));
    let reported = diff_json(&sandbox, &repo, None);
    assert_eq!(
        keys(&reported["clusters"]["staging"]["added"]),
        dev_team_objects()
    );
    let rendered = common::kustomize(&repo.join("tenants/staging"));
    let docs = YamlLoader::load_from_str(&rendered).unwrap();
    let tenant = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Kustomization"))
        .unwrap();
    assert_eq!(tenant["metadata"]["name"].as_str(), Some("dev-team"));
    assert_eq!(tenant["spec"]["path"].as_str(), Some("./staging"));
}

/// The objects `kubectl kustomize` renders for `dir`, by kind and name.
fn kustomize_objects(dir: &Path) -> Vec<(String, String)> {
    common::rendered_objects(&common::kustomize(dir))
        .into_iter()
        .map(|(kind, name, _)| (kind, name))
        .collect()
}

/// The strings of a JSON array, as a set.
fn strings(value: &serde_json::Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn diff_matches_flux_truth_on_a_second_corpus_repository() {
    let sandbox = Sandbox::new();
    let Some(repo) = sandbox.corpus_repo("fluxcd__flux2-kustomize-helm-example") else {
        return;
    };
    // podinfo leaves staging, and production's values for it change.
    sandbox
        .fluxfleet(&repo)
        .args([
            "demote",
            "app",
            "podinfo",
            "--from",
            "staging",
            "--yes",
            "--no-commit",
        ])
        .assert()
        .success();
    let values = repo.join("apps/production/podinfo-values.yaml");
    let text = fs::read_to_string(&values).unwrap();
    assert!(text.contains("podinfo.production"), "{text}");
    fs::write(
        &values,
        text.replace("podinfo.production", "podinfo.example.com"),
    )
    .unwrap();

    let path = recording_kustomize(&sandbox.temp.path().join("stand-in"));
    let reported = diff_json(&sandbox, &repo, Some(&path));
    // What both clusters share (infrastructure/controllers, infrastructure/configs) is
    // rendered once on each side.
    let log = fs::read_to_string(sandbox.temp.path().join("stand-in/renders")).unwrap();
    let mut renders: Vec<&str> = log.lines().collect();
    renders.sort();
    let twice: Vec<&&str> = renders
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| &w[0])
        .collect();
    assert!(twice.is_empty(), "rendered twice: {twice:?}\n{log}");
    assert!(
        renders
            .iter()
            .any(|r| r.ends_with("/infrastructure/controllers")),
        "{log}"
    );
    let base = sandbox.temp.path().join("base");
    sandbox.git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            base.to_str().unwrap(),
            "main",
        ],
    );
    let (before, after) = (
        common::flux_truth(&base, &[]),
        common::flux_truth(&repo, &[]),
    );

    for cluster in ["staging", "production"] {
        let (b, a) = (&before[cluster], &after[cluster]);
        assert_eq!(b["errors"], serde_json::json!([]), "{cluster} at main");
        assert_eq!(a["errors"], serde_json::json!([]), "{cluster} changed");
        let cell = &reported["clusters"][cluster];
        let of_kind = |list: &serde_json::Value, kind: &str, full: bool| -> BTreeSet<String> {
            list.as_array()
                .into_iter()
                .flatten()
                .filter(|o| o["kind"] == kind)
                .map(|o| {
                    let name = o["name"].as_str().unwrap();
                    match full {
                        true => format!("{}/{name}", o["namespace"].as_str().unwrap()),
                        false => name.to_string(),
                    }
                })
                .collect()
        };
        // Namespaces and HelmReleases gained and lost, and the number of objects.
        for (field, kind, full) in [
            ("namespaces", "Namespace", false),
            ("helmreleases", "HelmRelease", true),
        ] {
            let (was, is) = (strings(&b[field]), strings(&a[field]));
            let gained: BTreeSet<String> = is.difference(&was).cloned().collect();
            let lost: BTreeSet<String> = was.difference(&is).cloned().collect();
            assert_eq!(
                of_kind(&cell["added"], kind, full),
                gained,
                "{cluster} {field}"
            );
            assert_eq!(
                of_kind(&cell["removed"], kind, full),
                lost,
                "{cluster} {field}"
            );
        }
        let count = |key: &str| cell[key].as_array().map_or(0, Vec::len) as i64;
        assert_eq!(
            a["n_objects"].as_i64().unwrap() - b["n_objects"].as_i64().unwrap(),
            count("added") - count("removed"),
            "{cluster}: objects"
        );
    }
    // What flux-truth does not show: the content of production's HelmRelease.
    let changed = &reported["clusters"]["production"]["changed"];
    assert_eq!(keys(changed).len(), 1, "{changed}");
    assert_eq!(changed[0]["kind"], "HelmRelease");
    let diff = changed[0]["diff"].as_str().unwrap();
    assert!(diff.contains("-      - podinfo.production\n"), "{diff}");
    assert!(diff.contains("+      - podinfo.example.com\n"), "{diff}");
    assert_eq!(
        reported["clusters"]["staging"]["removed"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

/// A stand-in `kustomize` on PATH ahead of the real tools, recording the directory of every
/// render in `<dir>/renders` before running `kubectl kustomize` with the same arguments; the
/// PATH to use.
fn recording_kustomize(dir: &Path) -> std::ffi::OsString {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let script = bin.join("kustomize");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\n# the last argument is the directory rendered\nfor last; do :; done\n\
             echo \"$last\" >> '{}'\nshift\nexec kubectl kustomize \"$@\"\n",
            dir.join("renders").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let mut path = std::ffi::OsString::from(&bin);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap());
    path
}

#[test]
fn entries_added_and_removed_are_rendered_alone_and_match_rendering_by_hand() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    // Only list entries change: a new app web into dev and prod, podinfo out of test.
    sandbox
        .fluxfleet(&repo)
        .args([
            "add-app",
            "web",
            "--namespace",
            "team-x",
            "--image",
            "nginx:1.27",
            "--port",
            "80",
            "--clusters",
            "dev,prod",
            "--no-commit",
        ])
        .assert()
        .success();
    sandbox
        .fluxfleet(&repo)
        .args([
            "demote",
            "podinfo",
            "--from",
            "test",
            "--yes",
            "--no-commit",
        ])
        .assert()
        .success();
    let path = recording_kustomize(&sandbox.temp.path().join("stand-in"));
    let changed = check_against_hand_with(&sandbox, &repo, &["dev", "test", "prod"], Some(&path));
    assert_eq!(changed, BTreeSet::from(["dev", "prod", "test"]));
    // What was rendered: the entries, each once, and no cluster.
    let log = fs::read_to_string(sandbox.temp.path().join("stand-in/renders")).unwrap();
    let mut rendered: Vec<String> = log
        .lines()
        .map(|l| {
            Path::new(l)
                .strip_prefix(&repo)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    rendered.sort();
    assert_eq!(
        rendered,
        ["apps/podinfo/overlays/test", "apps/web/base"],
        "{log}"
    );
}

#[test]
fn an_entry_a_cluster_already_gets_another_way_changes_nothing_there() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    // Every cluster's infra list brings team-x; prod's and dev's app lists now list it too:
    // a second Flux Kustomization applies the same Namespace, which changes nothing there.
    for cluster in ["prod", "dev"] {
        let list = repo.join(format!("clusters/{cluster}/apps/kustomization.yaml"));
        let text = fs::read_to_string(&list).unwrap();
        fs::write(
            &list,
            format!("{text}- ../../../infrastructure/namespaces/team-x\n"),
        )
        .unwrap();
    }
    let dev_infra = fs::read_to_string(repo.join("clusters/dev/infra/kustomization.yaml")).unwrap();
    assert!(dev_infra.contains("namespaces/team-x"), "{dev_infra}");
    let changed = check_against_hand(&sandbox, &repo, &["dev", "test", "prod"]);
    assert_eq!(changed, BTreeSet::new());
}

/// Runs `diff --json` in `repo` and checks each of `clusters` against its render by hand on a
/// checkout of main and on the working tree; the clusters that change.
fn check_against_hand<'c>(
    sandbox: &Sandbox,
    repo: &Path,
    clusters: &[&'c str],
) -> BTreeSet<&'c str> {
    check_against_hand_with(sandbox, repo, clusters, None)
}

/// What `diff --json` reports in `repo`, run with `path` as its PATH when given; it must
/// succeed.
fn diff_json(sandbox: &Sandbox, repo: &Path, path: Option<&std::ffi::OsStr>) -> serde_json::Value {
    let mut command = sandbox.fluxfleet(repo);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command.args(["diff", "--json"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// [`check_against_hand`], with `diff` run with `path` as its PATH when given.
fn check_against_hand_with<'c>(
    sandbox: &Sandbox,
    repo: &Path,
    clusters: &[&'c str],
    path: Option<&std::ffi::OsStr>,
) -> BTreeSet<&'c str> {
    let reported = diff_json(sandbox, repo, path);

    // The base by hand: a checkout of main beside the repository.
    let base = sandbox.temp.path().join("base");
    sandbox.git(
        repo,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            base.to_str().unwrap(),
            "main",
        ],
    );
    let scratch = sandbox.temp.path().join("scratch");
    let mut changed_clusters = BTreeSet::new();
    for cluster in clusters.iter().copied() {
        let before = render_by_hand(&base, cluster, &scratch.join(format!("b-{cluster}")));
        let after = render_by_hand(repo, cluster, &scratch.join(format!("a-{cluster}")));
        let added: BTreeSet<Key> = after
            .keys()
            .filter(|k| !before.contains_key(*k))
            .cloned()
            .collect();
        let removed: BTreeSet<Key> = before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .cloned()
            .collect();
        let changed: BTreeSet<Key> = before
            .iter()
            .filter(|(k, v)| after.get(*k).is_some_and(|a| a != *v))
            .map(|(k, _)| k.clone())
            .collect();
        let cell = &reported["clusters"][cluster];
        if added.is_empty() && removed.is_empty() && changed.is_empty() {
            assert!(
                cell.is_null(),
                "{cluster}: reported {cell}, nothing changes by hand"
            );
            continue;
        }
        changed_clusters.insert(cluster);
        assert_eq!(keys(&cell["added"]), added, "{cluster}: added");
        assert_eq!(keys(&cell["removed"]), removed, "{cluster}: removed");
        assert_eq!(keys(&cell["changed"]), changed, "{cluster}: changed");
    }
    changed_clusters
}

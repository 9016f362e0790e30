//! Writes a large fleet in the seed's layout, for `bench/run.sh`: by default 100 clusters,
//! 3,000 apps and 600 namespaces, as dense as real fleets get: each cluster references about
//! 900 apps and 200 namespaces. Deterministic (fixed seed), so figures are comparable.
//!
//! `cargo run --release --example gen_fleet -- DIR [CLUSTERS APPS NAMESPACES]`

use std::fs;
use std::io;
use std::path::Path;

const K: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

/// xorshift64*: enough randomness for a spread of placements, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

fn write(root: &Path, rel: &str, text: &str) -> io::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)
}

fn list(items: &[String]) -> String {
    let mut out = format!("{K}resources:\n");
    for item in items {
        out.push_str(&format!("- {item}\n"));
    }
    out
}

fn namespace(name: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/part-of: platform\n")
}

fn flux(cluster: &str, name: &str) -> String {
    let mut text = format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 5m\n  prune: true\n  wait: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  path: ./clusters/{cluster}/{name}\n"
    );
    if name == "apps" {
        text.push_str("  dependsOn:\n  - name: infra\n");
    }
    text
}

fn app_base(name: &str, ns: &str) -> [(String, String); 3] {
    let deployment = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: {name}\n        image: ghcr.io/example/{name}:1.0.0\n        ports:\n        - containerPort: 8080\n"
    );
    let service = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector:\n    app: {name}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n"
    );
    [
        (format!("apps/{name}/base/deployment.yaml"), deployment),
        (format!("apps/{name}/base/service.yaml"), service),
        (
            format!("apps/{name}/base/kustomization.yaml"),
            list(&["deployment.yaml".into(), "service.yaml".into()]),
        ),
    ]
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: gen_fleet DIR [CLUSTERS APPS NAMESPACES]");
        std::process::exit(2);
    };
    let number =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (n_clusters, n_apps, n_namespaces) = (number(1, 100), number(2, 3000), number(3, 600));
    let root = Path::new(root);
    if root.exists() {
        fs::remove_dir_all(root)?;
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let clusters: Vec<String> = (0..n_clusters).map(|i| format!("cluster-{i:03}")).collect();
    // Namespaces: 20 in common, 10 named sets of 10, the rest in their own directories.
    let common: Vec<String> = (0..20.min(n_namespaces))
        .map(|i| format!("platform-{i:02}"))
        .collect();
    let sets: Vec<(String, Vec<String>)> = (0..10)
        .map(|s| {
            (
                format!("set-{s}"),
                (0..10).map(|i| format!("set-{s}-ns-{i}")).collect(),
            )
        })
        .collect();
    let own: Vec<String> = (0..n_namespaces.saturating_sub(120))
        .map(|i| format!("team-{i:03}"))
        .collect();

    let ns_dir = "infrastructure/namespaces";
    for ns in &common {
        write(
            root,
            &format!("{ns_dir}/common/ns-{ns}.yaml"),
            &namespace(ns),
        )?;
    }
    let files: Vec<String> = common.iter().map(|n| format!("ns-{n}.yaml")).collect();
    write(
        root,
        &format!("{ns_dir}/common/kustomization.yaml"),
        &list(&files),
    )?;
    for (set, members) in &sets {
        for ns in members {
            write(
                root,
                &format!("{ns_dir}/{set}/ns-{ns}.yaml"),
                &namespace(ns),
            )?;
        }
        let files: Vec<String> = members.iter().map(|n| format!("ns-{n}.yaml")).collect();
        write(
            root,
            &format!("{ns_dir}/{set}/kustomization.yaml"),
            &list(&files),
        )?;
    }
    for ns in &own {
        write(
            root,
            &format!("{ns_dir}/{ns}/namespace.yaml"),
            &namespace(ns),
        )?;
        write(
            root,
            &format!("{ns_dir}/{ns}/kustomization.yaml"),
            &list(&["namespace.yaml".into()]),
        )?;
    }
    let controllers = [
        "kyverno",
        "cert-manager",
        "external-secrets",
        "ingress-nginx",
        "metrics-server",
    ];
    for c in controllers {
        let release = format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {c}\n  namespace: flux-system\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: {c}\n      sourceRef:\n        kind: HelmRepository\n        name: {c}\n");
        write(
            root,
            &format!("infrastructure/controllers/{c}/helmrelease.yaml"),
            &release,
        )?;
        write(
            root,
            &format!("infrastructure/controllers/{c}/kustomization.yaml"),
            &list(&["helmrelease.yaml".into()]),
        )?;
    }
    for stage in ["shared", "test-only", "prod"] {
        write(
            root,
            &format!("infrastructure/policies/kyverno/{stage}/kustomization.yaml"),
            &format!("{K}resources: []\n"),
        )?;
    }

    // Apps: 30 baseline apps in apps/common; every other app runs in 26 to 32 of the 32
    // clusters its namespace is imported by (a window of consecutive clusters), a fifth of them
    // through an overlay per cluster.
    let window = 32.min(n_clusters);
    let windows: Vec<usize> = own.iter().map(|_| rng.below(n_clusters)).collect();
    let apps: Vec<String> = (0..n_apps).map(|i| format!("app-{i:04}")).collect();
    let baseline = 30.min(n_apps);
    let mut app_lists: Vec<Vec<String>> = vec![vec!["../../../apps/common".into()]; n_clusters];
    let mut needed: Vec<Vec<bool>> = vec![vec![false; own.len()]; n_clusters];
    for (i, app) in apps.iter().enumerate() {
        let own_ns = if own.is_empty() {
            None
        } else {
            Some(rng.below(own.len()))
        };
        let ns = match (i < baseline, own_ns) {
            (true, _) | (_, None) => common[i % common.len().max(1)].clone(),
            (false, Some(n)) => own[n].clone(),
        };
        for (path, text) in app_base(app, &ns) {
            write(root, &path, &text)?;
        }
        if i < baseline {
            continue;
        }
        let with_overlays = rng.below(5) == 0;
        let count = window - rng.below(7).min(window.saturating_sub(1));
        let mut chosen: Vec<usize> = match own_ns {
            Some(n) => {
                // `count` distinct clusters of the namespace's window (a partial shuffle).
                let mut offsets: Vec<usize> = (0..window).collect();
                for k in 0..count {
                    let pick = k + rng.below(window - k);
                    offsets.swap(k, pick);
                }
                offsets[..count]
                    .iter()
                    .map(|o| (windows[n] + o) % n_clusters)
                    .collect()
            }
            None => (0..count).map(|_| rng.below(n_clusters)).collect(),
        };
        chosen.sort();
        chosen.dedup();
        for c in chosen {
            let target = if with_overlays {
                let overlay = format!(
                    "{K}resources:\n- ../../base\npatches:\n- target:\n    kind: Deployment\n    name: {app}\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: {app}\n    spec:\n      replicas: 2\n"
                );
                write(
                    root,
                    &format!("apps/{app}/overlays/{}/kustomization.yaml", clusters[c]),
                    &overlay,
                )?;
                format!("../../../apps/{app}/overlays/{}", clusters[c])
            } else {
                format!("../../../apps/{app}/base")
            };
            app_lists[c].push(target);
            if let Some(n) = own_ns {
                needed[c][n] = true;
            }
        }
    }
    let common_apps: Vec<String> = apps[..baseline]
        .iter()
        .map(|a| format!("../{a}/base"))
        .collect();
    write(root, "apps/common/kustomization.yaml", &list(&common_apps))?;

    for (c, cluster) in clusters.iter().enumerate() {
        let dir = format!("clusters/{cluster}");
        write(
            root,
            &format!("{dir}/kustomization.yaml"),
            &list(&[
                "./flux-system".into(),
                "./infra.yaml".into(),
                "./apps.yaml".into(),
            ]),
        )?;
        for file in ["gotk-components.yaml", "gotk-sync.yaml"] {
            write(
                root,
                &format!("{dir}/flux-system/{file}"),
                &format!("# Replaced by flux bootstrap --path={dir}.\n"),
            )?;
        }
        write(
            root,
            &format!("{dir}/flux-system/kustomization.yaml"),
            &list(&["gotk-components.yaml".into(), "gotk-sync.yaml".into()]),
        )?;
        write(root, &format!("{dir}/infra.yaml"), &flux(cluster, "infra"))?;
        write(root, &format!("{dir}/apps.yaml"), &flux(cluster, "apps"))?;
        let mut infra: Vec<String> = controllers
            .iter()
            .map(|x| format!("../../../infrastructure/controllers/{x}"))
            .collect();
        infra.push(format!("../../../{ns_dir}/common"));
        infra.push("../../../infrastructure/policies/kyverno/shared".into());
        for (set, _) in sets.iter().filter(|_| rng.below(3) == 0) {
            infra.push(format!("../../../{ns_dir}/{set}"));
        }
        for (n, ns) in own.iter().enumerate() {
            if needed[c][n] {
                infra.push(format!("../../../{ns_dir}/{ns}"));
            }
        }
        write(
            root,
            &format!("{dir}/infra/kustomization.yaml"),
            &list(&infra),
        )?;
        write(
            root,
            &format!("{dir}/apps/kustomization.yaml"),
            &list(&app_lists[c]),
        )?;
    }
    let references: usize = app_lists.iter().map(Vec::len).sum();
    let namespace_references: usize = needed.iter().flatten().filter(|n| **n).count();
    eprintln!(
        "wrote {} clusters, {} apps, {} namespaces ({references} app references, \
         {namespace_references} own-directory namespace references) to {}",
        n_clusters,
        n_apps,
        common.len() + sets.len() * 10 + own.len(),
        root.display()
    );
    Ok(())
}

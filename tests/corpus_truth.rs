//! `status --json` held to what Flux really applies, on every repository of the shared corpus.
//!
//! `../shared/corpus-truth/<repo>.json` is flux-truth's output: each cluster's units (named by
//! the rules in `units.json`, as the owners name them) and the `Namespace` objects kustomize
//! renders, computed by rendering and following Flux Kustomizations. Here each (name, cluster)
//! pair `status --json` shows is *correct* when the truth has it, *wrong* when it does not; a
//! pair of the truth not shown is *missed*. Units are compared by name over every kind (the
//! truth's kinds — app, infra, tenant, config, source — are the owners' words, not
//! fluxfleet's). Each repository is held to its figure; README.md reports the table.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

type Pairs = BTreeSet<(String, String)>;

/// Each repository's least agreement, in per cent, for units and for namespaces: what this
/// version reaches (README.md, "Any Flux repository"). A repository without namespaces in the
/// truth counts as 100.
const FIGURES: [(&str, u32, u32); 8] = [
    ("Azure__gitops-flux2-kustomize-helm-mt", 100, 100),
    ("PingCAP-QE__ee-ops", 100, 100),
    ("angelnu__k8s-gitops", 100, 100),
    ("aws-samples__flux-eks-gitops-config", 100, 100),
    ("fluxcd__flux2-hub-spoke-example", 100, 100),
    ("fluxcd__flux2-kustomize-helm-example", 100, 100),
    ("fluxcd__flux2-monitoring-example", 100, 100),
    ("fluxcd__flux2-multi-tenancy", 100, 100),
];

fn truth(file: &Path) -> (Pairs, Pairs) {
    pairs_of_truth(&serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap())
}

/// The (unit, cluster) and (namespace, cluster) pairs of flux-truth's output.
fn pairs_of_truth(json: &Value) -> (Pairs, Pairs) {
    let (mut units, mut namespaces) = (Pairs::new(), Pairs::new());
    for (cluster, got) in json.as_object().unwrap() {
        for names in got["units"].as_object().unwrap().values() {
            for name in names.as_array().unwrap() {
                units.insert((name.as_str().unwrap().to_string(), cluster.clone()));
            }
        }
        for name in got["namespaces"].as_array().unwrap() {
            namespaces.insert((name.as_str().unwrap().to_string(), cluster.clone()));
        }
    }
    (units, namespaces)
}

fn shown(repo: &Path) -> (Pairs, Pairs) {
    let out = Command::cargo_bin("fluxfleet")
        .unwrap()
        .args(["-C", repo.to_str().unwrap(), "status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "status --json in {}", repo.display());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pairs = |key: &str| -> Pairs {
        let mut out = Pairs::new();
        for row in json[key].as_array().into_iter().flatten() {
            let name = row["name"].as_str().unwrap();
            for cluster in row["clusters"].as_object().unwrap().keys() {
                out.insert((name.to_string(), cluster.clone()));
            }
        }
        out
    };
    let mut units = pairs("apps");
    units.extend(pairs("controllers"));
    units.extend(pairs("policies"));
    (units, pairs("namespaces"))
}

/// Per cent of `truth` that `shown` has, rounded down; 100 for an empty truth.
fn agreement(truth: &Pairs, shown: &Pairs) -> u32 {
    if truth.is_empty() {
        return 100;
    }
    let correct = truth.intersection(shown).count();
    u32::try_from(correct * 100 / truth.len()).unwrap()
}

#[test]
fn status_agrees_with_what_flux_applies_on_every_corpus_repository() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let truths = corpus.parent().unwrap().join("corpus-truth");
    let mut table = String::new();
    let mut failures = Vec::new();
    for (repo, least_units, least_namespaces) in FIGURES {
        let (true_units, true_namespaces) = truth(&truths.join(format!("{repo}.json")));
        let (units, namespaces) = shown(&corpus.join(repo));
        let (u, n) = (
            agreement(&true_units, &units),
            agreement(&true_namespaces, &namespaces),
        );
        let wrong_units: Vec<_> = units.difference(&true_units).collect();
        let wrong_namespaces: Vec<_> = namespaces.difference(&true_namespaces).collect();
        table.push_str(&format!(
            "| {repo} | {}/{} ({u}%) | {} | {}/{} ({n}%) | {} |\n",
            true_units.intersection(&units).count(),
            true_units.len(),
            wrong_units.len(),
            true_namespaces.intersection(&namespaces).count(),
            true_namespaces.len(),
            wrong_namespaces.len(),
        ));
        if u < least_units || n < least_namespaces {
            let missed: Vec<_> = true_units.difference(&units).collect();
            let missed_ns: Vec<_> = true_namespaces.difference(&namespaces).collect();
            failures.push(format!(
                "{repo}: units {u}% (at least {least_units}), namespaces {n}% (at least \
                 {least_namespaces}); missed {missed:?} {missed_ns:?}"
            ));
        }
        if !wrong_units.is_empty() || !wrong_namespaces.is_empty() {
            failures.push(format!(
                "{repo}: shows what is not there: {wrong_units:?} {wrong_namespaces:?}"
            ));
        }
        assert!(
            u >= 95 && n >= 95,
            "{repo}: below 95%: units {u}%, namespaces {n}%"
        );
    }
    println!("{table}");
    assert!(failures.is_empty(), "{}\n{table}", failures.join("\n"));
}

/// The golden cases of layouts other than the article's, with the unit rules flux-truth names
/// their units by (as `units.json` does for the corpus).
const OTHER_LAYOUT_CASES: [(&str, &str); 2] = [
    (
        "flux-layout-with-components",
        r"^kubernetes/apps/base/([^/]+)/=app,^kubernetes/apps/components/([^/]+)/=component,^kubernetes/infrastructure/controllers/([^/]+)\.yaml$=infra",
    ),
    (
        "flux-layout-namespaces-renamed",
        r"^kubernetes/apps/base/([^/]+)/=app,^kubernetes/infrastructure/controllers/([^/]+)\.yaml$=infra",
    ),
];

/// The same comparison on small fleets made for it, where flux-truth is run here, and every
/// pair must agree: on the second case, Flux's `targetNamespace` and a kustomization's
/// `namespace:` rename the `Namespace` objects of what they apply (the outermost winning).
#[test]
fn status_agrees_with_flux_truth_on_the_cases_of_other_layouts() {
    if common::corpus_dir().is_none() {
        return;
    }
    for (case, units) in OTHER_LAYOUT_CASES {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases/status")
            .join(case)
            .join("in");
        let sandbox = common::Sandbox::new();
        let repo = sandbox.work().join(case);
        sandbox.commit_copy(&fixture, &repo, |_| {});
        let truth = common::flux_truth(&repo, &["--units", units]);
        for (cluster, got) in truth.as_object().unwrap() {
            assert_eq!(got["errors"], serde_json::json!([]), "{case}: {cluster}");
        }
        assert_eq!(shown(&repo), pairs_of_truth(&truth), "{case}");
    }
}

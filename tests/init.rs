//! `fluxfleet init`: what the generated cluster entrypoints render to. The generated layout,
//! its commit, refusals and overrides are golden cases under `tests/cases/init/`.

mod common;

use common::{kustomize, Sandbox};

const CLUSTERS: [&str; 3] = ["dev", "test", "prod"];

#[test]
fn cluster_flux_kustomizations_point_at_their_own_tree() {
    let sandbox = Sandbox::new();
    let fleet = sandbox.work();
    sandbox
        .fluxfleet(&fleet)
        .args(["init", "--clusters", "dev,test,prod"])
        .assert()
        .success();
    for cluster in CLUSTERS {
        let rendered = kustomize(&fleet.join(format!("clusters/{cluster}")));
        let docs = yaml_rust2::YamlLoader::load_from_str(&rendered).expect("yaml");
        let paths: Vec<(&str, &str)> = docs
            .iter()
            .map(|d| {
                (
                    d["metadata"]["name"].as_str().expect("name"),
                    d["spec"]["path"].as_str().expect("path"),
                )
            })
            .collect();
        assert_eq!(
            paths,
            [
                ("apps", format!("./clusters/{cluster}/apps").as_str()),
                ("infra", format!("./clusters/{cluster}/infra").as_str()),
                (
                    "policies",
                    format!("./clusters/{cluster}/policies").as_str()
                )
            ]
        );
        let apps = docs
            .iter()
            .find(|d| d["metadata"]["name"].as_str() == Some("apps"));
        let depends = &apps.expect("apps")["spec"]["dependsOn"][0]["name"];
        assert_eq!(depends.as_str(), Some("infra"));
        // Policies after infra, whose `wait` makes Kyverno healthy first.
        let policies = docs
            .iter()
            .find(|d| d["metadata"]["name"].as_str() == Some("policies"));
        let depends = &policies.expect("policies")["spec"]["dependsOn"][0]["name"];
        assert_eq!(depends.as_str(), Some("infra"));
    }
}

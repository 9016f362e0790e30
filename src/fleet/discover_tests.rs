use super::*;

#[test]
fn a_remote_entry_is_named_after_its_repository() {
    assert_eq!(
        remote_name(
            "https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.6.1/components.yaml"
        ),
        "metrics-server"
    );
    assert_eq!(remote_name("github.com/org/repo//deploy?ref=v1"), "repo");
}

#[test]
fn infrastructure_paths_hold_controllers() {
    assert_eq!(
        kind_of(Path::new("infrastructure/base/addons/calico")),
        Kind::Controller
    );
    assert_eq!(
        kind_of(Path::new("deploy/infra-controllers/cert-manager.yaml")),
        Kind::Controller
    );
    assert_eq!(kind_of(Path::new("apps/base/podinfo")), Kind::App);
}

//! The scripts in `examples/` keep working: each runs against the real binary.

mod common;

use std::path::Path;
use std::process::Command;

use common::Sandbox;

#[test]
fn seed_walkthrough_runs() {
    let sandbox = Sandbox::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed-walkthrough.sh");
    let fleet = sandbox.work().join("fleet");
    let out = Command::new("bash")
        .arg(&script)
        .arg(&fleet)
        .arg(env!("CARGO_BIN_EXE_fluxfleet"))
        .env("HOME", sandbox.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", sandbox.home().join(".gitconfig"))
        .env("NO_COLOR", "1")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for cluster in ["dev", "test", "prod"] {
        assert!(
            stdout.contains(&format!("clusters/{cluster}: builds")),
            "{stdout}"
        );
    }
    // The article's "Expected result", as the script prints it after checking it.
    for line in [
        "clusters/dev: ns/kyverno ns/monitoring ns/team-x podinfo=1",
        "clusters/test: foo-app=1 ns/foo ns/kyverno ns/monitoring ns/team-x podinfo=2",
        "clusters/prod: ns/kyverno ns/monitoring ns/team-x podinfo=3",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    // The article's kyverno controller, rendered in every cluster.
    for cluster in ["dev", "test", "prod"] {
        let line = format!("clusters/{cluster}: HelmRelease kyverno@3.x");
        assert!(stdout.contains(&line), "{line:?} missing:\n{stdout}");
    }
    // The article's policy flow: added in Audit, promoted to shared, enforced.
    for cluster in ["dev", "test", "prod"] {
        let line = format!(
            "clusters/{cluster}/policies: deny-latest-tag=Enforce require-pod-resources=Audit"
        );
        assert!(stdout.contains(&line), "{line:?} missing:\n{stdout}");
    }
    assert_eq!(
        sandbox.git(&fleet, &["rev-list", "--count", "main"]).trim(),
        "15",
        "init plus one commit per command"
    );
    assert_eq!(sandbox.git(&fleet, &["status", "--porcelain"]), "");
}

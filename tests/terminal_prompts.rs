//! Prompts in a real terminal (tmux): what the user sees and the keys they press. Each prompt
//! names its flag, an invalid answer is refused and asked again, the cluster picker says its
//! keys and wants at least one cluster, Esc cancels any prompt and `q` a picker with nothing
//! written, Enter on an empty text prompt takes its default, and a demote asks before Flux
//! prunes.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::terminal::Terminal;
use common::{repo_state, Sandbox};

const BIN: &str = env!("CARGO_BIN_EXE_fluxfleet");

/// The seed fleet, committed.
fn seed(sandbox: &Sandbox) -> PathBuf {
    sandbox.seed_repo()
}

/// Waits for the run to end; its exit code and the screen's lines then.
fn finished(terminal: &Terminal) -> (String, Vec<String>) {
    terminal.wait_for("EXIT=");
    let lines = terminal.lines();
    let code = lines
        .iter()
        .find_map(|l| l.strip_prefix("EXIT="))
        .unwrap()
        .to_string();
    (code, lines)
}

#[test]
fn add_app_asks_each_flag_and_asks_again_after_a_bad_answer() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let terminal = Terminal::start(&sandbox, &repo, &format!("{BIN} add-app web"));
    terminal.wait_for("Namespace web runs in");
    assert_eq!(
        terminal.lines(),
        [
            "Namespace web runs in (--namespace) [arrows to move, enter to accept, esc to cancel]:",
            "> foo",
            "  kyverno",
            "  monitoring",
            "  team-x",
        ]
    );
    for _ in 0..3 {
        terminal.press("Down");
    }
    terminal.press("Enter");
    terminal.wait_for("Container image");
    terminal.type_text("Nginx");
    terminal.press("Enter");
    terminal.wait_for("! invalid image");
    terminal.type_text("nginx:1.27");
    terminal.press("Enter");
    terminal.wait_for("Container port");
    terminal.type_text("http");
    terminal.press("Enter");
    terminal.wait_for("! --port");
    terminal.type_text("8080");
    terminal.press("Enter");
    terminal.wait_for("Clusters that run web");
    // Enter with nothing ticked: asked again.
    terminal.press("Enter");
    terminal.wait_for("! pick at least one cluster");
    terminal.wait_for_raw_mode();
    let screen = terminal.lines();
    let image_refusal = fluxfleet::plan::values::image("Nginx")
        .unwrap_err()
        .to_string();
    let expected = [
        "Namespace web runs in (--namespace) [arrows to move, enter to accept, esc to cancel]: team-x".to_string(),
        "Container image (--image, e.g. ghcr.io/stefanprodan/podinfo:6.9.0): Nginx".into(),
        format!("! {image_refusal}"),
        "Container image (--image, e.g. ghcr.io/stefanprodan/podinfo:6.9.0): nginx:1.27".into(),
        "Container port (--port): http".into(),
        "! --port \"http\": expected a port number, 1 to 65535".into(),
        "Container port (--port): 8080".into(),
        "Clusters that run web (--clusters) [space to toggle, enter to accept, esc to cancel]:".into(),
        "! pick at least one cluster: space ticks the one under the cursor".into(),
        "Clusters that run web (--clusters) [space to toggle, enter to accept, esc to cancel]:".into(),
        "> [ ] dev".into(),
        "  [ ] test".into(),
        "  [ ] prod".into(),
    ];
    assert_eq!(screen, expected);
    terminal.press("Space");
    terminal.press("Enter");
    let (code, lines) = finished(&terminal);
    assert_eq!(code, "0", "{lines:#?}");
    assert!(
        lines
            .contains(&"Committed on branch fluxfleet/add-app-web: add app web to dev".to_string()),
        "{lines:#?}"
    );
}

#[test]
fn esc_in_the_picker_cancels_and_it_offers_only_clusters_without_the_app() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let before = repo_state(&repo);
    let terminal = Terminal::start(&sandbox, &repo, &format!("{BIN} promote foo-app"));
    terminal.wait_for("Promote foo-app to which clusters?");
    terminal.wait_for_raw_mode();
    // foo-app runs in test already.
    assert_eq!(
        terminal.lines(),
        [
            "Promote foo-app to which clusters? (--to) [space to toggle, enter to accept, esc to cancel]:",
            "> [ ] dev",
            "  [ ] prod",
        ]
    );
    terminal.press("Escape");
    let (code, lines) = finished(&terminal);
    assert_eq!(code, "1");
    assert_eq!(lines, ["Cancelled; nothing was written.", "EXIT=1"]);
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn esc_in_a_text_prompt_cancels_with_nothing_written() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let before = repo_state(&repo);
    // stdout to a file outside the repository: the screen shows stderr alone.
    let stdout = sandbox.temp.path().join("stdout");
    let terminal = Terminal::start(
        &sandbox,
        &repo,
        &format!(
            "{BIN} add-app web --namespace team-x >'{}'",
            stdout.display()
        ),
    );
    terminal.wait_for("Container image");
    terminal.type_text("nginx:1.23");
    terminal.wait_for("nginx:1.23");
    terminal.press("BSpace");
    let typed = "Container image (--image, e.g. ghcr.io/stefanprodan/podinfo:6.9.0): nginx:1.2";
    terminal.wait_until("the last character erased", |screen| {
        screen.lines().next().map(str::trim_end) == Some(typed)
    });
    assert_eq!(terminal.lines(), [typed]);
    terminal.press("Escape");
    let (code, lines) = finished(&terminal);
    assert_eq!(code, "1");
    assert_eq!(lines, ["Cancelled; nothing was written.", "EXIT=1"]);
    assert_eq!(std::fs::read_to_string(&stdout).unwrap(), "");
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn enter_on_an_empty_text_prompt_takes_its_default() {
    let sandbox = Sandbox::new();
    let dir = sandbox.work().join("fleet");
    let terminal = Terminal::start(&sandbox, &sandbox.work(), &format!("{BIN} init fleet"));
    terminal.wait_for("Clusters");
    assert_eq!(
        terminal.lines(),
        ["Clusters (--clusters, comma-separated, e.g. dev,test,prod) [dev,test,prod]:"]
    );
    terminal.press("Enter");
    let (code, _) = finished(&terminal);
    let lines = terminal.all_lines();
    assert_eq!(code, "0", "{lines:#?}");
    assert_eq!(
        lines[0],
        "Clusters (--clusters, comma-separated, e.g. dev,test,prod): dev,test,prod"
    );
    for cluster in ["dev", "test", "prod"] {
        assert!(dir.join("clusters").join(cluster).is_dir(), "{lines:#?}");
    }
}

#[test]
fn q_in_the_picker_cancels() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let before = repo_state(&repo);
    let terminal = Terminal::start(&sandbox, &repo, &format!("{BIN} demote podinfo"));
    terminal.wait_for("Demote podinfo from which clusters?");
    terminal.wait_for_raw_mode();
    // Offered: the clusters that run podinfo.
    assert_eq!(
        terminal.lines(),
        [
            "Demote podinfo from which clusters? (--from) [space to toggle, enter to accept, esc to cancel]:",
            "> [ ] dev",
            "  [ ] test",
            "  [ ] prod",
        ]
    );
    terminal.press("q");
    let (code, lines) = finished(&terminal);
    assert_eq!(code, "1");
    assert_eq!(lines, ["Cancelled; nothing was written.", "EXIT=1"]);
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn demote_asks_before_flux_prunes_and_no_is_the_default() {
    let sandbox = Sandbox::new();
    let repo = seed(&sandbox);
    let before = repo_state(&repo);
    let terminal = Terminal::start(
        &sandbox,
        &repo,
        &format!("{BIN} demote app podinfo --from dev"),
    );
    terminal.wait_for("Remove app podinfo from dev?");
    terminal.wait_for_raw_mode();
    assert_eq!(
        terminal.lines(),
        [
            "Remove app podinfo from dev? Flux then deletes it there (prune: true) [arrows to move, enter to accept, esc to cancel]:",
            "> no",
            "  yes",
        ]
    );
    terminal.press("Enter");
    let (code, lines) = finished(&terminal);
    assert_eq!(code, "1");
    assert_eq!(
        lines,
        [
            "Remove app podinfo from dev? Flux then deletes it there (prune: true) [arrows to move, enter to accept, esc to cancel]: no",
            "Cancelled; nothing was written.",
            "EXIT=1",
        ]
    );
    assert_eq!(repo_state(&repo), before);
}

#[test]
fn add_app_on_a_fleet_without_namespaces_says_what_to_do_first() {
    let sandbox = Sandbox::new();
    let repo = sandbox.work();
    sandbox
        .fluxfleet(&repo)
        .args(["init", "--clusters", "dev,prod"])
        .assert()
        .success();
    let terminal = Terminal::start(&sandbox, &repo, &format!("{BIN} add-app web"));
    let (code, lines) = finished(&terminal);
    assert_eq!(code, "2");
    assert_eq!(
        lines,
        [
            "error: missing --namespace: the fleet has no namespace for web to run in yet; add one \
             first (`fluxfleet add-ns NAME --clusters C,...|all`), or pass --namespace NS",
            "EXIT=2"
        ]
    );
}

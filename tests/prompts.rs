//! The interactive path: values left off the command line are asked for, through the prompt
//! module with scripted answers, and the answers are used exactly as flags would be.

mod common;

use std::sync::{Arc, Mutex};

use clap::Parser;
use fluxfleet::cli::Cli;
use fluxfleet::interactive::Scripted;
use fluxfleet::output::Shell;

/// A writer the test can read back after the run.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// Runs `args` in-process with scripted answers; returns the result, stderr and the prompts.
pub fn run_scripted(
    args: &[&str],
    answers: &[&str],
) -> (fluxfleet::Result<()>, String, Vec<String>) {
    let cli = Cli::try_parse_from(std::iter::once("fluxfleet").chain(args.iter().copied()))
        .expect("arguments parse");
    let err = Captured::default();
    let mut shell = Shell::capture(Box::new(Captured::default()), Box::new(err.clone()));
    let mut prompter = Scripted::new(answers.iter().copied());
    let result = fluxfleet::run_with(cli, &mut shell, &mut prompter);
    (result, err.text(), prompter.asked)
}

#[test]
fn init_asks_for_the_clusters() {
    let sandbox = common::Sandbox::new();
    let dir = sandbox.work().join("fleet");
    let dir_arg = dir.display().to_string();
    // git2 reads the identity from the HOME the sandbox prepared.
    std::env::set_var("HOME", sandbox.home());
    std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
    let (result, stderr, asked) = run_scripted(&["init", &dir_arg], &["dev,prod"]);
    result.expect("init succeeds");
    assert_eq!(asked, ["Clusters (comma-separated, e.g. dev,test,prod)"]);
    assert!(stderr.contains("--path=clusters/prod"), "{stderr}");
    assert!(dir.join("clusters/prod/apps/kustomization.yaml").is_file());
    assert!(!dir.join("clusters/test").exists());
    common::kustomize(&dir.join("clusters/dev"));
}

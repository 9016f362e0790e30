//! The README's first steps run as a user types them: every line of its opening `sh` block
//! after `cargo install` (the binary under test stands for the installed one), in a new
//! directory, with a local bare `origin` for the fleet and a stand-in `gh` that records what it
//! was asked; `~/src/our-fleet` is a copy of a corpus repository.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::Sandbox;

#[test]
fn the_readmes_first_steps_run_as_written() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = readme
        .split_once("Install it, then start a fleet")
        .unwrap()
        .1;
    let block = after
        .split_once("```sh\n")
        .unwrap()
        .1
        .split_once("```")
        .unwrap()
        .0;
    let lines: Vec<&str> = block.lines().collect();
    assert!(lines[0].starts_with("cargo install --path ."), "{block}");

    let sandbox = Sandbox::new();
    let work = sandbox.work();
    let bin = work.join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fluxfleet"), bin.join("fluxfleet")).unwrap();
    let gh = bin.join("gh");
    let log = work.join("gh.args");
    fs::write(
        &gh,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\ncat > /dev/null\n\
             echo 'https://example.com/fleet/pull/1'\n",
            log.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&gh, fs::Permissions::from_mode(0o755)).unwrap();
    let ours = sandbox.home().join("src/our-fleet");
    let corpus = common::corpus_dir();
    if let Some(corpus) = &corpus {
        sandbox.commit_copy(
            &corpus.join("fluxcd__flux2-kustomize-helm-example"),
            &ours,
            |_| {},
        );
    }

    // The README's lines; after `init`, the fleet gets its origin, as a user's would.
    let mut script = String::from("set -eu\n");
    for line in &lines[1..] {
        if line.contains("~/src/our-fleet") && corpus.is_none() {
            continue;
        }
        script.push_str(line);
        script.push('\n');
        if line.starts_with("fluxfleet init fleet") {
            script.push_str(
                "git init -q --bare -b main origin.git\n\
                 git -C fleet remote add origin \"$PWD/origin.git\"\n\
                 git -C fleet push -q -u origin main\n",
            );
        }
    }
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(&script).current_dir(&work);
    sandbox.isolate_process(&mut cmd);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = cmd.env("PATH", path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );

    // The promotion was pushed and its pull request opened; status showed web where it runs.
    let pushed = sandbox.git(&work.join("origin.git"), &["branch", "--list"]);
    assert!(
        pushed.contains("fluxfleet/promote-app-web-to-test"),
        "{pushed}"
    );
    let asked = fs::read_to_string(&log).unwrap();
    assert!(asked.starts_with("pr\ncreate\n"), "{asked}");
    assert!(
        stderr.contains("Opened the pull request: https://example.com/fleet/pull/1"),
        "{stderr}"
    );
    if corpus.is_some() {
        assert!(stdout.contains("podinfo"), "{stdout}");
    }
}

//! The command line itself: completions loaded by a real bash, the man page, the examples in
//! every help, the flags each command takes, and what `-q`, `-v` and `--color` print.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::process::{Command as Process, Output};

use clap::{CommandFactory, Parser};
use common::Sandbox;
use fluxfleet::cli::Cli;

/// The subcommands as a user types them, without clap's own `help`.
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "help")
        .collect()
}

fn run(sandbox: &Sandbox, args: &[&str]) -> Output {
    sandbox
        .fluxfleet(&sandbox.work())
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Loads the bash completion script into a real bash and completes `words` (the last one is
/// the word being completed), printing the candidates one a line.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let bin = env!("CARGO_BIN_EXE_fluxfleet");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source <('{bin}' completions bash) || exit 9
         complete -p fluxfleet || exit 8
         COMP_WORDS=({words})
         COMP_CWORD={cword}
         COMP_LINE='{line}'
         COMP_POINT=${{#COMP_LINE}}
         _fluxfleet fluxfleet '{current}' '{previous}'
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        cword = words.len() - 1,
        line = words.join(" "),
        current = words[words.len() - 1],
        previous = words[words.len() - 2],
    );
    let out = Process::new("bash")
        .args(["--norc", "--noprofile", "-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bash: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some("complete -o bashdefault -o default -o nosort -F _fluxfleet fluxfleet")
    );
    lines.map(str::to_string).collect()
}

#[test]
fn bash_completes_a_subcommand() {
    assert_eq!(bash_complete(&["fluxfleet", "pro"]), ["promote"]);
    assert_eq!(
        bash_complete(&["fluxfleet", "add-"]),
        [
            "add-cluster",
            "add-app",
            "add-ns",
            "add-overlay",
            "add-controller",
            "add-policy"
        ]
    );
}

#[test]
fn bash_completes_only_the_flags_a_command_takes() {
    let status = bash_complete(&["fluxfleet", "status", "--"]);
    assert!(status.contains(&"--json".to_string()), "{status:?}");
    assert!(!status.contains(&"--dry-run".to_string()), "{status:?}");
    let promote = bash_complete(&["fluxfleet", "promote", "--"]);
    for flag in [
        "--to",
        "--dry-run",
        "--no-commit",
        "--branch",
        "--yes",
        "--pr",
    ] {
        assert!(promote.contains(&flag.to_string()), "{flag}: {promote:?}");
    }
    assert_eq!(
        bash_complete(&["fluxfleet", "completions", "z"]),
        ["zsh"],
        "the shells are completed too"
    );
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let sandbox = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&sandbox, &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for sub in subcommands() {
            assert!(script.contains(&sub), "{shell} lacks {sub}");
        }
    }
    let out = run(&sandbox, &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_names_every_subcommand_and_each_has_its_own() {
    let sandbox = Sandbox::new();
    let out = run(&sandbox, &["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq"), "roff: {page}");
    assert!(page.contains(".TH fluxfleet 1"));
    for sub in subcommands() {
        let roff_name = sub.replace('-', "\\-");
        assert!(
            page.contains(&format!("fluxfleet\\-{roff_name}(1)")),
            "fluxfleet(1) lacks {sub}"
        );
        let own = run(&sandbox, &["man", &sub]);
        assert_eq!(own.status.code(), Some(0), "{sub}");
        let own = text(&own.stdout);
        assert!(
            own.contains(&format!(".TH fluxfleet-{sub} 1  \"{sub} 0.")),
            "{own}"
        );
        assert!(own.contains("Examples:"), "man {sub} lacks the examples");
    }
    let unknown = run(&sandbox, &["man", "promte"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).starts_with("error: no command \"promte\": known commands: init,")
    );
}

#[test]
fn every_subcommand_help_has_examples_that_parse() {
    let mut fluxfleet = Cli::command();
    fluxfleet.build();
    for sub in fluxfleet
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
    {
        let help = sub.clone().render_help().to_string();
        let examples = help
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{} has no Examples section:\n{help}", sub.get_name()))
            .1;
        // A line ending in `\` goes on below; `#` starts a comment; a pipe ends the command.
        let joined = examples.replace("\\\n", " ");
        let mut count = 0;
        for line in joined.lines() {
            let line = line.split(" #").next().unwrap();
            let line = line.split(" |").next().unwrap().split(" >").next().unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.first() != Some(&"fluxfleet") {
                continue;
            }
            count += 1;
            if let Err(e) = Cli::try_parse_from(&words) {
                panic!("{line:?} does not parse:\n{e}");
            }
        }
        assert!(count > 0, "{} has no fluxfleet example", sub.get_name());
    }
}

#[test]
fn change_flags_are_refused_by_commands_that_change_nothing() {
    for read_only in [
        &["status"][..],
        &["where", "podinfo"],
        &["check"],
        &["diff"],
    ] {
        for flag in [
            &["--dry-run"][..],
            &["--no-commit"],
            &["--branch", "x"],
            &["--yes"],
            &["--no-verify"],
            &["--pr"],
            &["--push"],
            &["--pr-body", "-"],
        ] {
            let after: Vec<&str> = read_only.iter().chain(flag).copied().collect();
            let error = Cli::try_parse_from(std::iter::once("fluxfleet").chain(after.clone()))
                .err()
                .unwrap_or_else(|| panic!("{after:?} was accepted"));
            assert_eq!(error.exit_code(), 2, "{after:?}");
            if !flag[0].starts_with("--p") {
                let before: Vec<&str> = flag.iter().chain(read_only).copied().collect();
                let error = Cli::try_parse_from(std::iter::once("fluxfleet").chain(before.clone()))
                    .err()
                    .unwrap_or_else(|| panic!("{before:?} was accepted"));
                assert_eq!(error.exit_code(), 2, "{before:?}");
            }
        }
        let help = Cli::command()
            .find_subcommand_mut(read_only[0])
            .unwrap()
            .render_help()
            .to_string();
        for flag in [
            "--dry-run",
            "--no-commit",
            "--branch",
            "--yes",
            "--pr",
            "--push",
        ] {
            assert!(!help.contains(flag), "{} help shows {flag}", read_only[0]);
        }
    }
}

#[test]
fn change_flags_are_taken_before_or_after_the_subcommand() {
    let parse = |args: &[&str]| {
        Cli::try_parse_from(std::iter::once("fluxfleet").chain(args.iter().copied()))
    };
    let before = parse(&[
        "--dry-run",
        "--branch",
        "b",
        "promote",
        "foo-app",
        "--to",
        "prod",
    ]);
    let after = parse(&[
        "promote",
        "foo-app",
        "--to",
        "prod",
        "--dry-run",
        "--branch",
        "b",
    ]);
    for cli in [before.unwrap(), after.unwrap()] {
        assert!(cli.change.dry_run);
        assert_eq!(cli.change.branch.as_deref(), Some("b"));
    }
    let mixed = parse(&[
        "--yes",
        "demote",
        "foo-app",
        "--from",
        "test",
        "--no-commit",
    ])
    .unwrap();
    assert!(mixed.change.yes && mixed.change.no_commit);
}

#[test]
fn no_commit_with_a_branch_is_a_usage_error() {
    let sandbox = Sandbox::new();
    for args in [
        &[
            "--no-commit",
            "--branch",
            "b",
            "promote",
            "foo-app",
            "--to",
            "prod",
        ][..],
        &[
            "--no-commit",
            "promote",
            "foo-app",
            "--to",
            "prod",
            "--branch",
            "b",
        ],
        &[
            "promote",
            "foo-app",
            "--to",
            "prod",
            "--branch",
            "b",
            "--no-commit",
        ],
    ] {
        let out = run(&sandbox, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains("cannot be used with '--no-commit'")
                || text(&out.stderr).contains("'--no-commit' cannot be used with '--branch"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn one_name_per_promotion() {
    let sandbox = Sandbox::new();
    let out = run(
        &sandbox,
        &["promote", "app", "api", "redis", "--to", "prod"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: unexpected argument 'redis' found\n\n\
         Usage: fluxfleet promote [OPTIONS] [KIND] <NAME>\n\n\
         For more information, try '--help'.\n"
    );
}

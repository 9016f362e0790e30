//! The command line itself: completions loaded by a real bash, fish and zsh, the man page, the
//! examples in every help, the flags each command takes, and what `-q`, `-v` and `--color`
//! print.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::process::{Command as Process, Output};

use clap::{CommandFactory, Parser};
use common::terminal::Terminal;
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

/// Whether `shell` runs here; when not, says that the test that needs it is skipped.
fn installed(shell: &str) -> bool {
    let runs = Process::new(shell)
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|status| status.success());
    if !runs {
        eprintln!("SKIPPED: {shell} is not installed (apt-get install {shell}); not loaded in it");
    }
    runs
}

/// Loads the fish completion script into a real fish and completes `line` (`complete -C`),
/// the candidates one a line without their descriptions.
fn fish_complete(sandbox: &Sandbox, line: &str) -> Vec<String> {
    let bin = env!("CARGO_BIN_EXE_fluxfleet");
    let script = format!(
        "'{bin}' completions fish | source; or exit 9
         complete -C '{line}'"
    );
    let mut fish = Process::new("fish");
    fish.args(["--no-config", "-c", &script]);
    sandbox.isolate_process(&mut fish);
    let out = fish.output().unwrap();
    assert!(out.status.success(), "fish: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let candidates = stdout.lines();
    candidates
        .map(|c| c.split('\t').next().unwrap_or(c).to_string())
        .collect()
}

#[test]
fn fish_loads_the_completions_and_completes_commands_and_their_flags() {
    if !installed("fish") {
        return;
    }
    let sandbox = Sandbox::new();
    assert_eq!(fish_complete(&sandbox, "fluxfleet pro"), ["promote"]);
    let mut adds = fish_complete(&sandbox, "fluxfleet add-");
    adds.sort();
    assert_eq!(
        adds,
        [
            "add-app",
            "add-cluster",
            "add-controller",
            "add-ns",
            "add-overlay",
            "add-policy"
        ]
    );
    let status = fish_complete(&sandbox, "fluxfleet status --");
    assert!(status.contains(&"--json".to_string()), "{status:?}");
    assert!(!status.contains(&"--dry-run".to_string()), "{status:?}");
    let promote = fish_complete(&sandbox, "fluxfleet promote --");
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
}

/// zsh completes only inside its line editor: a real zsh in a terminal (tmux), the script
/// loaded as a user does, Tab pressed.
#[test]
fn zsh_loads_the_completions_and_completes_on_tab() {
    if !installed("zsh") {
        return;
    }
    let sandbox = Sandbox::new();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_fluxfleet"));
    let path = bin.parent().unwrap().display();
    let terminal = Terminal::start(
        &sandbox,
        &sandbox.work(),
        &format!("PATH='{path}':\"$PATH\" zsh -f"),
    );
    terminal.type_text(
        "autoload -U compinit && compinit -D && source <(fluxfleet completions zsh) && \
         print -r \"registered:$_comps[fluxfleet]\"",
    );
    terminal.press("Enter");
    terminal.wait_for("registered:_fluxfleet");
    // Completes `typed` with Tab; the screen once a line ends with (or, for a list, starts
    // with) `shown`.
    let complete = |typed: &str, shown: &str| {
        terminal.press("C-u");
        terminal.type_text(typed);
        terminal.press("Tab");
        terminal.wait_until(shown, |screen| {
            screen
                .lines()
                .any(|line| line.trim_end().ends_with(shown) || line.starts_with(shown))
        })
    };
    complete("fluxfleet pro", "fluxfleet promote");
    complete("fluxfleet completions z", "fluxfleet completions zsh");
    // Several candidates: zsh lists them under the line, each with its help.
    let screen = complete("fluxfleet status --", "--versions ");
    let flags: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with("--"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(flags.contains(&"--json"), "{screen}");
    assert!(!flags.contains(&"--dry-run"), "{screen}");
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

/// fluxfleet in the seed fleet, with `env` set (and `unset` removed) on top of the sandbox's.
fn in_seed(args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> (i32, String, String) {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let mut cmd = sandbox.fluxfleet(&repo);
    for name in unset {
        cmd.env_remove(name);
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    let out = cmd.args(args).output().unwrap();
    let root = repo.display().to_string();
    (
        out.status.code().unwrap(),
        text(&out.stdout),
        text(&out.stderr).replace(&root, "[REPO]"),
    )
}

const PROMOTE: &[&str] = &["promote", "foo-app", "--to", "prod", "--no-commit"];
const PROMOTED: &str = "\
Wrote (not committed): promote foo-app to prod
  R infrastructure/namespaces/test-only/ns-foo.yaml -> infrastructure/namespaces/foo/namespace.yaml
  A infrastructure/namespaces/foo/kustomization.yaml
  D infrastructure/namespaces/test-only/kustomization.yaml
  M clusters/prod/apps/kustomization.yaml
  M clusters/prod/infra/kustomization.yaml
  M clusters/test/infra/kustomization.yaml
Bringing namespace foo to prod (foo-app deploys into it; it is in set test-only); pass --no-namespace to refuse instead.
Namespace foo moved out of set test-only into its own directory, so prod receives only foo.
";

#[test]
fn quiet_prints_no_progress_and_verbose_says_more() {
    let (code, stdout, stderr) = in_seed(PROMOTE, &[], &[]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", PROMOTED));

    let quiet: Vec<&str> = ["-q"].iter().chain(PROMOTE).copied().collect();
    assert_eq!(in_seed(&quiet, &[], &[]), (0, String::new(), String::new()));

    let verbose: Vec<&str> = PROMOTE.iter().chain(&["--verbose"]).copied().collect();
    let (code, stdout, stderr) = in_seed(&verbose, &[], &[]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(
        stderr,
        format!("Read the fleet at [REPO]: clusters dev, test, prod (promotion order)\n{PROMOTED}")
    );

    let both = in_seed(&["-q", "-v", "status"], &[], &[]);
    assert_eq!(both.0, 2);
    assert!(both
        .2
        .starts_with("error: the argument '--quiet' cannot be used with '--verbose'"));
}

#[test]
fn quiet_keeps_data_warnings_and_errors() {
    let (code, stdout, stderr) = in_seed(&["-q", "status", "--kind", "controller"], &[], &[]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            0,
            "CONTROLLER  dev  test  prod\nkyverno     dir  dir   dir\n",
            ""
        )
    );
    let (code, stdout, stderr) = in_seed(&["where", "nope", "-q"], &[], &[]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.starts_with("error: no app, namespace, controller or policy named \"nope\""));
}

const PLAIN: &str = "CONTROLLER  dev  test  prod\nkyverno     dir  dir   dir\n";
const PAINTED: &str = "\x1b[1mCONTROLLER  dev  test  prod\x1b[0m\n\
kyverno     \x1b[32mdir\x1b[0m  \x1b[32mdir\x1b[0m   \x1b[32mdir\x1b[0m\n";

/// `status --kind controller` on the seed fleet, stdout a pipe (no terminal), with `env` and
/// without the sandbox's NO_COLOR and TERM=dumb.
fn table(flags: &[&str], env: &[(&str, &str)]) -> String {
    let args: Vec<&str> = ["status", "--kind", "controller"]
        .iter()
        .chain(flags)
        .copied()
        .collect();
    let (code, stdout, _) = in_seed(&args, env, &["NO_COLOR", "TERM"]);
    assert_eq!(code, 0);
    stdout
}

#[test]
fn color_follows_the_flag_then_the_environment() {
    assert_eq!(table(&[], &[]), PLAIN, "a pipe is not coloured");
    assert_eq!(table(&["--color", "always"], &[]), PAINTED);
    assert_eq!(table(&["--color", "always"], &[("NO_COLOR", "1")]), PAINTED);
    assert_eq!(table(&["--color=never"], &[("CLICOLOR_FORCE", "1")]), PLAIN);
    assert_eq!(table(&[], &[("CLICOLOR_FORCE", "1")]), PAINTED);
    assert_eq!(
        table(&[], &[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")]),
        PAINTED,
        "forced beats a dumb terminal"
    );
    assert_eq!(table(&[], &[("CLICOLOR_FORCE", "0")]), PLAIN);
    assert_eq!(
        table(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
        PLAIN,
        "NO_COLOR beats CLICOLOR_FORCE"
    );
    assert_eq!(
        table(
            &["--color", "auto"],
            &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]
        ),
        PAINTED,
        "an empty NO_COLOR is unset"
    );
    let (_, _, stderr) = in_seed(&["where", "nope", "--color", "always"], &[], &["NO_COLOR"]);
    assert!(
        stderr.starts_with("\x1b[31m\x1b[1merror:\x1b[0m no app"),
        "{stderr:?}"
    );
}

#[test]
fn check_build_without_a_renderer_fails_naming_the_install() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let empty = sandbox.temp.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let out = sandbox
        .fluxfleet(&repo)
        .env("PATH", &empty)
        .args(["check", "--build"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "error: --build: neither kustomize nor kubectl is on PATH: install one of them \
         (https://kubectl.docs.kubernetes.io/installation/kustomize/) to render the clusters; \
         or run check without --build\n"
    );
    let out = sandbox
        .fluxfleet(&repo)
        .env("PATH", &empty)
        .args(["status", "--versions"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: --versions: neither kustomize nor kubectl is on PATH: install one of them \
         (https://kubectl.docs.kubernetes.io/installation/kustomize/) to render the clusters\n"
    );
}

#[test]
fn every_json_document_says_its_version() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    let documents: [(&[&str], &[&str]); 6] = [
        (
            &["status", "--json"],
            &[
                "version",
                "clusters",
                "apps",
                "namespaces",
                "controllers",
                "policies",
            ],
        ),
        (
            &["where", "podinfo", "--json"],
            &["version", "name", "found"],
        ),
        (&["check", "--json"], &["version", "checked", "findings"]),
        (
            &["promote", "foo-app", "--to", "prod", "--dry-run", "--json"],
            &["version", "outcome", "branch", "files", "diff"],
        ),
        (
            &[
                "demote",
                "foo-app",
                "--from",
                "test",
                "--no-commit",
                "--json",
            ],
            &["version", "outcome", "files"],
        ),
        (
            &["diff", "--json"],
            &["version", "base", "clusters", "rendered"],
        ),
    ];
    for (args, keys) in documents {
        let out = sandbox.fluxfleet(&repo).args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(document["version"], 1, "{args:?}");
        for key in keys {
            assert!(document.get(key).is_some(), "{args:?} lacks {key}");
        }
    }
    let out = sandbox
        .fluxfleet(&repo)
        .args(["where", "foo", "--json"])
        .output()
        .unwrap();
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        found["found"][0]["references"][0],
        serde_json::json!({
            "cluster": "test",
            "file": "clusters/test/infra/kustomization.yaml",
            "line": 9,
            "via": "../../../infrastructure/namespaces/test-only",
            "through": "set",
            "set": "test-only",
            "entry": {
                "file": "infrastructure/namespaces/test-only/kustomization.yaml",
                "line": 4,
                "via": "ns-foo.yaml"
            }
        })
    );
}

#[test]
fn a_wide_table_wraps_at_columns_and_not_in_a_pipe_without_it() {
    let sandbox = Sandbox::new();
    let repo = sandbox.seed_repo();
    for cluster in [
        "staging-eu-west-1",
        "staging-us-east-1",
        "production-eu-west-1",
    ] {
        let out = sandbox
            .fluxfleet(&repo)
            .args(["add-cluster", cluster, "--like", "prod", "--no-commit"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let status = |columns: Option<&str>| {
        let mut cmd = sandbox.fluxfleet(&repo);
        cmd.env_remove("COLUMNS");
        if let Some(columns) = columns {
            cmd.env("COLUMNS", columns);
        }
        let out = cmd.args(["status", "--kind", "app"]).output().unwrap();
        text(&out.stdout)
    };
    let one_line = "\
APP      dev          test          staging-eu-west-1  staging-us-east-1  prod          production-eu-west-1
foo-app  -            base          -                  -                  -             -
podinfo  overlay dev  overlay test  base               base               overlay prod  base
";
    assert_eq!(status(None), one_line);
    assert_eq!(status(Some("200")), one_line);
    assert_eq!(
        status(Some("60")),
        "\
APP      dev          test          staging-eu-west-1
foo-app  -            base          -
podinfo  overlay dev  overlay test  base

APP      staging-us-east-1  prod
foo-app  -                  -
podinfo  base               overlay prod

APP      production-eu-west-1
foo-app  -
podinfo  base
"
    );
}

//! What a refusal leaves alone beyond the golden cases: a dirty file the change does not touch,
//! `--no-commit` on uncommitted text, and (in process) files saved while a run is under way and
//! change sets whose paths leave the repository. Every bad input and unsafe repository state
//! that a command line and a setup script can stage is a golden case under `tests/cases/`,
//! whose runner also checks that the refused run left files, index, refs, HEAD and the
//! directory outside the repository byte-identical.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test's failure report

mod common;

use std::fs;
use std::path::PathBuf;

use common::{repo_state, tree, Sandbox};

/// Files as [`tree`] lists them: path and bytes.
type Files = Vec<(String, Vec<u8>)>;

/// The seed fleet, committed in a fresh repository, with a directory beside it that lies
/// outside the repository.
struct Fleet {
    sandbox: Sandbox,
    repo: PathBuf,
}

impl Fleet {
    fn new() -> Self {
        let sandbox = Sandbox::new();
        let repo = sandbox.seed_repo();
        common::foo_app_into_team_x(&repo);
        sandbox.git(&repo, &["commit", "-qam", "foo-app into team-x"]);
        fs::create_dir_all(sandbox.temp.path().join("outside")).unwrap();
        Fleet { sandbox, repo }
    }

    fn outside(&self) -> PathBuf {
        self.sandbox.temp.path().join("outside")
    }

    fn git(&self, args: &[&str]) -> String {
        self.sandbox.git(&self.repo, args)
    }

    fn write(&self, file: &str, bytes: impl AsRef<[u8]>) {
        let path = self.repo.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn append(&self, file: &str, text: &str) {
        let mut bytes = fs::read(self.repo.join(file)).unwrap();
        bytes.extend_from_slice(text.as_bytes());
        self.write(file, bytes);
    }

    /// Runs fluxfleet in the repository; the exit code and stdout followed by stderr.
    fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let mut cmd = self.sandbox.fluxfleet(&self.repo);
        cmd.args(args);
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }
}

const PROMOTE: &[&str] = &["promote", "foo-app", "--to", "dev"];
const LIST: &str = "clusters/dev/apps/kustomization.yaml";

#[test]
fn a_dirty_file_the_change_does_not_touch_is_allowed_and_survives() {
    let fleet = Fleet::new();
    fleet.append("clusters/prod/apps/kustomization.yaml", "# mine\n");
    let (code, text) = fleet.run(PROMOTE);
    assert_eq!(code, Some(0), "{text}");
    let prod =
        fs::read_to_string(fleet.repo.join("clusters/prod/apps/kustomization.yaml")).unwrap();
    assert!(prod.ends_with("# mine\n"));
    assert_eq!(
        fleet.git(&["status", "--porcelain"]),
        " M clusters/prod/apps/kustomization.yaml\n"
    );
    assert_eq!(
        fleet.git(&["show", "--name-only", "--format=", "HEAD"]),
        format!("{LIST}\n")
    );
}

#[test]
fn no_commit_edits_on_top_of_the_uncommitted_text_of_a_touched_file() {
    let fleet = Fleet::new();
    fleet.append(LIST, "# my uncommitted note\n");
    let git_before = repo_state(&fleet.repo)
        .into_iter()
        .filter(|(path, _)| path.starts_with(".git/"))
        .collect::<Vec<_>>();
    let (code, text) = fleet.run(&["--no-commit", "promote", "foo-app", "--to", "dev"]);
    assert_eq!(code, Some(0), "{text}");
    let list = fs::read_to_string(fleet.repo.join(LIST)).unwrap();
    assert!(list.contains("- ../../../apps/foo-app/base\n"), "{list}");
    assert!(list.contains("# my uncommitted note\n"), "{list}");
    let git_after = repo_state(&fleet.repo)
        .into_iter()
        .filter(|(path, _)| path.starts_with(".git/"))
        .collect::<Vec<_>>();
    assert_eq!(git_before, git_after, "--no-commit touched git");
}

mod in_process {
    //! What cannot be staged from outside the process: a file saved while a run is under way,
    //! and change sets whose paths leave the repository.

    use std::fs;
    use std::path::{Path, PathBuf};

    use clap::Parser;
    use fluxfleet::interactive::Prompter;
    use fluxfleet::plan::{ChangeSet, FileChange};

    use super::{repo_state, Fleet, LIST};

    /// Answers the cluster question, but first saves a file as an editor would.
    struct SavesWhileAsked {
        file: PathBuf,
    }

    impl Prompter for SavesWhileAsked {
        fn input(&mut self, _: &str, _: Option<&str>) -> fluxfleet::Result<String> {
            unreachable!("only the clusters are asked")
        }
        fn select(&mut self, _: &str, _: &[String], _: usize) -> fluxfleet::Result<usize> {
            unreachable!("only the clusters are asked")
        }
        fn multi_select(
            &mut self,
            _: &str,
            items: &[String],
            _: &[bool],
        ) -> fluxfleet::Result<Vec<usize>> {
            let mut text = fs::read_to_string(&self.file).unwrap();
            text.push_str("# saved meanwhile\n");
            fs::write(&self.file, text).unwrap();
            Ok(vec![items.iter().position(|c| c == "dev").unwrap()])
        }
    }

    /// Runs `args` in-process, the cluster answer coming from [`SavesWhileAsked`].
    fn run_saving(fleet: &Fleet, args: &[&str]) -> (fluxfleet::Result<()>, String) {
        // The identity comes from the repository, so the test needs no process environment.
        fleet.git(&["config", "user.name", "Fleet Tester"]);
        fleet.git(&["config", "user.email", "tester@example.com"]);
        let repo = fleet.repo.display().to_string();
        let line = ["fluxfleet", "-C", &repo]
            .into_iter()
            .chain(args.iter().copied());
        let cli = fluxfleet::cli::Cli::try_parse_from(line).unwrap();
        let err = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Sink(err.clone());
        let mut shell =
            fluxfleet::output::Shell::capture(Box::new(std::io::sink()), Box::new(sink));
        let mut prompter = SavesWhileAsked {
            file: fleet.repo.join(LIST),
        };
        let result = fluxfleet::run_with(cli, &mut shell, &mut prompter);
        let text = String::from_utf8_lossy(&err.lock().unwrap()).into_owned();
        (result, text)
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The state before the run with only the editor's save applied.
    fn expected_after_save(before: super::Files) -> super::Files {
        before
            .into_iter()
            .map(|(path, mut bytes)| {
                if path == LIST {
                    bytes.extend_from_slice(b"# saved meanwhile\n");
                }
                (path, bytes)
            })
            .collect()
    }

    #[test]
    fn a_file_saved_between_read_and_write_aborts_the_run() {
        let fleet = Fleet::new();
        let before = repo_state(&fleet.repo);
        let (result, _) = run_saving(&fleet, &["--no-commit", "promote", "foo-app"]);
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains(&format!("{LIST} changed on disk")),
            "{message}"
        );
        assert!(message.contains("nothing was written"), "{message}");
        assert_eq!(repo_state(&fleet.repo), expected_after_save(before));
    }

    #[test]
    fn a_file_saved_between_read_and_commit_is_refused_as_uncommitted() {
        let fleet = Fleet::new();
        let before = repo_state(&fleet.repo);
        let (result, _) = run_saving(&fleet, &["promote", "foo-app"]);
        let message = result.unwrap_err().to_string();
        assert!(message.contains("uncommitted changes"), "{message}");
        assert!(message.contains(LIST), "{message}");
        assert_eq!(repo_state(&fleet.repo), expected_after_save(before));
    }

    fn edit(path: &str, old: &str, new: &str) -> FileChange {
        FileChange::Edit {
            path: PathBuf::from(path),
            old: old.to_string(),
            new: new.to_string(),
        }
    }

    fn create(path: impl Into<PathBuf>) -> FileChange {
        FileChange::Create {
            path: path.into(),
            content: "written\n".to_string(),
        }
    }

    /// Applies a change set made of `changes` (plus a valid edit before them, to show that
    /// nothing at all is written) and returns the refusal.
    fn refused(fleet: &Fleet, changes: Vec<FileChange>) -> String {
        let old = fs::read_to_string(fleet.repo.join(LIST)).unwrap();
        let mut change = ChangeSet::new("test", "fluxfleet/test");
        change
            .changes
            .push(edit(LIST, &old, &format!("{old}# x\n")));
        change.changes.extend(changes);
        let before = (repo_state(&fleet.repo), super::tree(&fleet.outside()));
        let err = fluxfleet::apply::apply(&fleet.repo, &change)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            (repo_state(&fleet.repo), super::tree(&fleet.outside())),
            before,
            "{err}"
        );
        err.to_string()
    }

    #[test]
    fn the_writer_refuses_a_file_that_is_not_as_planned() {
        let fleet = Fleet::new();
        let message = refused(
            &fleet,
            vec![edit(
                "clusters/prod/apps/kustomization.yaml",
                "what the plan read\n",
                "new\n",
            )],
        );
        assert!(
            message.contains("clusters/prod/apps/kustomization.yaml changed on disk"),
            "{message}"
        );
        let message = refused(
            &fleet,
            vec![edit("clusters/prod/apps/gone.yaml", "text\n", "new\n")],
        );
        assert!(message.contains("gone.yaml changed on disk"), "{message}");
        let message = refused(&fleet, vec![create("clusters/dev/apps.yaml")]);
        assert!(
            message.contains("clusters/dev/apps.yaml exists already"),
            "{message}"
        );
    }

    #[test]
    fn the_writer_refuses_paths_outside_the_repository() {
        let fleet = Fleet::new();
        let message = refused(&fleet, vec![create("../../outside/x.yaml")]);
        assert!(message.contains("../../outside/x.yaml"), "{message}");
        assert!(message.contains("outside the repository"), "{message}");

        let absolute = fleet.outside().join("abs.yaml");
        let message = refused(&fleet, vec![create(absolute.clone())]);
        assert!(
            message.contains(&absolute.display().to_string()),
            "{message}"
        );
        assert!(message.contains("outside the repository"), "{message}");

        let message = refused(&fleet, vec![create("apps/../../escape.yaml")]);
        assert!(message.contains("outside the repository"), "{message}");
    }

    #[test]
    fn the_writer_refuses_git_directories_and_symbolic_links() {
        let fleet = Fleet::new();
        for path in [
            ".git/config",
            ".git/hooks/pre-commit",
            "apps/.git/x",
            ".GIT/x",
        ] {
            let message = refused(&fleet, vec![create(path)]);
            assert!(
                message.contains("refusing to write inside .git"),
                "{path}: {message}"
            );
            assert!(message.contains(path), "{path}: {message}");
        }
        std::os::unix::fs::symlink(fleet.outside(), fleet.repo.join("apps/link")).unwrap();
        let message = refused(&fleet, vec![create("apps/link/new.yaml")]);
        assert!(
            message.contains(
                "apps/link/new.yaml: refusing to write through the symbolic link apps/link"
            ),
            "{message}"
        );
        let message = refused(
            &fleet,
            vec![FileChange::Delete {
                path: PathBuf::from("apps/link"),
                old: String::new(),
            }],
        );
        assert!(message.contains("symbolic link apps/link"), "{message}");
        assert!(Path::new(&fleet.outside()).is_dir());
    }

    #[test]
    fn finish_refuses_an_outside_path_even_for_a_dry_run() {
        let fleet = Fleet::new();
        let mut change = ChangeSet::new("test", "fluxfleet/test");
        change.changes.push(create("../escape.yaml"));
        let mut shell =
            fluxfleet::output::Shell::capture(Box::new(std::io::sink()), Box::new(std::io::sink()));
        let options = fluxfleet::session::RunOptions {
            dry_run: true,
            ..Default::default()
        };
        let mut session = fluxfleet::session::Session::new(options, &mut shell, None);
        let err = session
            .finish(
                &fleet.repo,
                &change,
                fluxfleet::session::Finish::new(fluxfleet::session::History::Required, &change),
            )
            .unwrap_err();
        assert!(err.to_string().contains("outside the repository"), "{err}");
        assert_eq!(err.exit_code(), 1);
    }
}

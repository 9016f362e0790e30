//! Step 3 of the pipeline and the hand-over to git: show the ChangeSet (`--dry-run`) or write it
//! all-or-nothing and commit it on a new branch.

pub mod diff;
pub mod fault;
mod guard;
mod writer;

use std::fs;
use std::path::Path;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::{self, Preflight, Target};
use crate::paths::to_slash;
use crate::plan::ChangeSet;

pub use guard::check_root;
pub use writer::{apply, Applied};

/// What became of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The change set was empty.
    NothingToDo,
    /// `--dry-run`: the diff was printed.
    Shown,
    /// `--no-commit`: the files were written.
    Written,
    /// The files were written and committed on this branch.
    Committed { branch: String },
}

/// Whether the change may be the repository's first commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// The repository must have a commit to branch from.
    Required,
    /// A repository without commits gets the change as its first commit (`init`).
    MayBeEmpty,
}

/// Shows, or writes and commits, `change` in the repository at `root`.
pub fn finish(
    ctx: &mut Context,
    root: &Path,
    change: &ChangeSet,
    history: History,
) -> Result<Outcome> {
    for warning in &change.warnings {
        ctx.shell.warn(warning)?;
    }
    if change.is_empty() {
        for note in &change.notes {
            ctx.shell.status(note)?;
        }
        ctx.shell.status(&format!(
            "Nothing to do: {}: already in place.",
            change.summary
        ))?;
        return Ok(Outcome::NothingToDo);
    }
    guard::check(root, change)?;
    if let Some(branch) = &ctx.options.branch {
        git::check_branch_name(branch)?;
    }
    if ctx.options.dry_run {
        diff::show(ctx.shell, change)?;
        // A dry run writes nothing, but it should not promise what the real run refuses.
        if !ctx.options.no_commit {
            if let Some(repo) = git::open_if_any(root)? {
                if let Err(refusal) = ready_to_commit(ctx, &repo, change, history) {
                    ctx.shell
                        .warn(&format!("the real run would be refused: {refusal}"))?;
                }
            }
        }
        return Ok(Outcome::Shown);
    }
    let touched = change.touched_paths();
    if ctx.options.no_commit {
        // Without git there is nothing to check or lock; with it, git's own lock must be free.
        if let Some(repo) = git::open_if_any(root)? {
            ctx.lock_repository(repo.path())?;
            git::preflight(&repo, &Preflight::default())?;
        }
        apply(root, change)?;
        report(ctx, change, None)?;
        return Ok(Outcome::Written);
    }
    let repo = git::open(root)?;
    ctx.lock_repository(repo.path())?;
    let target = ready_to_commit(ctx, &repo, change, history)?;
    let commit = git::build_commit(&repo, change)?;
    fault::point("create the branch")?;
    git::create_branch(&repo, &target, commit)?;
    let applied = match apply(root, change) {
        Ok(applied) => applied,
        Err(e) => {
            git::delete_branch(&repo, &target);
            return Err(e);
        }
    };
    let index_path = repo.path().join("index");
    let index_before = fs::read(&index_path).ok();
    if let Err(e) = git::check_out(&repo, &target, &touched) {
        applied.rollback();
        match index_before {
            Some(bytes) => {
                let _ = fs::write(&index_path, bytes);
            }
            None => {
                let _ = fs::remove_file(&index_path);
            }
        }
        // Moving HEAD is check_out's last step, so a failure there left HEAD where it was.
        git::delete_branch(&repo, &target);
        return Err(e);
    }
    report(ctx, change, Some(target.name()))?;
    Ok(Outcome::Committed {
        branch: target.name().to_string(),
    })
}

/// The branch the change would be committed on, once every check before writing passes; prints
/// the warnings of the checks.
fn ready_to_commit(
    ctx: &mut Context,
    repo: &git2::Repository,
    change: &ChangeSet,
    history: History,
) -> Result<Target> {
    let unborn = git::is_unborn(repo) && history == History::MayBeEmpty;
    let target = match (&ctx.options.branch, unborn) {
        (Some(name), true) => Target::Unborn(name.clone()),
        (None, true) => Target::Unborn(git::head_branch(repo).unwrap_or_else(|| "main".into())),
        (Some(name), false) => Target::NewBranch(name.clone()),
        (None, false) => Target::NewBranch(change.branch.clone()),
    };
    let warnings = git::preflight(
        repo,
        &Preflight {
            touched: &change.touched_paths(),
            branch: Some(target.name()),
            allow_unborn: history == History::MayBeEmpty,
            no_verify: ctx.options.no_verify,
            no_gpg_sign: ctx.options.no_gpg_sign,
        },
    )?;
    let unmet = change.unmet_requirements(|path| git::head_has(repo, path));
    if !unmet.is_empty() {
        let paths: Vec<String> = unmet.iter().map(|p| to_slash(p)).collect();
        return Err(Error::refused(format!(
            "the change references {} which HEAD does not have (not committed yet): the new \
             branch starts from HEAD, so commit them first, or pass --no-commit",
            paths.join(", ")
        )));
    }
    for warning in warnings {
        ctx.shell.warn(&warning)?;
    }
    Ok(target)
}

/// Tells the user what was written and where it was committed, then the change's notes.
fn report(ctx: &mut Context, change: &ChangeSet, branch: Option<&str>) -> Result<()> {
    match branch {
        Some(branch) => ctx
            .shell
            .status(&format!("Committed on branch {branch}: {}", change.summary))?,
        None => ctx
            .shell
            .status(&format!("Wrote (not committed): {}", change.summary))?,
    }
    for file in &change.changes {
        ctx.shell
            .status(&format!("  {} {}", file.status(), file.shown_path()))?;
    }
    for note in &change.notes {
        ctx.shell.status(note)?;
    }
    Ok(())
}

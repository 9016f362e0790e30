//! `fluxfleet init [DIR] --clusters dev,test,prod`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::context::Context;
use crate::apply;
use crate::error::{Error, IoContext, Result};
use crate::fleet::{Fleet, ReadPlan};
use crate::names::{self, NameKind};
use crate::plan::init::{self, InitOptions};
use crate::plan::layout::Home;
use crate::render::Templates;
use crate::session::{Finish, History, Intent};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet init fleet --clusters dev,test,prod   # a new repository in ./fleet
  fluxfleet init --clusters dev,prod              # the current directory")]
pub struct InitArgs {
    /// Directory to write the layout into (default: the current directory).
    pub dir: Option<PathBuf>,
    /// The clusters: C,... (asked for on a terminal when left out).
    #[arg(long)]
    pub clusters: Option<String>,
    /// Overwrite files whose content differs from what init writes.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub publish: crate::cli::PublishArgs,
}

pub fn run(args: InitArgs, ctx: &mut Context) -> Result<()> {
    let start = ctx.session.start_dir()?;
    let dir = match &args.dir {
        Some(dir) => start.join(dir),
        None => start,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(Error::refused(format!(
            "{}: not a directory",
            dir.display()
        )));
    }
    apply::check_root(&dir)?;
    let clusters = ctx.checked_or_ask(
        args.clusters,
        "--clusters",
        "Clusters (comma-separated, e.g. dev,test,prod)",
        Some("dev,test,prod"),
        |clusters| parse_clusters(clusters).map(drop),
    )?;
    let clusters = parse_clusters(&clusters)?;
    let options = InitOptions {
        all: with_existing(&dir, &clusters),
        clusters,
        force: args.force,
        home: home(&dir),
    };

    if dir.join(".git").exists() {
        ctx.session.recover(&dir, Intent::Write)?;
    }
    let templates = Templates::load(&dir)?;
    let wanted = init::wanted(&templates, &options)?;
    let existing = crate::files::read_existing(&dir, wanted.iter().map(|w| &w.path))?;
    let change = init::plan(wanted, &existing, &options)?;

    let created = prepare_repository(ctx, &dir, change.is_empty())?;
    match ctx
        .session
        .finish(&dir, &change, Finish::new(History::MayBeEmpty, &change))
    {
        Ok(_) => Ok(()),
        Err(e) => {
            // The repository this run made goes again: `git config` cannot run in it.
            let made_repository = created.git.is_some();
            created.undo();
            match made_repository && crate::git::is_no_identity(&e) {
                true => Err(crate::git::no_identity_for_new(&dir)),
                false => Err(e),
            }
        }
    }
}

fn parse_clusters(clusters: &str) -> Result<Vec<String>> {
    names::parse_list(NameKind::Cluster, clusters).map_err(|e| names::in_flag(e, "--clusters"))
}

/// What `init` created before the change was applied, so a failure can remove it again.
struct Created {
    dir: Option<PathBuf>,
    git: Option<PathBuf>,
}

impl Created {
    fn undo(self) {
        if let Some(git) = self.git {
            let _ = std::fs::remove_dir_all(git);
        }
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Creates `dir` and runs `git init` there when needed: not for `--dry-run`, which writes
/// nothing, and not for `--no-commit`, which leaves git alone.
fn prepare_repository(ctx: &Context, dir: &Path, nothing_to_do: bool) -> Result<Created> {
    let mut created = Created {
        dir: None,
        git: None,
    };
    if ctx.session.options.dry_run || nothing_to_do {
        return Ok(created);
    }
    if !dir.exists() {
        std::fs::create_dir_all(dir).at(dir)?;
        created.dir = Some(dir.to_path_buf());
    }
    if ctx.session.options.no_commit {
        return Ok(created);
    }
    let (_, initialised) = crate::git::open_or_init(dir)?;
    if initialised {
        created.git = Some(dir.join(".git"));
    }
    Ok(created)
}

/// The repository's name and the branch Flux syncs, for the bootstrap commands.
pub(crate) fn home(dir: &Path) -> Home {
    Home {
        repository: repository_name(dir),
        branch: crate::git::sync_branch(dir),
    }
}

/// The clusters of the fleet at `dir` (none when there is no fleet, or it cannot be read),
/// in promotion order, followed by those of `clusters` it lacks.
fn with_existing(dir: &Path, clusters: &[String]) -> Vec<String> {
    let mut all = if dir.join(crate::plan::layout::CLUSTERS).is_dir() {
        Fleet::read(dir, ReadPlan::Whole)
            .map(|fleet| fleet.cluster_names())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    for cluster in clusters {
        if !all.contains(cluster) {
            all.push(cluster.clone());
        }
    }
    all
}

/// The repository's name for the bootstrap commands: the directory's name.
pub(crate) fn repository_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "fleet".to_string())
}

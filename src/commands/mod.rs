//! One file per subcommand: its clap arguments and a `run` that turns them into plain options
//! and calls the core.

use clap::Subcommand;

use crate::error::Result;
use context::Context;

pub mod add_app;
pub mod add_cluster;
pub mod add_controller;
pub mod add_ns;
pub mod add_overlay;
pub mod add_policy;
pub mod check;
pub mod completions;
pub mod context;
pub mod demote;
pub mod diff;
pub mod init;
pub mod make_common;
pub mod man;
pub mod mode;
pub mod promote;
pub mod status;
pub mod where_;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the layout for a set of clusters; `git init` if DIR is not a repository.
    Init(init::InitArgs),
    /// Add a cluster entrypoint, optionally copying another cluster's lists.
    AddCluster(add_cluster::AddClusterArgs),
    /// Add an app base from templates, referenced by the named clusters.
    AddApp(add_app::AddAppArgs),
    /// Add a namespace in its own directory or in a namespace set.
    AddNs(add_ns::AddNsArgs),
    /// Add (or update) a cluster's overlay of an app or namespace and reference it instead of
    /// the base.
    AddOverlay(add_overlay::AddOverlayArgs),
    /// Add a controller (HelmRepository and HelmRelease) referenced by the named clusters.
    AddController(add_controller::AddControllerArgs),
    /// Add a Kyverno policy in Audit mode to a rollout stage; a new stage is imported by the
    /// named clusters.
    AddPolicy(add_policy::AddPolicyArgs),
    /// Reference an app, namespace or controller from more clusters; move a policy to another
    /// stage.
    Promote(promote::PromoteArgs),
    /// Remove an app's, namespace's or controller's references from clusters; the definition
    /// stays.
    ///
    /// A namespace that reaches a cluster through a set that also holds other namespaces cannot
    /// leave that cluster by an edit of its list alone: its manifest leaves the set for its own
    /// directory (a git rename), imported by the clusters that keep it, and the set with its
    /// other namespaces stays imported. The command says so when it does this.
    Demote(demote::DemoteArgs),
    /// Switch a policy to Enforce: violations are blocked.
    #[command(after_help = "Examples:
  fluxfleet enforce policy deny-latest-tag
  fluxfleet enforce require-pod-resources --dry-run")]
    Enforce(mode::ModeArgs),
    /// Switch a policy to Audit: violations are reported, not blocked.
    #[command(after_help = "Examples:
  fluxfleet audit policy deny-latest-tag
  fluxfleet audit require-signed-images --pr")]
    Audit(mode::ModeArgs),
    /// Move an app or namespace into the common set every cluster imports.
    MakeCommon(make_common::MakeCommonArgs),
    /// Show what runs where, and through which reference.
    Status(status::StatusArgs),
    /// Show every file:line that brings an app, namespace or controller into a cluster.
    Where(where_::WhereArgs),
    /// Check the layout's rules and that every reference resolves.
    Check(check::CheckArgs),
    /// Show the rendered change per affected cluster between a base and the working tree.
    Diff(diff::DiffArgs),
    /// Print a shell's completion script: bash, zsh, fish or powershell.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff): fluxfleet(1), or a command's own.
    Man(man::ManArgs),
}

impl Command {
    /// The flags of a command that changes the fleet; `None` for one that only reads.
    pub(crate) fn publish(&self) -> Option<&crate::cli::PublishArgs> {
        match self {
            Command::Init(args) => Some(&args.publish),
            Command::AddCluster(args) => Some(&args.publish),
            Command::AddApp(args) => Some(&args.publish),
            Command::AddNs(args) => Some(&args.publish),
            Command::AddOverlay(args) => Some(&args.publish),
            Command::AddController(args) => Some(&args.publish),
            Command::AddPolicy(args) => Some(&args.publish),
            Command::Enforce(args) | Command::Audit(args) => Some(&args.publish),
            Command::Promote(args) => Some(&args.publish),
            Command::Demote(args) => Some(&args.publish),
            Command::MakeCommon(args) => Some(&args.publish),
            Command::Status(_)
            | Command::Where(_)
            | Command::Check(_)
            | Command::Diff(_)
            | Command::Completions(_)
            | Command::Man(_) => None,
        }
    }
}

/// Runs one subcommand.
pub fn run(command: Command, ctx: &mut Context) -> Result<()> {
    if let Some(publish) = command.publish() {
        ctx.session.options.publish = publish.options();
    }
    if matches!(
        command,
        Command::Status(_) | Command::Where(_) | Command::Check(_)
    ) {
        warm_up_threads();
    }
    match command {
        Command::Init(args) => init::run(args, ctx),
        Command::AddCluster(args) => add_cluster::run(args, ctx),
        Command::AddApp(args) => add_app::run(args, ctx),
        Command::AddNs(args) => add_ns::run(args, ctx),
        Command::AddOverlay(args) => add_overlay::run(args, ctx),
        Command::AddController(args) => add_controller::run(args, ctx),
        Command::AddPolicy(args) => add_policy::run(args, ctx),
        Command::Promote(args) => promote::run(args, ctx),
        Command::Enforce(args) => mode::run(args, crate::fleet::Mode::Enforce, ctx),
        Command::Audit(args) => mode::run(args, crate::fleet::Mode::Audit, ctx),
        Command::Demote(args) => demote::run(args, ctx),
        Command::MakeCommon(args) => make_common::run(args, ctx),
        Command::Status(args) => status::run(args, ctx),
        Command::Where(args) => where_::run(args, ctx),
        Command::Check(args) => check::run(args, ctx),
        Command::Diff(args) => diff::run(args, ctx),
        Command::Completions(args) => completions::run(args, ctx),
        Command::Man(args) => man::run(args, ctx),
    }
}

/// Leaves `value` for the process's exit to free, all at once: a read-only command ends with
/// its output. A large fleet's snapshot is tens of thousands of small blocks, most of them
/// allocated on the reading threads; dropping them one by one first made `status` 14% slower
/// on the dense benchmark fleet (39 → 45 ms), and `where` 8% (1.1 to 1.8 ms of about 18).
fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Starts the threads that read a fleet while this one still finds the repository: a thread's
/// first allocation takes fresh memory the kernel must clear, a millisecond or two in all
/// that would otherwise delay the read. Measured on the dense benchmark fleet together with
/// `paths::as_slash` (bench/RESULTS.md, #14): without both, `status` took 10–14% longer.
fn warm_up_threads() {
    rayon::spawn_broadcast(|_| drop(std::hint::black_box(Box::new(0_u64))));
}

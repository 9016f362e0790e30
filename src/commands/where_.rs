//! `fluxfleet where [KIND] NAME`.

use std::io::IsTerminal;

use clap::Args;

use super::context::Context;
use crate::cli::SubjectArgs;
use crate::error::{Error, Result};
use crate::fleet::{lookup, Fleet, ReadPlan};
use crate::names;
use crate::report::where_;
use crate::session::Intent;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  fluxfleet where podinfo               # every kind the name is: app, namespace, ...
  fluxfleet where app podinfo           # the app only
  fluxfleet where ns foo                # the namespace: its set, and each cluster's import
  fluxfleet where kyverno --json        # for scripts")]
pub struct WhereArgs {
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// Print JSON: each kind the name is, its definition, and every reference with its cluster.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: WhereArgs, ctx: &mut Context) -> Result<()> {
    let name = &args.subject.name;
    if name.trim().is_empty() {
        return Err(Error::Usage(
            "where needs a NAME: an app, namespace, controller or policy".into(),
        ));
    }
    let kind = args
        .subject
        .kind
        .as_deref()
        .map(names::parse_kind)
        .transpose()?;
    let root = Fleet::locate(&ctx.session.start_dir()?);
    ctx.session.recover(&root, Intent::Read)?;
    let fleet = Fleet::read(&root, ReadPlan::About(name))?;
    ctx.session.tell_read(&fleet)?;
    let mut found = match lookup(&fleet, name) {
        Ok(found) => found,
        // The closest names need every app; reading them all is for this rare path only.
        Err(_) => lookup(&Fleet::read(&root, ReadPlan::Whole)?, name)?,
    };
    if let Some(kind) = kind {
        let is: Vec<&str> = found.found.iter().map(|(k, ..)| k.noun()).collect();
        found.found.retain(|(k, ..)| *k == kind);
        if found.found.is_empty() {
            return Err(Error::refused(format!(
                "{name} is not {} {}: it is {} {}; run `fluxfleet where {name}`",
                article(kind.noun()),
                kind.noun(),
                article(is[0]),
                is.join(" and ")
            )));
        }
    }
    let out = match args.json {
        true => where_::json(&found, std::io::stdout().is_terminal()),
        false => where_::render(&found),
    };
    let written = ctx.session.shell.data(&out);
    super::leave_to_exit(fleet);
    written
}

/// `a` or `an` before a kind's noun.
fn article(noun: &str) -> &'static str {
    match noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    }
}

//! What a command runs with: the session (run options, output, repository lock) and the
//! prompter that answers what the command line left out.
//!
//! Every prompt names the flag it stands for ("Container port (--port)"), so that the next run
//! can pass it; an answer the flag would refuse is refused with the same message and asked
//! again; a picker needs at least one cluster.

use crate::error::Result;
use crate::interactive::{missing_flag, Prompter};
use crate::session::Session;

/// A command's context.
pub struct Context<'a> {
    pub session: Session<'a>,
    pub prompter: &'a mut dyn Prompter,
}

impl<'a> Context<'a> {
    pub fn new(session: Session<'a>, prompter: &'a mut dyn Prompter) -> Self {
        Context { session, prompter }
    }

    /// Without a terminal (or with `--yes`), fails naming every flag of `given` (flag, whether
    /// the command line gave it) that was left out, at once, with the command's `usage`; on a
    /// terminal they are asked for one by one.
    pub fn require(&self, usage: &str, given: &[(&str, bool)]) -> Result<()> {
        if self.prompter.interactive() {
            return Ok(());
        }
        let missing: Vec<&str> = given
            .iter()
            .filter(|(_, given)| !given)
            .map(|(flag, _)| *flag)
            .collect();
        match missing.is_empty() {
            true => Ok(()),
            false => Err(missing_flag(&missing.join(", "), usage)),
        }
    }

    /// `given`, or else the answer to `prompt`, or else an error naming `flag`.
    pub fn value_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        default: Option<&str>,
    ) -> Result<String> {
        self.checked_or_ask(given, flag, prompt, default, |_| Ok(()))
    }

    /// `given`, or else the answer to `prompt`, or else an error naming `flag`; an answer that
    /// `check` refuses is refused with its message and asked again. (A given value is the
    /// caller's to check, before anything is read.)
    pub fn checked_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<()>,
    ) -> Result<String> {
        let label = labelled(prompt, flag);
        self.given_or_ask(given, flag, prompt, true, |p| loop {
            let answer = p.input(&label, default)?;
            match check(&answer) {
                Ok(()) => return Ok(answer),
                Err(e) => p.tell(&e.to_string()),
            }
        })
    }

    /// `given`, or else a multi-selection of at least one of `items` (joined with `,`), or
    /// else an error naming `flag`.
    pub fn list_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        items: &[String],
    ) -> Result<String> {
        let label = labelled(prompt, flag);
        self.given_or_ask(given, flag, prompt, !items.is_empty(), |p| loop {
            let picked = p.multi_select(&label, items, &vec![false; items.len()])?;
            let names: Vec<&str> = picked
                .iter()
                .filter_map(|&i| items.get(i).map(String::as_str))
                .collect();
            if !names.is_empty() {
                return Ok(names.join(","));
            }
            p.tell("pick at least one cluster: space ticks the one under the cursor");
        })
    }

    /// `given`, or else a selection among `items`, or else an error naming `flag`.
    pub fn choice_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        items: &[String],
    ) -> Result<String> {
        let label = labelled(prompt, flag);
        self.given_or_ask(given, flag, prompt, !items.is_empty(), |p| {
            let picked = p.select(&label, items, 0)?;
            Ok(items.get(picked).cloned().unwrap_or_default())
        })
    }

    /// True when `given` (the flag that says yes), or else the answer to a yes/no `prompt`;
    /// false without a terminal, for the caller to refuse naming the flag.
    pub fn confirm(&mut self, given: bool, prompt: &str) -> Result<bool> {
        if given {
            return Ok(true);
        }
        if !self.prompter.interactive() {
            return Ok(false);
        }
        let answers = ["no".to_string(), "yes".to_string()];
        Ok(self.prompter.select(prompt, &answers, 0)? == 1)
    }

    /// The one rule behind every prompt: a given value wins; otherwise ask when a terminal
    /// allows it and there is something to choose from; otherwise name the flag.
    fn given_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        answerable: bool,
        ask: impl FnOnce(&mut dyn Prompter) -> Result<String>,
    ) -> Result<String> {
        match given {
            Some(value) => Ok(value),
            None if answerable && self.prompter.interactive() => ask(&mut *self.prompter),
            None if self.prompter.interactive() => Err(crate::error::Error::Usage(format!(
                "missing {flag}: {prompt}: there is nothing to pick from"
            ))),
            None => Err(missing_flag(flag, prompt)),
        }
    }
}

/// A prompt as the terminal shows it: with the flag it stands for, first in the prompt's own
/// parenthesis when it ends with one ("Container port (--port)", "Container image (--image,
/// e.g. nginx:1.27)").
fn labelled(prompt: &str, flag: &str) -> String {
    match prompt.strip_suffix(')').and_then(|p| p.rsplit_once(" (")) {
        Some((text, inside)) => format!("{text} ({flag}, {inside})"),
        None => format!("{prompt} ({flag})"),
    }
}

//! What a command runs with: the session (run options, output, repository lock) and the
//! prompter that answers what the command line left out.

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

    /// `given`, or else the answer to `prompt`, or else an error naming `flag`.
    pub fn value_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        default: Option<&str>,
    ) -> Result<String> {
        self.given_or_ask(given, flag, prompt, true, |p| p.input(prompt, default))
    }

    /// `given`, or else a multi-selection among `items` (joined with `,`), or else an error
    /// naming `flag`.
    pub fn list_or_ask(
        &mut self,
        given: Option<String>,
        flag: &str,
        prompt: &str,
        items: &[String],
    ) -> Result<String> {
        self.given_or_ask(given, flag, prompt, !items.is_empty(), |p| {
            let picked = p.multi_select(prompt, items, &vec![false; items.len()])?;
            let names: Vec<&str> = picked
                .iter()
                .filter_map(|&i| items.get(i).map(String::as_str))
                .collect();
            Ok(names.join(","))
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
        self.given_or_ask(given, flag, prompt, !items.is_empty(), |p| {
            let picked = p.select(prompt, items, 0)?;
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
            None => Err(missing_flag(flag, prompt)),
        }
    }
}

//! Every prompt fluxfleet asks, in one place. Each prompt has a flag; with `--yes` or without a
//! terminal nothing is asked and a missing value fails naming the flag. Esc cancels any prompt
//! (exit 1, nothing written).

use std::io::{self, IsTerminal};

use console::{measure_text_width, Key, Term};

use crate::error::{Error, Result};

/// Asks the user for values the command line left out.
pub trait Prompter {
    /// False when nothing may be asked (`--yes`, no terminal): callers fail naming the flag.
    fn interactive(&self) -> bool {
        true
    }
    /// A line of text, with an optional default.
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String>;
    /// One of `items`; returns its index.
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    /// Any of `items`; returns their indices.
    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>>;
    /// Says why an answer was not taken, before the prompt is asked again.
    fn tell(&mut self, _message: &str) {}
}

/// The prompter for this session: dialoguer on a terminal, none with `--yes` or without one.
pub fn for_session(yes: bool) -> Box<dyn Prompter> {
    if !yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        Box::new(Terminal)
    } else {
        Box::new(NoPrompts)
    }
}

/// The error for a value that was neither given nor asked for.
pub fn missing_flag(flag: &str, what: &str) -> Error {
    Error::Usage(format!(
        "missing {flag}: {what} (nothing is asked with --yes or without a terminal)"
    ))
}

/// What a picker on the terminal says about its keys.
const SELECT_KEYS: &str = "[arrows to move, enter to accept, esc to cancel]";
const MULTI_SELECT_KEYS: &str = "[space to toggle, enter to accept, esc to cancel]";

/// Never prompts: every question fails with [`Error::Usage`] naming the flag to pass.
pub struct NoPrompts;

impl Prompter for NoPrompts {
    fn interactive(&self) -> bool {
        false
    }
    fn input(&mut self, prompt: &str, _default: Option<&str>) -> Result<String> {
        Err(Error::Usage(format!("cannot ask {prompt:?}: no terminal")))
    }
    fn select(&mut self, prompt: &str, _items: &[String], _default: usize) -> Result<usize> {
        Err(Error::Usage(format!("cannot ask {prompt:?}: no terminal")))
    }
    fn multi_select(&mut self, prompt: &str, _: &[String], _: &[bool]) -> Result<Vec<usize>> {
        Err(Error::Usage(format!("cannot ask {prompt:?}: no terminal")))
    }
}

/// Prompts on the terminal: dialoguer's pickers, and [`read_line`] for text.
pub struct Terminal;

fn prompt_error(e: dialoguer::Error) -> Error {
    Error::refused(format!("prompt failed: {e}"))
}

/// A prompt's answer: Esc (or `q` in a picker) cancels the command.
fn picked<T>(answer: std::result::Result<Option<T>, dialoguer::Error>) -> Result<T> {
    answer.map_err(prompt_error)?.ok_or(Error::Cancelled)
}

impl Prompter for Terminal {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String> {
        picked(read_line(&Term::stderr(), prompt, default).map_err(dialoguer::Error::from))
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        picked(
            dialoguer::Select::new()
                .with_prompt(format!("{prompt} {SELECT_KEYS}"))
                .items(items)
                .default(default)
                .interact_opt(),
        )
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        checked: &[bool],
    ) -> Result<Vec<usize>> {
        picked(
            dialoguer::MultiSelect::new()
                .with_prompt(format!("{prompt} {MULTI_SELECT_KEYS}"))
                .items(items)
                .defaults(checked)
                .interact_opt(),
        )
    }

    fn tell(&mut self, message: &str) {
        let _ = Term::stderr().write_line(&format!("! {message}"));
    }
}

/// A line typed after `prompt`, shown and reported as dialoguer's text prompt does (an empty
/// line takes `default`, or asks again without one), except that Esc cancels: dialoguer's
/// `Input` ignores Esc (console-rs/dialoguer#160). Typing and Backspace edit the line; `None`
/// on Esc, with the prompt cleared as a picker clears itself.
fn read_line(term: &Term, prompt: &str, default: Option<&str>) -> io::Result<Option<String>> {
    if !term.is_term() {
        return Err(io::Error::new(
            io::ErrorKind::NotConnected,
            "not a terminal",
        ));
    }
    let asked = match default {
        Some(default) => format!("{prompt} [{default}]: "),
        None => format!("{prompt}: "),
    };
    loop {
        term.write_str(&asked)?;
        let mut line = String::new();
        let key = loop {
            match term.read_key()? {
                Key::Char(c) if !c.is_control() => {
                    line.push(c);
                    term.write_str(c.encode_utf8(&mut [0; 4]))?;
                }
                Key::Backspace => {
                    if let Some(c) = line.pop() {
                        term.clear_chars(measure_text_width(c.encode_utf8(&mut [0; 4])))?;
                    }
                }
                key @ (Key::Enter | Key::Escape) => break key,
                _ => {}
            }
        };
        // The prompt and the line may have wrapped: clear every row they took.
        let written = measure_text_width(&asked) + measure_text_width(&line);
        let columns = usize::from(term.size().1).max(1);
        term.clear_line()?;
        term.clear_last_lines(written.saturating_sub(1) / columns)?;
        let answer = match (key, default) {
            (Key::Escape, _) => return Ok(None),
            _ if !line.is_empty() => line,
            (_, Some(default)) => default.to_string(),
            (_, None) => continue,
        };
        term.write_line(&format!("{prompt}: {answer}"))?;
        return Ok(Some(answer));
    }
}

/// Answers prompts from a script, for tests of the interactive path.
#[derive(Debug, Default)]
pub struct Scripted {
    answers: std::collections::VecDeque<String>,
    /// The prompts asked so far, in order.
    pub asked: Vec<String>,
    /// What the prompter was told about refused answers, in order.
    pub told: Vec<String>,
}

impl Scripted {
    /// Answers in order; a selection is answered by the item's text, a multi-selection by
    /// comma-separated item texts; [`Scripted::ESC`] cancels any prompt.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(answers: I) -> Self {
        Scripted {
            answers: answers.into_iter().map(Into::into).collect(),
            asked: Vec::new(),
            told: Vec::new(),
        }
    }

    /// The answer that presses Esc.
    pub const ESC: &'static str = "<esc>";

    fn next(&mut self, prompt: &str) -> Result<String> {
        self.asked.push(prompt.to_string());
        self.answers
            .pop_front()
            .ok_or_else(|| Error::Usage(format!("no scripted answer for {prompt:?}")))
    }
}

impl Prompter for Scripted {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String> {
        let answer = self.next(prompt)?;
        if answer == Self::ESC {
            return Err(Error::Cancelled);
        }
        Ok(match (answer.is_empty(), default) {
            (true, Some(default)) => default.to_string(),
            _ => answer,
        })
    }

    fn select(&mut self, prompt: &str, items: &[String], _default: usize) -> Result<usize> {
        let answer = self.next(prompt)?;
        if answer == Self::ESC {
            return Err(Error::Cancelled);
        }
        items
            .iter()
            .position(|i| *i == answer)
            .ok_or_else(|| Error::Usage(format!("{answer:?} is not one of {items:?}")))
    }

    fn multi_select(&mut self, prompt: &str, items: &[String], _: &[bool]) -> Result<Vec<usize>> {
        let answer = self.next(prompt)?;
        if answer == Self::ESC {
            return Err(Error::Cancelled);
        }
        answer
            .split(',')
            .filter(|a| !a.is_empty())
            .map(|a| {
                items
                    .iter()
                    .position(|i| i == a)
                    .ok_or_else(|| Error::Usage(format!("{a:?} is not one of {items:?}")))
            })
            .collect()
    }

    fn tell(&mut self, message: &str) {
        self.told.push(message.to_string());
    }
}

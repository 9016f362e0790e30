//! Files a change creates that git's ignore rules match: `git add` would refuse them without
//! `-f`, but a commit built from the ChangeSet holds them anyway, so the user is told.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{Index, Repository};

use crate::error::Result;
use crate::paths::to_slash;

/// One warning per ignore rule that matches files the change adds (paths not yet in the
/// index), naming the files and the rule.
pub fn ignored_warnings(
    repo: &Repository,
    index: &Index,
    touched: &[PathBuf],
) -> Result<Vec<String>> {
    let mut ignored = Vec::new();
    for path in touched {
        if index.get_path(path, 0).is_none() && repo.is_path_ignored(path)? {
            ignored.push(to_slash(path));
        }
    }
    if ignored.is_empty() {
        return Ok(Vec::new());
    }
    let rules = repo
        .workdir()
        .and_then(|root| matching_rules(root, &ignored))
        .unwrap_or_default();
    let mut by_rule: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in ignored {
        let rule = rules
            .get(&path)
            .cloned()
            .unwrap_or_else(|| "`git check-ignore -v PATH` names the rule".to_string());
        by_rule.entry(rule).or_default().push(path);
    }
    Ok(by_rule
        .into_iter()
        .map(|(rule, paths)| {
            let (subject, verb) = if paths.len() == 1 {
                ("it", "belongs")
            } else {
                ("they", "belong")
            };
            format!(
                "{} ignored by git ({rule}), but committed on the new branch all the same, as \
                 `git add -f` would: if {subject} {verb} in the repository, remove or narrow \
                 that rule; if not, delete the branch",
                describe(&paths)
            )
        })
        .collect())
}

fn describe(paths: &[String]) -> String {
    match paths {
        [one] => format!("{one} is"),
        many => format!("{} are", many.join(", ")),
    }
}

/// The rule git reports for each path (`git check-ignore -v`: `file:line: pattern`), or `None`
/// when git cannot be run.
fn matching_rules(root: &Path, paths: &[String]) -> Option<BTreeMap<String, String>> {
    let mut child = Command::new("git")
        .current_dir(root)
        .args(["check-ignore", "-v", "-z", "--stdin", "--no-index"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut input = Vec::new();
    for path in paths {
        input.extend_from_slice(path.as_bytes());
        input.push(0);
    }
    let mut stdin = child.stdin.take()?;
    // Written from another thread, so that git's answers cannot fill the pipe while it waits
    // for the rest of the question.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().ok()?;
    let _ = writer.join();
    let text = String::from_utf8_lossy(&output.stdout);
    // Source, line number, pattern and path, each ended by a NUL; a negated pattern (`!...`)
    // re-includes a path, so it is not the rule that ignores it.
    let fields: Vec<&str> = text.split('\0').collect();
    let rules = fields
        .chunks_exact(4)
        .filter(|f| !f[2].starts_with('!'))
        .map(|f| (f[3].to_string(), format!("{}:{}: `{}`", f[0], f[1], f[2])))
        .collect();
    Some(rules)
}

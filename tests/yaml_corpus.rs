//! Edits every kustomization of the shared corpus of real fleet repositories: adding an entry
//! inserts exactly one line (or changes only the flow list's line), removing it again gives back
//! the original bytes, and removing each existing entry touches nothing but that entry.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use fluxfleet::paths::normalize;
use fluxfleet::yaml::Kustomization;

const PROBE: &str = "../fluxfleet-corpus-probe/base";

fn kustomizations(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            kustomizations(&path, out);
        } else if matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
        ) {
            out.push(path);
        }
    }
}

/// Whether `resources` is written as a flow list (`resources: [...]`).
fn is_flow(text: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix("resources:")
            .is_some_and(|rest| rest.trim_start().starts_with('['))
    })
}

/// Checks one file; `Ok(false)` when it has no `resources` entries to exercise.
fn exercise(path: &Path) -> Result<bool, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let original = Kustomization::from_bytes(path, &bytes).map_err(|e| e.to_string())?;
    let text = original.text().to_string();
    let entries = original.entries("resources");
    if entries.is_empty() {
        return Ok(false);
    }
    let values: Vec<String> = entries.iter().map(|e| e.value.clone()).collect();
    let old: Vec<&str> = text.lines().collect();
    let flow = is_flow(&text);

    let mut k = original.clone();
    if !k.add("resources", PROBE).map_err(|e| e.to_string())? {
        return Err("add reported the probe as present".into());
    }
    let new: Vec<&str> = k.text().lines().collect();
    let changed_ok = if flow {
        new.len() == old.len() && old.iter().zip(&new).filter(|(a, b)| a != b).count() == 1
    } else {
        new.len() == old.len() + 1
            && (0..new.len()).any(|i| {
                let mut without = new.clone();
                without.remove(i);
                without == old
            })
    };
    if !changed_ok {
        return Err(format!("adding changed more than one line:\n{}", k.text()));
    }
    let mut want = values.clone();
    want.push(PROBE.to_string());
    let got: Vec<String> = k
        .entries("resources")
        .into_iter()
        .map(|e| e.value)
        .collect();
    if got != want {
        return Err(format!("after adding, the list is {got:?}"));
    }
    k.remove("resources", PROBE).map_err(|e| e.to_string())?;
    if k.text().as_bytes() != bytes.as_slice() {
        return Err(format!("add then remove differs:\n{}", k.text()));
    }

    for entry in &entries {
        let mut k = original.clone();
        k.remove("resources", &entry.value)
            .map_err(|e| format!("removing {}: {e}", entry.value))?;
        let gone = normalize(&entry.value);
        let want: Vec<&String> = values.iter().filter(|v| normalize(v) != gone).collect();
        let got: Vec<String> = k
            .entries("resources")
            .into_iter()
            .map(|e| e.value)
            .collect();
        if got.iter().collect::<Vec<_>>() != want {
            return Err(format!(
                "after removing {}, the list is {got:?}",
                entry.value
            ));
        }
        let new: Vec<&str> = k.text().lines().collect();
        let removed_lines: Vec<usize> = entries
            .iter()
            .filter(|e| normalize(&e.value) == gone)
            .map(|e| e.line)
            .collect();
        let untouched = if flow {
            new.len() == old.len()
                && old
                    .iter()
                    .zip(&new)
                    .enumerate()
                    .all(|(i, (a, b))| a == b || removed_lines.contains(&(i + 1)))
        } else {
            let kept: Vec<&str> = old
                .iter()
                .enumerate()
                .filter(|(i, _)| !removed_lines.contains(&(i + 1)))
                .map(|(_, l)| *l)
                .collect();
            // Emptying the list turns `resources:` into `resources: []`; nothing else changes.
            kept.len() == new.len()
                && kept
                    .iter()
                    .zip(&new)
                    .all(|(a, b)| a == b || (want.is_empty() && b.starts_with("resources: []")))
        };
        if !untouched {
            return Err(format!(
                "removing {} touched other lines:\n{}",
                entry.value,
                k.text()
            ));
        }
    }
    Ok(true)
}

#[test]
fn corpus_edits_change_only_what_they_must() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let mut files = Vec::new();
    kustomizations(&dir, &mut files);
    files.sort();
    let mut exercised = 0;
    let mut failures = Vec::new();
    for file in &files {
        match exercise(file) {
            Ok(true) => exercised += 1,
            Ok(false) => {}
            Err(why) => failures.push(format!("{}: {why}", file.display())),
        }
    }
    eprintln!(
        "corpus: {exercised} kustomization files with a resources list exercised, of {}",
        files.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
    assert!(exercised > 150, "only {exercised} corpus files exercised");
}

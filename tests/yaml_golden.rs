//! Golden cases for the YAML editor: each `tests/cases/yaml/<case>/` holds `in.yaml`, an `op`
//! line, and either `out.yaml` (the exact expected bytes) or `error.txt` (the whole expected
//! error, `path:line:col: message`; `SNAPSHOTS=overwrite` rewrites it).
//!
//! Ops: `add KEY REF`, `remove KEY REF`, `replace KEY OLD NEW`, `set DOTTED.PATH VALUE`, each
//! optionally prefixed by `error`.

use std::fs;
use std::path::{Path, PathBuf};

use fluxfleet::yaml::{set_scalar, Kustomization, YamlError};
use snapbox::{Assert, Data};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/yaml")
}

/// Runs one op on `input`; `Ok((text, changed))` or the error.
fn run(op: &[&str], input: &[u8]) -> Result<(Vec<u8>, Option<bool>), YamlError> {
    if let ["set", path, value] = op {
        let text = String::from_utf8_lossy(input);
        let path: Vec<&str> = path.split('.').collect();
        let out = set_scalar(Path::new("in.yaml"), &text, &path, value)?;
        return Ok((out.into_bytes(), None));
    }
    let mut k = Kustomization::from_bytes("in.yaml", input)?;
    let changed = match op {
        ["add", key, reference] => k.add(key, reference)?,
        ["remove", key, reference] => k.remove(key, reference)?,
        ["replace", key, old, new] => k.replace(key, old, new)?,
        ["parse"] => false,
        _ => panic!("unknown op {op:?}"),
    };
    Ok((k.text().as_bytes().to_vec(), Some(changed)))
}

fn check(case: &Path) -> Result<(), String> {
    let input = fs::read(case.join("in.yaml")).map_err(|e| format!("in.yaml: {e}"))?;
    let op = fs::read_to_string(case.join("op")).map_err(|e| format!("op: {e}"))?;
    let words: Vec<&str> = op.split_whitespace().collect();
    let (expect_error, op) = match words.split_first() {
        Some((&"error", rest)) => (true, rest),
        _ => (false, &words[..]),
    };
    let result = run(op, &input);
    if expect_error {
        return match result {
            Err(e) => {
                let want = Data::read_from(&case.join("error.txt"), None).raw();
                Assert::new()
                    .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
                    .try_eq(Some(&"error"), Data::text(format!("{e}\n")), want)
                    .map_err(|e| e.to_string())
            }
            Ok((out, _)) => Err(format!(
                "expected an error, got\n{}",
                String::from_utf8_lossy(&out)
            )),
        };
    }
    let (out, changed) = result.map_err(|e| format!("unexpected error: {e}"))?;
    let want = fs::read(case.join("out.yaml")).map_err(|e| format!("out.yaml: {e}"))?;
    if out != want {
        return Err(format!(
            "output differs\n--- expected\n{:?}\n--- got\n{:?}",
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(&out)
        ));
    }
    if let Some(changed) = changed {
        if changed != (want != input) && op.first() != Some(&"replace") {
            return Err(format!(
                "returned {changed} but the text changed: {}",
                want != input
            ));
        }
    }
    Ok(())
}

#[test]
fn golden_cases() {
    let mut cases: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("tests/cases/yaml exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case).err().map(|why| {
                format!(
                    "{}: {why}",
                    case.file_name().unwrap_or_default().to_string_lossy()
                )
            })
        })
        .collect();
    eprintln!("{} golden cases, {} failed", cases.len(), failures.len());
    assert!(cases.len() >= 40, "expected at least 40 golden cases");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

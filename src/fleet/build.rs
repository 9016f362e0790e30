//! `check --build`: render each cluster's entrypoint and lists with the kustomize on PATH, the
//! seed's "validate every cluster entrypoint" step.

use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;

use super::{Finding, Fleet};
use crate::paths::to_slash;

/// A kustomize renderer found on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renderer {
    program: PathBuf,
    /// The arguments before the directory: `kustomize` for kubectl, `build` for kustomize.
    verb: &'static str,
}

impl Renderer {
    /// `kustomize build` when `kustomize` is on PATH, else `kubectl kustomize`.
    pub fn find() -> Option<Renderer> {
        let path = std::env::var_os("PATH")?;
        for (name, verb) in [("kustomize", "build"), ("kubectl", "kustomize")] {
            if let Some(program) = std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
            {
                return Some(Renderer { program, verb });
            }
        }
        None
    }

    /// The command as a user would type it for `dir`.
    pub fn describe(&self, dir: &Path) -> String {
        let name = self
            .program
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        format!("{name} {} {}", self.verb, to_slash(dir))
    }

    /// Renders `dir` (relative to `root`); the error text when it fails.
    fn render(&self, root: &Path, dir: &Path) -> Result<(), String> {
        self.output(root, dir, false).map(drop)
    }

    /// Renders `dir` (relative to `root`) and returns the objects as kustomize prints them;
    /// the error text, with `root` taken out of its paths, when it fails. `anywhere` lets the
    /// kustomization load files outside its directory (a wrapper Flux would generate).
    pub fn output(&self, root: &Path, dir: &Path, anywhere: bool) -> Result<String, String> {
        let mut command = Command::new(&self.program);
        command.arg(self.verb);
        if anywhere {
            command.args(["--load-restrictor", "LoadRestrictionsNone"]);
        }
        let output = command
            .arg(root.join(dir))
            .current_dir(root)
            .output()
            .map_err(|e| format!("could not run: {e}"))?;
        if output.status.success() {
            return String::from_utf8(output.stdout)
                .map_err(|_| "the output is not UTF-8".to_string());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.lines().map(unlogged).collect::<Vec<_>>().join("\n");
        Err(message.trim().replace(&format!("{}/", root.display()), ""))
    }
}

/// kubectl's log line `E1129 07:14:12.646600  422 run.go:72] "command failed" err="..."` as
/// its message alone: the time and process id would make every report differ.
fn unlogged(line: &str) -> String {
    let bytes = line.as_bytes();
    let logged = bytes.len() > 5
        && matches!(bytes[0], b'E' | b'W' | b'I' | b'F')
        && bytes[1..5].iter().all(u8::is_ascii_digit);
    let Some((_, rest)) = line.split_once("] ").filter(|_| logged) else {
        return line.to_string();
    };
    match rest
        .strip_prefix("\"command failed\" err=\"")
        .and_then(|r| r.strip_suffix('"'))
    {
        Some(err) => err.replace("\\\"", "\""),
        None => rest.to_string(),
    }
}

/// Renders every cluster's entrypoint and its own lists; one error per failed build.
pub fn build(fleet: &Fleet, renderer: &Renderer) -> Vec<Finding> {
    let mut dirs: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    for cluster in fleet.clusters() {
        for list in cluster
            .lists()
            .filter(|l| !l.generated && cluster.owns(&l.path))
        {
            dirs.push((
                cluster.name.clone(),
                list.dir().to_path_buf(),
                list.path.clone(),
            ));
        }
    }
    dirs.par_iter()
        .filter_map(|(cluster, dir, file)| {
            let error = renderer.render(fleet.root(), dir).err()?;
            Some(Finding {
                rule: "build",
                ..Finding::error(
                    file,
                    0,
                    format!(
                        "cluster {cluster}: `{}` failed:\n{error}",
                        renderer.describe(dir)
                    ),
                    "fix the reported file, then run `fluxfleet check --build` again".to_string(),
                )
            })
        })
        .collect()
}

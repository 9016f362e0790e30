//! References as kustomization lists write them, and repository-relative paths.
//!
//! A reference is resolved relative to the directory of the file that holds it. References are
//! compared after normalising (`./`, trailing `/`, `a/../b`), so that the same directory written
//! two ways is recognised as one.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// True for a reference kustomize fetches from elsewhere (a URL or a `github.com/...` path).
pub fn is_remote(reference: &str) -> bool {
    // Most references hold neither `:` nor `?`: one pass over the bytes spares two substring
    // searches (this runs for every list entry of a fleet).
    let marked = memchr::memchr2(b':', b'?', reference.as_bytes()).is_some();
    (marked && (reference.contains("://") || reference.contains("?ref=")))
        || reference.starts_with("github.com/")
        || reference.starts_with("git@")
}

/// `path.starts_with(dir)` for the normalised relative paths the fleet reader makes (joined
/// with `/`, no `.` or empty segment, no trailing `/`), compared as bytes rather than component
/// by component: it runs for every entry of every list a cluster's walk meets.
pub fn is_within(path: &Path, dir: &Path) -> bool {
    let (path, dir) = (
        path.as_os_str().as_encoded_bytes(),
        dir.as_os_str().as_encoded_bytes(),
    );
    path.starts_with(dir) && (dir.is_empty() || path.len() == dir.len() || path[dir.len()] == b'/')
}

/// Normalises a reference as written: drops `.` segments and a trailing `/`, folds `a/../b`
/// to `b`. Leading `..` segments are kept. Remote references are returned unchanged.
pub fn normalize(reference: &str) -> String {
    let reference = reference.trim();
    if is_remote(reference) {
        return reference.to_string();
    }
    let absolute = reference.starts_with('/');
    // The kept segments joined by `/`, built in place: this runs for every list entry of a
    // fleet, tens of thousands in a large one.
    let mut out = String::with_capacity(reference.len() + 1);
    for segment in reference.split('/') {
        match segment {
            "" | "." => {}
            ".." if !out.is_empty() && out.rsplit('/').next() != Some("..") => {
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
            }
            ".." if absolute => {}
            other => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(other);
            }
        }
    }
    match (absolute, out.is_empty()) {
        (true, _) => {
            out.insert(0, '/');
            out
        }
        (false, true) => ".".to_string(),
        (false, false) => out,
    }
}

/// Resolves `reference`, written in a file inside repository directory `dir`, to a
/// repository-relative path. `None` for remote references and for paths that leave the
/// repository.
pub fn resolve(dir: &Path, reference: &str) -> Option<PathBuf> {
    resolve_in(&to_slash(dir), reference)
}

/// [`resolve`] for a `dir` already written with `/` and normalised (as [`to_slash`] writes
/// it), so that a list's directory is converted once for all its entries.
pub fn resolve_in(dir: &str, reference: &str) -> Option<PathBuf> {
    match resolve_within(dir, reference) {
        Resolved::Outside => None,
        Resolved::Part(part) => Some(PathBuf::from(&reference[part])),
        Resolved::Path(path) => Some(path),
    }
}

/// Where a reference resolves ([`resolve_within`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Remote, or outside the repository.
    Outside,
    /// The part of the reference that spells the path: `apps/podinfo/base` of
    /// `../../../apps/podinfo/base` written in `clusters/dev/apps`.
    Part(Range<usize>),
    Path(PathBuf),
}

/// [`resolve_in`], without a copy when the path is part of what is written, as it is for the
/// entries of a cluster's list that go up to the repository's root: a large fleet has a hundred
/// thousand.
pub fn resolve_within(dir: &str, reference: &str) -> Resolved {
    let lead = reference.len() - reference.trim_start().len();
    let trimmed = reference.trim();
    if is_remote(trimmed) || trimmed.starts_with('/') {
        return Resolved::Outside;
    }
    match join_plain(dir, trimmed) {
        Some(Resolved::Part(part)) => Resolved::Part(lead + part.start..lead + part.end),
        Some(resolved) => resolved,
        None => join_normalized(dir, trimmed).map_or(Resolved::Outside, Resolved::Path),
    }
}

/// `reference` joined to `dir` when spelled the usual way, `../` segments then plain names:
/// directly, since this runs for every entry of every list of a fleet (without it, `where` took
/// about a quarter longer on the dense benchmark fleet). `None` when spelled otherwise.
fn join_plain(dir: &str, reference: &str) -> Option<Resolved> {
    let mut rest = reference;
    let mut ups = 0;
    while let Some(r) = rest.strip_prefix("../") {
        ups += 1;
        rest = r;
    }
    let start = reference.len() - rest.len();
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if !plain(rest) {
        return None;
    }
    let mut base = dir;
    for _ in 0..ups {
        if base.is_empty() {
            return Some(Resolved::Outside);
        }
        // A byte loop: `rfind`'s search costs more to start than these short names take.
        base = base
            .bytes()
            .rposition(|b| b == b'/')
            .map_or("", |i| &base[..i]);
    }
    if base.is_empty() {
        return Some(Resolved::Part(start..start + rest.len()));
    }
    let mut out = String::with_capacity(base.len() + 1 + rest.len());
    out.push_str(base);
    out.push('/');
    out.push_str(rest);
    Some(Resolved::Path(PathBuf::from(out)))
}

/// `reference` joined to `dir` and normalised; `None` when it leaves the repository.
fn join_normalized(dir: &str, reference: &str) -> Option<PathBuf> {
    let mut joined = String::with_capacity(dir.len() + 1 + reference.len());
    joined.push_str(dir);
    if !joined.is_empty() {
        joined.push('/');
    }
    joined.push_str(reference);
    let normal = normalize(&joined);
    if normal == ".." || normal.starts_with("../") {
        return None;
    }
    Some(if normal == "." {
        PathBuf::new()
    } else {
        PathBuf::from(normal)
    })
}

/// The reference a file in repository directory `from` writes to reach repository path `to`,
/// in the seed's style: `../../../apps/podinfo/base`, or `./name` for a child.
pub fn reference_between(from: &Path, to: &Path) -> String {
    let from: Vec<_> = normal_components(from);
    let to: Vec<_> = normal_components(to);
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = from.len() - common;
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), ups).collect();
    parts.extend(to[common..].iter().cloned());
    match (ups, parts.is_empty()) {
        (_, true) => ".".to_string(),
        (0, false) => format!("./{}", parts.join("/")),
        _ => parts.join("/"),
    }
}

/// True when `path` is made of plain names: no empty, `.` or `..` segment, not absolute.
pub fn plain(path: &str) -> bool {
    // One pass over the bytes: this runs for every entry of every list of a fleet.
    let bytes = path.as_bytes();
    let mut start = 0;
    for (end, &byte) in bytes.iter().enumerate() {
        if byte == b'/' {
            if matches!(&bytes[start..end], b"" | b"." | b"..") {
                return false;
            }
            start = end + 1;
        }
    }
    !matches!(&bytes[start..], b"" | b"." | b"..")
}

/// [`to_slash`], borrowed when the path is already written that way (every path the fleet
/// reader makes, on Unix): the matrix writes thousands. Kept on a measurement together with
/// the thread warm-up (`commands::warm_up_threads`).
pub fn as_slash(path: &Path) -> Cow<'_, str> {
    match path.to_str() {
        Some(text) if cfg!(unix) && plain(text) => Cow::Borrowed(text),
        _ => Cow::Owned(to_slash(path)),
    }
}

/// A repository-relative path written with `/`, as git and messages show it.
pub fn to_slash(path: &Path) -> String {
    let mut out = String::with_capacity(path.as_os_str().len());
    for component in path.components() {
        if let Component::Normal(s) = component {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(&s.to_string_lossy());
        }
    }
    out
}

fn normal_components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// A Flux path, from the source's root as Flux's SecureJoin reads it: leading `./` and `/`
/// dropped, `..` clamped at the root; `None` for a remote one.
pub fn from_source_root(written: &str) -> Option<PathBuf> {
    let written = written.trim();
    if is_remote(written) {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in written.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    Some(parts.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `normalize` as first written, with a vector of segments: the reference for the
    /// in-place version.
    fn normalize_by_segments(reference: &str) -> String {
        let reference = reference.trim();
        if is_remote(reference) {
            return reference.to_string();
        }
        let absolute = reference.starts_with('/');
        let mut parts: Vec<&str> = Vec::new();
        for segment in reference.split('/') {
            match segment {
                "" | "." => {}
                ".." if parts.last().is_some_and(|p| *p != "..") => {
                    parts.pop();
                }
                ".." if absolute => {}
                other => parts.push(other),
            }
        }
        let joined = parts.join("/");
        match (absolute, joined.is_empty()) {
            (true, _) => format!("/{joined}"),
            (false, true) => ".".to_string(),
            (false, false) => joined,
        }
    }

    proptest! {
        #[test]
        fn normalizes_in_place_like_by_segments(
            parts in prop::collection::vec(prop_oneof![
                Just(""), Just("."), Just(".."), Just("a"), Just("b.c"), Just(" x "), Just("..a")
            ], 0..8),
        ) {
            let reference = parts.join("/");
            prop_assert_eq!(normalize(&reference), normalize_by_segments(&reference));
            prop_assert_eq!(
                plain(&reference),
                reference.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
            );
            let path = Path::new(&reference);
            prop_assert_eq!(to_slash(path), normal_components(path).join("/"));
        }
    }

    proptest! {
        #[test]
        fn resolves_directly_like_by_normalizing(
            dir in prop::collection::vec(prop_oneof![Just("clusters"), Just("dev"), Just("a.b")], 0..4),
            parts in prop::collection::vec(prop_oneof![
                Just(""), Just("."), Just(".."), Just("apps"), Just("b.c"), Just(" x "), Just("..a")
            ], 0..7),
        ) {
            let dir = dir.join("/");
            let reference = parts.join("/");
            // As `resolve_in` hands it on: trimmed, relative.
            let reference = reference.trim();
            prop_assume!(!reference.starts_with('/'));
            if let Some(direct) = join_plain(&dir, reference) {
                let direct = match direct {
                    Resolved::Outside => None,
                    Resolved::Part(part) => Some(PathBuf::from(&reference[part])),
                    Resolved::Path(path) => Some(path),
                };
                prop_assert_eq!(
                    direct,
                    join_normalized(&dir, reference),
                    "{} in {}", reference, dir
                );
            }
            // As entries are written, spaces around included: the part is where the path is.
            let written = format!(" {reference} ");
            let within = match resolve_within(&dir, &written) {
                Resolved::Outside => None,
                Resolved::Part(part) => Some(PathBuf::from(&written[part])),
                Resolved::Path(path) => Some(path),
            };
            prop_assert_eq!(within, resolve_in(&dir, &written));
            let normalized = match is_remote(reference) {
                true => None,
                false => join_normalized(&dir, reference),
            };
            prop_assert_eq!(resolve_in(&dir, &written), normalized);
        }
    }

    proptest! {
        #[test]
        fn is_within_agrees_with_path_starts_with(
            path in prop::collection::vec(prop_oneof![Just("a"), Just("ab"), Just("b")], 0..4),
            dir in prop::collection::vec(prop_oneof![Just("a"), Just("ab"), Just("b")], 0..4),
        ) {
            let (path, dir) = (PathBuf::from(path.join("/")), PathBuf::from(dir.join("/")));
            prop_assert_eq!(is_within(&path, &dir), path.starts_with(&dir), "{:?} {:?}", path, dir);
        }
    }

    #[test]
    fn normalizes_spellings_of_one_directory() {
        for spelling in ["../x/base", "../x/base/", ".././x/./base", "../x/y/../base"] {
            assert_eq!(normalize(spelling), "../x/base", "{spelling}");
        }
        assert_eq!(normalize("./"), ".");
        assert_eq!(normalize("a/.."), ".");
        assert_eq!(normalize("../../a"), "../../a");
    }

    #[test]
    fn resolves_relative_to_the_holding_directory() {
        let dir = Path::new("clusters/dev/apps");
        assert_eq!(
            resolve(dir, "../../../apps/podinfo/overlays/dev"),
            Some(PathBuf::from("apps/podinfo/overlays/dev"))
        );
        assert_eq!(resolve(dir, "../../../../etc"), None);
        assert_eq!(resolve(dir, "github.com/org/repo//x?ref=v1"), None);
        assert_eq!(resolve(Path::new(""), "./x"), Some(PathBuf::from("x")));
        assert_eq!(
            resolve(Path::new("clusters/dev"), "./flux-system"),
            Some(PathBuf::from("clusters/dev/flux-system"))
        );
    }

    #[test]
    fn writes_references_in_the_seed_style() {
        assert_eq!(
            reference_between(
                Path::new("clusters/dev/apps"),
                Path::new("apps/podinfo/base")
            ),
            "../../../apps/podinfo/base"
        );
        assert_eq!(
            reference_between(Path::new("apps/common"), Path::new("apps/foo-app/base")),
            "../foo-app/base"
        );
        assert_eq!(
            reference_between(
                Path::new("clusters/dev"),
                Path::new("clusters/dev/flux-system")
            ),
            "./flux-system"
        );
    }
}

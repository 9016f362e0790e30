//! The rendered difference as text (a terminal), Markdown (a pull request comment, shortened to
//! fit) and JSON (a script).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{json as value, Value};

use super::{ObjectKey, RenderedDiff};

/// The most a pull request comment holds (GitHub's limit on a comment's body).
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Per affected cluster: counts, then `+`, `-` and `~` lines, the diff after each `~`.
pub fn text(diff: &RenderedDiff) -> String {
    let mut out = String::new();
    if diff.clusters.is_empty() {
        let _ = writeln!(
            out,
            "no cluster renders differently from {} ({:.7})",
            diff.base, diff.commit
        );
    }
    for change in &diff.clusters {
        let _ = writeln!(out, "{}: {}", change.cluster, change.counts());
        for key in &change.added {
            let _ = writeln!(out, "+ {key}");
        }
        for key in &change.removed {
            let _ = writeln!(out, "- {key}");
        }
        for object in &change.changed {
            let _ = writeln!(out, "~ {}", object.key);
            out.push_str(&object.diff);
        }
        out.push('\n');
    }
    if !diff.unchanged.is_empty() {
        let _ = writeln!(out, "unchanged: {}", diff.unchanged.join(", "));
    }
    out
}

/// `{"base", "commit", "clusters": {"<c>": {"added", "removed", "changed"}}, "unchanged"}`.
pub fn json(diff: &RenderedDiff) -> Value {
    let key = |k: &ObjectKey| value!({"group": k.group, "kind": k.kind, "namespace": k.namespace, "name": k.name});
    let clusters: serde_json::Map<String, Value> = diff
        .clusters
        .iter()
        .map(|change| {
            let changed: Vec<Value> = change
                .changed
                .iter()
                .map(|o| {
                    let mut v = key(&o.key);
                    v["diff"] = Value::String(o.diff.clone());
                    v
                })
                .collect();
            (
                change.cluster.clone(),
                value!({
                    "added": change.added.iter().map(key).collect::<Vec<_>>(),
                    "removed": change.removed.iter().map(key).collect::<Vec<_>>(),
                    "changed": changed,
                }),
            )
        })
        .collect();
    value!({
        "version": crate::report::JSON_VERSION,
        "base": diff.base,
        "commit": diff.commit.to_string(),
        "clusters": clusters,
        "unchanged": diff.unchanged,
        "rendered": diff.rendered,
    })
}

/// A summary table, then per cluster the objects added and removed and a collapsed section per
/// changed object with its diff; at most `limit` characters: the largest diffs are cut first,
/// with a note saying which.
pub fn markdown(diff: &RenderedDiff, limit: usize) -> String {
    let mut cut = BTreeSet::new();
    let mut out = markdown_with(diff, &cut, limit);
    if out.len() <= limit {
        return out;
    }
    let mut largest: Vec<(usize, usize, usize)> = diff
        .clusters
        .iter()
        .enumerate()
        .flat_map(|(c, change)| {
            change
                .changed
                .iter()
                .enumerate()
                .map(move |(o, object)| (object.diff.len(), c, o))
        })
        .collect();
    largest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut estimate = out.len();
    for (size, c, o) in largest {
        cut.insert((c, o));
        estimate = estimate.saturating_sub(size);
        if estimate + NOTE_ROOM <= limit {
            out = markdown_with(diff, &cut, limit);
            if out.len() <= limit {
                return out;
            }
            estimate = out.len();
        }
    }
    out = markdown_with(diff, &cut, limit);
    if out.len() <= limit {
        return out;
    }
    // Even without any diff it is too long (thousands of objects): the table stays whole.
    let note = "\n\n_The list of objects is cut here to fit a pull request comment; run \
                `fluxfleet diff` for all of it._\n";
    let mut end = limit.saturating_sub(note.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    let end = out[..end].rfind('\n').unwrap_or(end);
    out.truncate(end);
    out.push_str(note);
    out
}

/// The sentence that proves a move into the common set safe: the clusters that already had
/// the unit render as before (or what changes there), and the clusters that gain it.
pub fn proof(diff: &RenderedDiff, proof: &super::Proof) -> String {
    let subject = format!("`{}`", proof.subject);
    let mut out = String::from("**Proof:** ");
    let (same, other): (Vec<&String>, Vec<&String>) = proof
        .had
        .iter()
        .partition(|c| !diff.clusters.iter().any(|change| change.cluster == **c));
    if !same.is_empty() {
        let verb = match same.len() {
            1 => "renders",
            _ => "render",
        };
        let _ = write!(
            out,
            "{} already had {subject} and {verb} exactly as before. ",
            and_list(&same)
        );
    }
    for cluster in other {
        let Some(change) = diff.clusters.iter().find(|c| c.cluster == *cluster) else {
            continue;
        };
        let mut what: Vec<String> = Vec::new();
        what.extend(change.added.iter().map(|k| format!("`{k}` (added)")));
        what.extend(change.removed.iter().map(|k| format!("`{k}` (removed)")));
        what.extend(
            change
                .changed
                .iter()
                .map(|o| format!("`{}` (changed)", o.key)),
        );
        let _ = write!(
            out,
            "{cluster} already had {subject} and renders as before but for {}. ",
            and_list(&what)
        );
    }
    match proof.gain.len() {
        0 => out.push_str("No cluster gains it."),
        1 => {
            let _ = write!(out, "{} gains it.", proof.gain[0]);
        }
        _ => {
            let _ = write!(out, "{} gain it.", and_list(&proof.gain));
        }
    }
    out.push('\n');
    out
}

/// `a`, `a and b`, `a, b and c`.
fn and_list<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Room kept for the note about cut diffs, and the collapsed sections that still say "cut".
const NOTE_ROOM: usize = 2_048;

fn markdown_with(diff: &RenderedDiff, cut: &BTreeSet<(usize, usize)>, limit: usize) -> String {
    let mut out = String::new();
    if diff.clusters.is_empty() {
        let _ = writeln!(
            out,
            "No cluster renders differently from `{}` (`{:.7}`).",
            diff.base, diff.commit
        );
    } else {
        out.push_str("| cluster | added | removed | changed |\n|---|--:|--:|--:|\n");
        for change in &diff.clusters {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                change.cluster,
                change.added.len(),
                change.removed.len(),
                change.changed.len()
            );
        }
    }
    if !diff.unchanged.is_empty() {
        let _ = writeln!(out, "\nUnchanged: {}.", diff.unchanged.join(", "));
    }
    for (c, change) in diff.clusters.iter().enumerate() {
        let _ = writeln!(out, "\n#### {}\n", change.cluster);
        for (word, keys) in [("Added", &change.added), ("Removed", &change.removed)] {
            if !keys.is_empty() {
                let names: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
                let _ = writeln!(out, "{word}: {}.\n", names.join(", "));
            }
        }
        for (o, object) in change.changed.iter().enumerate() {
            let _ = writeln!(
                out,
                "<details><summary>Changed: <code>{}</code></summary>\n",
                object.key
            );
            if cut.contains(&(c, o)) {
                let _ = writeln!(
                    out,
                    "_Diff cut to fit a pull request comment ({} lines); run `fluxfleet diff` to \
                     see it._\n",
                    object.diff.lines().count()
                );
            } else {
                let fence = if object.diff.contains("```") {
                    "````"
                } else {
                    "```"
                };
                let _ = writeln!(out, "{fence}diff\n{}{fence}\n", object.diff);
            }
            out.push_str("</details>\n");
        }
    }
    if !cut.is_empty() {
        let mut names: Vec<String> = cut
            .iter()
            .take(20)
            .map(|(c, o)| {
                let change = &diff.clusters[*c];
                format!("`{}` in {}", change.changed[*o].key, change.cluster)
            })
            .collect();
        if cut.len() > 20 {
            names.push(format!("{} more", cut.len() - 20));
        }
        let _ = writeln!(
            out,
            "\n_{} diff(s) cut to fit {} characters, the largest first: {}._",
            cut.len(),
            thousands(limit),
            names.join(", ")
        );
    }
    // A list of added objects is followed by a blank line, and so is a cluster's heading:
    // one blank line between them. A diff has no empty line of its own (context lines start
    // with a space), so this changes no diff.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// `65,536`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use git2::Oid;

    use super::*;
    use crate::rendered::{ChangedObject, ClusterChange};

    fn key(name: &str) -> ObjectKey {
        ObjectKey {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "web".into(),
            name: name.into(),
        }
    }

    fn diff_of(lines: usize) -> String {
        let mut diff = String::from("--- a/x\n+++ b/x\n@@ -1 +1 @@\n");
        for i in 0..lines {
            diff.push_str(&format!("-  replicas: {i}\n+  replicas: {}\n", i + 1));
        }
        diff
    }

    fn sample() -> RenderedDiff {
        RenderedDiff {
            base: "main".into(),
            commit: Oid::ZERO_SHA1,
            clusters: vec![ClusterChange {
                cluster: "prod".into(),
                added: vec![key("new")],
                removed: vec![],
                changed: vec![
                    ChangedObject {
                        key: key("small"),
                        diff: diff_of(10),
                    },
                    ChangedObject {
                        key: key("huge"),
                        diff: diff_of(5_000),
                    },
                ],
            }],
            unchanged: vec!["dev".into()],
            rendered: vec!["prod".into(), "dev".into()],
        }
    }

    #[test]
    fn markdown_fits_by_cutting_the_largest_diff_first() {
        let whole = markdown(&sample(), usize::MAX);
        assert!(whole.len() > MARKDOWN_LIMIT);
        let cut = markdown(&sample(), MARKDOWN_LIMIT);
        assert!(cut.len() <= MARKDOWN_LIMIT, "{}", cut.len());
        assert!(cut.starts_with("| cluster | added | removed | changed |\n"));
        assert!(cut.contains("| prod | 1 | 0 | 2 |"));
        assert!(cut.contains("Added: `Deployment web/new`."));
        // The small diff stays; the huge one is replaced by a note, named at the end.
        assert!(cut.contains(&diff_of(10)));
        assert!(cut.contains("_Diff cut to fit a pull request comment (10003 lines)"));
        assert!(cut.ends_with(
            "_1 diff(s) cut to fit 65,536 characters, the largest first: `Deployment web/huge` \
             in prod._\n"
        ));
    }

    #[test]
    fn markdown_too_long_without_diffs_is_cut_at_a_line() {
        let cut = markdown(&sample(), 300);
        assert!(cut.len() <= 300, "{}", cut.len());
        assert!(cut.starts_with("| cluster |"));
        assert!(cut.ends_with("run `fluxfleet diff` for all of it._\n"));
    }

    #[test]
    fn text_lists_counts_then_objects() {
        let text = text(&sample());
        assert!(text.starts_with(
            "prod: 1 added, 0 removed, 2 changed\n+ Deployment web/new\n~ Deployment web/small\n"
        ));
        assert!(text.ends_with("unchanged: dev\n"));
    }
}

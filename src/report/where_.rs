//! What `where NAME` prints: for each kind the name is defined as, its definition, then every
//! cluster reference that brings it in and, through a set or the common list, that entry.

use std::fmt::Write as _;

use serde::Serialize;

use super::JSON_VERSION;
use crate::fleet::{Lookup, Through};
use crate::paths::to_slash;

/// One block per kind: the definition, then a line per cluster reference and, for a set, the
/// set's entry beneath it.
pub fn render(lookup: &Lookup) -> String {
    let mut out = String::new();
    for (kind, definition, by_cluster) in &lookup.found {
        let _ = writeln!(out, "{} {} ({definition})", kind.noun(), lookup.name);
        if by_cluster.is_empty() {
            let _ = writeln!(out, "  no cluster references it");
            continue;
        }
        let width = by_cluster.keys().map(String::len).max().unwrap_or(0);
        for (cluster, placements) in by_cluster {
            for p in placements {
                let _ = writeln!(
                    out,
                    "  {cluster:width$}  {}:{}  {}  ({})",
                    to_slash(&p.file),
                    p.line,
                    p.via,
                    p.through.describe()
                );
                for link in p.chain.iter().skip(1) {
                    let _ = writeln!(
                        out,
                        "  {:width$}    {}  {}",
                        "",
                        link.location(),
                        link.written()
                    );
                }
            }
        }
    }
    out
}

/// `where --json`: `{"version", "name", "found": [{"kind", "definition", "references": [...]}]}`,
/// each reference as a status cell with its cluster (`cluster`, `file`, `line`, `via`,
/// `through`, the overlay, set or stage it names, and a set's `entry`); indented when `pretty`.
pub fn json(lookup: &Lookup, pretty: bool) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        version: u32,
        name: &'a str,
        found: Vec<Found<'a>>,
    }
    #[derive(Serialize)]
    struct Found<'a> {
        kind: &'static str,
        definition: &'a str,
        references: Vec<Place<'a>>,
    }
    #[derive(Serialize)]
    struct Place<'a> {
        cluster: &'a str,
        file: String,
        line: usize,
        via: &'a str,
        through: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        overlay: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        set: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        stage: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        entry: Option<Entry<'a>>,
    }
    #[derive(Serialize)]
    struct Entry<'a> {
        file: String,
        line: usize,
        via: &'a str,
    }
    let found = lookup
        .found
        .iter()
        .map(|(kind, definition, by_cluster)| Found {
            kind: kind.noun(),
            definition,
            references: by_cluster
                .iter()
                .flat_map(|(cluster, placements)| placements.iter().map(move |p| (cluster, p)))
                .map(|(cluster, p)| {
                    let (overlay, set, stage) = match &p.through {
                        Through::Overlay(name) => (Some(name.as_str()), None, None),
                        Through::Set(name) => (None, Some(name.as_str()), None),
                        Through::Stage(name) => (None, None, Some(name.as_str())),
                        _ => (None, None, None),
                    };
                    Place {
                        cluster,
                        file: to_slash(&p.file),
                        line: p.line,
                        via: &p.via,
                        through: p.through.label(),
                        overlay,
                        set,
                        stage,
                        entry: p.chain.get(1).map(|entry| Entry {
                            file: to_slash(&entry.file),
                            line: entry.line,
                            via: entry.written(),
                        }),
                    }
                })
                .collect(),
        })
        .collect();
    let document = Document {
        version: JSON_VERSION,
        name: &lookup.name,
        found,
    };
    let text = match pretty {
        true => serde_json::to_string_pretty(&document),
        false => serde_json::to_string(&document),
    };
    // Strings and numbers only: serde_json cannot fail on them.
    let mut text = text.unwrap_or_default();
    text.push('\n');
    text
}

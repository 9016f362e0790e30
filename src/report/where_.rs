//! What `where NAME` prints: for each kind the name is defined as, its definition, then every
//! cluster reference that brings it in and, through a set or the common list, that entry.

use std::fmt::Write as _;

use crate::fleet::Lookup;
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
                        link.written
                    );
                }
            }
        }
    }
    out
}

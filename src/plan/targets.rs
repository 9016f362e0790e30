//! Naming things on the command line: clusters (`C,...` or `all`), apps and namespaces, with
//! the known names in every refusal.

use crate::error::{Error, Result};
use crate::names::{self, NameKind};

/// The clusters a `--to`/`--from`/`--clusters` value names: `all` is every known cluster.
pub fn clusters(spec: &str, known: &[String], flag: &str) -> Result<Vec<String>> {
    if spec.trim() == "all" {
        if known.is_empty() {
            return Err(Error::refused(
                "no clusters found under clusters/: run `fluxfleet init --clusters dev,test,prod`",
            ));
        }
        return Ok(known.to_vec());
    }
    let wanted = names::parse_list(NameKind::Cluster, spec).map_err(|e| in_flag(e, flag))?;
    for name in &wanted {
        if !known.contains(name) {
            return Err(unknown("cluster", name, known, &format!("in {flag}")));
        }
    }
    Ok(wanted)
}

/// Prefixes a refusal with the flag whose value it is about.
pub fn in_flag(error: Error, flag: &str) -> Error {
    match error {
        Error::Refused(message) => Error::Refused(format!("{flag}: {message}")),
        other => other,
    }
}

/// The refusal for a name that is not in `known`, with the closest known names.
pub fn unknown(kind: &str, name: &str, known: &[String], context: &str) -> Error {
    let close = closest(name, known);
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", close.join(" or "))
    };
    let known_list = if known.is_empty() {
        "none".to_string()
    } else {
        known.join(", ")
    };
    Error::refused(format!(
        "unknown {kind} {name:?} {context}{hint}\nknown {kind}s: {known_list}"
    ))
}

/// Up to three known names closest to `name`, best first.
pub fn closest(name: &str, known: &[String]) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, k)| k.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        ["dev", "test", "prod"].map(String::from).to_vec()
    }

    #[test]
    fn all_means_every_known_cluster() {
        assert_eq!(clusters("all", &known(), "--to").unwrap(), known());
    }

    #[test]
    fn unknown_clusters_are_refused_with_the_known_ones() {
        let message = clusters("dev,prd", &known(), "--to")
            .unwrap_err()
            .to_string();
        assert!(message.contains("unknown cluster \"prd\" in --to; did you mean prod?"));
        assert!(message.contains("known clusters: dev, test, prod"));
    }
}

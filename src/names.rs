//! Names on the command line: the label rule for apps, namespaces, sets and clusters; the
//! words for a kind; cluster lists (`C,...` or `all`); and the refusal of an unknown name, with
//! the closest known names ("did you mean").

use crate::error::{Error, Result};
use crate::fleet::Kind;

/// The rule, as every refusal states it.
pub const RULE: &str = "names are RFC 1123 labels: 1 to 63 characters, lowercase letters, \
                        digits and '-', starting and ending with a letter or digit";

/// Names that are directories of the layout and would clash with a definition of that name.
pub const RESERVED: &[&str] = &["base", "overlays", "common", "flux-system"];

/// What a name is for, so messages can say "cluster name" or "app name".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Cluster,
    App,
    Namespace,
    Set,
    Controller,
    Policy,
    Stage,
}

impl NameKind {
    fn noun(self) -> &'static str {
        match self {
            NameKind::Cluster => "cluster",
            NameKind::App => "app",
            NameKind::Namespace => "namespace",
            NameKind::Set => "namespace set",
            NameKind::Controller => "controller",
            NameKind::Policy => "policy",
            NameKind::Stage => "policy stage",
        }
    }
}

/// True when `name` is an RFC 1123 label.
pub fn is_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// Checks `name` as a `kind` name: an RFC 1123 label that does not clash with the layout.
pub fn check(kind: NameKind, name: &str) -> Result<()> {
    if !is_label(name) {
        return Err(Error::refused(format!(
            "invalid {} name {:?}: {RULE}",
            kind.noun(),
            name
        )));
    }
    // `common` is a namespace set by design; it is reserved only for the other kinds.
    let reserved = RESERVED.contains(&name) && !(kind == NameKind::Set && name == "common");
    if reserved {
        return Err(Error::refused(format!(
            "{} name {name:?} is reserved: {} are directories of the layout",
            kind.noun(),
            RESERVED.join(", ")
        )));
    }
    Ok(())
}

/// Checks a name given on the command line, before anything is read; a name left out is asked
/// for later and checked then.
pub fn check_given(kind: NameKind, name: Option<&str>) -> Result<()> {
    name.map_or(Ok(()), |name| check(kind, name))
}

/// Splits a comma-separated list of names, checking each and refusing duplicates and empties.
pub fn parse_list(kind: NameKind, list: &str) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for part in list.split(',') {
        let name = part.trim();
        if name.is_empty() {
            return Err(Error::refused(format!(
                "empty {} name in {list:?}: give a comma-separated list such as dev,test,prod",
                kind.noun()
            )));
        }
        check(kind, name)?;
        if names.iter().any(|n| n == name) {
            return Err(Error::refused(format!(
                "{} {name:?} is named twice in {list:?}",
                kind.noun()
            )));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// The kind a word on the command line names: `app`, `ns` or `namespace`, `controller` (and
/// their plurals).
pub fn kind(word: &str) -> Option<Kind> {
    match word {
        "app" | "apps" => Some(Kind::App),
        "ns" | "namespace" | "namespaces" => Some(Kind::Namespace),
        "controller" | "controllers" => Some(Kind::Controller),
        "policy" | "policies" => Some(Kind::Policy),
        _ => None,
    }
}

/// `app`, `ns` or `controller`, as a promotion command's first word.
pub fn parse_kind(word: &str) -> Result<Kind> {
    kind(word).ok_or_else(|| {
        Error::Usage(format!(
            "{word:?} is not a kind: write `app NAME`, `ns NAME`, `controller NAME` or `policy \
             NAME`"
        ))
    })
}

/// Splits `[app|ns|controller] NAME` and checks the name.
pub fn subject(words: &[String]) -> Result<(Option<Kind>, String)> {
    let (kind, name) = match words {
        [name] => (None, name),
        [kind, name] => (Some(parse_kind(kind)?), name),
        _ => return Err(Error::Usage("expected [app|ns|controller] NAME".into())),
    };
    let name_kind = match kind {
        Some(Kind::Namespace) => NameKind::Namespace,
        Some(Kind::Controller) => NameKind::Controller,
        Some(Kind::Policy) => NameKind::Policy,
        _ => NameKind::App,
    };
    check(name_kind, name)?;
    Ok((kind, name.clone()))
}

/// The clusters a `--to`/`--from`/`--clusters` value names, in the order of `known` (the
/// fleet's promotion order): `all` is every known cluster.
pub fn clusters(spec: &str, known: &[String], flag: &str) -> Result<Vec<String>> {
    if spec.trim() == "all" {
        if known.is_empty() {
            return Err(Error::refused(
                "no clusters found under clusters/: run `fluxfleet init --clusters dev,test,prod`",
            ));
        }
        return Ok(known.to_vec());
    }
    let mut wanted = parse_list(NameKind::Cluster, spec).map_err(|e| in_flag(e, flag))?;
    for name in &wanted {
        cluster(name, known, flag)?;
    }
    wanted.sort_by_key(|name| known.iter().position(|k| k == name));
    Ok(wanted)
}

/// Refuses a cluster `name`, given with `flag`, that is not among `known`.
pub fn cluster(name: &str, known: &[String], flag: &str) -> Result<()> {
    match known.iter().any(|k| k == name) {
        true => Ok(()),
        false => Err(unknown("cluster", name, known, &format!("in {flag}"))),
    }
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
    let kinds = match kind.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{kind}s"),
    };
    Error::refused(format!(
        "unknown {kind} {name:?} {context}{hint}\nknown {kinds}: {}",
        listed(known)
    ))
}

/// `a, b, c`, or `none` when empty.
pub fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Up to three known names closest to `name`, best first: "did you mean". Close means a few
/// edits away (a letter added, dropped, changed, or two swapped: `prd`, `tset`, `dve`), about
/// one for every three letters.
pub fn closest<'k>(name: &str, known: impl IntoIterator<Item = &'k String>) -> Vec<String> {
    let most = (name.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &String)> = known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|&(edits, _)| edits <= most)
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, k)| k.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for good in ["a", "dev", "team-x", "a1", "1a", &"a".repeat(63)] {
            assert!(is_label(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "A",
            "a_b",
            "a.b",
            "é",
            &"a".repeat(64),
            "a b",
        ] {
            assert!(!is_label(bad), "{bad}");
        }
    }

    #[test]
    fn reserved_names_are_refused_except_common_as_a_set() {
        assert!(check(NameKind::App, "base").is_err());
        assert!(check(NameKind::Cluster, "flux-system").is_err());
        assert!(check(NameKind::Set, "common").is_ok());
        assert!(check(NameKind::App, "common").is_err());
    }

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
        assert_eq!(
            message,
            "unknown cluster \"prd\" in --to; did you mean prod?\nknown clusters: dev, test, prod"
        );
    }

    #[test]
    fn close_names_are_a_few_edits_away() {
        let known = ["dev", "test", "prod", "podinfo", "foo-app"].map(String::from);
        assert_eq!(closest("prd", &known), ["prod"]);
        assert_eq!(closest("tset", &known), ["test"]);
        assert_eq!(closest("dve", &known), ["dev"]);
        assert_eq!(closest("fooapp", &known), ["foo-app"]);
        assert_eq!(closest("podinfa", &known), ["podinfo"]);
        assert!(closest("nope", &known).is_empty());
        assert!(closest("staging", &known).is_empty());
    }

    #[test]
    fn lists() {
        assert_eq!(
            parse_list(NameKind::Cluster, "dev, test,prod").unwrap(),
            ["dev", "test", "prod"]
        );
        assert!(parse_list(NameKind::Cluster, "dev,,prod").is_err());
        assert!(parse_list(NameKind::Cluster, "dev,dev").is_err());
        assert!(parse_list(NameKind::Cluster, "").is_err());
    }
}

//! Names of apps, namespaces and clusters: RFC 1123 labels, checked before anything else.

use crate::error::{Error, Result};

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
}

impl NameKind {
    fn noun(self) -> &'static str {
        match self {
            NameKind::Cluster => "cluster",
            NameKind::App => "app",
            NameKind::Namespace => "namespace",
            NameKind::Set => "namespace set",
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

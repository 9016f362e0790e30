//! User-provided values written into generated files: checked against the Kubernetes rules
//! they must follow, then written as YAML 1.1-safe scalars (see [`crate::yaml::quote_scalar`]).

use crate::error::{Error, Result};

/// Splits `KEY=VALUE` as given to `--label` or `--env`.
pub fn key_value(flag: &str, given: &str) -> Result<(String, String)> {
    match given.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(Error::Usage(format!(
            "{flag} {given:?}: expected KEY=VALUE, for example {flag} team=payments"
        ))),
    }
}

/// Every `--env KEY=VALUE` of a command line, split.
pub fn env_pairs(given: &[String]) -> Result<Vec<(String, String)>> {
    given.iter().map(|e| key_value("--env", e)).collect()
}

/// Checks a label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63
/// characters (alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric).
pub fn label_key(key: &str) -> Result<()> {
    qualified_name("label", key)
}

/// Checks an annotation key: the same rule as a label key.
pub fn annotation_key(key: &str) -> Result<()> {
    qualified_name("annotation", key)
}

/// Checks a Kubernetes qualified name, the key of a label or annotation (`what`).
fn qualified_name(what: &str, key: &str) -> Result<()> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        dns_subdomain(&format!("{what} key prefix"), prefix)?;
    }
    if !label_name(name) {
        return Err(Error::refused(format!(
            "invalid {what} key {key:?}: the name part must be 1 to 63 characters of letters, \
             digits, '-', '_' and '.', starting and ending with a letter or digit, after an \
             optional DNS prefix and '/' (e.g. platform.example.com/team)"
        )));
    }
    Ok(())
}

/// Checks a label value: empty, or like a label name.
pub fn label_value(key: &str, value: &str) -> Result<()> {
    if value.is_empty() || label_name(value) {
        return Ok(());
    }
    Err(Error::refused(format!(
        "invalid value {value:?} for label {key}: label values are at most 63 characters of \
         letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    )))
}

fn label_name(name: &str) -> bool {
    let edge = |c: char| c.is_ascii_alphanumeric();
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(edge)
        && name.ends_with(edge)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Checks a DNS subdomain such as the label domain `platform.example.com`.
pub fn dns_subdomain(what: &str, value: &str) -> Result<()> {
    let ok =
        !value.is_empty() && value.len() <= 253 && value.split('.').all(crate::names::is_label);
    if ok {
        return Ok(());
    }
    Err(Error::refused(format!(
        "invalid {what} {value:?}: expected a DNS subdomain such as platform.example.com \
         (lowercase labels of letters, digits and '-', joined by '.')"
    )))
}

/// Checks an environment variable name (what Kubernetes accepts: letters, digits, `_`, `-`,
/// `.`, not starting with a digit).
pub fn env_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if ok {
        return Ok(());
    }
    Err(Error::refused(format!(
        "invalid environment variable name {name:?}: letters, digits, '_', '-' and '.', not \
         starting with a digit"
    )))
}

/// The image reference grammar of docker/distribution (`reference.go`), as every refusal
/// states it.
pub const IMAGE_RULE: &str = "an image reference is [HOST[:PORT]/]NAME[:TAG][@DIGEST]: NAME is \
     lowercase path components separated by '/', each of letters and digits joined by '.', \
     '_', '__' or dashes; TAG is 1 to 128 letters, digits, '_', '.' and '-', not starting \
     with '.' or '-'; DIGEST is ALGORITHM:HEX with at least 32 hex digits (for example \
     ghcr.io/stefanprodan/podinfo:6.9.0)";

/// The most replicas Kubernetes stores: `spec.replicas` is an int32.
pub const MAX_REPLICAS: u32 = i32::MAX as u32;

/// Checks a `--replicas` value against Kubernetes' int32 (0 is refused by each command with
/// its own advice: absence is absence).
pub fn replicas(replicas: u32) -> Result<()> {
    if replicas <= MAX_REPLICAS {
        return Ok(());
    }
    Err(Error::refused(format!(
        "--replicas {replicas}: Kubernetes stores replicas as a 32-bit signed integer: give 1 \
         to {MAX_REPLICAS}"
    )))
}

/// Checks a container image reference against the grammar of docker/distribution, which
/// container runtimes and kustomize's `images:` apply: a reference outside it makes a
/// Deployment that never pulls.
pub fn image(image: &str) -> Result<()> {
    match image_problem(image) {
        None => Ok(()),
        Some(problem) => Err(Error::refused(format!(
            "invalid image {image:?}: {problem}; {IMAGE_RULE}"
        ))),
    }
}

/// Checks an image given on the command line, before anything is read; an image left out is
/// asked for later and checked then.
pub fn check_given_image(image: Option<&str>) -> Result<()> {
    image.map_or(Ok(()), self::image)
}

/// What is wrong with `image`, or `None` when it is a valid reference.
fn image_problem(image: &str) -> Option<String> {
    if image.is_empty() {
        return Some("the reference is empty".into());
    }
    if image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains whitespace or a control character".into());
    }
    let parsed = Image::parse(image);
    if let Some(digest) = &parsed.digest {
        if !is_digest(digest) {
            return Some(format!("the digest {digest:?} is not ALGORITHM:HEX"));
        }
    }
    match parsed.tag.as_deref() {
        Some("") => return Some("the tag is empty".into()),
        Some(tag) if tag.len() > 128 => {
            return Some(format!("the tag is {} characters long", tag.len()))
        }
        Some(tag) if !tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') => {
            return Some(format!(
                "the tag {tag:?} does not start with a letter, digit or '_'"
            ))
        }
        Some(tag)
            if !tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) =>
        {
            return Some(format!(
                "the tag {tag:?} holds a character other than letters, digits, '_', '.' and '-'"
            ))
        }
        _ => {}
    }
    name_problem(&parsed.name)
}

/// What is wrong with the name part (`[HOST[:PORT]/]PATH`) of an image reference.
fn name_problem(name: &str) -> Option<String> {
    if name.len() > 255 {
        return Some(format!(
            "the name is {} characters long, over 255",
            name.len()
        ));
    }
    let components: Vec<&str> = name.split('/').collect();
    if components.iter().any(|c| c.is_empty()) {
        return Some(format!("the name {name:?} has an empty path component"));
    }
    // The first component is a registry host when the rest is a path; otherwise it is part of
    // the path itself.
    let path = match components.split_first() {
        Some((host, rest)) if !rest.is_empty() && is_registry(host) => rest,
        _ => &components[..],
    };
    if let Some(bad) = path.iter().find(|c| !is_path_component(c)) {
        if bad.contains(':') && components.len() == path.len() {
            return Some(format!(
                "the name {name:?} holds a ':' that is neither a registry port nor a tag"
            ));
        }
        return Some(format!("{bad:?} is not a lowercase path component"));
    }
    None
}

/// `[a-z0-9]+` runs joined by one of `.`, `_`, `__` or dashes.
fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !(bytes.first().is_some_and(alnum) && bytes.last().is_some_and(alnum)) {
        return false;
    }
    bytes
        .split(alnum)
        .filter(|separator| !separator.is_empty())
        .all(|separator| {
            matches!(separator, b"." | b"_" | b"__") || separator.iter().all(|&b| b == b'-')
        })
}

/// `HOST[:PORT]`: a domain name (labels of letters, digits and inner dashes, joined by `.`) or
/// a bracketed IPv6 address, and an optional port number.
fn is_registry(registry: &str) -> bool {
    // The port follows the last ':' that is not inside an IPv6 address's brackets.
    let (host, port) = match registry.rfind(':') {
        Some(i) if !registry[i..].contains(']') => (&registry[..i], Some(&registry[i + 1..])),
        _ => (registry, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = match host.strip_prefix('[') {
        Some(rest) => rest.strip_suffix(']').is_some_and(|address| {
            !address.is_empty() && address.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
        }),
        None => host.split('.').all(is_domain_label),
    };
    port_ok && host_ok
}

/// Letters, digits and inner dashes.
fn is_domain_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// `ALGORITHM:HEX`: components `[A-Za-z][A-Za-z0-9]*` joined by `+`, `.`, `_` or `-`, and at
/// least 32 hex digits.
fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['+', '.', '_', '-']).all(|component| {
        component.starts_with(|c: char| c.is_ascii_alphabetic())
            && component.chars().all(|c| c.is_ascii_alphanumeric())
    });
    algorithm_ok && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// A container image reference split the way kustomize's `images:` field sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Registry and repository, without tag or digest.
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Image {
    /// Splits `NAME[:TAG][@DIGEST]`; a `:` before the last `/` is a registry port.
    pub fn parse(image: &str) -> Image {
        let (rest, digest) = match image.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (image, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        Image {
            name: name.to_string(),
            tag,
            digest,
        }
    }

    /// The last path segment of the name: `podinfo` for `ghcr.io/stefanprodan/podinfo:6.9.0`.
    pub fn short_name(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }
}

/// Checks a resource quantity such as `50m`, `64Mi` or `1`.
pub fn quantity(flag: &str, value: &str) -> Result<()> {
    const SUFFIXES: &[&str] = &[
        "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    ];
    let number_end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, suffix) = value.split_at(number_end);
    let number_ok = !number.is_empty()
        && number.matches('.').count() <= 1
        && !number.starts_with('.')
        && !number.ends_with('.');
    if number_ok && SUFFIXES.contains(&suffix) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{flag} {value:?}: expected a Kubernetes quantity such as 50m, 64Mi or 1"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_like_kustomize() {
        let image = Image::parse("ghcr.io/stefanprodan/podinfo:6.9.0");
        assert_eq!(image.name, "ghcr.io/stefanprodan/podinfo");
        assert_eq!(image.tag.as_deref(), Some("6.9.0"));
        assert_eq!(image.short_name(), "podinfo");
        let image = Image::parse("localhost:5000/app@sha256:abc");
        assert_eq!(image.name, "localhost:5000/app");
        assert_eq!(image.tag, None);
        assert_eq!(image.digest.as_deref(), Some("sha256:abc"));
        assert!(self::image("nginx:").is_err());
        assert!(self::image("a b").is_err());
        assert!(self::image("nginx").is_ok());
    }

    #[test]
    fn images_follow_the_reference_grammar() {
        let hex = "0123456789abcdef".repeat(4);
        for good in [
            "nginx".to_string(),
            "nginx:1.27".to_string(),
            "library/nginx:_x".to_string(),
            "a.b_c__d-e---f/g".to_string(),
            "localhost:5000/app".to_string(),
            "localhost:5000".to_string(),
            "Registry.Example.com:443/team/app:V1.2-rc_3".to_string(),
            "[::1]:5000/app".to_string(),
            "[fe80::1]/app".to_string(),
            format!("nginx@sha256:{hex}"),
            format!("ghcr.io/a/b:1@sha512+x.y:{hex}"),
            format!("nginx:{}", "t".repeat(128)),
        ] {
            assert!(image(&good).is_ok(), "{good}");
        }
        for bad in [
            "".to_string(),
            "a:b:c".to_string(),
            "x/".to_string(),
            "/x".to_string(),
            "a//b".to_string(),
            "Nginx".to_string(),
            "ghcr.io/Team/app".to_string(),
            "a..b".to_string(),
            "a___b".to_string(),
            "-a".to_string(),
            "a-".to_string(),
            "a.-b".to_string(),
            "host:port/app".to_string(),
            "[::1]x/app".to_string(),
            "[zz]/app".to_string(),
            "-bad.host/app".to_string(),
            "nginx:".to_string(),
            "nginx:-x".to_string(),
            "nginx:.x".to_string(),
            "nginx:a+b".to_string(),
            format!("nginx:{}", "t".repeat(129)),
            "nginx@".to_string(),
            "nginx@sha256:abc".to_string(),
            format!("nginx@sha256:{hex}g"),
            format!("nginx@1sha:{hex}"),
            format!("nginx@sha256{hex}"),
            format!("nginx@sha256:{hex}@sha256:{hex}"),
            "a b".to_string(),
            "a\tb".to_string(),
            format!("{}/x", "a".repeat(255)),
        ] {
            assert!(image(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn replicas_fit_kubernetes_int32() {
        assert!(replicas(1).is_ok());
        assert!(replicas(2_147_483_647).is_ok());
        assert!(replicas(2_147_483_648).is_err());
        assert!(replicas(u32::MAX).is_err());
    }

    #[test]
    fn labels_and_quantities() {
        assert!(label_key("platform.example.com/team").is_ok());
        assert!(label_key("Bad/x").is_err());
        assert!(label_key("-x").is_err());
        assert!(label_value("k", "").is_ok());
        assert!(label_value("k", "a b").is_err());
        assert!(quantity("--cpu-request", "50m").is_ok());
        assert!(quantity("--cpu-request", "1.5").is_ok());
        assert!(quantity("--memory-limit", "64MB").is_err());
        assert!(key_value("--env", "A=b=c").is_ok_and(|(k, v)| k == "A" && v == "b=c"));
        assert!(key_value("--env", "=x").is_err());
    }
}

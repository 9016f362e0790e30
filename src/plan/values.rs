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
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        dns_subdomain("label key prefix", prefix)?;
    }
    if !label_name(name) {
        return Err(Error::refused(format!(
            "invalid label key {key:?}: the name part must be 1 to 63 characters of letters, \
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

/// Checks a container image reference: no whitespace or control characters, not starting
/// with `-`, a name before any tag or digest.
pub fn image(image: &str) -> Result<()> {
    let parsed = Image::parse(image);
    let ok = !image.is_empty()
        && !image.starts_with(['-', '/', ':', '@'])
        && !image.chars().any(|c| c.is_whitespace() || c.is_control())
        && !parsed.name.is_empty()
        && parsed.tag.as_deref() != Some("")
        && parsed.digest.as_deref() != Some("");
    if ok {
        return Ok(());
    }
    Err(Error::refused(format!(
        "invalid image {image:?}: expected NAME[:TAG][@DIGEST], for example \
         ghcr.io/stefanprodan/podinfo:6.9.0"
    )))
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

//! What a controller's Helm chart is given as: the chart's name, the repository that serves it
//! and the version to install, checked before anything is written, so that Flux does not find
//! the mistake at reconcile time.

use crate::error::{Error, Result};

/// Where a chart comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoKind {
    /// A Helm repository served over HTTP(S) (an `index.yaml`).
    Http,
    /// An OCI registry: the HelmRepository needs `type: oci`.
    Oci,
}

/// Checks `--repo-url` and says what kind of repository it is.
pub fn repo_url(url: &str) -> Result<RepoKind> {
    let (kind, rest) = if let Some(rest) = url.strip_prefix("oci://") {
        (RepoKind::Oci, rest)
    } else if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    {
        (RepoKind::Http, rest)
    } else {
        return Err(bad_url(
            url,
            "it does not start with https://, http:// or oci://",
        ));
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(bad_url(url, "it names no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad_url(url, "it holds a space or a control character"));
    }
    Ok(kind)
}

fn bad_url(url: &str, problem: &str) -> Error {
    Error::refused(format!(
        "--repo-url {url:?}: {problem}; give the chart repository's URL, \
         https://HOST/PATH for a Helm repository (e.g. https://kyverno.github.io/kyverno/) or \
         oci://HOST/PATH for an OCI registry (e.g. oci://docker.io/envoyproxy)"
    ))
}

/// Checks `--chart`: the chart's name in its repository, not a path or a URL.
pub fn chart(chart: &str) -> Result<()> {
    let edge = |c: char| c.is_ascii_alphanumeric();
    let valid = chart.len() <= 253
        && chart.starts_with(edge)
        && chart.ends_with(edge)
        && chart
            .chars()
            .all(|c| edge(c) || matches!(c, '-' | '_' | '.'));
    if valid {
        return Ok(());
    }
    let hint = if chart.contains("://") || chart.contains('/') {
        "; the repository goes in --repo-url, the chart's own name here (for \
         oci://docker.io/envoyproxy/gateway-helm: --repo-url oci://docker.io/envoyproxy \
         --chart gateway-helm)"
    } else {
        ""
    };
    Err(Error::refused(format!(
        "--chart {chart:?}: a chart name is letters, digits, '-', '_' and '.', starting and \
         ending with a letter or digit{hint}"
    )))
}

/// Checks `--version`: a chart version or a semver range Flux resolves (`3.2.6`, `3.x`,
/// `>=1.0.0 <2.0.0`), never empty.
pub fn version(version: &str) -> Result<()> {
    if version.trim().is_empty() {
        return Err(Error::refused(format!(
            "--version {version:?}: give the chart version to install, such as 3.2.6, or a \
             semver range such as 3.x"
        )));
    }
    if version != version.trim() || version.chars().any(char::is_control) {
        return Err(Error::refused(format!(
            "--version {version:?}: a version has no leading or trailing space and no control \
             character"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls() {
        assert_eq!(
            repo_url("https://kyverno.github.io/kyverno/").unwrap(),
            RepoKind::Http
        );
        assert_eq!(repo_url("http://charts.local").unwrap(), RepoKind::Http);
        assert_eq!(
            repo_url("oci://docker.io/envoyproxy").unwrap(),
            RepoKind::Oci
        );
        for bad in [
            "",
            "kyverno.github.io/kyverno",
            "ftp://x",
            "https://",
            "oci:///x",
            "https://a b",
        ] {
            assert!(repo_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn charts() {
        for good in [
            "kyverno",
            "gateway-helm",
            "cert_manager",
            "a",
            "chart.v2",
            "Foo",
        ] {
            assert!(chart(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "oci://x/y", "repo/chart", "a b", "é"] {
            assert!(chart(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions() {
        for good in ["3.2.6", "v1.2.6", "3.x", ">=1.0.0 <2.0.0", "*"] {
            assert!(version(good).is_ok(), "{good}");
        }
        for bad in ["", " ", " 3.2.6", "3.2.6\n", "1\t2"] {
            assert!(version(bad).is_err(), "{bad:?}");
        }
    }
}

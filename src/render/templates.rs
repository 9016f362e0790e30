//! The template set: embedded defaults, overridden per repository.

use std::path::Path;

use tera::Tera;

use crate::error::{Error, Result};
use crate::fleet::root::{leaves, Root};
use crate::yaml::{check_generated, Expected, YamlError};

/// Where a repository keeps its own versions of the templates.
pub const OVERRIDE_DIR: &str = ".fluxfleet/templates";

/// The embedded templates, by name, with what each renders (`None`: not YAML). The name is
/// the path of the override file.
pub const EMBEDDED: &[(&str, &str, Option<Expected>)] = &[
    embed!("cluster/kustomization.yaml", Kustomization),
    embed!("cluster/infra.yaml", Manifest),
    embed!("cluster/apps.yaml", Manifest),
    embed!("cluster/policies.yaml", Manifest),
    embed!("cluster/infra/kustomization.yaml", Kustomization),
    embed!("cluster/policies/kustomization.yaml", Kustomization),
    embed!("cluster/apps/kustomization.yaml", Kustomization),
    embed!("cluster/flux-system/kustomization.yaml", Kustomization),
    embed!("cluster/flux-system/gotk-components.yaml", Manifest),
    embed!("cluster/flux-system/gotk-sync.yaml", Manifest),
    embed!("common/apps.yaml", Kustomization),
    embed!("common/namespaces.yaml", Kustomization),
    embed!("repo/fluxfleet.yaml", Yaml),
    embed!("repo/README.md"),
    embed!("repo/validate.yaml", Yaml),
    embed!("repo/validate.sh"),
    embed!("kustomization.yaml", Kustomization),
    embed!("app/deployment.yaml", Manifest),
    embed!("app/service.yaml", Manifest),
    embed!("app/kustomization.yaml", Kustomization),
    embed!("namespace/namespace.yaml", Manifest),
    embed!("namespace/overlay.yaml", Kustomization),
    embed!("namespace/patch.yaml", ListItem),
    embed!("overlay/kustomization.yaml", Kustomization),
    embed!("overlay/patch.yaml", ListItem),
    embed!("overlay/image.yaml", ListItem),
    embed!("controller/helmrepository.yaml", Manifest),
    embed!("controller/helmrelease.yaml", Manifest),
    embed!("controller/kustomization.yaml", Kustomization),
    embed!("policy/policy.yaml", Manifest),
];

macro_rules! embed {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)),
            None,
        )
    };
    ($name:literal, $expected:ident) => {
        (
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)),
            Some(Expected::$expected),
        )
    };
}
use embed;

/// The templates a command renders from.
pub struct Templates {
    tera: Tera,
    /// The names of the templates the repository overrides.
    overridden: Vec<&'static str>,
}

impl Templates {
    /// The embedded templates, each replaced by `<root>/.fluxfleet/templates/<name>` where that
    /// file exists.
    pub fn load(root: &Path) -> Result<Self> {
        let mut sources: Vec<(String, String)> = Vec::with_capacity(EMBEDDED.len());
        let mut overridden = Vec::new();
        // Read as the fleet is: from inside the repository only, regular files of a sane size.
        let files = Root::new(root);
        let mut bytes = Vec::new();
        for (name, text, _) in EMBEDDED {
            let custom = Path::new(OVERRIDE_DIR).join(name);
            let text = match files.read(&custom, &mut bytes) {
                Ok(_) => {
                    overridden.push(*name);
                    String::from_utf8(std::mem::take(&mut bytes))
                        .map_err(|_| Error::io(&custom, std::io::ErrorKind::InvalidData.into()))?
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !leaves(&e) => {
                    (*text).to_string()
                }
                Err(e) => return Err(Error::io(&custom, e)),
            };
            sources.push((name.to_string(), text));
        }
        let mut tera = Tera::default();
        tera.autoescape_on(Vec::new());
        tera.add_raw_templates(sources)
            .map_err(|e| template_error(&format!("under {OVERRIDE_DIR}/"), &e))?;
        Ok(Templates { tera, overridden })
    }

    /// Renders template `name` with `context`, and checks that the text is what the template
    /// is for (valid YAML, a Kubernetes manifest, a kustomization...), so that a repository's
    /// own template cannot make fluxfleet write a file that kustomize or Kubernetes refuses.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String> {
        let text = self
            .tera
            .render(name, context)
            .map_err(|e| template_error(&self.origin(name), &e))?;
        let expected = EMBEDDED
            .iter()
            .find(|(embedded, _, _)| *embedded == name)
            .and_then(|(_, _, expected)| *expected);
        if let Some(expected) = expected {
            check_generated(Path::new(name), &text, expected)
                .map_err(|e| self.unfit(name, expected, &e))?;
        }
        Ok(text)
    }

    /// Where template `name` comes from, for messages: the override file, or the binary.
    fn origin(&self, name: &str) -> String {
        if self.overridden.contains(&name) {
            format!("{OVERRIDE_DIR}/{name}")
        } else {
            format!("{name} (built in)")
        }
    }

    /// The refusal of a rendered text that is not what `name` must render.
    fn unfit(&self, name: &str, expected: Expected, error: &YamlError) -> Error {
        let (what, detail) = match error.message.strip_prefix("invalid YAML: ") {
            Some(detail) => ("invalid YAML", detail),
            None => (expected.invalid(), error.message.as_str()),
        };
        // Positions are those of the rendered text, which a loop or a condition makes differ
        // from the template's.
        let at = match (error.line, error.col) {
            (0, _) => String::new(),
            (line, 0) => format!(" (line {line} of the rendered text)"),
            (line, col) => format!(" (line {line}, column {col} of the rendered text)"),
        };
        let advice = if self.overridden.contains(&name) {
            format!(
                "fix the template so that it renders {}, or delete it to use the built-in one",
                expected.rule()
            )
        } else {
            "this is a bug in fluxfleet's built-in template: please report it".to_string()
        };
        Error::refused(format!(
            "template {} renders {what}{at}: {detail}{}\n{advice}",
            self.origin(name),
            error.excerpt()
        ))
    }
}

/// A tera error with its chain of causes, which hold the useful part of the message.
fn template_error(name: &str, error: &tera::Error) -> Error {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Template {
        name: name.to_string(),
        message,
    }
}

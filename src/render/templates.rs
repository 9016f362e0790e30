//! The template set: embedded defaults, overridden per repository.

use std::path::Path;

use tera::Tera;

use crate::error::{Error, IoContext, Result};

/// Where a repository keeps its own versions of the templates.
pub const OVERRIDE_DIR: &str = ".fluxfleet/templates";

/// The embedded templates, by name. The name is the path of the override file.
pub const EMBEDDED: &[(&str, &str)] = &[
    embed!("cluster/kustomization.yaml"),
    embed!("cluster/infra.yaml"),
    embed!("cluster/apps.yaml"),
    embed!("cluster/infra/kustomization.yaml"),
    embed!("cluster/apps/kustomization.yaml"),
    embed!("cluster/flux-system/kustomization.yaml"),
    embed!("cluster/flux-system/gotk-components.yaml"),
    embed!("cluster/flux-system/gotk-sync.yaml"),
    embed!("common/apps.yaml"),
    embed!("common/namespaces.yaml"),
    embed!("repo/README.md"),
    embed!("repo/validate.yaml"),
    embed!("kustomization.yaml"),
    embed!("app/deployment.yaml"),
    embed!("app/service.yaml"),
    embed!("app/kustomization.yaml"),
    embed!("namespace/namespace.yaml"),
    embed!("overlay/kustomization.yaml"),
    embed!("overlay/patch.yaml"),
    embed!("overlay/image.yaml"),
];

macro_rules! embed {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)),
        )
    };
}
use embed;

/// The templates a command renders from.
pub struct Templates {
    tera: Tera,
}

impl Templates {
    /// The embedded templates, each replaced by `<root>/.fluxfleet/templates/<name>` where that
    /// file exists.
    pub fn load(root: &Path) -> Result<Self> {
        let mut sources: Vec<(String, String)> = Vec::with_capacity(EMBEDDED.len());
        for (name, text) in EMBEDDED {
            let custom = root.join(OVERRIDE_DIR).join(name);
            let text = if custom.is_file() {
                std::fs::read_to_string(&custom).at(&custom)?
            } else {
                (*text).to_string()
            };
            sources.push((name.to_string(), text));
        }
        let mut tera = Tera::default();
        tera.autoescape_on(Vec::new());
        tera.add_raw_templates(sources)
            .map_err(|e| template_error("(loading)", &e))?;
        Ok(Templates { tera })
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(name, context)
            .map_err(|e| template_error(name, &e))
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
        name: format!("{OVERRIDE_DIR}/{name} (or the embedded default)"),
        message,
    }
}

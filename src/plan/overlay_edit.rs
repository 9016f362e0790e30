//! Updating an existing overlay kustomization in place: change the `replicas:` line inside the
//! Deployment patch, the `newTag` of an `images:` entry, or append a patch or image entry. Each
//! edit is a minimal splice of the text; the result is parsed again and compared, value for
//! value (patch strings parsed too), with what the edit meant to change. When the text does not
//! have the expected shape, the edit is refused and the file left as it was.

use std::path::Path;

use yaml_rust2::Yaml;

use crate::error::{Error, Result};
use crate::paths::to_slash;
use crate::yaml::{set_scalar, values};

/// An overlay kustomization being edited.
pub struct OverlayEdit<'a> {
    path: &'a Path,
    text: String,
}

impl<'a> OverlayEdit<'a> {
    /// Starts from the file's text; refuses text that is not one YAML mapping.
    pub fn new(path: &'a Path, text: &str) -> Result<Self> {
        let edit = OverlayEdit {
            path,
            text: text.to_string(),
        };
        edit.model()?;
        Ok(edit)
    }

    /// The edited text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Sets the replicas of Deployment `deployment`: in the one patch that sets them, in
    /// kustomize's `replicas:` field, or else in `new_patch` appended to `patches:`.
    pub fn set_replicas(&mut self, deployment: &str, replicas: u32, new_patch: &str) -> Result<()> {
        let model = self.model()?;
        // kustomize's own field: `replicas: [{name, count}]`.
        if let Some(entries) = model["replicas"].as_vec() {
            let found: Vec<usize> = entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e["name"].as_str() == Some(deployment))
                .map(|(i, _)| i)
                .collect();
            if let [index] = found[..] {
                let index = index.to_string();
                self.text = set_scalar(
                    self.path,
                    &self.text,
                    &["replicas", &index, "count"],
                    &replicas.to_string(),
                )?;
                return Ok(());
            }
        }
        let patches = patches_setting_replicas(&model, deployment);
        match patches[..] {
            [] => self.append_item("patches", new_patch),
            [(index, old)] => self.replace_replicas_line(&model, index, old, replicas),
            _ => Err(self.refuse(&format!(
                "{} patches set the replicas of Deployment {deployment}",
                patches.len()
            ))),
        }
    }

    /// True when a patch already sets environment variable `name` for some container.
    pub fn sets_env(&self, name: &str) -> Result<bool> {
        let model = self.model()?;
        Ok(model["patches"].as_vec().is_some_and(|patches| {
            patches.iter().any(|p| {
                p["patch"]["spec"]["template"]["spec"]["containers"]
                    .as_vec()
                    .is_some_and(|containers| {
                        containers.iter().any(|c| {
                            c["env"].as_vec().is_some_and(|env| {
                                env.iter().any(|e| e["name"].as_str() == Some(name))
                            })
                        })
                    })
            })
        }))
    }

    /// The value the overlay's patches give `metadata.<field>.<key>` (`labels`, `annotations`)
    /// of object `kind`/`name`; the last patch wins, as in kustomize.
    pub fn patched_metadata(
        &self,
        kind: &str,
        name: &str,
        field: &str,
        key: &str,
    ) -> Result<Option<String>> {
        let model = self.model()?;
        let Some(patches) = model["patches"].as_vec() else {
            return Ok(None);
        };
        Ok(patches
            .iter()
            .filter(|p| {
                let patch = &p["patch"];
                patch["kind"].as_str().or(p["target"]["kind"].as_str()) == Some(kind)
                    && patch["metadata"]["name"]
                        .as_str()
                        .or(p["target"]["name"].as_str())
                        == Some(name)
            })
            .filter_map(|p| scalar_text(&p["patch"]["metadata"][field][key]))
            .next_back())
    }

    /// Appends one patch entry (text of a list item at column 0).
    pub fn add_patch(&mut self, item: &str) -> Result<()> {
        self.append_item("patches", item)
    }

    /// Points image `name` at `new_name`/`tag`/`digest`: the matching `images:` entry's fields
    /// are set in place (each must exist already), or `new_item` is appended.
    pub fn set_image(
        &mut self,
        name: &str,
        fields: &[(&str, Option<&str>)],
        new_item: &str,
    ) -> Result<()> {
        let model = self.model()?;
        let found: Vec<usize> = model["images"]
            .as_vec()
            .map(|images| {
                images
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i["name"].as_str() == Some(name))
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default();
        let index = match found[..] {
            [] => return self.append_item("images", new_item),
            [index] => index,
            _ => return Err(self.refuse(&format!("several `images:` entries are named {name}"))),
        };
        let entry = &model["images"][index];
        for (field, wanted) in fields {
            let present = !entry[*field].is_badvalue();
            match (wanted, present) {
                (Some(value), true) => {
                    let index = index.to_string();
                    self.text =
                        set_scalar(self.path, &self.text, &["images", &index, field], value)?;
                }
                (None, false) => {}
                (Some(_), false) | (None, true) => {
                    return Err(self.refuse(&format!(
                        "the `images:` entry for {name} {} `{field}`, and the new image {}",
                        if present { "has" } else { "has no" },
                        if present {
                            "does not use it"
                        } else {
                            "needs it"
                        }
                    )))
                }
            }
        }
        Ok(())
    }

    /// The file's values, with each patch string parsed into its own value.
    fn model(&self) -> Result<Yaml> {
        parse_model(&self.text).ok_or_else(|| {
            self.refuse("it is not a single YAML mapping (or a patch in it does not parse)")
        })
    }

    fn refuse(&self, why: &str) -> Error {
        Error::refused(format!(
            "cannot update {} safely: {why}\nnothing was written; edit the overlay by hand, or \
             remove it and run the command again to generate it",
            to_slash(self.path)
        ))
    }

    /// Changes the one `replicas: OLD` line of the file (inside patch `index`).
    fn replace_replicas_line(
        &mut self,
        model: &Yaml,
        index: usize,
        old: i64,
        replicas: u32,
    ) -> Result<()> {
        let wanted = format!("replicas: {old}");
        let lines: Vec<(usize, &str)> = line_starts(&self.text)
            .into_iter()
            .filter(|(_, line)| line.trim_end().trim_start() == wanted)
            .collect();
        let [(start, line)] = lines[..] else {
            return Err(self.refuse(&format!(
                "expected exactly one line `{wanted}`, found {}",
                lines.len()
            )));
        };
        let column = start + line.len() - line.trim_start().len();
        let value_start = column + "replicas: ".len();
        let value_end = value_start + old.to_string().len();
        let mut text = self.text.clone();
        text.replace_range(value_start..value_end, &replicas.to_string());

        let mut expected = model.clone();
        if let Some(spec) = patch_mut(&mut expected, index).and_then(|p| hash_mut(p, "spec")) {
            spec.insert(
                Yaml::String("replicas".into()),
                Yaml::Integer(i64::from(replicas)),
            );
        }
        self.commit(text, &expected)
    }

    /// Appends `item` (a list item written at column 0) to the block list `key`, creating the
    /// key at the end of the file when it is missing.
    fn append_item(&mut self, key: &str, item: &str) -> Result<()> {
        let model = self.model()?;
        let eol = if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let item_value = values(item)
            .and_then(|docs| docs.into_iter().next())
            .and_then(|doc| doc.into_vec())
            .and_then(|mut items| items.pop())
            .map(normalize_patch)
            .ok_or_else(|| self.refuse("the template's entry does not parse"))?;
        let mut expected = model.clone();
        let text = if model[key].is_badvalue() {
            let mut text = self.text.clone();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push_str(eol);
            }
            text.push_str(key);
            text.push(':');
            text.push_str(eol);
            let dash = self.dash_column().unwrap_or(2);
            text.push_str(&indent(item, &" ".repeat(dash), eol));
            if let Yaml::Hash(top) = &mut expected {
                top.insert(Yaml::String(key.into()), Yaml::Array(vec![item_value]));
            }
            text
        } else {
            let (at, dash_indent) = self.block_list_end(key)?;
            let mut text = self.text.clone();
            let mut insert = indent(item, &" ".repeat(dash_indent), eol);
            if at == text.len() && !text.ends_with('\n') {
                insert.insert_str(0, eol);
            }
            text.insert_str(at, &insert);
            if let Yaml::Hash(top) = &mut expected {
                if let Some(Yaml::Array(items)) = top.get_mut(&Yaml::String(key.into())) {
                    items.push(item_value);
                }
            }
            text
        };
        self.commit(text, &expected)
    }

    /// Where a new entry of the top-level block list `key` goes (after its last entry, before
    /// any comments and blank lines that precede the next key) and the column of its dashes.
    fn block_list_end(&self, key: &str) -> Result<(usize, usize)> {
        let lines = line_starts(&self.text);
        let header = format!("{key}:");
        let keys: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, (_, l))| {
                l.strip_prefix(&header)
                    .is_some_and(|rest| rest.trim().is_empty() || rest.trim().starts_with('#'))
            })
            .map(|(i, _)| i)
            .collect();
        let [key_line] = keys[..] else {
            return Err(self.refuse(&format!(
                "expected `{key}:` as a block list starting on its own line"
            )));
        };
        let mut last_content = key_line;
        let mut dash: Option<usize> = None;
        for (i, (_, line)) in lines.iter().enumerate().skip(key_line + 1) {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let column = line.len() - line.trim_start().len();
            if column == 0 && !trimmed.starts_with('-') {
                break;
            }
            if dash.is_none() {
                if !trimmed.starts_with('-') {
                    return Err(self.refuse(&format!("`{key}:` is not a block list")));
                }
                dash = Some(column);
            }
            last_content = i;
        }
        let dash = dash.ok_or_else(|| self.refuse(&format!("`{key}:` has no entries")))?;
        let at = lines
            .get(last_content + 1)
            .map_or(self.text.len(), |(start, _)| *start);
        Ok((at, dash))
    }

    /// The column of the dashes of the file's first top-level block list (`resources:` in an
    /// overlay), so that a new list is written in the file's own style.
    fn dash_column(&self) -> Option<usize> {
        let lines = line_starts(&self.text);
        lines.windows(2).find_map(|pair| {
            let (key, item) = (pair[0].1, pair[1].1);
            let is_key = !key.starts_with([' ', '\t', '#', '-']) && key.trim_end().ends_with(':');
            let trimmed = item.trim_start();
            (is_key && trimmed.starts_with("- ")).then(|| item.len() - trimmed.len())
        })
    }

    /// Keeps `text` when its values are exactly `expected`.
    fn commit(&mut self, text: String, expected: &Yaml) -> Result<()> {
        match parse_model(&text) {
            Some(got) if got == *expected => {
                self.text = text;
                Ok(())
            }
            _ => Err(self.refuse("the edit would change more than intended")),
        }
    }
}

/// The one document of `text` as a mapping, each patch string replaced by its parsed value.
fn parse_model(text: &str) -> Option<Yaml> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut docs = values(body)?;
    if docs.len() != 1 {
        return None;
    }
    let mut doc = docs.pop()?;
    let Yaml::Hash(top) = &mut doc else {
        return None;
    };
    if let Some(Yaml::Array(patches)) = top.get_mut(&Yaml::String("patches".into())) {
        for patch in patches.iter_mut() {
            *patch = normalize_patch(std::mem::replace(patch, Yaml::Null));
        }
    }
    Some(doc)
}

/// A patch entry with its `patch:` string parsed, when it parses to one document.
fn normalize_patch(mut entry: Yaml) -> Yaml {
    if let Yaml::Hash(fields) = &mut entry {
        let key = Yaml::String("patch".into());
        if let Some(Yaml::String(text)) = fields.get(&key) {
            if let Some(mut docs) = values(text) {
                if docs.len() == 1 {
                    if let Some(doc) = docs.pop() {
                        fields.insert(key, doc);
                    }
                }
            }
        }
    }
    entry
}

/// A scalar's text, whatever its YAML type (`tier: 3`, `on: true`).
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `(index, replicas)` of each patch of Deployment `deployment` that sets `spec.replicas`.
fn patches_setting_replicas(model: &Yaml, deployment: &str) -> Vec<(usize, i64)> {
    let Some(patches) = model["patches"].as_vec() else {
        return Vec::new();
    };
    patches
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let patch = &p["patch"];
            let kind = patch["kind"].as_str().or(p["target"]["kind"].as_str());
            let name = patch["metadata"]["name"]
                .as_str()
                .or(p["target"]["name"].as_str());
            let replicas = patch["spec"]["replicas"].as_i64()?;
            (kind == Some("Deployment") && name == Some(deployment)).then_some((i, replicas))
        })
        .collect()
}

fn patch_mut(model: &mut Yaml, index: usize) -> Option<&mut Yaml> {
    let Yaml::Hash(top) = model else { return None };
    let Some(Yaml::Array(patches)) = top.get_mut(&Yaml::String("patches".into())) else {
        return None;
    };
    let Some(Yaml::Hash(entry)) = patches.get_mut(index) else {
        return None;
    };
    entry.get_mut(&Yaml::String("patch".into()))
}

fn hash_mut<'y>(value: &'y mut Yaml, key: &str) -> Option<&'y mut yaml_rust2::yaml::Hash> {
    let Yaml::Hash(map) = value else { return None };
    match map.get_mut(&Yaml::String(key.into())) {
        Some(Yaml::Hash(inner)) => Some(inner),
        _ => None,
    }
}

/// Each line of `text` (line ending included) with its byte offset.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        out.push((start, line));
        start += line.len();
    }
    out
}

/// `item` with every line prefixed by `prefix`, ending in `eol`.
fn indent(item: &str, prefix: &str, eol: &str) -> String {
    item.lines()
        .map(|line| {
            if line.is_empty() {
                eol.to_string()
            } else {
                format!("{prefix}{line}{eol}")
            }
        })
        .collect()
}

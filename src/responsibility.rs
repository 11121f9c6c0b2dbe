//! The starting division-of-responsibility matrices, one per cloud service
//! model: `responsibility_templates/{iaas,paas,saas}.yaml`, built in, each replaceable by
//! a file of the same name in `responsibility_templates_dir`. Every file is read and
//! checked at start-up (each area exactly once, in order); a matrix started from one is
//! a copy, so editing a file never changes a matrix already kept.

use std::path::Path;

use rust_embed::RustEmbed;
use serde::Deserialize;

use crate::i18n::{Lang, Msg};
use crate::policy::responsibility::{Area, Entry, Party, ServiceModel};
use crate::render::{TemplateError, TemplateSource};

#[derive(RustEmbed)]
#[folder = "responsibility_templates/"]
struct Builtin;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Text {
    ja: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileArea {
    id: Area,
    responsible: Party,
    notes: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: String,
    version: u32,
    service_model: ServiceModel,
    title: Text,
    areas: Vec<FileArea>,
}

/// One starting matrix, as its file holds it.
#[derive(Debug, Clone)]
pub struct StartingMatrix {
    pub model: ServiceModel,
    pub version: u32,
    pub title: Msg,
    /// Every area in order: who is responsible, and the notes in both languages.
    pub areas: Vec<(Area, Party, Msg)>,
}

impl StartingMatrix {
    /// The matrix's entries with their notes in `lang`: what an engagement's first version
    /// starts from.
    pub fn entries(&self, lang: Lang) -> Vec<Entry> {
        self.areas
            .iter()
            .map(|(area, responsible, notes)| Entry {
                area: *area,
                responsible: *responsible,
                notes: notes.get(lang).to_string(),
            })
            .collect()
    }

    /// `saas v1`: where a version started from, kept with it.
    pub fn origin(&self) -> String {
        format!("{} v{}", self.model, self.version)
    }
}

pub struct ResponsibilityTemplates {
    matrices: Vec<StartingMatrix>,
}

fn parse(origin: &str, text: &str, model: ServiceModel) -> Result<StartingMatrix, TemplateError> {
    let problem = |reason: String| TemplateError::new(origin, reason);
    let file: File = serde_yaml::from_str(text).map_err(|e| problem(e.to_string()))?;
    if file.id != model.as_str() || file.service_model != model {
        return Err(problem(format!(
            "`id` and `service_model` must both be `{model}`, as the file's name says"
        )));
    }
    if file.version == 0 {
        return Err(problem("`version` must be a positive whole number".into()));
    }
    let order: Vec<Area> = file.areas.iter().map(|a| a.id).collect();
    if order != Area::ALL {
        return Err(problem(format!(
            "`areas` must list every area exactly once, in this order: {}",
            Area::ALL
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let blank = |t: &Text| t.ja.trim().is_empty() || t.en.trim().is_empty();
    if blank(&file.title) {
        return Err(problem("`title` needs both `ja` and `en`".into()));
    }
    if let Some(a) = file.areas.iter().find(|a| blank(&a.notes)) {
        return Err(problem(format!(
            "the notes of `{}` need both `ja` and `en`",
            a.id
        )));
    }
    Ok(StartingMatrix {
        model,
        version: file.version,
        title: Msg::new(file.title.ja, file.title.en),
        areas: file
            .areas
            .into_iter()
            .map(|a| (a.id, a.responsible, Msg::new(a.notes.ja, a.notes.en)))
            .collect(),
    })
}

impl ResponsibilityTemplates {
    /// The built-in matrices, checked.
    pub fn load() -> Result<ResponsibilityTemplates, TemplateError> {
        Self::load_from(None)
    }

    /// Each model's file from `override_dir` when it has one, else the built-in one; a
    /// file there that is not one of them is refused.
    pub fn load_from(
        override_dir: Option<&Path>,
    ) -> Result<ResponsibilityTemplates, TemplateError> {
        let mut source = TemplateSource::open::<Builtin>(
            "responsibility_templates",
            "responsibility_templates_dir",
            override_dir,
        )?;
        let mut matrices = Vec::new();
        for &model in ServiceModel::ALL {
            let file = source.require(&format!("{model}.yaml"))?;
            matrices.push(parse(&file.origin, &file.text, model)?);
        }
        source.finish()?;
        Ok(ResponsibilityTemplates { matrices })
    }

    pub fn get(&self, model: ServiceModel) -> &StartingMatrix {
        self.matrices
            .iter()
            .find(|m| m.model == model)
            .expect("every model's matrix is loaded at start-up")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_9_3_1_the_built_in_matrices_cover_every_area_for_each_model() {
        let t = ResponsibilityTemplates::load().unwrap();
        for &model in ServiceModel::ALL {
            let m = t.get(model);
            assert_eq!(m.entries(Lang::Ja).len(), Area::ALL.len());
            assert!(m.origin().starts_with(model.as_str()));
        }
        // A SaaS provider runs the platform; the ward still manages its own users.
        let saas = t.get(ServiceModel::Saas);
        assert_eq!(saas.areas[0].1, Party::Ward);
    }

    #[test]
    fn an_override_missing_an_area_or_naming_another_model_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let saas = Builtin::get("saas.yaml").unwrap();
        let text = std::str::from_utf8(&saas.data).unwrap();
        std::fs::write(
            dir.path().join("saas.yaml"),
            text.replace("id: saas", "id: iaas"),
        )
        .unwrap();
        let err = ResponsibilityTemplates::load_from(Some(dir.path()))
            .err()
            .expect("refused");
        assert!(err.file.ends_with("saas.yaml"), "{err:?}");
        let cut = text.replace("  - id: logs\n", "  - id: patching\n");
        std::fs::write(dir.path().join("saas.yaml"), cut).unwrap();
        let err = ResponsibilityTemplates::load_from(Some(dir.path()))
            .err()
            .expect("refused");
        assert!(err.reason.contains("exactly once"), "{err:?}");
        std::fs::remove_file(dir.path().join("saas.yaml")).unwrap();
        std::fs::write(dir.path().join("xaas.yaml"), text).unwrap();
        assert!(ResponsibilityTemplates::load_from(Some(dir.path())).is_err());
    }
}

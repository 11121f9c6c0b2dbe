//! Loads the catalog and the templates (built in, then overrides), checks them all at
//! start-up, and renders clause sets.

use std::path::Path;

use rust_embed::RustEmbed;
use serde_json::{json, Value};

use super::catalog::{Catalog, ClauseDef};
use super::document::{
    markdown_to_html, markdown_to_text, ClauseLabels, ContractFacts, Format, ItemFact, Rendered,
};
use super::docx::markdown_to_docx;
use crate::domain::{ClassificationLevel, EngagementKind};
use crate::i18n::Lang;
use crate::render::{load_labels, Escape, Localized, TemplateSource, Templates};

pub use crate::render::TemplateError;

#[derive(RustEmbed)]
#[folder = "contract_templates/"]
struct Builtin;

pub const DOCUMENT: &str = "document";
/// The completion record (終了確認書) issued at closing.
pub const COMPLETION_RECORD: &str = "completion_record";
const LANGS: [(Lang, &str); 2] = [(Lang::Ja, "ja"), (Lang::En, "en")];

pub struct ClauseTemplates {
    catalog: Catalog,
    /// Markdown and plain text: values printed as they are.
    plain: Templates,
    /// HTML: every value escaped.
    html: Templates,
    labels: Localized<ClauseLabels>,
}

fn template_name(lang: &str, id: &str) -> String {
    format!("{lang}/{id}")
}

impl ClauseTemplates {
    /// Loads and checks everything; the first problem is returned with its file. A
    /// template naming a variable that does not exist fails here, not when a document is
    /// requested (strict mode, rendered against every kind and level).
    pub fn load(override_dir: Option<&Path>) -> Result<ClauseTemplates, TemplateError> {
        let mut source =
            TemplateSource::open::<Builtin>("contract_templates", "templates_dir", override_dir)?;
        let catalog_source = source.require("catalog.toml")?;
        let catalog = Catalog::parse(&catalog_source.text)
            .map_err(|reason| TemplateError::new(catalog_source.origin.clone(), reason))?;

        let mut plain = Templates::new(Escape::Verbatim);
        let mut html = Templates::new(Escape::Html);
        for (_, lang) in LANGS {
            let ids = catalog
                .clauses
                .iter()
                .map(|c| c.id.as_str())
                .chain([DOCUMENT, COMPLETION_RECORD]);
            for id in ids {
                let relative = format!("{lang}/{id}.hbs");
                let template = source.read(&relative)?.ok_or_else(|| {
                    TemplateError::new(
                        source.builtin_origin(&relative),
                        format!("no template for {id} in {lang}"),
                    )
                })?;
                let name = template_name(lang, id);
                plain.register(&name, &template)?;
                html.register(&name, &template)?;
            }
        }
        let labels = load_labels::<ClauseLabels>(&mut source, "labels")?;
        labels.check_pattern("check_interval.one", |l| &l.check_interval.one, &["months"])?;
        labels.check_pattern(
            "check_interval.other",
            |l| &l.check_interval.other,
            &["months"],
        )?;
        source.finish()?;
        let templates = ClauseTemplates {
            catalog,
            plain,
            html,
            labels,
        };
        templates.check()?;
        Ok(templates)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Renders every template against every kind, level and shape of data.
    fn check(&self) -> Result<(), TemplateError> {
        for attested in [false, true] {
            for (lang, _) in LANGS {
                self.render_completion_markdown(
                    &self.plain,
                    &super::completion::CompletionFacts::probe(attested),
                    lang,
                )?;
            }
        }
        for kind in EngagementKind::ALL {
            for level in [
                None,
                Some(ClassificationLevel::L1),
                Some(ClassificationLevel::L2),
                Some(ClassificationLevel::L3),
            ] {
                for with_items in [false, true] {
                    let facts = probe_facts(*kind, level, with_items);
                    for (lang, _) in LANGS {
                        let all: Vec<&ClauseDef> = self.catalog.clauses.iter().collect();
                        self.render_markdown(&self.plain, &facts, &all, lang)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn render_markdown(
        &self,
        registry: &Templates,
        facts: &ContractFacts,
        clauses: &[&ClauseDef],
        lang: Lang,
    ) -> Result<String, TemplateError> {
        let code = lang.pick("ja", "en");
        let labels = self.labels.get(lang);
        let mut context = facts.context(lang, labels);
        let mut rendered = Vec::with_capacity(clauses.len());
        for (i, clause) in clauses.iter().enumerate() {
            context["clause"] =
                json!({"number": i + 1, "id": clause.id, "title": clause.title(lang)});
            let body = registry.render(&template_name(code, &clause.id), &context)?;
            rendered.push(json!({
                "number": i + 1,
                "id": clause.id,
                "title": clause.title(lang),
                "body": body.trim(),
            }));
        }
        if let Some(map) = context.as_object_mut() {
            map.remove("clause");
        }
        context["clauses"] = Value::Array(rendered);
        context["title"] = json!(labels.title);
        context["template_version"] = json!(self.catalog.version);
        let document = registry.render(&template_name(code, DOCUMENT), &context)?;
        Ok(tidy(&document))
    }

    fn render_completion_markdown(
        &self,
        registry: &Templates,
        facts: &super::completion::CompletionFacts,
        lang: Lang,
    ) -> Result<String, TemplateError> {
        let code = lang.pick("ja", "en");
        let context = serde_json::to_value(facts)
            .map_err(|e| TemplateError::new(COMPLETION_RECORD, e.to_string()))?;
        let document = registry.render(&template_name(code, COMPLETION_RECORD), &context)?;
        Ok(tidy(&document))
    }

    /// The completion record in `format` (Markdown, printable HTML or Word).
    pub fn render_completion_record(
        &self,
        facts: &super::completion::CompletionFacts,
        lang: Lang,
        format: Format,
    ) -> Result<Rendered, TemplateError> {
        let markdown = |registry| self.render_completion_markdown(registry, facts, lang);
        Ok(match format {
            Format::Markdown => Rendered::Text(format, markdown(&self.plain)?),
            Format::Text => Rendered::Text(format, markdown_to_text(&markdown(&self.plain)?)),
            Format::Html => Rendered::Text(format, markdown_to_html(&markdown(&self.html)?, lang)),
            Format::Docx => Rendered::Docx(markdown_to_docx(&markdown(&self.plain)?, lang)),
        })
    }

    /// The clause set for an engagement: the given clauses, numbered, in one document.
    pub fn render(
        &self,
        facts: &ContractFacts,
        clauses: &[&ClauseDef],
        lang: Lang,
        format: Format,
    ) -> Result<Rendered, TemplateError> {
        let markdown = |registry| self.render_markdown(registry, facts, clauses, lang);
        Ok(match format {
            Format::Markdown => Rendered::Text(format, markdown(&self.plain)?),
            Format::Text => Rendered::Text(format, markdown_to_text(&markdown(&self.plain)?)),
            Format::Html => Rendered::Text(format, markdown_to_html(&markdown(&self.html)?, lang)),
            Format::Docx => Rendered::Docx(markdown_to_docx(&markdown(&self.plain)?, lang)),
        })
    }
}

/// Collapses the blank lines that template conditionals leave behind, so the output
/// reads the same whichever branches were taken.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() && blank > 0 {
            out.push('\n');
        }
        blank = 0;
        out.push_str(line);
        out.push('\n');
    }
    out
}

pub(super) fn probe_facts(
    kind: EngagementKind,
    level: Option<ClassificationLevel>,
    with_items: bool,
) -> ContractFacts {
    let date = chrono::NaiveDate::from_ymd_opt(2027, 4, 1).expect("valid date");
    ContractFacts {
        organization: "港区".into(),
        kind,
        level,
        title: "件名".into(),
        scope: "業務".into(),
        division_name: "課".into(),
        responsible_name: "責任者".into(),
        starts_on: date,
        ends_on: date,
        vendor_name: "事業者".into(),
        corporate_number: with_items.then(|| "8000020131032".to_string()),
        items: if with_items {
            vec![ItemFact {
                name: "情報".into(),
                description: "説明".into(),
                level: level.unwrap_or(ClassificationLevel::L1),
                provided: true,
            }]
        } else {
            vec![]
        },
        check_interval_months: 12,
        certificate_deadline_days: 30,
        generated_on: date,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_load_and_pass_the_check() {
        let t = ClauseTemplates::load(None).expect("built-in templates are valid");
        assert_eq!(t.catalog().clauses.len(), 24);
    }

    /// The mandatory sets, read by hand from clause-catalog.md (S and D cells), so that a
    /// mistake in encoding catalog.toml shows here.
    #[test]
    fn mandatory_clauses_per_kind_and_level_equal_the_catalog() {
        use ClassificationLevel::*;
        let t = ClauseTemplates::load(None).unwrap();
        let ids = |k, l| -> String {
            t.catalog()
                .mandatory(k, l)
                .iter()
                .map(|c| c.id.trim_start_matches("CL-"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let os_l1 = "01 02 03 04 12 13 14 15 16";
        let os_l2 = "01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16";
        let dm_l1 = "01 02 03 04 09 12 13 14 15 16 21";
        let dm_l2 = "01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 21";
        let c2 = "01 02 03 04 06 09 10 12 13 14 15 16 17 18 19 20";
        for (level, os, dm, cloud) in [
            (None, os_l1, dm_l1, ""),
            (Some(L1), os_l1, dm_l1, ""),
            (Some(L2), os_l2, dm_l2, c2),
            (Some(L3), os_l2, dm_l2, c2),
        ] {
            assert_eq!(
                ids(EngagementKind::Outsourcing, level),
                os,
                "outsourcing {level:?}"
            );
            assert_eq!(
                ids(EngagementKind::DesignatedManagement, level),
                dm,
                "designated management {level:?}"
            );
            assert_eq!(
                ids(EngagementKind::CloudService, level),
                cloud,
                "cloud {level:?}"
            );
        }
    }

    #[test]
    fn a_template_naming_a_missing_variable_fails_at_load_with_file_and_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ja")).unwrap();
        std::fs::write(
            dir.path().join("ja/CL-02.hbs"),
            "{{engagement.no_such_field}}\n",
        )
        .unwrap();
        let err = ClauseTemplates::load(Some(dir.path()))
            .err()
            .expect("must fail");
        assert!(err.file.ends_with("ja/CL-02.hbs"), "{err}");
        assert!(err.reason.contains("no_such_field"), "{err}");
    }

    #[test]
    fn a_template_with_bad_syntax_fails_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        std::fs::write(
            dir.path().join("en/document.hbs"),
            "{{#if title}}unclosed\n",
        )
        .unwrap();
        let err = ClauseTemplates::load(Some(dir.path()))
            .err()
            .expect("must fail");
        assert!(err.file.ends_with("en/document.hbs"), "{err}");
    }

    #[test]
    fn a_file_in_templates_dir_that_replaces_nothing_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ja")).unwrap();
        std::fs::write(dir.path().join("ja/CL-2.hbs"), "x\n").unwrap();
        let err = ClauseTemplates::load(Some(dir.path()))
            .err()
            .expect("must fail");
        assert!(err.file.ends_with("ja/CL-2.hbs"), "{err}");
        assert!(err.reason.contains("contract_templates"), "{err}");
    }

    #[test]
    fn the_clause_words_come_from_the_labels_files_and_an_override_replaces_them() {
        let t = ClauseTemplates::load(None).unwrap();
        let mut facts = probe_facts(EngagementKind::DesignatedManagement, None, false);
        let ja = t.render(&facts, &[], Lang::Ja, Format::Markdown).unwrap();
        let ja = ja.text().unwrap();
        assert!(ja.starts_with("# 情報セキュリティに関する特記事項"), "{ja}");
        let en = t.labels.get(Lang::En);
        facts.check_interval_months = 1;
        let context = facts.context(Lang::En, en);
        assert_eq!(context["terms"]["contract"], "this Agreement");
        assert_eq!(context["terms"]["vendor"], "the Designated Manager");
        assert_eq!(context["terms"]["ward"], "the Municipality");
        assert_eq!(context["check_interval"], "1 month");
        facts.kind = EngagementKind::CloudService;
        facts.check_interval_months = 6;
        let context = facts.context(Lang::En, en);
        assert_eq!(context["terms"]["vendor"], "the Provider");
        assert_eq!(context["check_interval"], "6 months");
        let context = facts.context(Lang::Ja, t.labels.get(Lang::Ja));
        assert_eq!(context["terms"]["contract"], "本契約");
        assert_eq!(context["check_interval"], "6か月");

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("labels")).unwrap();
        let builtin = Builtin::get("labels/ja.toml").unwrap();
        let text = std::str::from_utf8(&builtin.data).unwrap();
        std::fs::write(
            dir.path().join("labels/ja.toml"),
            text.replace(
                "情報セキュリティに関する特記事項",
                "情報セキュリティ特記事項",
            ),
        )
        .unwrap();
        let t = ClauseTemplates::load(Some(dir.path())).unwrap();
        let ja = t.render(&facts, &[], Lang::Ja, Format::Markdown).unwrap();
        let ja = ja.text().unwrap();
        assert!(ja.starts_with("# 情報セキュリティ特記事項\n"), "{ja}");

        std::fs::write(
            dir.path().join("labels/ja.toml"),
            text.replace("one = \"{months}か月\"", "one = \"{month}か月\""),
        )
        .unwrap();
        let err = ClauseTemplates::load(Some(dir.path())).err().unwrap();
        assert!(err.file.ends_with("labels/ja.toml"), "{err}");
        assert!(err.reason.contains("check_interval.one"), "{err}");
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("a\n\n\n\nb\n  \nc"), "a\n\nb\n\nc\n");
    }
}

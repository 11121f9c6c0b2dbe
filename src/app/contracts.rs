//! Contracts（契約・協定）: the signed contract of an engagement with the clauses it holds
//! the gates of `contracted` and `active` read the latest.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::load_changeable;
use super::Tx;
use crate::audit::Event;
use crate::clauses::catalog::Catalog;
use crate::compliance;
use crate::db::contracts::{self, Contract, NewContract};
use crate::domain::date::parse_typed_date;
use crate::domain::BoundedText;
use crate::error::AppResult;
use crate::i18n::Msg;
use crate::policy::access::Actor;
use crate::validate::Fields;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractBody {
    pub reference_number: Option<String>,
    /// The day it was signed: ISO 8601, or as officers type it (`2027/4/1`,
    /// `令和9年4月1日`, `R9.4.1`).
    pub signed_on: Option<String>,
    /// The clause IDs the signed contract contains, e.g. `["CL-01", "CL-02"]`.
    pub clause_ids: Option<Vec<String>>,
    /// The template version it was drafted from (the catalog's `version` when omitted).
    pub template_version: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractResponse {
    pub id: String,
    pub engagement_id: String,
    pub reference_number: String,
    pub signed_on: NaiveDate,
    pub clause_ids: Vec<String>,
    pub template_version: String,
    /// Mandatory clauses for the engagement's current kind and level that this contract
    /// lacks; a rise in level can add to them.
    pub missing_clause_ids: Vec<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

pub fn respond(c: Contract, missing: Vec<String>) -> ContractResponse {
    ContractResponse {
        clause_ids: c.clause_ids(),
        id: c.id,
        engagement_id: c.engagement_id,
        reference_number: c.reference_number,
        signed_on: c.signed_on,
        template_version: c.template_version,
        missing_clause_ids: missing,
        recorded_by: c.recorded_by,
        recorded_at: c.recorded_at.and_utc(),
    }
}

/// Records the signed contract, with the mandatory clauses it
/// lacks for the engagement's kind and current level.
pub fn record(
    tx: &mut Tx,
    actor: &Actor,
    catalog: &Catalog,
    engagement_id: &str,
    body: &ContractBody,
) -> AppResult<ContractResponse> {
    let mut f = Fields::new();
    let reference = f.require("reference_number", body.reference_number.as_deref(), |v| {
        BoundedText::parse(v, 100)
    });
    let signed_on = signed_on(&mut f, body.signed_on.as_deref());
    let mut clause_ids: Vec<String> = Vec::new();
    match &body.clause_ids {
        None => f.required("clause_ids"),
        Some(ids) => {
            for (i, c) in ids.iter().enumerate() {
                let c = c.trim().to_string();
                if catalog.get(&c).is_none() {
                    f.push(
                        &format!("clause_ids[{i}]"),
                        "unknown",
                        Msg::new(
                            format!("条項 {c} は条項カタログにありません"),
                            format!("Clause {c} is not in the clause catalog"),
                        ),
                    );
                } else if !clause_ids.contains(&c) {
                    clause_ids.push(c);
                }
            }
        }
    }
    let version = match body.template_version.as_deref() {
        Some(v) => f
            .check("template_version", BoundedText::parse(v, 50))
            .map(BoundedText::into_inner),
        None => Some(catalog.version.clone()),
    };
    let (reference, signed_on, version) = f.done(|| Some((reference?, signed_on?, version?)))?;
    let row = load_changeable(tx.conn(), actor, engagement_id)?;
    let now_at = tx.now().naive_utc();
    let contract = contracts::insert(
        tx.conn(),
        &NewContract {
            engagement_id,
            reference_number: reference.as_str(),
            signed_on,
            clause_ids: &clause_ids,
            template_version: &version,
            recorded_by: &actor.user_id,
        },
        now_at,
    )?;
    let missing = compliance::missing_clauses(catalog, row.kind(), row.level(), &clause_ids);
    let recorded = respond(contract, missing);
    tx.record(
        Event::new("contract.record")
            .target("contract", &recorded.id)
            .after(&recorded),
    );
    Ok(recorded)
}

/// The day a contract was signed, as officers type it (`2027-04-01`, `2027/4/1`,
/// `令和9年4月1日`, `R9.4.1`): contracts are dated in the era form on paper.
fn signed_on(f: &mut Fields, typed: Option<&str>) -> Option<NaiveDate> {
    let Some(typed) = typed else {
        f.required("signed_on");
        return None;
    };
    match parse_typed_date(typed) {
        Ok(date) => Some(date),
        Err(_) => {
            f.push(
                "signed_on",
                "invalid",
                Msg::new(
                    "締結日が正しくありません。実在する日付を入力してください（例: 2027/4/1、令和9年4月1日、R9.4.1）",
                    "The signing date is not a valid date (e.g. 2027-04-01, 2027/4/1, R9.4.1)",
                ),
            );
            None
        }
    }
}

/// The language a document is asked in: `ja` unless named; another is refused in `f`.
pub fn document_lang(f: &mut Fields, lang: Option<&str>) -> Option<crate::i18n::Lang> {
    use crate::i18n::Lang;
    match lang.map(str::trim).filter(|l| !l.is_empty()) {
        None => Some(Lang::Ja),
        Some(l) => {
            let parsed = Lang::parse(l);
            if parsed.is_none() {
                f.push(
                    "lang",
                    "invalid",
                    Msg::new("ja または en を指定してください", "Must be ja or en"),
                );
            }
            parsed
        }
    }
}

/// The language and format asked for a clause set (`ja` and Markdown unless named), with
/// the format's name as the export records it; both fields at fault named at once.
pub fn document_choice(
    lang: Option<&str>,
    format: Option<&str>,
) -> AppResult<(crate::i18n::Lang, crate::clauses::Format, &'static str)> {
    use crate::clauses::Format;
    let mut f = Fields::new();
    let lang = document_lang(&mut f, lang);
    let format = match format {
        None => Some(Format::Markdown),
        Some(v) => {
            let parsed = Format::parse(v);
            if parsed.is_none() {
                f.push(
                    "format",
                    "invalid",
                    Msg::new(
                        "markdown、html、text、docx のいずれかを指定してください",
                        "Must be markdown, html, text or docx",
                    ),
                );
            }
            parsed
        }
    };
    let (lang, format) = f.done(|| Some((lang?, format?)))?;
    let name = match format {
        Format::Markdown => "markdown",
        Format::Html => "html",
        Format::Text => "text",
        Format::Docx => "docx",
    };
    Ok((lang, format, name))
}

/// The file a clause set is saved as: `clauses-{id}-{lang}.{ext}`. Engagement IDs are
/// UUIDs; keeping only their characters makes the name safe in a header whatever
/// reaches it, with no quoting and no `filename*`.
pub fn file_name(id: &str, lang: crate::i18n::Lang, format: crate::clauses::Format) -> String {
    use crate::clauses::Format;
    let ascii_id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let ext = match format {
        Format::Markdown => "md",
        Format::Html => "html",
        Format::Text => "txt",
        Format::Docx => "docx",
    };
    format!("clauses-{ascii_id}-{}.{ext}", lang.pick("ja", "en"))
}

/// The clause set an engagement's contract must contain, rendered
/// from the contract templates in any format, Word included. The export is recorded once
/// the document exists, so a failed rendering leaves no entry; run through `app::read`.
pub fn clause_set(
    tx: &mut Tx,
    services: &super::Services,
    actor: &Actor,
    id: &str,
    lang: crate::i18n::Lang,
    format: crate::clauses::Format,
    format_name: &str,
) -> AppResult<crate::clauses::Rendered> {
    super::engagements::load_visible(tx.conn(), actor, id)?;
    let today = tx.today();
    let facts = crate::clauses::load_facts(tx.conn(), &services.config, id, today)?;
    let required = services
        .clauses
        .catalog()
        .mandatory(facts.kind, facts.level);
    let document = services
        .clauses
        .render(&facts, &required, lang, format)
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    tx.record(
        Event::new("contract.clauses_export")
            .target("engagement", id)
            .after(&serde_json::json!({
                "engagement_id": id,
                "lang": lang.pick("ja", "en"),
                "format": format_name,
                "level": facts.level,
            })),
    );
    Ok(document)
}

/// What the clause generator shows: the engagement, its clause set as HTML (recorded as
/// an export, like the API's), the clauses its kind and level ask for or recommend with
/// whether each is mandatory, and whether the actor may record the signed contract. Run
/// through `app::read`.
pub struct ClausePage {
    pub engagement: super::engagements::EngagementResponse,
    pub document: crate::clauses::Rendered,
    /// In catalog order: (clause id, mandatory).
    pub checklist: Vec<(String, bool)>,
    pub can_record: bool,
}

pub fn clause_page(
    tx: &mut Tx,
    services: &super::Services,
    actor: &Actor,
    id: &str,
    lang: crate::i18n::Lang,
) -> AppResult<ClausePage> {
    use crate::clauses::{Format, Requirement};
    let row = super::engagements::load_visible(tx.conn(), actor, id)?;
    let engagement = super::engagements::read(tx, actor, id)?;
    let document = clause_set(tx, services, actor, id, lang, Format::Html, "html")?;
    let checklist = services
        .clauses
        .catalog()
        .clauses
        .iter()
        .filter_map(|c| match c.requirement(engagement.kind, engagement.level) {
            Requirement::NotApplicable => None,
            r => Some((c.id.clone(), r.is_mandatory())),
        })
        .collect();
    let can_record = actor
        .permits(&crate::policy::access::Action::ChangeEngagement {
            division_id: &row.division_id,
        })
        .is_ok()
        && !crate::policy::lifecycle::is_final(row.status());
    Ok(ClausePage {
        engagement,
        document,
        checklist,
        can_record,
    })
}

/// The engagement's contracts, the one in force first, each with the mandatory clauses
/// it lacks.
pub fn of_engagement(
    conn: &mut crate::db::DbConnection,
    services: &super::Services,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<ContractResponse>> {
    let row = super::engagements::load_visible(conn, actor, id)?;
    let kind = row.kind();
    Ok(crate::db::contracts::list(conn, id)?
        .into_iter()
        .map(|c| {
            let missing = crate::compliance::missing_clauses(
                services.clauses.catalog(),
                kind,
                row.level(),
                &c.clause_ids(),
            );
            respond(c, missing)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(value: Option<&str>) -> (Option<NaiveDate>, Vec<String>) {
        let mut f = Fields::new();
        let date = signed_on(&mut f, value);
        let fields = match f.finish() {
            Err(crate::error::AppError::Validation(errors)) => {
                errors.into_iter().map(|e| e.field).collect()
            }
            _ => vec![],
        };
        (date, fields)
    }

    #[test]
    fn r_8_2_a_contract_is_dated_as_officers_type_it() {
        let april_first = NaiveDate::from_ymd_opt(2027, 4, 1);
        for value in ["2027-04-01", "2027/4/1", "令和9年4月1日", "R9.4.1"] {
            assert_eq!(typed(Some(value)), (april_first, vec![]), "{value}");
        }
        for value in ["2027/2/30", "令和9年13月1日", "来年4月"] {
            assert_eq!(typed(Some(value)), (None, vec!["signed_on".to_string()]));
        }
        assert_eq!(typed(None), (None, vec!["signed_on".to_string()]));
    }

    #[test]
    fn a_clause_set_is_named_for_its_language_and_format() {
        use crate::clauses::Format;
        use crate::i18n::Lang;
        assert_eq!(
            file_name("ab-12\"\r\n", Lang::Ja, Format::Docx),
            "clauses-ab-12-ja.docx"
        );
        assert_eq!(
            file_name("x", Lang::En, Format::Markdown),
            "clauses-x-en.md"
        );
        assert!(document_choice(Some("fr"), Some("pdf")).is_err());
        assert_eq!(
            document_choice(None, None).unwrap(),
            (Lang::Ja, Format::Markdown, "markdown")
        );
    }
}

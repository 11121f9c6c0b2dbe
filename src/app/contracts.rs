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
use crate::domain::date::parse_iso_date;
use crate::domain::BoundedText;
use crate::error::AppResult;
use crate::i18n::Msg;
use crate::policy::access::Actor;
use crate::validate::Fields;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractBody {
    pub reference_number: Option<String>,
    /// ISO 8601 date the contract was signed.
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
    let signed_on = f.require("signed_on", body.signed_on.as_deref(), parse_iso_date);
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

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::engagements::{load_changeable, load_visible};
use crate::audit::Event;
use crate::clauses::{load_facts, Format};
use crate::compliance;
use crate::db::contracts::{self, Contract, NewContract};
use crate::db::{self, audit};
use crate::domain::date::parse_iso_date;
use crate::domain::{BoundedText, EngagementKind};
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::validate::Fields;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClausesQuery {
    /// `ja` (default) or `en`.
    #[param(value_type = Option<super::params::DocumentLang>, inline)]
    pub lang: Option<String>,
    /// `markdown` (default), `html` or `text`.
    #[param(value_type = Option<super::params::ClauseFormat>, inline)]
    pub format: Option<String>,
}

/// The complete set of mandatory clauses for this engagement's kind and level, numbered,
/// with its data filled in. Japanese dates are in the era form (令和9年4月1日).
#[utoipa::path(tag = "contracts", params(ClausesQuery),
    responses((status = 200, description = "The clause set, as `format` asks",
        content((String = "text/markdown"), (String = "text/html"), (String = "text/plain"))), (status = 403), (status = 404), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/clauses")]
pub async fn clauses(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    query: web::Query<ClausesQuery>,
) -> AppResult<HttpResponse> {
    let mut f = Fields::new();
    let lang = match query.lang.as_deref() {
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
    };
    let format = match query.format.as_deref() {
        None => Some(Format::Markdown),
        Some(v) => {
            let parsed = Format::parse(v);
            if parsed.is_none() {
                f.push(
                    "format",
                    "invalid",
                    Msg::new(
                        "markdown、html、text のいずれかを指定してください",
                        "Must be markdown, html or text",
                    ),
                );
            }
            parsed
        }
    };
    f.finish()?;
    let (lang, format) = (lang.unwrap_or_default(), format.unwrap_or(Format::Markdown));
    // Format::parse takes the exact names only, so a given one is already canonical.
    let format_name = query.format.clone().unwrap_or_else(|| "markdown".into());
    let app = state.get_ref().clone();
    let origin = who.origin();
    let document = db::read(&state.pool, move |conn| {
        load_visible(conn, &who.actor, &id)?;
        let facts = load_facts(conn, &app.config, &id)?;
        let required = app.clauses.catalog().mandatory(facts.kind, facts.level);
        let document = app
            .clauses
            .render(&facts, &required, lang, format)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        // Logged once the document exists, so a failed rendering leaves no export entry.
        db::write(conn, |conn| {
            audit::append(
                conn,
                &origin,
                &Event::new("contract.clauses_export")
                    .target("engagement", &id)
                    .after(&serde_json::json!({
                        "engagement_id": id.as_str(),
                        "lang": lang.pick("ja", "en"),
                        "format": format_name,
                        "level": facts.level,
                    })),
            )
        })?;
        Ok(document)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Content-Language", lang.pick("ja", "en")))
        .body(document))
}

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

fn respond(c: Contract, missing: Vec<String>) -> ContractResponse {
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

/// Records the signed contract.
#[utoipa::path(tag = "contracts", request_body = ContractBody,
    responses((status = 201, body = ContractResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/contracts")]
pub async fn record(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ContractBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let catalog = state.clauses.catalog();
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
    f.finish()?;
    let (Some(reference), Some(signed_on), Some(version)) = (reference, signed_on, version) else {
        unreachable!("finish() refused missing fields")
    };
    let app = state.get_ref().clone();
    let user_id = who.actor.user_id.clone();
    let origin = who.origin();
    let recorded = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let row = load_changeable(conn, &who.actor, &id)?;
            let contract = contracts::insert(
                conn,
                &NewContract {
                    engagement_id: &id,
                    reference_number: reference.as_str(),
                    signed_on,
                    clause_ids: &clause_ids,
                    template_version: &version,
                    recorded_by: &user_id,
                },
            )?;
            let kind = row.kind().unwrap_or(EngagementKind::Outsourcing);
            let missing =
                compliance::missing_clauses(app.clauses.catalog(), kind, row.level(), &clause_ids);
            let recorded = respond(contract, missing);
            audit::append(
                conn,
                &origin,
                &Event::new("contract.record")
                    .target("contract", &recorded.id)
                    .after(&recorded),
            )?;
            Ok(recorded)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// The engagement's contracts, the one in force first.
#[utoipa::path(tag = "contracts",
    responses((status = 200, body = Vec<ContractResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/contracts")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = state.get_ref().clone();
    let list = db::read(&state.pool, move |conn| {
        let row = load_visible(conn, &who.actor, &id)?;
        let kind = row.kind().unwrap_or(EngagementKind::Outsourcing);
        Ok(contracts::list(conn, &id)?
            .into_iter()
            .map(|c| {
                let missing = compliance::missing_clauses(
                    app.clauses.catalog(),
                    kind,
                    row.level(),
                    &c.clause_ids(),
                );
                respond(c, missing)
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

//! Findings: every non-conforming answer of an accepted check, tracked with its
//! corrective action until it is closed or its risk is accepted: parse, call
//! `app::findings`, answer.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::findings::{self as use_case, FindingSelection};
pub use crate::app::findings::{FindingDetail, FindingPatch, FindingResponse, RiskAcceptanceBody};
use crate::app::page::{Page, Paging};
use crate::error::AppResult;
use crate::http::api::listing::page_of;
use crate::http::csv::{self, Columns};
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::validate::Fields;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// `open`, `in_progress`, `closed`, `risk_accepted`, or `overdue` (open or in
    /// progress past its due date).
    #[param(value_type = Option<super::params::FindingStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub check_id: Option<String>,
    /// The owner's user id.
    pub owner: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingExportQuery {
    /// As for the list.
    #[param(value_type = Option<super::params::FindingStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub check_id: Option<String>,
    pub owner: Option<String>,
}

impl FindingQuery {
    /// The paging, and the filter as an export would take it.
    fn into_parts(self) -> (Option<String>, Option<String>, FindingExportQuery) {
        let filter = FindingExportQuery {
            state: self.state,
            engagement_id: self.engagement_id,
            vendor_id: self.vendor_id,
            check_id: self.check_id,
            owner: self.owner,
        };
        (self.page, self.per_page, filter)
    }
}

impl FindingExportQuery {
    fn selection(self, f: &mut Fields) -> FindingSelection {
        FindingSelection {
            state: use_case::parse_state(f, self.state.as_deref()),
            engagement_id: self.engagement_id,
            vendor_id: self.vendor_id,
            check_id: self.check_id,
            owner: self.owner,
        }
    }
}

/// Findings of the engagements the caller may see, soonest due first.
#[utoipa::path(tag = "findings", params(FindingQuery),
    responses((status = 200, body = Page<FindingResponse>), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/findings")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<FindingQuery>,
) -> AppResult<HttpResponse> {
    let (page, per_page, filter) = query.into_inner().into_parts();
    let mut f = Fields::new();
    let paging = Paging::parse(page.as_deref(), per_page.as_deref(), &mut f);
    let wanted = filter.selection(&mut f);
    f.finish()?;
    page_of(&state, who, paging, move |conn, visibility, today, rows| {
        use_case::list(conn, visibility, &wanted, today, rows)
    })
    .await
}

impl Columns for FindingResponse {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "check_id",
        "engagement_id",
        "engagement_title",
        "vendor_id",
        "question_id",
        "section",
        "rules",
        "state",
        "overdue",
        "owner_user_id",
        "due_on",
        "corrective_action",
        "risk_reason",
        "risk_approved_by",
        "closed_at_utc",
        "created_at_utc",
    ];

    fn cells(self) -> Vec<String> {
        vec![
            self.id,
            self.check_id,
            self.engagement_id,
            self.engagement_title,
            self.vendor_id,
            self.question_id,
            self.section,
            self.rules.join(" "),
            self.state.as_str().to_string(),
            self.overdue.to_string(),
            self.owner_user_id,
            self.due_on.to_string(),
            self.corrective_action,
            self.risk_reason.unwrap_or_default(),
            self.risk_approved_by.unwrap_or_default(),
            csv::optional(self.closed_at.map(|t| csv::time(t.naive_utc()))),
            csv::time(self.created_at.naive_utc()),
        ]
    }
}

/// The findings matching the query as CSV (UTF-8 with BOM; English column keys first, as
/// the audit log export). The export is audited.
#[utoipa::path(tag = "findings", params(FindingExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/findings/export.csv")]
pub async fn export(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<FindingExportQuery>,
) -> AppResult<HttpResponse> {
    let mut f = Fields::new();
    let wanted = query.into_inner().selection(&mut f);
    f.finish()?;
    let rows = crate::app::read(&state, who.origin(), move |tx| {
        use_case::export(tx, &who.actor, &wanted)
    })
    .await?;
    csv::export("findings", state.today(), rows)
}

/// One finding, with the question as its check asked it.
#[utoipa::path(tag = "findings",
    responses((status = 200, body = FindingDetail), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/findings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let response = crate::app::read(&state, who.origin(), move |tx| {
        use_case::read(tx, &who.actor, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// Records the corrective action, its owner and due date, and moves the finding to in
/// progress or closed (closing needs the corrective action written down).
#[utoipa::path(tag = "findings", request_body = FindingPatch,
    responses((status = 200, body = FindingDetail), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/findings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<FindingPatch>,
) -> AppResult<HttpResponse> {
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::update(tx, &who.actor, &id, body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// Accepts a finding's risk instead of correcting it, with the reason: for ROLE-CISO,
/// ROLE-DCISO and ROLE-CSM, never the finding's owner.
#[utoipa::path(tag = "findings", request_body = RiskAcceptanceBody,
    responses((status = 200, body = FindingDetail), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/findings/{id}/risk-acceptance")]
pub async fn accept_risk(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<RiskAcceptanceBody>,
) -> AppResult<HttpResponse> {
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::accept_risk(tx, &who.actor, &id, body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

//! Periodic checks for staff: parse, call
//! `app::checks::officer`, answer. The vendor answers through the portal.

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::checks::officer::{self as use_case, CheckSelection};
pub use crate::app::checks::officer::{
    CheckContact, CheckResponse, CheckSummaryResponse, EngagementRef, EvidenceResponse,
    IntervalBody, IntervalResponse, IssueBody, LinksResponse, QuestionnaireRef, ReviewBody,
    ReviewResponse, RevokedResponse,
};
use crate::app::checks::Env;
use crate::app::page::{Page, Paging};
use crate::error::AppResult;
use crate::http::api::listing::page_of;
use crate::http::csv::{self, Columns};
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::validate::Fields;

/// Sends a questionnaire to a vendor contact: the check, and an email with a new portal
/// link. 409 when a check of that questionnaire is already open for the engagement.
#[utoipa::path(tag = "checks", request_body = IssueBody,
    responses((status = 201, body = CheckResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/checks")]
pub async fn issue(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<IssueBody>,
) -> AppResult<HttpResponse> {
    let app = state.get_ref().clone();
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::issue(tx, &Env::of(&app), &who.actor, &id, body.0)
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/checks/{}", response.id)))
        .json(response))
}

/// The engagement's checks, newest first.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = Vec<CheckSummaryResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/checks")]
pub async fn of_engagement(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = crate::app::read(&state, who.origin(), move |tx| {
        let today = tx.today();
        use_case::of_engagement(tx.conn(), &who.actor, &id, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckQuery {
    /// `sent`, `in_progress`, `submitted`, `returned`, `accepted` or `overdue`, matched
    /// against the state as seen today (`effective_state`).
    #[param(value_type = Option<super::params::CheckStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    /// A vendor's check history.
    pub vendor_id: Option<String>,
    pub division_id: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckExportQuery {
    /// As for the list.
    #[param(value_type = Option<super::params::CheckStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub division_id: Option<String>,
}

impl CheckQuery {
    /// The paging, and the filter as an export would take it.
    fn into_parts(self) -> (Option<String>, Option<String>, CheckExportQuery) {
        let filter = CheckExportQuery {
            state: self.state,
            engagement_id: self.engagement_id,
            vendor_id: self.vendor_id,
            division_id: self.division_id,
        };
        (self.page, self.per_page, filter)
    }
}

impl CheckExportQuery {
    fn selection(self, f: &mut Fields) -> CheckSelection {
        CheckSelection {
            state: use_case::parse_state(f, self.state.as_deref()),
            engagement_id: self.engagement_id,
            vendor_id: self.vendor_id,
            division_id: self.division_id,
        }
    }
}

/// Checks of the engagements the caller may see, newest first.
#[utoipa::path(tag = "checks", params(CheckQuery),
    responses((status = 200, body = Page<CheckSummaryResponse>), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/checks")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CheckQuery>,
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

impl Columns for CheckSummaryResponse {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "engagement_id",
        "engagement_title",
        "vendor_id",
        "vendor_name",
        "questionnaire_id",
        "questionnaire_version",
        "state",
        "effective_state",
        "contact_name",
        "contact_email",
        "issued_at_utc",
        "issued_by",
        "due_on",
        "submitted_at_utc",
        "accepted_on",
        "score_percent",
        "meets_rules",
    ];

    fn cells(self) -> Vec<String> {
        vec![
            self.id,
            self.engagement_id,
            self.engagement_title,
            self.vendor_id,
            self.vendor_name,
            self.questionnaire_id,
            self.questionnaire_version.to_string(),
            self.state.as_str().to_string(),
            self.effective_state.as_str().to_string(),
            self.contact_name,
            self.contact_email,
            csv::time(self.issued_at.naive_utc()),
            self.issued_by.unwrap_or_default(),
            self.due_on.to_string(),
            csv::optional(self.submitted_at.map(|t| csv::time(t.naive_utc()))),
            csv::optional(self.accepted_on),
            csv::optional(self.score_percent),
            self.meets_rules.join(" "),
        ]
    }
}

/// The checks matching the query as CSV (UTF-8 with BOM; English column keys first, as
/// the audit log export). The export is audited.
#[utoipa::path(tag = "checks", params(CheckExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/checks/export.csv")]
pub async fn export(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CheckExportQuery>,
) -> AppResult<HttpResponse> {
    let mut f = Fields::new();
    let wanted = query.into_inner().selection(&mut f);
    f.finish()?;
    let rows = crate::app::read(&state, who.origin(), move |tx| {
        use_case::export(tx, &who.actor, &wanted)
    })
    .await?;
    csv::export("checks", state.today(), rows)
}

/// One check: answers, evidence, reviews, findings and how many links still work. A read
/// of an L3 engagement's check is audited.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = CheckResponse), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/checks/{id}")]
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

/// `filename="…"` for old clients: ASCII only, nothing that needs quoting.
fn ascii_file_name(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if fallback.trim_matches(['_', '.', ' ']).is_empty() {
        "evidence".to_string()
    } else {
        fallback
    }
}

/// RFC 8187 `filename*=UTF-8''…`: every byte but the attr-chars percent-encoded.
fn percent_encoded(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An evidence file, always as a download (`application/octet-stream`, never shown
/// inline), with its SHA-256 in `X-Content-SHA256`. Every download is audited.
#[utoipa::path(tag = "checks",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/checks/{id}/evidence/{evidence_id}")]
pub async fn evidence(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (meta, content) = crate::app::read(&state, who.origin(), move |tx| {
        let (id, evidence_id) = &*path;
        use_case::download_evidence(tx, &who.actor, id, evidence_id)
    })
    .await?;
    Ok(evidence_download(meta, content))
}

/// An evidence file as a download: what the API and the check page both answer.
pub(crate) fn evidence_download(
    meta: crate::db::checks::EvidenceMeta,
    content: Vec<u8>,
) -> HttpResponse {
    file_download(&meta.file_name, meta.sha256, content)
}

/// A stored file as a download (never shown inline), with its SHA-256.
pub(crate) fn file_download(file_name: &str, sha256: String, content: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                ascii_file_name(file_name),
                percent_encoded(file_name)
            ),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Content-SHA256", sha256))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(content)
}

/// Accepts a submitted check (its periodic obligations are met and every non-conforming
/// answer becomes a finding) or returns it to the vendor for correction with a new link.
#[utoipa::path(tag = "checks", request_body = ReviewBody,
    responses((status = 200, body = CheckResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/checks/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ReviewBody>,
) -> AppResult<HttpResponse> {
    let app = state.get_ref().clone();
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::review(tx, &app, &who.actor, &id, body.0)
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::Ok().json(response))
}

async fn renew(
    state: web::Data<AppState>,
    who: SignedIn,
    id: String,
    send_new: bool,
) -> AppResult<HttpResponse> {
    let app = state.get_ref().clone();
    let revoked = crate::app::write(&state, who.origin(), move |tx| {
        use_case::renew_links(tx, &Env::of(&app), &who.actor, &id, send_new)
    })
    .await?;
    if send_new {
        state.wake_delivery.notify();
    }
    Ok(HttpResponse::Ok().json(revoked))
}

/// Revokes every link of the check and emails the contact a new one (a lost or forwarded
/// email). 409 once the check is submitted or accepted.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = RevokedResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/checks/{id}/links")]
pub async fn renew_links(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    renew(state, who, id.into_inner(), true).await
}

/// Revokes every link of the check; nothing new is sent.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = RevokedResponse), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[delete("/checks/{id}/links")]
pub async fn revoke_links(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    renew(state, who, id.into_inner(), false).await
}

/// Sets how often this engagement is checked when it should not follow its level's
/// default; null returns it to the default. The periodic obligations' due dates
/// follow at once.
#[utoipa::path(tag = "checks", request_body = IntervalBody,
    responses((status = 200, body = IntervalResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[put("/engagements/{id}/check-interval")]
pub async fn set_interval(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<IntervalBody>,
) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::set_interval(tx, &config, &who.actor, &id, body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_in_both_forms() {
        assert_eq!(ascii_file_name("report.pdf"), "report.pdf");
        assert_eq!(ascii_file_name("名簿 \"final\".pdf"), "__ _final_.pdf");
        assert_eq!(ascii_file_name("名簿"), "evidence");
        assert_eq!(percent_encoded("名簿 a.pdf"), "%E5%90%8D%E7%B0%BF%20a.pdf");
        assert_eq!(percent_encoded("a\"b;c"), "a%22b%3Bc");
    }
}

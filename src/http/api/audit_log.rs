//! The audit log (R-5.5.7, R-5.8.1.3), for ROLE-AUD and ROLE-CISO: search it, export it
//! as CSV, check its hash chain; parse, call `app::audit_log`, answer. Nobody audits
//! their own activity.

use actix_web::{get, web, HttpResponse};

use crate::app::audit_log as use_case;
pub use crate::app::audit_log::{AuditEntryResponse, AuditQuery, VerificationResponse};
use crate::app::page::Page;
use crate::db;
use crate::error::AppResult;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// Entries, newest first.
#[utoipa::path(tag = "audit log", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntryResponse>), (status = 403)),
    security(("session" = []), ("token" = [])))]
#[get("/audit-log")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let config = state.config.clone();
    let page = db::read(&state.pool, move |conn| {
        use_case::list(conn, &config, &who.actor, &q)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The entries matching the query, oldest first, as CSV (UTF-8 with BOM, so spreadsheet
/// software reads the Japanese). The export itself is audited.
#[utoipa::path(tag = "audit log", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403)),
    security(("session" = []), ("token" = [])))]
#[get("/audit-log/export.csv")]
pub async fn export(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let config = state.config.clone();
    let origin = who.origin();
    let body = crate::app::read(&state, origin, move |tx| {
        use_case::export(tx, &config, &who.actor, &q)
    })
    .await?;
    let name = format!("itaku-audit-log-{}.csv", state.today().format("%Y%m%d"));
    Ok(crate::http::csv::download(&name, body))
}

/// Walks the hash chain and reports the first entry changed, inserted or missing.
#[utoipa::path(tag = "audit log",
    responses((status = 200, body = VerificationResponse), (status = 403)),
    security(("session" = []), ("token" = [])))]
#[get("/audit-log/verification")]
pub async fn verification(state: web::Data<AppState>, who: SignedIn) -> AppResult<HttpResponse> {
    let report = db::read(&state.pool, move |conn| use_case::verify(conn, &who.actor)).await?;
    Ok(HttpResponse::Ok().json(VerificationResponse::from(report)))
}

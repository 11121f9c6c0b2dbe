//! The audit log (R-5.5.7, R-5.8.1.3), for ROLE-AUD and ROLE-CISO: search it, export it
//! as CSV, check its hash chain. Nobody audits their own activity.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::page::{Page, Paging};
use crate::audit::Entry;
use crate::db::{self, audit};
use crate::error::AppResult;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::policy::access::Action;
use crate::validate::Fields;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// From this date (the organisation's time zone), inclusive: YYYY-MM-DD.
    pub from: Option<String>,
    /// Until this date, inclusive.
    pub until: Option<String>,
    /// Only what this user did.
    pub actor_id: Option<String>,
    /// Actions starting with this, e.g. `session.` or `engagement.update`.
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor: String,
    pub address: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub hash: String,
}

impl From<Entry> for AuditEntryResponse {
    fn from(e: Entry) -> Self {
        let parse = |s: Option<String>| s.and_then(|j| serde_json::from_str(&j).ok());
        AuditEntryResponse {
            seq: e.seq,
            occurred_at: e.occurred_at.and_utc(),
            actor_id: e.actor_id,
            actor: e.actor,
            address: e.address,
            request_id: e.request_id,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            before: parse(e.before_json),
            after: parse(e.after_json),
            hash: e.hash,
        }
    }
}

/// The query as a filter, once the actor may read what it asks for (R-11.1.3: not their
/// own activity). Dates are the organisation's, turned into UTC instants.
fn filter(state: &AppState, who: &SignedIn, q: &AuditQuery) -> AppResult<(audit::Filter, Paging)> {
    who.actor.authorize(Action::ReadAuditLog {
        about_user: q.actor_id.as_deref(),
    })?;
    let mut fields = Fields::new();
    let paging = Paging::parse(q.page.as_deref(), q.per_page.as_deref(), &mut fields);
    let from = fields.check_opt(
        "from",
        q.from.as_deref().map(crate::domain::date::parse_iso_date),
    );
    let until = fields.check_opt(
        "until",
        q.until.as_deref().map(crate::domain::date::parse_iso_date),
    );
    fields.finish()?;
    let tz = state.config.time_zone;
    let start_of = |d: NaiveDate| -> NaiveDateTime {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.naive_utc())
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).expect("midnight"))
    };
    let f = audit::Filter {
        from: from.flatten().map(start_of),
        until: until.flatten().and_then(|d| d.succ_opt()).map(start_of),
        actor_id: q.actor_id.clone(),
        action_prefix: q.action.clone(),
        target_type: q.target_type.clone(),
        target_id: q.target_id.clone(),
    };
    Ok((f, paging))
}

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
    let (f, paging) = filter(&state, &who, &q)?;
    let (offset, limit) = (paging.offset(), paging.per_page);
    let (entries, total) = db::read(&state.pool, move |conn| {
        audit::list(conn, &f, offset, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.wrap(
        entries.into_iter().map(AuditEntryResponse::from).collect(),
        total,
    )))
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
    let (f, _) = filter(&state, &who, &q)?;
    let origin = who.origin();
    let described = serde_json::json!({
        "from": q.from, "until": q.until, "actor_id": q.actor_id, "action": q.action,
        "target_type": q.target_type, "target_id": q.target_id,
    });
    let body = crate::app::read(&state, origin, move |tx| {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        let rows = audit::export_csv(tx.conn(), &f, &mut out)?;
        crate::app::record_export(tx, "audit_log.export", &described, rows);
        Ok(out)
    })
    .await?;
    let name = format!("itaku-audit-log-{}.csv", state.today().format("%Y%m%d"));
    Ok(crate::http::csv::download(&name, body))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationResponse {
    pub intact: bool,
    pub entries: u64,
    pub last_seq: i64,
    /// The hash of the newest entry: record it elsewhere, and a later check with
    /// `itaku audit verify --expect-head` proves nothing before it was rewritten.
    pub head_hash: String,
    /// The first break in the chain, when there is one.
    pub first_break: Option<String>,
}

/// Walks the hash chain and reports the first entry changed, inserted or missing.
#[utoipa::path(tag = "audit log",
    responses((status = 200, body = VerificationResponse), (status = 403)),
    security(("session" = []), ("token" = [])))]
#[get("/audit-log/verification")]
pub async fn verification(state: web::Data<AppState>, who: SignedIn) -> AppResult<HttpResponse> {
    who.actor
        .authorize(Action::ReadAuditLog { about_user: None })?;
    let report = db::read(&state.pool, move |conn| audit::verify(conn, None)).await?;
    if let Some(b) = &report.first_break {
        tracing::error!(problem = %b, "audit log chain is broken");
    }
    Ok(HttpResponse::Ok().json(VerificationResponse {
        intact: report.first_break.is_none(),
        entries: report.entries,
        last_seq: report.last_seq,
        head_hash: report.head_hash,
        first_break: report.first_break.map(|b| b.to_string()),
    }))
}

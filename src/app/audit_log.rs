//! The audit log (R-5.5.7, R-5.8.1.3) as its readers use it: searched, exported as CSV,
//! its hash chain checked. For ROLE-AUD and ROLE-CISO, and nobody audits their own
//! activity. The API and the auditor's pages call these alike.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{Page, Paging};
use super::Tx;
use crate::audit::{Entry, Report};
use crate::config::Config;
use crate::db::{audit, DbConnection};
use crate::error::AppResult;
use crate::policy::access::{Action, Actor};
use crate::validate::Fields;

/// A search of the audit log, each value as typed (the API's query and the auditor's
/// filter form alike).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
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

impl From<Report> for VerificationResponse {
    fn from(report: Report) -> Self {
        VerificationResponse {
            intact: report.first_break.is_none(),
            entries: report.entries,
            last_seq: report.last_seq,
            head_hash: report.head_hash,
            first_break: report.first_break.map(|b| b.to_string()),
        }
    }
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The query as a filter, once the actor may read what it asks for (R-11.1.3: not their
/// own activity). Dates are the organisation's, turned into UTC instants; a blank value
/// (an empty field of the form) is no filter.
fn filter(config: &Config, actor: &Actor, q: &AuditQuery) -> AppResult<(audit::Filter, Paging)> {
    let actor_id = text(&q.actor_id);
    actor.authorize(Action::ReadAuditLog {
        about_user: actor_id.as_deref(),
    })?;
    let mut fields = Fields::new();
    let paging = Paging::parse(q.page.as_deref(), q.per_page.as_deref(), &mut fields);
    let from = fields.check_opt(
        "from",
        text(&q.from)
            .as_deref()
            .map(crate::domain::date::parse_iso_date),
    );
    let until = fields.check_opt(
        "until",
        text(&q.until)
            .as_deref()
            .map(crate::domain::date::parse_iso_date),
    );
    fields.finish()?;
    let tz = config.time_zone;
    let start_of = |d: NaiveDate| -> NaiveDateTime {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.naive_utc())
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).expect("midnight"))
    };
    let f = audit::Filter {
        from: from.flatten().map(start_of),
        until: until.flatten().and_then(|d| d.succ_opt()).map(start_of),
        actor_id,
        action_prefix: text(&q.action),
        target_type: text(&q.target_type),
        target_id: text(&q.target_id),
        target_ids: None,
        changes_only: false,
    };
    Ok((f, paging))
}

/// One page of the entries the query asks for, newest first.
pub fn list(
    conn: &mut DbConnection,
    config: &Config,
    actor: &Actor,
    q: &AuditQuery,
) -> AppResult<Page<AuditEntryResponse>> {
    let (f, paging) = filter(config, actor, q)?;
    let (entries, total) = audit::list(conn, &f, paging.offset(), paging.per_page)?;
    Ok(paging.wrap(
        entries.into_iter().map(AuditEntryResponse::from).collect(),
        total,
    ))
}

/// The entries the query asks for, oldest first, as CSV (UTF-8 with BOM, so spreadsheet
/// software reads the Japanese). The export itself is recorded: run it with
/// `app::read`.
pub fn export(tx: &mut Tx, config: &Config, actor: &Actor, q: &AuditQuery) -> AppResult<Vec<u8>> {
    let (f, _) = filter(config, actor, q)?;
    let described = serde_json::json!({
        "from": q.from, "until": q.until, "actor_id": q.actor_id, "action": q.action,
        "target_type": q.target_type, "target_id": q.target_id,
    });
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let rows = audit::export_csv(tx.conn(), &f, &mut out)?;
    super::record_export(tx, "audit_log.export", &described, rows);
    Ok(out)
}

/// Walks the hash chain and reports the first entry changed, inserted or missing; a break
/// is logged as an error, for whoever watches the logs.
pub fn verify(conn: &mut DbConnection, actor: &Actor) -> AppResult<Report> {
    actor.authorize(Action::ReadAuditLog { about_user: None })?;
    let report = audit::verify(conn, None)?;
    if let Some(b) = &report.first_break {
        tracing::error!(problem = %b, "audit log chain is broken");
    }
    Ok(report)
}

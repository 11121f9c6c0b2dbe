//! Running the reminder sweep by hand and looking after the email outbox: ROLE-CSM.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::page::{Page, Paging};
use crate::db::{self, outbox};
use crate::error::AppResult;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::Msg;
use crate::policy::access::Action;
use crate::sweep::SweepReport;
use crate::validate::Fields;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SweepQuery {
    /// true: say what would be sent, send and record nothing.
    pub dry_run: Option<bool>,
}

/// Runs the reminder sweep now, as the schedule would. Nothing already sent is sent
/// again; a dry run lists what would go out.
#[utoipa::path(tag = "admin", params(SweepQuery),
    responses((status = 200, body = SweepReport), (status = 403)),
    security(("session" = []), ("token" = [])))]
#[post("/admin/sweep")]
pub async fn sweep(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<SweepQuery>,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::OperateReminders)?;
    let dry_run = query.dry_run.unwrap_or(false);
    let report = crate::scheduler::Sweeper::of(&state).sweep(dry_run).await?;
    if dry_run {
        return Ok(HttpResponse::Ok().json(report));
    }
    let report = crate::app::write(&state, who.origin(), move |tx| {
        crate::app::outbox::record_sweep(tx, report.today, report.reminders, report.messages);
        Ok(report)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// pending, sent or failed.
    #[param(value_type = Option<super::params::OutboxStatus>, inline)]
    pub status: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    pub recipient_user_id: Option<String>,
    pub to_email: String,
    pub subject: String,
    pub lang: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<outbox::OutboxRow> for OutboxMessage {
    fn from(r: outbox::OutboxRow) -> Self {
        OutboxMessage {
            id: r.id,
            recipient_user_id: r.recipient_user_id,
            to_email: r.to_email,
            subject: r.subject,
            lang: r.lang,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at.and_utc(),
            last_error: r.last_error,
            created_at: r.created_at.and_utc(),
            sent_at: r.sent_at.map(|t| t.and_utc()),
        }
    }
}

/// The email outbox, newest first: what is waiting, what went out, what failed and why.
#[utoipa::path(tag = "admin", params(OutboxQuery),
    responses((status = 200, body = Page<OutboxMessage>), (status = 403), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/admin/outbox")]
pub async fn outbox_list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<OutboxQuery>,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::OperateReminders)?;
    let q = query.into_inner();
    let mut fields = Fields::new();
    let paging = Paging::parse(q.page.as_deref(), q.per_page.as_deref(), &mut fields);
    let status = q.status.clone();
    if status
        .as_deref()
        .is_some_and(|s| !matches!(s, "pending" | "sent" | "failed"))
    {
        fields.push(
            "status",
            "invalid",
            Msg::new(
                "pending、sent、failed のいずれかを指定してください",
                "Must be one of: pending, sent, failed",
            ),
        );
    }
    fields.finish()?;
    let (offset, limit) = (paging.offset(), paging.per_page);
    let (rows, total) = db::read(&state.pool, move |conn| {
        outbox::list(conn, status.as_deref(), offset, limit)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(paging.wrap(rows.into_iter().map(OutboxMessage::from).collect(), total)))
}

/// Sends a failed message again, from a first attempt (e.g. after fixing the address).
#[utoipa::path(tag = "admin",
    responses((status = 204), (status = 403), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/admin/outbox/{id}/retry")]
pub async fn outbox_retry(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    crate::app::write(&state, who.origin(), move |tx| {
        crate::app::outbox::retry(tx, &who.actor, &id)
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::NoContent().finish())
}

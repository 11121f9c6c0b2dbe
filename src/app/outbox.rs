//! Looking after the email outbox and the reminder sweep run by hand (ROLE-CSM).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::page::{Page, Paging};
use super::Tx;
use crate::audit::Event;
use crate::db::{outbox, DbConnection};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::validate::Fields;

/// The states a message of the outbox is in.
pub const STATUSES: [&str; 3] = ["pending", "sent", "failed"];

/// A page of the outbox, as asked for (the API's query and the outbox page alike), each
/// value as typed.
#[derive(Debug, Clone, Default)]
pub struct OutboxQuery {
    /// pending, sent or failed; blank for all.
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
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    q: &OutboxQuery,
) -> AppResult<Page<OutboxMessage>> {
    actor.authorize(Action::OperateReminders)?;
    let mut fields = Fields::new();
    let paging = Paging::parse(q.page.as_deref(), q.per_page.as_deref(), &mut fields);
    let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if status.is_some_and(|s| !STATUSES.contains(&s)) {
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
    let (rows, total) = outbox::list(conn, status, paging.offset(), paging.per_page)?;
    Ok(paging.wrap(rows.into_iter().map(OutboxMessage::from).collect(), total))
}

/// Records a sweep run by hand: its day, and how many reminders and messages it queued
/// (a dry run writes and records nothing).
pub fn record_sweep(tx: &mut Tx, today: chrono::NaiveDate, reminders: usize, messages: usize) {
    tx.record(Event::new("reminders.sweep").after(&serde_json::json!({
        "today": today, "reminders": reminders, "messages": messages,
    })));
}

/// Sends a failed message again, from a first attempt (e.g. after fixing the address).
pub fn retry(tx: &mut Tx, actor: &Actor, id: &str) -> AppResult<()> {
    actor.authorize(Action::OperateReminders)?;
    let now = tx.now().naive_utc();
    if !outbox::retry(tx.conn(), id, now)? {
        return Err(AppError::Conflict {
            message: Msg::new(
                "送信に失敗したメッセージだけを再送できます",
                "Only a failed message can be sent again",
            ),
            allowed: vec![],
        });
    }
    tx.record(Event::new("outbox.retry").target("outbox", id));
    Ok(())
}

/// Queues an email rendered for a vendor's contact (who has no account).
pub fn queue_to_contact(
    conn: &mut crate::db::DbConnection,
    (name, email): (&str, &str),
    lang: crate::i18n::Lang,
    rendered: &crate::mail::RenderedEmail,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    crate::db::outbox::enqueue(
        conn,
        &crate::db::outbox::NewMessage {
            id: &crate::db::outbox::next_id(),
            recipient_user_id: None,
            to_email: email,
            to_name: name,
            lang: lang.as_str(),
            subject: &rendered.subject,
            text: &rendered.text,
            html: &rendered.html,
        },
        now,
    )
}

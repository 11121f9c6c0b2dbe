//! The email outbox: messages written in the same transaction as the decision to send
//! them, then delivered by a worker that leases a few at a time, so a message is never
//! lost when the SMTP server is down and never sent by two workers at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::outbox;
use super::{new_id, DbConnection};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub recipient_user_id: Option<String>,
    pub to_email: String,
    pub to_name: String,
    pub lang: String,
    pub subject: String,
    #[serde(skip)]
    pub text_body: String,
    #[serde(skip)]
    pub html_body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub recipient_user_id: Option<&'a str>,
    pub to_email: &'a str,
    pub to_name: &'a str,
    pub lang: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// A fresh message id (taken before the message, so reminders can point at it).
pub fn next_id() -> String {
    new_id()
}

pub fn enqueue(conn: &mut DbConnection, m: &NewMessage, now: NaiveDateTime) -> AppResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(m.id),
            outbox::recipient_user_id.eq(m.recipient_user_id),
            outbox::to_email.eq(m.to_email),
            outbox::to_name.eq(m.to_name),
            outbox::lang.eq(m.lang),
            outbox::subject.eq(m.subject),
            outbox::text_body.eq(m.text),
            outbox::html_body.eq(m.html),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Leases up to `limit` messages due for an attempt until `lease_until`, in the caller's
/// write transaction. On PostgreSQL the rows are locked with SKIP LOCKED, so instances
/// claiming at the same moment take different messages; on SQLite the write
/// transaction already excludes every other writer.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<OutboxRow>> {
    // The same query for each backend: only PostgreSQL has row locks to skip.
    macro_rules! due {
        () => {
            outbox::table
                .filter(outbox::status.eq("pending"))
                .filter(outbox::next_attempt_at.le(now))
                .filter(
                    outbox::claimed_until
                        .is_null()
                        .or(outbox::claimed_until.lt(now)),
                )
                .order(outbox::next_attempt_at.asc())
                .limit(limit)
                .select(OutboxRow::as_select())
        };
    }
    let rows: Vec<OutboxRow> = match conn {
        DbConnection::Postgresql(c) => due!().for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => due!().load(c)?,
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set(outbox::claimed_until.eq(Some(lease_until)))
        .execute(conn)?;
    Ok(rows)
}

/// Ends the lease on messages a worker took but will not send now.
pub fn release(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::claimed_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

pub fn mark_sent(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(Some(now)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: tried again at `retry_at`, or given up (`None`): failed.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> AppResult<()> {
    let error: String = error.chars().take(1000).collect();
    match retry_at {
        Some(at) => diesel::update(outbox::table.find(id))
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::next_attempt_at.eq(at),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq("failed"),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Puts a failed message back in the queue, from a first attempt.
pub fn retry(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(outbox::table.find(id).filter(outbox::status.eq("failed")))
        .set((
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Messages, newest first, optionally of one status, with the total.
pub fn list(
    conn: &mut DbConnection,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<OutboxRow>, i64)> {
    let mut query = outbox::table.select(OutboxRow::as_select()).into_boxed();
    let mut count = outbox::table.count().into_boxed();
    if let Some(s) = status {
        query = query.filter(outbox::status.eq(s.to_string()));
        count = count.filter(outbox::status.eq(s.to_string()));
    }
    let total = count.get_result(conn)?;
    let rows = query
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// When the next pending message is due, to sleep until then.
pub fn next_due(conn: &mut DbConnection) -> AppResult<Option<NaiveDateTime>> {
    Ok(outbox::table
        .filter(outbox::status.eq("pending"))
        .select(diesel::dsl::min(outbox::next_attempt_at))
        .first(conn)?)
}

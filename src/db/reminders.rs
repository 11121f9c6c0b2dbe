//! Which reminder stage of which deadline each person has been sent: what makes a
//! reminder go out once, whatever runs the sweep and however often.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::reminders_sent;
use super::DbConnection;
use crate::error::AppResult;

/// Records that `recipient` is told of `stage` of `deadline_key` by message `outbox_id`:
/// true when this call recorded it, false when it already was (by this or another
/// instance: on PostgreSQL a concurrent insert of the same key waits for the other
/// transaction and then does nothing).
pub fn record(
    conn: &mut DbConnection,
    deadline_key: &str,
    stage: &str,
    recipient_user_id: &str,
    outbox_id: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let values = (
        reminders_sent::deadline_key.eq(deadline_key),
        reminders_sent::stage.eq(stage),
        reminders_sent::recipient_user_id.eq(recipient_user_id),
        reminders_sent::outbox_id.eq(outbox_id),
        reminders_sent::created_at.eq(now),
    );
    // ON CONFLICT is spelled the same on both, but diesel's multi-backend connection does
    // not build it: each backend gets its own statement.
    let inserted = match conn {
        DbConnection::Postgresql(c) => diesel::insert_into(reminders_sent::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_into(reminders_sent::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

/// Whether the stage was already sent (for a dry run, which writes nothing).
pub fn was_sent(
    conn: &mut DbConnection,
    deadline_key: &str,
    stage: &str,
    recipient_user_id: &str,
) -> AppResult<bool> {
    let n: i64 = reminders_sent::table
        .filter(reminders_sent::deadline_key.eq(deadline_key))
        .filter(reminders_sent::stage.eq(stage))
        .filter(reminders_sent::recipient_user_id.eq(recipient_user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

//! Which reminder stage of which deadline each person has been sent: what makes a
//! reminder go out once, whatever runs the sweep and however often.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::reminders_sent;
use super::DbConnection;
use crate::error::AppResult;

/// Which of these deadlines' reminders the person was already sent, as (deadline, stage):
/// a few queries, so that a sweep on a day when little is new does not try every
/// reminder one by one, and reads only what concerns today's deadlines rather than
/// everything the person was ever sent.
pub fn sent_to(
    conn: &mut DbConnection,
    recipient_user_id: &str,
    deadline_keys: &[&str],
) -> AppResult<std::collections::HashSet<(String, String)>> {
    let mut sent = std::collections::HashSet::new();
    for chunk in deadline_keys.chunks(1000) {
        sent.extend(
            reminders_sent::table
                .filter(reminders_sent::deadline_key.eq_any(chunk))
                .filter(reminders_sent::recipient_user_id.eq(recipient_user_id))
                .select((reminders_sent::deadline_key, reminders_sent::stage))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(sent)
}

/// Records many reminders of one person at once (in chunks), returning the (deadline,
/// stage) pairs this call recorded. A pair recorded already (by this or another instance:
/// on PostgreSQL a concurrent insert of the same key waits for the other transaction and
/// then does nothing) is not returned.
pub fn record_many(
    conn: &mut DbConnection,
    pairs: &[(&str, &str)],
    recipient_user_id: &str,
    outbox_id: &str,
    now: NaiveDateTime,
) -> AppResult<Vec<(String, String)>> {
    let mut recorded = Vec::new();
    for chunk in pairs.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(key, stage)| {
                (
                    reminders_sent::deadline_key.eq(*key),
                    reminders_sent::stage.eq(*stage),
                    reminders_sent::recipient_user_id.eq(recipient_user_id),
                    reminders_sent::outbox_id.eq(outbox_id),
                    reminders_sent::created_at.eq(now),
                )
            })
            .collect();
        let returned: Vec<(String, String)> = match conn {
            DbConnection::Postgresql(c) => diesel::insert_into(reminders_sent::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .returning((reminders_sent::deadline_key, reminders_sent::stage))
                .get_results(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(reminders_sent::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .returning((reminders_sent::deadline_key, reminders_sent::stage))
                .get_results(c)?,
        };
        recorded.extend(returned);
    }
    Ok(recorded)
}

//! Which reminder stage of which deadline each person has been sent: what makes a
//! reminder go out once, whatever runs the sweep and however often.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::{reminder_marks, reminders_sent};
use super::DbConnection;
use crate::error::AppResult;

/// Which of these deadlines' reminders the person was already sent, as (deadline, stage):
/// a few queries, so that a sweep on a day when little is new does not try every
/// reminder one by one, and reads only what concerns today's deadlines rather than
/// everything the person was ever sent. (Filtering on the stages asked for as well makes
/// SQLite probe every key with every stage: a hundred times the work for the CISO.)
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

/// The fingerprints of what complete sweeps made sure of (see the `reminder_marks`
/// migration), as stored.
pub fn marks(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    Ok(reminder_marks::table
        .select(reminder_marks::told)
        .load::<String>(conn)?)
}

/// Stores each deadline's fingerprint (deadline key, fingerprint) as of `today`, replacing
/// the one it had.
pub fn mark(conn: &mut DbConnection, marks: &[(&str, String)], today: NaiveDate) -> AppResult<()> {
    for chunk in marks.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(key, told)| {
                (
                    reminder_marks::deadline_key.eq(*key),
                    reminder_marks::told.eq(told.as_str()),
                    reminder_marks::marked_on.eq(today),
                )
            })
            .collect();
        let update = (
            reminder_marks::told.eq(excluded(reminder_marks::told)),
            reminder_marks::marked_on.eq(excluded(reminder_marks::marked_on)),
        );
        match conn {
            DbConnection::Postgresql(c) => diesel::insert_into(reminder_marks::table)
                .values(&rows)
                .on_conflict(reminder_marks::deadline_key)
                .do_update()
                .set(update)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(reminder_marks::table)
                .values(&rows)
                .on_conflict(reminder_marks::deadline_key)
                .do_update()
                .set(update)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Forgets the fingerprints not renewed since `before`: a deadline still open is marked
/// again whenever its stage moves (weekly once overdue), so these are of deadlines met or
/// gone. Forgetting one only makes a sweep look its reminders up again.
pub fn forget_marks_before(conn: &mut DbConnection, before: NaiveDate) -> AppResult<usize> {
    Ok(
        diesel::delete(reminder_marks::table.filter(reminder_marks::marked_on.lt(before)))
            .execute(conn)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn a_mark_is_replaced_when_its_deadline_tells_anew_and_forgotten_once_a_year_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("marks.sqlite3").display().to_string();
        let config = Config::from_pairs(&[("database_url", path.as_str())]).unwrap();
        let mut conn = crate::db::open(&config.database).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2027, 6, d).unwrap();
        let sorted = |conn: &mut DbConnection| {
            let mut m = marks(conn).unwrap();
            m.sort();
            m
        };
        mark(&mut conn, &[("a", "01".into()), ("b", "02".into())], day(1)).unwrap();
        mark(&mut conn, &[("b", "03".into())], day(8)).unwrap();
        assert_eq!(sorted(&mut conn), ["01", "03"], "b's mark replaced");
        assert_eq!(forget_marks_before(&mut conn, day(8)).unwrap(), 1);
        assert_eq!(sorted(&mut conn), ["03"]);
    }
}

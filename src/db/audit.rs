//! The audit log's SQL (R-5.5.7, R-5.8.1.3): appending to the hash chain, reading it
//! back, verifying it, exporting it and the retention purge. What an entry is and how the
//! chain is checked lives in `crate::audit`.
//!
//! The application only ever inserts into `audit_log`, and only here; the one DELETE is the
//! retention purge, which moves the chain's recorded start so that what is left still
//! verifies and records itself as an entry.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use diesel::connection::TransactionManager;
use diesel::prelude::*;

use super::schema::{audit_head, audit_log};
use super::{lower, DbConnection};
use crate::audit::{Entry, Event, Head, Origin, Report, Verifier};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

type Backend = <DbConnection as Connection>::Backend;
type Tm = <DbConnection as Connection>::TransactionManager;

/// Rows read per query when walking the whole log.
const PAGE: i64 = 1000;

/// `occurred_at` in the CSV export.
const CSV_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// The CSV export's columns.
pub const CSV_HEADER: [&str; 13] = [
    "seq",
    "occurred_at_utc",
    "actor_id",
    "actor",
    "address",
    "request_id",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "prev_hash",
    "hash",
];

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
struct Row {
    seq: i64,
    occurred_at: NaiveDateTime,
    actor_id: Option<String>,
    actor: String,
    address: Option<String>,
    request_id: Option<String>,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<Row> for Entry {
    fn from(r: Row) -> Entry {
        Entry {
            seq: r.seq,
            occurred_at: r.occurred_at,
            actor_id: r.actor_id,
            actor: r.actor,
            address: r.address,
            request_id: r.request_id,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            before_json: r.before_json,
            after_json: r.after_json,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

impl From<&Entry> for Row {
    fn from(e: &Entry) -> Row {
        Row {
            seq: e.seq,
            occurred_at: e.occurred_at,
            actor_id: e.actor_id.clone(),
            actor: e.actor.clone(),
            address: e.address.clone(),
            request_id: e.request_id.clone(),
            action: e.action.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            before_json: e.before_json.clone(),
            after_json: e.after_json.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

fn in_transaction(conn: &mut DbConnection) -> AppResult<bool> {
    Ok(Tm::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some())
}

/// Runs `f` in the caller's transaction, or in a write transaction of its own when there
/// is none, so that an entry is never half written.
fn in_write<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    if in_transaction(conn)? {
        f(conn)
    } else {
        super::write(conn, f)
    }
}

/// Runs `f` over one snapshot of the database (the caller's transaction if there is one),
/// so that entries appended while a long walk reads page after page do not look like rows
/// added past the head it read first.
fn in_snapshot<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    if in_transaction(conn)? {
        return f(conn);
    }
    super::snapshot(conn, f)
}

/// Takes the chain's lock: on PostgreSQL the row lock on `audit_head` serialises appends
/// across instances until the transaction ends; on SQLite the write transaction already
/// holds the database's one write lock.
fn lock(conn: &mut DbConnection) -> AppResult<()> {
    let n = diesel::update(audit_head::table.find(1))
        .set(audit_head::last_seq.eq(audit_head::last_seq))
        .execute(conn)?;
    if n != 1 {
        return Err(AppError::Internal(
            "the audit_head row is missing: the audit log cannot be appended to".into(),
        ));
    }
    Ok(())
}

/// Appends one entry, in the caller's write transaction (so the entry and the change it
/// records commit together or not at all; without a transaction it opens its own). Locks
/// the chain first, reads `audit_head`, and writes the entry as `last_seq + 1` linked to
/// `last_hash`, stamped now (UTC, to the microsecond).
pub fn append(
    conn: &mut DbConnection,
    origin: &Origin,
    event: &Event,
    now: NaiveDateTime,
) -> AppResult<Entry> {
    in_write(conn, |conn| {
        lock(conn)?;
        let head = head(conn)?;
        let entry = Entry::build(head.last_seq + 1, now, origin, event, &head.last_hash);
        diesel::insert_into(audit_log::table)
            .values(Row::from(&entry))
            .execute(conn)?;
        diesel::update(audit_head::table.find(1))
            .set((
                audit_head::last_seq.eq(entry.seq),
                audit_head::last_hash.eq(&entry.hash),
            ))
            .execute(conn)?;
        Ok(entry)
    })
}

/// The chain's recorded boundaries.
pub fn head(conn: &mut DbConnection) -> AppResult<Head> {
    let (last_seq, last_hash, first_seq, first_prev_hash) = audit_head::table
        .find(1)
        .select((
            audit_head::last_seq,
            audit_head::last_hash,
            audit_head::first_seq,
            audit_head::first_prev_hash,
        ))
        .first::<(i64, String, i64, String)>(conn)?;
    Ok(Head {
        last_seq,
        last_hash,
        first_seq,
        first_prev_hash,
    })
}

/// Entries with seq in (`after`, `through`], in seq order, at most [`PAGE`].
fn page(
    conn: &mut DbConnection,
    filter: Option<&Filter>,
    after: Option<i64>,
    through: Option<i64>,
) -> AppResult<Vec<Entry>> {
    let mut query = match filter {
        Some(f) => filtered(f),
        None => audit_log::table.into_boxed(),
    };
    if let Some(after) = after {
        query = query.filter(audit_log::seq.gt(after));
    }
    if let Some(through) = through {
        query = query.filter(audit_log::seq.le(through));
    }
    let rows: Vec<Row> = query
        .order(audit_log::seq.asc())
        .limit(PAGE)
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Entry::from).collect())
}

/// Feeds every entry with seq up to `through` (all when None) to `verifier`, a page at a
/// time, until it reports a break.
fn walk(conn: &mut DbConnection, verifier: &mut Verifier, through: Option<i64>) -> AppResult<()> {
    let mut after = None;
    loop {
        let entries = page(conn, None, after, through)?;
        for e in &entries {
            if !verifier.push(e) {
                return Ok(());
            }
        }
        match entries.last() {
            Some(last) if entries.len() as i64 == PAGE => after = Some(last.seq),
            _ => return Ok(()),
        }
    }
}

/// Verifies the whole chain against `audit_head` (and `expect_head`, a head hash recorded
/// elsewhere, which the chain must pass through), reading it in pages of [`PAGE`] entries
/// by seq over one snapshot.
pub fn verify(conn: &mut DbConnection, expect_head: Option<String>) -> AppResult<Report> {
    in_snapshot(conn, |conn| {
        let mut verifier = Verifier::new(head(conn)?, expect_head);
        walk(conn, &mut verifier, None)?;
        Ok(verifier.finish())
    })
}

/// Which entries to list or export; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `occurred_at` at or after (UTC).
    pub from: Option<NaiveDateTime>,
    /// `occurred_at` before (UTC, exclusive).
    pub until: Option<NaiveDateTime>,
    pub actor_id: Option<String>,
    /// The action starts with this, case-insensitively (e.g. `user.` or `config`).
    pub action_prefix: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// The target is any of these (ids are unique across kinds): an engagement and
    /// everything that belongs to it, for its timeline.
    pub target_ids: Option<Vec<String>>,
    /// Leave out the reads recorded for L3 information (`*.read_l3`, R-5.5.7): a
    /// timeline of what changed, not of who looked.
    pub changes_only: bool,
}

/// `LIKE … ESCAPE '\'` pattern for text starting with `prefix`, lower-cased.
fn prefix_pattern(prefix: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + 1);
    for c in prefix.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

fn filtered(filter: &Filter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::occurred_at.lt(until));
    }
    if let Some(actor_id) = &filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor_id.clone()));
    }
    if let Some(prefix) = &filter.action_prefix {
        query = query.filter(
            lower(audit_log::action)
                .like(prefix_pattern(prefix))
                .escape('\\'),
        );
    }
    if let Some(target_type) = &filter.target_type {
        query = query.filter(audit_log::target_type.eq(target_type.clone()));
    }
    if let Some(target_id) = &filter.target_id {
        query = query.filter(audit_log::target_id.eq(target_id.clone()));
    }
    if let Some(ids) = &filter.target_ids {
        query = query.filter(audit_log::target_id.eq_any(ids.clone()));
    }
    if filter.changes_only {
        query = query.filter(audit_log::action.not_like("%.read\\_l3").escape('\\'));
    }
    query
}

/// One page of the entries matching `filter`, newest first, with how many match in all.
pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<Entry>, i64)> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let rows: Vec<Row> = filtered(filter)
        .order(audit_log::seq.desc())
        .offset(offset)
        .limit(limit)
        .select(Row::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(Entry::from).collect(), total))
}

/// A spreadsheet reads a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage
/// return before one) as a formula; a leading apostrophe keeps it text.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn csv_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("writing the audit log export: {e}"))
}

/// Every entry matching `filter`, in seq order, as CSV ([`CSV_HEADER`] first) written to
/// `out`, read a page at a time over one snapshot. Returns the number of entries written.
/// Cells that a spreadsheet would take for a formula get a leading apostrophe, so the
/// export is for reading: verify the chain with `verify`, not from the CSV.
pub fn export_csv<W: std::io::Write>(
    conn: &mut DbConnection,
    filter: &Filter,
    out: W,
) -> AppResult<u64> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(CSV_HEADER).map_err(csv_error)?;
    let written = in_snapshot(conn, |conn| {
        let mut written = 0u64;
        let mut after = None;
        loop {
            let entries = page(conn, Some(filter), after, None)?;
            for e in &entries {
                let seq = e.seq.to_string();
                let at = e.occurred_at.format(CSV_TIME_FORMAT).to_string();
                let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                let cells = [
                    seq,
                    at,
                    opt(&e.actor_id),
                    e.actor.clone(),
                    opt(&e.address),
                    opt(&e.request_id),
                    e.action.clone(),
                    opt(&e.target_type),
                    opt(&e.target_id),
                    opt(&e.before_json),
                    opt(&e.after_json),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ];
                csv.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))
                    .map_err(csv_error)?;
                written += 1;
            }
            match entries.last() {
                Some(last) if entries.len() as i64 == PAGE => after = Some(last.seq),
                _ => return Ok(written),
            }
        }
    })?;
    csv.flush().map_err(csv_error)?;
    Ok(written)
}

/// Retention (R-5.5.7 "kept for a set period"): removes the entries older than `before`,
/// in the caller's write transaction (or its own), and returns how many.
///
/// The chain must stay contiguous, so it removes the longest run from the start whose
/// entries are all older than `before` (an entry stamped earlier than one before it, from
/// another instance's clock, waits for a later purge), and never the newest entry. The
/// removed entries are verified first: a purge refuses to destroy evidence of tampering.
/// `audit_head.first_seq`/`first_prev_hash` then move to the first entry kept, so what is
/// left still verifies, and an `audit.purge` entry by `origin` records
/// `{"removed": n, "through_seq": s, "before": "<timestamp>"}`. Nothing removed, nothing
/// recorded.
pub fn purge_before(
    conn: &mut DbConnection,
    origin: &Origin,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<u64> {
    in_write(conn, |conn| {
        lock(conn)?;
        let head = head(conn)?;
        let first_newer: Option<i64> = audit_log::table
            .filter(audit_log::occurred_at.ge(before))
            .select(audit_log::seq)
            .order(audit_log::seq.asc())
            .first(conn)
            .optional()?;
        let through = first_newer
            .map_or(i64::MAX, |seq| seq - 1)
            .min(head.last_seq - 1);
        if through < head.first_seq {
            return Ok(0);
        }
        let last_removed_hash: Option<String> = audit_log::table
            .find(through)
            .select(audit_log::hash)
            .first(conn)
            .optional()?;
        let range = Head {
            last_seq: through,
            last_hash: last_removed_hash.clone().unwrap_or_default(),
            first_seq: head.first_seq,
            first_prev_hash: head.first_prev_hash.clone(),
        };
        let mut verifier = Verifier::new(range, None);
        walk(conn, &mut verifier, Some(through))?;
        let (Some(last_removed_hash), None) = (last_removed_hash, verifier.finish().first_break)
        else {
            return Err(AppError::Conflict {
                message: Msg::new(
                    format!(
                        "削除対象の監査ログ（{through} 番まで）が改ざんされている可能性があるため、\
                         削除しません。itaku audit verify で確認してください"
                    ),
                    format!(
                        "the audit log entries to be purged (through entry {through}) do not \
                         verify, so they are kept; run itaku audit verify"
                    ),
                ),
                allowed: Vec::new(),
            });
        };
        let removed = diesel::delete(audit_log::table.filter(audit_log::seq.le(through)))
            .execute(conn)? as u64;
        diesel::update(audit_head::table.find(1))
            .set((
                audit_head::first_seq.eq(through + 1),
                audit_head::first_prev_hash.eq(&last_removed_hash),
            ))
            .execute(conn)?;
        append(
            conn,
            origin,
            &Event::new("audit.purge").after(&serde_json::json!({
                "removed": removed,
                "through_seq": through,
                "before": before.format(CSV_TIME_FORMAT).to_string(),
            })),
            now,
        )?;
        Ok(removed)
    })
}

/// The `after` of the newest entry with this action (e.g. the last recorded
/// configuration), or None when there is none or it has no `after`.
pub fn last_after(conn: &mut DbConnection, action: &str) -> AppResult<Option<serde_json::Value>> {
    let after: Option<Option<String>> = audit_log::table
        .filter(audit_log::action.eq(action))
        .order(audit_log::seq.desc())
        .select(audit_log::after_json)
        .first(conn)
        .optional()?;
    match after.flatten() {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            AppError::Internal(format!(
                "the audit log's last {action} entry holds unreadable JSON: {e}"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Break, GENESIS};
    use crate::db;
    use crate::db::now_utc;

    use crate::db::test_databases::{on_each_database, on_each_database_config};

    fn origin() -> Origin {
        Origin {
            actor_id: Some("u1".into()),
            actor: "tanaka@example.jp".into(),
            address: Some("192.0.2.10".into()),
            request_id: Some("req-1".into()),
        }
    }

    fn event(i: usize) -> Event {
        Event::new("vendor.update")
            .target("vendor", &format!("v{i}"))
            .before(&serde_json::json!({"legal_name": "旧商号", "i": i}))
            .after(&serde_json::json!({"legal_name": "新商号", "i": i}))
    }

    fn append_n(conn: &mut DbConnection, n: usize) -> Vec<Entry> {
        db::write(conn, |c| {
            (1..=n)
                .map(|i| append(c, &origin(), &event(i), now_utc()))
                .collect()
        })
        .expect("append")
    }

    fn intact(conn: &mut DbConnection) -> Report {
        let report = verify(conn, None).expect("verify");
        assert_eq!(report.first_break, None, "{report:?}");
        report
    }

    fn sql(conn: &mut DbConnection, statement: &str) {
        diesel::sql_query(statement).execute(conn).expect(statement);
    }

    #[test]
    fn appended_entries_verify_and_read_back_unchanged() {
        on_each_database(|conn| {
            let report = intact(conn);
            assert_eq!((report.entries, report.last_seq), (0, 0));
            assert_eq!(report.head_hash, GENESIS);

            let entries = append_n(conn, 5);
            assert_eq!(
                entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
                [1, 2, 3, 4, 5]
            );
            let report = intact(conn);
            assert_eq!((report.entries, report.last_seq), (5, 5));
            assert_eq!(report.head_hash, entries[4].hash);
            let h = head(conn).unwrap();
            assert_eq!((h.last_seq, h.last_hash), (5, entries[4].hash.clone()));

            let (mut listed, total) = list(conn, &Filter::default(), 0, 10).unwrap();
            assert_eq!(total, 5);
            listed.reverse();
            assert_eq!(listed, entries, "timestamps and text read back exactly");
        });
    }

    #[test]
    fn an_updated_entry_is_changed() {
        on_each_database(|conn| {
            append_n(conn, 4);
            sql(conn, "UPDATE audit_log SET action = 'x' WHERE seq = 2");
            let report = verify(conn, None).unwrap();
            assert_eq!(report.first_break, Some(Break::Changed { seq: 2 }));
            assert_eq!((report.entries, report.last_seq), (1, 1));
        });
    }

    #[test]
    fn a_deleted_entry_is_missing() {
        on_each_database(|conn| {
            append_n(conn, 5);
            sql(conn, "DELETE FROM audit_log WHERE seq = 3");
            assert_eq!(
                verify(conn, None).unwrap().first_break,
                Some(Break::Missing {
                    after_seq: Some(2),
                    expected_seq: 3
                })
            );
        });
    }

    #[test]
    fn deleted_first_and_last_entries_and_added_rows_are_found() {
        on_each_database(|conn| {
            let entries = append_n(conn, 5);
            sql(conn, "DELETE FROM audit_log WHERE seq = 5");
            assert_eq!(
                verify(conn, None).unwrap().first_break,
                Some(Break::Missing {
                    after_seq: Some(4),
                    expected_seq: 5
                })
            );
            diesel::insert_into(audit_log::table)
                .values(Row::from(&entries[4]))
                .execute(conn)
                .unwrap();
            intact(conn);

            let extra = Entry::build(6, now_utc(), &origin(), &event(6), &entries[4].hash);
            diesel::insert_into(audit_log::table)
                .values(Row::from(&extra))
                .execute(conn)
                .unwrap();
            assert_eq!(
                verify(conn, None).unwrap().first_break,
                Some(Break::Inserted { seq: 6 })
            );
            sql(conn, "DELETE FROM audit_log WHERE seq = 6");

            sql(conn, "DELETE FROM audit_log WHERE seq <= 2");
            assert_eq!(
                verify(conn, None).unwrap().first_break,
                Some(Break::Missing {
                    after_seq: None,
                    expected_seq: 1
                })
            );
        });
    }

    #[test]
    fn expect_head_is_checked() {
        on_each_database(|conn| {
            let entries = append_n(conn, 3);
            assert!(verify(conn, Some(entries[1].hash.clone()))
                .unwrap()
                .is_intact());
            let other = "f".repeat(64);
            assert_eq!(
                verify(conn, Some(other.clone())).unwrap().first_break,
                Some(Break::HeadMismatch {
                    expected: other,
                    found: entries[2].hash.clone()
                })
            );
        });
    }

    #[test]
    fn appends_in_separate_transactions_link() {
        on_each_database(|conn| {
            let a = db::write(conn, |c| append(c, &origin(), &event(1), now_utc())).unwrap();
            let b = db::write(conn, |c| {
                append(c, &Origin::system("system"), &event(2), now_utc())
            })
            .unwrap();
            // Outside a transaction, append opens its own.
            let c = append(
                conn,
                &Origin::system("cli:root"),
                &Event::new("config.change"),
                now_utc(),
            )
            .unwrap();
            assert_eq!((a.seq, b.seq, c.seq), (1, 2, 3));
            assert_eq!(a.prev_hash, GENESIS);
            assert_eq!(b.prev_hash, a.hash);
            assert_eq!(c.prev_hash, b.hash);
            intact(conn);
        });
    }

    #[test]
    fn an_entry_rolls_back_with_its_change() {
        on_each_database(|conn| {
            append_n(conn, 2);
            let failed: AppResult<()> = db::write(conn, |c| {
                append(c, &origin(), &event(3), now_utc())?;
                Err(AppError::Internal("the change failed".into()))
            });
            assert!(failed.is_err());
            assert_eq!(head(conn).unwrap().last_seq, 2);
            let next = append(conn, &origin(), &event(3), now_utc()).unwrap();
            assert_eq!(next.seq, 3);
            intact(conn);
        });
    }

    #[test]
    fn verify_and_export_page_through_a_long_log() {
        on_each_database(|conn| {
            append_n(conn, 2 * PAGE as usize + 7);
            let report = intact(conn);
            assert_eq!(report.entries, 2 * PAGE as u64 + 7);
            let mut out = Vec::new();
            let n = export_csv(conn, &Filter::default(), &mut out).unwrap();
            assert_eq!(n, 2 * PAGE as u64 + 7);
            assert_eq!(out.iter().filter(|&&b| b == b'\n').count() as u64, n + 1);
            sql(conn, "UPDATE audit_log SET actor = 'x' WHERE seq = 1500");
            assert_eq!(
                verify(conn, None).unwrap().first_break,
                Some(Break::Changed { seq: 1500 })
            );
        });
    }

    #[test]
    fn purging_keeps_the_rest_verifiable() {
        on_each_database(|conn| {
            append_n(conn, 3);
            std::thread::sleep(std::time::Duration::from_millis(5));
            let cut = now_utc();
            std::thread::sleep(std::time::Duration::from_millis(5));
            append_n(conn, 2);
            let retention = Origin::system("system");

            assert_eq!(purge_before(conn, &retention, cut, now_utc()).unwrap(), 3);
            let h = head(conn).unwrap();
            assert_eq!((h.first_seq, h.last_seq), (4, 6));
            let report = intact(conn);
            assert_eq!(report.entries, 3);
            let recorded = last_after(conn, "audit.purge").unwrap().unwrap();
            assert_eq!(recorded["removed"], 3);
            assert_eq!(recorded["through_seq"], 3);
            assert_eq!(
                recorded["before"],
                cut.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            );

            // Nothing older left: nothing removed, nothing recorded.
            assert_eq!(purge_before(conn, &retention, cut, now_utc()).unwrap(), 0);
            assert_eq!(head(conn).unwrap().last_seq, 6);

            // Everything older: all but the newest entry goes.
            let later = now_utc() + chrono::Duration::days(1);
            assert_eq!(purge_before(conn, &retention, later, now_utc()).unwrap(), 2);
            let (left, total) = list(conn, &Filter::default(), 0, 10).unwrap();
            assert_eq!(total, 2);
            assert_eq!(left[0].action, "audit.purge");
            assert_eq!(left[1].seq, 6);
            intact(conn);

            // Deleting the start without a purge is still found.
            append_n(conn, 2);
            sql(conn, "DELETE FROM audit_log WHERE seq = 6");
            assert_eq!(
                verify(conn, None).unwrap().first_break,
                Some(Break::Missing {
                    after_seq: None,
                    expected_seq: 6
                })
            );
        });
    }

    #[test]
    fn purging_refuses_to_remove_tampered_entries() {
        on_each_database(|conn| {
            append_n(conn, 4);
            sql(conn, "UPDATE audit_log SET actor = 'x' WHERE seq = 2");
            let later = now_utc() + chrono::Duration::days(1);
            let refused = purge_before(conn, &Origin::system("system"), later, now_utc());
            assert!(
                matches!(refused, Err(AppError::Conflict { .. })),
                "{refused:?}"
            );
            let (_, total) = list(conn, &Filter::default(), 0, 10).unwrap();
            assert_eq!(total, 4);
            assert_eq!(head(conn).unwrap().first_seq, 1);
        });
    }

    #[test]
    fn the_csv_export_has_a_header_and_defuses_formulas() {
        on_each_database(|conn| {
            append_n(conn, 1);
            let hostile = Origin {
                actor_id: None,
                actor: "@evil".into(),
                address: None,
                request_id: None,
            };
            append(
                conn,
                &hostile,
                &Event::new("vendor.create").target("vendor", "=cmd|' /C calc'!A0"),
                now_utc(),
            )
            .unwrap();
            let mut out = Vec::new();
            let n = export_csv(conn, &Filter::default(), &mut out).unwrap();
            assert_eq!(n, 2);
            let text = String::from_utf8(out).unwrap();
            let mut lines = text.lines();
            assert_eq!(
                lines.next().unwrap(),
                "seq,occurred_at_utc,actor_id,actor,address,request_id,action,target_type,\
                 target_id,before,after,prev_hash,hash"
            );
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            assert_eq!(&rows[1][0], "2");
            assert!(rows[1][1].ends_with('Z'), "{}", &rows[1][1]);
            assert_eq!(&rows[1][3], "'@evil");
            assert_eq!(&rows[1][8], "'=cmd|' /C calc'!A0");
            let before: serde_json::Value = serde_json::from_str(&rows[0][9]).unwrap();
            assert_eq!(before, serde_json::json!({"i": 1, "legal_name": "旧商号"}));

            let only_create = Filter {
                action_prefix: Some("VENDOR.C".into()),
                ..Filter::default()
            };
            let mut out = Vec::new();
            assert_eq!(export_csv(conn, &only_create, &mut out).unwrap(), 1);
        });
    }

    #[test]
    fn listing_filters_and_pages_newest_first() {
        on_each_database(|conn| {
            append_n(conn, 3);
            let other = Origin {
                actor_id: Some("u2".into()),
                ..origin()
            };
            append(
                conn,
                &other,
                &Event::new("user_x.sign_in").target("user", "u2"),
                now_utc(),
            )
            .unwrap();
            append(
                conn,
                &other,
                &Event::new("user.sign_in").target("user", "u2"),
                now_utc(),
            )
            .unwrap();

            let (page, total) = list(conn, &Filter::default(), 1, 2).unwrap();
            assert_eq!(total, 5);
            assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 3]);

            let by_actor = Filter {
                actor_id: Some("u2".into()),
                ..Filter::default()
            };
            assert_eq!(list(conn, &by_actor, 0, 10).unwrap().1, 2);

            // `_` is a literal underscore, not a wildcard.
            let prefix = Filter {
                action_prefix: Some("user_".into()),
                ..Filter::default()
            };
            let (found, total) = list(conn, &prefix, 0, 10).unwrap();
            assert_eq!(total, 1);
            assert_eq!(found[0].action, "user_x.sign_in");

            let target = Filter {
                target_type: Some("vendor".into()),
                target_id: Some("v2".into()),
                ..Filter::default()
            };
            assert_eq!(list(conn, &target, 0, 10).unwrap().0[0].seq, 2);

            let all = list(conn, &Filter::default(), 0, 10).unwrap().0;
            let window = Filter {
                from: Some(all[3].occurred_at),
                until: Some(all[1].occurred_at),
                ..Filter::default()
            };
            let (found, _) = list(conn, &window, 0, 10).unwrap();
            assert!(found.iter().all(|e| e.seq >= 2 && e.seq < 4), "{found:?}");
            assert!(found.iter().any(|e| e.seq == 2));
        });
    }

    #[test]
    fn last_after_reads_the_newest_entry_of_an_action() {
        on_each_database(|conn| {
            assert_eq!(last_after(conn, "config.change").unwrap(), None);
            for days in [30, 60] {
                append(
                    conn,
                    &Origin::system("cli:root"),
                    &Event::new("config.change").after(&serde_json::json!({"days": days})),
                    now_utc(),
                )
                .unwrap();
            }
            append_n(conn, 1);
            assert_eq!(
                last_after(conn, "config.change").unwrap(),
                Some(serde_json::json!({"days": 60}))
            );
            append(conn, &origin(), &Event::new("config.change"), now_utc()).unwrap();
            assert_eq!(last_after(conn, "config.change").unwrap(), None);
        });
    }

    #[test]
    fn concurrent_appends_from_several_connections_form_one_chain() {
        on_each_database_config(|config| {
            let threads: Vec<_> = (0..4)
                .map(|t| {
                    let config = config.clone();
                    std::thread::spawn(move || {
                        let mut conn = db::establish(&config).expect("establish");
                        for i in 0..25 {
                            db::write(&mut conn, |c| {
                                append(c, &origin(), &event(t * 100 + i), now_utc())
                            })
                            .expect("append");
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().expect("appending thread");
            }
            let mut conn = db::establish(config).expect("establish");
            let report = intact(&mut conn);
            assert_eq!((report.entries, report.last_seq), (100, 100));
        });
    }

    #[test]
    fn csv_cells_that_look_like_formulas_become_text() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=1", "a=1"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), out);
        }
        assert_eq!(prefix_pattern("A_b%"), "a\\_b\\%%");
    }
}

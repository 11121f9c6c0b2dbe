//! The application layer: one function per thing a person does (register an engagement,
//! move it, …), called alike by the JSON API, the command line and the staff pages. A
//! use case takes typed input and a [`Tx`]: the write transaction, who acts, "now" from
//! the one injected clock, and the audit events. The events are written when the
//! transaction commits, in it, and a write that records none is refused: no change can
//! reach the database without its entry in the audit log.
//!
//! What is allowed lives in `policy` (pure rules); what is stored, in `db` (SQL). A use
//! case loads what a rule needs, asks it, writes, and records the event.

pub mod access_review;
pub mod approvals;
pub mod audit_log;
pub mod checks;
pub mod cloud_service;
pub mod completion_record;
pub mod configuration;
pub mod contracts;
pub mod deadlines;
pub mod divisions;
pub mod end_of_term;
pub mod engagements;
pub mod findings;
pub mod information_items;
pub mod obligations;
pub mod outbox;
pub mod page;
pub mod read_audit;
pub mod records;
pub mod responsibility;
pub mod sessions;
pub mod subprocessors;
pub mod token_cache;
pub mod users;
pub mod vendors;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::audit::{Event, Origin};
use crate::clauses::ClauseTemplates;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, DbConnection, DbPool};
use crate::delivery::Wake;
use crate::error::{AppError, AppResult};

/// What the use cases work with, assembled once at start-up (`startup.rs`) and shared
/// by the HTTP handlers, the scheduled jobs and the command line.
#[derive(Clone)]
pub struct Services {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub clauses: Arc<ClauseTemplates>,
    /// The questionnaire definitions, checked at start-up.
    pub questionnaires: Arc<crate::questionnaires::Questionnaires>,
    /// The starting division-of-responsibility matrices, checked at start-up.
    pub responsibility: Arc<crate::responsibility::ResponsibilityTemplates>,
    pub email: Arc<crate::mail::EmailTemplates>,
    /// The vendor portal's page templates, checked at start-up.
    pub portal: Arc<crate::portal::PortalPages>,
    /// The staff application's page templates, checked at start-up.
    pub staff: Arc<crate::staff::StaffPages>,
    pub clock: Arc<dyn Clock>,
    /// Tells the delivery worker that messages were queued.
    pub wake_delivery: Wake,
    /// Bearer tokens resolved recently (emptied by any change to who may do what).
    pub tokens: Arc<token_cache::TokenCache>,
    /// Appends the audit events of reads in batches.
    pub read_audit: read_audit::ReadAudit,
    /// The people deadlines are resolved against, as of the latest `auth_generation`.
    pub directory: Arc<deadlines::DirectoryCache>,
}

impl Services {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The organisation's date: what "today" means for every due date.
    pub fn today(&self) -> chrono::NaiveDate {
        self.config.date_at(self.clock.now())
    }

    /// whether an L2/L3 cloud service must hold a valid ISMAP listing to be
    /// `active`, or is only flagged without one.
    pub fn ismap_required_for_active(&self) -> bool {
        self.config.ismap_required_for_active
    }

    /// What a write recomputes the stored obligations of the engagements it changed with.
    pub fn obligation_rules(&self) -> obligations::ObligationRules {
        obligations::ObligationRules {
            clauses: self.clauses.clone(),
            config: self.config.clone(),
        }
    }
}

/// One write transaction of a use case.
pub struct Tx<'c> {
    conn: &'c mut DbConnection,
    now: DateTime<Utc>,
    today: NaiveDate,
    events: Vec<Event>,
    unchanged: bool,
}

impl<'c> Tx<'c> {
    fn new(conn: &'c mut DbConnection, now: DateTime<Utc>, today: NaiveDate) -> Self {
        Tx {
            conn,
            now,
            today,
            events: Vec::new(),
            unchanged: false,
        }
    }

    /// The connection, inside the transaction, for the data layer's functions.
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// The instant the use case acts at, from the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The organisation's date at `now`: what "today" means for every due date.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// An event for the audit log, written when the transaction commits.
    pub fn record(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The use case decided to change nothing (a form with invalid answers, a repeated
    /// submission): whatever it wrote is rolled back, and no event is needed.
    pub fn leave_unchanged(&mut self) {
        self.unchanged = true;
    }
}

/// Runs `f` as one write transaction for `origin`, off the async executor: its audit
/// events are appended before the commit, and a write that recorded none is rolled back
/// as a fault of the service.
pub async fn write<T, F>(state: &Services, origin: Origin, f: F) -> AppResult<T>
where
    F: FnOnce(&mut Tx) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let now = state.now();
    let today = state.config.date_at(now);
    let rules = state.obligation_rules();
    let (value, generation) = db::run(&state.pool, move |conn| {
        let value = write_on(conn, Some(&rules), now, today, &origin, f)?;
        // A write of this instance that revoked a token or changed roles is seen at once.
        Ok((value, db::sessions::auth_generation(conn)?))
    })
    .await?;
    state.tokens.observe(generation);
    Ok(value)
}

/// Runs the read `f` for `origin` off the async executor, once more on a fresh connection
/// if the first is lost. The events it records (a read of L3 information, an export,
/// ) are written afterwards by the read audit writer (`read_audit`), in one
/// transaction with other reads' events, so a read takes no write lock while it reads
/// and concurrent reads do not queue for the audit chain's head one by one.
pub async fn read<T, F>(state: &Services, origin: Origin, f: F) -> AppResult<T>
where
    F: Fn(&mut Tx) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let now = state.now();
    let today = state.config.date_at(now);
    let (value, events) = db::read(&state.pool, move |conn| {
        let mut tx = Tx::new(conn, now, today);
        let value = f(&mut tx)?;
        Ok((value, tx.events))
    })
    .await?;
    if !events.is_empty() {
        // Answered only once recorded, but in a batch with other reads' events.
        state
            .read_audit
            .append(origin, events, now.naive_utc())
            .await?;
    }
    Ok(value)
}

/// Records the read of an L3 engagement's information; other reads are not
/// recorded. For use cases run by [`read`].
pub fn record_l3_read(
    tx: &mut Tx,
    level: Option<crate::domain::ClassificationLevel>,
    event: Event,
) {
    if level == Some(crate::domain::ClassificationLevel::L3) {
        tx.record(event);
    }
}

/// Records an export: what was asked for and how many rows went out.
pub fn record_export(tx: &mut Tx, action: &str, filter: &impl serde::Serialize, rows: u64) {
    tx.record(Event::new(action).after(&serde_json::json!({
        "filter": filter, "rows": rows,
    })));
}

/// `write` on a connection of the caller's (the command line, a job, a test). The stored
/// obligations of every engagement whose facts the use case changed are recomputed with
/// `rules` before the commit; a use case that changes such facts without them is refused
/// (only sign-in and the like, which touch no engagement, are run without).
pub fn write_on<T, F>(
    conn: &mut DbConnection,
    rules: Option<&obligations::ObligationRules>,
    now: DateTime<Utc>,
    today: NaiveDate,
    origin: &Origin,
    f: F,
) -> AppResult<T>
where
    F: FnOnce(&mut Tx) -> AppResult<T>,
{
    db::write_deciding(conn, |conn| {
        // Without the rules, a use case must change no engagement's facts: what it finds
        // marked before it starts (a bulk load's leftovers) is not its doing.
        let marked_before = match rules {
            Some(_) => 0,
            None => db::obligations::changed_count(conn)?,
        };
        let mut tx = Tx::new(conn, now, today);
        let value = f(&mut tx)?;
        let Tx {
            conn,
            events,
            unchanged,
            ..
        } = tx;
        if unchanged {
            return Ok((value, db::Finish::RollBack));
        }
        if events.is_empty() {
            return Err(AppError::Internal(
                "a write recorded no audit event; nothing was written".into(),
            ));
        }
        match rules {
            Some(rules) => {
                obligations::refresh_changed(conn, rules)?;
            }
            None if db::obligations::changed_count(conn)? > marked_before => {
                return Err(AppError::Internal(
                    "a write changed an engagement's facts without the obligation rules \
                     to recompute its obligations; nothing was written"
                        .into(),
                ));
            }
            None => {}
        }
        for event in &events {
            db::audit::append(conn, origin, event, now.naive_utc())?;
        }
        Ok((value, db::Finish::Commit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> (tempfile::TempDir, DbConnection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sqlite3").display().to_string();
        let config = Config::from_pairs(&[("database_url", path.as_str())]).unwrap();
        let conn = db::open(&config.database).unwrap();
        (dir, conn)
    }

    fn run<T>(conn: &mut DbConnection, f: impl FnOnce(&mut Tx) -> AppResult<T>) -> AppResult<T> {
        let now = Utc::now();
        write_on(
            conn,
            None,
            now,
            now.date_naive(),
            &Origin::system("test"),
            f,
        )
    }

    #[test]
    fn r_5_5_7_a_write_without_its_audit_event_is_rolled_back() {
        let (_dir, mut conn) = database();
        let refused = run(&mut conn, |tx| {
            db::divisions::create(tx.conn(), "kikaku", "企画課", db::now_utc())?;
            Ok(())
        });
        assert!(matches!(refused, Err(AppError::Internal(_))), "{refused:?}");
        assert!(db::divisions::find_by_code(&mut conn, "kikaku")
            .unwrap()
            .is_none());
        assert_eq!(db::audit::head(&mut conn).unwrap().last_seq, 0);
    }

    #[test]
    fn a_use_case_that_changes_nothing_after_all_leaves_the_database_as_it_was() {
        let (_dir, mut conn) = database();
        let value = run(&mut conn, |tx| {
            db::divisions::create(tx.conn(), "kikaku", "企画課", db::now_utc())?;
            tx.leave_unchanged();
            Ok(7)
        })
        .unwrap();
        assert_eq!(value, 7);
        assert!(db::divisions::find_by_code(&mut conn, "kikaku")
            .unwrap()
            .is_none());
        assert_eq!(db::audit::head(&mut conn).unwrap().last_seq, 0);
    }

    #[test]
    fn r_5_5_7_the_events_are_written_with_the_change_in_one_transaction() {
        let (_dir, mut conn) = database();
        run(&mut conn, |tx| {
            let d = db::divisions::create(tx.conn(), "kikaku", "企画課", db::now_utc())?;
            tx.record(Event::new("division.create").target("division", &d.id));
            Ok(())
        })
        .unwrap();
        assert!(db::divisions::find_by_code(&mut conn, "kikaku")
            .unwrap()
            .is_some());
        assert_eq!(db::audit::head(&mut conn).unwrap().last_seq, 1);

        // A use case that fails after recording: neither the change nor the event stays.
        let failed: AppResult<()> = run(&mut conn, |tx| {
            db::divisions::create(tx.conn(), "zaimu", "財務課", db::now_utc())?;
            tx.record(Event::new("division.create"));
            Err(AppError::not_found("x", "x"))
        });
        assert!(failed.is_err());
        assert!(db::divisions::find_by_code(&mut conn, "zaimu")
            .unwrap()
            .is_none());
        assert_eq!(db::audit::head(&mut conn).unwrap().last_seq, 1);
    }
}

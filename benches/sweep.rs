//! `cargo bench --bench sweep`: the reminder sweep over 100,000 engagements.
//!
//! Seeds a fresh database (a temporary SQLite file, or a new PostgreSQL database when
//! `ITAKU_BENCH_POSTGRES_URL` names a server) with 100,000 engagements, then runs
//! `sweep::run` as the scheduler would on a fixed day: first when every reminder is new
//! (each recorded and queued in its person's digest), then again when nothing is new (the
//! cost of every later sweep that day). Prints wall time and peak resident memory of
//! each (Linux: VmHWM, reset before each run). See benches/README.md.

mod common;

use std::time::Instant;

use chrono::{DateTime, Utc};
use diesel::RunQueryDsl;

use itaku::clauses::ClauseTemplates;
use itaku::compliance;
use itaku::config::Config;
use itaku::db::facts::{self, FactsScope};
use itaku::db::{self, DbConnection};
use itaku::mail::EmailTemplates;
use itaku::policy::access::Visibility;
use itaku::sweep;

use common::{seed, BenchDatabase};

const ENGAGEMENTS: usize = 100_000;
/// Monday 1 June 2026, 09:00 in Tokyo: the day the sweep runs for.
const NOW: &str = "2026-06-01T00:00:00Z";

/// A line of /proc/self/status in kB (VmRSS now, VmHWM the peak), when Linux provides it.
fn status_kb(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resets VmHWM to the current resident size (Linux 4.0 and later).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mib(kb: Option<u64>) -> String {
    kb.map(|k| format!("{:.0} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

fn count(conn: &mut DbConnection, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(conn)
        .map(|r| r.n)
        .unwrap_or(-1)
}

fn main() {
    let (database, database_url) = BenchDatabase::new();
    let outbox = tempfile::tempdir().expect("outbox folder");
    let outbox_dir = outbox.path().display().to_string();
    let config = Config::from_pairs(&[
        ("database_url", &database_url),
        ("mail_outbox_dir", &outbox_dir),
        ("log", "warn"),
    ])
    .expect("bench configuration");
    println!("sweep: {}", config.database.describe());
    db::migrate(&config.database).expect("migrate");
    let mut conn = db::establish(&config.database).expect("connect");

    let started = Instant::now();
    let seeded = db::write(&mut conn, |conn| seed(conn, ENGAGEMENTS)).expect("seed");
    println!(
        "seeded {ENGAGEMENTS} engagements ({} information items) in {:.1} s",
        seeded.items,
        started.elapsed().as_secs_f64()
    );

    let clauses = ClauseTemplates::load(None).expect("clause templates");
    let rules = itaku::app::obligations::ObligationRules {
        clauses: std::sync::Arc::new(ClauseTemplates::load(None).expect("clause templates")),
        config: std::sync::Arc::new(config.clone()),
    };
    let started = Instant::now();
    let recomputed =
        itaku::app::obligations::bring_up_to_date(&mut conn, &rules).expect("stored obligations");
    println!(
        "stored the obligations of {recomputed} engagements in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let email = EmailTemplates::load().expect("email templates");
    // No questionnaires: the figures are the reminders', not the sending of checks.
    let no_questionnaires = itaku::questionnaires::Questionnaires::from_sources(&[])
        .expect("an empty questionnaire set");
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(NOW)
        .expect("fixed time")
        .with_timezone(&Utc);
    let today = config.date_at(now);

    // What the sweep starts from: every engagement's obligations, derived afresh.
    reset_peak();
    let started = Instant::now();
    let loaded = facts::load(&mut conn, &Visibility::All, &FactsScope::default()).expect("load");
    let loaded_in = started.elapsed();
    let obligations: usize = loaded
        .iter()
        .map(|f| {
            compliance::obligations_of(f, clauses.catalog(), config.time_zone, &config.rules, today)
                .len()
        })
        .sum();
    let derived_in = started.elapsed() - loaded_in;
    let derive_peak = status_kb("VmHWM");
    drop(loaded);
    println!(
        "{} engagements, {obligations} obligations on {today}: facts loaded in {:.2} s, \
         obligations derived in {:.2} s, peak {}",
        ENGAGEMENTS,
        loaded_in.as_secs_f64(),
        derived_in.as_secs_f64(),
        mib(derive_peak)
    );

    println!();
    println!("| run | deadlines | new reminders | messages | time | peak memory |");
    println!("|---|---:|---:|---:|---:|---:|");
    for run in ["first (every reminder new)", "again (nothing new)"] {
        reset_peak();
        let started = Instant::now();
        let report =
            sweep::run(&mut conn, &rules, &email, &no_questionnaires, now, false).expect("sweep");
        let elapsed = started.elapsed();
        println!(
            "| {run} | {} | {} | {} | {:.2} s | {} |",
            report.deadlines,
            report.reminders,
            report.messages,
            elapsed.as_secs_f64(),
            mib(status_kb("VmHWM"))
        );
    }
    println!();
    println!(
        "rows: reminders_sent {}, outbox {}",
        count(&mut conn, "reminders_sent"),
        count(&mut conn, "outbox")
    );
    drop(conn);
    drop(database);
}

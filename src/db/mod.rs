//! The data layer: one connection type over SQLite or PostgreSQL, the pool, migrations,
//! and one module per table group. All SQL of the service lives under this module.

pub mod access_reviews;
pub mod approvals;
pub mod audit;
pub mod bulk;
pub mod checks;
pub mod cloud_service;
pub mod completion_records;
pub mod configuration;
pub mod contracts;
pub mod count;
pub mod divisions;
pub mod engagements;
pub mod facts;
pub mod information_items;
pub mod obligations;
pub mod outbox;
pub mod records;
pub mod reminders;
pub mod responsibility;
pub mod schema;
pub mod search;
pub mod second_factor;
pub mod sessions;
pub mod subprocessors;
#[cfg(test)]
pub mod test_databases;
pub mod throttle;
pub mod users;
pub mod vendors;
mod write_gate;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseConfig;
use crate::error::{AppError, AppResult};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever database the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// The connection pool, and whether the database refused the last connection attempt:
/// while it does, a request waits about a second for a connection instead of the pool's
/// full wait, so the answer (503) comes quickly.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<Manager>,
    down: Arc<AtomicBool>,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<Manager>;

    fn deref(&self) -> &Pool<Manager> {
        &self.pool
    }
}

/// The wait for a connection while the database is up (every connection busy).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// The wait while the last attempt to connect was refused (and the first part of any
/// wait).
const ACQUIRE_TIMEOUT_DOWN: Duration = Duration::from_secs(1);

impl DbPool {
    /// A connection, waiting long only while the database is known to answer.
    pub fn connection(
        &self,
    ) -> Result<diesel::r2d2::PooledConnection<Manager>, diesel::r2d2::PoolError> {
        // The first second tells the two apart: a refused connection attempt (made for
        // this request when no connection was idle) marks the database down at once.
        match self.pool.get_timeout(ACQUIRE_TIMEOUT_DOWN) {
            Err(_) if !self.down.load(Ordering::Relaxed) => self
                .pool
                .get_timeout(ACQUIRE_TIMEOUT.saturating_sub(ACQUIRE_TIMEOUT_DOWN)),
            other => other,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("migrations failed on {target}: {reason}")]
    Migrate { target: String, reason: String },
}

/// How long a SQLite writer waits for another to finish, in SQLite's busy handler and
/// in the process's own queue (`write_gate`), before its write fails.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Per-connection SQLite settings, after the busy timeout: WAL lets readers work beside
/// the writer, and foreign keys are off by default. The busy timeout comes first:
/// switching to WAL takes a lock, and connections opened at the same moment must wait
/// for it rather than fail with "database is locked".
/// A page cache of up to 16 MiB per connection (SQLite's default is 2 MiB), filled only as
/// it is used: a large register's reads (the sweep, deep pages) otherwise go back to the
/// file for the same index pages again and again.
/// Then `PRAGMA mmap_size` from `sqlite_mmap_mib` (by default the file's first GiB): a
/// page not in the connection's cache is read where the kernel keeps it, with no system
/// call and no copy. A CISO's 4,800 deadlines are rows spread over the whole table, and
/// copying their pages in was a third of the request (72 ms, 52 ms mapped, at 100,000
/// engagements). The mapped pages are the kernel's file cache, shared by every
/// connection, not the process's own memory. 0 turns it off, for a platform where an I/O
/// error on a mapped file must not stop the process.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384;";

/// Opens pool connections with `establish`, so that the backend comes from the
/// configuration (diesel's own manager would try PostgreSQL first for a SQLite path and
/// hide PostgreSQL's real error behind SQLite's).
pub struct Manager {
    config: DatabaseConfig,
    down: Arc<AtomicBool>,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let result = establish(&self.config);
        self.down.store(result.is_err(), Ordering::Relaxed);
        result.map_err(|e| {
            diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                e.to_string(),
            ))
        })
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

fn connection_url(config: &DatabaseConfig) -> Result<String, DbSetupError> {
    match config {
        DatabaseConfig::Sqlite { path, .. } => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| DbSetupError::Folder {
                    path: parent.display().to_string(),
                    source,
                })?;
            }
            Ok(path.display().to_string())
        }
        DatabaseConfig::Postgres { url, .. } => Ok(url.clone()),
    }
}

/// Every PostgreSQL connection's session. No parallel workers: the service's queries read
/// a page, a person's deadlines or one engagement, and once a prepared statement's
/// generic plan guessed a thousand rows where a division has twenty, PostgreSQL started
/// a worker for it (a security officer's deadlines took 18 ms, 4 ms without). Under
/// many clients the cores are busy with requests already.
const PG_SETTINGS: &str = "SET max_parallel_workers_per_gather = 0";

/// Opens one connection of the configured backend. The backend is chosen from the
/// configuration, never guessed by trying each (SQLite would accept any string).
pub fn establish(config: &DatabaseConfig) -> Result<DbConnection, DbSetupError> {
    let url = connection_url(config)?;
    let connect_err = |e: diesel::ConnectionError| DbSetupError::Connect {
        target: config.describe(),
        reason: e.to_string(),
    };
    Ok(match config {
        DatabaseConfig::Sqlite { mmap_mib, .. } => {
            let mut conn = diesel::SqliteConnection::establish(&url).map_err(connect_err)?;
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; {SQLITE_PRAGMAS} PRAGMA mmap_size = {};",
                SQLITE_BUSY_TIMEOUT.as_millis(),
                mmap_mib * 1024 * 1024
            ))
            .map_err(|e| DbSetupError::Connect {
                target: config.describe(),
                reason: e.to_string(),
            })?;
            DbConnection::Sqlite(conn)
        }
        DatabaseConfig::Postgres { .. } => {
            let mut conn = diesel::PgConnection::establish(&url).map_err(connect_err)?;
            conn.batch_execute(PG_SETTINGS)
                .map_err(|e| DbSetupError::Connect {
                    target: config.describe(),
                    reason: e.to_string(),
                })?;
            DbConnection::Postgresql(conn)
        }
    })
}

/// Applies pending migrations; returns the names of those applied.
pub fn migrate(config: &DatabaseConfig) -> Result<Vec<String>, DbSetupError> {
    let mut conn = establish(config)?;
    let result = match &mut conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        DbConnection::Postgresql(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    };
    result.map_err(|e| DbSetupError::Migrate {
        target: config.describe(),
        reason: e.to_string(),
    })
}

/// Migrates, then opens one connection: for the command line.
pub fn open(config: &DatabaseConfig) -> Result<DbConnection, DbSetupError> {
    migrate(config)?;
    establish(config)
}

pub fn build_pool(config: &DatabaseConfig) -> Result<DbPool, DbSetupError> {
    let size = match config {
        DatabaseConfig::Sqlite { pool_size, .. } | DatabaseConfig::Postgres { pool_size, .. } => {
            *pool_size
        }
    };
    pool_of(config, size, 1)
}

/// A pool of one connection that opens nothing in the background, for a command that
/// runs and exits: a pool keeping an idle connection opens a new one on a worker thread
/// while the first is in use, and a process that exits meanwhile can crash inside the
/// database's client library (seen with PostgreSQL).
pub fn build_pool_for_command(config: &DatabaseConfig) -> Result<DbPool, DbSetupError> {
    pool_of(config, 1, 0)
}

fn pool_of(config: &DatabaseConfig, size: u32, min_idle: u32) -> Result<DbPool, DbSetupError> {
    let down = Arc::new(AtomicBool::new(false));
    let pool = Pool::builder()
        .max_size(size)
        .min_idle(Some(min_idle))
        .connection_timeout(ACQUIRE_TIMEOUT)
        .build(Manager {
            config: config.clone(),
            down: down.clone(),
        })
        .map_err(|e| DbSetupError::Connect {
            target: config.describe(),
            reason: e.to_string(),
        })?;
    Ok(DbPool { pool, down })
}

/// Runs `f` in a write transaction. On SQLite it begins IMMEDIATE, taking the write lock
/// up front: a deferred transaction that reads and then writes can fail with SQLITE_BUSY
/// when another writer got there first, where IMMEDIATE simply waits its turn.
pub fn write<T, F>(conn: &mut DbConnection, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T>,
{
    transaction(conn, Access::Write, |conn| {
        f(conn).map(|v| (v, Finish::Commit))
    })
}

/// Which rows of a list: all (an export), or one page of them.
#[derive(Debug, Clone, Copy)]
pub enum Rows {
    All,
    Page { offset: i64, limit: i64 },
}

/// How a write transaction that succeeded ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Commit,
    /// The work decided to change nothing after all: whatever it wrote (a row lock taken
    /// by a touch, say) is undone.
    RollBack,
}

/// As `write`, where `f` decides whether its work is kept.
pub fn write_deciding<T, F>(conn: &mut DbConnection, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<(T, Finish)>,
{
    transaction(conn, Access::Write, f)
}

/// Runs `f` over one consistent snapshot, for reads that take several queries (in WAL
/// mode a SQLite read transaction sees one snapshot from its first read on).
pub fn snapshot<T, F>(conn: &mut DbConnection, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T>,
{
    transaction(conn, Access::Snapshot, |conn| {
        f(conn).map(|v| (v, Finish::Commit))
    })
}

/// What a transaction does, which decides how it begins on each backend.
#[derive(Clone, Copy)]
enum Access {
    Write,
    Snapshot,
}

fn transaction<T, F>(conn: &mut DbConnection, access: Access, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<(T, Finish)>,
{
    type Tm = <DbConnection as Connection>::TransactionManager;
    // Held until the transaction ends, when this one writes to a SQLite file.
    let _turn = match (&mut *conn, access) {
        (DbConnection::Sqlite(c), Access::Write) => {
            let turn = write_gate::enter(c)?;
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            turn
        }
        (DbConnection::Sqlite(c), Access::Snapshot) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?;
            None
        }
        (DbConnection::Postgresql(c), Access::Write) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?;
            None
        }
        (DbConnection::Postgresql(c), Access::Snapshot) => {
            AnsiTransactionManager::begin_transaction_sql(
                c,
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            )?;
            None
        }
    };
    match f(conn) {
        Ok((value, Finish::Commit)) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Ok((value, Finish::RollBack)) => {
            Tm::rollback_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = Tm::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Runs blocking database work off the async workers, with a pooled connection.
pub async fn run<T, F>(pool: &DbPool, f: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.connection()?;
        f(&mut conn)
    })
    .await?
}

/// As `run`, for work that only reads: when the connection is lost in the middle (a
/// database restart, a proxy cutting idle connections), it runs once more on a fresh one
/// before answering 503. Writes are not repeated: whether a cut commit happened is not
/// known.
pub async fn read<T, F>(pool: &DbPool, f: F) -> AppResult<T>
where
    F: Fn(&mut DbConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let first = {
            let mut conn = pool.connection()?;
            f(&mut conn)
        };
        match first {
            Err(AppError::Unavailable(reason)) => {
                tracing::warn!(%reason, "database connection lost during a read; trying once more");
                let mut conn = pool.connection()?;
                f(&mut conn)
            }
            other => other,
        }
    })
    .await?
}

/// `/readyz`: the database answers a trivial query.
pub fn ping(conn: &mut DbConnection) -> AppResult<()> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// A new identifier: UUID v7, so that identifiers sort by creation time.
/// Two people recording the next version of one record at the same moment: the unique
/// version number refuses the second, who is told to look again rather than given a 500.
pub fn version_taken(e: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict {
            message: crate::i18n::Msg::new(
                "同時に別の版が記録されました。最新の版を確認してから記録し直してください",
                "Another version was recorded at the same moment: look at the latest and record again",
            ),
            allowed: vec![],
        },
        e => e.into(),
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The system clock's "now", for set-up done outside a running service (tests, benches).
/// The service itself takes "now" from its injected clock (`app::Tx::now`), and every
/// function of this layer that stamps a row is given it.
pub fn now_utc() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_pattern(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

diesel::define_sql_function! {
    /// SQL `lower()`, so text search is case-insensitive the same way on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The migration names of each backend: they must match one for one.
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    let names = |src: &EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(src)
            .map(|v| v.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    };
    let pg: Vec<String> = MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
        .map(|v| v.iter().map(|m| m.name().to_string()).collect())
        .unwrap_or_default();
    (names(&SQLITE_MIGRATIONS), pg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled SQLite is built with the options `.cargo/config.toml` gives it: without
    /// them every allocation takes a global lock and every `LIMIT ?` query is prepared
    /// again on each run.
    #[test]
    fn sqlite_is_compiled_as_the_service_needs() {
        use diesel::prelude::*;
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for needed in ["DEFAULT_MEMSTATUS=0", "ENABLE_QPSG"] {
            assert!(
                options.iter().any(|o| o == needed),
                "{needed} in {options:?}"
            );
        }
    }

    /// Each connection's session is set as configured: SQLite's memory map (off with 0),
    /// PostgreSQL's parallel workers off.
    #[test]
    fn connections_read_with_the_configured_session() {
        use diesel::prelude::*;
        #[derive(diesel::QueryableByName)]
        struct MmapSize {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            mmap_size: i64,
        }
        #[derive(diesel::QueryableByName)]
        struct Workers {
            #[diesel(sql_type = diesel::sql_types::Text)]
            max_parallel_workers_per_gather: String,
        }
        test_databases::on_each_database_config(|database| match database {
            DatabaseConfig::Sqlite {
                path, pool_size, ..
            } => {
                for (mib, bytes) in [(3, 3 * 1024 * 1024), (0, 0)] {
                    let config = DatabaseConfig::Sqlite {
                        path: path.clone(),
                        pool_size: *pool_size,
                        mmap_mib: mib,
                    };
                    let DbConnection::Sqlite(mut conn) = establish(&config).unwrap() else {
                        unreachable!("a SQLite configuration opens SQLite")
                    };
                    let set = diesel::sql_query("PRAGMA mmap_size")
                        .get_result::<MmapSize>(&mut conn)
                        .unwrap();
                    assert_eq!(set.mmap_size, bytes, "sqlite_mmap_mib = {mib}");
                }
            }
            DatabaseConfig::Postgres { .. } => {
                let DbConnection::Postgresql(mut conn) = establish(database).unwrap() else {
                    unreachable!("a PostgreSQL configuration opens PostgreSQL")
                };
                let set = diesel::sql_query("SHOW max_parallel_workers_per_gather")
                    .get_result::<Workers>(&mut conn)
                    .unwrap();
                assert_eq!(set.max_parallel_workers_per_gather, "0");
            }
        });
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let (sqlite, pg) = migration_names();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, pg);
    }

    /// Migration 000023 moves each distinct questionnaire copy out of the checks that
    /// carried it, and back again when reverted, on a generated register (on each
    /// database).
    #[test]
    fn questionnaire_copies_are_kept_once_and_move_back_into_checks_when_reverted() {
        use diesel::prelude::*;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        fn count(conn: &mut DbConnection, sql: &str) -> i64 {
            diesel::sql_query(sql).get_result::<N>(conn).unwrap().n
        }
        test_databases::on_each_database_config(|database| {
            test_databases::load_generated(database, 300, 1);
            let mut conn = establish(database).unwrap();
            let sent = count(&mut conn, "SELECT COUNT(*) AS n FROM checks");
            let questionnaires = count(
                &mut conn,
                "SELECT COUNT(DISTINCT questionnaire_id) AS n FROM checks",
            );
            assert!(sent > questionnaires, "{sent} checks");
            let copies = "SELECT COUNT(*) AS n FROM questionnaire_snapshots";
            assert_eq!(count(&mut conn, copies), questionnaires);

            let marked = "SELECT COUNT(*) AS n FROM obligation_refresh";
            assert_eq!(count(&mut conn, marked), 0, "obligations up to date");
            test_databases::revert_through(&mut conn, "20261212000023");
            assert_eq!(count(&mut conn, marked), 0, "no check's facts changed");
            assert_eq!(
                count(
                    &mut conn,
                    "SELECT COUNT(*) AS n FROM checks WHERE length(definition_json) > 1000"
                ),
                sent,
                "every check carries its copy again"
            );

            drop(conn);
            migrate(database).unwrap();
            let mut conn = establish(database).unwrap();
            assert_eq!(count(&mut conn, copies), questionnaires);
            assert_eq!(count(&mut conn, marked), 0, "no check's facts changed");
            let id: String = schema::checks::table
                .select(schema::checks::id)
                .first(&mut conn)
                .unwrap();
            let check = checks::find(&mut conn, &id).unwrap().unwrap();
            let definition = crate::app::checks::definition_of(&check).unwrap();
            assert_eq!(definition.id, check.questionnaire_id);
        });
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("100%_A"), "%100\\%\\_a%");
    }
}

//! Throwaway databases for the data layer's own tests: a migrated SQLite file, and with
//! `ITAKU_TEST_POSTGRES_URL` a migrated PostgreSQL database beside the one it names,
//! dropped afterwards.

use diesel::{Connection, RunQueryDsl};

use crate::config::DatabaseConfig;
use crate::db::{self, DbConnection};

pub const POSTGRES_ENV: &str = "ITAKU_TEST_POSTGRES_URL";

/// A fresh, migrated database: a SQLite file in a temporary folder, and with
/// `ITAKU_TEST_POSTGRES_URL` also a throwaway PostgreSQL database.
pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// A fresh migrated SQLite database in a temporary folder.
pub fn sqlite() -> (TestDb, DatabaseConfig) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = DatabaseConfig::Sqlite {
        path: dir.path().join("itaku.sqlite3"),
        pool_size: 1,
        mmap_mib: 1024,
    };
    db::migrate(&config).expect("migrate");
    (TestDb::Sqlite(dir), config)
}

/// A fresh migrated PostgreSQL database beside the one `admin_url` names.
pub fn postgres(admin_url: &str) -> (TestDb, DatabaseConfig) {
    let name = format!("itaku_unit_{}", uuid::Uuid::new_v4().simple());
    let mut admin = diesel::PgConnection::establish(admin_url)
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url}: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    let url = match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    };
    let test_db = TestDb::Postgres {
        admin_url: admin_url.to_string(),
        name,
    };
    let config = DatabaseConfig::Postgres { url, pool_size: 1 };
    db::migrate(&config).expect("migrate");
    (test_db, config)
}

/// Runs `test` on a fresh SQLite database, then on a fresh PostgreSQL one when
/// `ITAKU_TEST_POSTGRES_URL` is set.
pub fn on_each_database_config(test: impl Fn(&DatabaseConfig)) {
    let (_db, config) = sqlite();
    test(&config);
    if let Ok(url) = std::env::var(POSTGRES_ENV) {
        if !url.is_empty() {
            let (_db, config) = postgres(&url);
            test(&config);
        }
    }
}

pub fn on_each_database(test: impl Fn(&mut DbConnection)) {
    on_each_database_config(|config| {
        test(&mut db::establish(config).expect("establish"));
    });
}

/// Reverts migrations, the newest first, down to and including `version` (its name's
/// digits, as diesel reports it): a register as it stood before that migration, for a
/// test of how the migration carries it forward.
#[cfg(test)]
pub fn revert_through(conn: &mut DbConnection, version: &str) {
    use diesel_migrations::MigrationHarness;
    loop {
        let reverted = match conn {
            DbConnection::Sqlite(c) => c.revert_last_migration(db::SQLITE_MIGRATIONS),
            DbConnection::Postgresql(c) => c.revert_last_migration(db::POSTGRES_MIGRATIONS),
        };
        if reverted.unwrap().to_string() == version {
            break;
        }
    }
}

/// Loads a generated register (`itaku demo --engagements`) into a test database.
#[cfg(test)]
pub fn load_generated(database: &DatabaseConfig, engagements: usize, seed: u64) {
    let mut config = crate::config::Config::from_pairs(&[]).unwrap();
    config.database = database.clone();
    crate::demo::load_generated(
        &config,
        crate::demo::Scale { engagements, seed },
        false,
        &crate::audit::Origin::system("test"),
    )
    .unwrap();
}

//! One writer at a time per SQLite file, queued inside the process.
//!
//! SQLite lets one transaction write at a time. A second connection's `BEGIN IMMEDIATE`
//! waits in SQLite's busy handler, which sleeps and polls (1, 2, 5, 10 … 100 ms) rather
//! than being woken when the lock is free: under concurrent writes the file sits idle
//! between writers and a write can wait hundreds of milliseconds behind a lock released
//! long before. The service's writers therefore queue on a mutex per database file first,
//! which hands the turn over at once; SQLite's own lock (and its busy timeout) still
//! guards the file against other processes, such as the command line. A writer that
//! waited its busy timeout for the gate goes on to SQLite's lock as before, so that a
//! write nested in another on the same file fails as it always did, never hangs.
//!
//! PostgreSQL needs no gate: its writers wait on row locks, which wake them.

use std::collections::HashMap;
use std::sync::OnceLock;

use parking_lot::{Mutex, MutexGuard};

use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::{QueryableByName, RunQueryDsl};

use crate::error::AppResult;

/// One gate per database file for the life of the process (a handful in the service, one
/// per throwaway database in the tests).
fn gates() -> &'static Mutex<HashMap<String, &'static Mutex<()>>> {
    static GATES: OnceLock<Mutex<HashMap<String, &'static Mutex<()>>>> = OnceLock::new();
    GATES.get_or_init(Default::default)
}

#[derive(QueryableByName)]
struct Database {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    file: String,
}

/// Waits for this connection's database file's turn to write; the turn lasts as long as
/// the guard. `None` for a database without a file (in memory), which no other
/// connection shares, and after waiting the busy timeout in vain.
///
/// The file's name is asked of SQLite (`PRAGMA database_list`: one row, no table read)
/// on each write, because diesel's connection does not expose the handle it could be read
/// from without a statement; the write's own commit costs far more.
pub fn enter(conn: &mut SqliteConnection) -> AppResult<Option<MutexGuard<'static, ()>>> {
    let databases: Vec<Database> = diesel::sql_query("PRAGMA database_list").load(conn)?;
    let Some(main) = databases
        .into_iter()
        .find(|d| d.name == "main" && !d.file.is_empty())
    else {
        return Ok(None);
    };
    let gate: &'static Mutex<()> = gates()
        .lock()
        .entry(main.file)
        .or_insert_with(|| Box::leak(Box::new(Mutex::new(()))));
    let turn = gate.try_lock_for(super::SQLITE_BUSY_TIMEOUT);
    if turn.is_none() {
        tracing::warn!("a write waited its busy timeout for its turn; trying SQLite's lock");
    }
    Ok(turn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::Connection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn connections_to_one_file_take_turns_and_other_files_do_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gate.sqlite3").display().to_string();
        let other = dir.path().join("other.sqlite3").display().to_string();
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (path, inside) = (path.clone(), inside.clone());
                std::thread::spawn(move || {
                    let mut conn = SqliteConnection::establish(&path).unwrap();
                    for _ in 0..20 {
                        let _turn = enter(&mut conn).unwrap().expect("a file has a gate");
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "one at a time");
                        std::thread::sleep(std::time::Duration::from_micros(200));
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let mut conn = SqliteConnection::establish(&path).unwrap();
        let mut elsewhere = SqliteConnection::establish(&other).unwrap();
        {
            let _held = enter(&mut conn).unwrap();
            assert!(
                enter(&mut elsewhere).unwrap().is_some(),
                "another file's gate is free"
            );
        }
        for t in threads {
            t.join().unwrap();
        }
        let mut memory = SqliteConnection::establish(":memory:").unwrap();
        assert!(enter(&mut memory).unwrap().is_none());
    }
}

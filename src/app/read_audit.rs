//! The audit events of reads (a read of L3 information, an export: ), appended to
//! the audit log by one writer in batches. Each read still answers only once its events
//! are committed, but concurrent reads share one transaction and one turn at the chain's
//! head instead of queueing for it one by one: on SQLite, where a write waits for the one
//! writer (with back-off sleeps under contention), and on PostgreSQL, where every append
//! locks the head row.

use std::sync::mpsc;

use chrono::NaiveDateTime;
use tokio::sync::oneshot;

use crate::audit::{Event, Origin};
use crate::db::{self, DbPool};
use crate::error::{AppError, AppResult};

/// At most this many reads' events go into one transaction.
const BATCH: usize = 256;

struct Pending {
    origin: Origin,
    events: Vec<Event>,
    at: NaiveDateTime,
    done: oneshot::Sender<AppResult<()>>,
}

/// The queue to the writer; the writer thread ends when the last handle is dropped.
#[derive(Clone)]
pub struct ReadAudit {
    queue: mpsc::Sender<Pending>,
}

impl ReadAudit {
    /// Starts the writer on a thread of its own, with connections from `pool`.
    pub fn start(pool: DbPool) -> ReadAudit {
        let (queue, received) = mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name("read-audit".into())
            .spawn(move || writer(pool, received))
            .expect("the read audit writer starts");
        ReadAudit { queue }
    }

    /// Appends a read's events and waits until they are committed.
    pub async fn append(
        &self,
        origin: Origin,
        events: Vec<Event>,
        at: NaiveDateTime,
    ) -> AppResult<()> {
        let (done, committed) = oneshot::channel();
        self.queue
            .send(Pending {
                origin,
                events,
                at,
                done,
            })
            .map_err(|_| AppError::Internal("the read audit writer has stopped".into()))?;
        committed
            .await
            .map_err(|_| AppError::Internal("the read audit writer has stopped".into()))?
    }
}

fn writer(pool: DbPool, received: mpsc::Receiver<Pending>) {
    while let Ok(first) = received.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match received.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let together = commit(&pool, &batch);
        match together {
            Ok(()) => {
                for p in batch {
                    let _ = p.done.send(Ok(()));
                }
            }
            // One read's failure must not fail the others: each alone, with its own answer.
            Err(e) => {
                if batch.len() == 1 {
                    let p = batch.remove(0);
                    let _ = p.done.send(Err(e));
                    continue;
                }
                for p in batch {
                    let alone = commit(&pool, std::slice::from_ref(&p));
                    let _ = p.done.send(alone);
                }
            }
        }
    }
}

/// Appends the events of these reads in one transaction.
fn commit(pool: &DbPool, batch: &[Pending]) -> AppResult<()> {
    let mut conn = pool.connection()?;
    db::write(&mut conn, |conn| {
        for p in batch {
            for event in &p.events {
                db::audit::append(conn, &p.origin, event, p.at)?;
            }
        }
        Ok(())
    })
}

//! Delivers the outbox: leases a few pending messages, sends them, and records each
//! result; a failed attempt is retried after a delay that doubles each time (at most six
//! hours), and a message is marked failed after `mail_max_attempts` or on a permanent
//! refusal. Nothing is lost while the SMTP server is down: the messages wait in the
//! database and go out when it returns.
//!
//! A message is sent at least once and, short of a crash between the SMTP server
//! accepting it and the row being marked sent, exactly once; its Message-ID is the
//! outbox id, so a receiving system can recognise the rare repeat.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::config::DeliverySettings;
use crate::db::{self, outbox, DbPool};
use crate::error::AppResult;
use crate::mail::{MailError, Mailer, OutgoingMessage};

/// How long a worker holds the messages it took before another may take them: after a
/// crash, what the dead worker held is sent by another within this time. A worker sends
/// from a batch only while half of the lease is left, and gives each message at most that
/// half, so a lease never runs out while its holder still sends.
const LEASE: Duration = Duration::from_secs(60);
/// Messages taken at a time.
const BATCH: i64 = 20;
/// The longest the worker sleeps without looking at the outbox.
const POLL: Duration = Duration::from_secs(30);
const MAX_DELAY: Duration = Duration::from_secs(6 * 3600);

/// Wakes the delivery worker when messages were queued.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn notify(&self) {
        self.0.notify_one();
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// The wait before attempt `attempts + 1`, given `attempts` made.
pub fn retry_delay(settings: &DeliverySettings, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    settings.retry_base.saturating_mul(factor).min(MAX_DELAY)
}

/// Sends every message due now, batch by batch.
pub async fn deliver_due(
    pool: &DbPool,
    mailer: &Mailer,
    settings: &DeliverySettings,
    now: DateTime<Utc>,
) -> AppResult<Delivered> {
    let mut done = Delivered::default();
    loop {
        let at = now.naive_utc();
        let lease_until = at + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let batch = db::run(pool, move |conn| {
            db::write(conn, |conn| outbox::claim(conn, at, lease_until, BATCH))
        })
        .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        let leased = std::time::Instant::now();
        let mut rows = batch.into_iter();
        while let Some(row) = rows.next() {
            if leased.elapsed() > LEASE / 2 {
                // Hand back what is left rather than send it near the lease's end.
                let rest: Vec<String> = std::iter::once(row.id).chain(rows.map(|r| r.id)).collect();
                db::run(pool, move |conn| {
                    db::write(conn, |conn| outbox::release(conn, &rest))
                })
                .await?;
                break;
            }
            let message = OutgoingMessage {
                id: row.id.clone(),
                to_name: row.to_name.clone(),
                to_email: row.to_email.clone(),
                subject: row.subject.clone(),
                text: row.text_body.clone(),
                html: row.html_body.clone(),
                lang: row.lang.clone(),
            };
            let result = match tokio::time::timeout(LEASE / 2, mailer.send(&message)).await {
                Ok(result) => result,
                Err(_) => Err(MailError::Transient(format!(
                    "no answer from the mail server within {} s",
                    (LEASE / 2).as_secs()
                ))),
            };
            let attempts = u32::try_from(row.attempts).unwrap_or(0) + 1;
            let (retry_at, error) = match &result {
                Ok(()) => {
                    done.sent += 1;
                    (None, None)
                }
                Err(MailError::Transient(e)) if attempts < settings.max_attempts => {
                    done.retrying += 1;
                    let delay = chrono::Duration::from_std(retry_delay(settings, attempts))
                        .unwrap_or_default();
                    (Some(at + delay), Some(e.clone()))
                }
                Err(e) => {
                    done.failed += 1;
                    (None, Some(e.to_string()))
                }
            };
            if let Some(e) = &error {
                tracing::warn!(message = %row.id, attempts, error = %e, retry = retry_at.is_some(), "email not delivered");
            }
            let id = row.id.clone();
            db::run(pool, move |conn| {
                db::write(conn, |conn| match &error {
                    None => outbox::mark_sent(conn, &id, at),
                    Some(e) => outbox::mark_attempt_failed(conn, &id, e, retry_at),
                })
            })
            .await?;
        }
    }
}

/// The worker: delivers what is due, then sleeps until the next message is due, it is
/// woken, or `POLL` passes.
pub async fn run(
    pool: DbPool,
    mailer: Arc<Mailer>,
    settings: DeliverySettings,
    clock: Arc<dyn Clock>,
    wake: Wake,
) {
    loop {
        let now = clock.now();
        if let Err(e) = deliver_due(&pool, &mailer, &settings, now).await {
            tracing::error!(error = %e, "email delivery failed");
        }
        let next = db::run(&pool, outbox::next_due).await.ok().flatten();
        let wait = next
            .map(|at| {
                (at.and_utc() - clock.now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
            })
            .unwrap_or(POLL)
            .clamp(Duration::from_millis(200), POLL);
        tokio::select! {
            _ = wake.0.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_six_hours() {
        let s = DeliverySettings {
            max_attempts: 8,
            retry_base: Duration::from_secs(60),
        };
        assert_eq!(retry_delay(&s, 1), Duration::from_secs(60));
        assert_eq!(retry_delay(&s, 2), Duration::from_secs(120));
        assert_eq!(retry_delay(&s, 4), Duration::from_secs(480));
        assert_eq!(retry_delay(&s, 30), MAX_DELAY);
    }
}

//! What the service does on its own: the reminder sweep on `sweep_schedule` (a cron
//! expression read in the organisation's time zone, by default weekdays at 09:00), and a
//! daily clean-up (audit log retention, R-5.5.7; old failed sign-ins).

use std::sync::Arc;
use std::time::Duration;

use crate::audit::Origin;
use crate::clauses::ClauseTemplates;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::delivery::Wake;
use crate::mail::EmailTemplates;

/// Time until the schedule's next run after the clock's now.
fn until_next(config: &Config, clock: &dyn Clock) -> Duration {
    let now = clock.now().with_timezone(&config.time_zone);
    config
        .sweep_schedule
        .after(&now)
        .next()
        .and_then(|next| (next - now).to_std().ok())
        .unwrap_or(Duration::from_secs(3600))
}

pub struct Sweeper {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub clauses: Arc<ClauseTemplates>,
    pub email: Arc<EmailTemplates>,
    pub questionnaires: Arc<crate::questionnaires::Questionnaires>,
    pub clock: Arc<dyn Clock>,
    pub wake: Wake,
}

impl Sweeper {
    /// The reminder sweep over the service's parts (scheduled, or run by hand).
    pub fn of(services: &crate::app::Services) -> Sweeper {
        Sweeper {
            pool: services.pool.clone(),
            config: services.config.clone(),
            clauses: services.clauses.clone(),
            email: services.email.clone(),
            questionnaires: services.questionnaires.clone(),
            clock: services.clock.clone(),
            wake: services.wake_delivery.clone(),
        }
    }

    /// Runs the sweep now (on a blocking thread) and wakes delivery.
    pub async fn sweep(&self, dry_run: bool) -> crate::error::AppResult<crate::sweep::SweepReport> {
        let rules = crate::app::obligations::ObligationRules {
            clauses: self.clauses.clone(),
            config: self.config.clone(),
        };
        let (email, questionnaires) = (self.email.clone(), self.questionnaires.clone());
        let now = self.clock.now();
        let report = db::run(&self.pool, move |conn| {
            crate::sweep::run(conn, &rules, &email, &questionnaires, now, dry_run)
        })
        .await?;
        if report.messages > 0 {
            self.wake.notify();
        }
        Ok(report)
    }

    /// The sweep run by hand by `actor` (ROLE-CSM), from the API or the pages alike: a dry
    /// run says what would be sent and records nothing; a real run is recorded in the
    /// audit log with what it queued. It lives here rather than in `app`, which the sweep
    /// itself builds on.
    pub async fn by_hand(
        &self,
        origin: Origin,
        actor: &crate::policy::access::Actor,
        dry_run: bool,
    ) -> crate::error::AppResult<crate::sweep::SweepReport> {
        actor.authorize(crate::policy::access::Action::OperateReminders)?;
        let report = self.sweep(dry_run).await?;
        if dry_run {
            return Ok(report);
        }
        let now = self.clock.now();
        let today = self.config.date_at(now);
        let rules = crate::app::obligations::ObligationRules {
            clauses: self.clauses.clone(),
            config: self.config.clone(),
        };
        db::run(&self.pool, move |conn| {
            crate::app::write_on(conn, Some(&rules), now, today, &origin, move |tx| {
                crate::app::outbox::record_sweep(
                    tx,
                    report.today,
                    report.reminders,
                    report.messages,
                );
                Ok(report)
            })
        })
        .await
    }

    /// Sweeps at each time of the schedule, forever.
    pub async fn run(self) {
        loop {
            tokio::time::sleep(until_next(&self.config, self.clock.as_ref())).await;
            if let Err(e) = self.sweep(false).await {
                tracing::error!(error = %e, "scheduled reminder sweep failed");
            }
        }
    }
}

/// Once a day: audit log entries past their retention and failed sign-ins too
/// old to count are removed. Every instance may run it; it is idempotent.
pub async fn housekeeping(pool: DbPool, config: Arc<Config>, clock: Arc<dyn Clock>) {
    let mut every_day = tokio::time::interval(Duration::from_secs(24 * 3600));
    loop {
        every_day.tick().await;
        let pool = pool.clone();
        let config = config.clone();
        let now = clock.now().naive_utc();
        let result = db::run(&pool, move |conn| {
            let retention = chrono::Duration::days(config.security.audit_retention_days.into());
            let removed =
                db::audit::purge_before(conn, &Origin::system("system"), now - retention, now)?;
            let window = chrono::Duration::from_std(config.security.failure_window)
                .unwrap_or(chrono::Duration::hours(1));
            db::write(conn, |conn| db::throttle::prune(conn, now - window))?;
            Ok(removed)
        })
        .await;
        match result {
            Ok(removed) if removed > 0 => {
                tracing::info!(removed, "audit log entries past retention removed")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "housekeeping failed"),
        }
    }
}

/// Empties the token cache when another instance (or the command line) changed who may
/// do what: reads the generation every [`POLL`](crate::app::token_cache::POLL).
pub async fn watch_auth_generation(pool: DbPool, tokens: Arc<crate::app::token_cache::TokenCache>) {
    loop {
        let read = db::read(&pool, db::sessions::auth_generation).await;
        match read {
            Ok(generation) => tokens.observe(generation),
            // Unsure what changed meanwhile: trust nothing cached.
            Err(e) => {
                tracing::warn!(error = %e, "auth generation unreadable; token cache emptied");
                tokens.observe(i64::MIN + 1);
            }
        }
        tokio::time::sleep(crate::app::token_cache::POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ShiftedClock;

    #[test]
    fn the_next_sweep_is_the_next_weekday_at_nine_in_tokyo() {
        let config = Config::from_pairs(&[]).unwrap();
        let clock = ShiftedClock::new();
        // Friday 2030-06-07 10:00 JST = 01:00 UTC: next is Monday 09:00 JST.
        clock.set(
            chrono::DateTime::parse_from_rfc3339("2030-06-07T01:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        );
        let wait = until_next(&config, &clock).as_secs();
        let expected = (2 * 24 + 23) * 3600;
        assert!(wait.abs_diff(expected) < 5, "{wait} vs {expected}");
    }
}

//! The time the service acts on. Everything that decides what is due asks the clock, not
//! the system, so a test can move time forward (two weeks overdue, thirty days) without
//! waiting.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock: what the service runs on.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock the holder moves: the real time shifted by an offset that tests set.
#[derive(Debug, Default, Clone)]
pub struct ShiftedClock {
    offset: Arc<Mutex<chrono::Duration>>,
}

impl ShiftedClock {
    pub fn new() -> ShiftedClock {
        ShiftedClock::default()
    }

    /// Moves the clock forward by `by` (backwards when negative).
    pub fn advance(&self, by: chrono::Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset += by;
    }

    /// Sets the clock so that now is `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = at - Utc::now();
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        Utc::now() + offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_moves_by_what_it_is_told() {
        let clock = ShiftedClock::new();
        let before = clock.now();
        clock.advance(chrono::Duration::days(14));
        let moved = clock.now() - before;
        assert!(moved >= chrono::Duration::days(14));
        assert!(moved < chrono::Duration::days(14) + chrono::Duration::seconds(5));
        let target = DateTime::parse_from_rfc3339("2031-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        clock.set(target);
        assert!((clock.now() - target).num_seconds().abs() < 5);
    }
}

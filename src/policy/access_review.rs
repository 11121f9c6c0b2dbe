//! R-5.5.3.6: access rights are reviewed periodically for ones no longer needed. ROLE-CSM
//! confirms a review every `access_review_interval_days`; an account not signed in for
//! `stale_account_days` is flagged for removal.

use chrono::{NaiveDate, NaiveDateTime};

/// When the next review is due: an interval after the last one, or at once when there
/// has never been one.
pub fn due_on(
    last_confirmed: Option<NaiveDate>,
    interval_days: u32,
    today: NaiveDate,
) -> NaiveDate {
    match last_confirmed {
        Some(d) => d + chrono::Days::new(interval_days.into()),
        None => today,
    }
}

/// How many days before the due date ROLE-CSM starts being reminded.
pub const REMIND_DAYS_BEFORE: u64 = 14;

/// Whether ROLE-CSM is to be reminded today.
pub fn remind(due: NaiveDate, today: NaiveDate) -> bool {
    today + chrono::Days::new(REMIND_DAYS_BEFORE) >= due
}

/// Why an active account is flagged, if it is: never signed in, or not for too long,
/// counted from its creation when it never has.
pub fn stale_since(
    active: bool,
    created_at: NaiveDateTime,
    last_sign_in_at: Option<NaiveDateTime>,
    stale_days: u32,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    if !active {
        return None;
    }
    let since = last_sign_in_at.unwrap_or(created_at);
    (now - since >= chrono::Duration::days(stale_days.into())).then_some(since)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn r_5_5_3_6_review_due_an_interval_after_the_last_or_now() {
        let today = day(2030, 6, 1);
        assert_eq!(due_on(None, 90, today), today);
        assert_eq!(due_on(Some(day(2030, 3, 1)), 90, today), day(2030, 5, 30));
        assert!(remind(day(2030, 6, 15), today));
        assert!(!remind(day(2030, 6, 16), today));
        assert!(remind(day(2030, 5, 1), today), "overdue keeps reminding");
    }

    #[test]
    fn r_5_5_3_6_accounts_unused_for_the_period_are_flagged() {
        let now = day(2030, 6, 1).and_hms_opt(0, 0, 0).unwrap();
        let long_ago = day(2030, 1, 1).and_hms_opt(0, 0, 0).unwrap();
        let recent = day(2030, 5, 20).and_hms_opt(0, 0, 0).unwrap();
        assert_eq!(stale_since(true, long_ago, None, 90, now), Some(long_ago));
        assert_eq!(stale_since(true, long_ago, Some(recent), 90, now), None);
        assert_eq!(stale_since(true, recent, None, 90, now), None);
        assert_eq!(stale_since(false, long_ago, None, 90, now), None);
    }
}

//! A periodic check's life: sent to a vendor contact, answered
//! in the portal (drafts, then a signed submission), reviewed by the responsible officer,
//! who accepts it or returns it for correction. Overdue is not stored: it is what an open
//! check is once its due date has passed.

use chrono::NaiveDate;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Sent,
    InProgress,
    Submitted,
    Returned,
    Accepted,
    /// Derived: an open check past its due date.
    Overdue,
}

impl CheckState {
    pub const STORED: [CheckState; 5] = [
        CheckState::Sent,
        CheckState::InProgress,
        CheckState::Submitted,
        CheckState::Returned,
        CheckState::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckState::Sent => "sent",
            CheckState::InProgress => "in_progress",
            CheckState::Submitted => "submitted",
            CheckState::Returned => "returned",
            CheckState::Accepted => "accepted",
            CheckState::Overdue => "overdue",
        }
    }

    /// As read back from the database (only stored states are ever written).
    pub fn from_stored(s: &str) -> Option<CheckState> {
        Self::parse(s)
    }

    pub fn parse(s: &str) -> Option<CheckState> {
        Self::STORED.into_iter().find(|c| c.as_str() == s)
    }

    /// The vendor may still change the answers.
    pub fn open_to_vendor(self) -> bool {
        matches!(
            self,
            CheckState::Sent | CheckState::InProgress | CheckState::Returned
        )
    }
}

crate::domain::engagement::wire_enum! {
    /// What the officer decided on a submitted check.
    Verdict {
        Accept => "accept",
        Return => "return",
    }
}

/// What happens to a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckEvent {
    /// The vendor saves answers without submitting.
    SaveDraft,
    /// The vendor submits with a signed statement.
    Submit,
    /// The officer returns it for correction.
    Return,
    /// The officer accepts it: the periodic obligation is met.
    Accept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Submitted or accepted: the answers are read-only.
    ReadOnly,
    /// Only a submitted check is reviewed.
    NotSubmitted,
}

/// The state after `event`, or why it cannot happen. A second submission of a submitted
/// check is not an error: the vendor's browser may send it twice.
pub fn next(state: CheckState, event: CheckEvent) -> Result<CheckState, Refused> {
    use CheckEvent as E;
    use CheckState as S;
    match (state, event) {
        (S::Sent | S::InProgress | S::Returned | S::Overdue, E::SaveDraft) => Ok(S::InProgress),
        (S::Sent | S::InProgress | S::Returned | S::Overdue, E::Submit) => Ok(S::Submitted),
        (S::Submitted, E::Submit) => Ok(S::Submitted),
        (S::Submitted | S::Accepted, E::SaveDraft) | (S::Accepted, E::Submit) => {
            Err(Refused::ReadOnly)
        }
        (S::Submitted, E::Return) => Ok(S::Returned),
        (S::Submitted, E::Accept) => Ok(S::Accepted),
        (_, E::Return | E::Accept) => Err(Refused::NotSubmitted),
    }
}

/// The state as people see it on `today`.
pub fn effective(state: CheckState, due_on: NaiveDate, today: NaiveDate) -> CheckState {
    if state.open_to_vendor() && due_on < today {
        CheckState::Overdue
    } else {
        state
    }
}

crate::domain::stored::stored_as_text!(CheckState);

/// When the vendor hears again of a check or attestation they have not submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorReminder {
    /// 7 days before the due date.
    Soon,
    /// On the due date, or the first sweep after it while a link can still be given.
    Due,
}

impl VendorReminder {
    /// The stage's name, recorded so that each is sent once.
    pub fn as_str(self) -> &'static str {
        match self {
            VendorReminder::Soon => "vendor_7d",
            VendorReminder::Due => "vendor_due",
        }
    }
}

/// Days before the due date the vendor is reminded.
pub const VENDOR_REMINDER_DAYS: u64 = 7;

/// The reminder a vendor is owed `today` for a check in `state` due `due_on`, whose links
/// work for `grace_days` after it; `None` once submitted or accepted, before the 7 days,
/// and after the last day a link could work.
pub fn vendor_reminder(
    state: CheckState,
    due_on: NaiveDate,
    grace_days: u32,
    today: NaiveDate,
) -> Option<VendorReminder> {
    if !state.open_to_vendor() {
        return None;
    }
    let soon = due_on - chrono::Days::new(VENDOR_REMINDER_DAYS);
    let last = due_on + chrono::Days::new(u64::from(grace_days));
    if today >= due_on && today <= last {
        Some(VendorReminder::Due)
    } else if today >= soon && today < due_on {
        Some(VendorReminder::Soon)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckEvent as E;
    use CheckState as S;

    #[test]
    fn vendors_are_reminded_7_days_before_and_on_the_due_date_while_it_is_open() {
        let d = |day| NaiveDate::from_ymd_opt(2027, 4, day).unwrap();
        let due = d(20);
        assert_eq!(vendor_reminder(S::Sent, due, 5, d(12)), None);
        assert_eq!(
            vendor_reminder(S::Sent, due, 5, d(13)),
            Some(VendorReminder::Soon)
        );
        assert_eq!(
            vendor_reminder(S::InProgress, due, 5, d(19)),
            Some(VendorReminder::Soon)
        );
        assert_eq!(
            vendor_reminder(S::Returned, due, 5, d(20)),
            Some(VendorReminder::Due)
        );
        assert_eq!(
            vendor_reminder(S::Sent, due, 5, d(25)),
            Some(VendorReminder::Due)
        );
        assert_eq!(
            vendor_reminder(S::Sent, due, 5, d(26)),
            None,
            "no link could work"
        );
        assert_eq!(vendor_reminder(S::Submitted, due, 5, d(20)), None);
        assert_eq!(vendor_reminder(S::Accepted, due, 5, d(13)), None);
    }

    #[test]
    fn a_check_goes_from_sent_to_accepted_through_review() {
        assert_eq!(next(S::Sent, E::SaveDraft), Ok(S::InProgress));
        assert_eq!(next(S::InProgress, E::Submit), Ok(S::Submitted));
        assert_eq!(next(S::Submitted, E::Return), Ok(S::Returned));
        assert_eq!(next(S::Returned, E::SaveDraft), Ok(S::InProgress));
        assert_eq!(next(S::InProgress, E::Submit), Ok(S::Submitted));
        assert_eq!(next(S::Submitted, E::Accept), Ok(S::Accepted));
    }

    #[test]
    fn submitted_answers_are_read_only_and_a_second_submit_changes_nothing() {
        assert_eq!(next(S::Submitted, E::Submit), Ok(S::Submitted));
        assert_eq!(next(S::Submitted, E::SaveDraft), Err(Refused::ReadOnly));
        assert_eq!(next(S::Accepted, E::Submit), Err(Refused::ReadOnly));
        assert_eq!(next(S::Sent, E::Accept), Err(Refused::NotSubmitted));
        assert_eq!(next(S::Accepted, E::Return), Err(Refused::NotSubmitted));
    }

    #[test]
    fn an_open_check_past_its_due_date_is_overdue() {
        let due = NaiveDate::from_ymd_opt(2030, 6, 30).unwrap();
        let after = NaiveDate::from_ymd_opt(2030, 7, 1).unwrap();
        assert_eq!(effective(S::Sent, due, due), S::Sent);
        assert_eq!(effective(S::Sent, due, after), S::Overdue);
        assert_eq!(effective(S::Returned, due, after), S::Overdue);
        assert_eq!(effective(S::Submitted, due, after), S::Submitted);
        assert_eq!(effective(S::Accepted, due, after), S::Accepted);
        // An overdue check can still be answered.
        assert_eq!(next(S::Overdue, E::Submit), Ok(S::Submitted));
        for s in CheckState::STORED {
            assert_eq!(CheckState::parse(s.as_str()), Some(s));
        }
    }
}

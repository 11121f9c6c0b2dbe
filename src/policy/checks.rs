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

#[cfg(test)]
mod tests {
    use super::*;
    use CheckEvent as E;
    use CheckState as S;

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

//! A finding's life: every non-conforming answer of an accepted check becomes a finding
//! with a corrective action, tracked until it is closed or its risk is accepted. Open
//! findings count against the engagement until then. Accepting a risk needs a reason and
//! an approver other than the finding's owner.

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
pub enum FindingState {
    Open,
    InProgress,
    Closed,
    RiskAccepted,
}

impl FindingState {
    pub const ALL: [FindingState; 4] = [
        FindingState::Open,
        FindingState::InProgress,
        FindingState::Closed,
        FindingState::RiskAccepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::InProgress => "in_progress",
            FindingState::Closed => "closed",
            FindingState::RiskAccepted => "risk_accepted",
        }
    }

    /// As read back from the database (only stored states are ever written).
    pub fn from_stored(s: &str) -> Option<FindingState> {
        Self::parse(s)
    }

    pub fn parse(s: &str) -> Option<FindingState> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Still counts against the engagement.
    pub fn is_open(self) -> bool {
        matches!(self, FindingState::Open | FindingState::InProgress)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Closed and risk-accepted findings are final.
    Final,
    /// Closing needs the corrective action written down.
    NoCorrectiveAction,
    /// Risk acceptance has its own request, with a reason and an approver.
    RiskNeedsApproval,
}

/// Whether the owner (or anyone who may change the engagement) may move a finding from
/// `from` to `to` by editing it.
pub fn edit(from: FindingState, to: FindingState, corrective_action: &str) -> Result<(), Refused> {
    use FindingState as S;
    if !from.is_open() {
        return if from == to {
            Ok(())
        } else {
            Err(Refused::Final)
        };
    }
    match to {
        S::RiskAccepted => Err(Refused::RiskNeedsApproval),
        S::Closed if corrective_action.trim().is_empty() => Err(Refused::NoCorrectiveAction),
        _ => Ok(()),
    }
}

/// Whether a risk can be accepted for a finding in this state.
pub fn accept_risk(from: FindingState) -> Result<(), Refused> {
    if from.is_open() {
        Ok(())
    } else {
        Err(Refused::Final)
    }
}

crate::domain::stored::stored_as_text!(FindingState);

#[cfg(test)]
mod tests {
    use super::*;
    use FindingState as S;

    #[test]
    fn findings_close_with_a_corrective_action_and_then_stay_closed() {
        assert_eq!(edit(S::Open, S::InProgress, ""), Ok(()));
        assert_eq!(
            edit(S::InProgress, S::Closed, "  "),
            Err(Refused::NoCorrectiveAction)
        );
        assert_eq!(edit(S::InProgress, S::Closed, "研修を実施した"), Ok(()));
        assert_eq!(edit(S::Closed, S::Open, "x"), Err(Refused::Final));
        assert_eq!(edit(S::Closed, S::Closed, "x"), Ok(()));
        assert_eq!(
            edit(S::Open, S::RiskAccepted, "x"),
            Err(Refused::RiskNeedsApproval)
        );
        assert_eq!(accept_risk(S::InProgress), Ok(()));
        assert_eq!(accept_risk(S::RiskAccepted), Err(Refused::Final));
        for s in FindingState::ALL {
            assert_eq!(FindingState::parse(s.as_str()), Some(s));
        }
        assert!(S::Open.is_open() && !S::Closed.is_open() && !S::RiskAccepted.is_open());
    }
}

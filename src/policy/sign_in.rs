//! Signing in, as rules: the stages a session passes through and when failed attempts
//! throttle an account or an address. Pure, so that the HTTP shell only carries them out.
//!
//! - R-5.5.3.2: staff sign in with a second factor (TOTP) after the password; with
//!   `mfa_required` on, a person without one sets it up before reaching anything else.
//! - R-4.1.4.3: a password handed out at registration is replaced at first sign-in.

use std::time::Duration;

use chrono::NaiveDateTime;

/// Where a session stands. Only `Complete` reaches the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The password was right; a TOTP or recovery code is expected.
    SecondFactor,
    /// The password was a one-time password; a new one is to be chosen.
    ChangePassword,
    /// No second factor yet and the deployment requires one: set it up.
    Enrol,
    Complete,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second_factor",
            Stage::ChangePassword => "change_password",
            Stage::Enrol => "enrol",
            Stage::Complete => "complete",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        [
            Stage::SecondFactor,
            Stage::ChangePassword,
            Stage::Enrol,
            Stage::Complete,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// What the stages depend on.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    pub has_second_factor: bool,
    pub must_change_password: bool,
}

/// The stage a session is in, given what has been proven so far in it. The second factor
/// comes before the password change, so a stolen one-time password alone cannot set the
/// account's next password.
pub fn stage(account: Account, second_factor_proven: bool, mfa_required: bool) -> Stage {
    if account.has_second_factor && !second_factor_proven {
        Stage::SecondFactor
    } else if account.must_change_password {
        Stage::ChangePassword
    } else if mfa_required && !account.has_second_factor {
        Stage::Enrol
    } else {
        Stage::Complete
    }
}

/// Throttling limits (from `SecuritySettings`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_failures: u32,
    pub window: Duration,
}

/// How long to wait before trying again, given the failures inside the window (oldest
/// first), or `None` when another attempt may be made now. The limit lifts when enough of
/// the failures have left the window to bring the count below the maximum.
pub fn retry_after(failures: &[NaiveDateTime], now: NaiveDateTime, limits: Limits) -> Option<u64> {
    let window = chrono::Duration::from_std(limits.window).unwrap_or(chrono::Duration::MAX);
    let recent: Vec<&NaiveDateTime> = failures.iter().filter(|t| now - **t < window).collect();
    let max = limits.max_failures as usize;
    if recent.len() < max {
        return None;
    }
    let lifts_at = *recent[recent.len() - max] + window;
    Some(((lifts_at - now).num_seconds()).max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(has_second_factor: bool, must_change_password: bool) -> Account {
        Account {
            has_second_factor,
            must_change_password,
        }
    }

    #[test]
    fn stages_follow_password_second_factor_password_change_enrolment() {
        // R-5.5.3.2 / R-4.1.4.3
        let new_user = account(false, true);
        assert_eq!(stage(new_user, false, true), Stage::ChangePassword);
        let changed = account(false, false);
        assert_eq!(stage(changed, false, true), Stage::Enrol);
        assert_eq!(stage(changed, false, false), Stage::Complete);
        let enrolled = account(true, false);
        assert_eq!(stage(enrolled, false, true), Stage::SecondFactor);
        assert_eq!(stage(enrolled, false, false), Stage::SecondFactor);
        assert_eq!(stage(enrolled, true, true), Stage::Complete);
        let reset_password = account(true, true);
        assert_eq!(stage(reset_password, false, true), Stage::SecondFactor);
        assert_eq!(stage(reset_password, true, true), Stage::ChangePassword);
        for s in [
            Stage::SecondFactor,
            Stage::ChangePassword,
            Stage::Enrol,
            Stage::Complete,
        ] {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn throttle_lifts_when_the_oldest_counted_failure_leaves_the_window() {
        let t0 = chrono::NaiveDate::from_ymd_opt(2030, 1, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let limits = Limits {
            max_failures: 3,
            window: Duration::from_secs(600),
        };
        let at = |s: i64| t0 + chrono::Duration::seconds(s);
        assert_eq!(retry_after(&[at(0), at(10)], at(20), limits), None);
        // Three failures: locked until the first is 600 s old.
        assert_eq!(
            retry_after(&[at(0), at(10), at(20)], at(30), limits),
            Some(570)
        );
        // Four: it takes the second one leaving to fall below three.
        assert_eq!(
            retry_after(&[at(0), at(10), at(20), at(25)], at(30), limits),
            Some(580)
        );
        // Failures older than the window do not count.
        assert_eq!(retry_after(&[at(0), at(10), at(20)], at(605), limits), None);
    }
}

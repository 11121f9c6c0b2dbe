//! When people are reminded of a deadline, and who hears of it when it drags on. Pure:
//! given a due date and today (in the organisation's time zone), it names the reminder
//! *stage* an item is at. A stage is sent to a recipient at most once (the sweep records
//! each item × stage × recipient), so the stage is what makes "never twice" hold while a
//! sweep that did not run on a given day (a weekend, a stopped service) still catches up
//! with the latest stage passed.

use chrono::NaiveDate;

use crate::domain::Role;

/// The deployment's reminder settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderPolicy {
    /// Days before the due date a reminder goes out, e.g. [14, 3].
    pub days_before: Vec<u32>,
    /// While overdue, the owner is reminded again every this many days.
    pub overdue_every_days: u32,
    /// Days overdue at which a role hears of it too, e.g. [(14, ROLE-SO), (30, ROLE-CISO)].
    pub escalation: Vec<(u32, Role)>,
    /// Days an approval request may wait before it is due.
    pub approval_due_days: u32,
    /// Days before a contract's end its responsible person is told, e.g. [90, 30].
    pub contract_end_notice_days: Vec<u32>,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy {
            days_before: vec![14, 3],
            overdue_every_days: 7,
            escalation: vec![(14, Role::SecurityOfficer), (30, Role::Ciso)],
            approval_due_days: 7,
            contract_end_notice_days: vec![90, 30],
        }
    }
}

/// Where an item stands for its owner on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Within `n` days of the due date (the smallest threshold reached).
    Before(u32),
    /// Due today, or overdue by less than one repeat interval (a missed due-day reminder
    /// still goes out).
    Due,
    /// Overdue for the `n`-th repeat interval (1 = a week overdue with the default).
    Overdue(u32),
}

impl Stage {
    /// The stage as recorded with each reminder sent.
    pub fn key(&self) -> String {
        match self {
            Stage::Before(n) => format!("before_{n}"),
            Stage::Due => "due".into(),
            Stage::Overdue(n) => format!("overdue_{n}"),
        }
    }
}

/// The owner's stage on `today`, or `None` when nothing is to be said yet.
pub fn owner_stage(due: NaiveDate, today: NaiveDate, policy: &ReminderPolicy) -> Option<Stage> {
    let days = (due - today).num_days();
    if days > 0 {
        let reached = policy
            .days_before
            .iter()
            .copied()
            .filter(|t| days <= i64::from(*t))
            .min()?;
        return Some(Stage::Before(reached));
    }
    let overdue = (-days) as u32;
    let every = policy.overdue_every_days.max(1);
    match overdue / every {
        0 => Some(Stage::Due),
        n => Some(Stage::Overdue(n)),
    }
}

/// The escalation levels reached on `today`: (stage key, role told).
pub fn escalations(
    due: NaiveDate,
    today: NaiveDate,
    policy: &ReminderPolicy,
) -> Vec<(String, Role)> {
    let overdue = (today - due).num_days();
    policy
        .escalation
        .iter()
        .filter(|(days, _)| overdue >= i64::from(*days))
        .map(|(days, role)| (format!("escalation_{days}"), *role))
        .collect()
}

/// The notice a contract's end brings on `today`: the smallest threshold reached, until
/// the end day.
pub fn contract_end_stage(
    ends_on: NaiveDate,
    today: NaiveDate,
    policy: &ReminderPolicy,
) -> Option<String> {
    let days = (ends_on - today).num_days();
    if days < 0 {
        return None;
    }
    policy
        .contract_end_notice_days
        .iter()
        .copied()
        .filter(|t| days <= i64::from(*t))
        .min()
        .map(|t| format!("end_{t}"))
}

/// Parses "14,3" into days, largest first; each 1..=3650.
pub fn parse_days(text: &str) -> Result<Vec<u32>, String> {
    let mut days = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<u32>() {
            Ok(n) if (1..=3650).contains(&n) => days.push(n),
            _ => return Err(format!("`{part}` is not a number of days from 1 to 3650")),
        }
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Ok(days)
}

/// Parses "14:security_officer,30:ciso" into escalation levels, soonest first.
pub fn parse_escalation(text: &str) -> Result<Vec<(u32, Role)>, String> {
    let mut levels = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (days, role) = part
            .split_once(':')
            .ok_or_else(|| format!("`{part}` is not days:role, e.g. 14:security_officer"))?;
        let days = parse_days(days)?
            .first()
            .copied()
            .ok_or_else(|| format!("`{part}` has no number of days"))?;
        let role = Role::parse(role.trim()).map_err(|e| format!("`{part}`: {e}"))?;
        levels.push((days, role));
    }
    levels.sort_by_key(|(d, _)| *d);
    Ok(levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 6, 1).unwrap() + chrono::Days::new(d.into())
    }

    #[test]
    fn before_the_due_date_the_smallest_threshold_reached_counts() {
        let p = ReminderPolicy::default();
        let due = day(30);
        assert_eq!(
            owner_stage(due, day(15), &p),
            None,
            "15 days before: nothing yet"
        );
        assert_eq!(owner_stage(due, day(16), &p), Some(Stage::Before(14)));
        assert_eq!(owner_stage(due, day(26), &p), Some(Stage::Before(14)));
        assert_eq!(owner_stage(due, day(27), &p), Some(Stage::Before(3)));
        assert_eq!(owner_stage(due, day(29), &p), Some(Stage::Before(3)));
    }

    #[test]
    fn due_day_then_every_seven_days_while_overdue() {
        let p = ReminderPolicy::default();
        let due = day(0);
        assert_eq!(owner_stage(due, day(0), &p), Some(Stage::Due));
        // A due-day reminder missed over a weekend still goes out as "due".
        assert_eq!(owner_stage(due, day(2), &p), Some(Stage::Due));
        assert_eq!(owner_stage(due, day(7), &p), Some(Stage::Overdue(1)));
        assert_eq!(owner_stage(due, day(13), &p), Some(Stage::Overdue(1)));
        assert_eq!(owner_stage(due, day(14), &p), Some(Stage::Overdue(2)));
        assert_eq!(Stage::Overdue(2).key(), "overdue_2");
        assert_eq!(Stage::Before(14).key(), "before_14");
    }

    #[test]
    fn escalation_to_the_security_officer_at_14_and_the_ciso_at_30_days() {
        let p = ReminderPolicy::default();
        let due = day(0);
        assert!(escalations(due, day(13), &p).is_empty());
        assert_eq!(
            escalations(due, day(14), &p),
            vec![("escalation_14".to_string(), Role::SecurityOfficer)]
        );
        assert_eq!(
            escalations(due, day(30), &p),
            vec![
                ("escalation_14".to_string(), Role::SecurityOfficer),
                ("escalation_30".to_string(), Role::Ciso)
            ]
        );
    }

    #[test]
    fn contract_end_notices_at_90_and_30_days() {
        let p = ReminderPolicy::default();
        let end = day(100);
        assert_eq!(contract_end_stage(end, day(9), &p), None);
        assert_eq!(contract_end_stage(end, day(10), &p), Some("end_90".into()));
        assert_eq!(contract_end_stage(end, day(70), &p), Some("end_30".into()));
        assert_eq!(contract_end_stage(end, day(100), &p), Some("end_30".into()));
        assert_eq!(contract_end_stage(end, day(101), &p), None);
    }

    #[test]
    fn settings_parse_with_clear_errors() {
        assert_eq!(parse_days("3, 14").unwrap(), vec![14, 3]);
        assert!(parse_days("x").unwrap_err().contains("`x`"));
        assert_eq!(
            parse_escalation("30:ciso,14:security_officer").unwrap(),
            vec![(14, Role::SecurityOfficer), (30, Role::Ciso)]
        );
        assert!(parse_escalation("14").is_err());
        assert!(parse_escalation("14:mayor").is_err());
    }
}

//! The obligations engine: from an engagement's kind, level, status, dates and the
//! evidence recorded for it, what the Standard requires of it now, with due dates and
//! states. A pure function: the same snapshot and day give the same answer, so obligations
//! are derived afresh whenever they are asked for and can never go stale.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};

use super::rules::{self, Owner, Rule};
use crate::domain::{ClassificationLevel, EngagementKind, Role, Status};

/// The deployment's choices where the Standard leaves a period open (set in `config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSettings {
    /// Months between periodic checks, by level [L1, L2, L3].
    pub check_interval_months: [u32; 3],
    /// Days after the end by which the return, disposal or erasure is certified
    ///
    pub certificate_deadline_days: u32,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            check_interval_months: [12, 12, 6],
            certificate_deadline_days: 30,
        }
    }
}

/// The rules met by accepted periodic checks, due again one interval after each
/// an engagement that owes one of them has a check interval.
pub const PERIODIC_RULES: &[&str] = &["R-7.3", "R-7.4", "R-8.3.1", "R-8.3.2", "R-9.3.3"];

#[derive(Debug, Clone)]
pub struct ItemSnapshot {
    pub id: String,
    pub name: String,
    pub level: ClassificationLevel,
    pub provided_to_vendor: bool,
}

/// A designated manager's own system or brought-in asset.
#[derive(Debug, Clone)]
pub struct AssetSnapshot {
    pub id: String,
    pub name: String,
    /// true: an information system; false: other assets brought in.
    pub is_system: bool,
    pub approved_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct ContractSnapshot {
    pub signed_on: NaiveDate,
    pub clause_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Waiver {
    pub rule_id: String,
    pub subject: Option<String>,
    pub reason: String,
    pub by_user_id: String,
}

/// What the engine needs to know about one engagement.
#[derive(Debug, Clone)]
pub struct EngagementSnapshot {
    pub kind: EngagementKind,
    pub level: Option<ClassificationLevel>,
    pub status: Status,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub responsible_user_id: String,
    /// a subcontract of a designated management.
    pub is_subcontract: bool,
    /// The day the level last rose: obligations a higher level brings are due from then.
    pub level_raised_on: Option<NaiveDate>,
    pub items: Vec<ItemSnapshot>,
    /// The day the engagement first reached each status.
    pub reached: HashMap<Status, NaiveDate>,
    pub contract: Option<ContractSnapshot>,
    /// Clause IDs the catalog makes mandatory for this kind and level.
    pub mandatory_clauses: Vec<String>,
    /// information item id → day its provision was approved.
    pub approved_items: HashMap<String, NaiveDate>,
    /// the designated manager's systems and assets on record.
    pub manager_assets: Vec<AssetSnapshot>,
    pub waivers: Vec<Waiver>,
    /// months between periodic checks when not the level's default.
    pub check_interval_months: Option<u32>,
    /// Rule id → the latest day an accepted periodic check met it (R-8.3.x, R-7.3,
    ///
    pub checks_accepted: HashMap<String, NaiveDate>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ObligationState {
    Open,
    Met,
    Overdue,
    Waived,
}

impl ObligationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Met => "met",
            Self::Overdue => "overdue",
            Self::Waived => "waived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "met" => Some(Self::Met),
            "overdue" => Some(Self::Overdue),
            "waived" => Some(Self::Waived),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub rule: &'static Rule,
    /// What the obligation is about when a rule applies several times (an item's id).
    pub subject: Option<String>,
    pub subject_name: Option<String>,
    /// The rule through which this one applies (R-8.5 for a subcontract).
    pub via: Option<&'static str>,
    pub owner_role: Role,
    /// The person who must act, when one is known.
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub state: ObligationState,
    pub met_on: Option<NaiveDate>,
    pub waiver: Option<(String, String)>,
}

/// How an obligation is met, decided from the snapshot.
enum Evidence {
    Met(NaiveDate),
    Missing,
}

fn rule(id: &str) -> &'static Rule {
    rules::get(id).unwrap_or_else(|| panic!("rule {id} is in the catalog"))
}

fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

struct Builder<'a> {
    e: &'a EngagementSnapshot,
    today: NaiveDate,
    via: Option<&'static str>,
    out: Vec<Obligation>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        id: &str,
        subject: Option<(&str, &str)>,
        due_on: Option<NaiveDate>,
        evidence: Evidence,
    ) {
        let rule = rule(id);
        let (owner_role, assignee) = match rule.owner {
            Owner::Responsible => (
                self.e.kind.responsible_role(),
                Some(self.e.responsible_user_id.clone()),
            ),
            Owner::Role(role) => (role, None),
        };
        let waiver = self
            .e
            .waivers
            .iter()
            .find(|w| w.rule_id == rule.id && w.subject.as_deref() == subject.map(|s| s.0));
        let (state, met_on) = match (&evidence, waiver) {
            (Evidence::Met(on), _) => (ObligationState::Met, Some(*on)),
            (Evidence::Missing, Some(_)) => (ObligationState::Waived, None),
            (Evidence::Missing, None) if due_on.is_some_and(|d| d < self.today) => {
                (ObligationState::Overdue, None)
            }
            (Evidence::Missing, None) => (ObligationState::Open, None),
        };
        self.out.push(Obligation {
            rule,
            subject: subject.map(|s| s.0.to_string()),
            subject_name: subject.map(|s| s.1.to_string()),
            via: self.via,
            owner_role,
            assignee_user_id: assignee,
            due_on,
            state,
            met_on,
            waiver: waiver
                .filter(|_| state == ObligationState::Waived)
                .map(|w| (w.reason.clone(), w.by_user_id.clone())),
        });
    }
}

/// The obligations of one engagement on `today` (the organisation's date).
pub fn obligations(
    e: &EngagementSnapshot,
    today: NaiveDate,
    settings: &RuleSettings,
) -> Vec<Obligation> {
    let contracted = e.reached.contains_key(&Status::Contracted);
    // An engagement abandoned before any contract handed nothing over: nothing is owed.
    if e.status == Status::Terminated && !contracted {
        return Vec::new();
    }
    let level = e.level.unwrap_or(ClassificationLevel::L1);
    let interval = e
        .check_interval_months
        .unwrap_or(settings.check_interval_months[level.rank() as usize - 1]);
    // What a level brings is due from the start, or from the day the level rose.
    let pre_contract_due = e
        .level_raised_on
        .map_or(e.starts_on, |d| d.max(e.starts_on));
    let first_check_due = add_months(e.starts_on, interval);
    let end_date = e
        .reached
        .get(&Status::Terminated)
        .copied()
        .map_or(e.ends_on, |t| t.min(e.ends_on));
    let end_due = end_date + chrono::Days::new(u64::from(settings.certificate_deadline_days));
    let selected = e
        .reached
        .get(&Status::Selected)
        .copied()
        .map_or(Evidence::Missing, Evidence::Met);
    let contract_complete = || match &e.contract {
        Some(c)
            if e.mandatory_clauses
                .iter()
                .all(|id| c.clause_ids.contains(id)) =>
        {
            Evidence::Met(c.signed_on)
        }
        _ => Evidence::Missing,
    };
    let contract_has = |clause: &str| match &e.contract {
        Some(c) if c.clause_ids.iter().any(|id| id == clause) => Evidence::Met(c.signed_on),
        _ => Evidence::Missing,
    };

    // An accepted check meets a periodic obligation until the next check is due; then
    // the next one is owed, due one interval after the last acceptance.
    let periodic = |rule: &str| -> (Option<NaiveDate>, Evidence) {
        debug_assert!(
            PERIODIC_RULES.contains(&rule),
            "{rule} is listed as periodic"
        );
        match e.checks_accepted.get(rule) {
            Some(&on) => {
                let next = add_months(on, interval);
                let evidence = if today <= next {
                    Evidence::Met(on)
                } else {
                    Evidence::Missing
                };
                (Some(next), evidence)
            }
            None => (Some(first_check_due), Evidence::Missing),
        }
    };

    // .x and .x are met only by the accepted end-of-term attestation.
    let attested = |rule: &str| {
        e.checks_accepted
            .get(rule)
            .copied()
            .map_or(Evidence::Missing, Evidence::Met)
    };

    let mut b = Builder {
        e,
        today,
        via: None,
        out: Vec::new(),
    };
    match (e.kind, level) {
        (EngagementKind::Outsourcing, _) => {
            b.via = e.is_subcontract.then_some("R-8.5");
            b.push("R-8.1", None, Some(e.starts_on), selected);
            b.push("R-8.2", None, Some(pre_contract_due), contract_complete());
            // Measures and checks are met by accepted periodic checks (questionnaires).
            {
                let (due, evidence) = periodic("R-8.3.1");
                b.push("R-8.3.1", None, due, evidence);
            }
            {
                let (due, evidence) = periodic("R-8.3.2");
                b.push("R-8.3.2", None, due, evidence);
            }
            b.push("R-8.4.1", None, Some(end_due), attested("R-8.4.1"));
            b.push("R-8.4.2", None, Some(end_due), attested("R-8.4.2"));
        }
        (EngagementKind::DesignatedManagement, _) => {
            b.push("R-7.1", None, Some(e.starts_on), selected);
            b.push("R-7.2", None, Some(pre_contract_due), contract_complete());
            {
                let (due, evidence) = periodic("R-7.3");
                b.push("R-7.3", None, due, evidence);
            }
            {
                let (due, evidence) = periodic("R-7.4");
                b.push("R-7.4", None, due, evidence);
            }
            // One approval by ROLE-CSM per system or asset on record.
            for asset in &e.manager_assets {
                let rule = if asset.is_system { "R-7.5" } else { "R-7.6" };
                let evidence = asset.approved_on.map_or(Evidence::Missing, Evidence::Met);
                b.push(
                    rule,
                    Some((&asset.id, &asset.name)),
                    Some(e.starts_on),
                    evidence,
                );
            }
        }
        (EngagementKind::CloudService, ClassificationLevel::L1) => {
            b.push("R-10.1", None, Some(e.starts_on), selected);
            b.push("R-10.2", None, Some(e.starts_on), Evidence::Missing);
        }
        (EngagementKind::CloudService, _) => {
            b.push("R-9.1", None, Some(e.starts_on), selected);
            b.push("R-9.2", None, Some(pre_contract_due), contract_complete());
            b.push(
                "R-9.3.1",
                None,
                Some(pre_contract_due),
                contract_has("CL-18"),
            );
            b.push("R-9.3.2", None, Some(pre_contract_due), Evidence::Missing);
            {
                let (due, evidence) = periodic("R-9.3.3");
                b.push("R-9.3.3", None, due, evidence);
            }
            b.push("R-9.4.1", None, Some(end_due), attested("R-9.4.1"));
            b.push("R-9.4.2", None, Some(end_due), attested("R-9.4.2"));
        }
    }
    // each L2/L3 item handed to the vendor needs the security officer's approval.
    b.via = None;
    for item in e
        .items
        .iter()
        .filter(|i| i.provided_to_vendor && i.level >= ClassificationLevel::L2)
    {
        let evidence = e
            .approved_items
            .get(&item.id)
            .copied()
            .map_or(Evidence::Missing, Evidence::Met);
        b.push(
            "R-3.3.3",
            Some((&item.id, &item.name)),
            Some(pre_contract_due),
            evidence,
        );
    }
    b.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn snapshot(kind: EngagementKind, level: Option<ClassificationLevel>) -> EngagementSnapshot {
        EngagementSnapshot {
            kind,
            level,
            status: Status::Draft,
            starts_on: d(2027, 4, 1),
            ends_on: d(2028, 3, 31),
            responsible_user_id: "officer".into(),
            is_subcontract: false,
            level_raised_on: None,
            items: vec![],
            reached: HashMap::new(),
            contract: None,
            mandatory_clauses: vec!["CL-01".into(), "CL-02".into()],
            approved_items: HashMap::new(),
            manager_assets: vec![],
            waivers: vec![],
            check_interval_months: None,
            checks_accepted: HashMap::new(),
        }
    }

    fn ids(list: &[Obligation]) -> Vec<&str> {
        list.iter().map(|o| o.rule.id).collect()
    }

    const TODAY: fn() -> NaiveDate = || d(2027, 1, 15);

    #[test]
    fn each_kind_and_level_gets_the_rules_of_its_section() {
        use ClassificationLevel::*;
        let s = RuleSettings::default();
        let of = |k, l| ids(&obligations(&snapshot(k, l), TODAY(), &s)).join(" ");
        for level in [None, Some(L1), Some(L2), Some(L3)] {
            assert_eq!(
                of(EngagementKind::Outsourcing, level),
                "R-8.1 R-8.2 R-8.3.1 R-8.3.2 R-8.4.1 R-8.4.2"
            );
            assert_eq!(
                of(EngagementKind::DesignatedManagement, level),
                "R-7.1 R-7.2 R-7.3 R-7.4",
                "R-7.5/R-7.6 come with each system or asset on record"
            );
        }
        assert_eq!(of(EngagementKind::CloudService, None), "R-10.1 R-10.2");
        assert_eq!(of(EngagementKind::CloudService, Some(L1)), "R-10.1 R-10.2");
        for level in [Some(L2), Some(L3)] {
            assert_eq!(
                of(EngagementKind::CloudService, level),
                "R-9.1 R-9.2 R-9.3.1 R-9.3.2 R-9.3.3 R-9.4.1 R-9.4.2"
            );
        }
    }

    #[test]
    fn r_3_3_3_one_approval_per_l2_or_l3_item_provided() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        let item = |id: &str, level, provided| ItemSnapshot {
            id: id.into(),
            name: id.into(),
            level,
            provided_to_vendor: provided,
        };
        e.items = vec![
            item("a", ClassificationLevel::L3, true),
            item("b", ClassificationLevel::L2, true),
            item("c", ClassificationLevel::L3, false),
            item("d", ClassificationLevel::L1, true),
        ];
        e.approved_items.insert("b".into(), d(2027, 1, 10));
        let list = obligations(&e, TODAY(), &RuleSettings::default());
        let approvals: Vec<_> = list.iter().filter(|o| o.rule.id == "R-3.3.3").collect();
        assert_eq!(approvals.len(), 2);
        assert_eq!(approvals[0].subject.as_deref(), Some("a"));
        assert_eq!(approvals[0].state, ObligationState::Open);
        assert_eq!(approvals[0].owner_role, Role::SecurityOfficer);
        assert_eq!(approvals[1].state, ObligationState::Met);
    }

    #[test]
    fn r_7_5_and_r_7_6_one_approval_per_system_or_asset_on_record() {
        let mut e = snapshot(
            EngagementKind::DesignatedManagement,
            Some(ClassificationLevel::L2),
        );
        e.manager_assets = vec![
            AssetSnapshot {
                id: "s".into(),
                name: "予約システム".into(),
                is_system: true,
                approved_on: None,
            },
            AssetSnapshot {
                id: "a".into(),
                name: "私物PC".into(),
                is_system: false,
                approved_on: Some(d(2027, 1, 2)),
            },
        ];
        let list = obligations(&e, TODAY(), &RuleSettings::default());
        let system = list.iter().find(|o| o.rule.id == "R-7.5").unwrap();
        assert_eq!(system.subject_name.as_deref(), Some("予約システム"));
        assert_eq!(system.owner_role, Role::ChiefSystemManager);
        assert_eq!(system.state, ObligationState::Open);
        let asset = list.iter().find(|o| o.rule.id == "R-7.6").unwrap();
        assert_eq!(asset.state, ObligationState::Met);
    }

    #[test]
    fn r_8_3_2_an_accepted_check_meets_the_periodic_obligation_until_the_next_is_due() {
        // snapshot() starts on 2027-04-01; L3 is checked every 6 months by default.
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        let settings = RuleSettings::default();
        let r832 = |e: &EngagementSnapshot, today| {
            obligations(e, today, &settings)
                .into_iter()
                .find(|o| o.rule.id == "R-8.3.2")
                .unwrap()
        };
        assert_eq!(r832(&e, d(2027, 9, 1)).due_on, Some(d(2027, 10, 1)));
        assert_eq!(r832(&e, d(2027, 10, 2)).state, ObligationState::Overdue);

        e.checks_accepted.insert("R-8.3.2".into(), d(2027, 10, 20));
        let met = r832(&e, d(2028, 1, 1));
        assert_eq!(
            (met.state, met.met_on),
            (ObligationState::Met, Some(d(2027, 10, 20)))
        );
        assert_eq!(
            met.due_on,
            Some(d(2028, 4, 20)),
            "the next check is due then"
        );
        assert_eq!(r832(&e, d(2028, 4, 21)).state, ObligationState::Overdue);

        // The engagement's own interval replaces the level's.
        e.check_interval_months = Some(12);
        assert_eq!(r832(&e, d(2028, 4, 21)).state, ObligationState::Met);
        assert_eq!(r832(&e, d(2028, 4, 21)).due_on, Some(d(2028, 10, 20)));
    }

    #[test]
    fn states_follow_evidence_dates_and_waivers() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L2));
        e.reached.insert(Status::Selected, d(2027, 1, 5));
        let list = obligations(&e, d(2027, 4, 2), &RuleSettings::default());
        let state = |id: &str| list.iter().find(|o| o.rule.id == id).unwrap().state;
        assert_eq!(state("R-8.1"), ObligationState::Met);
        assert_eq!(
            state("R-8.2"),
            ObligationState::Overdue,
            "no contract on the start date"
        );
        assert_eq!(state("R-8.3.2"), ObligationState::Open);

        // A contract lacking a mandatory clause does not meet; a complete one does.
        e.contract = Some(ContractSnapshot {
            signed_on: d(2027, 3, 1),
            clause_ids: vec!["CL-01".into()],
        });
        let list = obligations(&e, d(2027, 4, 2), &RuleSettings::default());
        assert_eq!(list[1].state, ObligationState::Overdue);
        e.contract.as_mut().unwrap().clause_ids.push("CL-02".into());
        let list = obligations(&e, d(2027, 4, 2), &RuleSettings::default());
        assert_eq!(list[1].state, ObligationState::Met);
        assert_eq!(list[1].met_on, Some(d(2027, 3, 1)));

        e.waivers.push(Waiver {
            rule_id: "R-8.3.1".into(),
            subject: None,
            reason: "理由".into(),
            by_user_id: "ciso".into(),
        });
        let list = obligations(&e, d(2028, 5, 1), &RuleSettings::default());
        assert_eq!(list[2].state, ObligationState::Waived);
        assert_eq!(list[3].state, ObligationState::Overdue);
    }

    #[test]
    fn periodic_checks_fall_due_by_level_and_the_end_certificate_after_the_end() {
        let s = RuleSettings::default();
        let l3 = obligations(
            &snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3)),
            TODAY(),
            &s,
        );
        assert_eq!(l3[3].due_on, Some(d(2027, 10, 1)), "L3: every 6 months");
        let l2 = obligations(
            &snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L2)),
            TODAY(),
            &s,
        );
        assert_eq!(l2[3].due_on, Some(d(2028, 4, 1)), "L2: yearly");
        assert_eq!(l2[5].due_on, Some(d(2028, 4, 30)), "30 days after the end");
        assert_eq!(l2[5].assignee_user_id.as_deref(), Some("officer"));
    }

    #[test]
    fn a_rise_from_l1_to_l2_brings_section_9_due_from_the_day_it_rose() {
        let mut e = snapshot(EngagementKind::CloudService, Some(ClassificationLevel::L1));
        e.starts_on = d(2026, 4, 1);
        e.status = Status::Active;
        let before = obligations(&e, d(2026, 11, 26), &RuleSettings::default());
        assert_eq!(ids(&before), ["R-10.1", "R-10.2"]);
        e.level = Some(ClassificationLevel::L2);
        e.level_raised_on = Some(d(2026, 11, 26));
        let after = obligations(&e, d(2026, 11, 26), &RuleSettings::default());
        let contract = after.iter().find(|o| o.rule.id == "R-9.2").unwrap();
        assert_eq!(contract.due_on, Some(d(2026, 11, 26)));
        assert_eq!(
            contract.state,
            ObligationState::Open,
            "due today, not yet overdue"
        );
        assert!(after.iter().any(|o| o.rule.id == "R-9.3.1"));
        assert!(after.iter().any(|o| o.rule.id == "R-9.4.2"));
    }

    #[test]
    fn subcontracts_carry_r_8_5_and_cisos_own_the_inspection() {
        let mut e = snapshot(EngagementKind::Outsourcing, None);
        e.is_subcontract = true;
        let list = obligations(&e, TODAY(), &RuleSettings::default());
        assert!(list.iter().all(|o| o.via == Some("R-8.5")));
        let dm = obligations(
            &snapshot(EngagementKind::DesignatedManagement, None),
            TODAY(),
            &RuleSettings::default(),
        );
        let inspection = dm.iter().find(|o| o.rule.id == "R-7.4").unwrap();
        assert_eq!(inspection.owner_role, Role::Ciso);
        assert_eq!(inspection.assignee_user_id, None);
    }

    #[test]
    fn nothing_is_owed_for_an_engagement_abandoned_before_a_contract() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        e.status = Status::Terminated;
        assert!(obligations(&e, TODAY(), &RuleSettings::default()).is_empty());
        e.reached.insert(Status::Contracted, d(2027, 3, 1));
        e.reached.insert(Status::Terminated, d(2027, 6, 30));
        let list = obligations(&e, TODAY(), &RuleSettings::default());
        assert_eq!(
            list[5].due_on,
            Some(d(2027, 7, 30)),
            "certificate due 30 days after termination"
        );
    }
}

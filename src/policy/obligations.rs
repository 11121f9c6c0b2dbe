//! The obligations engine: from an engagement's kind, level, status, dates and the
//! evidence recorded for it, what the Standard requires of it now, with due dates and
//! states. A pure function in two steps: [`standing`] derives from the snapshot alone what
//! each obligation is (its due date, the evidence and until when it counts, the waiver
//! and until when it stands), whatever the day; [`Standing::on`] tells its state on a
//! day. The first step's result is what the data layer stores for each engagement,
//! recomputed whenever its facts change, so that lists ask "what is overdue today" of
//! stored rows instead of deriving the whole register (`db::obligations` mirrors
//! [`Standing::on`] in SQL).

use std::collections::HashMap;

use chrono::{Months, NaiveDate};

use super::configuration;
use super::records::RecordKind;
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
    /// Months an approved configuration record describes a cloud service before it is
    /// stale and owed again.
    pub configuration_stale_months: u32,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            check_interval_months: [12, 12, 6],
            certificate_deadline_days: 30,
            configuration_stale_months: 6,
        }
    }
}

/// The rules owed again one interval after each time they are met (R-8.3.2, R-9.3.3 by
/// the vendor's accepted questionnaire; by the security officer's
/// supervision; by the CISO's inspection); an engagement that owes one of them has
/// a check interval.
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

/// An approved waiver (a pending or rejected one waives nothing).
#[derive(Debug, Clone)]
pub struct Waiver {
    pub rule_id: String,
    pub subject: Option<String>,
    pub reason: String,
    /// The second person who approved it.
    pub by_user_id: String,
    /// The last day it stands (`None`: never set, for a waiver kept from before expiry
    /// existed); the obligation is owed again from the day after.
    pub expires_on: Option<NaiveDate>,
}

/// The obligations the Standard makes unconditional: nothing waives them (R-3.3.3: L2/L3
/// information is never handed over unapproved: the contract or
/// agreement with its clauses; .x, R-9.4.x: the end-of-term confirmation).
pub const UNWAIVABLE: &[&str] = &[
    "R-3.3.3", "R-7.2", "R-8.2", "R-9.2", "R-8.4.1", "R-8.4.2", "R-9.4.1", "R-9.4.2",
];

/// Why a waiver cannot be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unwaivable;

/// Whether an obligation under `rule_id` may be waived at all.
pub fn check_waivable(rule_id: &str) -> Result<(), Unwaivable> {
    if UNWAIVABLE.contains(&rule_id) {
        Err(Unwaivable)
    } else {
        Ok(())
    }
}

/// The last day a waiver approved on `approved_on` stands: one check interval, the
/// engagement's or its level's (`interval_months`), unless an earlier day is asked for.
pub fn waiver_expiry(
    approved_on: NaiveDate,
    interval_months: u32,
    asked: Option<NaiveDate>,
) -> NaiveDate {
    let default = add_months(approved_on, interval_months);
    asked.map_or(default, |d| d.min(default))
}

/// The check interval of an engagement in months: its own, or its level's default.
pub fn interval_months(e: &EngagementSnapshot, settings: &RuleSettings) -> u32 {
    let level = e.level.unwrap_or(ClassificationLevel::L1);
    e.check_interval_months
        .unwrap_or(settings.check_interval_months[level.rank() as usize - 1])
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
    /// Rule id → the latest day an accepted questionnaire met it (R-8.3.2, R-9.3.3, the
    /// selection self-assessment, the end-of-term attestation).
    pub checks_accepted: HashMap<String, NaiveDate>,
    /// Record kind → the latest day one took place (`policy::records`).
    pub recorded: HashMap<RecordKind, NaiveDate>,
    /// The day the latest approved configuration record was kept.
    pub configuration_kept_on: Option<NaiveDate>,
    /// The day the newest agreed division of responsibility was approved.
    pub responsibility_agreed_on: Option<NaiveDate>,
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

/// An obligation as the facts make it, whatever the day: [`Standing::on`] gives its
/// state on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub rule: &'static Rule,
    pub subject: Option<String>,
    pub subject_name: Option<String>,
    pub via: Option<&'static str>,
    pub owner_role: Role,
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// The day it was met, and the last day that evidence counts (`None`: for good).
    pub met: Option<(NaiveDate, Option<NaiveDate>)>,
    /// The waiver that stands longest: (reason, approved by, its last day).
    pub waiver: Option<(String, String, Option<NaiveDate>)>,
}

impl Standing {
    /// The obligation on `today`: met while its evidence counts; else waived while a
    /// waiver stands; else overdue once its due date has passed; else open.
    pub fn on(&self, today: NaiveDate) -> Obligation {
        let counts = |until: Option<NaiveDate>| until.is_none_or(|last| today <= last);
        let met_on = self
            .met
            .filter(|(_, until)| counts(*until))
            .map(|(on, _)| on);
        let waiver = self
            .waiver
            .as_ref()
            .filter(|(_, _, until)| met_on.is_none() && counts(*until));
        let state = if met_on.is_some() {
            ObligationState::Met
        } else if waiver.is_some() {
            ObligationState::Waived
        } else if self.due_on.is_some_and(|d| d < today) {
            ObligationState::Overdue
        } else {
            ObligationState::Open
        };
        Obligation {
            rule: self.rule,
            subject: self.subject.clone(),
            subject_name: self.subject_name.clone(),
            via: self.via,
            owner_role: self.owner_role,
            assignee_user_id: self.assignee_user_id.clone(),
            due_on: self.due_on,
            state,
            met_on,
            waiver: waiver.map(|(reason, by, _)| (reason.clone(), by.clone())),
        }
    }
}

/// How an obligation is met, decided from the snapshot.
enum Evidence {
    /// Met on the day, counting to the last day given (`None`: for good).
    Met(NaiveDate, Option<NaiveDate>),
    Missing,
}

impl Evidence {
    fn on(day: NaiveDate) -> Evidence {
        Evidence::Met(day, None)
    }
}

fn rule(id: &str) -> &'static Rule {
    rules::get(id).unwrap_or_else(|| panic!("rule {id} is in the catalog"))
}

fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

struct Builder<'a> {
    e: &'a EngagementSnapshot,
    via: Option<&'static str>,
    out: Vec<Standing>,
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
        // A waiver for an unconditional rule (given before that was refused) waives
        // nothing. Of several, the one standing longest: whichever still stands on a
        // day, that one does too, so the choice does not depend on the day.
        let waiver = self
            .e
            .waivers
            .iter()
            .filter(|w| {
                w.rule_id == rule.id
                    && w.subject.as_deref() == subject.map(|s| s.0)
                    && check_waivable(rule.id).is_ok()
            })
            .reduce(|a, b| match (a.expires_on, b.expires_on) {
                (None, _) => a,
                (Some(_), None) => b,
                (Some(x), Some(y)) if y > x => b,
                _ => a,
            });
        self.out.push(Standing {
            rule,
            subject: subject.map(|s| s.0.to_string()),
            subject_name: subject.map(|s| s.1.to_string()),
            via: self.via,
            owner_role,
            assignee_user_id: assignee,
            due_on,
            met: match evidence {
                Evidence::Met(on, until) => Some((on, until)),
                Evidence::Missing => None,
            },
            waiver: waiver.map(|w| (w.reason.clone(), w.by_user_id.clone(), w.expires_on)),
        });
    }
}

/// When the first periodic check falls due: one interval after the start, or, for a term
/// shorter than that, at its middle, so that every term is checked once while it runs
///
pub fn first_check_due(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    interval_months: u32,
) -> NaiveDate {
    let after_one_interval = add_months(starts_on, interval_months);
    if after_one_interval <= ends_on {
        return after_one_interval;
    }
    let half = (ends_on - starts_on).num_days().max(0) / 2;
    starts_on + chrono::Days::new(half.unsigned_abs())
}

/// The obligations of one engagement on `today` (the organisation's date).
pub fn obligations(
    e: &EngagementSnapshot,
    today: NaiveDate,
    settings: &RuleSettings,
) -> Vec<Obligation> {
    standing(e, settings).iter().map(|s| s.on(today)).collect()
}

/// The obligations of one engagement, whatever the day: what is stored for it.
pub fn standing(e: &EngagementSnapshot, settings: &RuleSettings) -> Vec<Standing> {
    let contracted = e.reached.contains_key(&Status::Contracted);
    // An engagement abandoned before any contract handed nothing over: nothing is owed.
    if e.status == Status::Terminated && !contracted {
        return Vec::new();
    }
    let level = e.level.unwrap_or(ClassificationLevel::L1);
    let interval = interval_months(e, settings);
    // What a level brings is due from the start, or from the day the level rose.
    let pre_contract_due = e
        .level_raised_on
        .map_or(e.starts_on, |d| d.max(e.starts_on));
    let end_date = e
        .reached
        .get(&Status::Terminated)
        .copied()
        .map_or(e.ends_on, |t| t.min(e.ends_on));
    let first_check_due = first_check_due(e.starts_on, e.ends_on, interval);
    let end_due = end_date + chrono::Days::new(u64::from(settings.certificate_deadline_days));
    // met by a recorded selection, or by the candidate's
    // selection self-assessment accepted; never by the status alone.
    let selected = |rule: &str| {
        let record = e.recorded.get(&RecordKind::Selection).copied();
        let assessed = e.checks_accepted.get(rule).copied();
        record
            .into_iter()
            .chain(assessed)
            .min()
            .map_or(Evidence::Missing, Evidence::on)
    };
    // the information handed over is identified before the contract
    // (at least one item with its level, or the statement that none is handed over).
    let information_identified =
        !e.items.is_empty() || e.recorded.contains_key(&RecordKind::NoInformation);
    let contract_complete = || match &e.contract {
        Some(c)
            if information_identified
                && e.mandatory_clauses
                    .iter()
                    .all(|id| c.clause_ids.contains(id)) =>
        {
            Evidence::on(c.signed_on)
        }
        _ => Evidence::Missing,
    };

    // An accepted check meets a periodic obligation until the next check is due; then
    // the next one is owed, due one interval after the last acceptance. No check falls
    // due after the term's end (R-8.3.2, R-9.3.3: checks are of the contract while it
    // runs; the end-of-term attestation covers the rest), so a periodic obligation whose
    // next check would fall after the end is met by the last one, or not owed at all.
    let periodic = |rule: &str| -> Option<(Option<NaiveDate>, Evidence)> {
        debug_assert!(
            PERIODIC_RULES.contains(&rule),
            "{rule} is listed as periodic"
        );
        // The ward's own measures and the CISO's inspection are recorded by staff; the
        // rest by the vendor's accepted questionnaire.
        let last = match rule {
            "R-8.3.1" | "R-7.3" => e.recorded.get(&RecordKind::Supervision),
            "R-7.4" => e.recorded.get(&RecordKind::Inspection),
            _ => e.checks_accepted.get(rule),
        };
        match last {
            Some(&on) => {
                let next = add_months(on, interval);
                if next > end_date {
                    return Some((None, Evidence::on(on)));
                }
                Some((Some(next), Evidence::Met(on, Some(next))))
            }
            None if first_check_due > end_date => None,
            None => Some((Some(first_check_due), Evidence::Missing)),
        }
    };
    let push_periodic = |b: &mut Builder<'_>, rule: &str| {
        if let Some((due, evidence)) = periodic(rule) {
            b.push(rule, None, due, evidence);
        }
    };

    // an approved configuration record, kept within the last
    // `configuration_stale_months`; a stale one is owed again from the day after it went
    // stale. As with the periodic checks, nothing falls due after the term's end.
    let configuration = |first_due: NaiveDate| -> (Option<NaiveDate>, Evidence) {
        match e.configuration_kept_on {
            None => (Some(first_due), Evidence::Missing),
            Some(kept) => {
                let until = configuration::fresh_until(kept, settings.configuration_stale_months);
                if until >= end_date {
                    (None, Evidence::on(kept))
                } else {
                    (Some(until), Evidence::Met(kept, Some(until)))
                }
            }
        }
    };

    // .x and .x are met only by the accepted end-of-term attestation.
    let attested = |rule: &str| {
        e.checks_accepted
            .get(rule)
            .copied()
            .map_or(Evidence::Missing, Evidence::on)
    };

    let mut b = Builder {
        e,
        via: None,
        out: Vec::new(),
    };
    match (e.kind, level) {
        (EngagementKind::Outsourcing, _) => {
            b.via = e.is_subcontract.then_some("R-8.5");
            b.push("R-8.1", None, Some(e.starts_on), selected("R-8.1"));
            b.push("R-8.2", None, Some(pre_contract_due), contract_complete());
            // by the officer's supervision, R-8.3.2 by the vendor's questionnaire.
            push_periodic(&mut b, "R-8.3.1");
            push_periodic(&mut b, "R-8.3.2");
            b.push("R-8.4.1", None, Some(end_due), attested("R-8.4.1"));
            b.push("R-8.4.2", None, Some(end_due), attested("R-8.4.2"));
        }
        (EngagementKind::DesignatedManagement, _) => {
            b.push("R-7.1", None, Some(e.starts_on), selected("R-7.1"));
            b.push("R-7.2", None, Some(pre_contract_due), contract_complete());
            push_periodic(&mut b, "R-7.3");
            push_periodic(&mut b, "R-7.4");
            // One approval by ROLE-CSM per system or asset on record.
            for asset in &e.manager_assets {
                let rule = if asset.is_system { "R-7.5" } else { "R-7.6" };
                let evidence = asset.approved_on.map_or(Evidence::Missing, Evidence::on);
                b.push(
                    rule,
                    Some((&asset.id, &asset.name)),
                    Some(e.starts_on),
                    evidence,
                );
            }
        }
        (EngagementKind::CloudService, ClassificationLevel::L1) => {
            b.push("R-10.1", None, Some(e.starts_on), selected("R-10.1"));
            let (due, evidence) = configuration(e.starts_on);
            b.push("R-10.2", None, due, evidence);
        }
        (EngagementKind::CloudService, _) => {
            b.push("R-9.1", None, Some(e.starts_on), selected("R-9.1"));
            b.push("R-9.2", None, Some(pre_contract_due), contract_complete());
            // the division of responsibility the provider confirmed and the
            // system administrator approved; a clause that promises one is not one.
            b.push(
                "R-9.3.1",
                None,
                Some(pre_contract_due),
                e.responsibility_agreed_on
                    .map_or(Evidence::Missing, Evidence::on),
            );
            let (due, evidence) = configuration(pre_contract_due);
            b.push("R-9.3.2", None, due, evidence);
            push_periodic(&mut b, "R-9.3.3");
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
            .map_or(Evidence::Missing, Evidence::on);
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
            recorded: HashMap::new(),
            configuration_kept_on: None,
            responsibility_agreed_on: None,
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
        // Starts on 2027-04-01 for two years; L3 is checked every 6 months by default.
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        e.ends_on = d(2029, 3, 31);
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
        e.recorded.insert(RecordKind::Selection, d(2027, 1, 5));
        e.items.push(ItemSnapshot {
            id: "i".into(),
            name: "住民票".into(),
            level: ClassificationLevel::L2,
            provided_to_vendor: false,
        });
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
            expires_on: None,
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
        assert_eq!(
            l2[3].due_on,
            Some(d(2027, 9, 30)),
            "L2 is checked yearly, but a term of a year less a day gets its check at the middle"
        );
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
        let certificate = list.iter().find(|o| o.rule.id == "R-8.4.2").unwrap();
        assert_eq!(
            certificate.due_on,
            Some(d(2027, 7, 30)),
            "certificate due 30 days after termination"
        );
    }

    #[test]
    fn r_8_3_2_a_term_shorter_than_the_interval_is_checked_once_at_its_middle() {
        // A six-month L1 contract, checked yearly by default: once, at the middle.
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L1));
        e.starts_on = d(2027, 4, 1);
        e.ends_on = d(2027, 9, 30);
        let s = RuleSettings::default();
        let check = |e: &EngagementSnapshot, today| {
            obligations(e, today, &s)
                .into_iter()
                .find(|o| o.rule.id == "R-8.3.2")
        };
        let first = check(&e, d(2027, 5, 1)).unwrap();
        assert_eq!(first.due_on, Some(d(2027, 7, 1)), "91 days into 182");
        assert_eq!(
            check(&e, d(2027, 7, 2)).unwrap().state,
            ObligationState::Overdue
        );

        // Accepted: met until the end, and nothing falls due after it.
        e.checks_accepted.insert("R-8.3.2".into(), d(2027, 7, 5));
        for today in [d(2027, 8, 1), d(2027, 10, 1), d(2028, 6, 1)] {
            let met = check(&e, today).unwrap();
            assert_eq!(
                (met.state, met.due_on),
                (ObligationState::Met, None),
                "{today}"
            );
        }
    }

    #[test]
    fn r_9_3_3_no_check_falls_due_after_the_end() {
        // An L3 cloud service (every 6 months) for 14 months: checks at 6 and 12 months,
        // none at 18.
        let mut e = snapshot(EngagementKind::CloudService, Some(ClassificationLevel::L3));
        e.starts_on = d(2027, 4, 1);
        e.ends_on = d(2028, 5, 31);
        let s = RuleSettings::default();
        let check = |e: &EngagementSnapshot, today| {
            obligations(e, today, &s)
                .into_iter()
                .find(|o| o.rule.id == "R-9.3.3")
        };
        assert_eq!(
            check(&e, d(2027, 5, 1)).unwrap().due_on,
            Some(d(2027, 10, 1))
        );
        e.checks_accepted.insert("R-9.3.3".into(), d(2027, 10, 1));
        assert_eq!(
            check(&e, d(2027, 11, 1)).unwrap().due_on,
            Some(d(2028, 4, 1))
        );
        e.checks_accepted.insert("R-9.3.3".into(), d(2028, 4, 1));
        let last = check(&e, d(2028, 12, 1)).unwrap();
        assert_eq!((last.state, last.due_on), (ObligationState::Met, None));

        // Terminated a month in, before any check was due: no check is owed.
        let mut early = snapshot(EngagementKind::CloudService, Some(ClassificationLevel::L3));
        early.reached.insert(Status::Contracted, d(2027, 3, 1));
        early.reached.insert(Status::Terminated, d(2027, 5, 1));
        early.status = Status::Terminated;
        assert!(check(&early, d(2027, 12, 1)).is_none());
    }

    #[test]
    fn r_9_3_1_an_agreed_division_of_responsibility_meets_it_not_the_clause_that_promises_one() {
        let mut e = snapshot(EngagementKind::CloudService, Some(ClassificationLevel::L2));
        e.contract = Some(ContractSnapshot {
            signed_on: d(2027, 1, 5),
            clause_ids: vec!["CL-01".into(), "CL-02".into(), "CL-18".into()],
        });
        assert_ne!(state_of(&e, TODAY(), "R-9.3.1").0, ObligationState::Met);
        e.responsibility_agreed_on = Some(d(2027, 1, 10));
        assert_eq!(
            state_of(&e, TODAY(), "R-9.3.1"),
            (ObligationState::Met, Some(d(2027, 1, 10)))
        );
    }

    #[test]
    fn r_9_3_2_r_10_2_an_approved_configuration_record_meets_it_until_it_is_stale() {
        for level in [ClassificationLevel::L1, ClassificationLevel::L3] {
            let rule = if level == ClassificationLevel::L1 {
                "R-10.2"
            } else {
                "R-9.3.2"
            };
            let mut e = snapshot(EngagementKind::CloudService, Some(level));
            e.starts_on = d(2027, 1, 1);
            e.ends_on = d(2029, 3, 31);
            // Never kept: owed from the start, overdue after it.
            assert_eq!(
                state_of(&e, d(2027, 1, 2), rule).0,
                ObligationState::Overdue
            );
            e.configuration_kept_on = Some(d(2027, 2, 10));
            let o = |e: &EngagementSnapshot, today| {
                obligations(e, today, &RuleSettings::default())
                    .into_iter()
                    .find(|o| o.rule.id == rule)
                    .unwrap()
            };
            let fresh = o(&e, d(2027, 8, 10));
            assert_eq!(
                (fresh.state, fresh.met_on, fresh.due_on),
                (
                    ObligationState::Met,
                    Some(d(2027, 2, 10)),
                    Some(d(2027, 8, 10))
                )
            );
            // Six months and a day later it is stale: overdue, due the day it went stale.
            let stale = o(&e, d(2027, 8, 11));
            assert_eq!(
                (stale.state, stale.due_on),
                (ObligationState::Overdue, Some(d(2027, 8, 10)))
            );
            // A deployment may set a longer period.
            let longer = RuleSettings {
                configuration_stale_months: 12,
                ..RuleSettings::default()
            };
            let kept = obligations(&e, d(2027, 8, 11), &longer)
                .into_iter()
                .find(|o| o.rule.id == rule)
                .unwrap();
            assert_eq!(kept.state, ObligationState::Met);
            // A record fresh until after the end is not owed again.
            e.configuration_kept_on = Some(d(2029, 1, 5));
            let last = o(&e, d(2029, 12, 1));
            assert_eq!((last.state, last.due_on), (ObligationState::Met, None));
        }
    }

    #[test]
    fn r_7_4_a_designated_management_shorter_than_the_interval_is_inspected_before_its_end() {
        let mut e = snapshot(
            EngagementKind::DesignatedManagement,
            Some(ClassificationLevel::L2),
        );
        e.starts_on = d(2027, 4, 1);
        e.ends_on = d(2027, 12, 31);
        let list = obligations(&e, d(2027, 5, 1), &RuleSettings::default());
        for id in ["R-7.3", "R-7.4"] {
            let o = list.iter().find(|o| o.rule.id == id).unwrap();
            assert!(o.due_on.unwrap() <= e.ends_on, "{id} due {:?}", o.due_on);
        }
    }

    fn state_of(
        e: &EngagementSnapshot,
        today: NaiveDate,
        id: &str,
    ) -> (ObligationState, Option<NaiveDate>) {
        let o = obligations(e, today, &RuleSettings::default())
            .into_iter()
            .find(|o| o.rule.id == id)
            .unwrap_or_else(|| panic!("{id} is owed"));
        (o.state, o.met_on)
    }

    #[test]
    fn r_7_1_r_8_1_r_9_1_r_10_1_selection_is_met_by_a_record_or_an_accepted_self_assessment() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L1));
        e.status = Status::Selected;
        e.reached.insert(Status::Selected, d(2027, 1, 5));
        assert_eq!(state_of(&e, TODAY(), "R-8.1").0, ObligationState::Open);
        e.checks_accepted.insert("R-8.1".into(), d(2027, 1, 10));
        assert_eq!(
            state_of(&e, TODAY(), "R-8.1"),
            (ObligationState::Met, Some(d(2027, 1, 10)))
        );
        e.checks_accepted.clear();
        e.recorded.insert(RecordKind::Selection, d(2027, 1, 8));
        assert_eq!(
            state_of(&e, TODAY(), "R-8.1"),
            (ObligationState::Met, Some(d(2027, 1, 8)))
        );
        // the same way.
        for (kind, level, rule) in [
            (
                EngagementKind::DesignatedManagement,
                Some(ClassificationLevel::L2),
                "R-7.1",
            ),
            (
                EngagementKind::CloudService,
                Some(ClassificationLevel::L3),
                "R-9.1",
            ),
            (
                EngagementKind::CloudService,
                Some(ClassificationLevel::L1),
                "R-10.1",
            ),
        ] {
            let mut e = snapshot(kind, level);
            e.reached.insert(Status::Selected, d(2027, 1, 5));
            assert_eq!(
                state_of(&e, TODAY(), rule).0,
                ObligationState::Open,
                "{rule}"
            );
            e.recorded.insert(RecordKind::Selection, d(2027, 1, 8));
            assert_eq!(
                state_of(&e, TODAY(), rule).0,
                ObligationState::Met,
                "{rule}"
            );
        }
    }

    #[test]
    fn r_8_2_a_contract_is_not_enough_until_the_information_is_identified() {
        for (kind, rule) in [
            (EngagementKind::Outsourcing, "R-8.2"),
            (EngagementKind::DesignatedManagement, "R-7.2"),
            (EngagementKind::CloudService, "R-9.2"),
        ] {
            let mut e = snapshot(kind, Some(ClassificationLevel::L2));
            e.contract = Some(ContractSnapshot {
                signed_on: d(2027, 1, 2),
                clause_ids: vec!["CL-01".into(), "CL-02".into()],
            });
            assert_eq!(
                state_of(&e, TODAY(), rule).0,
                ObligationState::Open,
                "{rule}"
            );
            e.recorded.insert(RecordKind::NoInformation, d(2027, 1, 1));
            assert_eq!(
                state_of(&e, TODAY(), rule).0,
                ObligationState::Met,
                "{rule}"
            );
        }
    }

    #[test]
    fn r_8_3_1_the_officers_supervision_meets_it_not_the_vendors_questionnaire() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        let today = d(2027, 10, 20);
        e.checks_accepted.insert("R-8.3.1".into(), d(2027, 10, 1));
        e.checks_accepted.insert("R-8.3.2".into(), d(2027, 10, 1));
        assert_eq!(state_of(&e, today, "R-8.3.1").0, ObligationState::Overdue);
        assert_eq!(state_of(&e, today, "R-8.3.2").0, ObligationState::Met);
        e.recorded.insert(RecordKind::Supervision, d(2027, 9, 30));
        assert_eq!(
            state_of(&e, today, "R-8.3.1"),
            (ObligationState::Met, Some(d(2027, 9, 30)))
        );
        // for a designated manager, the same way.
        let mut dm = snapshot(
            EngagementKind::DesignatedManagement,
            Some(ClassificationLevel::L3),
        );
        dm.checks_accepted.insert("R-7.3".into(), d(2027, 10, 1));
        assert_eq!(state_of(&dm, today, "R-7.3").0, ObligationState::Overdue);
        dm.recorded.insert(RecordKind::Supervision, d(2027, 10, 2));
        assert_eq!(state_of(&dm, today, "R-7.3").0, ObligationState::Met);
    }

    #[test]
    fn r_7_4_the_cisos_inspection_meets_it_not_the_managers_questionnaire() {
        let mut e = snapshot(
            EngagementKind::DesignatedManagement,
            Some(ClassificationLevel::L3),
        );
        let today = d(2027, 10, 20);
        e.checks_accepted.insert("R-7.4".into(), d(2027, 10, 1));
        assert_eq!(state_of(&e, today, "R-7.4").0, ObligationState::Overdue);
        e.recorded.insert(RecordKind::Inspection, d(2027, 10, 3));
        assert_eq!(
            state_of(&e, today, "R-7.4"),
            (ObligationState::Met, Some(d(2027, 10, 3)))
        );
    }

    #[test]
    fn r_2_6_a_waiver_expires_and_the_obligation_is_owed_again() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        e.waivers.push(Waiver {
            rule_id: "R-8.3.2".into(),
            subject: None,
            reason: "施設改修中".into(),
            by_user_id: "ciso".into(),
            expires_on: Some(d(2027, 12, 31)),
        });
        assert_eq!(
            state_of(&e, d(2027, 12, 31), "R-8.3.2").0,
            ObligationState::Waived
        );
        assert_eq!(
            state_of(&e, d(2028, 1, 1), "R-8.3.2").0,
            ObligationState::Overdue
        );
        // One interval by default (L3: 6 months), or an earlier day asked for.
        assert_eq!(waiver_expiry(d(2027, 4, 1), 6, None), d(2027, 10, 1));
        assert_eq!(
            waiver_expiry(d(2027, 4, 1), 6, Some(d(2027, 5, 1))),
            d(2027, 5, 1)
        );
        assert_eq!(
            waiver_expiry(d(2027, 4, 1), 6, Some(d(2029, 1, 1))),
            d(2027, 10, 1)
        );
    }

    #[test]
    fn r_2_6_of_several_waivers_the_one_standing_longest_is_shown_whatever_the_day() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        let waiver = |reason: &str, by: &str, expires_on| Waiver {
            rule_id: "R-8.3.2".into(),
            subject: None,
            reason: reason.into(),
            by_user_id: by.into(),
            expires_on,
        };
        e.waivers.push(waiver("短い", "csm", Some(d(2027, 6, 30))));
        e.waivers
            .push(waiver("長い", "ciso", Some(d(2027, 12, 31))));
        let s = RuleSettings::default();
        let stored = standing(&e, &s);
        let kept = stored.iter().find(|o| o.rule.id == "R-8.3.2").unwrap();
        assert_eq!(
            kept.waiver,
            Some(("長い".into(), "ciso".into(), Some(d(2027, 12, 31))))
        );
        for today in [d(2027, 5, 1), d(2027, 9, 1), d(2028, 1, 1)] {
            let fresh = obligations(&e, today, &s);
            let on: Vec<Obligation> = stored.iter().map(|o| o.on(today)).collect();
            assert_eq!(on, fresh, "{today}");
        }
        assert_eq!(
            state_of(&e, d(2027, 9, 1), "R-8.3.2"),
            (ObligationState::Waived, None)
        );
    }

    #[test]
    fn periodic_evidence_counts_until_the_next_check_is_due_then_is_overdue() {
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L3));
        e.ends_on = d(2030, 3, 31);
        e.checks_accepted.insert("R-8.3.2".into(), d(2027, 5, 10));
        let stored = standing(&e, &RuleSettings::default());
        let periodic = stored.iter().find(|o| o.rule.id == "R-8.3.2").unwrap();
        // L3: every 6 months; met until the next is due, whatever the day it is read.
        assert_eq!(periodic.met, Some((d(2027, 5, 10), Some(d(2027, 11, 10)))));
        assert_eq!(periodic.due_on, Some(d(2027, 11, 10)));
        let on = periodic.on(d(2027, 11, 10));
        assert_eq!(
            (on.state, on.met_on),
            (ObligationState::Met, Some(d(2027, 5, 10)))
        );
        let on = periodic.on(d(2027, 11, 11));
        assert_eq!((on.state, on.met_on), (ObligationState::Overdue, None));
    }

    #[test]
    fn r_8_2_unconditional_obligations_are_never_waived() {
        for rule in [
            "R-3.3.3", "R-7.2", "R-8.2", "R-9.2", "R-8.4.1", "R-8.4.2", "R-9.4.1", "R-9.4.2",
        ] {
            assert_eq!(check_waivable(rule), Err(Unwaivable), "{rule}");
        }
        for rule in ["R-8.1", "R-8.3.1", "R-8.3.2", "R-7.4", "R-9.3.3"] {
            assert_eq!(check_waivable(rule), Ok(()), "{rule}");
        }
        // A waiver of one kept from before is ignored.
        let mut e = snapshot(EngagementKind::Outsourcing, Some(ClassificationLevel::L2));
        e.waivers.push(Waiver {
            rule_id: "R-8.2".into(),
            subject: None,
            reason: "旧".into(),
            by_user_id: "ciso".into(),
            expires_on: None,
        });
        assert_eq!(
            state_of(&e, d(2027, 4, 2), "R-8.2").0,
            ObligationState::Overdue
        );
    }
}

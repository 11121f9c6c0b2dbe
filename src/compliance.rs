//! Builds the obligations engine's snapshots from what the data layer loaded and the
//! clause catalog, then asks the engine. No I/O here: the caller loads, this decides.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::clauses::Catalog;
use crate::config::RuleSettings;
use crate::db::facts::EngagementFacts;
use crate::domain::engagement::AssetKind;
use crate::domain::{ClassificationLevel, EngagementKind, Status};
use crate::policy::approvals::{ApprovalRule, ApprovalState};
use crate::policy::obligations::{
    self, AssetSnapshot, ContractSnapshot, EngagementSnapshot, ItemSnapshot, Obligation, Waiver,
};

/// The organisation's date of a UTC timestamp.
pub fn local_date(at: chrono::NaiveDateTime, tz: Tz) -> NaiveDate {
    at.and_utc().with_timezone(&tz).date_naive()
}

pub fn snapshot(facts: &EngagementFacts, catalog: &Catalog, tz: Tz) -> Option<EngagementSnapshot> {
    let e = &facts.engagement;
    let kind = e.kind();
    let level = e.level();
    let mut reached = HashMap::new();
    for (status, at) in &facts.status_changes {
        if let Ok(s) = Status::parse(status) {
            reached.entry(s).or_insert_with(|| local_date(*at, tz));
        }
    }
    Some(EngagementSnapshot {
        kind,
        level,
        status: e.status(),
        starts_on: e.starts_on,
        ends_on: e.ends_on,
        responsible_user_id: e.responsible_user_id.clone(),
        is_subcontract: e.parent_id.is_some() && kind == EngagementKind::Outsourcing,
        level_raised_on: e.level_raised_on,
        items: facts
            .items
            .iter()
            .map(|i| ItemSnapshot {
                id: i.id.clone(),
                name: i.name.clone(),
                level: ClassificationLevel::from_rank(i.level).unwrap_or(ClassificationLevel::L3),
                provided_to_vendor: i.provided_to_vendor,
            })
            .collect(),
        reached,
        contract: facts.contracts.first().map(|c| ContractSnapshot {
            signed_on: c.signed_on,
            clause_ids: c.clause_ids(),
        }),
        mandatory_clauses: catalog
            .mandatory(kind, level)
            .iter()
            .map(|c| c.id.clone())
            .collect(),
        approved_items: approved(facts, ApprovalRule::ProvideInformation, tz),
        manager_assets: {
            let systems = approved(facts, ApprovalRule::ManagerSystem, tz);
            let assets = approved(facts, ApprovalRule::ManagerAsset, tz);
            facts
                .assets
                .iter()
                .map(|a| {
                    let is_system = a.kind == AssetKind::System.as_str();
                    let approvals = if is_system { &systems } else { &assets };
                    AssetSnapshot {
                        id: a.id.clone(),
                        name: a.name.clone(),
                        is_system,
                        approved_on: approvals.get(&a.id).copied(),
                    }
                })
                .collect()
        },
        waivers: facts
            .waivers
            .iter()
            .filter(|w| w.state == ApprovalState::Approved)
            .map(|w| Waiver {
                rule_id: w.rule_id.clone(),
                subject: Some(w.subject_id.clone()).filter(|s| !s.is_empty()),
                reason: w.reason.clone(),
                by_user_id: w.decided_by.clone().unwrap_or_else(|| w.waived_by.clone()),
                expires_on: w.expires_on,
            })
            .collect(),
        check_interval_months: e.check_interval_months.and_then(|m| u32::try_from(m).ok()),
        checks_accepted: {
            let mut latest: HashMap<String, NaiveDate> = HashMap::new();
            for (rules, on) in &facts.accepted_checks {
                for rule in rules.split_whitespace() {
                    let day = latest.entry(rule.to_string()).or_insert(*on);
                    *day = (*day).max(*on);
                }
            }
            latest
        },
        recorded: {
            let mut latest = HashMap::new();
            for (kind, on) in &facts.records {
                let day = latest.entry(*kind).or_insert(*on);
                *day = (*day).max(*on);
            }
            latest
        },
        configuration_kept_on: facts.configurations_kept.iter().max().copied(),
        responsibility_agreed_on: facts
            .responsibility_agreed
            .iter()
            .max()
            .map(|at| local_date(*at, tz)),
    })
}

/// Subject id → the organisation's date it was approved, for one rule.
fn approved(facts: &EngagementFacts, rule: ApprovalRule, tz: Tz) -> HashMap<String, NaiveDate> {
    facts
        .approvals
        .iter()
        .filter(|a| a.rule_id == rule.as_str() && a.state == ApprovalState::Approved)
        .filter_map(|a| {
            a.decided_at
                .map(|at| (a.subject_id.clone(), local_date(at, tz)))
        })
        .collect()
}

pub fn obligations_of(
    facts: &EngagementFacts,
    catalog: &Catalog,
    tz: Tz,
    settings: &RuleSettings,
    today: NaiveDate,
) -> Vec<Obligation> {
    snapshot(facts, catalog, tz)
        .map(|s| obligations::obligations(&s, today, settings))
        .unwrap_or_default()
}

/// The mandatory clause IDs a contract for this engagement lacks.
pub fn missing_clauses(
    catalog: &Catalog,
    kind: EngagementKind,
    level: Option<ClassificationLevel>,
    contract_clause_ids: &[String],
) -> Vec<String> {
    catalog
        .mandatory(kind, level)
        .iter()
        .filter(|c| !contract_clause_ids.contains(&c.id))
        .map(|c| c.id.clone())
        .collect()
}

/// the L2/L3 items marked as provided to the vendor whose provision has no
/// approval, by name.
pub fn unapproved_provisions(
    items: &[crate::db::information_items::InformationItem],
    approvals: &[crate::db::approvals::Approval],
) -> Vec<String> {
    items
        .iter()
        .filter(|i| i.provided_to_vendor && i.level >= ClassificationLevel::L2.rank())
        .filter(|i| !provision_approved(approvals, &i.id))
        .map(|i| i.name.clone())
        .collect()
}

/// whether providing this item has been approved.
pub fn provision_approved(approvals: &[crate::db::approvals::Approval], item_id: &str) -> bool {
    approvals.iter().any(|a| {
        a.rule_id == ApprovalRule::ProvideInformation.as_str()
            && a.subject_id == item_id
            && a.state == ApprovalState::Approved
    })
}

#[cfg(test)]
/// The fixtures are shared with the deadline and sweep tests.
pub(crate) mod tests {
    use chrono::{NaiveDateTime, NaiveTime};
    use chrono_tz::Asia::Tokyo;

    use super::*;
    use crate::db::approvals::{Approval, ManagerAsset, WaiverRow};
    use crate::db::contracts::Contract;
    use crate::db::engagements::EngagementRow;
    use crate::db::information_items::InformationItem;
    use crate::policy::obligations::ObligationState;

    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A UTC timestamp.
    pub(crate) fn utc(y: i32, m: u32, day: u32, hour: u32) -> NaiveDateTime {
        d(y, m, day).and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
    }

    /// CL-01 is mandatory for every outsourcing; CL-05 only from L2.
    use crate::policy::records::RecordKind;

    pub(crate) fn catalog() -> Catalog {
        Catalog::parse(crate::clauses::catalog::tests::SAMPLE).unwrap()
    }

    pub(crate) fn facts(
        kind: EngagementKind,
        level: Option<i16>,
        status: Status,
    ) -> EngagementFacts {
        EngagementFacts {
            engagement: EngagementRow {
                id: "e1".into(),
                kind,
                title: "窓口業務委託".into(),
                division_id: "div".into(),
                responsible_user_id: "officer".into(),
                vendor_id: "v1".into(),
                scope: "窓口".into(),
                starts_on: d(2027, 4, 1),
                ends_on: d(2028, 3, 31),
                status,
                parent_id: None,
                cloud_service_name: None,
                cloud_data_location: None,
                cloud_ismap: None,
                level,
                created_at: utc(2027, 1, 4, 0),
                updated_at: utc(2027, 1, 4, 0),
                level_raised_on: None,
                check_interval_months: None,
            },
            items: vec![],
            status_changes: vec![],
            contracts: vec![],
            approvals: vec![],
            assets: vec![],
            waivers: vec![],
            accepted_checks: vec![],
            records: vec![],
            configurations_kept: vec![],
            responsibility_agreed: vec![],
            ismap_valid_until: None,
        }
    }

    pub(crate) fn item(id: &str, level: i16, provided: bool) -> InformationItem {
        InformationItem {
            id: id.into(),
            engagement_id: "e1".into(),
            name: format!("item {id}"),
            description: String::new(),
            level,
            provided_to_vendor: provided,
            created_at: utc(2027, 1, 4, 0),
            updated_at: utc(2027, 1, 4, 0),
        }
    }

    pub(crate) fn approval(
        rule: ApprovalRule,
        subject: &str,
        state: ApprovalState,
        decided_at: Option<NaiveDateTime>,
    ) -> Approval {
        Approval {
            id: format!("a-{subject}-{}", state.as_str()),
            engagement_id: "e1".into(),
            rule_id: rule.as_str().into(),
            subject_id: subject.into(),
            subject_name: format!("item {subject}"),
            requested_by: "officer".into(),
            requested_at: utc(2027, 1, 5, 0),
            note: String::new(),
            approver_role: "security_officer".into(),
            approver_division_id: Some("div".into()),
            state,
            confirmations: "[]".into(),
            decided_by: decided_at.map(|_| "so".into()),
            decided_at,
            decision_reason: None,
        }
    }

    pub(crate) fn contract(signed_on: NaiveDate, clause_ids: &[&str]) -> Contract {
        Contract {
            id: format!("c-{signed_on}"),
            engagement_id: "e1".into(),
            reference_number: "2027-001".into(),
            signed_on,
            clause_ids: serde_json::to_string(clause_ids).unwrap(),
            template_version: "t".into(),
            recorded_by: "officer".into(),
            recorded_at: utc(2027, 3, 1, 0),
        }
    }

    fn asset(id: &str, kind: AssetKind) -> ManagerAsset {
        ManagerAsset {
            id: id.into(),
            engagement_id: "e1".into(),
            kind: kind.as_str().into(),
            name: format!("asset {id}"),
            description: String::new(),
            recorded_by: "officer".into(),
            recorded_at: utc(2027, 1, 4, 0),
        }
    }

    fn obligations(f: &EngagementFacts, today: NaiveDate) -> Vec<Obligation> {
        obligations_of(f, &catalog(), Tokyo, &RuleSettings::default(), today)
    }

    fn find<'a>(list: &'a [Obligation], rule: &str, subject: Option<&str>) -> &'a Obligation {
        list.iter()
            .find(|o| o.rule.id == rule && o.subject.as_deref() == subject)
            .unwrap_or_else(|| panic!("{rule} {subject:?} in {list:?}"))
    }

    fn ids(list: &[Obligation]) -> Vec<&str> {
        list.iter().map(|o| o.rule.id).collect()
    }

    #[test]
    fn the_organisations_date_of_a_utc_timestamp_is_taken_in_its_time_zone() {
        assert_eq!(local_date(utc(2027, 3, 31, 14), Tokyo), d(2027, 3, 31));
        assert_eq!(local_date(utc(2027, 3, 31, 15), Tokyo), d(2027, 4, 1));
    }

    #[test]
    fn r_8_1_a_draft_outsourcing_engagement_owes_selection_from_its_start() {
        let f = facts(EngagementKind::Outsourcing, Some(2), Status::Draft);
        let list = obligations(&f, d(2027, 3, 1));
        assert_eq!(
            ids(&list),
            ["R-8.1", "R-8.2", "R-8.3.1", "R-8.3.2", "R-8.4.1", "R-8.4.2"]
        );
        let selection = find(&list, "R-8.1", None);
        assert_eq!(selection.state, ObligationState::Open);
        assert_eq!(selection.due_on, Some(d(2027, 4, 1)));
        assert_eq!(selection.assignee_user_id.as_deref(), Some("officer"));
        assert_eq!(selection.via, None);
        assert_eq!(find(&list, "R-8.2", None).state, ObligationState::Open);

        // Still unselected after the start date: overdue.
        let late = obligations(&f, d(2027, 4, 2));
        assert_eq!(find(&late, "R-8.1", None).state, ObligationState::Overdue);
        assert_eq!(find(&late, "R-8.2", None).state, ObligationState::Overdue);
    }

    #[test]
    fn r_8_2_a_recorded_contract_with_every_mandatory_clause_meets_the_contract_obligation() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Contracted);
        f.status_changes = vec![
            ("selected".into(), utc(2027, 2, 1, 1)),
            ("contracted".into(), utc(2027, 3, 10, 1)),
        ];
        f.contracts = vec![contract(d(2027, 3, 9), &["CL-01", "CL-05"])];
        f.items = vec![item("i1", 2, false)];
        // The selection is met by its record, not by the move to `selected`.
        f.records = vec![(RecordKind::Selection, d(2027, 2, 1))];
        let list = obligations(&f, d(2027, 4, 2));
        let selection = find(&list, "R-8.1", None);
        assert_eq!(
            (selection.state, selection.met_on),
            (ObligationState::Met, Some(d(2027, 2, 1)))
        );
        let contract = find(&list, "R-8.2", None);
        assert_eq!(
            (contract.state, contract.met_on),
            (ObligationState::Met, Some(d(2027, 3, 9)))
        );
    }

    #[test]
    fn r_8_2_the_catalog_decides_which_clauses_a_contract_must_hold_by_level() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Contracted);
        f.contracts = vec![contract(d(2027, 3, 9), &["CL-01"])];
        f.items = vec![item("i1", 2, false)];
        let l2 = obligations(&f, d(2027, 4, 2));
        assert_eq!(
            find(&l2, "R-8.2", None).state,
            ObligationState::Overdue,
            "CL-05 is mandatory from L2"
        );
        f.engagement.level = Some(1);
        let l1 = obligations(&f, d(2027, 4, 2));
        assert_eq!(find(&l1, "R-8.2", None).state, ObligationState::Met);
        assert_eq!(
            snapshot(&f, &catalog(), Tokyo).unwrap().mandatory_clauses,
            ["CL-01"]
        );
    }

    #[test]
    fn r_8_2_only_the_contract_in_force_first_is_looked_at() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        f.items = vec![item("i1", 2, false)];
        // The data layer lists the latest signed first.
        f.contracts = vec![
            contract(d(2027, 5, 1), &["CL-01"]),
            contract(d(2027, 3, 1), &["CL-01", "CL-05"]),
        ];
        let list = obligations(&f, d(2027, 6, 1));
        assert_eq!(find(&list, "R-8.2", None).state, ObligationState::Overdue);
        f.contracts.reverse();
        let list = obligations(&f, d(2027, 6, 1));
        assert_eq!(find(&list, "R-8.2", None).met_on, Some(d(2027, 3, 1)));
    }

    #[test]
    fn r_3_3_3_an_l2_item_provided_to_the_vendor_needs_an_approved_approval() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Draft);
        f.items = vec![item("i1", 2, true)];
        let state = |f: &EngagementFacts| {
            let list = obligations(f, d(2027, 3, 1));
            let o = find(&list, "R-3.3.3", Some("i1"));
            (o.state, o.met_on)
        };
        assert_eq!(state(&f), (ObligationState::Open, None));

        f.approvals = vec![approval(
            ApprovalRule::ProvideInformation,
            "i1",
            ApprovalState::Pending,
            None,
        )];
        assert_eq!(
            state(&f),
            (ObligationState::Open, None),
            "pending does not count"
        );
        f.approvals = vec![approval(
            ApprovalRule::ProvideInformation,
            "i1",
            ApprovalState::Rejected,
            Some(utc(2027, 2, 1, 1)),
        )];
        assert_eq!(
            state(&f),
            (ObligationState::Open, None),
            "rejected does not count"
        );
        // An approval of another item, or under another rule, does not count either.
        f.approvals = vec![
            approval(
                ApprovalRule::ProvideInformation,
                "i2",
                ApprovalState::Approved,
                Some(utc(2027, 2, 1, 1)),
            ),
            approval(
                ApprovalRule::ManagerSystem,
                "i1",
                ApprovalState::Approved,
                Some(utc(2027, 2, 1, 1)),
            ),
        ];
        assert_eq!(state(&f), (ObligationState::Open, None));

        f.approvals.push(approval(
            ApprovalRule::ProvideInformation,
            "i1",
            ApprovalState::Approved,
            Some(utc(2027, 2, 1, 1)),
        ));
        assert_eq!(state(&f), (ObligationState::Met, Some(d(2027, 2, 1))));
    }

    #[test]
    fn r_3_3_3_the_approval_is_dated_on_the_organisations_day_it_was_decided() {
        let mut f = facts(EngagementKind::Outsourcing, Some(3), Status::Draft);
        f.items = vec![item("i1", 3, true)];
        // 16:00 UTC on 31 March is 1 April in Tokyo.
        f.approvals = vec![approval(
            ApprovalRule::ProvideInformation,
            "i1",
            ApprovalState::Approved,
            Some(utc(2027, 3, 31, 16)),
        )];
        let s = snapshot(&f, &catalog(), Tokyo).unwrap();
        assert_eq!(s.approved_items.get("i1"), Some(&d(2027, 4, 1)));
    }

    #[test]
    fn r_3_3_3_items_kept_in_house_or_at_l1_need_no_approval() {
        let mut f = facts(EngagementKind::Outsourcing, Some(3), Status::Draft);
        f.items = vec![
            item("kept", 3, false),
            item("public", 1, true),
            item("given", 3, true),
        ];
        let list = obligations(&f, d(2027, 3, 1));
        let approvals: Vec<_> = list
            .iter()
            .filter(|o| o.rule.id == "R-3.3.3")
            .map(|o| (o.subject.as_deref(), o.subject_name.as_deref()))
            .collect();
        assert_eq!(approvals, [(Some("given"), Some("item given"))]);
        let o = find(&list, "R-3.3.3", Some("given"));
        assert_eq!(o.owner_role, crate::domain::Role::SecurityOfficer);
        assert_eq!(o.assignee_user_id, None);
        assert_eq!(o.due_on, Some(d(2027, 4, 1)));
    }

    #[test]
    fn r_3_3_3_an_item_of_an_unknown_level_is_treated_as_l3() {
        let mut f = facts(EngagementKind::Outsourcing, None, Status::Draft);
        f.items = vec![item("odd", 9, true)];
        let s = snapshot(&f, &catalog(), Tokyo).unwrap();
        assert_eq!(s.items[0].level, ClassificationLevel::L3);
        assert_eq!(s.level, None, "the engagement's own level is left unknown");
        assert!(obligations(&f, d(2027, 3, 1))
            .iter()
            .any(|o| o.rule.id == "R-3.3.3"));
    }

    #[test]
    fn r_3_3_3_approval_falls_due_from_the_day_the_level_rose() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        f.engagement.level_raised_on = Some(d(2027, 9, 1));
        f.items = vec![item("i1", 2, true)];
        let list = obligations(&f, d(2027, 9, 1));
        let o = find(&list, "R-3.3.3", Some("i1"));
        assert_eq!(
            (o.due_on, o.state),
            (Some(d(2027, 9, 1)), ObligationState::Open)
        );
        assert_eq!(find(&list, "R-8.2", None).due_on, Some(d(2027, 9, 1)));
    }

    #[test]
    fn status_changes_are_dated_in_the_organisations_time_zone_and_the_first_one_counts() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Selected);
        f.status_changes = vec![
            // 15:00 UTC on 10 January: 11 January in Tokyo.
            ("selected".into(), utc(2027, 1, 10, 15)),
            ("draft".into(), utc(2027, 1, 20, 1)),
            ("selected".into(), utc(2027, 2, 1, 1)),
            ("no_such_status".into(), utc(2027, 2, 2, 1)),
        ];
        let s = snapshot(&f, &catalog(), Tokyo).unwrap();
        assert_eq!(s.reached.get(&Status::Selected), Some(&d(2027, 1, 11)));
        assert_eq!(s.reached.get(&Status::Draft), Some(&d(2027, 1, 20)));
        assert_eq!(s.reached.len(), 2, "unknown statuses are ignored");
    }

    #[test]
    fn r_8_4_2_termination_brings_the_end_certificate_forward() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Terminated);
        f.status_changes = vec![
            ("contracted".into(), utc(2027, 3, 10, 1)),
            // 30 June 15:00 UTC: 1 July in Tokyo.
            ("terminated".into(), utc(2027, 6, 30, 15)),
        ];
        let list = obligations(&f, d(2027, 7, 2));
        let certificate = find(&list, "R-8.4.2", None);
        assert_eq!(certificate.due_on, Some(d(2027, 7, 31)), "30 days after");
        assert_eq!(certificate.state, ObligationState::Open);

        // Without termination, the certificate is due 30 days after the end of the term.
        f.engagement.status = Status::Active;
        f.status_changes.pop();
        let list = obligations(&f, d(2027, 7, 2));
        assert_eq!(find(&list, "R-8.4.2", None).due_on, Some(d(2028, 4, 30)));
    }

    #[test]
    fn nothing_is_owed_for_an_engagement_terminated_before_a_contract() {
        let mut f = facts(EngagementKind::Outsourcing, Some(3), Status::Terminated);
        f.items = vec![item("i1", 3, true)];
        f.status_changes = vec![
            ("selected".into(), utc(2027, 2, 1, 1)),
            ("terminated".into(), utc(2027, 2, 10, 1)),
        ];
        assert!(obligations(&f, d(2027, 3, 1)).is_empty());
    }

    #[test]
    fn r_8_5_an_outsourcing_under_a_parent_engagement_is_a_subcontract() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Draft);
        f.engagement.parent_id = Some("parent".into());
        assert!(snapshot(&f, &catalog(), Tokyo).unwrap().is_subcontract);
        let list = obligations(&f, d(2027, 3, 1));
        assert!(list
            .iter()
            .filter(|o| o.rule.id.starts_with("R-8."))
            .all(|o| o.via == Some("R-8.5")));

        let mut dm = facts(EngagementKind::DesignatedManagement, Some(2), Status::Draft);
        dm.engagement.parent_id = Some("parent".into());
        assert!(!snapshot(&dm, &catalog(), Tokyo).unwrap().is_subcontract);
    }

    #[test]
    fn r_7_5_and_r_7_6_each_asset_on_record_needs_an_approval_under_its_own_rule() {
        let mut f = facts(
            EngagementKind::DesignatedManagement,
            Some(2),
            Status::Active,
        );
        f.assets = vec![
            asset("sys", AssetKind::System),
            asset("pc", AssetKind::Asset),
        ];
        f.approvals = vec![
            approval(
                ApprovalRule::ManagerSystem,
                "sys",
                ApprovalState::Approved,
                Some(utc(2027, 2, 1, 1)),
            ),
            // Approved under, but the PC is an asset: is what counts.
            approval(
                ApprovalRule::ManagerSystem,
                "pc",
                ApprovalState::Approved,
                Some(utc(2027, 2, 1, 1)),
            ),
        ];
        let list = obligations(&f, d(2027, 3, 1));
        let system = find(&list, "R-7.5", Some("sys"));
        assert_eq!(
            (system.state, system.met_on),
            (ObligationState::Met, Some(d(2027, 2, 1)))
        );
        assert_eq!(system.subject_name.as_deref(), Some("asset sys"));
        assert_eq!(
            find(&list, "R-7.6", Some("pc")).state,
            ObligationState::Open
        );

        f.approvals.push(approval(
            ApprovalRule::ManagerAsset,
            "pc",
            ApprovalState::Approved,
            Some(utc(2027, 2, 3, 1)),
        ));
        let list = obligations(&f, d(2027, 3, 1));
        assert_eq!(find(&list, "R-7.6", Some("pc")).met_on, Some(d(2027, 2, 3)));
    }

    #[test]
    fn r_8_3_2_the_latest_acceptance_of_each_rule_a_check_meets_counts() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        // A two-year term: the next check falls within it.
        f.engagement.ends_on = d(2029, 3, 31);
        f.accepted_checks = vec![
            ("R-8.3.1 R-8.3.2".into(), d(2027, 10, 1)),
            ("R-8.3.2".into(), d(2027, 12, 1)),
            ("R-8.3.2".into(), d(2027, 11, 1)),
        ];
        let s = snapshot(&f, &catalog(), Tokyo).unwrap();
        assert_eq!(s.checks_accepted.get("R-8.3.1"), Some(&d(2027, 10, 1)));
        assert_eq!(s.checks_accepted.get("R-8.3.2"), Some(&d(2027, 12, 1)));
        let list = obligations(&f, d(2028, 1, 1));
        let check = find(&list, "R-8.3.2", None);
        assert_eq!(
            (check.state, check.met_on, check.due_on),
            (
                ObligationState::Met,
                Some(d(2027, 12, 1)),
                Some(d(2028, 12, 1))
            )
        );
    }

    #[test]
    fn r_8_3_2_the_engagements_own_check_interval_replaces_the_levels() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        f.engagement.ends_on = d(2029, 3, 31);
        let due =
            |f: &EngagementFacts| find(&obligations(f, d(2027, 5, 1)), "R-8.3.2", None).due_on;
        assert_eq!(due(&f), Some(d(2028, 4, 1)), "L2: yearly");
        f.engagement.check_interval_months = Some(3);
        assert_eq!(due(&f), Some(d(2027, 7, 1)));
        f.engagement.check_interval_months = Some(-3);
        assert_eq!(
            due(&f),
            Some(d(2028, 4, 1)),
            "a negative interval is ignored"
        );
    }

    #[test]
    fn a_waiver_without_subject_covers_the_rule_and_one_with_a_subject_only_that_asset() {
        let mut f = facts(
            EngagementKind::DesignatedManagement,
            Some(2),
            Status::Active,
        );
        f.assets = vec![
            asset("sys1", AssetKind::System),
            asset("sys2", AssetKind::System),
        ];
        let waiver = |rule: &str, subject: &str, state| WaiverRow {
            id: format!("w-{rule}-{subject}"),
            engagement_id: "e1".into(),
            rule_id: rule.into(),
            subject_id: subject.into(),
            reason: "理由".into(),
            waived_by: "officer".into(),
            waived_at: utc(2027, 2, 1, 1),
            state,
            decided_by: Some("ciso".into()),
            decided_at: Some(utc(2027, 2, 2, 1)),
            decision_reason: None,
            expires_on: Some(d(2027, 12, 31)),
        };
        f.waivers = vec![
            waiver("R-7.1", "", ApprovalState::Approved),
            waiver("R-7.5", "sys1", ApprovalState::Approved),
            waiver("R-7.5", "sys2", ApprovalState::Pending),
        ];
        let list = obligations(&f, d(2027, 5, 1));
        let selection = find(&list, "R-7.1", None);
        assert_eq!(selection.state, ObligationState::Waived);
        assert_eq!(
            selection.waiver,
            Some(("理由".to_string(), "ciso".to_string())),
            "the approver is named"
        );
        assert_eq!(
            find(&list, "R-7.5", Some("sys1")).state,
            ObligationState::Waived
        );
        assert_eq!(
            find(&list, "R-7.5", Some("sys2")).state,
            ObligationState::Overdue,
            "a pending waiver waives nothing"
        );
    }

    #[test]
    fn r_8_2_missing_clauses_lists_the_mandatory_ones_a_contract_lacks_in_catalog_order() {
        let c = catalog();
        let have = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let l2 = Some(ClassificationLevel::L2);
        assert_eq!(
            missing_clauses(&c, EngagementKind::Outsourcing, l2, &[]),
            ["CL-01", "CL-05"]
        );
        assert_eq!(
            missing_clauses(
                &c,
                EngagementKind::Outsourcing,
                l2,
                &have(&["CL-05", "CL-99"])
            ),
            ["CL-01"]
        );
        assert!(missing_clauses(
            &c,
            EngagementKind::Outsourcing,
            Some(ClassificationLevel::L1),
            &have(&["CL-01"])
        )
        .is_empty());
        assert!(missing_clauses(
            &c,
            EngagementKind::CloudService,
            Some(ClassificationLevel::L1),
            &[]
        )
        .is_empty());
    }

    #[test]
    fn r_3_3_3_unapproved_provisions_names_the_l2_and_l3_items_given_without_approval() {
        let items = vec![
            item("l3", 3, true),
            item("l2", 2, true),
            item("l1", 1, true),
            item("kept", 3, false),
            item("ok", 2, true),
        ];
        let approvals = vec![
            approval(
                ApprovalRule::ProvideInformation,
                "ok",
                ApprovalState::Approved,
                Some(utc(2027, 2, 1, 1)),
            ),
            approval(
                ApprovalRule::ProvideInformation,
                "l2",
                ApprovalState::Pending,
                None,
            ),
            approval(
                ApprovalRule::ProvideInformation,
                "l3",
                ApprovalState::Rejected,
                Some(utc(2027, 2, 1, 1)),
            ),
        ];
        assert_eq!(
            unapproved_provisions(&items, &approvals),
            ["item l3", "item l2"]
        );
        assert!(provision_approved(&approvals, "ok"));
        assert!(!provision_approved(&approvals, "l2"));
        assert!(!provision_approved(&approvals, "l3"));
        let other_rule = [approval(
            ApprovalRule::ManagerAsset,
            "l3",
            ApprovalState::Approved,
            Some(utc(2027, 2, 1, 1)),
        )];
        assert!(!provision_approved(&other_rule, "l3"));
    }
}

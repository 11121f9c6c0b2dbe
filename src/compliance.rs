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
            .map(|w| Waiver {
                rule_id: w.rule_id.clone(),
                subject: Some(w.subject_id.clone()).filter(|s| !s.is_empty()),
                reason: w.reason.clone(),
                by_user_id: w.waived_by.clone(),
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

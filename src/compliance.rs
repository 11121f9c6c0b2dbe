//! Builds the obligations engine's snapshots from what the data layer loaded and the
//! clause catalog, then asks the engine. No I/O here: the caller loads, this decides.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::clauses::Catalog;
use crate::config::RuleSettings;
use crate::db::facts::EngagementFacts;
use crate::domain::{ClassificationLevel, EngagementKind, Status};
use crate::policy::obligations::{
    self, ContractSnapshot, EngagementSnapshot, ItemSnapshot, Obligation,
};

/// The organisation's date of a UTC timestamp.
pub fn local_date(at: chrono::NaiveDateTime, tz: Tz) -> NaiveDate {
    at.and_utc().with_timezone(&tz).date_naive()
}

pub fn snapshot(facts: &EngagementFacts, catalog: &Catalog, tz: Tz) -> Option<EngagementSnapshot> {
    let e = &facts.engagement;
    let kind = e.kind()?;
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
        // Approvals and waivers are recorded by the approvals feature; none yet.
        approved_items: HashMap::new(),
        waivers: Vec::new(),
    })
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

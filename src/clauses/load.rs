//! Reads what a clause set is written from out of the register.

use crate::config::Config;
use crate::db::{engagements, information_items, vendors, DbConnection};
use crate::domain::ClassificationLevel;
use crate::error::{AppError, AppResult};

use super::{ContractFacts, ItemFact};

pub fn load_facts(
    conn: &mut DbConnection,
    config: &Config,
    id: &str,
    today: chrono::NaiveDate,
) -> AppResult<ContractFacts> {
    let listing = engagements::get_listing(conn, id)?
        .ok_or_else(|| AppError::not_found("委託案件が見つかりません", "No such engagement"))?;
    let e = listing.engagement;
    let vendor = vendors::get(conn, &e.vendor_id)?
        .ok_or_else(|| AppError::Internal("engagement without vendor".into()))?;
    let items = information_items::list(conn, id)?;
    let level = e.level();
    Ok(ContractFacts {
        organization: config.organization_name.clone(),
        kind: e.kind(),
        level,
        title: e.title,
        scope: e.scope,
        division_name: listing.division_name,
        responsible_name: listing.responsible_name,
        starts_on: e.starts_on,
        ends_on: e.ends_on,
        vendor_name: vendor.vendor.legal_name,
        corporate_number: vendor.vendor.corporate_number,
        items: items
            .into_iter()
            .map(|i| ItemFact {
                level: ClassificationLevel::from_rank(i.level).unwrap_or(ClassificationLevel::L3),
                name: i.name,
                description: i.description,
                provided: i.provided_to_vendor,
            })
            .collect(),
        check_interval_months: config.rules.check_interval_months
            [level.unwrap_or(ClassificationLevel::L1).rank() as usize - 1],
        certificate_deadline_days: config.rules.certificate_deadline_days,
        generated_on: today,
    })
}

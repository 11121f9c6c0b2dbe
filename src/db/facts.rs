//! Loads what the obligations engine needs for many engagements at once: a handful of
//! queries whatever their number, never one per engagement.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::approvals::{Approval, ManagerAsset, WaiverRow};
use super::contracts::Contract;
use super::engagements::EngagementRow;
use super::information_items::InformationItem;
use super::schema::{
    approvals, checks, cloud_service_records, configuration_versions, contracts,
    engagement_records, engagements, information_items, manager_assets, obligation_waivers,
    responsibility_versions, status_changes,
};
use super::DbConnection;
use crate::error::AppResult;
use crate::policy::access::Visibility;

/// One engagement with its items, status history and contracts.
#[derive(Debug, Clone)]
pub struct EngagementFacts {
    pub engagement: EngagementRow,
    pub items: Vec<InformationItem>,
    /// (status reached, when), oldest first.
    pub status_changes: Vec<(String, NaiveDateTime)>,
    /// The contract in force first.
    pub contracts: Vec<Contract>,
    pub approvals: Vec<Approval>,
    pub assets: Vec<ManagerAsset>,
    pub waivers: Vec<WaiverRow>,
    /// Accepted periodic checks: (the rules they meet, space-separated; accepted on).
    pub accepted_checks: Vec<(String, chrono::NaiveDate)>,
    /// The records staff kept (`policy::records`): (kind, the day it took place).
    pub records: Vec<(crate::policy::records::RecordKind, chrono::NaiveDate)>,
    /// The days the approved configuration records were kept.
    pub configurations_kept: Vec<chrono::NaiveDate>,
    /// When the agreed divisions of responsibility were approved.
    pub responsibility_agreed: Vec<NaiveDateTime>,
    /// The last day the newest recorded ISMAP / ISMAP-LIU listing is valid.
    pub ismap_valid_until: Option<chrono::NaiveDate>,
}

#[derive(Debug, Default, Clone)]
pub struct FactsScope {
    pub engagement_id: Option<String>,
    pub division_id: Option<String>,
    /// These engagements only (a batch being recomputed).
    pub engagement_ids: Option<Vec<String>>,
}

// Restricts a query that has `engagements` in its FROM clause to the scope. Joins, not
// subqueries: diesel's multi-backend connection cannot run a boxed subquery.
macro_rules! in_scope {
    ($query:expr, $visibility:expr, $scope:expr) => {{
        let mut q = $query;
        if let Visibility::Divisions(ids) = $visibility {
            q = q.filter(engagements::division_id.eq_any(ids.clone()));
        }
        if let Some(d) = &$scope.division_id {
            q = q.filter(engagements::division_id.eq(d.clone()));
        }
        if let Some(id) = &$scope.engagement_id {
            q = q.filter(engagements::id.eq(id.clone()));
        }
        if let Some(ids) = &$scope.engagement_ids {
            q = q.filter(engagements::id.eq_any(ids.clone()));
        }
        q
    }};
}

pub fn load(
    conn: &mut DbConnection,
    visibility: &Visibility,
    scope: &FactsScope,
) -> AppResult<Vec<EngagementFacts>> {
    let rows: Vec<EngagementRow> = in_scope!(engagements::table.into_boxed(), visibility, scope)
        .order(engagements::id.asc())
        .select(EngagementRow::as_select())
        .load(conn)?;
    let items: Vec<InformationItem> = in_scope!(
        information_items::table
            .inner_join(engagements::table)
            .into_boxed(),
        visibility,
        scope
    )
    .order(information_items::id.asc())
    .select(InformationItem::as_select())
    .load(conn)?;
    let changes: Vec<(String, String, NaiveDateTime)> = in_scope!(
        status_changes::table
            .inner_join(engagements::table)
            .into_boxed(),
        visibility,
        scope
    )
    .order(status_changes::changed_at.asc())
    .select((
        status_changes::engagement_id,
        status_changes::to_status,
        status_changes::changed_at,
    ))
    .load(conn)?;
    let signed: Vec<Contract> = in_scope!(
        contracts::table.inner_join(engagements::table).into_boxed(),
        visibility,
        scope
    )
    .order((contracts::signed_on.desc(), contracts::recorded_at.desc()))
    .select(Contract::as_select())
    .load(conn)?;
    let approvals: Vec<Approval> = in_scope!(
        approvals::table.inner_join(engagements::table).into_boxed(),
        visibility,
        scope
    )
    .order(approvals::id.asc())
    .select(Approval::as_select())
    .load(conn)?;
    let assets: Vec<ManagerAsset> = in_scope!(
        manager_assets::table
            .inner_join(engagements::table)
            .into_boxed(),
        visibility,
        scope
    )
    .order(manager_assets::id.asc())
    .select(ManagerAsset::as_select())
    .load(conn)?;
    let waivers: Vec<WaiverRow> = in_scope!(
        obligation_waivers::table
            .inner_join(engagements::table)
            .into_boxed(),
        visibility,
        scope
    )
    // One order, so that of two waivers standing as long the same one is chosen.
    .order(obligation_waivers::id.asc())
    .select(WaiverRow::as_select())
    .load(conn)?;
    let accepted: Vec<(String, String, Option<chrono::NaiveDate>)> = in_scope!(
        checks::table.inner_join(engagements::table).into_boxed(),
        visibility,
        scope
    )
    .filter(checks::state.eq("accepted"))
    .select((
        checks::engagement_id,
        checks::meets_rules,
        checks::accepted_on,
    ))
    .load(conn)?;
    let records: Vec<(
        String,
        crate::policy::records::RecordKind,
        chrono::NaiveDate,
    )> = in_scope!(
        engagement_records::table
            .inner_join(engagements::table)
            .into_boxed(),
        visibility,
        scope
    )
    .select((
        engagement_records::engagement_id,
        engagement_records::kind,
        engagement_records::occurred_on,
    ))
    .load(conn)?;
    let kept: Vec<(String, chrono::NaiveDate)> = in_scope!(
        configuration_versions::table
            .inner_join(engagements::table)
            .into_boxed(),
        visibility,
        scope
    )
    .filter(configuration_versions::approved_by.is_not_null())
    .select((
        configuration_versions::engagement_id,
        configuration_versions::recorded_on,
    ))
    .load(conn)?;
    let agreed: Vec<(String, Option<NaiveDateTime>)> = in_scope!(
        responsibility_versions::table
            .inner_join(engagements::table)
            .into_boxed(),
        visibility,
        scope
    )
    .filter(responsibility_versions::approved_at.is_not_null())
    .select((
        responsibility_versions::engagement_id,
        responsibility_versions::approved_at,
    ))
    .load(conn)?;
    let mut agreed_by: HashMap<String, Vec<NaiveDateTime>> = HashMap::new();
    for (e, at) in agreed {
        agreed_by.entry(e).or_default().extend(at);
    }
    let ids: Vec<String> = rows.iter().map(|e| e.id.clone()).collect();
    let mut listed_until = ismap_valid_until(conn, &ids)?;
    let mut kept_by: HashMap<String, Vec<chrono::NaiveDate>> = HashMap::new();
    for (e, on) in kept {
        kept_by.entry(e).or_default().push(on);
    }
    let mut records_by: HashMap<String, Vec<_>> = HashMap::new();
    for (e, kind, on) in records {
        records_by.entry(e).or_default().push((kind, on));
    }
    let mut accepted_by: HashMap<String, Vec<(String, chrono::NaiveDate)>> = HashMap::new();
    for (e, rules, on) in accepted {
        if let Some(on) = on {
            accepted_by.entry(e).or_default().push((rules, on));
        }
    }
    let mut waivers_by: HashMap<String, Vec<WaiverRow>> = HashMap::new();
    for w in waivers {
        waivers_by
            .entry(w.engagement_id.clone())
            .or_default()
            .push(w);
    }
    let mut approvals_by: HashMap<String, Vec<Approval>> = HashMap::new();
    for a in approvals {
        approvals_by
            .entry(a.engagement_id.clone())
            .or_default()
            .push(a);
    }
    let mut assets_by: HashMap<String, Vec<ManagerAsset>> = HashMap::new();
    for a in assets {
        assets_by
            .entry(a.engagement_id.clone())
            .or_default()
            .push(a);
    }
    let mut items_by: HashMap<String, Vec<InformationItem>> = HashMap::new();
    for i in items {
        items_by.entry(i.engagement_id.clone()).or_default().push(i);
    }
    let mut changes_by: HashMap<String, Vec<(String, NaiveDateTime)>> = HashMap::new();
    for (e, to, at) in changes {
        changes_by.entry(e).or_default().push((to, at));
    }
    let mut contracts_by: HashMap<String, Vec<Contract>> = HashMap::new();
    for c in signed {
        contracts_by
            .entry(c.engagement_id.clone())
            .or_default()
            .push(c);
    }
    Ok(rows
        .into_iter()
        .map(|engagement| EngagementFacts {
            items: items_by.remove(&engagement.id).unwrap_or_default(),
            status_changes: changes_by.remove(&engagement.id).unwrap_or_default(),
            contracts: contracts_by.remove(&engagement.id).unwrap_or_default(),
            approvals: approvals_by.remove(&engagement.id).unwrap_or_default(),
            assets: assets_by.remove(&engagement.id).unwrap_or_default(),
            waivers: waivers_by.remove(&engagement.id).unwrap_or_default(),
            accepted_checks: accepted_by.remove(&engagement.id).unwrap_or_default(),
            records: records_by.remove(&engagement.id).unwrap_or_default(),
            configurations_kept: kept_by.remove(&engagement.id).unwrap_or_default(),
            responsibility_agreed: agreed_by.remove(&engagement.id).unwrap_or_default(),
            ismap_valid_until: listed_until.remove(&engagement.id),
            engagement,
        })
        .collect())
}

/// The last day the newest ISMAP / ISMAP-LIU listing of each of these engagements is
/// valid, for those with one.
pub fn ismap_valid_until(
    conn: &mut DbConnection,
    ids: &[String],
) -> AppResult<HashMap<String, chrono::NaiveDate>> {
    let mut listings: Vec<(String, String)> = Vec::new();
    for chunk in ids.chunks(1000) {
        listings.extend(
            cloud_service_records::table
                .filter(cloud_service_records::engagement_id.eq_any(chunk))
                .filter(cloud_service_records::kind.eq("ismap_listing"))
                .order((
                    cloud_service_records::recorded_at.desc(),
                    cloud_service_records::id.desc(),
                ))
                .select((
                    cloud_service_records::engagement_id,
                    cloud_service_records::content,
                ))
                .load::<(String, String)>(conn)?,
        );
    }
    valid_until(listings)
}

/// The validity of the first (newest) listing of each engagement in `listings`.
fn valid_until(listings: Vec<(String, String)>) -> AppResult<HashMap<String, chrono::NaiveDate>> {
    let mut listed_until: HashMap<String, chrono::NaiveDate> = HashMap::new();
    for (e, content) in listings {
        if listed_until.contains_key(&e) {
            continue;
        }
        let listing: crate::policy::cloud_service::IsmapListing = serde_json::from_str(&content)
            .map_err(|err| {
                crate::error::AppError::Internal(format!(
                    "an ISMAP listing of {e} does not parse: {err}"
                ))
            })?;
        listed_until.insert(
            e,
            crate::policy::cloud_service::valid_until(listing.audit_period_end),
        );
    }
    Ok(listed_until)
}

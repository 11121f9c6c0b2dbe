use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    approvals, engagements, manager_assets, obligation_waivers, user_divisions, user_roles, users,
};
use super::{new_id, DbConnection};
use crate::domain::Role;
use crate::error::AppResult;
use crate::policy::access::Visibility;
use crate::policy::approvals::ApprovalState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = approvals)]
pub struct Approval {
    pub id: String,
    pub engagement_id: String,
    pub rule_id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub requested_by: String,
    pub requested_at: chrono::NaiveDateTime,
    pub note: String,
    pub approver_role: String,
    pub approver_division_id: Option<String>,
    pub state: ApprovalState,
    pub confirmations: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub decision_reason: Option<String>,
}

/// What a deadline says of a request: columns the `approvals_pending` index holds, so
/// that the requests a person or the reminder sweep waits on are read from that index
/// alone, in its order, and no row of the table.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = approvals)]
pub struct ApprovalSummary {
    pub id: String,
    pub engagement_id: String,
    pub rule_id: String,
    pub subject_name: String,
    pub requested_at: chrono::NaiveDateTime,
    pub approver_role: String,
    pub approver_division_id: Option<String>,
    pub state: ApprovalState,
}

impl From<&Approval> for ApprovalSummary {
    fn from(a: &Approval) -> Self {
        ApprovalSummary {
            id: a.id.clone(),
            engagement_id: a.engagement_id.clone(),
            rule_id: a.rule_id.clone(),
            subject_name: a.subject_name.clone(),
            requested_at: a.requested_at,
            approver_role: a.approver_role.clone(),
            approver_division_id: a.approver_division_id.clone(),
            state: a.state,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = manager_assets)]
pub struct ManagerAsset {
    pub id: String,
    pub engagement_id: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub recorded_by: String,
    pub recorded_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, approval: &Approval) -> AppResult<()> {
    diesel::insert_into(approvals::table)
        .values(approval)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<Approval>> {
    Ok(approvals::table
        .find(id)
        .select(Approval::as_select())
        .first(conn)
        .optional()?)
}

pub fn for_engagement(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<Approval>> {
    Ok(approvals::table
        .filter(approvals::engagement_id.eq(engagement_id))
        .order(approvals::id.asc())
        .select(Approval::as_select())
        .load(conn)?)
}

/// Requests on engagements the actor may see, optionally in one state, oldest first.
pub fn list(
    conn: &mut DbConnection,
    visibility: &Visibility,
    state: Option<&str>,
) -> AppResult<Vec<Approval>> {
    let mut q = approvals::table.inner_join(engagements::table).into_boxed();
    if let Visibility::Divisions(ids) = visibility {
        q = q.filter(engagements::division_id.eq_any(ids.clone()));
    }
    if let Some(s) = state {
        q = q.filter(approvals::state.eq(s.to_string()));
    }
    Ok(q.order(approvals::id.asc())
        .select(Approval::as_select())
        .load(conn)?)
}

/// Records a decision on a request still pending; false when it was decided meanwhile.
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    state: &str,
    by: &str,
    reason: &str,
    confirmations: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let changed = diesel::update(
        approvals::table
            .filter(approvals::id.eq(id))
            .filter(approvals::state.eq("pending")),
    )
    .set((
        approvals::state.eq(state),
        approvals::decided_by.eq(Some(by)),
        approvals::decided_at.eq(Some(now)),
        approvals::decision_reason.eq(Some(reason)),
        approvals::confirmations.eq(confirmations),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Active security officers of a division (where an request may go).
pub fn division_officers(conn: &mut DbConnection, division_id: &str) -> AppResult<Vec<String>> {
    Ok(users::table
        .inner_join(user_roles::table)
        .inner_join(user_divisions::table)
        .filter(users::active.eq(true))
        .filter(user_roles::role.eq(Role::SecurityOfficer.as_str()))
        .filter(user_divisions::division_id.eq(division_id))
        .select(users::id)
        .load(conn)?)
}

pub fn insert_asset(
    conn: &mut DbConnection,
    engagement_id: &str,
    kind: &str,
    name: &str,
    description: &str,
    by: &str,
    now: NaiveDateTime,
) -> AppResult<ManagerAsset> {
    let row = ManagerAsset {
        id: new_id(),
        engagement_id: engagement_id.to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        recorded_by: by.to_string(),
        recorded_at: now,
    };
    diesel::insert_into(manager_assets::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn assets(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<ManagerAsset>> {
    Ok(manager_assets::table
        .filter(manager_assets::engagement_id.eq(engagement_id))
        .order(manager_assets::id.asc())
        .select(ManagerAsset::as_select())
        .load(conn)?)
}

pub fn find_asset(
    conn: &mut DbConnection,
    engagement_id: &str,
    id: &str,
) -> AppResult<Option<ManagerAsset>> {
    Ok(manager_assets::table
        .filter(manager_assets::engagement_id.eq(engagement_id))
        .filter(manager_assets::id.eq(id))
        .select(ManagerAsset::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = obligation_waivers)]
pub struct WaiverRow {
    pub id: String,
    pub engagement_id: String,
    pub rule_id: String,
    /// '' when the rule applies to the engagement as a whole.
    pub subject_id: String,
    pub reason: String,
    /// Who asked for it.
    pub waived_by: String,
    pub waived_at: chrono::NaiveDateTime,
    /// `pending`, `approved` or `rejected` (an `ApprovalState`).
    pub state: crate::policy::approvals::ApprovalState,
    /// The second person who decided it.
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub decision_reason: Option<String>,
    /// The last day it stands; the obligation is owed again after it.
    pub expires_on: Option<chrono::NaiveDate>,
}

pub fn insert_waiver(conn: &mut DbConnection, row: &WaiverRow) -> AppResult<()> {
    diesel::insert_into(obligation_waivers::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_waiver(
    conn: &mut DbConnection,
    engagement_id: &str,
    id: &str,
) -> AppResult<Option<WaiverRow>> {
    Ok(obligation_waivers::table
        .filter(obligation_waivers::engagement_id.eq(engagement_id))
        .filter(obligation_waivers::id.eq(id))
        .select(WaiverRow::as_select())
        .first(conn)
        .optional()?)
}

/// An engagement's waivers, the latest request first.
pub fn waivers_of(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<WaiverRow>> {
    Ok(obligation_waivers::table
        .filter(obligation_waivers::engagement_id.eq(engagement_id))
        .order((
            obligation_waivers::waived_at.desc(),
            obligation_waivers::id.desc(),
        ))
        .select(WaiverRow::as_select())
        .load(conn)?)
}

/// Records the decision on a pending waiver; `false` when it was decided meanwhile.
pub fn decide_waiver(
    conn: &mut DbConnection,
    id: &str,
    state: crate::policy::approvals::ApprovalState,
    decided_by: &str,
    decided_at: chrono::NaiveDateTime,
    reason: Option<&str>,
    expires_on: Option<chrono::NaiveDate>,
) -> AppResult<bool> {
    let n = diesel::update(
        obligation_waivers::table
            .filter(obligation_waivers::id.eq(id))
            .filter(obligation_waivers::state.eq("pending")),
    )
    .set((
        obligation_waivers::state.eq(state.as_str()),
        obligation_waivers::decided_by.eq(decided_by),
        obligation_waivers::decided_at.eq(decided_at),
        obligation_waivers::decision_reason.eq(reason),
        obligation_waivers::expires_on.eq(expires_on),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Every request waiting for a decision, with the names of its engagement, handed to
/// `each` as the rows are read: what the reminder sweep looks at, tens of thousands of
/// requests in a large register.
pub fn each_pending(
    conn: &mut DbConnection,
    mut each: impl FnMut(ApprovalSummary, super::engagements::EngagementNames),
) -> AppResult<()> {
    let rows = approvals::table
        .inner_join(engagements::table)
        .filter(approvals::state.eq(ApprovalState::Pending.as_str()))
        .select((
            ApprovalSummary::as_select(),
            super::engagements::EngagementNames::as_select(),
        ))
        .load_iter::<_, diesel::connection::DefaultLoadingMode>(conn)?;
    for row in rows {
        let (approval, engagement) = row?;
        each(approval, engagement);
    }
    Ok(())
}

/// The requests waiting for a decision whose approver holds one of `roles`, asked of the
/// whole organisation or of one of `division_ids` (what a person in them may decide), in
/// the order of their ids. Their engagements are the caller's to name
/// ([`super::engagements::names`]): a person's obligations and requests often share them.
pub fn pending_for_roles(
    conn: &mut DbConnection,
    roles: &[String],
    division_ids: &[String],
) -> AppResult<Vec<ApprovalSummary>> {
    let pending = || {
        approvals::table
            .filter(approvals::state.eq(ApprovalState::Pending.as_str()))
            .filter(approvals::approver_role.eq_any(roles))
            .select(ApprovalSummary::as_select())
            .into_boxed()
    };
    // Those of the whole organisation, then those of the divisions: each a range of the
    // `approvals_pending` index. One "division IS NULL OR IN (…)" read every pending
    // request of the role and its row to decide (18,000 of a security officer's at
    // 100,000 engagements, for the 26 of one division).
    let mut rows: Vec<ApprovalSummary> = pending()
        .filter(approvals::approver_division_id.is_null())
        .load(conn)?;
    if !division_ids.is_empty() {
        rows.extend(
            pending()
                .filter(approvals::approver_division_id.eq_any(division_ids))
                .load::<ApprovalSummary>(conn)?,
        );
    }
    rows.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}

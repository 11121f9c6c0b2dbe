//! A cloud provider's subprocessor changes and the links it reports them through
//! (`policy::subprocessors`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{subprocessor_changes as changes, subprocessor_links as links};
use super::DbConnection;
use crate::error::AppResult;
use crate::policy::subprocessors::ChangeKind;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = changes)]
pub struct ChangeRow {
    pub id: String,
    pub engagement_id: String,
    pub kind: ChangeKind,
    pub name: String,
    pub purpose: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub effective_on: NaiveDate,
    /// `vendor` or `staff`.
    pub reporter_kind: String,
    /// The vendor contact's email, or the staff member's user id.
    pub reported_by: String,
    pub reported_at: NaiveDateTime,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = links)]
pub struct LinkRow {
    pub id: String,
    pub engagement_id: String,
    pub token_hash: String,
    pub sent_to_name: String,
    pub sent_to_email: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_change(conn: &mut DbConnection, row: &ChangeRow) -> AppResult<()> {
    diesel::insert_into(changes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// An engagement's changes, oldest first (the order the list is made in).
pub fn of_engagement(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<ChangeRow>> {
    Ok(changes::table
        .filter(changes::engagement_id.eq(engagement_id))
        .order((changes::reported_at.asc(), changes::id.asc()))
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// The changes of several engagements, oldest first.
pub fn of_engagements(
    conn: &mut DbConnection,
    engagement_ids: &[&str],
) -> AppResult<Vec<ChangeRow>> {
    if engagement_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(changes::table
        .filter(changes::engagement_id.eq_any(engagement_ids))
        .order((changes::reported_at.asc(), changes::id.asc()))
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// Acknowledges a change not yet acknowledged; false when it was meanwhile.
pub fn acknowledge(
    conn: &mut DbConnection,
    engagement_id: &str,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(
        changes::table
            .filter(changes::id.eq(id))
            .filter(changes::engagement_id.eq(engagement_id))
            .filter(changes::acknowledged_by.is_null()),
    )
    .set((
        changes::acknowledged_by.eq(by),
        changes::acknowledged_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A new link for the engagement; any earlier one stops working.
pub fn replace_link(conn: &mut DbConnection, row: &LinkRow) -> AppResult<()> {
    diesel::update(
        links::table
            .filter(links::engagement_id.eq(&row.engagement_id))
            .filter(links::revoked_at.is_null()),
    )
    .set(links::revoked_at.eq(row.created_at))
    .execute(conn)?;
    diesel::insert_into(links::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The live link with this hash.
pub fn live_link(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> AppResult<Option<LinkRow>> {
    Ok(links::table
        .filter(links::token_hash.eq(token_hash))
        .filter(links::revoked_at.is_null())
        .filter(links::expires_at.gt(now))
        .select(LinkRow::as_select())
        .first(conn)
        .optional()?)
}

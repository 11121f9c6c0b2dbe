//! A cloud service's division-of-responsibility matrices (`policy::responsibility`):
//! numbered versions, their portal link and what the provider and the approver said.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::responsibility_versions as versions;
use super::DbConnection;
use crate::error::{AppError, AppResult};
use crate::policy::responsibility::{Entry, ServiceModel, VendorDecision};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = versions)]
pub struct MatrixRow {
    pub id: String,
    pub engagement_id: String,
    pub version: i32,
    pub service_model: ServiceModel,
    pub origin: String,
    /// `Vec<Entry>` as JSON.
    pub entries: String,
    pub change_summary: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    pub sent_to_name: Option<String>,
    pub sent_to_email: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub token_hash: Option<String>,
    pub token_expires_at: Option<NaiveDateTime>,
    pub vendor_decision: Option<VendorDecision>,
    pub vendor_signed_name: Option<String>,
    pub vendor_comment: Option<String>,
    pub vendor_decided_at: Option<NaiveDateTime>,
    pub approved_by: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
}

impl MatrixRow {
    /// The matrix as recorded; a stored value that no longer parses fails the read.
    pub fn entries(&self) -> AppResult<Vec<Entry>> {
        serde_json::from_str(&self.entries).map_err(|e| {
            AppError::Internal(format!("matrix version {} does not parse: {e}", self.id))
        })
    }
}

/// Adds a version; two people recording the next version at once: the second is told.
pub fn insert(conn: &mut DbConnection, row: &MatrixRow) -> AppResult<()> {
    diesel::insert_into(versions::table)
        .values(row)
        .execute(conn)
        .map_err(super::version_taken)?;
    Ok(())
}

/// An engagement's versions, the newest first.
pub fn of_engagement(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<MatrixRow>> {
    Ok(versions::table
        .filter(versions::engagement_id.eq(engagement_id))
        .order(versions::version.desc())
        .select(MatrixRow::as_select())
        .load(conn)?)
}

/// The version a portal link opens, by the link's hash.
pub fn by_token(conn: &mut DbConnection, token_hash: &str) -> AppResult<Option<MatrixRow>> {
    Ok(versions::table
        .filter(versions::token_hash.eq(token_hash))
        .select(MatrixRow::as_select())
        .first(conn)
        .optional()?)
}

/// Sends a version: to whom, and the new link's hash (any earlier link of it stops
/// working).
pub fn mark_sent(
    conn: &mut DbConnection,
    id: &str,
    to: (&str, &str),
    token_hash: &str,
    at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(versions::table.filter(versions::id.eq(id)))
        .set((
            versions::sent_to_name.eq(to.0),
            versions::sent_to_email.eq(to.1),
            versions::sent_at.eq(at),
            versions::token_hash.eq(token_hash),
            versions::token_expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the provider's answer to a version not yet answered, and ends its link;
/// false when it was answered meanwhile.
pub fn decide_as_vendor(
    conn: &mut DbConnection,
    id: &str,
    decision: VendorDecision,
    signed_name: &str,
    comment: Option<&str>,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(
        versions::table
            .filter(versions::id.eq(id))
            .filter(versions::vendor_decision.is_null()),
    )
    .set((
        versions::vendor_decision.eq(decision),
        versions::vendor_signed_name.eq(signed_name),
        versions::vendor_comment.eq(comment),
        versions::vendor_decided_at.eq(at),
        versions::token_hash.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records the approval of a confirmed version not yet approved; false when it was
/// approved meanwhile.
pub fn approve(
    conn: &mut DbConnection,
    id: &str,
    approved_by: &str,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(
        versions::table
            .filter(versions::id.eq(id))
            .filter(versions::approved_by.is_null()),
    )
    .set((
        versions::approved_by.eq(approved_by),
        versions::approved_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

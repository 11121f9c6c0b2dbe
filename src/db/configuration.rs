//! A cloud service's configuration records (`policy::configuration`): numbered versions,
//! written once; only the approval is added afterwards.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::configuration_versions as versions;
use super::DbConnection;
use crate::error::{AppError, AppResult};
use crate::policy::configuration::Configuration;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = versions)]
pub struct VersionRow {
    pub id: String,
    pub engagement_id: String,
    pub version: i32,
    /// `Configuration` as JSON.
    pub content: String,
    pub change_summary: String,
    pub recorded_by: String,
    pub recorded_on: NaiveDate,
    pub recorded_at: NaiveDateTime,
    pub approved_by: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
}

impl VersionRow {
    /// The configuration as recorded; a stored value that no longer parses fails the
    /// read rather than being shown wrong.
    pub fn configuration(&self) -> AppResult<Configuration> {
        serde_json::from_str(&self.content).map_err(|e| {
            AppError::Internal(format!(
                "configuration version {} does not parse: {e}",
                self.id
            ))
        })
    }
}

/// Adds a version. Two people recording the next version of one engagement at the same
/// moment: the second is told to look again rather than given a 500.
pub fn insert(conn: &mut DbConnection, row: &VersionRow) -> AppResult<()> {
    diesel::insert_into(versions::table)
        .values(row)
        .execute(conn)
        .map_err(super::version_taken)?;
    Ok(())
}

/// An engagement's versions, the newest first.
pub fn of_engagement(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<VersionRow>> {
    Ok(versions::table
        .filter(versions::engagement_id.eq(engagement_id))
        .order(versions::version.desc())
        .select(VersionRow::as_select())
        .load(conn)?)
}

pub fn find(
    conn: &mut DbConnection,
    engagement_id: &str,
    version: i32,
) -> AppResult<Option<VersionRow>> {
    Ok(versions::table
        .filter(versions::engagement_id.eq(engagement_id))
        .filter(versions::version.eq(version))
        .select(VersionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records the approval of a version not yet approved; false when it was approved
/// meanwhile.
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

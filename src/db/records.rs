//! The records staff keep on an engagement (`policy::records`): written once, never
//! changed; listed newest first.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::engagement_records;
use super::DbConnection;
use crate::error::{AppError, AppResult};
use crate::policy::records::{RecordDetails, RecordKind};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = engagement_records)]
pub struct RecordRow {
    pub id: String,
    pub engagement_id: String,
    pub kind: RecordKind,
    pub occurred_on: NaiveDate,
    pub recorded_by: String,
    pub delegated_by: Option<String>,
    /// `RecordDetails` as JSON.
    pub details: String,
    pub recorded_at: NaiveDateTime,
}

impl RecordRow {
    /// The record's own fields; a stored value that no longer parses, or that is of
    /// another kind than its row says, fails the read rather than being shown wrong.
    pub fn details(&self) -> AppResult<RecordDetails> {
        let details: RecordDetails = serde_json::from_str(&self.details)
            .map_err(|e| AppError::Internal(format!("record {} does not parse: {e}", self.id)))?;
        if details.kind() != self.kind {
            return Err(AppError::Internal(format!(
                "record {} is stored as {} but holds {}",
                self.id,
                self.kind,
                details.kind()
            )));
        }
        Ok(details)
    }
}

pub fn insert(conn: &mut DbConnection, row: &RecordRow) -> AppResult<()> {
    diesel::insert_into(engagement_records::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// An engagement's records, the latest first.
pub fn of_engagement(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<RecordRow>> {
    Ok(engagement_records::table
        .filter(engagement_records::engagement_id.eq(engagement_id))
        .order((
            engagement_records::occurred_on.desc(),
            engagement_records::recorded_at.desc(),
        ))
        .select(RecordRow::as_select())
        .load(conn)?)
}

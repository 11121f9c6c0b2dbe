//! The records staff keep on an engagement (`policy::records`): written once, never
//! changed; listed newest first.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{engagement_record_files, engagement_records};
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

/// A file attached to a record, with its content.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = engagement_record_files)]
pub struct RecordFileRow {
    pub id: String,
    pub record_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

/// What is listed of a file: everything but its content.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = engagement_record_files)]
pub struct RecordFileMeta {
    pub id: String,
    pub record_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn find(
    conn: &mut DbConnection,
    engagement_id: &str,
    id: &str,
) -> AppResult<Option<RecordRow>> {
    Ok(engagement_records::table
        .filter(engagement_records::engagement_id.eq(engagement_id))
        .filter(engagement_records::id.eq(id))
        .select(RecordRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_file(conn: &mut DbConnection, row: &RecordFileRow) -> AppResult<()> {
    diesel::insert_into(engagement_record_files::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The files of an engagement's records, oldest first, without their content.
pub fn files_of_engagement(
    conn: &mut DbConnection,
    engagement_id: &str,
) -> AppResult<Vec<RecordFileMeta>> {
    Ok(engagement_record_files::table
        .inner_join(engagement_records::table)
        .filter(engagement_records::engagement_id.eq(engagement_id))
        .order((
            engagement_record_files::uploaded_at.asc(),
            engagement_record_files::id.asc(),
        ))
        .select(RecordFileMeta::as_select())
        .load(conn)?)
}

pub fn find_file(
    conn: &mut DbConnection,
    record_id: &str,
    id: &str,
) -> AppResult<Option<RecordFileRow>> {
    Ok(engagement_record_files::table
        .filter(engagement_record_files::record_id.eq(record_id))
        .filter(engagement_record_files::id.eq(id))
        .select(RecordFileRow::as_select())
        .first(conn)
        .optional()?)
}

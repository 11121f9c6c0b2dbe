//! The completion records (終了確認書) as issued: written once, never changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::completion_records;
use super::DbConnection;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = completion_records)]
pub struct CompletionRecord {
    pub engagement_id: String,
    pub issued_at: NaiveDateTime,
    pub html_ja: String,
    pub html_en: String,
    pub docx_ja: Vec<u8>,
    pub docx_en: Vec<u8>,
    pub sha256_html_ja: String,
    pub sha256_docx_ja: String,
}

/// Stores a record; `false` when the engagement already has one (it is kept as issued).
pub fn insert(conn: &mut DbConnection, record: &CompletionRecord) -> AppResult<bool> {
    if find(conn, &record.engagement_id)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(completion_records::table)
        .values(record)
        .execute(conn)?;
    Ok(true)
}

pub fn find(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Option<CompletionRecord>> {
    Ok(completion_records::table
        .find(engagement_id)
        .select(CompletionRecord::as_select())
        .first(conn)
        .optional()?)
}

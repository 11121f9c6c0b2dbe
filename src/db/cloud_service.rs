//! A cloud service's ISMAP listing and data location (`policy::cloud_service`), each
//! change a new row.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::cloud_service_records as records;
use super::DbConnection;
use crate::domain::engagement::wire_enum;
use crate::error::{AppError, AppResult};

wire_enum! {
    /// What a row records.
    CloudRecordKind {
        IsmapListing => "ismap_listing",
        DataLocation => "data_location",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = records)]
pub struct CloudRecordRow {
    pub id: String,
    pub engagement_id: String,
    pub kind: CloudRecordKind,
    /// The typed record as JSON.
    pub content: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

impl CloudRecordRow {
    /// The typed record; a stored value that no longer parses fails the read.
    pub fn parsed<T: serde::de::DeserializeOwned>(&self) -> AppResult<T> {
        serde_json::from_str(&self.content).map_err(|e| {
            AppError::Internal(format!(
                "cloud service record {} does not parse: {e}",
                self.id
            ))
        })
    }
}

pub fn insert(conn: &mut DbConnection, row: &CloudRecordRow) -> AppResult<()> {
    diesel::insert_into(records::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The rows of these engagements, the newest first.
pub fn of_engagements(
    conn: &mut DbConnection,
    engagement_ids: &[&str],
) -> AppResult<Vec<CloudRecordRow>> {
    if engagement_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(records::table
        .filter(records::engagement_id.eq_any(engagement_ids))
        .order((records::recorded_at.desc(), records::id.desc()))
        .select(CloudRecordRow::as_select())
        .load(conn)?)
}

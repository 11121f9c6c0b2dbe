use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::contracts;
use super::{new_id, DbConnection};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contracts)]
pub struct Contract {
    pub id: String,
    pub engagement_id: String,
    pub reference_number: String,
    pub signed_on: NaiveDate,
    /// JSON array of clause IDs.
    pub clause_ids: String,
    pub template_version: String,
    pub recorded_by: String,
    pub recorded_at: chrono::NaiveDateTime,
}

impl Contract {
    pub fn clause_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.clause_ids).unwrap_or_default()
    }
}

pub struct NewContract<'a> {
    pub engagement_id: &'a str,
    pub reference_number: &'a str,
    pub signed_on: NaiveDate,
    pub clause_ids: &'a [String],
    pub template_version: &'a str,
    pub recorded_by: &'a str,
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewContract,
    now: NaiveDateTime,
) -> AppResult<Contract> {
    let row = Contract {
        id: new_id(),
        engagement_id: new.engagement_id.to_string(),
        reference_number: new.reference_number.to_string(),
        signed_on: new.signed_on,
        clause_ids: serde_json::to_string(new.clause_ids)
            .map_err(|e| crate::error::AppError::Internal(format!("storing clause ids: {e}")))?,
        template_version: new.template_version.to_string(),
        recorded_by: new.recorded_by.to_string(),
        recorded_at: now,
    };
    diesel::insert_into(contracts::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Every contract of an engagement, the one in force (signed last) first.
pub fn list(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<Contract>> {
    Ok(contracts::table
        .filter(contracts::engagement_id.eq(engagement_id))
        .order((contracts::signed_on.desc(), contracts::recorded_at.desc()))
        .select(Contract::as_select())
        .load(conn)?)
}

pub fn current(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Option<Contract>> {
    Ok(list(conn, engagement_id)?.into_iter().next())
}

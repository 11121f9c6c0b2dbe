use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::information_items;
use super::{new_id, DbConnection};
use crate::domain::{BoundedText, ClassificationLevel};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = information_items)]
pub struct InformationItem {
    pub id: String,
    pub engagement_id: String,
    pub name: String,
    pub description: String,
    pub level: i16,
    pub provided_to_vendor: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// an information item the engagement handles, with its level.
#[derive(Debug, Clone)]
pub struct ItemFields {
    pub name: BoundedText,
    pub description: BoundedText,
    pub level: ClassificationLevel,
    pub provided_to_vendor: bool,
}

pub fn list(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Vec<InformationItem>> {
    Ok(information_items::table
        .filter(information_items::engagement_id.eq(engagement_id))
        .order(information_items::id.asc())
        .select(InformationItem::as_select())
        .load(conn)?)
}

pub fn find(
    conn: &mut DbConnection,
    engagement_id: &str,
    id: &str,
) -> AppResult<Option<InformationItem>> {
    Ok(information_items::table
        .filter(information_items::engagement_id.eq(engagement_id))
        .filter(information_items::id.eq(id))
        .select(InformationItem::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(
    conn: &mut DbConnection,
    engagement_id: &str,
    fields: &ItemFields,
    now: NaiveDateTime,
) -> AppResult<InformationItem> {
    let item = InformationItem {
        id: new_id(),
        engagement_id: engagement_id.to_string(),
        name: fields.name.as_str().to_string(),
        description: fields.description.as_str().to_string(),
        level: fields.level.rank(),
        provided_to_vendor: fields.provided_to_vendor,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(information_items::table)
        .values(&item)
        .execute(conn)?;
    Ok(item)
}

pub fn update(
    conn: &mut DbConnection,
    id: &str,
    fields: &ItemFields,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(information_items::table.find(id))
        .set((
            information_items::name.eq(fields.name.as_str()),
            information_items::description.eq(fields.description.as_str()),
            information_items::level.eq(fields.level.rank()),
            information_items::provided_to_vendor.eq(fields.provided_to_vendor),
            information_items::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::delete(information_items::table.find(id)).execute(conn)?;
    Ok(())
}

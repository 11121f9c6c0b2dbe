//! Confirmed access reviews (R-5.5.3.6).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{access_reviews, users};
use super::{new_id, DbConnection};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_reviews)]
pub struct AccessReview {
    pub id: String,
    pub confirmed_by: String,
    pub confirmed_at: NaiveDateTime,
    pub users_count: i32,
    pub stale_count: i32,
    pub note: String,
}

pub fn insert(
    conn: &mut DbConnection,
    confirmed_by: &str,
    users_count: i32,
    stale_count: i32,
    note: &str,
    now: NaiveDateTime,
) -> AppResult<AccessReview> {
    let review = AccessReview {
        id: new_id(),
        confirmed_by: confirmed_by.to_string(),
        confirmed_at: now,
        users_count,
        stale_count,
        note: note.to_string(),
    };
    diesel::insert_into(access_reviews::table)
        .values((
            access_reviews::id.eq(&review.id),
            access_reviews::confirmed_by.eq(&review.confirmed_by),
            access_reviews::confirmed_at.eq(review.confirmed_at),
            access_reviews::users_count.eq(users_count),
            access_reviews::stale_count.eq(stale_count),
            access_reviews::note.eq(&review.note),
        ))
        .execute(conn)?;
    Ok(review)
}

/// The latest review with the name of who confirmed it.
pub fn latest(conn: &mut DbConnection) -> AppResult<Option<(AccessReview, String)>> {
    Ok(access_reviews::table
        .inner_join(users::table)
        .order(access_reviews::confirmed_at.desc())
        .select((AccessReview::as_select(), users::display_name))
        .first(conn)
        .optional()?)
}

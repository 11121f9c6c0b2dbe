//! Session cookies and API tokens. Both are random secrets handed to the client once;
//! only their SHA-256 is stored, so a copy of the database signs nobody in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, sessions, users};
use super::users::User;
use super::{new_id, now_utc, DbConnection};
use crate::error::AppResult;

/// How stale `last_seen_at` / `last_used_at` may get before a request writes it again:
/// keeps reads from turning into writes on every request.
const TOUCH_EVERY_SECS: i64 = 60;

pub fn create_session(
    conn: &mut DbConnection,
    user_id: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> AppResult<String> {
    let id = new_id();
    let now = now_utc();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::user_id.eq(user_id),
            sessions::token_hash.eq(token_hash),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The active user of a live session: not revoked, not past its absolute expiry, used
/// within the idle window.
pub fn session_user(
    conn: &mut DbConnection,
    token_hash: &str,
    idle: chrono::Duration,
) -> AppResult<Option<User>> {
    let now = now_utc();
    let found: Option<(String, NaiveDateTime, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(users::active.eq(true))
        .select((sessions::id, sessions::last_seen_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((id, last_seen, user)) = found else {
        return Ok(None);
    };
    if (now - last_seen).num_seconds() >= TOUCH_EVERY_SECS {
        diesel::update(sessions::table.find(&id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(user))
}

pub fn revoke_session(conn: &mut DbConnection, token_hash: &str) -> AppResult<()> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::revoked_at.eq(Some(now_utc())))
        .execute(conn)?;
    Ok(())
}

pub fn create_token(
    conn: &mut DbConnection,
    user_id: &str,
    name: &str,
    token_hash: &str,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(&id),
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(now_utc()),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn token_user(conn: &mut DbConnection, token_hash: &str) -> AppResult<Option<User>> {
    let found: Option<(String, Option<NaiveDateTime>, User)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::active.eq(true))
        .select((api_tokens::id, api_tokens::last_used_at, User::as_select()))
        .first(conn)
        .optional()?;
    let Some((id, last_used, user)) = found else {
        return Ok(None);
    };
    let now = now_utc();
    if last_used.is_none_or(|t| (now - t).num_seconds() >= TOUCH_EVERY_SECS) {
        diesel::update(api_tokens::table.find(&id))
            .set(api_tokens::last_used_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(Some(user))
}

//! Session cookies and API tokens. Both are random secrets handed to the client once;
//! only their SHA-256 is stored, so a copy of the database signs nobody in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, sessions, users};
use super::users::User;
use super::{new_id, DbConnection};
use crate::error::AppResult;

/// How stale `last_seen_at` / `last_used_at` may get before a request writes it again:
/// keeps reads from turning into writes on every request.
const TOUCH_EVERY_SECS: i64 = 60;

/// A session as the sign-in flow needs it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub stage: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub struct NewSession<'a> {
    pub user_id: &'a str,
    pub token_hash: &'a str,
    pub expires_at: NaiveDateTime,
    pub stage: &'a str,
    pub address: &'a str,
}

pub fn create_session(
    conn: &mut DbConnection,
    new: &NewSession,
    now: NaiveDateTime,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::user_id.eq(new.user_id),
            sessions::token_hash.eq(new.token_hash),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(new.expires_at),
            sessions::stage.eq(new.stage),
            sessions::address.eq(Some(new.address)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A live session, at whatever stage, with its active user: not revoked, not past its
/// absolute expiry, used within the idle window.
pub fn live_session(
    conn: &mut DbConnection,
    token_hash: &str,
    idle: chrono::Duration,
    now: NaiveDateTime,
) -> AppResult<Option<(Session, User)>> {
    let found: Option<(Session, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(users::active.eq(true))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()?;
    let Some((session, user)) = found else {
        return Ok(None);
    };
    if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
        diesel::update(sessions::table.find(&session.id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((session, user)))
}

/// The user of a live session that has passed every sign-in stage.
pub fn session_user(
    conn: &mut DbConnection,
    token_hash: &str,
    idle: chrono::Duration,
    now: NaiveDateTime,
) -> AppResult<Option<User>> {
    Ok(live_session(conn, token_hash, idle, now)?
        .filter(|(s, _)| s.stage == "complete")
        .map(|(_, u)| u))
}

/// Ends a session by id (when a stage is passed, the session is replaced by a new one
/// with a new secret, so that a secret seen before sign-in completed is worth nothing).
pub fn revoke_session_id(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::revoked_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// Every session of the user ends (after a password change; API tokens stay).
pub fn revoke_user_sessions(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// R-5.5.3.4: every session and token of the user ends at once (deactivation, a reset of
/// the second factor).
pub fn revoke_user(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// An API token as the access review shows it (never the secret, which is not kept).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = api_tokens)]
pub struct TokenInfo {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// The unrevoked tokens of every user.
pub fn live_tokens(conn: &mut DbConnection) -> AppResult<Vec<TokenInfo>> {
    Ok(api_tokens::table
        .filter(api_tokens::revoked_at.is_null())
        .order(api_tokens::created_at.asc())
        .select(TokenInfo::as_select())
        .load(conn)?)
}

pub fn create_token(
    conn: &mut DbConnection,
    user_id: &str,
    name: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(&id),
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn token_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> AppResult<Option<User>> {
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
    if last_used.is_none_or(|t| (now - t).num_seconds() >= TOUCH_EVERY_SECS) {
        diesel::update(api_tokens::table.find(&id))
            .set(api_tokens::last_used_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(Some(user))
}

/// The value every change to tokens, people, roles and divisions bumps (by trigger): a
/// cache of resolved tokens is stale once it moves.
pub fn auth_generation(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(super::schema::auth_generation::table
        .find(1)
        .select(super::schema::auth_generation::generation)
        .first(conn)?)
}

//! The TOTP secret and recovery codes of each user (R-5.5.3.2).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{recovery_codes, users};
use super::{new_id, DbConnection};
use crate::error::AppResult;

/// Keeps a secret shown to the user until they confirm it with a code.
pub fn begin_enrolment(conn: &mut DbConnection, user_id: &str, secret: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::totp_pending_secret.eq(Some(secret)))
        .execute(conn)?;
    Ok(())
}

/// Makes the pending secret the user's second factor, `step` being the code just used.
pub fn confirm_enrolment(
    conn: &mut DbConnection,
    user_id: &str,
    secret: &str,
    step: i64,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::totp_secret.eq(Some(secret)),
            users::totp_pending_secret.eq(None::<String>),
            users::totp_enabled_at.eq(Some(now)),
            users::totp_last_step.eq(Some(step)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records `step` as used, unless it (or a later one) already was: false then, so that
/// two requests racing with the same code cannot both succeed.
pub fn consume_step(conn: &mut DbConnection, user_id: &str, step: i64) -> AppResult<bool> {
    let changed = diesel::update(
        users::table.find(user_id).filter(
            users::totp_last_step
                .is_null()
                .or(users::totp_last_step.lt(step)),
        ),
    )
    .set(users::totp_last_step.eq(Some(step)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Removes the second factor and its recovery codes; the user sets up a new one at the
/// next sign-in.
pub fn reset(conn: &mut DbConnection, user_id: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_pending_secret.eq(None::<String>),
            users::totp_enabled_at.eq(None::<chrono::NaiveDateTime>),
            users::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    Ok(())
}

/// Replaces every recovery code of the user with these (SHA-256 hex).
pub fn replace_recovery_codes(
    conn: &mut DbConnection,
    user_id: &str,
    hashes: &[String],
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    for hash in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(new_id()),
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses a recovery code: true when it was the user's and unused; it is then used up.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    user_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let changed = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn unused_recovery_codes(conn: &mut DbConnection, user_id: &str) -> AppResult<i64> {
    Ok(recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

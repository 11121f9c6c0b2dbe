//! Failed sign-ins, kept in the database so that every instance behind a load balancer
//! counts the same attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::sign_in_failures;
use super::{new_id, DbConnection};
use crate::error::AppResult;

pub fn record_failure(
    conn: &mut DbConnection,
    account: &str,
    address: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::id.eq(new_id()),
            sign_in_failures::account.eq(account),
            sign_in_failures::address.eq(address),
            sign_in_failures::failed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failures for the account and from the address since `since`, each oldest first.
pub fn failures(
    conn: &mut DbConnection,
    account: &str,
    address: &str,
    since: NaiveDateTime,
) -> AppResult<(Vec<NaiveDateTime>, Vec<NaiveDateTime>)> {
    let recent = sign_in_failures::table
        .filter(sign_in_failures::failed_at.gt(since))
        .filter(
            sign_in_failures::account
                .eq(account)
                .or(sign_in_failures::address.eq(address)),
        )
        .order(sign_in_failures::failed_at.asc())
        .select((
            sign_in_failures::account,
            sign_in_failures::address,
            sign_in_failures::failed_at,
        ))
        .load::<(String, String, NaiveDateTime)>(conn)?;
    let of_account = recent
        .iter()
        .filter(|(a, _, _)| a == account)
        .map(|(_, _, t)| *t)
        .collect();
    let from_address = recent
        .iter()
        .filter(|(_, ad, _)| ad == address)
        .map(|(_, _, t)| *t)
        .collect();
    Ok((of_account, from_address))
}

/// A successful sign-in forgives the account's earlier failures (not the address's: one
/// right guess from an address trying many accounts should not reset its count).
pub fn clear_account(conn: &mut DbConnection, account: &str) -> AppResult<()> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::account.eq(account)))
        .execute(conn)?;
    Ok(())
}

/// Drops failures too old to count for anything.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> AppResult<()> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::failed_at.lt(before)))
        .execute(conn)?;
    Ok(())
}

//! What a vendor contact reaches through a portal link, with no account: the link opened
//! (or refused, with bad links counted per address), and what the check page shows. The
//! vendor's form itself is saved by [`super::save`].

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use super::Context;
use crate::db::checks::{self as store, CheckRow, EvidenceMeta, TokenRow};
use crate::db::{throttle, DbConnection};
use crate::error::{AppError, AppResult};
use crate::policy::checks::{CheckState, Verdict};
use crate::policy::sign_in::{retry_after, Limits};
use crate::questionnaires::answers::RawAnswer;

/// Bad links are counted under this key, per address, like failed sign-ins.
const BAD_LINK: &str = "portal-link";

/// What opening a portal link of any kind came to.
pub enum Opened<T> {
    /// A live link, and what it opens.
    Found(T),
    /// Too many bad links from this address: wait this many seconds.
    Throttled(u64),
    /// Unknown, expired and revoked look the same, so a guess learns nothing.
    Invalid,
}

/// Opens a portal link of any kind (`find` looks it up) for `address`, unless the
/// address opened too many bad links lately; a link that opens nothing is counted. Every
/// kind of link shares the one count, so guessing at any of them is slowed alike.
pub fn open_counted<T>(
    conn: &mut DbConnection,
    address: &str,
    limits: Limits,
    now: NaiveDateTime,
    find: impl FnOnce(&mut DbConnection) -> AppResult<Option<T>>,
) -> AppResult<Opened<T>> {
    let since = now - chrono::Duration::from_std(limits.window).unwrap_or_default();
    let (_, from_address) = throttle::failures(conn, BAD_LINK, address, since)?;
    if let Some(wait) = retry_after(&from_address, now, limits) {
        return Ok(Opened::Throttled(wait));
    }
    Ok(match find(conn)? {
        Some(found) => Opened::Found(found),
        None => {
            bad_link(conn, address, now)?;
            Opened::Invalid
        }
    })
}

/// The check behind a live `token`, its use recorded.
pub fn open_check(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> AppResult<Option<(TokenRow, CheckRow)>> {
    let Some((link, check)) = super::open(conn, token, now)? else {
        return Ok(None);
    };
    store::touch_token(conn, &link.id, now)?;
    Ok(Some((link, check)))
}

/// Counts a link that opened nothing against the address.
fn bad_link(conn: &mut DbConnection, address: &str, now: NaiveDateTime) -> AppResult<()> {
    throttle::record_failure(conn, BAD_LINK, address, now)
}

/// What the check page shows beyond the check itself.
pub struct PageData {
    pub ctx: Context,
    pub answers: BTreeMap<String, RawAnswer>,
    pub evidence: Vec<EvidenceMeta>,
    /// The officer's comment when the check was returned and is being corrected.
    pub review_comment: Option<String>,
    pub question_comments: BTreeMap<String, String>,
}

/// The page's data, read in one snapshot.
pub fn page_data(conn: &mut DbConnection, check: &CheckRow) -> AppResult<PageData> {
    crate::db::snapshot(conn, |conn| {
        let ctx = super::context(conn, &check.engagement_id)?;
        let answers = super::raw_answers(conn, &check.id)?;
        let evidence = store::evidence(conn, &check.id)?;
        let last_return = store::reviews(conn, &check.id)?
            .into_iter()
            .rfind(|r| r.decision == Verdict::Return);
        let (review_comment, question_comments) = match last_return {
            Some(r) if matches!(check.state, CheckState::Returned | CheckState::InProgress) => (
                Some(r.comment).filter(|c| !c.is_empty()),
                serde_json::from_str(&r.question_comments).map_err(|e| {
                    AppError::Internal(format!("check {}: stored review comments: {e}", check.id))
                })?,
            ),
            _ => (None, BTreeMap::new()),
        };
        Ok(PageData {
            ctx,
            answers,
            evidence,
            review_comment,
            question_comments,
        })
    })
}

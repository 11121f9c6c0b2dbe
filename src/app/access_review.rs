//! The periodic access review (R-5.5.3.6): every account with its roles, divisions, last
//! sign-in and live API tokens, the ones unused for too long flagged; ROLE-CSM confirms it
//! and is reminded (at sign-in and on `GET /session`) when it is due.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::UserResponse;
use super::Tx;
use crate::audit::Event;
use crate::config::Config;
use crate::db::{access_reviews, sessions, users, DbConnection};
use crate::domain::{BoundedText, Role};
use crate::error::AppResult;
use crate::i18n::{Lang, Msg};
use crate::policy::access::{Action, Actor};
use crate::policy::access_review;
use crate::validate::Fields;

/// Something needing the signed-in person's attention, shown with their session.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notice {
    /// A stable code, e.g. `access_review_due`.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewedUser {
    #[serde(flatten)]
    pub user: UserResponse,
    pub tokens: Vec<TokenResponse>,
    /// Active, and not signed in for `stale_after_days` (counted from creation when never).
    pub stale: bool,
    /// Since when the account has not been used, when stale.
    pub unused_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LastReview {
    pub confirmed_by: String,
    pub confirmed_by_name: String,
    pub confirmed_at: DateTime<Utc>,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessReviewResponse {
    pub interval_days: u32,
    pub stale_after_days: u32,
    pub last_review: Option<LastReview>,
    /// The organisation's date by which the next review is to be confirmed.
    pub due_on: NaiveDate,
    pub overdue: bool,
    pub users: Vec<ReviewedUser>,
    pub stale_count: usize,
}

fn build(
    conn: &mut DbConnection,
    config: &Config,
    now: chrono::DateTime<Utc>,
) -> AppResult<AccessReviewResponse> {
    let members = users::list(
        conn,
        &users::UserFilter {
            division_id: None,
            role: None,
            active: None,
        },
    )?;
    let tokens = sessions::live_tokens(conn)?;
    let last = access_reviews::latest(conn)?;
    let today = config.date_at(now);
    let now = now.naive_utc();
    let s = &config.security;
    let due_on = due_on(config, last.as_ref().map(|(r, _)| r), today);
    let users: Vec<ReviewedUser> = members
        .into_iter()
        .map(|m| {
            let unused_since = access_review::stale_since(
                m.user.active,
                m.user.created_at,
                m.user.last_sign_in_at,
                s.stale_account_days,
                now,
            );
            let user_tokens = tokens
                .iter()
                .filter(|t| t.user_id == m.user.id)
                .map(|t| TokenResponse {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    created_at: t.created_at.and_utc(),
                    last_used_at: t.last_used_at.map(|x| x.and_utc()),
                })
                .collect();
            ReviewedUser {
                user: m.into(),
                tokens: user_tokens,
                stale: unused_since.is_some(),
                unused_since: unused_since.map(|t| t.and_utc()),
            }
        })
        .collect();
    let stale_count = users.iter().filter(|u| u.stale).count();
    Ok(AccessReviewResponse {
        interval_days: s.access_review_interval_days,
        stale_after_days: s.stale_account_days,
        last_review: last.map(|(r, name)| LastReview {
            confirmed_by: r.confirmed_by,
            confirmed_by_name: name,
            confirmed_at: r.confirmed_at.and_utc(),
            note: r.note,
        }),
        due_on,
        overdue: due_on < today,
        users,
        stale_count,
    })
}

/// What a signed-in staff member is to be reminded of: for ROLE-CSM, an access review
/// due within two weeks or overdue.
pub fn notices_for(
    conn: &mut DbConnection,
    config: &Config,
    member: &users::StaffMember,
    today: NaiveDate,
) -> AppResult<Vec<Notice>> {
    if !member.roles.contains(&Role::ChiefSystemManager) {
        return Ok(vec![]);
    }
    let last = access_reviews::latest(conn)?.map(|(r, _)| r);
    let due = due_on(config, last.as_ref(), today);
    if !access_review::remind(due, today) {
        return Ok(vec![]);
    }
    let message = Msg::new(
        format!("アクセス権の棚卸し（R-5.5.3.6）を{due}までに確認してください"),
        format!("Confirm the access review (R-5.5.3.6) by {due}"),
    );
    Ok(vec![Notice {
        code: if due < today {
            "access_review_overdue".into()
        } else {
            "access_review_due".into()
        },
        message: message.get(Lang::current()).to_string(),
    }])
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// What was checked and what was changed as a result.
    pub note: Option<String>,
}

/// The access review as it stands, for ROLE-CSM and those who oversee it.
pub fn show(
    conn: &mut DbConnection,
    config: &Config,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<AccessReviewResponse> {
    actor.authorize(Action::SeeAccessReview)?;
    build(conn, config, now)
}

/// ROLE-CSM confirms the review: recorded with the list as it stood, in the audit log.
pub fn confirm(
    tx: &mut Tx,
    config: &Config,
    actor: &Actor,
    body: ConfirmRequest,
) -> AppResult<AccessReviewResponse> {
    actor.authorize(Action::ConfirmAccessReview)?;
    let mut fields = Fields::new();
    let note = fields.check_opt(
        "note",
        body.note.as_deref().map(|n| BoundedText::parse(n, 2000)),
    );
    fields.finish()?;
    let note = note
        .flatten()
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    let now = tx.now();
    let seen = build(tx.conn(), config, now)?;
    let stale: Vec<&str> = seen
        .users
        .iter()
        .filter(|u| u.stale)
        .map(|u| u.user.id.as_str())
        .collect();
    let record = access_reviews::insert(
        tx.conn(),
        &actor.user_id,
        seen.users.len() as i32,
        seen.stale_count as i32,
        &note,
        now.naive_utc(),
    )?;
    tx.record(
        Event::new("access_review.confirm")
            .target("access_review", &record.id)
            .after(&serde_json::json!({
                "users": seen.users.iter().map(|u| serde_json::json!({
                    "id": u.user.id,
                    "email": u.user.email,
                    "active": u.user.active,
                    "roles": u.user.roles,
                    "divisions": u.user.divisions.iter().map(|d| &d.code).collect::<Vec<_>>(),
                    "tokens": u.tokens.len(),
                })).collect::<Vec<_>>(),
                "stale": stale,
                "note": note,
            })),
    );
    build(tx.conn(), config, now)
}

/// When the next access review is due (R-5.5.3.6), given the last one confirmed.
pub fn due_on(
    config: &Config,
    last: Option<&access_reviews::AccessReview>,
    today: NaiveDate,
) -> NaiveDate {
    access_review::due_on(
        last.map(|r| crate::compliance::local_date(r.confirmed_at, config.time_zone)),
        config.security.access_review_interval_days,
        today,
    )
}

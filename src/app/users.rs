//! Staff accounts (R-5.5.3.3/4): registering a staff member, changing their roles,
//! divisions and name or removing their access, and resetting a lost second factor
//! (R-5.5.3.2). For ROLE-CISO, ROLE-DCISO and ROLE-CSM; audited with the account before
//! and after.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::divisions::{unknown_division, DivisionResponse};
use super::Tx;
use crate::accounts::{self, NewStaff};
use crate::audit::Event;
use crate::db::{self, divisions, sessions, users};
use crate::domain::{BoundedText, DivisionCode, EmailAddress, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::policy::access::{Action, Actor};
use crate::validate::Fields;

/// Which staff members to list, each value as typed (the API's query and the accounts
/// page's filters alike); a blank value is no filter.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Division code.
    pub division: Option<String>,
    #[param(value_type = Option<Role>, inline)]
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// Staff members as `query` asks, by email; an unknown role or division is a 422 naming
/// the field.
pub fn list(conn: &mut db::DbConnection, query: &UserQuery) -> AppResult<Vec<UserResponse>> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let mut fields = Fields::new();
    let role = fields.check_opt("role", text(&query.role).as_deref().map(Role::parse));
    fields.finish()?;
    let division_id = super::divisions::division_filter(conn, text(&query.division).as_deref())?;
    let members = users::list(
        conn,
        &users::UserFilter {
            division_id,
            role: role.flatten(),
            active: query.active,
        },
    )?;
    Ok(members.into_iter().map(UserResponse::from).collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub divisions: Vec<DivisionResponse>,
    pub active: bool,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Whether a TOTP second factor is set up (R-5.5.3.2).
    pub second_factor: bool,
    /// `ja` or `en`: the language of their email.
    pub language: String,
}

impl From<users::StaffMember> for UserResponse {
    fn from(m: users::StaffMember) -> Self {
        UserResponse {
            id: m.user.id,
            email: m.user.email,
            display_name: m.user.display_name,
            roles: m.roles,
            divisions: m.divisions.into_iter().map(Into::into).collect(),
            active: m.user.active,
            last_sign_in_at: m.user.last_sign_in_at.map(|t| t.and_utc()),
            second_factor: m.user.totp_secret.is_some(),
            language: m.user.language.as_str().to_string(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// Role names, e.g. `security_officer`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Division codes; each must be registered.
    #[serde(default)]
    pub divisions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserResponse {
    pub user: UserResponse,
    /// Shown once, to be handed to the person in person; only its hash is kept.
    pub one_time_password: String,
}

/// Roles by name, at least one; each error names its index.
fn parse_roles(fields: &mut Fields, given: &[String]) -> Vec<Role> {
    if given.is_empty() {
        fields.push(
            "roles",
            "required",
            Msg::new(
                "役割を1つ以上指定してください",
                "At least one role is required",
            ),
        );
    }
    given
        .iter()
        .enumerate()
        .filter_map(|(i, r)| fields.check(&format!("roles[{i}]"), Role::parse(r)))
        .collect()
}

fn parse_division_codes(fields: &mut Fields, given: &[String]) -> Vec<DivisionCode> {
    given
        .iter()
        .enumerate()
        .filter_map(|(i, c)| fields.check(&format!("divisions[{i}]"), DivisionCode::parse(c)))
        .collect()
}

pub fn member(conn: &mut db::DbConnection, id: &str) -> AppResult<users::StaffMember> {
    users::get_member(conn, id)?
        .ok_or_else(|| AppError::not_found("利用者が見つかりません", "No such user"))
}

/// Registers a staff member with a one-time password, shown once (R-5.5.3.3).
pub fn create(
    tx: &mut Tx,
    actor: &Actor,
    body: CreateUserRequest,
) -> AppResult<CreatedUserResponse> {
    actor.authorize(Action::Administer)?;
    let mut fields = Fields::new();
    let email = fields.require("email", body.email.as_deref(), EmailAddress::parse);
    let name = fields.require("display_name", body.display_name.as_deref(), |v| {
        BoundedText::parse(v, 100)
    });
    let roles = parse_roles(&mut fields, &body.roles);
    let codes = parse_division_codes(&mut fields, &body.divisions);
    fields.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::Internal(
            "a refused field passed the field check".into(),
        ));
    };
    for code in &codes {
        if divisions::find_by_code(tx.conn(), code.as_str())?.is_none() {
            return Err(unknown_division("divisions", code.as_str()));
        }
    }
    let now = tx.now().naive_utc();
    let created = accounts::create_staff(
        tx.conn(),
        &NewStaff {
            email,
            display_name: name,
            roles,
            divisions: codes.into_iter().map(|c| (c, None)).collect(),
        },
        now,
    )?;
    let user = UserResponse::from(member(tx.conn(), &created.user_id)?);
    tx.record(
        Event::new("user.create")
            .target("user", &created.user_id)
            .after(&user),
    );
    Ok(CreatedUserResponse {
        user,
        one_time_password: created.one_time_password,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub display_name: Option<String>,
    /// false removes the account's access at once: every session and token ends
    /// (R-5.5.3.4).
    pub active: Option<bool>,
    /// Replaces the roles.
    pub roles: Option<Vec<String>>,
    /// Replaces the divisions (codes).
    pub divisions: Option<Vec<String>>,
    /// `ja` or `en`: the language of their email and pages.
    pub language: Option<String>,
}

/// Changes a staff member's roles, divisions, name, or removes their access
/// (R-5.5.3.3/4); takes effect at once: a removed account's sessions and tokens end.
pub fn update(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: UpdateUserRequest,
) -> AppResult<UserResponse> {
    actor.authorize(Action::Administer)?;
    let mut fields = Fields::new();
    let name = fields.check_opt(
        "display_name",
        body.display_name
            .as_deref()
            .map(|v| BoundedText::parse(v, 100)),
    );
    let roles = body.roles.as_ref().map(|r| parse_roles(&mut fields, r));
    let codes = body
        .divisions
        .as_ref()
        .map(|d| parse_division_codes(&mut fields, d));
    let language = body.language.as_deref().map(|l| Lang::parse(l.trim()));
    if language.is_some_and(|l| l.is_none()) {
        fields.push(
            "language",
            "invalid",
            Msg::new("ja または en を指定してください", "Must be ja or en"),
        );
    }
    if body.active == Some(false) && id == actor.user_id {
        fields.push(
            "active",
            "own_account",
            Msg::new(
                "自分のアカウントは無効にできません",
                "You cannot deactivate your own account",
            ),
        );
    }
    fields.finish()?;
    let active = body.active;
    let now = tx.now().naive_utc();
    let conn = tx.conn();
    let before = member(conn, id)?;
    let division_ids = match &codes {
        Some(codes) => {
            let mut ids = Vec::new();
            for code in codes {
                ids.push(
                    divisions::find_by_code(conn, code.as_str())?
                        .ok_or_else(|| unknown_division("divisions", code.as_str()))?
                        .id,
                );
            }
            Some(ids)
        }
        None => None,
    };
    let mut roles = roles;
    if let Some(r) = roles.as_mut() {
        r.sort_by_key(|x| Role::ALL.iter().position(|y| y == x));
        r.dedup();
    }
    users::update(
        conn,
        id,
        &users::AccountChange {
            display_name: name.flatten().map(|n| n.as_str().to_string()),
            active,
            roles,
            division_ids,
        },
        now,
    )?;
    if let Some(lang) = language.flatten() {
        users::set_language(conn, id, lang)?;
    }
    if active == Some(false) {
        sessions::revoke_user(conn, id, now)?;
    }
    let after = UserResponse::from(member(conn, id)?);
    tx.record(
        Event::new("user.update")
            .target("user", id)
            .before(&UserResponse::from(before))
            .after(&after),
    );
    Ok(after)
}

/// Removes a user's second factor and recovery codes and ends their sessions: they set
/// up a new one at the next sign-in (R-5.5.3.2). Never on one's own account; the
/// command line resets an administrator's own with `actor` None.
pub fn reset_second_factor(
    tx: &mut Tx,
    actor: Option<&Actor>,
    user_id: &str,
) -> AppResult<UserResponse> {
    if let Some(actor) = actor {
        actor.authorize(Action::ResetSecondFactor { user_id })?;
    }
    let before = member(tx.conn(), user_id)?;
    db::second_factor::reset(tx.conn(), user_id)?;
    let now = tx.now().naive_utc();
    db::sessions::revoke_user_sessions(tx.conn(), user_id, now)?;
    tx.record(
        Event::new("user.second_factor_reset")
            .target("user", user_id)
            .before(&serde_json::json!({"second_factor": before.user.totp_secret.is_some()}))
            .after(&serde_json::json!({"second_factor": false})),
    );
    Ok(UserResponse::from(member(tx.conn(), user_id)?))
}

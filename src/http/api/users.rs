use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::divisions::DivisionResponse;
use crate::accounts::{self, NewStaff};
use crate::app::divisions::{division_filter, unknown_division};
use crate::audit::Event;
use crate::db::{self, audit, divisions, sessions, users};
use crate::domain::{BoundedText, DivisionCode, EmailAddress, Role};
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::Msg;
use crate::policy::access::Action;
use crate::validate::Fields;

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
            language: m.user.language,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Division code.
    pub division: Option<String>,
    #[param(value_type = Option<crate::domain::Role>, inline)]
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// Staff members, e.g. to choose who is responsible for an engagement.
#[utoipa::path(tag = "users", params(UserQuery),
    responses((status = 200, body = Vec<UserResponse>)), security(("session" = []), ("token" = [])))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    _who: SignedIn,
    query: web::Query<UserQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut fields = Fields::new();
    let role = fields.check_opt("role", query.role.as_deref().map(Role::parse));
    fields.finish()?;
    let members = db::read(&state.pool, move |conn| {
        let division_id = division_filter(conn, query.division.as_deref())?;
        users::list(
            conn,
            &users::UserFilter {
                division_id,
                role: role.flatten(),
                active: query.active,
            },
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(
        members
            .into_iter()
            .map(UserResponse::from)
            .collect::<Vec<_>>(),
    ))
}

fn member(conn: &mut db::DbConnection, id: &str) -> AppResult<users::StaffMember> {
    users::get_member(conn, id)?
        .ok_or_else(|| AppError::not_found("利用者が見つかりません", "No such user"))
}

#[utoipa::path(tag = "users",
    responses((status = 200, body = UserResponse), (status = 404)), security(("session" = []), ("token" = [])))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = db::read(&state.pool, move |conn| member(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(found)))
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

/// Registers a staff member (R-5.5.3.3); for ROLE-CISO, ROLE-DCISO and ROLE-CSM.
#[utoipa::path(tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUserResponse), (status = 403), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Administer)?;
    let body = body.0;
    let mut fields = Fields::new();
    let email = fields.require("email", body.email.as_deref(), EmailAddress::parse);
    let name = fields.require("display_name", body.display_name.as_deref(), |v| {
        BoundedText::parse(v, 100)
    });
    let roles = parse_roles(&mut fields, &body.roles);
    let codes = parse_division_codes(&mut fields, &body.divisions);
    fields.finish()?;
    let origin = who.origin();
    let (Some(email), Some(name)) = (email, name) else {
        unreachable!("finish() refused missing fields")
    };
    let member = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            for code in &codes {
                if divisions::find_by_code(conn, code.as_str())?.is_none() {
                    return Err(unknown_division("divisions", code.as_str()));
                }
            }
            let created = accounts::create_staff(
                conn,
                &NewStaff {
                    email,
                    display_name: name,
                    roles,
                    divisions: codes.into_iter().map(|c| (c, None)).collect(),
                },
            )?;
            let member = member(conn, &created.user_id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("user.create")
                    .target("user", &created.user_id)
                    .after(&UserResponse::from(member.clone())),
            )?;
            Ok((member, created.one_time_password))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(CreatedUserResponse {
        user: member.0.into(),
        one_time_password: member.1,
    }))
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
}

/// Changes a staff member's roles, divisions, name, or removes their access
/// (R-5.5.3.3/4); takes effect at once. For ROLE-CISO, ROLE-DCISO and ROLE-CSM; audited
/// with the account before and after.
#[utoipa::path(tag = "users", request_body = UpdateUserRequest,
    responses((status = 200, body = UserResponse), (status = 403), (status = 404), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<UpdateUserRequest>,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Administer)?;
    let body = body.0;
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
    if body.active == Some(false) && *id == who.user.id {
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
    let origin = who.origin();
    let active = body.active;
    let member = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let before = member(conn, &id)?;
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
            let mut roles = roles.clone();
            if let Some(r) = roles.as_mut() {
                r.sort_by_key(|x| Role::ALL.iter().position(|y| y == x));
                r.dedup();
            }
            users::update(
                conn,
                &id,
                &users::AccountChange {
                    display_name: name.flatten().map(|n| n.as_str().to_string()),
                    active,
                    roles,
                    division_ids,
                },
            )?;
            if active == Some(false) {
                sessions::revoke_user(conn, &id)?;
            }
            let after = member(conn, &id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("user.update")
                    .target("user", &id)
                    .before(&UserResponse::from(before))
                    .after(&UserResponse::from(after.clone())),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(member)))
}

/// Removes a user's second factor and recovery codes and ends their sessions; they set
/// up a new one at the next sign-in (R-5.5.3.2). For ROLE-CISO, ROLE-DCISO and ROLE-CSM,
/// never on their own account; audited.
#[utoipa::path(tag = "users",
    responses((status = 200, body = UserResponse), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[post("/users/{id}/second-factor/reset")]
pub async fn reset_second_factor(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    who.actor
        .authorize(Action::ResetSecondFactor { user_id: &id })?;
    let origin = who.origin();
    let member = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let before = member(conn, &id)?;
            accounts::reset_second_factor(conn, &before.user, &origin)?;
            member(conn, &id)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(member)))
}

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::divisions::DivisionResponse;
use crate::accounts::{self, NewStaff};
use crate::db::{self, divisions, users};
use crate::domain::{BoundedText, DivisionCode, EmailAddress, Role};
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::validate::Fields;
use crate::http::AppState;
use crate::i18n::Msg;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub divisions: Vec<DivisionResponse>,
    pub active: bool,
    pub last_sign_in_at: Option<DateTime<Utc>>,
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
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Division code.
    pub division: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// Staff members, e.g. to choose who is responsible for an engagement.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
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
    let members = db::run(&state.pool, move |conn| {
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

pub fn unknown_division_msg(code: &str) -> Msg {
    Msg::new(
        format!("課等コード {code} は登録されていません"),
        format!("No division has the code {code}"),
    )
}

/// A `?division=CODE` filter as the division's id; an unknown code is a 422.
pub fn division_filter(
    conn: &mut db::DbConnection,
    code: Option<&str>,
) -> AppResult<Option<String>> {
    match code {
        Some(code) => Ok(Some(
            divisions::find_by_code(conn, code.trim())?
                .ok_or_else(|| unknown_division("division", code))?
                .id,
        )),
        None => Ok(None),
    }
}

pub fn unknown_division(field: &str, code: &str) -> AppError {
    AppError::validation(field, "unknown", unknown_division_msg(code))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 200, body = UserResponse), (status = 404)), security(("session" = []), ("token" = [])))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let member = db::run(&state.pool, move |conn| users::get_member(conn, &id))
        .await?
        .ok_or_else(|| AppError::not_found("利用者が見つかりません", "No such user"))?;
    Ok(HttpResponse::Ok().json(UserResponse::from(member)))
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

/// Registers a staff member (R-5.5.3.3); for ROLE-CISO, ROLE-DCISO and ROLE-CSM.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUserResponse), (status = 403), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    if !who.actor.can_administer() {
        return Err(AppError::forbidden(
            "利用者の登録はシステム統括管理者等が行います",
            "Only ROLE-CISO, ROLE-DCISO or ROLE-CSM register users",
        ));
    }
    let body = body.0;
    let mut fields = Fields::new();
    let email = fields.require("email", body.email.as_deref(), EmailAddress::parse);
    let name = fields.require("display_name", body.display_name.as_deref(), |v| {
        BoundedText::parse(v, 100)
    });
    let roles: Vec<Role> = body
        .roles
        .iter()
        .enumerate()
        .filter_map(|(i, r)| fields.check(&format!("roles[{i}]"), Role::parse(r)))
        .collect();
    if body.roles.is_empty() {
        fields.push(
            "roles",
            "required",
            Msg::new(
                "役割を1つ以上指定してください",
                "At least one role is required",
            ),
        );
    }
    let codes: Vec<DivisionCode> = body
        .divisions
        .iter()
        .enumerate()
        .filter_map(|(i, c)| fields.check(&format!("divisions[{i}]"), DivisionCode::parse(c)))
        .collect();
    fields.finish()?;
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
            let member = users::get_member(conn, &created.user_id)?
                .ok_or_else(|| AppError::Internal("user vanished".into()))?;
            Ok((member, created.one_time_password))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(CreatedUserResponse {
        user: member.0.into(),
        one_time_password: member.1,
    }))
}

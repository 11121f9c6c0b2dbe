//! `/api/v1/users`: staff accounts; parse, call `app::users`, answer.

use actix_web::{get, patch, post, web, HttpResponse};

use crate::app::users as use_case;
pub use crate::app::users::{
    CreateUserRequest, CreatedUserResponse, UpdateUserRequest, UserQuery, UserResponse,
};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

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
    let members = db::read(&state.pool, move |conn| use_case::list(conn, &query)).await?;
    Ok(HttpResponse::Ok().json(members))
}

#[utoipa::path(tag = "users",
    responses((status = 200, body = UserResponse), (status = 404)), security(("session" = []), ("token" = [])))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = db::read(&state.pool, move |conn| use_case::member(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(found)))
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
    let created = crate::app::write(&state, who.origin(), move |tx| {
        use_case::create(tx, &who.actor, body.0)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
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
    let updated = crate::app::write(&state, who.origin(), move |tx| {
        use_case::update(tx, &who.actor, &id, body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
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
    let reset = crate::app::write(&state, who.origin(), move |tx| {
        use_case::reset_second_factor(tx, Some(&who.actor), &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(reset))
}

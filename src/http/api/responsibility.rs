//! A cloud service's division of responsibility (`app::responsibility`, R-9.3.1):
//! versions of the matrix, sent to the provider to confirm, approved by a second person.

use actix_web::{get, post, web, HttpResponse};

use crate::app::responsibility as use_case;
pub use crate::app::responsibility::{
    EntryBody, MatrixBody, MatrixVersionResponse, ResponsibilityResponse,
};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// A cloud service's division-of-responsibility matrices, newest first, and the agreed
/// one.
#[utoipa::path(tag = "responsibility",
    responses((status = 200, body = ResponsibilityResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/responsibility")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = db::read(&state.pool, move |conn| {
        use_case::of_engagement(conn, &who.actor, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Records a new version of the matrix: every area once, or none to start from the
/// service model's starting matrix (`responsibility_templates/`).
#[utoipa::path(tag = "responsibility", request_body = MatrixBody,
    responses((status = 201, body = MatrixVersionResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/responsibility")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<MatrixBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let app = state.get_ref().clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &app, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// Sends the newest version to the provider's first contact: an email with a portal
/// link where they confirm it or ask for changes. Sent again, the earlier link stops
/// working.
#[utoipa::path(tag = "responsibility",
    responses((status = 200, body = MatrixVersionResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/responsibility/{version}/sending")]
pub async fn send(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, version) = path.into_inner();
    let actor = who.actor.clone();
    let app = state.get_ref().clone();
    let sent = crate::app::write(&state, who.origin(), move |tx| {
        use_case::send(tx, &app, &actor, &id, &version)
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::Ok().json(sent))
}

/// Approves the version the provider confirmed: the division's system administrator
/// (or ROLE-CISO, ROLE-DCISO, ROLE-CSM), never the person who recorded it. It is
/// then the agreed division of responsibility and meets.
#[utoipa::path(tag = "responsibility",
    responses((status = 200, body = MatrixVersionResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/responsibility/{version}/approval")]
pub async fn approve(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, version) = path.into_inner();
    let actor = who.actor.clone();
    let approved = crate::app::write(&state, who.origin(), move |tx| {
        use_case::approve(tx, &actor, &id, &version)
    })
    .await?;
    Ok(HttpResponse::Ok().json(approved))
}

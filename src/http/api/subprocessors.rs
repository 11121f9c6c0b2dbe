//! A cloud provider's subprocessors (`app::subprocessors`): the list in force with its
//! history, changes recorded or reported, acknowledged by the system administrator.

use actix_web::{get, post, web, HttpResponse};

use crate::app::subprocessors as use_case;
pub use crate::app::subprocessors::{ChangeBody, ChangeResponse, SubprocessorsResponse};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// The subprocessors in force, the reported changes awaiting acknowledgement, and every
/// change oldest first.
#[utoipa::path(tag = "subprocessors",
    responses((status = 200, body = SubprocessorsResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/subprocessors")]
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

/// Records a change staff learned of (in force at once, acknowledged by them). Adding
/// one already listed, or removing one that is not, is refused (422).
#[utoipa::path(tag = "subprocessors", request_body = ChangeBody,
    responses((status = 201, body = ChangeResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/subprocessors/changes")]
pub async fn record(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ChangeBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// Acknowledges a change the provider reported: the division's system administrator (or
/// ROLE-CISO, ROLE-DCISO, ROLE-CSM). It then enters the list.
#[utoipa::path(tag = "subprocessors",
    responses((status = 200, body = ChangeResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/subprocessors/changes/{change_id}/acknowledgement")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, change_id) = path.into_inner();
    let actor = who.actor.clone();
    let done = crate::app::write(&state, who.origin(), move |tx| {
        use_case::acknowledge(tx, &actor, &id, &change_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(done))
}

/// Emails the provider's first contact a link to report changes through for 90 days
/// (`/portal/subprocessors/<token>`); an earlier link stops working.
#[utoipa::path(tag = "subprocessors",
    responses((status = 200, body = SubprocessorsResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/subprocessors/link")]
pub async fn link(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let actor = who.actor.clone();
    let app = state.get_ref().clone();
    let sent = crate::app::write(&state, who.origin(), move |tx| {
        use_case::send_link(tx, &app, &actor, &id)
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::Ok().json(sent))
}

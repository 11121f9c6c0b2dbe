//! An engagement's records (`app::records`): a selection, the statement that nothing is
//! handed over, a cloud provider's terms accepted, supervision and inspection.

use actix_web::{get, post, web, HttpResponse};

use crate::app::records as use_case;
pub use crate::app::records::{RecordBody, RecordResponse};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// The records kept on an engagement, the latest first.
#[utoipa::path(tag = "records",
    responses((status = 200, body = Vec<RecordResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/records")]
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

/// Keeps a record on an engagement: a selection, the
/// statement that no ward information is handed over, an L1 cloud
/// service's terms of service accepted, the security officer's supervision (R-8.3.1,
/// ) or the CISO's inspection of a designated manager.
#[utoipa::path(tag = "records", request_body = RecordBody,
    responses((status = 201, body = RecordResponse), (status = 403), (status = 404), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/records")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<RecordBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(recorded))
}

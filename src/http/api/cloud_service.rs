//! A cloud service's ISMAP / ISMAP-LIU listing and data location
//! (`app::cloud_service`, R-9.1): what is in force, what needs looking at, the history.

use actix_web::{get, put, web, HttpResponse};

use crate::app::cloud_service as use_case;
pub use crate::app::cloud_service::{CloudServiceResponse, DataLocationBody, IsmapListingBody};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// A cloud service's listing and data location in force, its flags (no valid listing at
/// L2/L3; L3 information stored or reachable outside Japan) and every earlier record.
#[utoipa::path(tag = "cloud service",
    responses((status = 200, body = CloudServiceResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/cloud-service")]
pub async fn show(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let today = state.today();
    let found = db::read(&state.pool, move |conn| {
        use_case::of_engagement(conn, &who.actor, &id, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Records the service's ISMAP / ISMAP-LIU listing as it stands now (a renewal is a new
/// record; the earlier stays in the history). It is valid until a year and four months
/// after its audited period; its system administrator is told before it lapses.
#[utoipa::path(tag = "cloud service", request_body = IsmapListingBody,
    responses((status = 200, body = CloudServiceResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[put("/engagements/{id}/cloud-service/ismap-listing")]
pub async fn listing(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<IsmapListingBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        let today = tx.today();
        use_case::record_listing(tx, &actor, &id, body, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(recorded))
}

/// Records where the service keeps the data (storage and backup countries), from where
/// its support can reach it, and the governing law and court.
#[utoipa::path(tag = "cloud service", request_body = DataLocationBody,
    responses((status = 200, body = CloudServiceResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[put("/engagements/{id}/cloud-service/data-location")]
pub async fn location(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<DataLocationBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        let today = tx.today();
        use_case::record_location(tx, &actor, &id, body, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(recorded))
}

//! `/api/v1/vendors`: parse, call `app::vendors`, answer.

use actix_web::{get, patch, post, web, HttpResponse};

use crate::app::page::Page;
use crate::app::vendors::{self as use_case};
pub use crate::app::vendors::{
    ContactBody, ContactResponse, VendorBody, VendorQuery, VendorResponse,
};
use crate::db::{self};
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

#[utoipa::path(tag = "vendors", params(VendorQuery),
    responses((status = 200, body = Page<VendorResponse>)), security(("session" = []), ("token" = [])))]
#[get("/vendors")]
pub async fn list(
    state: web::Data<AppState>,
    _who: SignedIn,
    query: web::Query<VendorQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let page = db::read(&state.pool, move |conn| use_case::list(conn, &query)).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(tag = "vendors", request_body = VendorBody,
    responses((status = 201, body = VendorResponse), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/vendors")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<VendorBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let vendor = crate::app::write(&state, who.origin(), move |tx| {
        use_case::register(tx, &actor, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(vendor))
}

#[utoipa::path(tag = "vendors",
    responses((status = 200, body = VendorResponse), (status = 404)), security(("session" = []), ("token" = [])))]
#[get("/vendors/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let vendor = db::read(&state.pool, move |conn| use_case::read(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(vendor))
}

#[utoipa::path(tag = "vendors", request_body = VendorBody,
    responses((status = 200, body = VendorResponse), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/vendors/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<VendorBody>,
) -> AppResult<HttpResponse> {
    let patch = body.0;
    let actor = who.actor.clone();
    let vendor = crate::app::write(&state, who.origin(), move |tx| {
        use_case::update(tx, &actor, &id, patch)
    })
    .await?;
    Ok(HttpResponse::Ok().json(vendor))
}

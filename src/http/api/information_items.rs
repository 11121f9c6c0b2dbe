//! `/api/v1/engagements/{id}/information-items`: parse, call `app::information_items`,
//! answer.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use crate::app::information_items as use_case;
pub use crate::app::information_items::{ItemBody, ItemResponse};
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

#[utoipa::path(tag = "information items",
    responses((status = 200, body = Vec<ItemResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/information-items")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let items = crate::app::read(&state, who.origin(), move |tx| {
        use_case::of_engagement(tx, &who.actor, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(items))
}

/// Adds an item; the engagement's level becomes the highest of its items.
#[utoipa::path(tag = "information items",
    request_body = ItemBody,
    responses((status = 201, body = ItemResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/information-items")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ItemBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let item = crate::app::write(&state, who.origin(), move |tx| {
        use_case::add(tx, &actor, &id, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(item))
}

#[utoipa::path(tag = "information items",
    request_body = ItemBody,
    responses((status = 200, body = ItemResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/engagements/{id}/information-items/{item_id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
    body: ApiJson<ItemBody>,
) -> AppResult<HttpResponse> {
    let (id, item_id) = path.into_inner();
    let patch = body.0;
    let actor = who.actor.clone();
    let item = crate::app::write(&state, who.origin(), move |tx| {
        use_case::update(tx, &actor, &id, &item_id, patch)
    })
    .await?;
    Ok(HttpResponse::Ok().json(item))
}

#[utoipa::path(tag = "information items",
    responses((status = 204), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[delete("/engagements/{id}/information-items/{item_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, item_id) = path.into_inner();
    let actor = who.actor.clone();
    crate::app::write(&state, who.origin(), move |tx| {
        use_case::remove(tx, &actor, &id, &item_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! `/api/v1/engagements/{id}/information-items`: parse, call `app::information_items`,
//! answer.

use actix_web::{delete, get, patch, post, web, HttpResponse};

use crate::app::engagements::{audit_l3_read, load_visible};
use crate::app::information_items as use_case;
pub use crate::app::information_items::{ItemBody, ItemResponse};
use crate::audit::Event;
use crate::db::{self, information_items};
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
    let origin = who.origin();
    let items = db::read(&state.pool, move |conn| {
        let engagement = load_visible(conn, &who.actor, &id)?;
        let items = information_items::list(conn, &id)?;
        audit_l3_read(
            conn,
            &origin,
            engagement.level(),
            &Event::new("information_item.read_l3")
                .target("engagement", &id)
                .after(&serde_json::json!({ "items": items.len() })),
        )?;
        Ok(items)
    })
    .await?;
    Ok(HttpResponse::Ok().json(
        items
            .into_iter()
            .map(ItemResponse::from)
            .collect::<Vec<_>>(),
    ))
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

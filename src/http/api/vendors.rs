//! `/api/v1/vendors`: parse, call `app::vendors`, answer.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::page::{Page, Paging};
use crate::app::vendors::{self as use_case, not_found};
pub use crate::app::vendors::{ContactBody, ContactResponse, VendorBody, VendorResponse};
use crate::db::{self, vendors};
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::validate::Fields;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VendorQuery {
    /// Text in the name, corporate number or address.
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[utoipa::path(tag = "vendors", params(VendorQuery),
    responses((status = 200, body = Page<VendorResponse>)), security(("session" = []), ("token" = [])))]
#[get("/vendors")]
pub async fn list(
    state: web::Data<AppState>,
    _who: SignedIn,
    query: web::Query<VendorQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut fields = Fields::new();
    let paging = Paging::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut fields,
    );
    fields.finish()?;
    let q = query.q.filter(|q| !q.trim().is_empty());
    let (items, total) = db::read(&state.pool, move |conn| {
        vendors::list(
            conn,
            q.as_deref().map(str::trim),
            paging.offset(),
            paging.per_page,
        )
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(paging.wrap(items.into_iter().map(VendorResponse::from).collect(), total)))
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
    let vendor = db::read(&state.pool, move |conn| vendors::get(conn, &id))
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(VendorResponse::from(vendor)))
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

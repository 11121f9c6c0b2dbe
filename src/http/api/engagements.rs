//! `/api/v1/engagements`: parse the request, call the use case in `app::engagements`,
//! answer. The rules and the writes live there.

use actix_web::{get, patch, post, web, HttpResponse};

use crate::app::engagements::{self as use_case, TransitionBody};
pub use crate::app::engagements::{
    CloudBody, CloudResponse, EngagementBody, EngagementQuery, EngagementResponse,
};
use crate::app::page::Page;
use crate::db::{self};
use crate::error::AppResult;
use crate::http::csv;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// Engagements the caller may see, newest first unless `sort` says otherwise.
#[utoipa::path(tag = "engagements", params(EngagementQuery),
    responses((status = 200, body = Page<EngagementResponse>), (status = 400), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<EngagementQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let count_up_to = state.config.list_count_up_to;
    let page = db::read(&state.pool, move |conn| {
        use_case::list(conn, &who.actor, &query, count_up_to)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

impl csv::Columns for EngagementResponse {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "kind",
        "title",
        "division",
        "division_name",
        "responsible_user_id",
        "responsible_user_name",
        "vendor_id",
        "vendor_name",
        "scope",
        "starts_on",
        "ends_on",
        "status",
        "level",
        "parent_id",
        "created_at_utc",
        "updated_at_utc",
    ];

    fn cells(self) -> Vec<String> {
        vec![
            self.id,
            self.kind.as_str().to_string(),
            self.title,
            self.division,
            self.division_name,
            self.responsible_user_id,
            self.responsible_user_name,
            self.vendor_id,
            self.vendor_name,
            self.scope,
            self.starts_on.to_string(),
            self.ends_on.to_string(),
            self.status.as_str().to_string(),
            csv::optional(self.level.map(|l| l.as_str())),
            self.parent_id.unwrap_or_default(),
            csv::time(self.created_at.naive_utc()),
            csv::time(self.updated_at.naive_utc()),
        ]
    }
}

/// The export both the API and the register's page answer with.
pub async fn csv_answer(
    state: &AppState,
    actor: &crate::policy::access::Actor,
    origin: crate::audit::Origin,
    query: EngagementQuery,
) -> AppResult<HttpResponse> {
    let actor = actor.clone();
    let rows = crate::app::read(state, origin, move |tx| {
        use_case::export(tx, &actor, &query)
    })
    .await?;
    csv::export("engagements", state.today(), rows)
}

/// Every engagement the caller may see that matches the filters (as the list's, without
/// paging), as CSV (UTF-8 with BOM, English column keys). The export is audited.
#[utoipa::path(tag = "engagements", params(EngagementQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/export.csv")]
pub async fn export(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<EngagementQuery>,
) -> AppResult<HttpResponse> {
    csv_answer(&state, &who.actor, who.origin(), query.into_inner()).await
}

/// Registers an engagement, in status `draft`.
#[utoipa::path(tag = "engagements", request_body = EngagementBody,
    responses((status = 201, body = EngagementResponse), (status = 400), (status = 403), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<EngagementBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::register(tx, &actor, &body)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/engagements/{}", response.id)))
        .json(response))
}

#[utoipa::path(tag = "engagements",
    responses((status = 200, body = EngagementResponse), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let response = crate::app::read(&state, who.origin(), move |tx| {
        use_case::read(tx, &who.actor, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

#[utoipa::path(tag = "engagements", request_body = EngagementBody,
    responses((status = 200, body = EngagementResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/engagements/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<EngagementBody>,
) -> AppResult<HttpResponse> {
    let patch = body.0;
    let actor = who.actor.clone();
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::update(tx, &actor, &id, patch)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// Moves the engagement along its lifecycle (draft → selected → contracted → active →
/// ending → closed, or terminated). A move the lifecycle does not allow is a 409 that lists
/// the allowed ones.
#[utoipa::path(tag = "engagements", request_body = TransitionBody,
    responses((status = 200, body = EngagementResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<TransitionBody>,
) -> AppResult<HttpResponse> {
    let actor = who.actor.clone();
    let services = state.get_ref().clone();
    let response = crate::app::write(&state, who.origin(), move |tx| {
        use_case::transition(tx, &services, &actor, &id, body.0)
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::Ok().json(response))
}

//! A cloud service's configuration records (`app::configuration`, R-9.3.2, R-10.2):
//! numbered versions, each approved by a second person, and any two compared.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::configuration as use_case;
pub use crate::app::configuration::{
    ComparisonResponse, ConfigurationBody, ConfigurationResponse, VersionResponse,
};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// An engagement's configuration records, newest first, and whether the one in force
/// (the newest approved) is current or stale.
#[utoipa::path(tag = "configuration",
    responses((status = 200, body = ConfigurationResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/configuration")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let today = state.today();
    let months = state.config.rules.configuration_stale_months;
    let found = db::read(&state.pool, move |conn| {
        use_case::of_engagement(conn, &who.actor, &id, today, months)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Records a new version of a cloud service's configuration: the whole configuration as
/// it is now and what changed. Names only: a value that looks like a password or an API
/// key is refused (422).
#[utoipa::path(tag = "configuration", request_body = ConfigurationBody,
    responses((status = 201, body = VersionResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/configuration")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ConfigurationBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// Approves the newest version: the division's system administrator (or ROLE-CISO,
/// ROLE-DCISO, ROLE-CSM), never the person who recorded it. It then meets
/// for the configured period.
#[utoipa::path(tag = "configuration",
    responses((status = 200, body = VersionResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/configuration/{version}/approval")]
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// The earlier version's number.
    pub from: Option<String>,
    /// The later version's number.
    pub to: Option<String>,
}

/// Two versions side by side, every field listed with whether it changed.
#[utoipa::path(tag = "configuration", params(CompareQuery),
    responses((status = 200, body = ComparisonResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/configuration/compare")]
pub async fn compare(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    query: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let found = db::read(&state.pool, move |conn| {
        use_case::compare(
            conn,
            &who.actor,
            &id,
            query.from.as_deref(),
            query.to.as_deref(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

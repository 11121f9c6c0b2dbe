//! `/api/v1/approvals` and the approvals and manager assets of an engagement: parse,
//! call `app::approvals`, answer.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::approvals as use_case;
pub use crate::app::approvals::{
    ApprovalRequestBody, ApprovalResponse, AssetBody, AssetResponse, DecisionBody,
};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// Asks for an approval; the request goes to whoever the rule names, never to the
/// requester.
#[utoipa::path(tag = "approvals", request_body = ApprovalRequestBody,
    responses((status = 201, body = ApprovalResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/approvals")]
pub async fn request(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ApprovalRequestBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let approval = crate::app::write(&state, who.origin(), move |tx| {
        use_case::request(tx, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(approval))
}

#[utoipa::path(tag = "approvals",
    responses((status = 200, body = Vec<ApprovalResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/approvals")]
pub async fn of_engagement(
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApprovalQuery {
    /// `pending`, `approved` or `rejected`.
    #[param(value_type = Option<crate::policy::approvals::ApprovalState>, inline)]
    pub state: Option<String>,
}

/// Approval requests on engagements the caller may see, oldest first.
#[utoipa::path(tag = "approvals", params(ApprovalQuery),
    responses((status = 200, body = Vec<ApprovalResponse>), (status = 422)), security(("session" = []), ("token" = [])))]
#[get("/approvals")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<ApprovalQuery>,
) -> AppResult<HttpResponse> {
    let wanted = query.into_inner().state;
    let found = db::read(&state.pool, move |conn| {
        use_case::list(conn, &who.actor, wanted.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Decides a request. The requester can never decide it; only the role it was
/// routed to can.
#[utoipa::path(tag = "approvals", request_body = DecisionBody,
    responses((status = 200, body = ApprovalResponse), (status = 403, description = "Own request (R-2.6) or not the approver"), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/approvals/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<DecisionBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let approval = crate::app::write(&state, who.origin(), move |tx| {
        use_case::decide(tx, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(approval))
}

/// Records a designated manager's own system or brought-in asset; each needs ROLE-CSM's
/// approval.
#[utoipa::path(tag = "approvals", request_body = AssetBody,
    responses((status = 201, body = AssetResponse), (status = 403), (status = 404), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/manager-assets")]
pub async fn record_asset(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<AssetBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let asset = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record_asset(tx, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(asset))
}

#[utoipa::path(tag = "approvals",
    responses((status = 200, body = Vec<AssetResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/manager-assets")]
pub async fn assets(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = db::read(&state.pool, move |conn| {
        use_case::assets_of(conn, &who.actor, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

//! The periodic access review (R-5.5.3.6): parse, call `app::access_review`, answer.

use actix_web::{get, post, web, HttpResponse};

use crate::app::access_review as use_case;
pub use crate::app::access_review::{
    AccessReviewResponse, ConfirmRequest, LastReview, Notice, ReviewedUser, TokenResponse,
};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// The access review as it stands: every account, its roles, divisions, last sign-in and
/// live tokens, unused ones flagged, and when the next confirmation is due.
#[utoipa::path(tag = "access review",
    responses((status = 200, body = AccessReviewResponse), (status = 403)),
    security(("session" = []), ("token" = [])))]
#[get("/access-review")]
pub async fn show(state: web::Data<AppState>, who: SignedIn) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let now = state.now();
    let review = db::read(&state.pool, move |conn| {
        use_case::show(conn, &config, &who.actor, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(review))
}

/// ROLE-CSM confirms the review: recorded with the list as it stood, in the audit log.
#[utoipa::path(tag = "access review",
    request_body = ConfirmRequest,
    responses((status = 201, body = AccessReviewResponse), (status = 403), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/access-review/confirmations")]
pub async fn confirm(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<ConfirmRequest>,
) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let review = crate::app::write(&state, who.origin(), move |tx| {
        use_case::confirm(tx, &config, &who.actor, body.0)
    })
    .await?;
    Ok(HttpResponse::Created().json(review))
}

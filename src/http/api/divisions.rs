//! `/api/v1/divisions`: parse, call `app::divisions`, answer.

use actix_web::{get, post, web, HttpResponse};

use crate::app::divisions as use_case;
pub use crate::app::divisions::{CreateDivisionRequest, DivisionResponse};
use crate::db::{self, divisions};
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// Divisions (課等).
#[utoipa::path(tag = "divisions",
    responses((status = 200, body = Vec<DivisionResponse>)), security(("session" = []), ("token" = [])))]
#[get("/divisions")]
pub async fn list(state: web::Data<AppState>, _who: SignedIn) -> AppResult<HttpResponse> {
    let list = db::read(&state.pool, divisions::list).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(DivisionResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// Registers a division; for ROLE-CISO, ROLE-DCISO and ROLE-CSM.
#[utoipa::path(tag = "divisions", request_body = CreateDivisionRequest,
    responses((status = 201, body = DivisionResponse), (status = 403), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/divisions")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<CreateDivisionRequest>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let division = crate::app::write(&state, who.origin(), move |tx| {
        use_case::register(tx, &actor, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(division))
}

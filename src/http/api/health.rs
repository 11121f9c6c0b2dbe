use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::db;
use crate::error::AppResult;
use crate::http::AppState;

/// Alive: the process answers.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready: the database answers too.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Ready"),
    (status = 503, description = "Database unreachable", content_type = "application/problem+json")
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    db::read(&state.pool, db::ping).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}

//! An engagement's records (`app::records`): a selection, the statement that nothing is
//! handed over, a cloud provider's terms accepted, supervision and inspection.

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::app::records as use_case;
pub use crate::app::records::{RecordBody, RecordFileResponse, RecordResponse};
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

/// The records kept on an engagement, the latest first.
#[utoipa::path(tag = "records",
    responses((status = 200, body = Vec<RecordResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/records")]
pub async fn list(
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

/// Keeps a record on an engagement: a selection, the
/// statement that no ward information is handed over, an L1 cloud
/// service's terms of service accepted, the security officer's supervision (R-8.3.1,
/// ) or the CISO's inspection of a designated manager.
#[utoipa::path(tag = "records", request_body = RecordBody,
    responses((status = 201, body = RecordResponse), (status = 403), (status = 404), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/records")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<RecordBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, &id, body)
    })
    .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// What a file upload sends: one or more parts named `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RecordFilesUpload {
    /// Each file (PDF, PNG, JPEG, docx, xlsx, pptx, CSV or text), up to 10 at once.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

/// Attaches files to a record as its evidence (a selection's procurement papers, an
/// inspection's photographs), as `multipart/form-data` parts named `file`: whoever may
/// change the engagement, or the person who recorded it. Each file is taken by its name
/// and its content; it is kept as uploaded.
#[utoipa::path(tag = "records",
    request_body(content = RecordFilesUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Vec<RecordFileResponse>), (status = 400), (status = 403), (status = 404), (status = 413), (status = 415), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/records/{record_id}/files")]
pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (id, record_id) = path.into_inner();
    let received = crate::http::upload::receive_for_record(
        &state,
        &req,
        &who.actor,
        (&id, &record_id),
        payload,
    )
    .await?;
    let max = state.config.checks.evidence_max_bytes;
    let actor = who.actor.clone();
    let attached = crate::app::write(&state, who.origin(), move |tx| {
        use_case::attach(tx, &actor, &id, &record_id, received.files, max)
    })
    .await?;
    Ok(HttpResponse::Created().json(attached))
}

/// A record's file, always as a download, with its SHA-256 in `X-Content-SHA256`. Every
/// download is audited.
#[utoipa::path(tag = "records",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/records/{record_id}/files/{file_id}")]
pub async fn file(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let file = crate::app::read(&state, who.origin(), move |tx| {
        let (id, record_id, file_id) = &*path;
        use_case::download(tx, &who.actor, id, record_id, file_id)
    })
    .await?;
    Ok(super::checks::file_download(
        &file.file_name,
        file.sha256,
        file.content,
    ))
}

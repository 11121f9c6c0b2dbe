use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::contracts::{self as use_case};
pub use crate::app::contracts::{ContractBody, ContractResponse};
use crate::clauses::Format;
use crate::db::{self};
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClausesQuery {
    /// `ja` (default) or `en`.
    #[param(value_type = Option<super::params::DocumentLang>, inline)]
    pub lang: Option<String>,
    /// `markdown` (default), `html`, `text` or `docx` (a Word document, sent as an
    /// attachment).
    #[param(value_type = Option<super::params::ClauseFormat>, inline)]
    pub format: Option<String>,
}

/// The complete set of mandatory clauses for this engagement's kind and level, numbered,
/// with its data filled in. Japanese dates are in the era form (令和9年4月1日). As `docx`,
/// a Word document with the articles as headings, named `clauses-{id}-{lang}.docx`.
#[utoipa::path(tag = "contracts", params(ClausesQuery),
    responses((status = 200, description = "The clause set, as `format` asks",
        content((String = "text/markdown"), (String = "text/html"), (String = "text/plain"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
        headers(("Content-Disposition" = String, description = "For `docx` only: `attachment; filename=\"clauses-{id}-{lang}.docx\"`"))),
        (status = 403), (status = 404), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/clauses")]
pub async fn clauses(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    query: web::Query<ClausesQuery>,
) -> AppResult<HttpResponse> {
    let (lang, format, format_name) =
        use_case::document_choice(query.lang.as_deref(), query.format.as_deref())?;
    let app = state.get_ref().clone();
    let file_name = use_case::file_name(&id, lang, format);
    let document = crate::app::read(&state, who.origin(), move |tx| {
        use_case::clause_set(tx, &app, &who.actor, &id, lang, format, format_name)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type(document.content_type())
        .insert_header(("Content-Language", lang.pick("ja", "en")));
    if format == Format::Docx {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ));
    }
    Ok(response.body(document.into_bytes()))
}

/// Which file of the completion record.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// `html` (printable, the default) or `docx`.
    #[param(value_type = Option<super::params::RecordFormat>, inline)]
    pub format: Option<String>,
    /// `ja` (the default) or `en`.
    #[param(value_type = Option<super::params::DocumentLang>, inline)]
    pub lang: Option<String>,
}

/// The completion record (終了確認書) issued when the engagement closed (R-8.4, R-9.4,
/// ), exactly as issued: printable HTML or a Word document, in Japanese or English.
/// Its hashes are in the audit log (`completion_record.issue`). 404 before closing.
#[utoipa::path(tag = "contracts", params(RecordQuery),
    responses((status = 200, description = "The record, as `format` asks",
        content((String = "text/html"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
        headers(("Content-Disposition" = String, description = "For `docx` only: `attachment; filename=\"completion-record-{id}-{lang}.docx\"`"))),
        (status = 403), (status = 404), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/completion-record")]
pub async fn completion_record(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    query: web::Query<RecordQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let file = crate::app::read(&state, who.origin(), move |tx| {
        crate::app::completion_record::download(
            tx,
            &who.actor,
            &id,
            (query.format.as_deref(), query.lang.as_deref()),
        )
    })
    .await?;
    Ok(record_response(file))
}

/// A record's file as an answer: HTML shown, Word as an attachment.
pub fn record_response(file: crate::app::completion_record::Download) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type(file.format.content_type())
        .insert_header(("Content-Language", file.lang.as_str()));
    if file.format == Format::Docx {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.file_name()),
        ));
    }
    response.body(file.bytes)
}

/// Records the signed contract.
#[utoipa::path(tag = "contracts", request_body = ContractBody,
    responses((status = 201, body = ContractResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/contracts")]
pub async fn record(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ContractBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let templates = state.clauses.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, templates.catalog(), &id, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// The engagement's contracts, the one in force first.
#[utoipa::path(tag = "contracts",
    responses((status = 200, body = Vec<ContractResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/contracts")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = state.get_ref().clone();
    let list = db::read(&state.pool, move |conn| {
        use_case::of_engagement(conn, &app, &who.actor, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

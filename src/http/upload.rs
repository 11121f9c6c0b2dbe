//! Files staff send as `multipart/form-data` (a record's evidence, from the API or the
//! engagement page): the parts named `file`, each read up to the limit, and the form's
//! few text fields (a page's CSRF token). Anything else about the body is a 4xx here, so
//! the use case sees only files it can judge.

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::app::records::{Upload, MAX_FILES};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// Text fields are short (a CSRF token); parts beyond these are not read.
const MAX_TEXT_BYTES: usize = 4 * 1024;
const MAX_PARTS: usize = MAX_FILES + 8;

/// What a multipart body held.
#[derive(Default)]
pub struct Received {
    pub files: Vec<Upload>,
    pub texts: Vec<(String, String)>,
}

impl Received {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn malformed(detail: impl std::fmt::Display) -> AppError {
    AppError::Malformed(vec![FieldError::new(
        "body",
        "malformed",
        Msg::new(
            format!("フォームの内容を読み取れませんでした（{detail}）"),
            format!("The form could not be read ({detail})"),
        ),
    )])
}

/// Whether the request says it carries `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"))
}

/// Reads the body: 415 unless multipart, 413 for a file over `max_file_bytes`, 400 for
/// a body that does not parse or holds too many parts.
pub async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    max_file_bytes: usize,
) -> AppResult<Received> {
    if !is_multipart(req) {
        return Err(AppError::UnsupportedMediaType);
    }
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
    let mut received = Received::default();
    let mut parts = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(malformed("too many parts"));
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let limit = if name == "file" {
            max_file_bytes
        } else {
            MAX_TEXT_BYTES
        };
        let mut content = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if content.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            content.extend_from_slice(&chunk);
        }
        if name == "file" {
            // A file input left empty still sends an empty part without a name.
            let file_name = file_name.unwrap_or_default();
            if file_name.is_empty() && content.is_empty() {
                continue;
            }
            received.files.push(Upload { file_name, content });
        } else {
            let text = String::from_utf8(content).map_err(|_| malformed("not UTF-8"))?;
            if text.contains('\0') {
                return Err(AppError::Malformed(vec![crate::http::input::nul_error(
                    name,
                )]));
            }
            received.texts.push((name, text));
        }
    }
    Ok(received)
}

/// The files sent to a record (`app::records::attach`), read only once the actor is
/// known to be allowed to attach to it, so that nobody else can make the service read a
/// large body.
pub async fn receive_for_record(
    state: &crate::http::AppState,
    req: &HttpRequest,
    actor: &crate::policy::access::Actor,
    (id, record_id): (&str, &str),
    payload: web::Payload,
) -> AppResult<Received> {
    {
        let (actor, id, record_id) = (actor.clone(), id.to_string(), record_id.to_string());
        crate::db::read(&state.pool, move |conn| {
            crate::app::records::attachable(conn, &actor, &id, &record_id)
        })
        .await?;
    }
    receive(req, payload, state.config.checks.evidence_max_bytes).await
}

//! `ApiJson<T>`: a JSON body extractor whose every failure is a problem+json answer that
//! names the field: unknown fields, wrong types and missing fields by their path
//! (`contacts[0].email`), oversized bodies as 413, other media types as 415.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{BytesMut, Data};
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

const DEFAULT_LIMIT: usize = 256 * 1024;

pub struct ApiJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<Data<AppState>>()
            .map(|s| s.config.max_body_bytes)
            .unwrap_or(DEFAULT_LIMIT);
        let json = is_json(req);
        let declared: Option<usize> = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(AppError::UnsupportedMediaType);
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(AppError::PayloadTooLarge { limit });
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::Malformed(vec![FieldError::new(
                        "",
                        "unreadable",
                        Msg::new(
                            format!("本文を読み取れません: {e}"),
                            format!("Cannot read the body: {e}"),
                        ),
                    )])
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(AppError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(ApiJson)
        })
    }
}

/// Reads `T` from JSON bytes, explaining a failure by the path of the field at fault.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    // A NUL can only arrive escaped (`\u0000`): a raw control character is not JSON.
    if body.windows(6).any(|w| w == br"\u0000") {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            let paths = super::input::nul_paths(&value);
            if !paths.is_empty() {
                return Err(AppError::Malformed(
                    paths.into_iter().map(super::input::nul_error).collect(),
                ));
            }
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        AppError::Malformed(vec![explain_serde(&path, err.inner())])
    })?;
    // Trailing characters after the value make the body malformed too.
    de.end()
        .map_err(|e| AppError::Malformed(vec![explain_serde("", &e)]))?;
    Ok(value)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn backticked(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    Some(&msg[start..end])
}

fn explain_serde(path: &str, err: &serde_json::Error) -> FieldError {
    use serde_json::error::Category;
    let text = err.to_string();
    // serde_json appends " at line L column C"; the field path says more to a person.
    let reason = text.split(" at line ").next().unwrap_or(&text).to_string();
    let field = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => FieldError::new(
            "",
            "syntax",
            Msg::new(
                format!("JSON として読み取れません: {text}"),
                format!("Not valid JSON: {text}"),
            ),
        ),
        Category::Data => {
            if let Some(name) = reason.strip_prefix("unknown field ").and_then(backticked) {
                // The path already ends at the unknown field itself.
                let at = if field.is_empty() {
                    name.to_string()
                } else {
                    field.clone()
                };
                FieldError::new(
                    at,
                    "unknown_field",
                    Msg::new(
                        format!("項目 {name} は受け付けていません: {reason}"),
                        format!("Unknown field {name}: {reason}"),
                    ),
                )
            } else if let Some(name) = reason.strip_prefix("missing field ").and_then(backticked) {
                FieldError::new(
                    join(&field, name),
                    "required",
                    Msg::new("必須項目です", "This field is required"),
                )
            } else {
                FieldError::new(
                    field,
                    "type",
                    Msg::new(
                        format!("値の型が正しくありません: {reason}"),
                        format!("Wrong type: {reason}"),
                    ),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Contact {
        name: String,
        email: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        count: u32,
        #[serde(default)]
        contacts: Vec<Contact>,
    }

    fn field_of(body: &str) -> (String, &'static str) {
        match parse::<Body>(body.as_bytes()) {
            Err(AppError::Malformed(f)) => (f[0].field.clone(), f[0].code),
            other => panic!("expected malformed, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(
            field_of(r#"{"title":"a","count":"x"}"#),
            ("count".into(), "type")
        );
        assert_eq!(field_of(r#"{"count":1}"#), ("title".into(), "required"));
        assert_eq!(
            field_of(r#"{"title":"a","count":1,"colour":"red"}"#),
            ("colour".into(), "unknown_field")
        );
        assert_eq!(
            field_of(r#"{"title":"a","count":1,"contacts":[{"name":"n","email":3}]}"#),
            ("contacts[0].email".into(), "type")
        );
        assert_eq!(field_of(r#"{"title":"a","#), ("".into(), "syntax"));
        assert_eq!(
            field_of(r#"{"title":"a","count":1} trailing"#),
            ("".into(), "syntax")
        );
        assert!(parse::<Body>(br#"{"title":"a","count":1}"#).is_ok());
    }

    #[test]
    fn a_nul_in_any_string_is_refused_by_its_path() {
        assert_eq!(
            field_of(r#"{"title":"a","count":1,"contacts":[{"name":"x\u0000","email":"e"}]}"#),
            ("contacts[0].name".into(), "control_character")
        );
        // An escaped backslash before `u0000` is no NUL.
        assert!(parse::<Body>(br#"{"title":"a\\u0000","count":1}"#).is_ok());
    }
}

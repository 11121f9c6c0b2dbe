//! Characters no field may hold. PostgreSQL's text type cannot store U+0000, and a string
//! holding one would fail inside the database as a server error; so a NUL anywhere in the
//! API's path, query or JSON body is refused here, before any handler runs, as a 400 that
//! names the field. (The vendor portal's form fields are checked where the form is read.)

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

/// The error for a NUL character found in `field`.
pub fn nul_error(field: impl Into<String>) -> FieldError {
    FieldError::new(
        field,
        "control_character",
        Msg::new(
            "NUL 文字（U+0000）は使えません",
            "The NUL character (U+0000) is not allowed",
        ),
    )
}

/// Percent-decodes one component of a URL (and `+` as a space, as forms send it).
fn decoded(component: &str) -> Vec<u8> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Every field of the URL holding a NUL: `path`, or a query parameter by its name.
pub fn nul_fields(path: &str, query: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if decoded(path).contains(&0) {
        errors.push(nul_error("path"));
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name_bytes = decoded(name);
        if name_bytes.contains(&0) || decoded(value).contains(&0) {
            let shown = String::from_utf8_lossy(&name_bytes).replace('\0', "\\u0000");
            errors.push(nul_error(shown));
        }
    }
    errors
}

/// Every JSON path (`contacts[0].email`) whose string, or object key, holds a NUL.
pub fn nul_paths(value: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) if s.contains('\0') => out.push(path),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    let at = if path.is_empty() {
                        key.replace('\0', "\\u0000")
                    } else {
                        format!("{path}.{}", key.replace('\0', "\\u0000"))
                    };
                    if key.contains('\0') {
                        out.push(at);
                    } else {
                        walk(item, at, out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// Refuses a NUL in the API's path or query before routing reaches a handler.
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.path().starts_with("/api/") {
        let errors = nul_fields(req.path(), req.query_string());
        if !errors.is_empty() {
            return Err(AppError::Malformed(errors).into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(path: &str, query: &str) -> Vec<String> {
        nul_fields(path, query)
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn finds_a_nul_in_the_path_or_a_query_parameter() {
        assert!(fields("/api/v1/engagements/abc", "q=%E4%BF%9D&page=1").is_empty());
        assert_eq!(fields("/api/v1/engagements/a%00b", ""), ["path"]);
        assert_eq!(fields("/api/v1/engagements", "q=a%00&level=L3"), ["q"]);
        assert_eq!(fields("/api/v1/x", "q=ok&vendor=%00"), ["vendor"]);
        // A key holding one is named with the character written out.
        assert_eq!(fields("/api/v1/x", "a%00b=1"), ["a\\u0000b"]);
        // A lone or broken escape is not a NUL.
        assert!(fields("/api/v1/x%", "q=%0&r=%zz00&s=%").is_empty());
    }

    #[test]
    fn finds_a_nul_anywhere_in_a_json_body() {
        let body = serde_json::json!({
            "title": "ok",
            "contacts": [{"name": "ok"}, {"email": "a\u{0}@b"}],
            "cloud": {"service_name": "\u{0}"},
            "map": {"k\u{0}": 1},
        });
        let mut paths = nul_paths(&body);
        paths.sort();
        assert_eq!(
            paths,
            ["cloud.service_name", "contacts[1].email", "map.k\\u0000"]
        );
        assert!(nul_paths(&serde_json::json!({"a": ["x", 1, null]})).is_empty());
    }
}

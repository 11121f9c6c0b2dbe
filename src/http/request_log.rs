//! One log line per request, with a request id that is also returned to the client as
//! `X-Request-Id`. Only method, path, status and time are logged: never the query string
//! or body, which may hold search text or L2/L3 information, nor any header.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, ACCEPT_LANGUAGE};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;

use crate::i18n::Lang;

pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    // The audit log records it, so an entry can be matched with the request's log line.
    req.extensions_mut()
        .insert(super::client::RequestId(request_id.clone()));
    let lang = Lang::from_accept_language(
        req.headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let method = req.method().to_string();
    let path = loggable_path(req.path());
    let started = Instant::now();
    let span = tracing::info_span!("request", request_id = %request_id);
    let result = lang.scope(next.call(req)).instrument(span.clone()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _enter = span.enter();
    match result {
        Ok(mut res) => {
            tracing::info!(
                method,
                path,
                status = res.status().as_u16(),
                elapsed_ms,
                "request"
            );
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), v);
            }
            Ok(res)
        }
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            tracing::info!(method, path, status, elapsed_ms, "request");
            Err(e)
        }
    }
}

/// The path as the log may show it: a portal link's token is a credential, so it is
/// replaced by `<token>`.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/portal/") {
        Some(rest) if !rest.starts_with("static/") => "/portal/<token>".to_string(),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn portal_tokens_never_reach_the_log() {
        assert_eq!(
            super::loggable_path("/portal/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"),
            "/portal/<token>"
        );
        assert_eq!(
            super::loggable_path("/portal/static/portal.css"),
            "/portal/static/portal.css"
        );
        assert_eq!(super::loggable_path("/api/v1/checks"), "/api/v1/checks");
    }
}

//! Cross-site request forgery. A browser sends the session cookie with any request, also
//! one a page of another site makes it send; so a state-changing request that signs in by
//! cookie must also carry the session's CSRF token (`X-CSRF-Token`, or the `csrf_token`
//! field of a form), which only pages of this service are given. Bearer tokens are not
//! sent by browsers on their own and need no CSRF token. Independently, an unsafe request
//! whose `Origin` is another site is refused outright.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::HttpRequest;

use super::AppState;
use crate::auth;
use crate::error::AppError;

pub const HEADER: &str = "x-csrf-token";

/// Methods that change something.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn refused() -> AppError {
    AppError::forbidden(
        "CSRF トークンがないか正しくありません。サインイン後に受け取った csrf_token を X-CSRF-Token ヘッダーで送ってください",
        "Missing or wrong CSRF token: send the csrf_token given at sign-in in the X-CSRF-Token header",
    )
}

/// For a request signed in by the session cookie `session_secret`: an unsafe one must
/// carry the session's CSRF token in the header.
pub fn check_header(req: &HttpRequest, session_secret: &str) -> Result<(), AppError> {
    if !is_unsafe(req.method()) {
        return Ok(());
    }
    let presented = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    check_value(session_secret, presented)
}

/// A form field's (or header's) value against the session's CSRF token.
pub fn check_value(session_secret: &str, presented: &str) -> Result<(), AppError> {
    if auth::csrf_matches(session_secret, presented) {
        Ok(())
    } else {
        tracing::info!("request refused: CSRF token");
        Err(refused())
    }
}

fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// Refuses an unsafe request that a page of another origin made the browser send.
/// The `Origin` of an unsafe request when it is another site's (neither the public base
/// URL's origin nor the one the request was addressed to); `None` when it may proceed.
pub fn foreign_origin(req: &HttpRequest) -> Option<String> {
    if !is_unsafe(req.method()) {
        return None;
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())?;
    let public = req
        .app_data::<Data<AppState>>()
        .map(|s| origin_of(&s.config.public_base_url).to_string())
        .unwrap_or_default();
    let info = req.connection_info();
    let own = format!("{}://{}", info.scheme(), info.host());
    (origin != public && origin != own).then(|| origin.to_string())
}

/// Refuses a change asked for by another site's page. The vendor portal makes the same
/// check itself, to answer with a page rather than problem+json.
pub async fn same_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !req.path().starts_with("/portal/") {
        if let Some(origin) = foreign_origin(req.request()) {
            tracing::info!(origin, "request refused: cross-origin");
            return Err(AppError::forbidden(
                "他のサイトからの変更要求は受け付けません",
                "Requests from another site's pages are refused",
            )
            .into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://itaku.city.example/app"),
            "https://itaku.city.example"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}

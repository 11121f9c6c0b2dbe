//! Where a request comes from, as the audit log and the sign-in throttle see it.

use actix_web::http::header::HeaderName;
use actix_web::{HttpMessage, HttpRequest};

/// The id `request_log` gave the request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}

/// The client's IP address. Behind a reverse proxy (`trust_forwarded_for`), the
/// right-most `X-Forwarded-For` entry: the one the proxy itself added, which the client
/// cannot forge; otherwise the peer of the TCP connection.
pub fn address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let forwarded = req
            .headers()
            .get_all(HeaderName::from_static("x-forwarded-for"))
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty());
        if let Some(ip) = forwarded {
            return ip.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

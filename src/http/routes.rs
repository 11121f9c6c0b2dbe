//! What the route list says about a request before any handler runs: whether its route
//! needs a signed-in caller (authenticated here, so that a bad token is a 401 before the
//! body is read), which methods a known path takes (405 with `Allow` for the others), and
//! `HEAD` answered as `GET` without the body (monitoring tools probe with `HEAD`).

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::HttpMessage;

use super::signed_in::SignedIn;

struct Route {
    /// The pattern's text up to its first variable: a cheap test before the pattern's own
    /// (this runs for every request).
    prefix: String,
    pattern: ResourceDef,
    /// Each method of the path, and whether it needs a caller past every sign-in stage
    /// (an operation secured by the `token` scheme).
    methods: Vec<(Method, bool)>,
}

/// The API's routes as the OpenAPI document lists them: the same registration that
/// serves them.
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> RouteTable {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let operations = [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ];
                let methods = operations
                    .into_iter()
                    .filter_map(|(method, op)| {
                        let op = op.as_ref()?;
                        let signed_in = op.security.as_ref().is_some_and(|all| {
                            all.iter().any(|s| {
                                serde_json::to_value(s)
                                    .ok()
                                    .and_then(|v| v.as_object().map(|o| o.contains_key("token")))
                                    .unwrap_or(false)
                            })
                        });
                        Some((method, signed_in))
                    })
                    .collect();
                Route {
                    prefix: path.split('{').next().unwrap_or("").to_string(),
                    pattern: ResourceDef::new(path.as_str()),
                    methods,
                }
            })
            .collect();
        RouteTable { routes }
    }

    /// Every route whose pattern takes `path`.
    fn matching<'a, 'p>(&'a self, path: &'p str) -> impl Iterator<Item = &'a Route> + use<'a, 'p> {
        self.routes
            .iter()
            .filter(move |r| path.starts_with(&r.prefix) && r.pattern.is_match(path))
    }

    /// The route whose pattern takes `path`, preferring one written without variables
    /// (`/checks/export.csv` before `/checks/{id}`), as the router does.
    fn route(&self, path: &str) -> Option<&Route> {
        let mut found = self.matching(path).collect::<Vec<_>>();
        found.sort_by_key(|r| r.pattern.pattern().map(|p| p.contains('{')).unwrap_or(true));
        found.into_iter().find(|r| !r.methods.is_empty())
    }

    /// Whether `method path` is an operation that needs a fully signed-in caller.
    pub fn needs_sign_in(&self, method: &Method, path: &str) -> bool {
        self.matching(path)
            .flat_map(|r| r.methods.iter())
            .any(|(m, signed_in)| m == method && *signed_in)
    }

    /// The `Allow` header of a known path, when `method` is not among its methods.
    pub fn allow(&self, method: &Method, path: &str) -> Option<String> {
        let route = self.route(path)?;
        if route.methods.iter().any(|(m, _)| m == method) {
            return None;
        }
        let mut names: Vec<&str> = route.methods.iter().map(|(m, _)| m.as_str()).collect();
        if names.contains(&"GET") {
            names.push("HEAD");
        }
        Some(names.join(", "))
    }
}

/// Runs first for every request: `HEAD` becomes `GET` (the server leaves out the body
/// but keeps its length), and a request for an operation that needs a signed-in caller
/// is authenticated before the handler reads anything else.
pub async fn before_handlers(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let needs = req
        .app_data::<Data<RouteTable>>()
        .is_some_and(|t| t.needs_sign_in(req.method(), req.path()));
    if needs {
        let who = SignedIn::resolve(req.request()).await?;
        req.extensions_mut().insert(who);
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        RouteTable::from_openapi(&crate::http::api::openapi())
    }

    #[test]
    fn knows_the_methods_of_each_path() {
        let t = table();
        assert_eq!(
            t.allow(&Method::DELETE, "/api/v1/engagements").as_deref(),
            Some("GET, POST, HEAD")
        );
        assert_eq!(t.allow(&Method::GET, "/api/v1/engagements"), None);
        assert_eq!(
            t.allow(&Method::PUT, "/api/v1/engagements/abc").as_deref(),
            Some("GET, PATCH, HEAD")
        );
        assert_eq!(
            t.allow(&Method::POST, "/api/v1/checks/export.csv")
                .as_deref(),
            Some("GET, HEAD")
        );
        assert_eq!(t.allow(&Method::GET, "/api/v1/nothing"), None);
    }

    #[test]
    fn only_token_secured_operations_need_a_signed_in_caller() {
        let t = table();
        assert!(t.needs_sign_in(&Method::GET, "/api/v1/engagements"));
        assert!(t.needs_sign_in(&Method::POST, "/api/v1/engagements/x/transitions"));
        // Signing in, its steps and the health checks come before or without it.
        assert!(!t.needs_sign_in(&Method::POST, "/api/v1/session"));
        assert!(!t.needs_sign_in(&Method::POST, "/api/v1/session/second-factor"));
        assert!(!t.needs_sign_in(&Method::GET, "/healthz"));
    }
}

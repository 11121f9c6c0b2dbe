//! The staff web application over HTTP: server-rendered pages that parse a form, call
//! the same `app` function as the API, and answer HTML. Signing in is the session
//! cookie the API uses; a page asked for without one sends the person to the sign-in
//! page and, once signed in, back to where they were. Every form carries the session's
//! CSRF token. Errors become readable pages here (`page_errors`), never problem+json.

mod admin;
mod approvals;
mod audit;
mod checks;
mod clauses;
mod cloud;
mod engagements;
mod findings;
mod my_work;
mod obligations;
mod records;
mod register;
mod sign_in;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::web::{self, Data};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

use super::signed_in::{idle, state_of, SESSION_COOKIE};
use super::{client, csrf, AppState};
use crate::audit::Origin;
use crate::auth;
use crate::db::{self, sessions, users};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::policy::access::Actor;
use crate::policy::sign_in::Stage;
use crate::staff::views::{FormError, Link, MessageView};
use crate::staff::{Chrome, ChromeUser, Page, Section, StaffPages};

/// Pages allow their own stylesheets and the QR code's data address, nothing inline.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The largest form a page takes (the longest text field is a few thousand characters).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Every page route, method and pattern: what the authorization test of the pages
/// (`tests/api/page_authorization.rs`) must have a row for. A unit test below checks it
/// against the routes the page modules register.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/sign-in/code"),
    ("POST", "/sign-in/code"),
    ("GET", "/sign-in/password"),
    ("POST", "/sign-in/password"),
    ("GET", "/sign-in/enrol"),
    ("POST", "/sign-in/enrol"),
    ("POST", "/sign-in/enrol/start"),
    ("POST", "/sign-out"),
    ("GET", "/account/recovery-codes"),
    ("POST", "/account/recovery-codes"),
    ("POST", "/account/language"),
    ("GET", "/engagements"),
    ("GET", "/engagements/{id}"),
    ("POST", "/engagements/{id}/move"),
    ("GET", "/engagements/{id}/completion-record"),
    ("GET", "/engagements/new"),
    ("POST", "/engagements/new"),
    ("GET", "/engagements/export.csv"),
    ("GET", "/engagements/{id}/edit"),
    ("POST", "/engagements/{id}/edit"),
    ("POST", "/engagements/{id}/items"),
    ("POST", "/engagements/{id}/items/{item_id}/delete"),
    ("GET", "/vendors"),
    ("GET", "/vendors/new"),
    ("POST", "/vendors/new"),
    ("GET", "/vendors/{id}"),
    ("POST", "/vendors/{id}"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{id}"),
    ("POST", "/admin/users/{id}"),
    ("GET", "/admin/divisions"),
    ("POST", "/admin/divisions"),
    ("GET", "/admin/access-review"),
    ("POST", "/admin/access-review"),
    ("GET", "/admin/outbox"),
    ("POST", "/admin/outbox/{id}/retry"),
    ("GET", "/admin/sweep"),
    ("POST", "/admin/sweep"),
    ("GET", "/audit-log"),
    ("GET", "/audit-log/export.csv"),
    ("GET", "/engagements/{id}/clauses"),
    ("GET", "/engagements/{id}/clauses/download"),
    ("POST", "/engagements/{id}/contracts"),
    ("POST", "/engagements/{id}/approvals"),
    ("POST", "/engagements/{id}/manager-assets"),
    ("GET", "/approvals"),
    ("POST", "/approvals/{id}/decision"),
    ("POST", "/engagements/{id}/checks"),
    ("GET", "/checks"),
    ("GET", "/checks/export.csv"),
    ("GET", "/checks/{id}"),
    ("GET", "/checks/{id}/evidence/{evidence_id}"),
    ("POST", "/checks/{id}/review"),
    ("POST", "/checks/{id}/links"),
    ("POST", "/checks/{id}/links/revoke"),
    ("GET", "/findings"),
    ("GET", "/findings/export.csv"),
    ("GET", "/findings/{id}"),
    ("POST", "/findings/{id}"),
    ("POST", "/findings/{id}/risk-acceptance"),
    ("POST", "/engagements/{id}/waivers"),
    ("POST", "/engagements/{id}/waivers/{waiver_id}/decision"),
    ("POST", "/engagements/{id}/records"),
    ("GET", "/engagements/{id}/configuration"),
    ("POST", "/engagements/{id}/configuration"),
    ("GET", "/engagements/{id}/configuration/compare"),
    ("POST", "/engagements/{id}/configuration/{version}/approval"),
    ("GET", "/engagements/{id}/cloud-service"),
    ("POST", "/engagements/{id}/cloud-service/ismap-listing"),
    ("POST", "/engagements/{id}/cloud-service/data-location"),
    ("GET", "/engagements/{id}/subprocessors"),
    ("POST", "/engagements/{id}/subprocessors/changes"),
    (
        "POST",
        "/engagements/{id}/subprocessors/changes/{change_id}/acknowledgement",
    ),
    ("POST", "/engagements/{id}/subprocessors/link"),
    ("GET", "/engagements/{id}/responsibility"),
    ("POST", "/engagements/{id}/responsibility"),
    ("POST", "/engagements/{id}/responsibility/{version}/sending"),
    (
        "POST",
        "/engagements/{id}/responsibility/{version}/approval",
    ),
    ("POST", "/engagements/{id}/records/{record_id}/files"),
    (
        "GET",
        "/engagements/{id}/records/{record_id}/files/{file_id}",
    ),
    ("POST", "/engagements/{id}/check-interval"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_FORM_BYTES));
    sign_in::configure(cfg);
    my_work::configure(cfg);
    // Before the engagement's own page, whose `{id}` would take `new`.
    register::configure(cfg);
    engagements::configure(cfg);
    admin::configure(cfg);
    audit::configure(cfg);
    clauses::configure(cfg);
    approvals::configure(cfg);
    checks::configure(cfg);
    findings::configure(cfg);
    obligations::configure(cfg);
    records::configure(cfg);
    cloud::configure(cfg);
}

/// Registers a page's address: its errors are answered as pages, and methods it does not
/// take with 405 (`allow` lists those it does).
fn add(cfg: &mut web::ServiceConfig, allow: &'static str, resource: actix_web::Resource) {
    cfg.service(
        resource
            .default_service(web::to(move || async move {
                Err::<HttpResponse, AppError>(AppError::MethodNotAllowed {
                    allow: allow.into(),
                })
            }))
            .wrap(from_fn(page_errors)),
    );
}

/// An HTML answer with the pages' security headers.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(body)
}

/// A redirect after a form (303: the browser follows it with GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `next` when it is an address of this service (a path), else `/`: the page to return
/// to is never another site.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/".into(),
    }
}

/// A value for a query string.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The language of a page nobody is signed in to: `?lang=en`, else Japanese.
pub fn anonymous_lang(req: &HttpRequest) -> Lang {
    let lang = req
        .query_string()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v);
    match lang {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    }
}

/// The address of this request, path and query, for coming back to it.
fn here(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}

/// What an error page's frame knows about the person, left by the extractors.
#[derive(Clone)]
struct Framed {
    lang: Lang,
    user: Option<ChromeUser>,
    csrf: Option<String>,
}

/// A staff member past every sign-in stage, signed in by the session cookie: their
/// session (`Signing`, reached through `Deref`), what they may do, and the page asked for.
pub struct Staff {
    pub actor: Actor,
    /// The address of the page asked for.
    pub path: String,
    signed: Signing,
}

impl std::ops::Deref for Staff {
    type Target = Signing;

    fn deref(&self) -> &Signing {
        &self.signed
    }
}

impl Staff {
    pub fn lang(&self) -> Lang {
        self.user.language
    }

    /// The person as the frame shows them, with the restricted menu entries policy lets
    /// them open.
    fn chrome_user(&self) -> ChromeUser {
        ChromeUser {
            name: self.user.display_name.clone(),
            sections: [admin::may_open(&self.actor), audit::may_open(&self.actor)]
                .into_iter()
                .flatten()
                .collect(),
        }
    }

    /// The frame of a page in `section` titled `title`.
    pub fn chrome(&self, title: impl Into<String>, section: Option<Section>) -> Chrome {
        Chrome {
            lang: self.lang(),
            title: title.into(),
            user: Some(self.chrome_user()),
            csrf: Some(self.csrf()),
            section,
            path: self.path.clone(),
            flash: None,
        }
    }
}

/// Where a person who is not (fully) signed in is sent: the sign-in page, or the step of
/// signing in they are at, with the page to come back to.
struct Bounce(String);

impl std::fmt::Debug for Bounce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign-in needed: {}", self.0)
    }
}

impl std::fmt::Display for Bounce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign-in needed")
    }
}

impl actix_web::ResponseError for Bounce {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        see_other(&self.0)
    }
}

/// The page of the sign-in step `stage`, keeping `next`.
pub fn stage_page(stage: Stage, next: &str) -> String {
    let path = match stage {
        Stage::SecondFactor => "/sign-in/code",
        Stage::ChangePassword => "/sign-in/password",
        Stage::Enrol => "/sign-in/enrol",
        Stage::Complete => return local_path(Some(next)),
    };
    if next == "/" {
        path.to_string()
    } else {
        format!("{path}?next={}", encode(next))
    }
}

/// The live session of the cookie, at any stage, with its user.
async fn live_session(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<(sessions::Session, users::User, String)>, AppError> {
    let Some(secret) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    let idle = idle(state);
    let now = state.now().naive_utc();
    let hash = auth::sha256_hex(&secret);
    let found = db::run(&state.pool, move |conn| {
        sessions::live_session(conn, &hash, idle, now)
    })
    .await?;
    Ok(found.map(|(s, u)| (s, u, secret)))
}

/// For a page asked for with GET, itself; for a form, the page it was on (the Referer
/// of this service), so that signing in again returns there rather than to a POST.
fn return_to(req: &HttpRequest) -> String {
    if !csrf::is_unsafe(req.method()) {
        return here(req);
    }
    let referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let info = req.connection_info();
    let own = format!("{}://{}", info.scheme(), info.host());
    local_path(referer.strip_prefix(&own))
}

impl FromRequest for Staff {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state_of(&req)?;
            let next = return_to(&req);
            let Some((session, user, secret)) = live_session(&req, &state).await? else {
                let expired = req.cookie(SESSION_COOKIE).is_some();
                let mut to = format!("/sign-in?next={}", encode(&next));
                if expired {
                    to.push_str("&expired=1");
                }
                return Err(Bounce(to).into());
            };
            let stage = Stage::parse(&session.stage).unwrap_or(Stage::SecondFactor);
            if stage != Stage::Complete {
                return Err(Bounce(stage_page(stage, &next)).into());
            }
            let user_id = user.id.clone();
            let actor = db::read(&state.pool, move |conn| {
                Ok(Actor {
                    roles: users::roles_of(conn, &user_id)?,
                    division_ids: users::division_ids_of(conn, &user_id)?,
                    user_id: user_id.clone(),
                })
            })
            .await?;
            let staff = Staff {
                actor,
                path: here(&req),
                signed: Signing {
                    address: client::address(&req, state.config.security.trust_forwarded_for),
                    request_id: client::request_id(&req),
                    session,
                    secret,
                    user,
                },
            };
            req.extensions_mut().insert(Framed {
                lang: staff.lang(),
                user: Some(staff.chrome_user()),
                csrf: Some(staff.csrf()),
            });
            Ok(staff)
        })
    }
}

/// A person part-way through signing in (or signed in): what the sign-in steps accept.
#[derive(Clone)]
pub struct Signing {
    pub session: sessions::Session,
    pub user: users::User,
    pub secret: String,
    pub address: String,
    pub request_id: Option<String>,
}

impl Signing {
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.session.stage).unwrap_or(Stage::SecondFactor)
    }

    pub fn origin(&self) -> Origin {
        Origin {
            actor_id: Some(self.user.id.clone()),
            actor: self.user.email.clone(),
            address: Some(self.address.clone()),
            request_id: self.request_id.clone(),
        }
    }

    pub fn csrf(&self) -> String {
        auth::csrf_token(&self.secret)
    }

    pub fn check_csrf(&self, form: &Form) -> Result<(), AppError> {
        csrf::check_value(&self.secret, form.get("csrf_token").unwrap_or(""))
    }

    /// As `check_csrf`, for a form read another way (a file upload).
    pub fn check_csrf_value(&self, value: &str) -> Result<(), AppError> {
        csrf::check_value(&self.secret, value)
    }

    pub fn pending(&self) -> crate::app::sessions::Pending<'_> {
        crate::app::sessions::Pending {
            user: &self.user,
            session: &self.session,
            address: &self.address,
            origin: self.origin(),
        }
    }
}

impl FromRequest for Signing {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state_of(&req)?;
            let Some((session, user, secret)) = live_session(&req, &state).await? else {
                let next = query_value(&req, "next").unwrap_or_else(|| "/".into());
                return Err(Bounce(format!(
                    "/sign-in?next={}&expired=1",
                    encode(&local_path(Some(&next)))
                ))
                .into());
            };
            req.extensions_mut().insert(Framed {
                lang: user.language,
                user: None,
                csrf: Some(auth::csrf_token(&secret)),
            });
            Ok(Signing {
                address: client::address(&req, state.config.security.trust_forwarded_for),
                request_id: client::request_id(&req),
                session,
                user,
                secret,
            })
        })
    }
}

/// A query parameter, decoded.
pub fn query_value(req: &HttpRequest, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A submitted form (`application/x-www-form-urlencoded`), its fields by name.
pub struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field sent several times (the ticked boxes of a checklist).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The fields whose names start with `prefix`, by the rest of their name (a
    /// comment per question: `qc.<question id>`).
    pub fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.fields
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }

    /// A field's value, trimmed, or `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }
}

impl FromRequest for Form {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type.starts_with("application/x-www-form-urlencoded") {
                return Err(AppError::UnsupportedMediaType.into());
            }
            let body = body.await?;
            let fields: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&body).map_err(|_| AppError::Malformed(vec![]))?;
            Ok(Form { fields })
        })
    }
}

/// A form refused, as the page that shows it again says it: the fields at fault (422),
/// or the rule that refused it in plain words (409, 403). Any other error is the error
/// page's.
pub fn refused_form(
    err: AppError,
    lang: Lang,
) -> Result<(StatusCode, Vec<FormError>, Option<String>), AppError> {
    if let Some(errors) = form_errors(&err, lang) {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, errors, None));
    }
    match &err {
        AppError::Conflict { message, .. } => Ok((
            StatusCode::CONFLICT,
            vec![],
            Some(message.get(lang).to_string()),
        )),
        AppError::Forbidden(message) => Ok((
            StatusCode::FORBIDDEN,
            vec![],
            Some(message.get(lang).to_string()),
        )),
        _ => Err(err),
    }
}

/// The one-line form errors of `err` for a form's summary, each on the input of its
/// field (the API's field names are the forms' input names).
pub fn form_errors(err: &AppError, lang: Lang) -> Option<Vec<FormError>> {
    match err {
        AppError::Validation(fields) | AppError::Malformed(fields) if !fields.is_empty() => Some(
            fields
                .iter()
                .map(|f| FormError {
                    field: input_id(&f.field),
                    message: f.message.get(lang).to_string(),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The id of a form's input for a field the API names: `contacts[0].name` is
/// `contacts_0_name`, `cloud.ismap` is `cloud_ismap`.
pub fn input_id(field: &str) -> String {
    field
        .replace("].", "_")
        .replace('[', "_")
        .replace(']', "")
        .replace('.', "_")
}

/// The message page for an error, in the language and frame the extractors found.
fn error_page(pages: &StaffPages, framed: &Framed, err: &AppError) -> (StatusCode, String) {
    use actix_web::ResponseError;
    let lang = framed.lang;
    let status = err.status_code();
    let key = match err {
        AppError::NotFound(_) => "errors.not_found",
        AppError::Forbidden(_) => "errors.forbidden",
        AppError::MethodNotAllowed { .. } => "errors.method_not_allowed",
        AppError::TooManyRequests { .. } => "errors.too_many",
        AppError::PayloadTooLarge { .. } => "errors.too_large",
        AppError::Unavailable(_) => "errors.unavailable",
        AppError::Conflict { .. } | AppError::Gate { .. } => "errors.conflict",
        AppError::Validation(_) | AppError::Malformed(_) | AppError::UnsupportedMediaType => {
            "errors.bad_request"
        }
        AppError::Unauthenticated | AppError::SignInFailed => "errors.sign_in",
        AppError::Database(_) | AppError::Internal(_) => "errors.internal",
    };
    let title = pages.text(lang, &format!("{key}.title")).to_string();
    let mut body = pages.text(lang, &format!("{key}.body")).to_string();
    // The service's own words about what was refused, when it has some a person can use.
    let detail = match err {
        AppError::Forbidden(m) | AppError::NotFound(m) => Some(m.get(lang).to_string()),
        AppError::Conflict { message, .. } | AppError::Gate { message, .. } => {
            Some(message.get(lang).to_string())
        }
        AppError::Validation(fields) | AppError::Malformed(fields) => Some(
            fields
                .iter()
                .map(|f| f.message.get(lang).to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        AppError::TooManyRequests { retry_after_secs } => Some(
            pages
                .text(lang, "errors.retry_in")
                .replace("{minutes}", &retry_after_secs.div_ceil(60).to_string()),
        ),
        _ => None,
    };
    if let Some(detail) = detail.filter(|d| !d.is_empty()) {
        body = format!("{body}\n{detail}");
    }
    let chrome = Chrome {
        lang,
        title,
        user: framed.user.clone(),
        csrf: framed.csrf.clone(),
        section: None,
        path: "/".into(),
        flash: None,
    };
    let view = MessageView {
        body,
        back: Some(Link {
            href: "/".into(),
            label: pages.text(lang, "errors.back").to_string(),
        }),
    };
    (status, pages.render(Page::Message, &chrome, &view))
}

/// Turns a page's error into a readable page: an `AppError` by its kind, anything else
/// actix answered (a body too large, a form that cannot be read) by its status.
async fn page_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let default_lang = anonymous_lang(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let err = match res.response().error() {
        Some(e) => match e.as_error::<AppError>() {
            Some(AppError::MethodNotAllowed { allow }) => AppError::MethodNotAllowed {
                allow: allow.clone(),
            },
            Some(AppError::Unauthenticated) => {
                let (req, _) = res.into_parts();
                let to = format!("/sign-in?next={}", encode(&here(&req)));
                return Ok(ServiceResponse::new(req, see_other(&to)));
            }
            Some(e) => clone_error(e),
            None => by_status(status),
        },
        None => return Ok(res),
    };
    if matches!(err, AppError::Internal(_) | AppError::Database(_)) {
        tracing::error!(error = %err, "page failed");
    }
    let (req, _) = res.into_parts();
    let framed = req.extensions().get::<Framed>().cloned().unwrap_or(Framed {
        lang: default_lang,
        user: None,
        csrf: None,
    });
    let Some(state) = req.app_data::<Data<AppState>>() else {
        return Ok(ServiceResponse::new(
            req,
            HttpResponse::build(status).finish(),
        ));
    };
    let (status, body) = error_page(&state.staff, &framed, &err);
    let mut answer = html(status, body);
    if let AppError::MethodNotAllowed { allow } = &err {
        if let Ok(v) = HeaderValue::from_str(allow) {
            answer.headers_mut().insert(header::ALLOW, v);
        }
    }
    if let AppError::TooManyRequests { retry_after_secs } = &err {
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            answer.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    Ok(ServiceResponse::new(req, answer))
}

/// The parts of an error a page shows (errors are not `Clone`: a database error is shown
/// only as "internal").
fn clone_error(e: &AppError) -> AppError {
    match e {
        AppError::Validation(f) => AppError::Validation(f.clone()),
        AppError::Malformed(f) => AppError::Malformed(f.clone()),
        AppError::PayloadTooLarge { limit } => AppError::PayloadTooLarge { limit: *limit },
        AppError::UnsupportedMediaType => AppError::UnsupportedMediaType,
        AppError::Unauthenticated => AppError::Unauthenticated,
        AppError::SignInFailed => AppError::SignInFailed,
        AppError::TooManyRequests { retry_after_secs } => AppError::TooManyRequests {
            retry_after_secs: *retry_after_secs,
        },
        AppError::Forbidden(m) => AppError::Forbidden(m.clone()),
        AppError::NotFound(m) => AppError::NotFound(m.clone()),
        AppError::MethodNotAllowed { allow } => AppError::MethodNotAllowed {
            allow: allow.clone(),
        },
        AppError::Conflict { message, allowed } => AppError::Conflict {
            message: message.clone(),
            allowed: allowed.clone(),
        },
        AppError::Gate { message, missing } => AppError::Gate {
            message: message.clone(),
            missing: missing.clone(),
        },
        AppError::Unavailable(m) => AppError::Unavailable(m.clone()),
        AppError::Database(e) => AppError::Internal(e.to_string()),
        AppError::Internal(m) => AppError::Internal(m.clone()),
    }
}

fn by_status(status: StatusCode) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge {
            limit: MAX_FORM_BYTES,
        },
        StatusCode::NOT_FOUND => AppError::not_found("", ""),
        s if s.is_client_error() => AppError::Malformed(vec![]),
        _ => AppError::Internal(format!("status {status}")),
    }
}

/// The 404 page of an address that is no page (outside `/api/`).
pub fn not_found_page(state: &AppState, req: &HttpRequest) -> HttpResponse {
    let framed = Framed {
        lang: anonymous_lang(req),
        user: None,
        csrf: None,
    };
    let (status, body) = error_page(&state.staff, &framed, &AppError::not_found("", ""));
    html(status, body)
}

/// What a form did, said on the page it led to (`?done=<what>`), for the things forms do.
pub const FLASHES: [&str; 12] = [
    "password",
    "moved",
    "registered",
    "saved",
    "item_added",
    "item_removed",
    "interval_saved",
    "recorded",
    "waiver_requested",
    "waiver_approved",
    "waiver_rejected",
    "attached",
];

/// Each area's `done` words with the labels table holding their texts.
const FLASH_SETS: &[(&str, &[&str])] = &[
    ("flash", &FLASHES),
    ("flash_admin", &admin::FLASHES),
    ("flash_clauses", &clauses::FLASHES),
    ("flash_checks", &CHECK_FLASHES),
    ("flash_cloud", &CLOUD_FLASHES),
];

/// As [`FLASHES`], for a cloud service's pages (labels in `labels/cloud`, under
/// `flash_cloud`).
pub const CLOUD_FLASHES: [&str; 10] = [
    "subprocessor_recorded",
    "subprocessor_acknowledged",
    "subprocessor_link_sent",
    "listing_recorded",
    "location_recorded",
    "configuration_recorded",
    "configuration_approved",
    "responsibility_recorded",
    "responsibility_sent",
    "responsibility_approved",
];

/// As [`FLASHES`], for the periodic check and finding pages (their labels are in
/// `labels/checks`, under `flash_checks`).
pub const CHECK_FLASHES: [&str; 6] = [
    "check_sent",
    "reviewed",
    "link_sent",
    "links_revoked",
    "finding_saved",
    "risk_accepted",
];

pub fn flash(pages: &StaffPages, lang: Lang, done: &str) -> Option<String> {
    FLASH_SETS.iter().find_map(|(table, words)| {
        words
            .contains(&done)
            .then(|| pages.text(lang, &format!("{table}.{done}")).to_string())
    })
}

/// Where a list stands ("全N件中 a〜b件"), and the addresses of the pages beside it:
/// the one pager of every list page.
pub fn pager(
    pages: &StaffPages,
    lang: Lang,
    (page, per_page, total): (i64, i64, impl Into<crate::app::page::Total>),
    href: impl Fn(i64) -> String,
) -> crate::staff::views::PagerView {
    let total = total.into();
    let first = if total.count == 0 {
        0
    } else {
        (page - 1) * per_page + 1
    };
    let last = (page * per_page).min(total.count);
    crate::staff::views::PagerView {
        summary: fill(
            pages,
            lang,
            if total.exact {
                "list.summary"
            } else {
                "list.summary_more"
            },
            &[
                ("total", &number(total.count)),
                ("first", &number(first)),
                ("last", &number(last)),
            ],
        ),
        previous: (page > 1).then(|| href(page - 1)),
        next: (last < total.count || !total.exact).then(|| href(page + 1)),
    }
}

/// A count as staff read it, with thousands separated: 10,000.
fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `key` of the labels with `{name}` filled in.
pub fn fill(pages: &StaffPages, lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
    let mut text = pages.text(lang, key).to_string();
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_with_thousands_separated() {
        let written: Vec<String> = [0, 7, 999, 1_000, 10_000, 732_299, 1_000_000, -1_234]
            .into_iter()
            .map(number)
            .collect();
        assert_eq!(
            written,
            [
                "0",
                "7",
                "999",
                "1,000",
                "10,000",
                "732,299",
                "1,000,000",
                "-1,234"
            ]
        );
    }

    #[test]
    fn only_paths_of_this_service_are_returned_to() {
        assert_eq!(
            local_path(Some("/engagements?kind=outsourcing")),
            "/engagements?kind=outsourcing"
        );
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    /// Every `web::resource("…").route(web::<method>()…)` of the page modules is in
    /// `ROUTES`, and nothing else is.
    #[test]
    fn the_route_list_is_the_routes_the_pages_register() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/pages");
        let mut registered = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for part in code.split("web::resource(\"").skip(1) {
                let path = part.split('"').next().unwrap();
                let until_next = part.split("web::resource(").next().unwrap();
                for (method, call) in [("GET", "web::get()"), ("POST", "web::post()")] {
                    if until_next.contains(call) {
                        registered.insert((method.to_string(), path.to_string()));
                    }
                }
            }
        }
        let listed: std::collections::BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(registered, listed);
    }

    #[test]
    fn an_api_field_name_is_the_id_of_the_forms_input() {
        assert_eq!(input_id("contacts[0].name"), "contacts_0_name");
        assert_eq!(input_id("cloud.ismap"), "cloud_ismap");
        assert_eq!(input_id("title"), "title");
    }

    #[test]
    fn the_page_to_return_to_survives_the_query_string() {
        assert_eq!(
            encode("/engagements?kind=a&q=保守"),
            "/engagements%3Fkind%3Da%26q%3D%E4%BF%9D%E5%AE%88"
        );
        assert_eq!(
            stage_page(Stage::SecondFactor, "/engagements/x"),
            "/sign-in/code?next=/engagements/x"
        );
        assert_eq!(stage_page(Stage::Enrol, "/"), "/sign-in/enrol");
        assert_eq!(stage_page(Stage::Complete, "//x"), "/");
    }
}

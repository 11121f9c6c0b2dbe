//! Who is calling: a staff member signed in by session cookie or bearer API token.
//! Missing or invalid credentials are a 401; what the actor may do is for
//! `policy::access` (403). A cookie-signed request that changes something must also carry
//! the session's CSRF token (`http::csrf`).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::{client, csrf, AppState};
use crate::audit::Origin;
use crate::auth;
use crate::db::{self, sessions, users};
use crate::error::AppError;
use crate::policy::access::Actor;

pub const SESSION_COOKIE: &str = "itaku_session";

/// A staff member past every sign-in stage.
pub struct SignedIn {
    pub actor: Actor,
    pub user: users::User,
    /// The session secret when signed in by cookie (its CSRF token derives from it).
    pub session_secret: Option<String>,
    pub address: String,
    pub request_id: Option<String>,
}

/// Who and where, for the audit log.
fn origin(user: &users::User, address: &str, request_id: &Option<String>) -> Origin {
    Origin {
        actor_id: Some(user.id.clone()),
        actor: user.email.clone(),
        address: Some(address.to_string()),
        request_id: request_id.clone(),
    }
}

/// The person a credential resolved to, with what they may do.
fn caller(
    conn: &mut db::DbConnection,
    user: users::User,
) -> Result<(Actor, users::User), AppError> {
    let actor = Actor {
        user_id: user.id.clone(),
        roles: users::roles_of(conn, &user.id)?,
        division_ids: users::division_ids_of(conn, &user.id)?,
    };
    Ok((actor, user))
}

impl SignedIn {
    pub fn origin(&self) -> Origin {
        origin(&self.user, &self.address, &self.request_id)
    }
}

/// A session at any stage of signing in (the second factor, a password change, the
/// enrolment): what the sign-in steps themselves accept.
pub struct PendingSession {
    pub session: sessions::Session,
    pub user: users::User,
    pub secret: String,
    pub address: String,
    pub request_id: Option<String>,
}

impl PendingSession {
    pub fn origin(&self) -> Origin {
        origin(&self.user, &self.address, &self.request_id)
    }
}

enum Credential {
    Token(String),
    Session(String),
}

fn credential(req: &HttpRequest) -> Result<Option<Credential>, AppError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| AppError::Unauthenticated)?;
        let (scheme, token) = value.split_once(' ').ok_or(AppError::Unauthenticated)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(AppError::Unauthenticated);
        }
        return Ok(Some(Credential::Token(token.trim().to_string())));
    }
    Ok(req
        .cookie(SESSION_COOKIE)
        .map(|c| Credential::Session(c.value().to_string())))
}

pub(crate) fn state_of(req: &HttpRequest) -> Result<Data<AppState>, AppError> {
    req.app_data::<Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("no application state".into()))
}

/// How long a session may go unused before it ends.
pub(crate) fn idle(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.config.session_idle).unwrap_or(chrono::Duration::minutes(30))
}

impl SignedIn {
    /// Resolves the caller's credential: a live API token, or a session cookie past every
    /// stage with its CSRF token on a change.
    pub async fn resolve(req: &HttpRequest) -> Result<SignedIn, AppError> {
        let state = state_of(req)?;
        let credential = credential(req)?.ok_or(AppError::Unauthenticated)?;
        let idle = idle(&state);
        let now = state.now().naive_utc();
        let address = client::address(req, state.config.security.trust_forwarded_for);
        let request_id = client::request_id(req);
        let session_secret = match &credential {
            Credential::Session(s) => Some(s.clone()),
            Credential::Token(_) => None,
        };
        // A token resolved recently is taken from the cache: no lookup at all.
        let cached = match &credential {
            Credential::Token(t) => {
                let hash = auth::sha256_hex(t);
                let hit = state.tokens.get(&hash);
                Some((hash, hit))
            }
            Credential::Session(_) => None,
        };
        let (actor, user) = match cached {
            Some((_, Some(hit))) => (hit.0.clone(), hit.1.clone()),
            Some((hash, None)) => {
                let generation = state.tokens.generation();
                let key = hash.clone();
                let found = db::read(&state.pool, move |conn| {
                    let user =
                        sessions::token_user(conn, &key, now)?.ok_or(AppError::Unauthenticated)?;
                    caller(conn, user)
                })
                .await?;
                state.tokens.insert(hash, generation, found.clone());
                found
            }
            // A read, but for touching the last-used time, which may be done twice.
            None => {
                let secret = session_secret.clone().unwrap_or_default();
                db::read(&state.pool, move |conn| {
                    let user = sessions::session_user(conn, &auth::sha256_hex(&secret), idle, now)?
                        .ok_or(AppError::Unauthenticated)?;
                    caller(conn, user)
                })
                .await?
            }
        };
        if let Some(secret) = &session_secret {
            csrf::check_header(req, secret)?;
        }
        Ok(SignedIn {
            actor,
            user,
            session_secret,
            address,
            request_id,
        })
    }
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Resolved before the handler's other arguments (its body) by `http::routes`.
        let resolved = req.extensions_mut().remove::<SignedIn>();
        let req = req.clone();
        Box::pin(async move {
            match resolved {
                Some(who) => Ok(who),
                None => SignedIn::resolve(&req).await,
            }
        })
    }
}

impl FromRequest for PendingSession {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state_of(req);
        let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let req = req.clone();
        Box::pin(async move {
            let state = state?;
            let secret = secret.ok_or(AppError::Unauthenticated)?;
            csrf::check_header(&req, &secret)?;
            let idle = idle(&state);
            let hash = auth::sha256_hex(&secret);
            let now = state.now().naive_utc();
            let (session, user) = db::run(&state.pool, move |conn| {
                sessions::live_session(conn, &hash, idle, now)?.ok_or(AppError::Unauthenticated)
            })
            .await?;
            Ok(PendingSession {
                session,
                user,
                secret,
                address: client::address(&req, state.config.security.trust_forwarded_for),
                request_id: client::request_id(&req),
            })
        })
    }
}

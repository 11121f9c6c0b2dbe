//! Who is calling: a staff member signed in by session cookie or bearer API token.
//! Missing or invalid credentials are a 401; what the actor may do is for
//! `policy::access` (403).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::AppState;
use crate::auth;
use crate::db::{self, sessions, users};
use crate::error::AppError;
use crate::policy::access::Actor;

pub const SESSION_COOKIE: &str = "itaku_session";

pub struct SignedIn {
    pub actor: Actor,
    pub user: users::User,
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

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<Data<AppState>>().cloned();
        let credential = credential(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no application state".into()))?;
            let credential = credential?.ok_or(AppError::Unauthenticated)?;
            let idle = chrono::Duration::from_std(state.config.session_idle)
                .unwrap_or(chrono::Duration::minutes(30));
            db::run(&state.pool, move |conn| {
                let user = match &credential {
                    Credential::Token(t) => sessions::token_user(conn, &auth::sha256_hex(t))?,
                    Credential::Session(s) => {
                        sessions::session_user(conn, &auth::sha256_hex(s), idle)?
                    }
                }
                .ok_or(AppError::Unauthenticated)?;
                let actor = Actor {
                    user_id: user.id.clone(),
                    roles: users::roles_of(conn, &user.id)?,
                    division_ids: users::division_ids_of(conn, &user.id)?,
                };
                Ok(SignedIn { actor, user })
            })
            .await
        })
    }
}

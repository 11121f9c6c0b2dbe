use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::UserResponse;
use crate::auth;
use crate::db::{self, sessions, users};
use crate::domain::EmailAddress;
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::signed_in::{SignedIn, SESSION_COOKIE};
use crate::http::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub user: UserResponse,
    /// When the session ends at the latest; it ends sooner when left idle.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Signs in with email and password; the session is a cookie (HttpOnly, SameSite=Strict,
/// Secure when the service is reached over HTTPS).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignInRequest,
    responses((status = 200, body = SessionResponse), (status = 401, description = "Wrong email or password")))]
#[post("/session")]
pub async fn sign_in(
    state: web::Data<AppState>,
    body: ApiJson<SignInRequest>,
) -> AppResult<HttpResponse> {
    let SignInRequest { email, password } = body.0;
    let absolute = state.config.session_absolute;
    let secret = auth::new_secret(auth::SESSION_PREFIX);
    let hash = auth::sha256_hex(&secret);
    let (member, expires_at) = db::run(&state.pool, move |conn| {
        // The same normalisation as at registration, so `Taro@City.Example` finds its account.
        let user = match EmailAddress::parse(&email) {
            Ok(e) => users::find_by_email(conn, e.as_str())?,
            Err(_) => None,
        };
        // Verify even when there is no such user, so timing does not tell who has an account.
        let stored = user.as_ref().map(|u| u.password_hash.as_str());
        let ok = auth::verify_password(&password, stored.unwrap_or(auth::dummy_hash()));
        let user = match user {
            Some(u) if ok && u.active => u,
            _ => {
                tracing::info!("sign-in refused");
                return Err(AppError::SignInFailed);
            }
        };
        let expires_at = db::now_utc()
            + chrono::Duration::from_std(absolute).unwrap_or(chrono::Duration::hours(12));
        db::write(conn, |conn| {
            sessions::create_session(conn, &user.id, &hash, expires_at)?;
            users::record_sign_in(conn, &user.id)
        })?;
        let member = users::get_member(conn, &user.id)?
            .ok_or_else(|| AppError::Internal("user vanished".into()))?;
        Ok((member, expires_at))
    })
    .await?;
    let cookie = Cookie::build(SESSION_COOKIE, secret)
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(absolute.as_secs() as i64))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(SessionResponse {
        user: member.into(),
        expires_at: Some(expires_at.and_utc()),
    }))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionResponse), (status = 401)), security(("session" = []), ("token" = [])))]
#[get("/session")]
pub async fn current(state: web::Data<AppState>, who: SignedIn) -> AppResult<HttpResponse> {
    let id = who.user.id.clone();
    let member = db::run(&state.pool, move |conn| users::get_member(conn, &id))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(HttpResponse::Ok().json(SessionResponse {
        user: member.into(),
        expires_at: None,
    }))
}

/// Signs out: the session ends at once on the server, not only in the browser.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401)), security(("session" = []), ("token" = [])))]
#[delete("/session")]
pub async fn sign_out(
    state: web::Data<AppState>,
    _who: SignedIn,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let hash = auth::sha256_hex(cookie.value());
        db::run(&state.pool, move |conn| {
            sessions::revoke_session(conn, &hash)
        })
        .await?;
    }
    let mut removal = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    removal.make_removal();
    Ok(HttpResponse::NoContent().cookie(removal).finish())
}

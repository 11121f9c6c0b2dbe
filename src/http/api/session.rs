//! Signing in and out (R-5.5.3.2, R-4.1.4.3): parse, call `app::sessions`, and answer
//! with the session's cookie (HttpOnly, SameSite=Lax, Secure over HTTPS).

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::access_review::Notice;
use super::users::UserResponse;
use crate::app::sessions::{self as use_case, At, Opened, Pending};
pub use crate::app::sessions::{
    CodeRequest, EnrolmentResponse, PasswordRequest, PreferencesRequest, SignInRequest,
};
use crate::auth;
use crate::config::Config;
use crate::db;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::{PendingSession, SignedIn, SESSION_COOKIE};
use crate::http::{client, AppState};
use crate::policy::sign_in::Stage;

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    /// `complete` once signed in; otherwise the step the client is to show next.
    pub stage: Stage,
    /// The signed-in user, once the stage is `complete`.
    pub user: Option<UserResponse>,
    /// When the session ends at the latest; it ends sooner when left idle.
    pub expires_at: Option<DateTime<Utc>>,
    /// Send this in the `X-CSRF-Token` header with every request that changes something
    /// while signed in by cookie.
    pub csrf_token: Option<String>,
    /// Shown once, right after the second factor is set up or the codes are renewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
    pub notices: Vec<Notice>,
}

fn at(state: &AppState) -> At {
    let now = state.now();
    At {
        now,
        today: state.config.date_at(now),
    }
}

fn pending_of(p: &PendingSession) -> Pending<'_> {
    Pending {
        user: &p.user,
        session: &p.session,
        address: &p.address,
        origin: p.origin(),
    }
}

/// The session cookie. SameSite=Lax rather than Strict: a link in a reminder email is a
/// navigation from another site (the mail client), and with Strict it would arrive without
/// the cookie and ask a signed-in person to sign in again. Changes are still guarded: every
/// one needs the session's CSRF token, and a request whose `Origin` is another site is
/// refused (`http::csrf`); Lax sends the cookie with no cross-site POST anyway.
pub(crate) fn session_cookie(secret: &str, max_age_secs: i64, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, secret.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age_secs))
        .finish()
}

/// The answer to a sign-in step: the session's stage, and the user once complete.
async fn session_body(
    state: &AppState,
    user_id: String,
    stage: Stage,
    secret: &str,
    expires_at: NaiveDateTime,
    recovery_codes: Option<Vec<String>>,
) -> AppResult<SessionResponse> {
    let config = state.config.clone();
    let today = state.today();
    let (user, notices) = if stage == Stage::Complete {
        let (user, notices) = db::read(&state.pool, move |conn| {
            use_case::who_is_signed_in(conn, &config, &user_id, today)
        })
        .await?;
        (Some(user), notices)
    } else {
        (None, vec![])
    };
    Ok(SessionResponse {
        stage,
        user,
        expires_at: Some(expires_at.and_utc()),
        csrf_token: Some(auth::csrf_token(secret)),
        recovery_codes,
        notices,
    })
}

/// The answer to a step that opened a new session: its cookie and its body.
async fn respond(state: &AppState, opened: Opened) -> AppResult<HttpResponse> {
    let Opened {
        user_id,
        stage,
        secret,
        expires_at,
        recovery_codes,
    } = opened;
    let body = session_body(state, user_id, stage, &secret, expires_at, recovery_codes).await?;
    let max_age = (expires_at - state.now().naive_utc()).num_seconds().max(1);
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(
            &secret,
            max_age,
            state.config.secure_cookies(),
        ))
        .json(body))
}

/// Signs in with email and password. The answer's `stage` says what comes next
/// (`second_factor`, `change_password`, `enrol`) or `complete`. The session is a cookie
/// (HttpOnly, SameSite=Lax, Secure when the service is reached over HTTPS). Too many
/// failures for the account or the address answer 429 with `Retry-After`.
#[utoipa::path(tag = "session", request_body = SignInRequest,
    responses((status = 200, body = SessionResponse), (status = 401, description = "Wrong email or password"),
        (status = 429, description = "Too many failed sign-ins; see Retry-After")))]
#[post("/session")]
pub async fn sign_in(
    state: web::Data<AppState>,
    body: ApiJson<SignInRequest>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let address = client::address(&req, config.security.trust_forwarded_for);
    let request_id = client::request_id(&req);
    let at = at(&state);
    let opened = db::run(&state.pool, move |conn| {
        use_case::sign_in(conn, &config, at, body.0, &address, request_id)
    })
    .await?;
    respond(&state, opened).await
}

/// A step of the sign-in after the password: `use_case` with the pending session and the
/// body, answered with the session it opened.
async fn step<B: Send + 'static>(
    state: web::Data<AppState>,
    pending: PendingSession,
    body: B,
    use_case: fn(&mut db::DbConnection, &Config, At, &Pending, B) -> AppResult<Opened>,
) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let at = at(&state);
    let opened = db::run(&state.pool, move |conn| {
        use_case(conn, &config, at, &pending_of(&pending), body)
    })
    .await?;
    respond(&state, opened).await
}

/// The second step: a TOTP code, or a recovery code (each works once).
#[utoipa::path(tag = "session", request_body = CodeRequest,
    responses((status = 200, body = SessionResponse), (status = 401), (status = 409), (status = 422), (status = 429)),
    security(("session" = [])))]
#[post("/session/second-factor")]
pub async fn second_factor(
    state: web::Data<AppState>,
    pending: PendingSession,
    body: ApiJson<CodeRequest>,
) -> AppResult<HttpResponse> {
    step(state, pending, body.0, use_case::second_factor).await
}

/// Chooses a new password (R-4.1.4.3): at first sign-in in place of the one-time
/// password, or later with the current one. Too short, common, equal to the email or the
/// same as before is a 422. Every other session of the user ends.
#[utoipa::path(tag = "session", request_body = PasswordRequest,
    responses((status = 200, body = SessionResponse), (status = 401), (status = 409), (status = 422), (status = 429)),
    security(("session" = [])))]
#[post("/session/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    pending: PendingSession,
    body: ApiJson<PasswordRequest>,
) -> AppResult<HttpResponse> {
    step(state, pending, body.0, use_case::change_password).await
}

/// Starts setting up the second factor: a new secret, as an `otpauth://` URI and its QR
/// code. Nothing changes until `POST /session/enrolment/confirm` proves the app has it.
#[utoipa::path(tag = "session",
    responses((status = 200, body = EnrolmentResponse), (status = 401), (status = 409)),
    security(("session" = [])))]
#[post("/session/enrolment")]
pub async fn begin_enrolment(
    state: web::Data<AppState>,
    pending: PendingSession,
) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let origin = pending.origin();
    let enrolment = crate::app::write(&state, origin, move |tx| {
        use_case::begin_enrolment(tx, &config, &pending_of(&pending))
    })
    .await?;
    Ok(HttpResponse::Ok().json(enrolment))
}

/// Finishes setting up the second factor with a code from the app; answers with ten
/// recovery codes, shown this once.
#[utoipa::path(tag = "session", request_body = CodeRequest,
    responses((status = 200, body = SessionResponse), (status = 401), (status = 409), (status = 422), (status = 429)),
    security(("session" = [])))]
#[post("/session/enrolment/confirm")]
pub async fn confirm_enrolment(
    state: web::Data<AppState>,
    pending: PendingSession,
    body: ApiJson<CodeRequest>,
) -> AppResult<HttpResponse> {
    step(state, pending, body.0, use_case::confirm_enrolment).await
}

/// Ten new recovery codes in place of the old ones, for a signed-in user who proves the
/// second factor again with a current code.
#[utoipa::path(tag = "session", request_body = CodeRequest,
    responses((status = 200, body = SessionResponse), (status = 401), (status = 409), (status = 422), (status = 429)),
    security(("session" = [])))]
#[post("/session/recovery-codes")]
pub async fn renew_recovery_codes(
    state: web::Data<AppState>,
    pending: PendingSession,
    body: ApiJson<CodeRequest>,
) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let at = at(&state);
    let (user_id, secret, expires_at) = (
        pending.user.id.clone(),
        pending.secret.clone(),
        pending.session.expires_at,
    );
    let codes = db::run(&state.pool, move |conn| {
        use_case::renew_recovery_codes(conn, &config, at, &pending_of(&pending), body.0)
    })
    .await?;
    let body = session_body(
        &state,
        user_id,
        Stage::Complete,
        &secret,
        expires_at,
        Some(codes),
    )
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The signed-in user, with the CSRF token for this session and anything needing their
/// attention (e.g. an access review due, for ROLE-CSM).
#[utoipa::path(tag = "session",
    responses((status = 200, body = SessionResponse), (status = 401)), security(("session" = []), ("token" = [])))]
#[get("/session")]
pub async fn current(state: web::Data<AppState>, who: SignedIn) -> AppResult<HttpResponse> {
    let id = who.user.id.clone();
    let config = state.config.clone();
    let today = state.today();
    let (user, notices) = db::read(&state.pool, move |conn| {
        use_case::who_is_signed_in(conn, &config, &id, today)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SessionResponse {
        stage: Stage::Complete,
        user: Some(user),
        expires_at: None,
        csrf_token: who.session_secret.as_deref().map(auth::csrf_token),
        recovery_codes: None,
        notices,
    }))
}

/// Signs out, at any stage: the session ends at once on the server, not only in the
/// browser (R-5.5.3.4).
#[utoipa::path(tag = "session",
    responses((status = 204), (status = 401)), security(("session" = [])))]
#[delete("/session")]
pub async fn sign_out(
    state: web::Data<AppState>,
    pending: PendingSession,
) -> AppResult<HttpResponse> {
    let origin = pending.origin();
    crate::app::write(&state, origin, move |tx| {
        use_case::sign_out(tx, &pending_of(&pending))
    })
    .await?;
    let mut removal = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    removal.make_removal();
    Ok(HttpResponse::NoContent().cookie(removal).finish())
}

/// The signed-in person's own preferences.
#[utoipa::path(tag = "session", request_body = PreferencesRequest,
    responses((status = 200, body = UserResponse), (status = 401), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/session/preferences")]
pub async fn preferences(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<PreferencesRequest>,
) -> AppResult<HttpResponse> {
    let user = crate::app::write(&state, who.origin(), move |tx| {
        use_case::set_preferences(tx, &who.user, body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(user))
}

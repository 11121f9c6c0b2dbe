//! Signing in and out (R-5.5.3.2, R-4.1.4.3): password, then the second factor, then —
//! for a new account — a password of the person's own and the second factor's set-up.
//! Each step passed replaces the session with a new one (new secret, new CSRF token), so
//! a secret seen before sign-in completed never reaches the API.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access_review::{notices_for, Notice};
use super::users::UserResponse;
use crate::audit::{Event, Origin};
use crate::auth;
use crate::config::Config;
use crate::db::{self, audit, second_factor as factor_db, sessions, throttle, users, DbConnection};
use crate::domain::{EmailAddress, NewPassword};
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::signed_in::{PendingSession, SignedIn, SESSION_COOKIE};
use crate::http::{client, AppState};
use crate::i18n::Msg;
use crate::policy::sign_in::{self as flow, Account, Limits, Stage};
use crate::second_factor::{self as totp, TotpSecret};
use crate::validate::Explain;

/// How long a session may stay between the password and the last sign-in step.
const PENDING_MINUTES: i64 = 10;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

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

fn session_cookie(secret: &str, max_age_secs: i64, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, secret.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(max_age_secs))
        .finish()
}

/// The key failed attempts are counted under: the address as typed, normalised like at
/// registration, whether or not an account has it (so counting reveals nothing).
fn account_key(email: &str) -> String {
    let key = match EmailAddress::parse(email) {
        Ok(e) => e.as_str().to_lowercase(),
        Err(_) => email.trim().to_lowercase(),
    };
    key.chars().take(254).collect()
}

fn limits(config: &Config) -> (Limits, Limits) {
    let s = &config.security;
    (
        Limits {
            max_failures: s.max_failures_per_account,
            window: s.failure_window,
        },
        Limits {
            max_failures: s.max_failures_per_address,
            window: s.failure_window,
        },
    )
}

/// Refuses with 429 while the account or the address has failed too often.
fn check_throttle(
    conn: &mut DbConnection,
    config: &Config,
    account: &str,
    address: &str,
) -> AppResult<()> {
    let now = db::now_utc();
    let (per_account, per_address) = limits(config);
    let since = now
        - chrono::Duration::from_std(config.security.failure_window)
            .unwrap_or(chrono::Duration::minutes(15));
    let (of_account, from_address) = throttle::failures(conn, account, address, since)?;
    let wait = [
        flow::retry_after(&of_account, now, per_account),
        flow::retry_after(&from_address, now, per_address),
    ]
    .into_iter()
    .flatten()
    .max();
    match wait {
        Some(retry_after_secs) => {
            tracing::info!(retry_after_secs, "sign-in throttled");
            Err(AppError::TooManyRequests { retry_after_secs })
        }
        None => Ok(()),
    }
}

/// Counts a failed attempt and audits it, in its own transaction: the failure is kept
/// even though the request fails.
fn record_failure(
    conn: &mut DbConnection,
    account: &str,
    origin: &Origin,
    action: &str,
) -> AppResult<()> {
    let address = origin.address.clone().unwrap_or_default();
    db::write(conn, |conn| {
        throttle::record_failure(conn, account, &address)?;
        audit::append(
            conn,
            origin,
            &Event::new(action).after(&serde_json::json!({ "account": account })),
        )?;
        Ok(())
    })
}

fn account_of(user: &users::User) -> Account {
    Account {
        has_second_factor: user.totp_secret.is_some(),
        must_change_password: user.must_change_password,
    }
}

/// A new session for `user` at `stage` (in the caller's transaction); a complete one is
/// a sign-in: recorded, audited, and the account's failures forgiven.
fn open_session(
    conn: &mut DbConnection,
    config: &Config,
    user: &users::User,
    stage: Stage,
    origin: &Origin,
    method: &str,
) -> AppResult<(String, NaiveDateTime)> {
    let secret = auth::new_secret(auth::SESSION_PREFIX);
    let now = db::now_utc();
    let expires_at = if stage == Stage::Complete {
        now + chrono::Duration::from_std(config.session_absolute)
            .unwrap_or(chrono::Duration::hours(12))
    } else {
        now + chrono::Duration::minutes(PENDING_MINUTES)
    };
    let address = origin.address.clone().unwrap_or_default();
    sessions::create_session(
        conn,
        &sessions::NewSession {
            user_id: &user.id,
            token_hash: &auth::sha256_hex(&secret),
            expires_at,
            stage: stage.as_str(),
            address: &address,
        },
    )?;
    if stage == Stage::Complete {
        users::record_sign_in(conn, &user.id)?;
        throttle::clear_account(conn, &account_key(&user.email))?;
        audit::append(
            conn,
            origin,
            &Event::new("session.sign_in")
                .target("user", &user.id)
                .after(&serde_json::json!({ "method": method })),
        )?;
    }
    Ok((secret, expires_at))
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
        let (member, notices) = db::run(&state.pool, move |conn| {
            let member = users::get_member(conn, &user_id)?
                .ok_or_else(|| AppError::Internal("user vanished".into()))?;
            let notices = notices_for(conn, &config, &member, today)?;
            Ok((member, notices))
        })
        .await?;
        (Some(member.into()), notices)
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
async fn respond(
    state: &AppState,
    user_id: String,
    stage: Stage,
    secret: String,
    expires_at: NaiveDateTime,
    recovery_codes: Option<Vec<String>>,
) -> AppResult<HttpResponse> {
    let body = session_body(state, user_id, stage, &secret, expires_at, recovery_codes).await?;
    let max_age = (expires_at - db::now_utc()).num_seconds().max(1);
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
/// (HttpOnly, SameSite=Strict, Secure when the service is reached over HTTPS). Too many
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
    let SignInRequest { email, password } = body.0;
    let config = state.config.clone();
    let account = account_key(&email);
    let address = client::address(&req, config.security.trust_forwarded_for);
    let request_id = client::request_id(&req);
    let (user_id, stage, secret, expires_at) = db::run(&state.pool, move |conn| {
        check_throttle(conn, &config, &account, &address)?;
        let user = match EmailAddress::parse(&email) {
            Ok(e) => users::find_by_email(conn, e.as_str())?,
            Err(_) => None,
        };
        // Verify even when there is no such user, so timing does not tell who has an account.
        let stored = user.as_ref().map(|u| u.password_hash.as_str());
        let ok = auth::verify_password(&password, stored.unwrap_or(auth::dummy_hash()));
        let mut origin = Origin {
            actor_id: user.as_ref().map(|u| u.id.clone()),
            actor: account.clone(),
            address: Some(address.clone()),
            request_id,
        };
        let user = match user {
            Some(u) if ok && u.active => u,
            _ => {
                tracing::info!("sign-in refused");
                record_failure(conn, &account, &origin, "session.sign_in_failed")?;
                return Err(AppError::SignInFailed);
            }
        };
        origin.actor = user.email.clone();
        let stage = flow::stage(account_of(&user), false, config.security.mfa_required);
        let (secret, expires_at) = db::write(conn, |conn| {
            open_session(conn, &config, &user, stage, &origin, "password")
        })?;
        Ok((user.id, stage, secret, expires_at))
    })
    .await?;
    respond(&state, user_id, stage, secret, expires_at, None).await
}

fn wrong_stage(stage: &str, expected: &[Stage]) -> AppError {
    AppError::Conflict {
        message: Msg::new(
            format!("サインインの現在の段階（{stage}）ではこの操作はできません"),
            format!("Not possible at this sign-in stage ({stage})"),
        ),
        allowed: expected.iter().map(|s| s.as_str().to_string()).collect(),
    }
}

fn require_stage(pending: &PendingSession, expected: &[Stage]) -> AppResult<Stage> {
    match Stage::parse(&pending.session.stage) {
        Some(s) if expected.contains(&s) => Ok(s),
        _ => Err(wrong_stage(&pending.session.stage, expected)),
    }
}

fn wrong_code() -> AppError {
    AppError::validation(
        "code",
        "incorrect",
        Msg::new(
            "確認コードが正しくないか、既に使われています",
            "The code is not correct or was already used",
        ),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The 6-digit code of the authenticator app, or one of the recovery codes.
    pub code: String,
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
    require_stage(&pending, &[Stage::SecondFactor])?;
    let code = body.0.code;
    let config = state.config.clone();
    let (user_id, stage, secret, expires_at) = db::run(&state.pool, move |conn| {
        let user = &pending.user;
        let account = account_key(&user.email);
        let origin = pending.origin();
        check_throttle(conn, &config, &account, &pending.address)?;
        let secret = user
            .totp_secret
            .as_deref()
            .and_then(TotpSecret::from_base32)
            .ok_or_else(|| wrong_stage(&pending.session.stage, &[Stage::Enrol]))?;
        let proven = db::write(conn, |conn| {
            if totp::looks_like_recovery_code(&code) {
                let hash = totp::recovery_code_hash(&code);
                return Ok(
                    factor_db::use_recovery_code(conn, &user.id, &hash)?.then_some("recovery_code")
                );
            }
            let now = Utc::now().timestamp();
            match totp::verify(&secret, &code, now, user.totp_last_step) {
                Some(step) if factor_db::consume_step(conn, &user.id, step)? => Ok(Some("totp")),
                _ => Ok(None),
            }
        })?;
        let Some(method) = proven else {
            record_failure(conn, &account, &origin, "session.second_factor_failed")?;
            return Err(wrong_code());
        };
        let stage = flow::stage(account_of(user), true, config.security.mfa_required);
        let (secret, expires_at) = db::write(conn, |conn| {
            sessions::revoke_session_id(conn, &pending.session.id)?;
            open_session(conn, &config, user, stage, &origin, method)
        })?;
        Ok((user.id.clone(), stage, secret, expires_at))
    })
    .await?;
    respond(&state, user_id, stage, secret, expires_at, None).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// Required when changing the password of a complete session; not at first sign-in,
    /// where it was given a moment ago.
    pub current_password: Option<String>,
    pub new_password: String,
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
    let stage_now = require_stage(&pending, &[Stage::ChangePassword, Stage::Complete])?;
    let PasswordRequest {
        current_password,
        new_password,
    } = body.0;
    let new = NewPassword::parse(
        &new_password,
        &pending.user.email,
        state.config.security.password_min_chars,
    )
    .map_err(|e| AppError::validation("new_password", e.code(), e.explain()))?;
    let config = state.config.clone();
    let (user_id, stage, secret, expires_at) = db::run(&state.pool, move |conn| {
        let user = &pending.user;
        let account = account_key(&user.email);
        let origin = pending.origin();
        if stage_now == Stage::Complete {
            check_throttle(conn, &config, &account, &pending.address)?;
            let given = current_password.as_deref().unwrap_or("");
            if given.is_empty() {
                return Err(AppError::validation(
                    "current_password",
                    "required",
                    Msg::new(
                        "現在のパスワードを入力してください",
                        "The current password is required",
                    ),
                ));
            }
            if !auth::verify_password(given, &user.password_hash) {
                record_failure(conn, &account, &origin, "session.password_check_failed")?;
                return Err(AppError::validation(
                    "current_password",
                    "incorrect",
                    Msg::new(
                        "現在のパスワードが正しくありません",
                        "The current password is not correct",
                    ),
                ));
            }
        }
        if auth::verify_password(new.as_str(), &user.password_hash) {
            return Err(AppError::validation(
                "new_password",
                "reused",
                Msg::new(
                    "今までと同じパスワードは使えません",
                    "The new password must differ from the current one",
                ),
            ));
        }
        let hash = auth::hash_password(new.as_str());
        // The second factor, if any, was proven to reach this stage.
        let mut account_now = account_of(user);
        account_now.must_change_password = false;
        let stage = flow::stage(account_now, true, config.security.mfa_required);
        let (secret, expires_at) = db::write(conn, |conn| {
            users::set_password_hash(conn, &user.id, &hash)?;
            sessions::revoke_user_sessions(conn, &user.id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("user.password_changed").target("user", &user.id),
            )?;
            let method = if stage_now == Stage::Complete {
                "password_change"
            } else {
                "first_password"
            };
            open_session(conn, &config, user, stage, &origin, method)
        })?;
        Ok((user.id.clone(), stage, secret, expires_at))
    })
    .await?;
    respond(&state, user_id, stage, secret, expires_at, None).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentResponse {
    /// The secret in base32, for typing into an app that cannot scan.
    pub secret: String,
    /// `otpauth://totp/...`, the content of the QR code.
    pub otpauth_uri: String,
    /// The QR code as SVG, to show as it is.
    pub qr_svg: String,
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
    require_stage(&pending, &[Stage::Enrol, Stage::Complete])?;
    if pending.user.totp_secret.is_some() {
        return Err(AppError::Conflict {
            message: Msg::new(
                "二要素認証は設定済みです。端末を替えるときはシステム統括管理者にリセットを依頼してください",
                "A second factor is already set up; ask ROLE-CSM to reset it to change devices",
            ),
            allowed: vec![],
        });
    }
    let secret = TotpSecret::generate();
    let issuer = format!("Itaku {}", state.config.organization_name);
    let uri = secret.otpauth_uri(&issuer, &pending.user.email);
    let encoded = secret.to_base32();
    let user_id = pending.user.id.clone();
    let stored = encoded.clone();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            factor_db::begin_enrolment(conn, &user_id, &stored)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(EnrolmentResponse {
        secret: encoded,
        qr_svg: totp::qr_svg(&uri),
        otpauth_uri: uri,
    }))
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
    require_stage(&pending, &[Stage::Enrol, Stage::Complete])?;
    let code = body.0.code;
    let config = state.config.clone();
    let (user_id, stage, secret, expires_at, codes) = db::run(&state.pool, move |conn| {
        let user = &pending.user;
        let account = account_key(&user.email);
        let origin = pending.origin();
        check_throttle(conn, &config, &account, &pending.address)?;
        let Some(pending_secret) = user.totp_pending_secret.as_deref() else {
            return Err(AppError::Conflict {
                message: Msg::new(
                    "先に POST /api/v1/session/enrolment で QR コードを表示してください",
                    "Start with POST /api/v1/session/enrolment to get the QR code",
                ),
                allowed: vec![],
            });
        };
        let totp = TotpSecret::from_base32(pending_secret)
            .ok_or_else(|| AppError::Internal("stored TOTP secret is not base32".into()))?;
        let Some(step) = totp::verify(&totp, &code, Utc::now().timestamp(), None) else {
            record_failure(conn, &account, &origin, "session.enrolment_failed")?;
            return Err(wrong_code());
        };
        let codes = totp::generate_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_code_hash(c)).collect();
        let account_now = Account {
            has_second_factor: true,
            must_change_password: user.must_change_password,
        };
        let stage = flow::stage(account_now, true, config.security.mfa_required);
        let (secret, expires_at) = db::write(conn, |conn| {
            factor_db::confirm_enrolment(conn, &user.id, pending_secret, step)?;
            factor_db::replace_recovery_codes(conn, &user.id, &hashes)?;
            audit::append(
                conn,
                &origin,
                &Event::new("user.second_factor_enrolled").target("user", &user.id),
            )?;
            sessions::revoke_session_id(conn, &pending.session.id)?;
            open_session(conn, &config, user, stage, &origin, "totp_enrolment")
        })?;
        Ok((user.id.clone(), stage, secret, expires_at, codes))
    })
    .await?;
    respond(&state, user_id, stage, secret, expires_at, Some(codes)).await
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
    require_stage(&pending, &[Stage::Complete])?;
    let code = body.0.code;
    let config = state.config.clone();
    let session_secret = pending.secret.clone();
    let (user_id, expires_at, codes) = db::run(&state.pool, move |conn| {
        let user = &pending.user;
        let account = account_key(&user.email);
        let origin = pending.origin();
        check_throttle(conn, &config, &account, &pending.address)?;
        let totp = user
            .totp_secret
            .as_deref()
            .and_then(TotpSecret::from_base32)
            .ok_or_else(|| AppError::Conflict {
                message: Msg::new(
                    "二要素認証が設定されていません",
                    "No second factor is set up",
                ),
                allowed: vec![],
            })?;
        let codes = totp::generate_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_code_hash(c)).collect();
        let renewed = db::write(conn, |conn| {
            let now = Utc::now().timestamp();
            let Some(step) = totp::verify(&totp, &code, now, user.totp_last_step) else {
                return Ok(false);
            };
            if !factor_db::consume_step(conn, &user.id, step)? {
                return Ok(false);
            }
            factor_db::replace_recovery_codes(conn, &user.id, &hashes)?;
            audit::append(
                conn,
                &origin,
                &Event::new("user.recovery_codes_renewed").target("user", &user.id),
            )?;
            Ok(true)
        })?;
        if !renewed {
            record_failure(conn, &account, &origin, "session.second_factor_failed")?;
            return Err(wrong_code());
        }
        Ok((user.id.clone(), pending.session.expires_at, codes))
    })
    .await?;
    let body = session_body(
        &state,
        user_id,
        Stage::Complete,
        &session_secret,
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
    let (member, notices) = db::read(&state.pool, move |conn| {
        let member = users::get_member(conn, &id)?.ok_or(AppError::Unauthenticated)?;
        let notices = notices_for(conn, &config, &member, today)?;
        Ok((member, notices))
    })
    .await?;
    Ok(HttpResponse::Ok().json(SessionResponse {
        stage: Stage::Complete,
        user: Some(member.into()),
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
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            sessions::revoke_session_id(conn, &pending.session.id)?;
            audit::append(
                conn,
                &pending.origin(),
                &Event::new("session.sign_out").target("user", &pending.user.id),
            )?;
            Ok(())
        })
    })
    .await?;
    let mut removal = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    removal.make_removal();
    Ok(HttpResponse::NoContent().cookie(removal).finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesRequest {
    /// `ja` or `en`: the language reminders and other email are written in.
    pub language: String,
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
    let lang = crate::i18n::Lang::parse(body.0.language.trim()).ok_or_else(|| {
        AppError::validation(
            "language",
            "invalid",
            Msg::new("ja または en を指定してください", "Must be ja or en"),
        )
    })?;
    let origin = who.origin();
    let id = who.user.id.clone();
    let before = who.user.language.clone();
    let member = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            users::set_language(conn, &id, lang.as_str())?;
            audit::append(
                conn,
                &origin,
                &Event::new("user.preferences")
                    .target("user", &id)
                    .before(&serde_json::json!({ "language": before }))
                    .after(&serde_json::json!({ "language": lang.as_str() })),
            )?;
            users::get_member(conn, &id)?.ok_or(AppError::Unauthenticated)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(member)))
}

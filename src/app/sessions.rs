//! Signing in and out (R-5.5.3.2, R-4.1.4.3): password, then the second factor, then —
//! for a new account — a password of the person's own and the second factor's set-up.
//! Each step passed opens a new session (new secret) in place of the last, so a secret
//! seen before sign-in completed never reaches the API. A refused attempt is counted and
//! audited in a transaction of its own, kept although the step fails; checking a password
//! or a code happens outside the write transaction, so a slow hash holds no lock.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access_review::{notices_for, Notice};
use super::users::UserResponse;
use crate::audit::{Event, Origin};
use crate::auth;
use crate::config::Config;
use crate::db::{second_factor as factor_db, sessions, throttle, users, DbConnection};
use crate::domain::{EmailAddress, NewPassword};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::policy::sign_in::{self as flow, Account, Limits, Stage};
use crate::second_factor::{self as totp, TotpSecret};
use crate::validate::Explain;

/// How long a session may stay between the password and the last sign-in step.
const PENDING_MINUTES: i64 = 10;

/// When a step happens: the service clock's instant and the organisation's date.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

/// The person part-way through signing in (or signed in), as their session shows them.
pub struct Pending<'a> {
    pub user: &'a users::User,
    pub session: &'a sessions::Session,
    /// The address the request came from, for the throttle.
    pub address: &'a str,
    pub origin: Origin,
}

/// A session opened by a step: its secret goes into the cookie.
pub struct Opened {
    pub user_id: String,
    pub stage: Stage,
    pub secret: String,
    pub expires_at: NaiveDateTime,
    /// Shown once, right after the second factor is set up.
    pub recovery_codes: Option<Vec<String>>,
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
    at: At,
    account: &str,
    address: &str,
) -> AppResult<()> {
    let now = at.now.naive_utc();
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

/// Counts a failed attempt and audits it, in its own transaction, and answers `refusal`:
/// the failure is kept even though the step fails.
fn refuse<T>(
    conn: &mut DbConnection,
    at: At,
    account: &str,
    origin: &Origin,
    action: &str,
    refusal: AppError,
) -> AppResult<T> {
    let address = origin.address.clone().unwrap_or_default();
    super::write_on(conn, None, at.now, at.today, origin, |tx| {
        let now = tx.now().naive_utc();
        throttle::record_failure(tx.conn(), account, &address, now)?;
        tx.record(Event::new(action).after(&serde_json::json!({ "account": account })));
        Ok(())
    })?;
    Err(refusal)
}

fn account_of(user: &users::User) -> Account {
    Account {
        has_second_factor: user.totp_secret.is_some(),
        must_change_password: user.must_change_password,
    }
}

/// A new session for `user` at `stage`; a complete one is a sign-in: recorded, audited,
/// and the account's failures forgiven.
fn open_session(
    tx: &mut super::Tx,
    config: &Config,
    user: &users::User,
    stage: Stage,
    address: &str,
    method: &str,
) -> AppResult<Opened> {
    let secret = auth::new_secret(auth::SESSION_PREFIX);
    let now = tx.now().naive_utc();
    let expires_at = if stage == Stage::Complete {
        now + chrono::Duration::from_std(config.session_absolute)
            .unwrap_or(chrono::Duration::hours(12))
    } else {
        now + chrono::Duration::minutes(PENDING_MINUTES)
    };
    sessions::create_session(
        tx.conn(),
        &sessions::NewSession {
            user_id: &user.id,
            token_hash: &auth::sha256_hex(&secret),
            expires_at,
            stage: stage.as_str(),
            address,
        },
        now,
    )?;
    if stage == Stage::Complete {
        users::record_sign_in(tx.conn(), &user.id, now)?;
        throttle::clear_account(tx.conn(), &account_key(&user.email))?;
        tx.record(
            Event::new("session.sign_in")
                .target("user", &user.id)
                .after(&serde_json::json!({ "method": method })),
        );
    } else {
        // A step part-way is not an event of its own: the sign-in is, once complete.
        tx.record(
            Event::new("session.step")
                .target("user", &user.id)
                .after(&serde_json::json!({ "stage": stage.as_str(), "method": method })),
        );
    }
    Ok(Opened {
        user_id: user.id.clone(),
        stage,
        secret,
        expires_at,
        recovery_codes: None,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// The first step: email and password.
pub fn sign_in(
    conn: &mut DbConnection,
    config: &Config,
    at: At,
    body: SignInRequest,
    address: &str,
    request_id: Option<String>,
) -> AppResult<Opened> {
    let SignInRequest { email, password } = body;
    let account = account_key(&email);
    check_throttle(conn, config, at, &account, address)?;
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
        address: Some(address.to_string()),
        request_id,
    };
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            tracing::info!("sign-in refused");
            return refuse(
                conn,
                at,
                &account,
                &origin,
                "session.sign_in_failed",
                AppError::SignInFailed,
            );
        }
    };
    origin.actor = user.email.clone();
    let stage = flow::stage(account_of(&user), false, config.security.mfa_required);
    super::write_on(conn, None, at.now, at.today, &origin, |tx| {
        open_session(tx, config, &user, stage, address, "password")
    })
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

/// The step the session is at, when it is one of `expected` (409 otherwise).
pub fn require_stage(session: &sessions::Session, expected: &[Stage]) -> AppResult<Stage> {
    match Stage::parse(&session.stage) {
        Some(s) if expected.contains(&s) => Ok(s),
        _ => Err(wrong_stage(&session.stage, expected)),
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

/// A code step's start: the session is at one of `expected`, and neither the account
/// nor the address is throttled. Answers the key failures are counted under.
fn begin_step(
    conn: &mut DbConnection,
    config: &Config,
    at: At,
    pending: &Pending,
    expected: &[Stage],
) -> AppResult<String> {
    require_stage(pending.session, expected)?;
    let account = account_key(&pending.user.email);
    check_throttle(conn, config, at, &account, pending.address)?;
    Ok(account)
}

/// The second step: a TOTP code, or a recovery code (each works once).
pub fn second_factor(
    conn: &mut DbConnection,
    config: &Config,
    at: At,
    pending: &Pending,
    body: CodeRequest,
) -> AppResult<Opened> {
    let account = begin_step(conn, config, at, pending, &[Stage::SecondFactor])?;
    let (user, origin, code) = (pending.user, &pending.origin, body.code);
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(TotpSecret::from_base32)
        .ok_or_else(|| wrong_stage(&pending.session.stage, &[Stage::Enrol]))?;
    let stage = flow::stage(account_of(user), true, config.security.mfa_required);
    let opened = super::write_on(conn, None, at.now, at.today, origin, |tx| {
        let now = tx.now().naive_utc();
        let method = if totp::looks_like_recovery_code(&code) {
            let hash = totp::recovery_code_hash(&code);
            factor_db::use_recovery_code(tx.conn(), &user.id, &hash, now)?
                .then_some("recovery_code")
        } else {
            match totp::verify(&secret, &code, at.now.timestamp(), user.totp_last_step) {
                Some(step) if factor_db::consume_step(tx.conn(), &user.id, step)? => Some("totp"),
                _ => None,
            }
        };
        let Some(method) = method else {
            tx.leave_unchanged();
            return Ok(None);
        };
        sessions::revoke_session_id(tx.conn(), &pending.session.id, now)?;
        open_session(tx, config, user, stage, pending.address, method).map(Some)
    })?;
    match opened {
        Some(opened) => Ok(opened),
        None => refuse(
            conn,
            at,
            &account,
            origin,
            "session.second_factor_failed",
            wrong_code(),
        ),
    }
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
/// password, or later with the current one. Every other session of the user ends.
pub fn change_password(
    conn: &mut DbConnection,
    config: &Config,
    at: At,
    pending: &Pending,
    body: PasswordRequest,
) -> AppResult<Opened> {
    let stage_now = require_stage(pending.session, &[Stage::ChangePassword, Stage::Complete])?;
    let PasswordRequest {
        current_password,
        new_password,
    } = body;
    let user = pending.user;
    let new = NewPassword::parse(
        &new_password,
        &user.email,
        config.security.password_min_chars,
    )
    .map_err(|e| AppError::validation("new_password", e.code(), e.explain()))?;
    let account = account_key(&user.email);
    let origin = &pending.origin;
    if stage_now == Stage::Complete {
        check_throttle(conn, config, at, &account, pending.address)?;
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
            return refuse(
                conn,
                at,
                &account,
                origin,
                "session.password_check_failed",
                AppError::validation(
                    "current_password",
                    "incorrect",
                    Msg::new(
                        "現在のパスワードが正しくありません",
                        "The current password is not correct",
                    ),
                ),
            );
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
    super::write_on(conn, None, at.now, at.today, origin, |tx| {
        let now = tx.now().naive_utc();
        users::set_password_hash(tx.conn(), &user.id, &hash, now)?;
        sessions::revoke_user_sessions(tx.conn(), &user.id, now)?;
        tx.record(Event::new("user.password_changed").target("user", &user.id));
        let method = if stage_now == Stage::Complete {
            "password_change"
        } else {
            "first_password"
        };
        open_session(tx, config, user, stage, pending.address, method)
    })
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
/// code. Nothing changes until `confirm_enrolment` proves the app has it.
pub fn begin_enrolment(
    tx: &mut super::Tx,
    config: &Config,
    pending: &Pending,
) -> AppResult<EnrolmentResponse> {
    require_stage(pending.session, &[Stage::Enrol, Stage::Complete])?;
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
    let issuer = format!("Itaku {}", config.organization_name);
    let uri = secret.otpauth_uri(&issuer, &pending.user.email);
    let encoded = secret.to_base32();
    factor_db::begin_enrolment(tx.conn(), &pending.user.id, &encoded)?;
    // The secret itself is never written to the log.
    tx.record(Event::new("user.second_factor_enrolment_started").target("user", &pending.user.id));
    Ok(EnrolmentResponse {
        secret: encoded,
        qr_svg: totp::qr_svg(&uri),
        otpauth_uri: uri,
    })
}

/// The set-up begun and not yet confirmed, shown again (the QR code of the pending
/// secret): a page reloaded, or a wrong code, does not start over with a new secret.
pub fn enrolment_in_progress(config: &Config, user: &users::User) -> Option<EnrolmentResponse> {
    if user.totp_secret.is_some() {
        return None;
    }
    let encoded = user.totp_pending_secret.as_deref()?;
    let secret = TotpSecret::from_base32(encoded)?;
    let issuer = format!("Itaku {}", config.organization_name);
    let uri = secret.otpauth_uri(&issuer, &user.email);
    Some(EnrolmentResponse {
        secret: encoded.to_string(),
        qr_svg: totp::qr_svg(&uri),
        otpauth_uri: uri,
    })
}

/// Finishes setting up the second factor with a code from the app; ten recovery codes
/// come with the new session, shown this once.
pub fn confirm_enrolment(
    conn: &mut DbConnection,
    config: &Config,
    at: At,
    pending: &Pending,
    body: CodeRequest,
) -> AppResult<Opened> {
    let account = begin_step(conn, config, at, pending, &[Stage::Enrol, Stage::Complete])?;
    let (user, origin) = (pending.user, &pending.origin);
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
    let Some(step) = totp::verify(&totp, &body.code, at.now.timestamp(), None) else {
        return refuse(
            conn,
            at,
            &account,
            origin,
            "session.enrolment_failed",
            wrong_code(),
        );
    };
    let codes = totp::generate_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_code_hash(c)).collect();
    let account_now = Account {
        has_second_factor: true,
        must_change_password: user.must_change_password,
    };
    let stage = flow::stage(account_now, true, config.security.mfa_required);
    let mut opened = super::write_on(conn, None, at.now, at.today, origin, |tx| {
        let now = tx.now().naive_utc();
        factor_db::confirm_enrolment(tx.conn(), &user.id, pending_secret, step, now)?;
        factor_db::replace_recovery_codes(tx.conn(), &user.id, &hashes, now)?;
        tx.record(Event::new("user.second_factor_enrolled").target("user", &user.id));
        sessions::revoke_session_id(tx.conn(), &pending.session.id, now)?;
        open_session(tx, config, user, stage, pending.address, "totp_enrolment")
    })?;
    opened.recovery_codes = Some(codes);
    Ok(opened)
}

/// Ten new recovery codes in place of the old ones, for a signed-in user who proves the
/// second factor again with a current code.
pub fn renew_recovery_codes(
    conn: &mut DbConnection,
    config: &Config,
    at: At,
    pending: &Pending,
    body: CodeRequest,
) -> AppResult<Vec<String>> {
    let account = begin_step(conn, config, at, pending, &[Stage::Complete])?;
    let (user, origin) = (pending.user, &pending.origin);
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
    let renewed = super::write_on(conn, None, at.now, at.today, origin, |tx| {
        let now = tx.now().naive_utc();
        let step = totp::verify(&totp, &body.code, at.now.timestamp(), user.totp_last_step);
        let consumed = match step {
            Some(step) => factor_db::consume_step(tx.conn(), &user.id, step)?,
            None => false,
        };
        if !consumed {
            tx.leave_unchanged();
            return Ok(false);
        }
        factor_db::replace_recovery_codes(tx.conn(), &user.id, &hashes, now)?;
        tx.record(Event::new("user.recovery_codes_renewed").target("user", &user.id));
        Ok(true)
    })?;
    if !renewed {
        return refuse(
            conn,
            at,
            &account,
            origin,
            "session.second_factor_failed",
            wrong_code(),
        );
    }
    Ok(codes)
}

/// Signs out, at any stage: the session ends at once on the server (R-5.5.3.4).
pub fn sign_out(tx: &mut super::Tx, pending: &Pending) -> AppResult<()> {
    let now = tx.now().naive_utc();
    sessions::revoke_session_id(tx.conn(), &pending.session.id, now)?;
    tx.record(Event::new("session.sign_out").target("user", &pending.user.id));
    Ok(())
}

/// The signed-in person with what needs their attention (an access review due, for
/// ROLE-CSM).
pub fn who_is_signed_in(
    conn: &mut DbConnection,
    config: &Config,
    user_id: &str,
    today: NaiveDate,
) -> AppResult<(UserResponse, Vec<Notice>)> {
    let member = users::get_member(conn, user_id)?.ok_or(AppError::Unauthenticated)?;
    let notices = notices_for(conn, config, &member, today)?;
    Ok((member.into(), notices))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesRequest {
    /// `ja` or `en`: the language reminders and other email are written in.
    pub language: String,
}

/// The signed-in person's own preferences.
pub fn set_preferences(
    tx: &mut super::Tx,
    user: &users::User,
    body: PreferencesRequest,
) -> AppResult<UserResponse> {
    let lang = Lang::parse(body.language.trim()).ok_or_else(|| {
        AppError::validation(
            "language",
            "invalid",
            Msg::new("ja または en を指定してください", "Must be ja or en"),
        )
    })?;
    users::set_language(tx.conn(), &user.id, lang)?;
    tx.record(
        Event::new("user.preferences")
            .target("user", &user.id)
            .before(&serde_json::json!({ "language": user.language.as_str() }))
            .after(&serde_json::json!({ "language": lang.as_str() })),
    );
    let member = users::get_member(tx.conn(), &user.id)?.ok_or(AppError::Unauthenticated)?;
    Ok(member.into())
}

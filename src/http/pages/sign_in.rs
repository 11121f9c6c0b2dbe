//! Signing in through the pages, with the stages the API has (R-5.5.3.2, R-4.1.4.3):
//! password, then a TOTP or recovery code, a first-time password change, or setting up
//! the second factor with its QR code and ten recovery codes shown once. Each step calls
//! the same `app::sessions` function as the API's and sets the same cookie.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;

use super::{
    add, anonymous_lang, html, local_path, query_value, see_other, stage_page, Form, Signing, Staff,
};
use crate::app::sessions::{self as use_case, At, CodeRequest, Opened, PasswordRequest};
use crate::error::{AppError, AppResult};
use crate::http::api::session::session_cookie;
use crate::http::signed_in::SESSION_COOKIE;
use crate::http::{client, AppState};
use crate::i18n::Lang;
use crate::policy::sign_in::Stage;
use crate::staff::views::{
    CodeView, EnrolView, FormError, PasswordView, RecoveryCodesView, SignInView,
};
use crate::staff::{Chrome, Page, Section};

pub fn configure(cfg: &mut web::ServiceConfig) {
    const GET_POST: &str = "GET, HEAD, POST";
    add(
        cfg,
        GET_POST,
        web::resource("/sign-in")
            .route(web::get().to(sign_in_page))
            .route(web::post().to(sign_in)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/sign-in/code")
            .route(web::get().to(code_page))
            .route(web::post().to(code)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/sign-in/password")
            .route(web::get().to(password_page))
            .route(web::post().to(password)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/sign-in/enrol")
            .route(web::get().to(enrol_page))
            .route(web::post().to(enrol)),
    );
    add(
        cfg,
        "POST",
        web::resource("/sign-in/enrol/start").route(web::post().to(enrol_start)),
    );
    add(
        cfg,
        "POST",
        web::resource("/sign-out").route(web::post().to(sign_out)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/account/recovery-codes")
            .route(web::get().to(recovery_codes_page))
            .route(web::post().to(renew_recovery_codes)),
    );
    add(
        cfg,
        "POST",
        web::resource("/account/language").route(web::post().to(language)),
    );
}

fn at(state: &AppState) -> At {
    let now = state.now();
    At {
        now,
        today: state.config.date_at(now),
    }
}

fn next_of(req: &HttpRequest) -> String {
    local_path(query_value(req, "next").as_deref())
}

/// `path` with the page to come back to.
fn with_next(path: &str, next: &str) -> String {
    if next == "/" {
        path.to_string()
    } else {
        format!("{path}?next={}", super::encode(next))
    }
}

fn chrome_before_sign_in(
    state: &AppState,
    lang: Lang,
    title_key: &str,
    csrf: Option<String>,
    path: &str,
) -> Chrome {
    Chrome {
        lang,
        title: state.staff.text(lang, title_key).to_string(),
        user: None,
        csrf,
        section: None,
        path: path.to_string(),
        flash: None,
    }
}

/// Opens the session a step made: its cookie, and on to the next step or the page the
/// person came for.
fn opened(state: &AppState, opened: &Opened, next: &str) -> HttpResponse {
    let max_age = (opened.expires_at - state.now().naive_utc())
        .num_seconds()
        .max(1);
    let mut answer = see_other(&stage_page(opened.stage, next));
    let _ = answer.add_cookie(&session_cookie(
        &opened.secret,
        max_age,
        state.config.secure_cookies(),
    ));
    answer
}

fn field_message(err: &AppError, field: &str, lang: Lang) -> Option<String> {
    match err {
        AppError::Validation(fields) => fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.get(lang).to_string()),
        _ => None,
    }
}

fn summary(errors: &[(&str, &Option<String>)]) -> Vec<FormError> {
    errors
        .iter()
        .filter_map(|(field, message)| {
            message.as_ref().map(|m| FormError {
                field: field.to_string(),
                message: m.clone(),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Email and password

async fn sign_in_page(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let next = next_of(&req);
    // Already signed in: straight on.
    if let Some((session, _, _)) = super::live_session(&req, &state).await? {
        if session.stage == Stage::Complete.as_str() {
            return Ok(see_other(&next));
        }
    }
    let lang = anonymous_lang(&req);
    let view = SignInView {
        action: with_next("/sign-in", &next),
        email: String::new(),
        errors: vec![],
        expired: query_value(&req, "expired").is_some(),
        signed_out: query_value(&req, "signed_out").is_some(),
    };
    let chrome = chrome_before_sign_in(&state, lang, "sign_in.title", None, &super::here(&req));
    Ok(html(
        StatusCode::OK,
        state.staff.render(Page::SignIn, &chrome, &view),
    ))
}

async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Form,
) -> AppResult<HttpResponse> {
    let next = next_of(&req);
    let lang = anonymous_lang(&req);
    let email = form.get("email").unwrap_or("").trim().to_string();
    let body = use_case::SignInRequest {
        email: email.clone(),
        password: form.get("password").unwrap_or("").to_string(),
    };
    let config = state.config.clone();
    let address = client::address(&req, config.security.trust_forwarded_for);
    let request_id = client::request_id(&req);
    let at = at(&state);
    let result = crate::db::run(&state.pool, move |conn| {
        use_case::sign_in(conn, &config, at, body, &address, request_id)
    })
    .await;
    match result {
        Ok(o) => Ok(opened(&state, &o, &next)),
        Err(AppError::SignInFailed) => {
            let message = state.staff.text(lang, "sign_in.failed").to_string();
            let view = SignInView {
                action: with_next("/sign-in", &next),
                email,
                errors: vec![FormError {
                    field: "email".into(),
                    message,
                }],
                expired: false,
                signed_out: false,
            };
            let chrome =
                chrome_before_sign_in(&state, lang, "sign_in.title", None, &super::here(&req));
            Ok(html(
                StatusCode::UNAUTHORIZED,
                state.staff.render(Page::SignIn, &chrome, &view),
            ))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// The second factor

fn code_view(next: &str, error: Option<String>) -> CodeView {
    CodeView {
        action: with_next("/sign-in/code", next),
        errors: summary(&[("code", &error)]),
        code_error: error,
    }
}

async fn code_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Signing,
) -> AppResult<HttpResponse> {
    let next = next_of(&req);
    if who.stage() != Stage::SecondFactor {
        return Ok(see_other(&stage_page(who.stage(), &next)));
    }
    let lang = who.user.language;
    let chrome = chrome_before_sign_in(
        &state,
        lang,
        "second_factor.title",
        Some(who.csrf()),
        &super::here(&req),
    );
    Ok(html(
        StatusCode::OK,
        state
            .staff
            .render(Page::SecondFactor, &chrome, &code_view(&next, None)),
    ))
}

/// Runs a code step; a wrong code shows the page again with the field's error.
async fn code_step(
    state: &AppState,
    who: Signing,
    code: String,
    step: fn(
        &mut crate::db::DbConnection,
        &crate::config::Config,
        At,
        &use_case::Pending,
        CodeRequest,
    ) -> AppResult<Opened>,
) -> Result<Opened, (AppError, Signing)> {
    let config = state.config.clone();
    let at = at(state);
    let signing = who.clone();
    let result = crate::db::run(&state.pool, move |conn| {
        step(conn, &config, at, &signing.pending(), CodeRequest { code })
    })
    .await;
    result.map_err(|e| (e, who))
}

async fn code(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Signing,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let next = next_of(&req);
    let code = form.get("code").unwrap_or("").to_string();
    match code_step(&state, who, code, use_case::second_factor).await {
        Ok(o) => Ok(opened(&state, &o, &next)),
        Err((e @ AppError::Validation(_), who)) => {
            let lang = who.user.language;
            let error = field_message(&e, "code", lang);
            let chrome = chrome_before_sign_in(
                &state,
                lang,
                "second_factor.title",
                Some(who.csrf()),
                &super::here(&req),
            );
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                state
                    .staff
                    .render(Page::SecondFactor, &chrome, &code_view(&next, error)),
            ))
        }
        Err((e, _)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// A new password

fn password_page_of(
    state: &AppState,
    req: &HttpRequest,
    who: &Signing,
    current_error: Option<String>,
    new_error: Option<String>,
) -> String {
    let next = next_of(req);
    let lang = who.user.language;
    let view = PasswordView {
        action: with_next("/sign-in/password", &next),
        ask_current: who.stage() == Stage::Complete,
        errors: summary(&[
            ("current_password", &current_error),
            ("new_password", &new_error),
        ]),
        current_error,
        new_error,
    };
    let mut chrome = chrome_before_sign_in(
        state,
        lang,
        "change_password.title",
        Some(who.csrf()),
        &super::here(req),
    );
    if who.stage() == Stage::Complete {
        chrome.user = Some(crate::staff::ChromeUser {
            name: who.user.display_name.clone(),
            sections: vec![],
        });
        chrome.section = Some(Section::Account);
    }
    state.staff.render(Page::ChangePassword, &chrome, &view)
}

async fn password_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Signing,
) -> AppResult<HttpResponse> {
    if !matches!(who.stage(), Stage::ChangePassword | Stage::Complete) {
        return Ok(see_other(&stage_page(who.stage(), &next_of(&req))));
    }
    Ok(html(
        StatusCode::OK,
        password_page_of(&state, &req, &who, None, None),
    ))
}

async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Signing,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let next = next_of(&req);
    let body = PasswordRequest {
        current_password: form.get("current_password").map(str::to_string),
        new_password: form.get("new_password").unwrap_or("").to_string(),
    };
    let config = state.config.clone();
    let at = at(&state);
    let signing = who.clone();
    let result = crate::db::run(&state.pool, move |conn| {
        use_case::change_password(conn, &config, at, &signing.pending(), body)
    })
    .await;
    match result {
        // A change from the account (not at first sign-in) says so on the page it returns to.
        Ok(o) if who.stage() == Stage::Complete && next == "/" => {
            Ok(opened(&state, &o, "/?done=password"))
        }
        Ok(o) => Ok(opened(&state, &o, &next)),
        Err(e @ AppError::Validation(_)) => {
            let lang = who.user.language;
            let current = field_message(&e, "current_password", lang);
            let new = field_message(&e, "new_password", lang);
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                password_page_of(&state, &req, &who, current, new),
            ))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Setting up the second factor

fn enrol_page_of(
    state: &AppState,
    req: &HttpRequest,
    who: &Signing,
    code_error: Option<String>,
) -> String {
    let next = next_of(req);
    let lang = who.user.language;
    let started = use_case::enrolment_in_progress(&state.config, &who.user);
    let view = EnrolView {
        start_action: with_next("/sign-in/enrol/start", &next),
        qr_svg: started.as_ref().map(|e| {
            format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&e.qr_svg)
            )
        }),
        secret: started.as_ref().map(|e| {
            e.secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        action: with_next("/sign-in/enrol", &next),
        errors: summary(&[("code", &code_error)]),
        code_error,
    };
    let chrome = chrome_before_sign_in(
        state,
        lang,
        "enrol.title",
        Some(who.csrf()),
        &super::here(req),
    );
    state.staff.render(Page::Enrol, &chrome, &view)
}

async fn enrol_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Signing,
) -> AppResult<HttpResponse> {
    let enrolling = who.stage() == Stage::Enrol
        || (who.stage() == Stage::Complete && who.user.totp_secret.is_none());
    if !enrolling {
        return Ok(see_other(&stage_page(who.stage(), &next_of(&req))));
    }
    Ok(html(
        StatusCode::OK,
        enrol_page_of(&state, &req, &who, None),
    ))
}

async fn enrol_start(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Signing,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let config = state.config.clone();
    let origin = who.origin();
    crate::app::write(&state, origin, move |tx| {
        use_case::begin_enrolment(tx, &config, &who.pending()).map(|_| ())
    })
    .await?;
    Ok(see_other(&with_next("/sign-in/enrol", &next_of(&req))))
}

async fn enrol(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Signing,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let next = next_of(&req);
    let code = form.get("code").unwrap_or("").to_string();
    let lang = who.user.language;
    match code_step(&state, who, code, use_case::confirm_enrolment).await {
        Ok(o) => {
            let codes = o.recovery_codes.clone().unwrap_or_default();
            let mut answer = recovery_codes_shown(&state, lang, &o, codes, &next);
            let max_age = (o.expires_at - state.now().naive_utc())
                .num_seconds()
                .max(1);
            let _ = answer.add_cookie(&session_cookie(
                &o.secret,
                max_age,
                state.config.secure_cookies(),
            ));
            Ok(answer)
        }
        Err((e @ AppError::Validation(_), who)) => {
            let error = field_message(&e, "code", who.user.language);
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                enrol_page_of(&state, &req, &who, error),
            ))
        }
        Err((e, _)) => Err(e),
    }
}

/// The ten codes, this once, then on to what comes next.
fn recovery_codes_shown(
    state: &AppState,
    lang: Lang,
    opened: &Opened,
    codes: Vec<String>,
    next: &str,
) -> HttpResponse {
    let chrome = Chrome {
        lang,
        title: state.staff.text(lang, "recovery_codes.title").to_string(),
        user: None,
        csrf: Some(crate::auth::csrf_token(&opened.secret)),
        section: None,
        path: "/".into(),
        flash: None,
    };
    let view = RecoveryCodesView {
        codes,
        continue_to: stage_page(opened.stage, next),
        action: String::new(),
        errors: vec![],
        code_error: None,
    };
    html(
        StatusCode::OK,
        state.staff.render(Page::RecoveryCodes, &chrome, &view),
    )
}

// ---------------------------------------------------------------------------------------
// Recovery codes, signing out, the language

fn renew_view(error: Option<String>) -> RecoveryCodesView {
    RecoveryCodesView {
        codes: vec![],
        continue_to: "/".into(),
        action: "/account/recovery-codes".into(),
        errors: summary(&[("code", &error)]),
        code_error: error,
    }
}

async fn recovery_codes_page(state: web::Data<AppState>, who: Staff) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let chrome = who.chrome(
        state.staff.text(lang, "recovery_codes.title"),
        Some(Section::Account),
    );
    Ok(html(
        StatusCode::OK,
        state
            .staff
            .render(Page::RecoveryCodes, &chrome, &renew_view(None)),
    ))
}

async fn renew_recovery_codes(
    state: web::Data<AppState>,
    who: Staff,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let lang = who.lang();
    let config = state.config.clone();
    let at = at(&state);
    let code = form.get("code").unwrap_or("").to_string();
    let signing = Signing::clone(&who);
    let result = crate::db::run(&state.pool, move |conn| {
        use_case::renew_recovery_codes(conn, &config, at, &signing.pending(), CodeRequest { code })
    })
    .await;
    let chrome = who.chrome(
        state.staff.text(lang, "recovery_codes.title"),
        Some(Section::Account),
    );
    match result {
        Ok(codes) => {
            let view = RecoveryCodesView {
                codes,
                continue_to: "/".into(),
                action: String::new(),
                errors: vec![],
                code_error: None,
            };
            Ok(html(
                StatusCode::OK,
                state.staff.render(Page::RecoveryCodes, &chrome, &view),
            ))
        }
        Err(e @ AppError::Validation(_)) => {
            let error = field_message(&e, "code", lang);
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                state
                    .staff
                    .render(Page::RecoveryCodes, &chrome, &renew_view(error)),
            ))
        }
        Err(e) => Err(e),
    }
}

async fn sign_out(state: web::Data<AppState>, who: Signing, form: Form) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let lang = who.user.language;
    let origin = who.origin();
    crate::app::write(&state, origin, move |tx| {
        use_case::sign_out(tx, &who.pending())
    })
    .await?;
    let mut removal = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    removal.make_removal();
    let to = match lang {
        Lang::Ja => "/sign-in?signed_out=1",
        Lang::En => "/sign-in?signed_out=1&lang=en",
    };
    let mut answer = see_other(to);
    let _ = answer.add_cookie(&removal);
    Ok(answer)
}

async fn language(state: web::Data<AppState>, who: Staff, form: Form) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let next = local_path(form.get("next"));
    let body = use_case::PreferencesRequest {
        language: form.get("lang").unwrap_or("").to_string(),
    };
    let user = who.user.clone();
    crate::app::write(&state, who.origin(), move |tx| {
        use_case::set_preferences(tx, &user, body)
    })
    .await?;
    Ok(see_other(&next))
}

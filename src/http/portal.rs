//! The vendor portal over HTTP: `/portal/<token>` shows the one check the emailed link
//! opens and takes its form (answers, evidence files, the signed submission). No account
//! and no cookie: the token in the path is the credential, so it is never logged, never
//! sent on as a Referer, and a page that cannot be shown says nothing about any check.
//! Answers are HTML pages, never problem+json: the people here use a browser.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::client;
use super::AppState;
use crate::app::checks::vendor::{self, Opened};
use crate::app::checks::{self, Form, FormAction, Saved, Upload};
use crate::app::responsibility;
use crate::app::subprocessors;
use crate::audit::Origin;
use crate::db::{self, checks as store};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::policy::checks::{effective, CheckState};
use crate::policy::sign_in::Limits;
use crate::portal::{
    CheckPage, EvidenceItem, Message, Notice, PortalPages, ResponsibilityEntry, ResponsibilityPage,
    Signature, Submitted, SubprocessorEntry, SubprocessorsPage,
};
use crate::questionnaires::answers::{AnswerProblem, RawAnswer};

/// The throttle's account for bad links: failures count per address only.
/// The longest text field a form may send (an answer is at most 4,000 characters).
const MAX_TEXT_BYTES: usize = 64 * 1024;
const MAX_PARTS: usize = 2_000;
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/portal/subprocessors/{token}")
            .route(web::get().to(show_subprocessors))
            .route(web::post().to(report_subprocessor))
            .default_service(web::to(
                |req: HttpRequest, state: web::Data<AppState>| async move {
                    not_allowed(&state, &req, "GET, HEAD, POST")
                },
            )),
    );
    cfg.service(
        web::resource("/portal/responsibility/{token}")
            .route(web::get().to(show_responsibility))
            .route(web::post().to(answer_responsibility))
            .default_service(web::to(
                |req: HttpRequest, state: web::Data<AppState>| async move {
                    not_allowed(&state, &req, "GET, HEAD, POST")
                },
            )),
    );
    cfg.service(
        web::resource("/portal/{token}")
            .route(web::get().to(show))
            .route(web::post().to(take_form))
            .default_service(web::to(
                |req: HttpRequest, state: web::Data<AppState>| async move {
                    not_allowed(&state, &req, "GET, HEAD, POST")
                },
            )),
    );
}

/// Another method on a portal address: 405 with `Allow`, as a readable page.
fn not_allowed(state: &AppState, req: &HttpRequest, allow: &'static str) -> HttpResponse {
    let lang = lang_of(query_param(req, "lang"));
    let mut page = message(
        state,
        StatusCode::METHOD_NOT_ALLOWED,
        lang,
        Message::MethodNotAllowed,
        None,
    );
    page.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    page
}

fn query_param<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.query_string()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn lang_of(value: Option<&str>) -> Lang {
    match value {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    }
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        // Not `no-referrer`: with it, browsers send `Origin: null` on the form's POST,
        // which the cross-site check must refuse. `same-origin` still keeps the token in
        // the address from every other site.
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(body)
}

fn pages(state: &AppState) -> &PortalPages {
    &state.portal
}

fn message(
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    message: Message,
    base_path: Option<&str>,
) -> HttpResponse {
    html(status, pages(state).render_notice(lang, message, base_path))
}

/// The one page for a link that does not open anything: unknown, expired or revoked
/// look the same, so a guess learns nothing.
fn invalid_link(state: &AppState, lang: Lang) -> HttpResponse {
    message(
        state,
        StatusCode::NOT_FOUND,
        lang,
        Message::InvalidLink,
        None,
    )
}

fn too_many(state: &AppState, lang: Lang, seconds: u64) -> HttpResponse {
    let minutes = seconds.div_ceil(60);
    let mut res = message(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        Message::TooManyTries { minutes },
        None,
    );
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn failure_page(state: &AppState, lang: Lang, err: &AppError) -> HttpResponse {
    tracing::error!(error = %err, "portal request failed");
    message(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        lang,
        Message::Unavailable,
        None,
    )
}

/// The live check behind a token, after the address's bad-link count; `Err` is the page
/// to answer with.
async fn open(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    lang: Lang,
) -> Result<(store::TokenRow, store::CheckRow), HttpResponse> {
    let token = token.to_string();
    open_counted_link(state, req, lang, move |conn, now| {
        vendor::open_check(conn, &token, now)
    })
    .await
}

/// What a portal link of any kind opens (`find` looks it up), after the address's
/// bad-link count; `Err` is the page to answer with.
async fn open_counted_link<T: Send + 'static>(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    find: impl FnOnce(&mut crate::db::DbConnection, chrono::NaiveDateTime) -> Result<Option<T>, AppError>
        + Send
        + 'static,
) -> Result<T, HttpResponse> {
    let address = client::address(req, state.config.security.trust_forwarded_for);
    let now = state.now().naive_utc();
    let limits = Limits {
        max_failures: state.config.checks.portal_max_failures_per_address,
        window: state.config.security.failure_window,
    };
    let outcome = db::run(&state.pool, move |conn| {
        vendor::open_counted(conn, &address, limits, now, |conn| find(conn, now))
    })
    .await;
    match outcome {
        Ok(Opened::Found(found)) => Ok(found),
        Ok(Opened::Throttled(wait)) => Err(too_many(state, lang, wait)),
        Ok(Opened::Invalid) => Err(invalid_link(state, lang)),
        Err(e) => Err(failure_page(state, lang, &e)),
    }
}

/// What the page needs beyond the check row, with the evidence as the page lists it.
struct Loaded {
    ctx: checks::Context,
    answers: BTreeMap<String, RawAnswer>,
    evidence: Vec<EvidenceItem>,
    review_comment: Option<String>,
    question_comments: BTreeMap<String, String>,
}

async fn load(state: &AppState, check: &store::CheckRow) -> Result<Loaded, AppError> {
    let check = check.clone();
    let data = db::run(&state.pool, move |conn| vendor::page_data(conn, &check)).await?;
    Ok(Loaded {
        ctx: data.ctx,
        answers: data.answers,
        evidence: data
            .evidence
            .into_iter()
            .map(|e| EvidenceItem {
                id: e.id,
                question_id: e.question_id,
                file_name: e.file_name,
                size_bytes: e.size_bytes,
                sha256: e.sha256,
            })
            .collect(),
        review_comment: data.review_comment,
        question_comments: data.question_comments,
    })
}

struct Shown<'a> {
    notice: Option<Notice>,
    answers: Option<&'a BTreeMap<String, RawAnswer>>,
    problems: &'a [AnswerProblem],
    fields: &'a [(String, Msg)],
    signature: Option<&'a Signature>,
}

fn render_check(
    state: &AppState,
    token: &str,
    lang: Lang,
    check: &store::CheckRow,
    loaded: &Loaded,
    shown: Shown,
) -> Result<String, AppError> {
    let definition = checks::definition_of(check)?;
    let stored = check.state;
    let submitted = check.submitted_at.map(|at| Submitted {
        at: at
            .and_utc()
            .with_timezone(&state.config.time_zone)
            .naive_local(),
        name: check.signed_name.clone().unwrap_or_default(),
        title: check.signed_title.clone().unwrap_or_default(),
    });
    let read_only = !stored.open_to_vendor();
    let signature = shown.signature.cloned().unwrap_or_else(|| Signature {
        name: check.signed_name.clone().unwrap_or_default(),
        title: check.signed_title.clone().unwrap_or_default(),
        declared: false,
    });
    let base_path = format!("/portal/{token}");
    let csrf = crate::auth::csrf_token(token);
    let notice = shown
        .notice
        .or_else(|| (stored == CheckState::Returned).then_some(Notice::Returned));
    Ok(pages(state).render_check(&CheckPage {
        lang,
        base_path: &base_path,
        csrf: &csrf,
        organization: &state.config.organization_name,
        engagement_title: &loaded.ctx.engagement.title,
        vendor_name: &loaded.ctx.vendor_name,
        contact_name: &check.contact_name,
        definition: &definition,
        state: effective(stored, check.due_on, state.today()),
        due_on: check.due_on,
        answers: shown.answers.unwrap_or(&loaded.answers),
        evidence: &loaded.evidence,
        problems: shown.problems,
        field_problems: shown.fields,
        notice,
        review_comment: loaded.review_comment.as_deref(),
        question_comments: &loaded.question_comments,
        signature: &signature,
        submitted: if read_only { submitted.as_ref() } else { None },
        max_file_bytes: state.config.checks.evidence_max_bytes,
    }))
}

/// `GET /portal/<token>`: the check, to answer or, once submitted, to read.
async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let lang = lang_of(query_param(&req, "lang"));
    let (_, check) = match open(&state, &req, &token, lang).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let notice = match query_param(&req, "notice") {
        Some("saved") => Some(Notice::Saved),
        Some("submitted") => Some(Notice::Submitted),
        _ => None,
    };
    let loaded = match load(&state, &check).await {
        Ok(l) => l,
        Err(e) => return failure_page(&state, lang, &e),
    };
    let shown = Shown {
        notice,
        answers: None,
        problems: &[],
        fields: &[],
        signature: None,
    };
    match render_check(&state, &token, lang, &check, &loaded, shown) {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => failure_page(&state, lang, &e),
    }
}

/// Why a form could not be read.
enum Unreadable {
    TooLarge(Msg),
    Malformed(Msg),
}

/// What the form sent besides the answers and files.
#[derive(Default)]
struct Parsed {
    answers: BTreeMap<String, RawAnswer>,
    uploads: Vec<Upload>,
    csrf: String,
    lang: Option<String>,
    action: Option<String>,
    delete: Option<String>,
    signature: Signature,
}

async fn read_field(
    field: &mut actix_multipart::Field,
    limit: usize,
    total: &mut usize,
    total_limit: usize,
) -> Result<Option<Vec<u8>>, actix_multipart::MultipartError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk?;
        *total += chunk.len();
        if buf.len() + chunk.len() > limit || *total > total_limit {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Some(buf))
}

fn malformed(detail: impl std::fmt::Display) -> Unreadable {
    Unreadable::Malformed(Msg::new(
        format!("フォームの内容を読み取れませんでした（{detail}）"),
        format!("The form could not be read ({detail})"),
    ))
}

async fn parse_form(mut multipart: Multipart, max_file_bytes: usize) -> Result<Parsed, Unreadable> {
    let total_limit = max_file_bytes.saturating_mul(5) + 1024 * 1024;
    let mut total = 0usize;
    let mut parts = 0usize;
    let mut form = Parsed::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(malformed("too many fields"));
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        if let Some(question_id) = name.strip_prefix("file.") {
            let Some(content) = read_field(&mut field, max_file_bytes, &mut total, total_limit)
                .await
                .map_err(malformed)?
            else {
                let name =
                    crate::app::checks::evidence::clean_name(file_name.as_deref().unwrap_or(""));
                return Err(Unreadable::TooLarge(
                    crate::app::checks::evidence::too_large(&name, max_file_bytes),
                ));
            };
            // A file input left empty still sends an empty part without a name.
            let file_name = file_name.unwrap_or_default();
            if file_name.is_empty() && content.is_empty() {
                continue;
            }
            form.uploads.push(Upload {
                question_id: question_id.to_string(),
                file_name,
                content,
            });
            continue;
        }
        let Some(bytes) = read_field(&mut field, MAX_TEXT_BYTES, &mut total, total_limit)
            .await
            .map_err(malformed)?
        else {
            return Err(Unreadable::TooLarge(Msg::new(
                format!("入力欄 {name} の内容が長すぎます"),
                format!("The field {name} is too long"),
            )));
        };
        let text = String::from_utf8(bytes).map_err(|_| malformed(format!("{name}: not UTF-8")))?;
        // PostgreSQL cannot store U+0000; no person types one.
        if text.contains('\0') || name.contains('\0') {
            return Err(malformed(format!(
                "{}: NUL (U+0000)",
                name.replace('\0', "\\u0000")
            )));
        }
        match name.as_str() {
            "csrf" => form.csrf = text,
            "lang" => form.lang = Some(text),
            "action" => form.action = Some(text),
            "delete" => form.delete = Some(text),
            "signed_name" => form.signature.name = text,
            "signed_title" => form.signature.title = text,
            "declaration" => form.signature.declared = text == "yes",
            other => match other.strip_prefix("q.") {
                Some(q) => form
                    .answers
                    .entry(q.to_string())
                    .or_default()
                    .values
                    .push(text),
                None => return Err(malformed(format!("unknown field {other}"))),
            },
        }
    }
    Ok(form)
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// `POST /portal/<token>`: saves the draft (answers, new files, a removed file) and, with
/// `action=submit`, submits it with the signed statement. Success redirects to the page
/// (so a reload does not send the form again); a refusal shows the form again with what
/// was typed and every problem.
async fn take_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let mut lang = lang_of(query_param(&req, "lang"));
    if let Some(origin) = super::csrf::foreign_origin(&req) {
        tracing::info!(origin, "portal form refused: cross-origin");
        return message(
            &state,
            StatusCode::FORBIDDEN,
            lang,
            Message::CrossSite,
            None,
        );
    }
    let (_, check) = match open(&state, &req, &token, lang).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let base_path = format!("/portal/{}", token.as_str());
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return message(
            &state,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            lang,
            Message::WrongFormat,
            Some(&base_path),
        );
    }
    let multipart = Multipart::new(req.headers(), payload.into_inner());
    let parsed = match parse_form(multipart, state.config.checks.evidence_max_bytes).await {
        Ok(p) => p,
        Err(Unreadable::TooLarge(m)) => {
            return message(
                &state,
                StatusCode::PAYLOAD_TOO_LARGE,
                lang,
                Message::TooLarge { reason: &m },
                Some(&base_path),
            )
        }
        Err(Unreadable::Malformed(m)) => {
            return message(
                &state,
                StatusCode::BAD_REQUEST,
                lang,
                Message::NotSent { reason: &m },
                Some(&base_path),
            )
        }
    };
    if parsed.lang.is_some() {
        lang = lang_of(parsed.lang.as_deref());
    }
    if !crate::auth::csrf_matches(token.as_str(), &parsed.csrf) {
        return message(
            &state,
            StatusCode::FORBIDDEN,
            lang,
            Message::WrongPage,
            Some(&base_path),
        );
    }
    let action = match parsed.action.as_deref() {
        Some("submit") => FormAction::Submit,
        _ => FormAction::Save,
    };
    let form = Form {
        answers: parsed.answers,
        uploads: parsed.uploads,
        delete: parsed.delete.filter(|d| !d.is_empty()),
        action,
        signature: parsed.signature,
    };
    let origin = vendor_origin(&state, &req, &check.contact_email);
    let app = state.get_ref().clone();
    let check_id = check.id.clone();
    let (typed, signed) = (form.answers.clone(), form.signature.clone());
    let outcome = crate::app::write(&state, origin, move |tx| {
        checks::save(tx, &checks::Env::of(&app), &check_id, &form)
    })
    .await;
    let lang_query = lang.as_str();
    let (status, notice, problems, fields) = match outcome {
        Ok(Saved::Draft) => {
            return see_other(&format!("{base_path}?lang={lang_query}&notice=saved"))
        }
        Ok(Saved::Submitted | Saved::AlreadySubmitted) => {
            return see_other(&format!("{base_path}?lang={lang_query}&notice=submitted"))
        }
        Ok(Saved::ReadOnly) => return see_other(&format!("{base_path}?lang={lang_query}")),
        Ok(Saved::Invalid { problems, fields }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Notice::NotSaved,
            problems,
            fields,
        ),
        Ok(Saved::Incomplete { problems, fields }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Notice::SavedNotSubmitted,
            problems,
            fields,
        ),
        Err(e) => return failure_page(&state, lang, &e),
    };
    // Shown again: the check as it is now (a saved draft included), with what was typed.
    let check = match db::run(&state.pool, {
        let id = check.id.clone();
        move |conn| store::find(conn, &id)
    })
    .await
    {
        Ok(Some(c)) => c,
        Ok(None) => return invalid_link(&state, lang),
        Err(e) => return failure_page(&state, lang, &e),
    };
    let loaded = match load(&state, &check).await {
        Ok(l) => l,
        Err(e) => return failure_page(&state, lang, &e),
    };
    let shown = Shown {
        notice: Some(notice),
        answers: Some(&typed),
        problems: &problems,
        fields: &fields,
        signature: Some(&signed),
    };
    match render_check(&state, &token, lang, &check, &loaded, shown) {
        Ok(body) => html(status, body),
        Err(e) => failure_page(&state, lang, &e),
    }
}

// ---------------------------------------------------------------------------------------
// The division of responsibility a cloud provider confirms

/// The version a live link opens, after the address's bad-link count (shared with the
/// checks' links); `Err` is the page to answer with.
async fn open_matrix(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    lang: Lang,
) -> Result<crate::db::responsibility::MatrixRow, HttpResponse> {
    let token = token.to_string();
    open_counted_link(state, req, lang, move |conn, now| {
        responsibility::open(conn, &token, now)
    })
    .await
}

/// What was typed: the decision, the name, the comment.
#[derive(Default)]
struct Typed {
    decision: String,
    signed_name: String,
    comment: String,
}

async fn matrix_page(
    state: &AppState,
    lang: Lang,
    base_path: &str,
    row: crate::db::responsibility::MatrixRow,
    typed: &Typed,
    errors: Vec<(String, String)>,
) -> Result<String, AppError> {
    let app = state.clone();
    let page = db::run(&state.pool, move |conn| {
        responsibility::vendor_page(conn, &app, row)
    })
    .await?;
    let entries = page
        .entries
        .iter()
        .map(|e| ResponsibilityEntry {
            area: e.area.label().get(lang).to_string(),
            responsible_key: e.responsible.as_str(),
            responsible: e.responsible.label().get(lang).to_string(),
            notes: e.notes.clone(),
        })
        .collect();
    Ok(pages(state).render_responsibility(&ResponsibilityPage {
        lang,
        base_path,
        engagement_title: &page.engagement_title,
        vendor_name: &page.vendor_name,
        version: page.row.version,
        entries,
        decision: &typed.decision,
        signed_name: &typed.signed_name,
        comment: &typed.comment,
        errors,
    }))
}

/// `GET /portal/responsibility/<token>`: the matrix and the form that answers it.
async fn show_responsibility(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let lang = lang_of(query_param(&req, "lang"));
    let row = match open_matrix(&state, &req, &token, lang).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    let base_path = format!("/portal/responsibility/{}", token.as_str());
    match matrix_page(&state, lang, &base_path, row, &Typed::default(), vec![]).await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => failure_page(&state, lang, &e),
    }
}

/// `POST /portal/responsibility/<token>`: the provider's answer. Accepted, the link stops
/// working and a thank-you page says what happens next; refused, the form comes back
/// with what was typed and every problem.
async fn answer_responsibility(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let mut lang = lang_of(query_param(&req, "lang"));
    if let Some(origin) = super::csrf::foreign_origin(&req) {
        tracing::info!(origin, "portal form refused: cross-origin");
        return message(
            &state,
            StatusCode::FORBIDDEN,
            lang,
            Message::CrossSite,
            None,
        );
    }
    let row = match open_matrix(&state, &req, &token, lang).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    let base_path = format!("/portal/responsibility/{}", token.as_str());
    let Some(fields) = url_encoded(&req, &body) else {
        return message(
            &state,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            lang,
            Message::WrongFormat,
            Some(&base_path),
        );
    };
    let field = |name: &str| fields.get(name);
    if field("lang") == "en" {
        lang = Lang::En;
    }
    let typed = Typed {
        decision: field("decision"),
        signed_name: field("signed_name"),
        comment: field("comment"),
    };
    let answer = responsibility::VendorAnswer {
        decision: Some(typed.decision.clone()),
        signed_name: Some(typed.signed_name.clone()),
        comment: Some(typed.comment.clone()),
    };
    let origin = vendor_origin(
        &state,
        &req,
        row.sent_to_email.as_deref().unwrap_or_default(),
    );
    let answered = row.clone();
    let outcome = crate::app::write(&state, origin, move |tx| {
        responsibility::answer(tx, &answered, &answer)
    })
    .await;
    match outcome {
        Ok(decision) => html(
            StatusCode::OK,
            pages(&state).render_responsibility_answered(
                lang,
                decision == crate::policy::responsibility::VendorDecision::Confirmed,
            ),
        ),
        Err(AppError::Validation(problems)) => {
            let errors = problems
                .iter()
                .map(|p| (p.field.clone(), p.message.get(lang).to_string()))
                .collect();
            match matrix_page(&state, lang, &base_path, row, &typed, errors).await {
                Ok(body) => html(StatusCode::UNPROCESSABLE_ENTITY, body),
                Err(e) => failure_page(&state, lang, &e),
            }
        }
        // Answered meanwhile, from another window: the link no longer opens anything.
        Err(AppError::Conflict { .. }) => invalid_link(&state, lang),
        Err(e) => failure_page(&state, lang, &e),
    }
}

// ---------------------------------------------------------------------------------------
// A cloud provider reports a change of its subprocessors

async fn open_report_link(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    lang: Lang,
) -> Result<crate::db::subprocessors::LinkRow, HttpResponse> {
    let token = token.to_string();
    open_counted_link(state, req, lang, move |conn, now| {
        subprocessors::live_link(conn, &token, now)
    })
    .await
}

async fn subprocessors_page(
    state: &AppState,
    lang: Lang,
    base_path: &str,
    link: crate::db::subprocessors::LinkRow,
    reported: bool,
    typed: [String; 5],
    errors: Vec<(String, String)>,
) -> Result<String, AppError> {
    let page = db::run(&state.pool, move |conn| {
        subprocessors::vendor_page(conn, &link)
    })
    .await?;
    let date = |d: chrono::NaiveDate| crate::mail::format_due(lang, d);
    let current = page
        .list
        .current
        .iter()
        .map(|s| SubprocessorEntry {
            name: s.name.clone(),
            purpose: s.purpose.clone(),
            country: s.country.as_str().to_string(),
            since: date(s.since),
        })
        .collect();
    let pending = page
        .list
        .pending
        .iter()
        .map(|c| {
            (
                c.kind.as_str(),
                SubprocessorEntry {
                    name: c.name.clone(),
                    purpose: c.purpose.clone(),
                    country: c.country.clone(),
                    since: date(c.effective_on),
                },
            )
        })
        .collect();
    Ok(pages(state).render_subprocessors(&SubprocessorsPage {
        lang,
        base_path,
        engagement_title: &page.engagement_title,
        vendor_name: &page.vendor_name,
        reported,
        current,
        pending,
        typed,
        errors,
    }))
}

/// `GET /portal/subprocessors/<token>`: the list as the ward has it, and the form.
async fn show_subprocessors(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let lang = lang_of(query_param(&req, "lang"));
    let link = match open_report_link(&state, &req, &token, lang).await {
        Ok(link) => link,
        Err(page) => return page,
    };
    let base_path = format!("/portal/subprocessors/{}", token.as_str());
    let reported = query_param(&req, "reported") == Some("1");
    match subprocessors_page(
        &state,
        lang,
        &base_path,
        link,
        reported,
        Default::default(),
        vec![],
    )
    .await
    {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => failure_page(&state, lang, &e),
    }
}

/// `POST /portal/subprocessors/<token>`: a change reported. Accepted, the page comes back
/// (303) saying so; refused, the form comes back with what was typed and every problem.
async fn report_subprocessor(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let mut lang = lang_of(query_param(&req, "lang"));
    if let Some(origin) = super::csrf::foreign_origin(&req) {
        tracing::info!(origin, "portal form refused: cross-origin");
        return message(
            &state,
            StatusCode::FORBIDDEN,
            lang,
            Message::CrossSite,
            None,
        );
    }
    let link = match open_report_link(&state, &req, &token, lang).await {
        Ok(link) => link,
        Err(page) => return page,
    };
    let base_path = format!("/portal/subprocessors/{}", token.as_str());
    let Some(fields) = url_encoded(&req, &body) else {
        return message(
            &state,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            lang,
            Message::WrongFormat,
            Some(&base_path),
        );
    };
    let field = |name: &str| fields.get(name);
    if field("lang") == "en" {
        lang = Lang::En;
    }
    let typed = [
        field("kind"),
        field("name"),
        field("purpose"),
        field("country"),
        field("effective_on"),
    ];
    let change = subprocessors::ChangeBody {
        kind: Some(typed[0].clone()),
        name: Some(typed[1].clone()),
        purpose: Some(typed[2].clone()),
        country: Some(typed[3].clone()),
        effective_on: Some(typed[4].clone()),
    };
    let origin = vendor_origin(&state, &req, &link.sent_to_email);
    let reporting = link.clone();
    let outcome = crate::app::write(&state, origin, move |tx| {
        subprocessors::report(tx, &reporting, &change)
    })
    .await;
    match outcome {
        Ok(_) => {
            let lang_part = if lang == Lang::En { "&lang=en" } else { "" };
            see_other(&format!("{base_path}?reported=1{lang_part}"))
        }
        Err(AppError::Validation(problems)) => {
            let errors = problems
                .iter()
                .map(|p| (p.field.clone(), p.message.get(lang).to_string()))
                .collect();
            match subprocessors_page(&state, lang, &base_path, link, false, typed, errors).await {
                Ok(body) => html(StatusCode::UNPROCESSABLE_ENTITY, body),
                Err(e) => failure_page(&state, lang, &e),
            }
        }
        Err(e) => failure_page(&state, lang, &e),
    }
}

/// A portal form's fields (`application/x-www-form-urlencoded`); `None` for any other
/// body, which the caller answers as the wrong format.
fn url_encoded(req: &HttpRequest, body: &[u8]) -> Option<FormFields> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    serde_urlencoded::from_bytes(body).ok().map(FormFields)
}

/// A simple portal form's fields by name.
struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// A field's value, empty when it was not sent.
    fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Who acts through a portal link, for the audit log: the contact it was sent to.
fn vendor_origin(state: &AppState, req: &HttpRequest, email: &str) -> Origin {
    Origin {
        actor_id: None,
        actor: format!("vendor:{email}"),
        address: Some(client::address(
            req,
            state.config.security.trust_forwarded_for,
        )),
        request_id: client::request_id(req),
    }
}

//! The auditor's audit log page (R-5.5.7, for ROLE-AUD and ROLE-CISO): the hash chain
//! checked and said in plain words, the entries filtered as the API filters them, paged
//! newest first, and the same selection as the API's CSV. Nobody audits their own
//! activity: asking for it is refused on the page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::admin::date_time;
use super::{add, encode, fill, form_errors, html, query_value, Staff};
use crate::app::audit_log::{self as use_case, AuditQuery};
use crate::audit::{Break, Report};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::access::{Action, Actor};
use crate::staff::views::admin::{AuditLogView, AuditRowView, VerificationView};
use crate::staff::views::OptionView;
use crate::staff::{Page, Section, StaffPages};

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD",
        web::resource("/audit-log").route(web::get().to(audit_log_page)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/audit-log/export.csv").route(web::get().to(export)),
    );
}

/// The menu entry of the audit log, for those who may read it.
pub fn may_open(actor: &Actor) -> Option<Section> {
    actor
        .permits(&Action::ReadAuditLog { about_user: None })
        .is_ok()
        .then_some(Section::AuditLog)
}

fn query_of(req: &HttpRequest) -> AuditQuery {
    AuditQuery {
        from: query_value(req, "from"),
        until: query_value(req, "until"),
        actor_id: query_value(req, "actor_id"),
        action: query_value(req, "action"),
        target_type: query_value(req, "target_type"),
        target_id: query_value(req, "target_id"),
        page: query_value(req, "page"),
        per_page: query_value(req, "per_page"),
    }
}

/// `path` with the query's filters (and `page`), blank ones left out.
fn href(path: &str, q: &AuditQuery, page: Option<i64>) -> String {
    let page = page.map(|p| p.to_string());
    let pairs = [
        ("from", &q.from),
        ("until", &q.until),
        ("actor_id", &q.actor_id),
        ("action", &q.action),
        ("target_type", &q.target_type),
        ("target_id", &q.target_id),
        ("per_page", &q.per_page),
        ("page", &page),
    ];
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The chain's check in plain words: intact, or where it breaks.
fn verification(pages: &StaffPages, lang: Lang, r: &Report) -> VerificationView {
    let n = |v: i64| v.to_string();
    let message = match &r.first_break {
        None if r.entries == 0 => pages.text(lang, "audit.empty").to_string(),
        None => fill(
            pages,
            lang,
            "audit.intact",
            &[("entries", &r.entries.to_string())],
        ),
        Some(b) => {
            let at = match b {
                Break::Changed { seq } => {
                    fill(pages, lang, "audit.break_changed", &[("seq", &n(*seq))])
                }
                Break::Missing {
                    after_seq: Some(after),
                    expected_seq,
                } => fill(
                    pages,
                    lang,
                    "audit.break_missing_after",
                    &[("after", &n(*after)), ("seq", &n(*expected_seq))],
                ),
                Break::Missing {
                    after_seq: None,
                    expected_seq,
                } => fill(
                    pages,
                    lang,
                    "audit.break_missing_start",
                    &[("seq", &n(*expected_seq))],
                ),
                Break::Inserted { seq } => {
                    fill(pages, lang, "audit.break_inserted", &[("seq", &n(*seq))])
                }
                Break::HeadMismatch { .. } => pages.text(lang, "audit.break_head").to_string(),
            };
            let until = if r.entries > 0 {
                fill(
                    pages,
                    lang,
                    "audit.intact_until",
                    &[("entries", &r.entries.to_string()), ("seq", &n(r.last_seq))],
                )
            } else {
                String::new()
            };
            fill(
                pages,
                lang,
                "audit.broken",
                &[("where", format!("{at}{until}").as_str())],
            )
        }
    };
    VerificationView {
        intact: r.first_break.is_none(),
        message,
        head: if r.entries > 0 {
            fill(
                pages,
                lang,
                "audit.head",
                &[("seq", &n(r.last_seq)), ("hash", &r.head_hash)],
            )
        } else {
            String::new()
        },
    }
}

/// An audited action's name: the labels' words when they have some, else its code.
pub(super) fn action_label(pages: &StaffPages, lang: Lang, action: &str) -> String {
    pages
        .text_opt(lang, &format!("actions.{action}"))
        .or_else(|| pages.text_opt(lang, &format!("audit_actions.{action}")))
        .unwrap_or(action)
        .to_string()
}

async fn audit_log_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    who.actor
        .authorize(Action::ReadAuditLog { about_user: None })?;
    let lang = who.lang();
    let pages = &state.staff;
    let query = query_of(&req);
    let (asked, config, actor) = (query.clone(), state.config.clone(), who.actor.clone());
    let (result, report, people) = db::read(&state.pool, move |conn| {
        let result = use_case::list(conn, &config, &actor, &asked);
        let report = use_case::verify(conn, &actor)?;
        let people = crate::app::users::list(conn, &Default::default())?;
        Ok((result, report, people))
    })
    .await?;
    let (page, errors, refusal, status) = match result {
        Ok(p) => (Some(p), vec![], None, StatusCode::OK),
        Err(AppError::Forbidden(m)) => (
            None,
            vec![],
            Some(m.get(lang).to_string()),
            StatusCode::FORBIDDEN,
        ),
        Err(e) => match form_errors(&e, lang) {
            Some(errors) => (None, errors, None, StatusCode::UNPROCESSABLE_ENTITY),
            None => return Err(e),
        },
    };
    let rows = page
        .as_ref()
        .map(|p| {
            p.items
                .iter()
                .map(|e| AuditRowView {
                    seq: e.seq.to_string(),
                    at: date_time(&state, lang, e.occurred_at),
                    actor: e.actor.clone(),
                    action: action_label(pages, lang, &e.action),
                    code: e.action.clone(),
                    target: match (&e.target_type, &e.target_id) {
                        (Some(t), Some(id)) => format!("{t} {id}"),
                        (Some(t), None) => t.clone(),
                        _ => String::new(),
                    },
                    address: e.address.clone().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let pager = page
        .as_ref()
        .map(|p| {
            super::pager(pages, lang, (p.page, p.per_page, p.counted()), |n| {
                href("/audit-log", &query, Some(n))
            })
        })
        .unwrap_or_default();
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    let view = AuditLogView {
        from: typed(&query.from),
        until: typed(&query.until),
        // one's own activity is not offered.
        actors: people
            .iter()
            .filter(|p| p.id != who.actor.user_id)
            .map(|p| OptionView {
                value: p.id.clone(),
                label: format!("{}（{}）", p.display_name, p.email),
                selected: query.actor_id.as_deref() == Some(p.id.as_str()),
            })
            .collect(),
        action: typed(&query.action),
        target_type: typed(&query.target_type),
        target_id: typed(&query.target_id),
        rows,
        pager,
        errors,
        refusal,
        verification: verification(pages, lang, &report),
        csv_href: href("/audit-log/export.csv", &query, None),
        access_review_href: (who.actor.permits(&Action::SeeAccessReview).is_ok()
            && super::admin::may_open(&who.actor).is_none())
        .then(|| "/admin/access-review".to_string()),
    };
    let chrome = who.chrome(pages.text(lang, "audit.title"), Some(Section::AuditLog));
    Ok(html(status, pages.render(Page::AuditLog, &chrome, &view)))
}

/// The same CSV as the API's export, recorded in the log as the API's is.
async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    let mut query = query_of(&req);
    query.page = None;
    query.per_page = None;
    let config = state.config.clone();
    let actor = who.actor.clone();
    let body = crate::app::read(&state, who.origin(), move |tx| {
        use_case::export(tx, &config, &actor, &query)
    })
    .await?;
    let name = format!("itaku-audit-log-{}.csv", state.today().format("%Y%m%d"));
    Ok(crate::http::csv::download(&name, body))
}

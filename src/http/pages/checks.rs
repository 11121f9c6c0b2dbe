//! Periodic checks' pages: the list, one check with the
//! vendor's answers and its review, its evidence files, its links, and the form on an
//! engagement's page that sends one. Each calls the `app::checks::officer` function the
//! API calls.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::findings::finding_rows;
use super::my_work::date;
use super::{add, encode, fill, form_errors, html, query_value, see_other, Form, Staff};
use crate::app::checks::officer::{
    self as use_case, CheckPage, CheckSelection, IssueBody, IssueChoices, ReviewBody,
};
use crate::app::checks::Env;
use crate::app::engagements::Overview;
use crate::app::page::Paging;
use crate::domain::date::parse_typed_date;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::policy::checks::CheckState;
use crate::questionnaires::answers::Answer;
use crate::questionnaires::{AnswerType, Question};
use crate::staff::views::checks::{
    AnsweredQuestion, AnsweredSection, CheckListRow, CheckPageView, ChecksView, EvidenceLink,
    RadioView, ReviewEntry, ReviewFormView, SendCheckView, TermView,
};
use crate::staff::views::register::FieldView;
use crate::staff::views::{CheckRowView, Fact, FormError, IntervalFormView, OptionView};
use crate::staff::{Page, Section, StaffPages};
use crate::validate::Fields;

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD",
        web::resource("/checks").route(web::get().to(list)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/checks/export.csv").route(web::get().to(export)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/checks/{id}").route(web::get().to(show)),
    );
    add(
        cfg,
        "POST",
        web::resource("/checks/{id}/review").route(web::post().to(review)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/checks/{id}/evidence/{evidence_id}").route(web::get().to(evidence)),
    );
    add(
        cfg,
        "POST",
        web::resource("/checks/{id}/links").route(web::post().to(renew_links)),
    );
    add(
        cfg,
        "POST",
        web::resource("/checks/{id}/links/revoke").route(web::post().to(revoke_links)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/checks").route(web::post().to(send)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/check-interval").route(web::post().to(set_interval)),
    );
}

pub fn check_state_label(pages: &StaffPages, lang: Lang, state: CheckState) -> String {
    pages
        .text(lang, &format!("check_states.{}", state.as_str()))
        .to_string()
}

/// A moment as the pages show it: the era date and the time of day where the service is.
pub fn moment(state: &AppState, lang: Lang, at: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        date(lang, state.config.date_at(at)),
        at.with_timezone(&state.config.time_zone).format("%H:%M")
    )
}

/// `512 B`, `12.3 KB`, `4.0 MB`, as the portal writes a file's size.
pub(super) fn size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < KB {
        format!("{} B", bytes.max(0))
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

/// An answer as the officer reads it, and whether there is one; a file question is
/// answered by its attached files.
pub fn answer_text(
    pages: &StaffPages,
    lang: Lang,
    question: Option<&Question>,
    answer: Option<&Answer>,
    files: usize,
) -> (String, bool) {
    let t = |key: &str| pages.text(lang, key).to_string();
    let none = || (t("check_page.no_answer"), false);
    if question.is_some_and(|q| q.answer == AnswerType::File) || answer == Some(&Answer::File) {
        return match files {
            0 => none(),
            1 => (t("check_page.files_one"), true),
            n => (
                fill(
                    pages,
                    lang,
                    "check_page.files",
                    &[("count", &n.to_string())],
                ),
                true,
            ),
        };
    }
    let Some(answer) = answer else {
        return none();
    };
    let choice = |v: &str| -> String {
        question
            .and_then(|q| q.choice(v))
            .map(|c| c.label(lang).to_string())
            .unwrap_or_else(|| v.to_string())
    };
    let text = match answer {
        Answer::YesNoNa(v) => match v.as_str() {
            "yes" | "no" | "na" => t(&format!("check_page.{v}")),
            other => other.to_string(),
        },
        Answer::Choice(v) => choice(v),
        Answer::Choices(vs) => vs
            .iter()
            .map(|v| choice(v))
            .collect::<Vec<_>>()
            .join(pages.text(lang, "check_page.list_separator")),
        Answer::Text(v) => v.clone(),
        Answer::Date(d) => date(lang, *d),
        Answer::Number(n) => n.to_string(),
        Answer::File => return none(),
    };
    (text, true)
}

/// What was typed in the review form, kept when it comes back with errors.
#[derive(Default)]
struct ReviewInput {
    decision: String,
    comment: String,
    question_comments: BTreeMap<String, String>,
}

/// The id of a question's comment field, as `form_errors` names the field
/// `question_comments.<id>`.
fn comment_field(question_id: &str) -> String {
    format!(
        "question_comments_{}",
        question_id.replace(['[', ']', '.'], "_")
    )
}

fn field_message(errors: &[FormError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

fn check_view(
    state: &AppState,
    lang: Lang,
    page: &CheckPage,
    input: &ReviewInput,
    errors: Vec<FormError>,
    refusal: Option<String>,
) -> CheckPageView {
    let pages = &state.staff;
    let t = |key: &str| pages.text(lang, key).to_string();
    let c = &page.check;
    let id = &c.id;
    let mut facts = vec![
        Fact {
            label: t("check_page.contact"),
            value: format!("{} <{}>", c.contact.name, c.contact.email),
        },
        Fact {
            label: t("check_page.questionnaire"),
            value: format!(
                "{} (v{})",
                c.questionnaire.title.get(lang),
                c.questionnaire.version
            ),
        },
        Fact {
            label: t("check_page.issued"),
            value: date(lang, state.config.date_at(c.issued_at)),
        },
        Fact {
            label: t("check_page.due_on"),
            value: date(lang, c.due_on),
        },
        Fact {
            label: t("check_page.submitted"),
            value: c
                .submitted_at
                .map(|at| moment(state, lang, at))
                .unwrap_or_else(|| t("check_page.not_yet")),
        },
    ];
    if let Some(name) = &c.signed_name {
        facts.push(Fact {
            label: t("check_page.signed"),
            value: match &c.signed_title {
                Some(title) => format!("{name}（{title}）"),
                None => name.clone(),
            },
        });
    }
    if let Some(on) = c.accepted_on {
        facts.push(Fact {
            label: t("check_page.accepted"),
            value: date(lang, on),
        });
    }
    if let Some(percent) = c.score_percent {
        facts.push(Fact {
            label: t("check_page.score"),
            value: fill(
                pages,
                lang,
                "check_page.score_value",
                &[("percent", &percent.to_string())],
            ),
        });
    }
    let reviewing = page.can_change && c.state == CheckState::Submitted;
    let sections = c
        .definition
        .sections
        .iter()
        .map(|s| AnsweredSection {
            title: s.title.get(lang).to_string(),
            questions: s
                .questions
                .iter()
                .map(|q| {
                    let evidence: Vec<EvidenceLink> = c
                        .evidence
                        .iter()
                        .filter(|e| e.question_id == q.id)
                        .map(|e| EvidenceLink {
                            href: format!("/checks/{id}/evidence/{}", e.id),
                            name: e.file_name.clone(),
                            meta: fill(
                                pages,
                                lang,
                                "check_page.size_meta",
                                &[
                                    ("size", &size(e.size_bytes)),
                                    ("at", &moment(state, lang, e.uploaded_at)),
                                ],
                            ),
                        })
                        .collect();
                    let answer = c.answers.get(&q.id);
                    let (text, answered) =
                        answer_text(pages, lang, Some(q), answer, evidence.len());
                    let field = comment_field(&q.id);
                    AnsweredQuestion {
                        id: q.id.clone(),
                        comment_error: field_message(&errors, &field),
                        field,
                        text: q.text.get(lang).to_string(),
                        rules: q.rules.clone(),
                        answer: text,
                        answered,
                        non_conforming: answer.is_some_and(|a| a.falls_short(q)),
                        evidence,
                        comment: input
                            .question_comments
                            .get(&q.id)
                            .cloned()
                            .unwrap_or_default(),
                        earlier: c
                            .reviews
                            .iter()
                            .filter_map(|r| r.question_comments.get(&q.id).cloned())
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    let reviews = c
        .reviews
        .iter()
        .rev()
        .map(|r| ReviewEntry {
            at: moment(state, lang, r.at),
            reviewer: r.reviewer_name.clone().unwrap_or_default(),
            decision: pages
                .text_opt(lang, &format!("review_decisions.{}", r.decision))
                .unwrap_or(&r.decision)
                .to_string(),
            decision_key: match r.decision.as_str() {
                "accept" => "accepted".into(),
                _ => "returned".into(),
            },
            comment: r.comment.clone(),
        })
        .collect();
    let question_text = |question_id: &str| -> String {
        match c.definition.question(question_id) {
            Some((_, q)) => format!("{} {}", q.id, q.text.get(lang)),
            None => question_id.to_string(),
        }
    };
    let findings = finding_rows(pages, lang, &c.findings, |f| question_text(&f.question_id));
    let review = reviewing.then(|| ReviewFormView {
        action: format!("/checks/{id}/review#review"),
        decision_error: field_message(&errors, "decision"),
        comment_error: field_message(&errors, "comment"),
        decisions: ["accept", "return"]
            .into_iter()
            .map(|v| RadioView {
                value: v.into(),
                label: t(&format!("review.{v}")),
                checked: input.decision == v,
            })
            .collect(),
        comment: input.comment.clone(),
        errors,
    });
    let links = match c.links.latest_expiry {
        Some(expiry) if c.links.live > 0 => fill(
            pages,
            lang,
            "check_page.links_live",
            &[
                ("count", &c.links.live.to_string()),
                ("expiry", &moment(state, lang, expiry)),
            ],
        ),
        _ => t("check_page.links_none"),
    };
    CheckPageView {
        title: c.questionnaire.title.get(lang).to_string(),
        engagement_href: format!("/engagements/{}", c.engagement.id),
        engagement_title: c.engagement.title.clone(),
        state: check_state_label(pages, lang, c.effective_state),
        state_key: c.effective_state.as_str().to_string(),
        facts,
        sections,
        reviews,
        findings,
        review,
        refusal,
        links,
        // A new link is refused once the vendor has submitted (409 in the use case).
        can_renew: !matches!(c.state, CheckState::Submitted | CheckState::Accepted),
        can_revoke: c.links.live > 0,
        renew_action: format!("/checks/{id}/links"),
        revoke_action: format!("/checks/{id}/links/revoke"),
        can_change: page.can_change,
        term: page.term.as_ref().map(|term| TermView {
            checks: term
                .checks
                .iter()
                .map(|c| CheckRowView {
                    href: format!("/checks/{}", c.id),
                    title: c.questionnaire_id.clone(),
                    state: check_state_label(pages, lang, c.effective_state),
                    state_key: c.effective_state.as_str().to_string(),
                    due_on: date(lang, c.due_on),
                })
                .collect(),
            open_findings: finding_rows(pages, lang, &term.open_findings, |f| {
                f.question_id.clone()
            }),
        }),
    }
}

async fn load(state: &AppState, who: &Staff, id: String) -> AppResult<CheckPage> {
    let actor = who.actor.clone();
    crate::app::read(state, who.origin(), move |tx| {
        use_case::page(tx, &actor, &id)
    })
    .await
}

fn check_page(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    page: &CheckPage,
    input: &ReviewInput,
    errors: Vec<FormError>,
    refusal: Option<String>,
) -> String {
    let lang = who.lang();
    let view = check_view(state, lang, page, input, errors, refusal);
    // An attestation is not a periodic check: its own title is enough.
    let title = if page.term.is_some() {
        view.title.clone()
    } else {
        fill(
            &state.staff,
            lang,
            "check_page.title",
            &[("questionnaire", &view.title)],
        )
    };
    let mut chrome = who.chrome(title, Some(Section::Checks));
    chrome.flash = query_value(req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    state.staff.render(Page::Check, &chrome, &view)
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let page = load(&state, &who, id.into_inner()).await?;
    Ok(html(
        StatusCode::OK,
        check_page(
            &state,
            &req,
            &who,
            &page,
            &ReviewInput::default(),
            vec![],
            None,
        ),
    ))
}

/// A refusal that is not about a field, with its status and words: a conflict or gate
/// (409), or what the person may not do (403).
pub(super) fn refusal_of(e: &AppError, lang: Lang) -> Option<(StatusCode, String)> {
    match e {
        AppError::Conflict { message, .. } | AppError::Gate { message, .. } => {
            Some((StatusCode::CONFLICT, message.get(lang).to_string()))
        }
        AppError::Forbidden(message) => {
            Some((StatusCode::FORBIDDEN, message.get(lang).to_string()))
        }
        _ => None,
    }
}

/// The verdict on a submitted check: accepted (its non-conforming answers become
/// findings) or returned to the vendor with comments and a new link.
async fn review(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let lang = who.lang();
    let input = ReviewInput {
        decision: form.text("decision").unwrap_or_default(),
        comment: form.get("comment").unwrap_or_default().to_string(),
        question_comments: form
            .prefixed("qc.")
            .map(|(q, v)| (q.to_string(), v.to_string()))
            .collect(),
    };
    let body = ReviewBody {
        decision: form.text("decision"),
        comment: Some(input.comment.clone()),
        question_comments: Some(input.question_comments.clone()),
    };
    let app = state.get_ref().clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let reviewed = crate::app::write(&state, who.origin(), move |tx| {
        use_case::review(tx, &app, &actor, &target, body)
    })
    .await;
    let err = match reviewed {
        Ok(_) => {
            state.wake_delivery.notify();
            return Ok(see_other(&format!("/checks/{id}?done=reviewed")));
        }
        Err(e) => e,
    };
    let (status, errors, refusal) = if let Some(errors) = form_errors(&err, lang) {
        (StatusCode::UNPROCESSABLE_ENTITY, errors, None)
    } else if let Some((status, words)) = refusal_of(&err, lang) {
        (status, vec![], Some(words))
    } else {
        return Err(err);
    };
    let page = load(&state, &who, id).await?;
    Ok(html(
        status,
        check_page(&state, &req, &who, &page, &input, errors, refusal),
    ))
}

/// An evidence file, as the API answers it: always a download, and audited.
async fn evidence(
    state: web::Data<AppState>,
    who: Staff,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let actor = who.actor.clone();
    let (meta, content) = crate::app::read(&state, who.origin(), move |tx| {
        let (id, evidence_id) = &*path;
        use_case::download_evidence(tx, &actor, id, evidence_id)
    })
    .await?;
    Ok(crate::http::api::checks::evidence_download(meta, content))
}

async fn links(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: String,
    form: Form,
    send_new: bool,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let app = state.get_ref().clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let done = crate::app::write(&state, who.origin(), move |tx| {
        use_case::renew_links(tx, &Env::of(&app), &actor, &target, send_new)
    })
    .await;
    match done {
        Ok(_) => {
            if send_new {
                state.wake_delivery.notify();
            }
            let what = if send_new {
                "link_sent"
            } else {
                "links_revoked"
            };
            Ok(see_other(&format!("/checks/{id}?done={what}#links")))
        }
        Err(e) => {
            let Some((status, words)) = refusal_of(&e, who.lang()) else {
                return Err(e);
            };
            let page = load(&state, &who, id).await?;
            Ok(html(
                status,
                check_page(
                    &state,
                    &req,
                    &who,
                    &page,
                    &ReviewInput::default(),
                    vec![],
                    Some(words),
                ),
            ))
        }
    }
}

/// Revokes every link and emails the contact a new one (a lost or forwarded email).
async fn renew_links(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    links(state, req, who, id.into_inner(), form, true).await
}

/// Revokes every link; nothing new is sent (a link someone else may know).
async fn revoke_links(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    links(state, req, who, id.into_inner(), form, false).await
}

// ---------------------------------------------------------------------------------------
// The list

fn option_list(
    values: impl IntoIterator<Item = (String, String)>,
    chosen: Option<&str>,
) -> Vec<OptionView> {
    values
        .into_iter()
        .map(|(value, label)| OptionView {
            selected: chosen == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

/// A list's address with its filters (blank ones left out).
pub fn list_href(base: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect();
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", query.join("&"))
    }
}

/// The vendors for a filter, by name.
pub async fn vendor_names(state: &AppState) -> AppResult<Vec<(String, String)>> {
    let names = crate::db::read(&state.pool, crate::db::vendors::names).await?;
    let mut names: Vec<(String, String)> = names.into_iter().collect();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(names)
}

struct CheckQuery {
    state: Option<String>,
    vendor_id: Option<String>,
    engagement_id: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

impl CheckQuery {
    fn of(req: &HttpRequest) -> CheckQuery {
        let v = |name| query_value(req, name).filter(|v| !v.is_empty());
        CheckQuery {
            state: v("state"),
            vendor_id: v("vendor_id"),
            engagement_id: v("engagement_id"),
            page: v("page"),
            per_page: v("per_page"),
        }
    }

    fn selection(&self, f: &mut Fields) -> CheckSelection {
        CheckSelection {
            state: use_case::parse_state(f, self.state.as_deref()),
            engagement_id: self.engagement_id.clone(),
            vendor_id: self.vendor_id.clone(),
            division_id: None,
        }
    }

    fn href(&self, base: &str, page: Option<i64>) -> String {
        let page = page.map(|p| p.to_string());
        list_href(
            base,
            &[
                ("state", self.state.as_deref()),
                ("vendor_id", self.vendor_id.as_deref()),
                ("engagement_id", self.engagement_id.as_deref()),
                ("page", page.as_deref()),
                (
                    "per_page",
                    self.per_page.as_deref().filter(|_| page.is_some()),
                ),
            ],
        )
    }
}

const CHECK_STATES: [CheckState; 6] = [
    CheckState::Sent,
    CheckState::InProgress,
    CheckState::Submitted,
    CheckState::Returned,
    CheckState::Accepted,
    CheckState::Overdue,
];

async fn list(state: web::Data<AppState>, req: HttpRequest, who: Staff) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let query = CheckQuery::of(&req);
    let mut f = Fields::new();
    let paging = Paging::parse(query.page.as_deref(), query.per_page.as_deref(), &mut f);
    let selection = query.selection(&mut f);
    let (rows, total, errors) = match f.finish() {
        Ok(()) => {
            let actor = who.actor.clone();
            let (rows, total) = crate::app::read(&state, who.origin(), move |tx| {
                let today = tx.today();
                use_case::list(
                    tx.conn(),
                    &actor.visibility(),
                    &selection,
                    today,
                    paging.rows(),
                )
            })
            .await?;
            (rows, total, vec![])
        }
        Err(e) => match form_errors(&e, lang) {
            Some(errors) => (vec![], 0, errors),
            None => return Err(e),
        },
    };
    let rows = rows
        .into_iter()
        .map(|c| CheckListRow {
            href: format!("/checks/{}", c.id),
            engagement_href: format!("/engagements/{}", c.engagement_id),
            engagement: c.engagement_title,
            vendor: c.vendor_name,
            questionnaire: state
                .questionnaires
                .get(&c.questionnaire_id)
                .map(|d| d.title.get(lang).to_string())
                .unwrap_or(c.questionnaire_id),
            state: check_state_label(pages, lang, c.effective_state),
            state_key: c.effective_state.as_str().to_string(),
            due_on: date(lang, c.due_on),
            score: c.score_percent.map(|p| p.to_string()).unwrap_or_default(),
        })
        .collect();
    let view = ChecksView {
        states: option_list(
            CHECK_STATES
                .iter()
                .map(|s| (s.as_str().to_string(), check_state_label(pages, lang, *s))),
            query.state.as_deref(),
        ),
        vendors: option_list(vendor_names(&state).await?, query.vendor_id.as_deref()),
        engagement_id: query.engagement_id.clone().unwrap_or_default(),
        rows,
        pager: super::pager(pages, lang, (paging.page, paging.per_page, total), |p| {
            query.href("/checks", Some(p))
        }),
        csv_href: query.href("/checks/export.csv", None),
        errors,
    };
    let status = if view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chrome = who.chrome(pages.text(lang, "checks_list.title"), Some(Section::Checks));
    Ok(html(status, pages.render(Page::Checks, &chrome, &view)))
}

/// The list's selection as the API's CSV (audited as an export).
async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    let query = CheckQuery::of(&req);
    let mut f = Fields::new();
    let selection = query.selection(&mut f);
    f.finish()?;
    let actor = who.actor.clone();
    let rows = crate::app::read(&state, who.origin(), move |tx| {
        use_case::export(tx, &actor, &selection)
    })
    .await?;
    crate::http::csv::export("checks", state.today(), rows)
}

// ---------------------------------------------------------------------------------------
// Sending a check from the engagement's page

/// What was typed in the send form, kept when it comes back with errors.
#[derive(Default)]
pub struct SendInput {
    contact_id: Option<String>,
    questionnaire_id: Option<String>,
    due_on: String,
}

fn send_view(
    pages: &StaffPages,
    lang: Lang,
    engagement_id: &str,
    choices: &IssueChoices,
    input: &SendInput,
    errors: Vec<FormError>,
    refusal: Option<String>,
) -> SendCheckView {
    let refusal = refusal.or_else(|| {
        choices
            .contacts
            .is_empty()
            .then(|| pages.text(lang, "send_check.no_contact").to_string())
    });
    SendCheckView {
        // The page comes back at the form, where its errors are.
        action: format!("/engagements/{engagement_id}/checks#send-check-title"),
        contacts: option_list(
            choices
                .contacts
                .iter()
                .map(|c| (c.id.clone(), format!("{} <{}>", c.name, c.email))),
            input.contact_id.as_deref(),
        ),
        questionnaires: option_list(
            choices
                .questionnaires
                .iter()
                .map(|q| (q.id.clone(), q.title.get(lang).to_string())),
            input.questionnaire_id.as_deref(),
        ),
        due_on: input.due_on.clone(),
        due_on_hint: fill(
            pages,
            lang,
            "send_check.due_on_hint",
            &[("date", &date(lang, choices.default_due_on))],
        ),
        contact_error: field_message(&errors, "contact_id"),
        questionnaire_error: field_message(&errors, "questionnaire_id"),
        due_on_error: field_message(&errors, "due_on"),
        errors,
        refusal,
    }
}

async fn choices(state: &AppState, who: &Staff, id: &str) -> AppResult<Option<IssueChoices>> {
    let app = state.clone();
    let actor = who.actor.clone();
    let id = id.to_string();
    let found = crate::db::read(&state.pool, move |conn| {
        let today = app.today();
        Ok(use_case::issue_choices(
            conn,
            &Env::of(&app),
            &actor,
            &id,
            today,
        ))
    })
    .await?;
    match found {
        Ok(c) => Ok(Some(c)),
        // Not the person's to send, or an engagement that has ended: no form.
        Err(AppError::Forbidden(_) | AppError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The send form of an engagement's page, empty, for a person who may send its checks.
pub async fn send_form(
    state: &AppState,
    who: &Staff,
    id: &str,
    o: &Overview,
) -> AppResult<Option<SendCheckView>> {
    if !o.can_change {
        return Ok(None);
    }
    let lang = who.lang();
    Ok(choices(state, who, id).await?.map(|c| {
        send_view(
            &state.staff,
            lang,
            id,
            &c,
            &SendInput::default(),
            vec![],
            None,
        )
    }))
}

/// A date as typed on a form, as the use case takes it (YYYY-MM-DD); one that cannot be
/// read is refused here with the field named, in the words of the form's hint.
pub fn typed_date(
    pages: &StaffPages,
    field: &str,
    typed: Option<String>,
) -> AppResult<Option<String>> {
    match typed {
        None => Ok(None),
        Some(t) => match parse_typed_date(&t) {
            Ok(d) => Ok(Some(d.to_string())),
            Err(_) => Err(AppError::validation(
                field,
                "invalid",
                Msg::new(
                    pages.text(Lang::Ja, "finding_page.due_invalid"),
                    pages.text(Lang::En, "finding_page.due_invalid"),
                ),
            )),
        },
    }
}

/// Sends a questionnaire to the vendor's contact; the engagement's page comes back with
/// the fields at fault or the refusal (a check of it already open) in plain words.
async fn send(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let lang = who.lang();
    let input = SendInput {
        contact_id: form.text("contact_id"),
        questionnaire_id: form.text("questionnaire_id"),
        due_on: form.get("due_on").unwrap_or_default().to_string(),
    };
    let sent = match typed_date(&state.staff, "due_on", form.text("due_on")) {
        Err(e) => Err(e),
        Ok(due_on) => {
            let body = IssueBody {
                questionnaire_id: input.questionnaire_id.clone(),
                contact_id: input.contact_id.clone(),
                contact_lang: None,
                due_on,
            };
            let app = state.get_ref().clone();
            let actor = who.actor.clone();
            let target = id.clone();
            crate::app::write(&state, who.origin(), move |tx| {
                use_case::issue(tx, &Env::of(&app), &actor, &target, body)
            })
            .await
        }
    };
    let err = match sent {
        Ok(_) => {
            state.wake_delivery.notify();
            return Ok(see_other(&format!(
                "/engagements/{id}?done=check_sent#checks"
            )));
        }
        Err(e) => e,
    };
    let (status, errors, refusal) = if let Some(errors) = form_errors(&err, lang) {
        (StatusCode::UNPROCESSABLE_ENTITY, errors, None)
    } else if let Some((status, words)) = refusal_of(&err, lang) {
        (status, vec![], Some(words))
    } else {
        return Err(err);
    };
    let o = super::engagements::overview(&state, &who, id.clone()).await?;
    let Some(choices) = choices(&state, &who, &id).await? else {
        return Err(err);
    };
    let mut view = super::engagements::engagement_view(&state, lang, &id, &o, None, None);
    view.send_check = Some(send_view(
        &state.staff,
        lang,
        &id,
        &choices,
        &input,
        errors,
        refusal,
    ));
    let chrome = who.chrome(o.engagement.title.clone(), Some(Section::Engagements));
    Ok(html(
        status,
        state.staff.render(Page::Engagement, &chrome, &view),
    ))
}

fn interval_view(
    pages: &StaffPages,
    lang: Lang,
    id: &str,
    o: &Overview,
    months: String,
    errors: Vec<FormError>,
) -> IntervalFormView {
    let i = &o.check_interval;
    let effective = i.effective_months.to_string();
    IntervalFormView {
        action: format!("/engagements/{id}/check-interval#interval-title"),
        effective: fill(
            pages,
            lang,
            if i.months.is_some() {
                "interval_form.own"
            } else {
                "interval_form.default"
            },
            &[("months", &effective)],
        ),
        months: FieldView {
            value: months,
            error: field_message(&errors, "months"),
        },
        errors,
    }
}

/// The interval form of an engagement's page, for a person who may change it while it
/// owes periodic checks.
pub fn interval_form(
    pages: &StaffPages,
    lang: Lang,
    id: &str,
    o: &Overview,
) -> Option<IntervalFormView> {
    let periodic = o
        .obligations
        .iter()
        .any(|ob| crate::policy::obligations::PERIODIC_RULES.contains(&ob.rule_id.as_str()));
    (o.can_change && periodic).then(|| {
        let months = o
            .check_interval
            .months
            .map(|m| m.to_string())
            .unwrap_or_default();
        interval_view(pages, lang, id, o, months, vec![])
    })
}

/// Months as typed (full-width digits too); blank returns to the level's default.
fn typed_months(pages: &StaffPages, typed: &str) -> AppResult<Option<i64>> {
    let digits: String = typed
        .trim()
        .chars()
        .map(crate::domain::date::half_width)
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    digits.parse::<i64>().map(Some).map_err(|_| {
        AppError::validation(
            "months",
            "invalid",
            Msg::new(
                pages.text(Lang::Ja, "interval_form.months_hint"),
                pages.text(Lang::En, "interval_form.months_hint"),
            ),
        )
    })
}

/// Sets or clears the engagement's own interval between checks; the page comes back
/// with the field's error when it is not a number of months from 1 to 60.
async fn set_interval(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let typed = form.get("months").unwrap_or_default().to_string();
    let saved = match typed_months(&state.staff, &typed) {
        Err(e) => Err(e),
        Ok(months) => {
            let config = state.config.clone();
            let actor = who.actor.clone();
            let target = id.clone();
            let body = use_case::IntervalBody {
                months: Some(months),
            };
            crate::app::write(&state, who.origin(), move |tx| {
                use_case::set_interval(tx, &config, &actor, &target, body)
            })
            .await
        }
    };
    let err = match saved {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/engagements/{id}?done=interval_saved#checks"
            )))
        }
        Err(e) => e,
    };
    let lang = who.lang();
    let Some(errors) = form_errors(&err, lang) else {
        return Err(err);
    };
    let pages = state.staff.clone();
    super::engagements::show_view(
        &state,
        &req,
        &who,
        &id,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        |view, o| {
            view.interval_form = Some(interval_view(&pages, lang, &id, o, typed, errors));
        },
    )
    .await
}

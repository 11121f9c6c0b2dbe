//! Findings' pages: the list, and one finding with its corrective action, its state and
//! the acceptance of its risk (R-2.6: never by its owner). Each calls the `app::findings`
//! function the API calls.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::checks::{answer_text, list_href, moment, typed_date, vendor_names};
use super::my_work::date;
use super::{add, fill, form_errors, html, query_value, see_other, Form, Staff};
use crate::app::findings::{
    self as use_case, FindingPage, FindingPatch, FindingResponse, FindingSelection,
    RiskAcceptanceBody,
};
use crate::app::page::Paging;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::findings::FindingState;
use crate::staff::views::checks::{
    CorrectiveFormView, FindingPageView, FindingRowView, FindingsView, RadioView, RiskFormView,
};
use crate::staff::views::{Fact, FormError, OptionView};
use crate::staff::{Page, Section, StaffPages};
use crate::validate::Fields;

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD",
        web::resource("/findings").route(web::get().to(list)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/findings/export.csv").route(web::get().to(export)),
    );
    add(
        cfg,
        "GET, HEAD, POST",
        web::resource("/findings/{id}")
            .route(web::get().to(show))
            .route(web::post().to(update)),
    );
    add(
        cfg,
        "POST",
        web::resource("/findings/{id}/risk-acceptance").route(web::post().to(accept_risk)),
    );
}

pub fn finding_state_label(pages: &StaffPages, lang: Lang, state: FindingState) -> String {
    pages
        .text(lang, &format!("finding_states.{}", state.as_str()))
        .to_string()
}

/// Findings as the lists show them; `question` names each one's question.
pub fn finding_rows(
    pages: &StaffPages,
    lang: Lang,
    findings: &[FindingResponse],
    question: impl Fn(&FindingResponse) -> String,
) -> Vec<FindingRowView> {
    findings
        .iter()
        .map(|f| FindingRowView {
            href: format!("/findings/{}", f.id),
            question: question(f),
            rules: f.rules.clone(),
            engagement: f.engagement_title.clone(),
            engagement_href: format!("/engagements/{}", f.engagement_id),
            state: finding_state_label(pages, lang, f.state),
            state_key: f.state.as_str().to_string(),
            due_on: date(lang, f.due_on),
            overdue: f.overdue,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The list

struct FindingQuery {
    state: Option<String>,
    vendor_id: Option<String>,
    engagement_id: Option<String>,
    mine: bool,
    page: Option<String>,
    per_page: Option<String>,
}

impl FindingQuery {
    fn of(req: &HttpRequest) -> FindingQuery {
        let v = |name| query_value(req, name).filter(|v| !v.is_empty());
        FindingQuery {
            state: v("state"),
            vendor_id: v("vendor_id"),
            engagement_id: v("engagement_id"),
            mine: v("mine").is_some(),
            page: v("page"),
            per_page: v("per_page"),
        }
    }

    fn selection(&self, f: &mut Fields, who: &Staff) -> FindingSelection {
        FindingSelection {
            state: use_case::parse_state(f, self.state.as_deref()),
            engagement_id: self.engagement_id.clone(),
            vendor_id: self.vendor_id.clone(),
            check_id: None,
            owner: self.mine.then(|| who.user.id.clone()),
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
                ("mine", self.mine.then_some("1")),
                ("page", page.as_deref()),
                (
                    "per_page",
                    self.per_page.as_deref().filter(|_| page.is_some()),
                ),
            ],
        )
    }
}

const STATE_FILTERS: [&str; 5] = ["open", "in_progress", "closed", "risk_accepted", "overdue"];

async fn list(state: web::Data<AppState>, req: HttpRequest, who: Staff) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let query = FindingQuery::of(&req);
    let mut f = Fields::new();
    let paging = Paging::parse(query.page.as_deref(), query.per_page.as_deref(), &mut f);
    let selection = query.selection(&mut f, &who);
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
    let view = FindingsView {
        states: STATE_FILTERS
            .into_iter()
            .map(|s| OptionView {
                value: s.to_string(),
                label: pages.text(lang, &format!("finding_states.{s}")).to_string(),
                selected: query.state.as_deref() == Some(s),
            })
            .collect(),
        vendors: vendor_names(&state)
            .await?
            .into_iter()
            .map(|(id, name)| OptionView {
                selected: query.vendor_id.as_deref() == Some(id.as_str()),
                value: id,
                label: name,
            })
            .collect(),
        mine: query.mine,
        engagement_id: query.engagement_id.clone().unwrap_or_default(),
        rows: finding_rows(pages, lang, &rows, |f| f.question_id.clone()),
        pager: super::pager(pages, lang, (paging.page, paging.per_page, total), |p| {
            query.href("/findings", Some(p))
        }),
        csv_href: query.href("/findings/export.csv", None),
        errors,
    };
    let status = if view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chrome = who.chrome(
        pages.text(lang, "findings_list.title"),
        Some(Section::Findings),
    );
    Ok(html(status, pages.render(Page::Findings, &chrome, &view)))
}

/// The list's selection as the API's CSV (audited as an export).
async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    let query = FindingQuery::of(&req);
    let mut f = Fields::new();
    let selection = query.selection(&mut f, &who);
    f.finish()?;
    let actor = who.actor.clone();
    let rows = crate::app::read(&state, who.origin(), move |tx| {
        use_case::export(tx, &actor, &selection)
    })
    .await?;
    crate::http::csv::export("findings", state.today(), rows)
}

// ---------------------------------------------------------------------------------------
// One finding

/// What was typed in the finding's forms, kept when one comes back with errors.
#[derive(Default)]
struct FindingInput {
    corrective_action: Option<String>,
    due_on: Option<String>,
    state: Option<String>,
    reason: String,
}

/// What a form sent to the page left to show: what was typed, its errors or refusal.
struct Outcome {
    input: FindingInput,
    sent: Sent,
    errors: Vec<FormError>,
    refusal: Option<String>,
}

impl Outcome {
    fn none() -> Outcome {
        Outcome {
            input: FindingInput::default(),
            sent: Sent::Nothing,
            errors: vec![],
            refusal: None,
        }
    }
}

/// Which form was sent, for its errors to stay beside it.
#[derive(PartialEq, Eq)]
enum Sent {
    Nothing,
    Corrective,
    Risk,
}

fn message(errors: &[FormError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

fn finding_view(
    state: &AppState,
    lang: Lang,
    page: &FindingPage,
    outcome: Outcome,
) -> FindingPageView {
    let Outcome {
        input,
        sent,
        errors,
        refusal,
    } = outcome;
    let pages = &state.staff;
    let t = |key: &str| pages.text(lang, key).to_string();
    let d = &page.finding;
    let f = &d.finding;
    let mut facts = vec![
        Fact {
            label: t("finding_page.questionnaire"),
            value: d
                .questionnaire_title
                .as_ref()
                .map(|q| q.get(lang).to_string())
                .unwrap_or_else(|| d.questionnaire_id.clone()),
        },
        Fact {
            label: t("finding_page.section"),
            value: d
                .section_title
                .as_ref()
                .map(|s| s.get(lang).to_string())
                .unwrap_or_else(|| f.section.clone()),
        },
        Fact {
            label: t("finding_page.owner"),
            value: page
                .owner_name
                .clone()
                .unwrap_or_else(|| f.owner_user_id.clone()),
        },
        Fact {
            label: t("finding_page.due_on"),
            value: date(lang, f.due_on),
        },
        Fact {
            label: t("finding_page.created"),
            value: date(lang, state.config.date_at(f.created_at)),
        },
    ];
    if let Some(at) = f.closed_at {
        facts.push(Fact {
            label: t("finding_page.closed"),
            value: moment(state, lang, at),
        });
    }
    if let Some(by) = &f.risk_approved_by {
        facts.push(Fact {
            label: t("finding_page.approved_by"),
            value: page.approver_name.clone().unwrap_or_else(|| by.clone()),
        });
    }
    let (answer, _) = answer_text(pages, lang, page.question.as_ref(), f.answer.as_ref(), 0);
    let open = f.state.is_open();
    let (corrective_errors, risk_errors) = match sent {
        Sent::Corrective => (errors, vec![]),
        Sent::Risk => (vec![], errors),
        Sent::Nothing => (vec![], vec![]),
    };
    // A refusal is said beside the form that was sent, where the person is looking; at
    // the top when that form is no longer shown.
    let beside = |form: Sent| {
        if sent == form {
            refusal.clone()
        } else {
            None
        }
    };
    let corrective_shown = open && page.can_change;
    let top_refusal = match sent {
        Sent::Corrective if corrective_shown => None,
        Sent::Risk if open => None,
        _ => refusal.clone(),
    };
    let due_shown = match lang {
        Lang::Ja => date(lang, f.due_on),
        Lang::En => f.due_on.to_string(),
    };
    let chosen_state = input
        .state
        .clone()
        .unwrap_or_else(|| f.state.as_str().to_string());
    let corrective = corrective_shown.then(|| CorrectiveFormView {
        action: format!("/findings/{}#corrective", f.id),
        corrective_action: input
            .corrective_action
            .clone()
            .unwrap_or_else(|| f.corrective_action.clone()),
        corrective_action_error: message(&corrective_errors, "corrective_action"),
        due_on: input.due_on.clone().unwrap_or(due_shown),
        due_on_error: message(&corrective_errors, "due_on"),
        states: [
            FindingState::Open,
            FindingState::InProgress,
            FindingState::Closed,
        ]
        .into_iter()
        .map(|s| RadioView {
            value: s.as_str().to_string(),
            label: finding_state_label(pages, lang, s),
            checked: chosen_state == s.as_str(),
        })
        .collect(),
        state_error: message(&corrective_errors, "state"),
        errors: corrective_errors,
        refusal: beside(Sent::Corrective),
    });
    let risk = open.then(|| RiskFormView {
        action: format!("/findings/{}/risk-acceptance#risk", f.id),
        reason: input.reason.clone(),
        reason_error: message(&risk_errors, "reason"),
        errors: risk_errors,
        refusal: beside(Sent::Risk),
    });
    FindingPageView {
        check_href: format!("/checks/{}", f.check_id),
        engagement_href: format!("/engagements/{}", f.engagement_id),
        engagement_title: f.engagement_title.clone(),
        state: finding_state_label(pages, lang, f.state),
        state_key: f.state.as_str().to_string(),
        overdue: f.overdue,
        facts,
        question: d
            .question_text
            .as_ref()
            .map(|q| format!("{} {}", f.question_id, q.get(lang)))
            .unwrap_or_else(|| f.question_id.clone()),
        rules: f.rules.clone(),
        answer,
        corrective_action: f.corrective_action.clone(),
        risk_reason: f.risk_reason.clone().unwrap_or_default(),
        refusal: top_refusal,
        corrective,
        risk,
    }
}

async fn load(state: &AppState, who: &Staff, id: String) -> AppResult<FindingPage> {
    let actor = who.actor.clone();
    crate::app::read(state, who.origin(), move |tx| {
        use_case::page(tx, &actor, &id)
    })
    .await
}

fn finding_page(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    page: &FindingPage,
    outcome: Outcome,
) -> String {
    let lang = who.lang();
    let view = finding_view(state, lang, page, outcome);
    let title = fill(
        &state.staff,
        lang,
        "finding_page.title",
        &[("question", &page.finding.finding.question_id)],
    );
    let mut chrome = who.chrome(title, Some(Section::Findings));
    chrome.flash = query_value(req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    state.staff.render(Page::Finding, &chrome, &view)
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
        finding_page(&state, &req, &who, &page, Outcome::none()),
    ))
}

/// The page again after a refused form: its fields at fault (422) or the rule that
/// refused it in plain words (403, 409).
async fn again(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: String,
    input: FindingInput,
    sent: Sent,
    err: AppError,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let (status, errors, refusal) = super::refused_form(err, lang)?;
    let page = load(state, who, id).await?;
    Ok(html(
        status,
        finding_page(
            state,
            req,
            who,
            &page,
            Outcome {
                input,
                sent,
                errors,
                refusal,
            },
        ),
    ))
}

/// The corrective action, its due date and the finding's state (closing needs the
/// corrective action written down).
async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let input = FindingInput {
        corrective_action: Some(
            form.get("corrective_action")
                .unwrap_or_default()
                .to_string(),
        ),
        due_on: Some(form.get("due_on").unwrap_or_default().to_string()),
        state: form.text("state"),
        reason: String::new(),
    };
    let updated = match typed_date(&state.staff, "due_on", form.text("due_on")) {
        Err(e) => Err(e),
        Ok(due_on) => {
            let body = FindingPatch {
                corrective_action: input.corrective_action.clone(),
                owner_user_id: None,
                due_on,
                state: input.state.clone(),
            };
            let actor = who.actor.clone();
            let target = id.clone();
            crate::app::write(&state, who.origin(), move |tx| {
                use_case::update(tx, &actor, &target, body)
            })
            .await
        }
    };
    match updated {
        Ok(_) => Ok(see_other(&format!("/findings/{id}?done=finding_saved"))),
        Err(e) => again(&state, &req, &who, id, input, Sent::Corrective, e).await,
    }
}

/// Accepting the risk instead of correcting it, with the reason; the owner of the
/// finding is refused and the page says so.
async fn accept_risk(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let input = FindingInput {
        reason: form.get("reason").unwrap_or_default().to_string(),
        ..FindingInput::default()
    };
    let body = RiskAcceptanceBody {
        reason: form.text("reason"),
    };
    let actor = who.actor.clone();
    let target = id.clone();
    let accepted = crate::app::write(&state, who.origin(), move |tx| {
        use_case::accept_risk(tx, &actor, &target, body)
    })
    .await;
    match accepted {
        Ok(_) => Ok(see_other(&format!("/findings/{id}?done=risk_accepted"))),
        Err(e) => again(&state, &req, &who, id, input, Sent::Risk, e).await,
    }
}

//! Waivers from the engagement's page: asked for by those who may change the engagement,
//! decided by a second person; the same use cases as
//! `POST /api/v1/engagements/{id}/obligations/waivers` and its `/{waiver_id}/decision`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::engagements::show_view;
use super::{add, form_errors, see_other, Form, Staff};
use crate::app::engagements::Overview;
use crate::app::obligations::{self as use_case, WaiverBody, WaiverDecisionBody};
use crate::error::AppResult;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::access::{Action, Actor};
use crate::policy::approvals::ApprovalState;
use crate::policy::obligations::{check_waivable, ObligationState};
use crate::staff::views::records::WaiverRowView;
use crate::staff::views::register::FieldView;
use crate::staff::views::{FormError, OptionView, WaiverFormView};
use crate::staff::StaffPages;

use super::my_work::date;

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/waivers").route(web::post().to(waive)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/waivers/{waiver_id}/decision")
            .route(web::post().to(decide)),
    );
}

/// The choice's value: the rule, and the item or asset when the rule applies per subject.
fn choice_value(rule_id: &str, subject: Option<&str>) -> String {
    match subject {
        Some(s) => format!("{rule_id} {s}"),
        None => rule_id.to_string(),
    }
}

/// What the person typed, to show again with the errors.
#[derive(Default)]
struct Typed {
    choice: Option<String>,
    reason: Option<String>,
    expires_on: Option<String>,
}

fn form_view(
    lang: Lang,
    id: &str,
    o: &Overview,
    typed: &Typed,
    errors: Vec<FormError>,
    refusal: Option<String>,
) -> Option<WaiverFormView> {
    let choices: Vec<OptionView> = o
        .obligations
        .iter()
        .filter(|ob| matches!(ob.state, ObligationState::Open | ObligationState::Overdue))
        .filter(|ob| check_waivable(&ob.rule_id).is_ok())
        .map(|ob| {
            let value = choice_value(&ob.rule_id, ob.subject.as_deref());
            let title = match lang {
                Lang::Ja => &ob.title_ja,
                Lang::En => &ob.title_en,
            };
            let label = match &ob.subject_name {
                Some(s) => format!("{} {title}（{s}）", ob.rule_id),
                None => format!("{} {title}", ob.rule_id),
            };
            OptionView {
                selected: typed.choice.as_deref() == Some(value.as_str()),
                value,
                label,
            }
        })
        .collect();
    if choices.is_empty() && refusal.is_none() {
        return None;
    }
    let message = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    Some(WaiverFormView {
        action: format!("/engagements/{id}/waivers#waiver-title"),
        choices,
        choice_error: message("rule_id"),
        reason: FieldView {
            value: typed.reason.clone().unwrap_or_default(),
            error: message("reason"),
        },
        expires_on: FieldView {
            value: typed.expires_on.clone().unwrap_or_default(),
            error: message("expires_on"),
        },
        errors,
        refusal,
    })
}

/// The blank form, for a person who may change the engagement while something it owes
/// may be waived; a second person decides.
pub fn waiver_form(lang: Lang, id: &str, o: &Overview) -> Option<WaiverFormView> {
    if !o.can_change {
        return None;
    }
    form_view(lang, id, o, &Typed::default(), vec![], None)
}

/// The waivers asked for on an engagement, each with the decision form where the person
/// may decide it: ROLE-CISO, ROLE-DCISO or ROLE-CSM, neither owing it nor having asked.
pub fn waiver_rows(
    pages: &StaffPages,
    tz: chrono_tz::Tz,
    lang: Lang,
    id: &str,
    o: &Overview,
    actor: &Actor,
) -> Vec<WaiverRowView> {
    let t = |key: &str| pages.text(lang, key).to_string();
    let name = |uid: &str| o.names.get(uid).cloned().unwrap_or_else(|| uid.to_string());
    let at = |at: chrono::DateTime<chrono::Utc>| {
        date(lang, crate::compliance::local_date(at.naive_utc(), tz))
    };
    o.waivers
        .iter()
        .map(|w| {
            let obligation = o
                .obligations
                .iter()
                .find(|ob| ob.rule_id == w.rule_id && ob.subject == w.subject_id)
                .map(|ob| {
                    let title = match lang {
                        Lang::Ja => &ob.title_ja,
                        Lang::En => &ob.title_en,
                    };
                    match &ob.subject_name {
                        Some(s) => format!("{title}（{s}）"),
                        None => title.clone(),
                    }
                })
                .unwrap_or_default();
            let may_decide = w.state == ApprovalState::Pending
                && actor
                    .permits(&Action::Waive {
                        owed_by: &o.engagement.responsible_user_id,
                        requested_by: &w.requested_by,
                    })
                    .is_ok();
            WaiverRowView {
                rule_id: w.rule_id.clone(),
                obligation,
                reason: w.reason.clone(),
                state: t(&format!("approval_states.{}", w.state.as_str())),
                state_key: w.state.as_str().to_string(),
                requested: t("waivers.requested")
                    .replace("{name}", &name(&w.requested_by))
                    .replace("{date}", &at(w.requested_at)),
                decided: match (&w.decided_by, w.decided_at) {
                    (Some(by), Some(on)) => {
                        let mut words = t("waivers.decided")
                            .replace("{name}", &name(by))
                            .replace("{date}", &at(on));
                        if let Some(reason) = &w.decision_reason {
                            words.push_str(
                                &t("waivers.decided_because").replace("{reason}", reason),
                            );
                        }
                        words
                    }
                    _ => String::new(),
                },
                expires_on: w.expires_on.map(|d| date(lang, d)).unwrap_or_default(),
                decide_action: may_decide
                    .then(|| format!("/engagements/{id}/waivers/{}/decision", w.id)),
            }
        })
        .collect()
}

async fn waive(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let typed = Typed {
        choice: form.text("rule_id"),
        reason: form.get("reason").map(str::to_string),
        expires_on: form.get("expires_on").map(str::to_string),
    };
    let (rule_id, subject_id) = match typed.choice.as_deref().map(|c| c.split_once(' ')) {
        Some(Some((rule, subject))) => (Some(rule.to_string()), Some(subject.to_string())),
        Some(None) => (typed.choice.clone(), None),
        None => (None, None),
    };
    let body = WaiverBody {
        rule_id,
        subject_id,
        reason: form.text("reason"),
        expires_on: form.text("expires_on"),
    };
    let services = state.get_ref().clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let waived = crate::app::write(&state, who.origin(), move |tx| {
        use_case::request_waiver(
            tx,
            &actor,
            services.clauses.catalog(),
            &services.config,
            &target,
            body,
        )
    })
    .await;
    let err = match waived {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/engagements/{id}?done=waiver_requested#waivers"
            )))
        }
        Err(e) => e,
    };
    let lang = who.lang();
    let (status, errors, refusal) = if let Some(errors) = form_errors(&err, lang) {
        (StatusCode::UNPROCESSABLE_ENTITY, errors, None)
    } else if let Some((status, words)) = super::checks::refusal_of(&err, lang) {
        (status, vec![], Some(words))
    } else {
        return Err(err);
    };
    show_view(&state, &req, &who, &id, status, None, |view, o| {
        view.waiver_form = form_view(lang, &id, o, &typed, errors, refusal);
    })
    .await
}

/// Approves or rejects a waiver; a refusal (R-2.6, decided already) is said on the page.
async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    path: web::Path<(String, String)>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let (id, waiver_id) = path.into_inner();
    let body = WaiverDecisionBody {
        decision: form.text("decision"),
        reason: form.text("decision_reason"),
    };
    let approving = body.decision.as_deref() == Some("approved");
    let services = state.get_ref().clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let decided = crate::app::write(&state, who.origin(), move |tx| {
        use_case::decide_waiver(tx, &actor, &services.config, &target, &waiver_id, body)
    })
    .await;
    let err = match decided {
        Ok(_) => {
            let done = if approving {
                "waiver_approved"
            } else {
                "waiver_rejected"
            };
            return Ok(see_other(&format!("/engagements/{id}?done={done}#waivers")));
        }
        Err(e) => e,
    };
    let lang = who.lang();
    let (status, words) = if let Some(errors) = form_errors(&err, lang) {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" "),
        )
    } else if let Some(refused) = super::checks::refusal_of(&err, lang) {
        refused
    } else {
        return Err(err);
    };
    show_view(&state, &req, &who, &id, status, None, |view, o| {
        view.waiver_form = form_view(lang, &id, o, &Typed::default(), vec![], Some(words));
    })
    .await
}

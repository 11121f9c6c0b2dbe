//! Waiving an obligation from the engagement's page: the same use case as
//! `POST /api/v1/engagements/{id}/obligations/waivers`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::engagements::show_view;
use super::{add, form_errors, see_other, Form, Staff};
use crate::app::engagements::Overview;
use crate::app::obligations::{self as use_case, WaiverBody};
use crate::error::AppResult;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::access::{Action, Actor};
use crate::policy::obligations::ObligationState;
use crate::staff::views::register::FieldView;
use crate::staff::views::{FormError, OptionView, WaiverFormView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/waivers").route(web::post().to(waive)),
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
        errors,
        refusal,
    })
}

/// The blank form, for a person who may waive what this engagement owes (ROLE-CISO,
/// ROLE-DCISO, ROLE-CSM, never the one who owes it: ), while something is owed.
pub fn waiver_form(lang: Lang, id: &str, o: &Overview, actor: &Actor) -> Option<WaiverFormView> {
    actor
        .permits(&Action::Waive {
            owed_by: &o.engagement.responsible_user_id,
        })
        .ok()?;
    form_view(lang, id, o, &Typed::default(), vec![], None)
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
    };
    let services = state.get_ref().clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let waived = crate::app::write(&state, who.origin(), move |tx| {
        use_case::waive(
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
                "/engagements/{id}?done=waived#obligations"
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

//! Approvals: asking for them on an engagement's page, the inbox
//! of requests a person may decide, and deciding one, never one's own; a
//! designated manager's systems and brought-in assets, which need one.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::clauses::error_of;
use super::engagements::{engagement_view, overview};
use super::my_work::date;
use super::{add, form_errors, html, query_value, see_other, Form, Staff};
use crate::app::approvals::{
    self as use_case, ApprovalRequestBody, AssetBody, DecisionBody, Inbox, InboxEntry,
};
use crate::app::engagements::Overview;
use crate::domain::EngagementKind;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::staff::views::clauses::{
    ApprovalRequestView, AssetFormView, AssetRowView, AssetsView, ChoiceView, DecisionFormView,
    EngagementFormsView, InboxEntryView, InboxView,
};
use crate::staff::views::FormError;
use crate::staff::{Page, Section, StaffPages};

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD",
        web::resource("/approvals").route(web::get().to(inbox)),
    );
    add(
        cfg,
        "POST",
        web::resource("/approvals/{id}/decision").route(web::post().to(decide)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/approvals").route(web::post().to(request)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/manager-assets").route(web::post().to(record_asset)),
    );
}

/// A confirmation the approver gives, in words.
fn confirmation_label(pages: &StaffPages, lang: Lang, key: &str) -> String {
    pages
        .text_opt(lang, &format!("approvals.confirmations.{key}"))
        .unwrap_or(key)
        .to_string()
}

fn rule_label(pages: &StaffPages, lang: Lang, rule_id: &str) -> String {
    pages
        .text_opt(
            lang,
            &format!("approvals.rules.{}", rule_id.replace(['-', '.'], "_")),
        )
        .unwrap_or(rule_id)
        .to_string()
}

/// What was typed into one of the engagement page's forms, and what was wrong with it.
#[derive(Default)]
pub struct Kept {
    fields: BTreeMap<String, String>,
    errors: Vec<FormError>,
    refusal: Option<String>,
}

impl Kept {
    fn value(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// The errors on the inputs of the page, whose ids carry the form's `prefix` (the
    /// engagement's page holds several forms).
    fn errors(&self, prefix: &str) -> Vec<FormError> {
        self.errors
            .iter()
            .map(|e| FormError {
                field: format!("{prefix}-{}", e.field),
                message: e.message.clone(),
            })
            .collect()
    }
}

/// The approvals, contract and manager-asset blocks of the engagement's page; `request`
/// or `asset` carry a form shown again.
pub fn engagement_forms(
    state: &AppState,
    lang: Lang,
    id: &str,
    o: &Overview,
    request: Option<&Kept>,
    asset: Option<&Kept>,
) -> EngagementFormsView {
    let pages = &state.staff;
    let t = |key: &str| pages.text(lang, key).to_string();
    let to_ask = use_case::to_ask(&o.obligations, &o.approvals);
    let request_kept = request;
    let request = (o.can_change && !to_ask.is_empty()).then(|| {
        let none = Kept::default();
        let kept = request_kept.unwrap_or(&none);
        let chosen = kept.value("subject");
        let single = to_ask.len() == 1;
        ApprovalRequestView {
            action: format!("/engagements/{id}/approvals#approvals"),
            choices: to_ask
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let value = format!("{}|{}", a.rule.as_str(), a.subject_id);
                    ChoiceView {
                        id: format!("subject-{i}"),
                        label: a.subject_name.clone(),
                        hint: format!(
                            "{} {}",
                            a.rule.as_str(),
                            rule_label(pages, lang, a.rule.as_str())
                        ),
                        checked: chosen == value || (single && chosen.is_empty()),
                        value,
                    }
                })
                .collect(),
            note: kept.value("note"),
            subject_error: error_of(&kept.errors, "subject"),
            note_error: error_of(&kept.errors, "note"),
            errors: kept.errors("approval"),
        }
    });
    let request_refusal = request_kept.and_then(|k| k.refusal.clone());
    let assets = (o.engagement.kind == EngagementKind::DesignatedManagement).then(|| {
        let rows = o
            .obligations
            .iter()
            .filter(|ob| matches!(ob.rule_id.as_str(), "R-7.5" | "R-7.6"))
            .map(|ob| AssetRowView {
                name: ob.subject_name.clone().unwrap_or_default(),
                kind: t(if ob.rule_id == "R-7.5" {
                    "assets.kind_system"
                } else {
                    "assets.kind_asset"
                }),
                rule_id: ob.rule_id.clone(),
                state: t(&format!("obligation_states.{}", ob.state.as_str())),
                state_key: ob.state.as_str().to_string(),
            })
            .collect();
        let form = o.can_change.then(|| {
            let none = Kept::default();
            let kept = asset.unwrap_or(&none);
            let kind = kept.value("kind");
            AssetFormView {
                action: format!("/engagements/{id}/manager-assets#assets"),
                kinds: [
                    ("system", "assets.kind_system_long"),
                    ("asset", "assets.kind_asset_long"),
                ]
                .into_iter()
                .map(|(value, key)| ChoiceView {
                    id: format!("asset-kind-{value}"),
                    value: value.to_string(),
                    label: t(key),
                    hint: String::new(),
                    checked: kind == value,
                })
                .collect(),
                name: kept.value("name"),
                description: kept.value("description"),
                kind_error: error_of(&kept.errors, "kind"),
                name_error: error_of(&kept.errors, "name"),
                description_error: error_of(&kept.errors, "description"),
                errors: kept.errors("asset"),
                refusal: kept.refusal.clone(),
            }
        });
        AssetsView { rows, form }
    });
    EngagementFormsView {
        clauses_href: format!("/engagements/{id}/clauses"),
        request,
        request_refusal,
        assets,
    }
}

/// The engagement's page again, with one of its forms as it was sent.
async fn engagement_again(
    state: &AppState,
    who: &Staff,
    id: &str,
    status: StatusCode,
    request: Option<&Kept>,
    asset: Option<&Kept>,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let o = overview(state, who, id.to_string()).await?;
    let mut view = engagement_view(state, lang, id, &o, None, None);
    view.approval_forms = engagement_forms(state, lang, id, &o, request, asset);
    let chrome = who.chrome(o.engagement.title.clone(), Some(Section::Engagements));
    Ok(html(
        status,
        state.staff.render(Page::Engagement, &chrome, &view),
    ))
}

/// The kept fields of a form.
fn kept(form: &Form, names: &[&str]) -> Kept {
    Kept {
        fields: names
            .iter()
            .map(|n| (n.to_string(), form.get(n).unwrap_or("").to_string()))
            .collect(),
        ..Kept::default()
    }
}

/// A form's errors and refusals, or the error to answer as a page.
fn outcome(err: AppError, lang: Lang, kept: &mut Kept) -> Result<StatusCode, AppError> {
    if let Some(errors) = form_errors(&err, lang) {
        kept.errors = errors;
        return Ok(StatusCode::UNPROCESSABLE_ENTITY);
    }
    match err {
        AppError::Conflict { message, .. } => {
            kept.refusal = Some(message.get(lang).to_string());
            Ok(StatusCode::CONFLICT)
        }
        e => Err(e),
    }
}

/// Asks for an approval the engagement needs.
async fn request(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let lang = who.lang();
    let (rule_id, subject_id) = match form.text("subject") {
        Some(s) => match s.split_once('|') {
            Some((r, s)) => (Some(r.to_string()), Some(s.to_string())),
            None => (Some(s), None),
        },
        None => (None, None),
    };
    let body = ApprovalRequestBody {
        rule_id,
        subject_id,
        note: form.get("note").map(str::to_string),
    };
    let actor = who.actor.clone();
    let target = id.clone();
    let asked = crate::app::write(&state, who.origin(), move |tx| {
        use_case::request(tx, &actor, &target, body)
    })
    .await;
    let mut kept = kept(&form, &["subject", "note"]);
    let status = match asked {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/engagements/{id}?done=approval_requested#approvals"
            )))
        }
        Err(e) => outcome(e, lang, &mut kept)?,
    };
    // The rule and its subject are one choice on the page.
    let mut subject_said = false;
    kept.errors.retain_mut(|e| {
        if e.field == "rule_id" || e.field == "subject_id" {
            e.field = "subject".into();
            if subject_said {
                return false;
            }
            subject_said = true;
            if e.message == form_required(lang) {
                e.message = state.staff.text(lang, "approvals.choose").to_string();
            }
        }
        true
    });
    engagement_again(&state, &who, &id, status, Some(&kept), None).await
}

/// The words of a required field's error, as the use cases say them.
fn form_required(lang: Lang) -> String {
    crate::i18n::Msg::new("必須項目です", "This field is required")
        .get(lang)
        .to_string()
}

/// Records a designated manager's own system or brought-in asset.
async fn record_asset(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let lang = who.lang();
    let body = AssetBody {
        kind: form.text("kind"),
        name: form.text("name"),
        description: form.get("description").map(str::to_string),
    };
    let actor = who.actor.clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record_asset(tx, &actor, &target, body)
    })
    .await;
    let mut kept = kept(&form, &["kind", "name", "description"]);
    let status = match recorded {
        Ok(_) => return Ok(see_other(&format!("/engagements/{id}?done=asset#assets"))),
        Err(e) => outcome(e, lang, &mut kept)?,
    };
    engagement_again(&state, &who, &id, status, None, Some(&kept)).await
}

/// A decision form shown again: its fields, errors, and which request it was for.
struct Sent {
    approval_id: String,
    reason: String,
    confirmations: Vec<String>,
    errors: Vec<FormError>,
}

fn entry_view(
    pages: &StaffPages,
    lang: Lang,
    entry: &InboxEntry,
    decidable: bool,
    sent: Option<&Sent>,
) -> InboxEntryView {
    let a = &entry.approval;
    let t = |key: &str| pages.text(lang, key).to_string();
    let sent = sent.filter(|s| s.approval_id == a.id);
    let decision = decidable.then(|| {
        let errors = sent.map(|s| s.errors.clone()).unwrap_or_default();
        let unconfirmed: Vec<String> = errors
            .iter()
            .filter_map(|e| e.field.strip_prefix("confirmations_"))
            .map(|key| {
                super::fill(
                    pages,
                    lang,
                    "approvals.confirm_needed",
                    &[("what", &confirmation_label(pages, lang, key))],
                )
            })
            .collect();
        let errors: Vec<FormError> = errors
            .into_iter()
            .map(|e| match e.field.strip_prefix("confirmations_") {
                Some(key) => FormError {
                    field: format!("confirm-{}-{key}", a.id),
                    message: super::fill(
                        pages,
                        lang,
                        "approvals.confirm_needed",
                        &[("what", &confirmation_label(pages, lang, key))],
                    ),
                },
                None => FormError {
                    field: format!("{}-{}", e.field, a.id),
                    message: e.message,
                },
            })
            .collect();
        DecisionFormView {
            action: format!("/approvals/{}/decision", a.id),
            reason_id: format!("reason-{}", a.id),
            confirm_id: format!("confirm-{}", a.id),
            reason: sent.map(|s| s.reason.clone()).unwrap_or_default(),
            confirmations: entry
                .confirmations
                .iter()
                .map(|key| ChoiceView {
                    id: format!("confirm-{}-{key}", a.id),
                    value: key.to_string(),
                    label: confirmation_label(pages, lang, key),
                    hint: String::new(),
                    checked: sent.is_some_and(|s| s.confirmations.iter().any(|c| c == key)),
                })
                .collect(),
            reason_error: error_of(&errors, &format!("reason-{}", a.id)),
            confirmations_error: (!unconfirmed.is_empty()).then(|| unconfirmed.join(" ")),
            errors,
        }
    });
    InboxEntryView {
        id: a.id.clone(),
        rule_id: a.rule_id.clone(),
        rule: rule_label(pages, lang, &a.rule_id),
        subject: a.subject_name.clone(),
        engagement_title: entry.engagement_title.clone(),
        engagement_href: format!("/engagements/{}#approvals", a.engagement_id),
        requester: entry.requester_name.clone(),
        requested: date(lang, a.requested_at.date_naive()),
        note: a.note.clone(),
        state: t(&format!("approval_states.{}", a.state.as_str())),
        state_key: a.state.as_str().to_string(),
        decided: a
            .decided_at
            .map(|d| date(lang, d.date_naive()))
            .unwrap_or_default(),
        reason: a.decision_reason.clone().unwrap_or_default(),
        decision,
    }
}

async fn load_inbox(state: &AppState, who: &Staff) -> AppResult<Inbox> {
    let actor = who.actor.clone();
    crate::db::read(&state.pool, move |conn| use_case::inbox(conn, &actor)).await
}

fn inbox_page(
    state: &AppState,
    who: &Staff,
    inbox: &Inbox,
    sent: Option<&Sent>,
    refusal: Option<String>,
    flash: Option<String>,
) -> String {
    let pages = &state.staff;
    let lang = who.lang();
    let view = InboxView {
        refusal,
        to_decide: inbox
            .to_decide
            .iter()
            .map(|e| entry_view(pages, lang, e, true, sent))
            .collect(),
        own: inbox
            .own
            .iter()
            .map(|e| entry_view(pages, lang, e, false, None))
            .collect(),
        decided: inbox
            .decided
            .iter()
            .map(|e| entry_view(pages, lang, e, false, None))
            .collect(),
    };
    let mut chrome = who.chrome(
        pages.text(lang, "approvals.title"),
        Some(Section::Approvals),
    );
    chrome.flash = flash;
    pages.render(Page::Approvals, &chrome, &view)
}

async fn inbox(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    let inbox = load_inbox(&state, &who).await?;
    let flash = query_value(&req, "done").and_then(|d| super::flash(&state.staff, who.lang(), &d));
    Ok(html(
        StatusCode::OK,
        inbox_page(&state, &who, &inbox, None, None, flash),
    ))
}

/// Decides a request; errors are shown beside its form, a refusal of the rules (one's
/// own request, R-2.6; a request routed to someone else; one already decided) in plain
/// words above the list.
async fn decide(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let lang = who.lang();
    let confirmations: Vec<String> = form
        .all("confirmations")
        .into_iter()
        .map(str::to_string)
        .collect();
    let body = DecisionBody {
        decision: form.text("decision"),
        reason: form.get("reason").map(str::to_string),
        confirmations: confirmations.iter().map(|c| (c.clone(), true)).collect(),
    };
    let actor = who.actor.clone();
    let target = id.clone();
    let decided = crate::app::write(&state, who.origin(), move |tx| {
        use_case::decide(tx, &actor, &target, body)
    })
    .await;
    let err = match decided {
        Ok(_) => return Ok(see_other("/approvals?done=decided")),
        Err(e) => e,
    };
    let inbox = load_inbox(&state, &who).await?;
    let (status, sent, refusal) = match (form_errors(&err, lang), err) {
        (Some(errors), _) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Sent {
                approval_id: id,
                reason: form.get("reason").unwrap_or("").to_string(),
                confirmations,
                errors,
            }),
            None,
        ),
        (None, AppError::Forbidden(message)) => {
            let own = inbox
                .own
                .iter()
                .chain(&inbox.decided)
                .any(|e| e.approval.id == id && e.approval.requested_by == who.actor.user_id);
            let words = if own {
                state.staff.text(lang, "approvals.own_request").to_string()
            } else {
                message.get(lang).to_string()
            };
            (StatusCode::FORBIDDEN, None, Some(words))
        }
        (None, AppError::Conflict { message, .. }) => (
            StatusCode::CONFLICT,
            None,
            Some(message.get(lang).to_string()),
        ),
        (None, e) => return Err(e),
    };
    Ok(html(
        status,
        inbox_page(&state, &who, &inbox, sent.as_ref(), refusal, None),
    ))
}

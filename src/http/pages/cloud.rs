//! A cloud service's pages: its configuration records, the form for a
//! new version, its approval, and two versions side by side. Each calls the
//! `app::configuration` function the API calls.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::my_work::date;
use super::{add, fill, html, query_value, see_other, Form, Staff};
use crate::app::cloud_service::{
    self as services, CloudServiceResponse, DataLocationBody, IsmapListingBody,
};
use crate::app::configuration::{
    self as use_case, ConfigurationBody, ConfigurationPage, ConfigurationResponse, VersionResponse,
    VersionState,
};
use crate::app::responsibility::{
    self as matrices, EntryBody, MatrixBody, MatrixVersionResponse, ResponsibilityPage,
    ResponsibilityResponse,
};
use crate::app::subprocessors as subs;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::cloud_service::{CloudFlag, IsmapList};
use crate::policy::configuration::{Configuration, Field};
use crate::policy::responsibility::{Area, MatrixState, Party, ServiceModel, VendorDecision};
use crate::policy::subprocessors::ChangeKind;
use crate::staff::views::cloud::{
    ApproveFormView, CompareFormView, ComparedFieldView, ComparisonView, ConfigFieldView,
    ConfigFormView, ConfigurationView, MatrixActionView, MatrixEntryFieldView, MatrixEntryView,
    MatrixFormView, MatrixRowView, ResponsibilityView, ShownMatrixView, ShownVersionView,
    VersionRowView,
};
use crate::staff::views::cloud::{
    CloudHistoryRowView, CloudServiceView, ListingFormView, LocationFormView,
};
use crate::staff::views::cloud::{
    SubprocessorChangeView, SubprocessorFormView, SubprocessorRowView, SubprocessorsView,
};
use crate::staff::views::register::FieldView;
use crate::staff::views::{Fact, FormError, OptionView};
use crate::staff::{Page, Section, StaffPages};

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD, POST",
        web::resource("/engagements/{id}/configuration")
            .route(web::get().to(show))
            .route(web::post().to(record)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}/configuration/compare").route(web::get().to(compare)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/configuration/{version}/approval")
            .route(web::post().to(approve)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}/cloud-service").route(web::get().to(show_service)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}/subprocessors").route(web::get().to(show_subprocessors)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/subprocessors/changes")
            .route(web::post().to(record_subprocessor)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/subprocessors/changes/{change_id}/acknowledgement")
            .route(web::post().to(acknowledge_subprocessor)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/subprocessors/link")
            .route(web::post().to(send_subprocessor_link)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/cloud-service/ismap-listing")
            .route(web::post().to(record_listing)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/cloud-service/data-location")
            .route(web::post().to(record_location)),
    );
    add(
        cfg,
        "GET, HEAD, POST",
        web::resource("/engagements/{id}/responsibility")
            .route(web::get().to(show_matrix))
            .route(web::post().to(record_matrix)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/responsibility/{version}/sending")
            .route(web::post().to(send_matrix)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/responsibility/{version}/approval")
            .route(web::post().to(approve_matrix)),
    );
}

fn text(pages: &StaffPages, lang: Lang, key: &str) -> String {
    pages.text(lang, key).to_string()
}

fn version_label(pages: &StaffPages, lang: Lang, version: i32) -> String {
    fill(
        pages,
        lang,
        "configuration.version",
        &[("version", &version.to_string())],
    )
}

fn field_label(pages: &StaffPages, lang: Lang, field: Field) -> String {
    text(
        pages,
        lang,
        &format!("configuration.fields.{}", field.key()),
    )
}

fn state_label(pages: &StaffPages, lang: Lang, state: VersionState) -> (String, String) {
    let key = match state {
        VersionState::Approved => "approved",
        VersionState::Pending => "pending",
        VersionState::Superseded => "superseded",
    };
    (
        text(pages, lang, &format!("configuration.states.{key}")),
        key.to_string(),
    )
}

/// Where the record in force stands, in words (also on the engagement's page).
pub fn standing(pages: &StaffPages, lang: Lang, c: &ConfigurationResponse) -> String {
    match (c.current_version, c.fresh_until) {
        (Some(version), Some(until)) => fill(
            pages,
            lang,
            if c.stale {
                "configuration.standing_stale"
            } else {
                "configuration.standing_current"
            },
            &[
                ("version", &version.to_string()),
                ("until", &date(lang, until)),
            ],
        ),
        _ => text(pages, lang, "configuration.standing_none"),
    }
}

fn shown(value: String, pages: &StaffPages, lang: Lang) -> String {
    if value.is_empty() {
        text(pages, lang, "configuration.empty_value")
    } else {
        value
    }
}

fn compare_form(
    id: &str,
    versions: &[VersionResponse],
    pages: &StaffPages,
    lang: Lang,
    chosen: (i32, i32),
) -> CompareFormView {
    let options = |selected: i32| {
        versions
            .iter()
            .rev()
            .map(|v| OptionView {
                value: v.version.to_string(),
                label: format!(
                    "{}（{}）",
                    version_label(pages, lang, v.version),
                    date(lang, v.recorded_on)
                ),
                selected: v.version == selected,
            })
            .collect()
    };
    CompareFormView {
        action: format!("/engagements/{id}/configuration/compare"),
        from: options(chosen.0),
        to: options(chosen.1),
    }
}

/// The form as typed (or as the newest version holds it), with its errors.
fn config_form(
    pages: &StaffPages,
    lang: Lang,
    id: &str,
    body: &ConfigurationBody,
    errors: Vec<FormError>,
) -> ConfigFormView {
    let error = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let typed = Configuration {
        tenant: body.tenant.clone().unwrap_or_default(),
        plan: body.plan.clone().unwrap_or_default(),
        regions: body.regions.clone().unwrap_or_default(),
        network_exposure: body.network_exposure.clone().unwrap_or_default(),
        sso: body.sso.clone().unwrap_or_default(),
        mfa: body.mfa.clone().unwrap_or_default(),
        address_limits: body.address_limits.clone().unwrap_or_default(),
        admin_accounts: body.admin_accounts.clone().unwrap_or_default(),
        logging: body.logging.clone().unwrap_or_default(),
        encryption: body.encryption.clone().unwrap_or_default(),
        backup: body.backup.clone().unwrap_or_default(),
        integrations: body.integrations.clone().unwrap_or_default(),
    };
    ConfigFormView {
        action: format!("/engagements/{id}/configuration#new-version"),
        change_summary: FieldView {
            value: body.change_summary.clone().unwrap_or_default(),
            error: error("change_summary"),
        },
        fields: Field::ALL
            .into_iter()
            .map(|f| ConfigFieldView {
                id: f.key().to_string(),
                label: field_label(pages, lang, f),
                hint: text(pages, lang, &format!("configuration.hints.{}", f.key())),
                required: f.required(),
                multiline: f.is_list()
                    || matches!(
                        f,
                        Field::NetworkExposure | Field::Logging | Field::Encryption | Field::Backup
                    ),
                field: FieldView {
                    value: typed.value(f),
                    error: error(f.key()),
                },
            })
            .collect(),
        errors,
    }
}

/// What a form holds: a list's names one per line.
fn body_of(form: &Form) -> ConfigurationBody {
    let text = |name: &str| Some(form.get(name).unwrap_or_default().to_string());
    let list = |name: &str| {
        Some(
            form.get(name)
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        )
    };
    ConfigurationBody {
        change_summary: text("change_summary"),
        tenant: text("tenant"),
        plan: text("plan"),
        regions: list("regions"),
        network_exposure: text("network_exposure"),
        sso: text("sso"),
        mfa: text("mfa"),
        address_limits: text("address_limits"),
        admin_accounts: list("admin_accounts"),
        logging: text("logging"),
        encryption: text("encryption"),
        backup: text("backup"),
        integrations: list("integrations"),
    }
}

/// The page's view: `typed` is a refused form to show again.
fn configuration_view(
    state: &AppState,
    lang: Lang,
    id: &str,
    p: &ConfigurationPage,
    typed: Option<(ConfigurationBody, Vec<FormError>)>,
    refusal: Option<String>,
) -> ConfigurationView {
    let pages = &state.staff;
    let c = &p.configuration;
    let name = |user: &str| {
        p.names
            .get(user)
            .cloned()
            .unwrap_or_else(|| user.to_string())
    };
    let separator = text(pages, lang, "configuration.list_separator");
    let versions = c
        .versions
        .iter()
        .map(|v| {
            let (state_text, key) = state_label(pages, lang, v.state);
            VersionRowView {
                version: version_label(pages, lang, v.version),
                recorded_on: date(lang, v.recorded_on),
                recorded_by: name(&v.recorded_by),
                change_summary: v.change_summary.clone(),
                changed: v
                    .changed_fields
                    .iter()
                    .filter_map(|k| Field::ALL.into_iter().find(|f| f.key() == k))
                    .map(|f| field_label(pages, lang, f))
                    .collect::<Vec<_>>()
                    .join(&separator),
                state: state_text,
                state_key: key,
                approved_by: v.approved_by.as_deref().map(name).unwrap_or_default(),
            }
        })
        .collect();
    let pending = c.versions.iter().find(|v| v.state == VersionState::Pending);
    let approve = pending.filter(|_| p.can_approve).map(|v| ApproveFormView {
        action: format!("/engagements/{id}/configuration/{}/approval", v.version),
        submit: fill(
            pages,
            lang,
            "configuration.approve",
            &[("version", &v.version.to_string())],
        ),
    });
    let newest = c.versions.first();
    let compare = (c.versions.len() >= 2).then(|| {
        let to = newest.map_or(0, |v| v.version);
        compare_form(id, &c.versions, pages, lang, (to - 1, to))
    });
    let shown_version = newest.map(|v| ShownVersionView {
        heading: fill(
            pages,
            lang,
            "configuration.newest_heading",
            &[
                ("version", &v.version.to_string()),
                ("state", &state_label(pages, lang, v.state).0),
            ],
        ),
        facts: Field::ALL
            .into_iter()
            .map(|f| Fact {
                label: field_label(pages, lang, f),
                value: shown(v.configuration.value(f), pages, lang),
            })
            .collect(),
    });
    let form = p.can_change.then(|| match typed {
        Some((body, errors)) => config_form(pages, lang, id, &body, errors),
        None => {
            let body = newest
                .map(|v| ConfigurationBody::from_configuration(&v.configuration))
                .unwrap_or_default();
            config_form(pages, lang, id, &body, vec![])
        }
    });
    ConfigurationView {
        engagement_href: format!("/engagements/{id}"),
        engagement_title: p.engagement_title.clone(),
        intro: fill(
            pages,
            lang,
            "configuration.intro",
            &[(
                "months",
                &state.config.rules.configuration_stale_months.to_string(),
            )],
        ),
        rule: c.rule.clone(),
        standing: standing(pages, lang, c),
        stale: c.stale,
        refusal,
        approve,
        versions,
        compare,
        newest: shown_version,
        form,
    }
}

async fn load(state: &AppState, who: &Staff, id: String) -> AppResult<ConfigurationPage> {
    let today = state.today();
    let months = state.config.rules.configuration_stale_months;
    let actor = who.actor.clone();
    crate::db::read(&state.pool, move |conn| {
        use_case::page(conn, &actor, &id, today, months)
    })
    .await
}

/// A cloud service page in its frame: its title names the engagement, the flash of a
/// form just done on top.
fn render_titled<V: serde::Serialize>(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    (page, title_key): (Page, &str),
    engagement_title: &str,
    view: &V,
) -> String {
    let lang = who.lang();
    let title = fill(
        &state.staff,
        lang,
        title_key,
        &[("title", engagement_title)],
    );
    let mut chrome = who.chrome(title, Some(Section::Engagements));
    chrome.flash = query_value(req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    state.staff.render(page, &chrome, view)
}

fn render(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    p: &ConfigurationPage,
    view: &ConfigurationView,
) -> String {
    render_titled(
        state,
        req,
        who,
        (Page::Configuration, "configuration.title"),
        &p.engagement_title,
        view,
    )
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let p = load(&state, &who, id.clone()).await?;
    let view = configuration_view(&state, who.lang(), &id, &p, None, None);
    Ok(html(StatusCode::OK, render(&state, &req, &who, &p, &view)))
}

/// The page again after a refused form: its fields at fault (422), or the rule that
/// refused it in plain words (403, 409).
async fn again(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: String,
    typed: Option<ConfigurationBody>,
    err: AppError,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let (status, errors, refusal) = super::refused_form(err, lang)?;
    let p = load(state, who, id.clone()).await?;
    let typed = typed.map(|body| (body, errors));
    let view = configuration_view(state, lang, &id, &p, typed, refusal);
    Ok(html(status, render(state, req, who, &p, &view)))
}

async fn record(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let body = body_of(&form);
    let typed = body.clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, &target, body)
    })
    .await;
    match recorded {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/configuration?done=configuration_recorded"
        ))),
        Err(e) => again(&state, &req, &who, id, Some(typed), e).await,
    }
}

async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    path: web::Path<(String, String)>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let (id, version) = path.into_inner();
    let actor = who.actor.clone();
    let target = id.clone();
    let approved = crate::app::write(&state, who.origin(), move |tx| {
        use_case::approve(tx, &actor, &target, &version)
    })
    .await;
    match approved {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/configuration?done=configuration_approved"
        ))),
        Err(e) => again(&state, &req, &who, id, None, e).await,
    }
}

/// Two versions side by side; a choice missing, or naming no version, shows the records'
/// page with what is wrong.
async fn compare(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let lang = who.lang();
    let from = query_value(&req, "from");
    let to = query_value(&req, "to");
    let actor = who.actor.clone();
    let target = id.clone();
    let (p, found) = {
        let today = state.today();
        let months = state.config.rules.configuration_stale_months;
        crate::db::read(&state.pool, move |conn| {
            let p = use_case::page(conn, &actor, &target, today, months)?;
            let found = use_case::compare(conn, &actor, &target, from.as_deref(), to.as_deref());
            Ok((p, found))
        })
        .await?
    };
    let pages = &state.staff;
    let comparison = match found {
        Ok(c) => c,
        // A version that is not there, or no versions chosen: the page says so, the
        // choice is offered again.
        Err(e @ (AppError::NotFound(_) | AppError::Validation(_))) => {
            let message = match &e {
                AppError::NotFound(m) => m.get(lang).to_string(),
                _ => text(pages, lang, "configuration.choose_two"),
            };
            let view = configuration_view(&state, lang, &id, &p, None, Some(message));
            let status = match e {
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            return Ok(html(status, render(&state, &req, &who, &p, &view)));
        }
        Err(e) => return Err(e),
    };
    let heading = |v: &VersionResponse| {
        format!(
            "{}（{}）",
            version_label(pages, lang, v.version),
            date(lang, v.recorded_on)
        )
    };
    let changed = comparison.fields.iter().filter(|f| f.changed).count();
    let view = ComparisonView {
        back_href: format!("/engagements/{id}/configuration"),
        engagement_href: format!("/engagements/{id}"),
        engagement_title: p.engagement_title.clone(),
        from: heading(&comparison.from),
        to: heading(&comparison.to),
        from_summary: comparison.from.change_summary.clone(),
        to_summary: comparison.to.change_summary.clone(),
        changed_count: fill(
            pages,
            lang,
            "configuration.changed_count",
            &[("count", &changed.to_string())],
        ),
        fields: comparison
            .fields
            .iter()
            .filter_map(|f| {
                let field = Field::ALL.into_iter().find(|k| k.key() == f.field)?;
                Some(ComparedFieldView {
                    label: field_label(pages, lang, field),
                    before: shown(f.before.clone(), pages, lang),
                    after: shown(f.after.clone(), pages, lang),
                    changed: f.changed,
                })
            })
            .collect(),
        compare: compare_form(
            &id,
            &p.configuration.versions,
            pages,
            lang,
            (comparison.from.version, comparison.to.version),
        ),
    };
    let title = fill(
        pages,
        lang,
        "configuration.compare_title_page",
        &[("title", &p.engagement_title)],
    );
    let mut chrome = who.chrome(title, Some(Section::Engagements));
    chrome.flash = None;
    Ok(html(
        StatusCode::OK,
        pages.render(Page::ConfigurationCompare, &chrome, &view),
    ))
}

// ---------------------------------------------------------------------------------------
// The division of responsibility

fn matrix_state_label(pages: &StaffPages, lang: Lang, state: MatrixState) -> (String, String) {
    let key = match state {
        MatrixState::Draft => "draft",
        MatrixState::AwaitingProvider => "awaiting_provider",
        MatrixState::ChangesRequested => "changes_requested",
        MatrixState::AwaitingApproval => "awaiting_approval",
        MatrixState::Agreed => "agreed",
        MatrixState::Superseded => "superseded",
    };
    (
        text(pages, lang, &format!("responsibility.states.{key}")),
        key.to_string(),
    )
}

/// Where the division of responsibility stands, in words (also on the engagement's page).
pub fn matrix_standing(pages: &StaffPages, lang: Lang, r: &ResponsibilityResponse) -> String {
    match r.agreed_version {
        Some(version) => fill(
            pages,
            lang,
            "responsibility.standing_agreed",
            &[("version", &version.to_string())],
        ),
        None => text(pages, lang, "responsibility.standing_none"),
    }
}

fn area_label(pages: &StaffPages, lang: Lang, area: Area) -> String {
    text(pages, lang, &format!("responsibility.areas.{area}"))
}

fn party_label(pages: &StaffPages, lang: Lang, party: Party) -> String {
    text(pages, lang, &format!("responsibility.parties.{party}"))
}

/// What the provider answered, in words.
fn vendor_answer(state: &AppState, lang: Lang, v: &MatrixVersionResponse) -> String {
    let (Some(decision), Some(at)) = (v.vendor_decision, v.vendor_decided_at) else {
        return String::new();
    };
    let key = match decision {
        VendorDecision::Confirmed => "responsibility.vendor_confirmed",
        VendorDecision::ChangesRequested => "responsibility.vendor_changes",
    };
    fill(
        &state.staff,
        lang,
        key,
        &[
            ("name", v.vendor_signed_name.as_deref().unwrap_or_default()),
            ("on", &date(lang, state.config.date_at(at))),
        ],
    )
}

/// The form for a new version: as typed after a refusal, else the newest version (or,
/// before the first, the choice of a starting matrix).
fn matrix_form(
    pages: &StaffPages,
    lang: Lang,
    id: &str,
    newest: Option<&MatrixVersionResponse>,
    typed: Option<(&MatrixBody, Vec<FormError>)>,
) -> MatrixFormView {
    let (body, errors) = match typed {
        Some((body, errors)) => (body.clone(), errors),
        None => (
            MatrixBody {
                service_model: newest.map(|v| v.service_model.to_string()),
                change_summary: None,
                entries: newest.map(|v| {
                    v.entries
                        .iter()
                        .map(|e| EntryBody {
                            area: Some(e.area.to_string()),
                            responsible: Some(e.responsible.to_string()),
                            notes: Some(e.notes.clone()),
                        })
                        .collect()
                }),
            },
            vec![],
        ),
    };
    let error = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let chosen_model = body.service_model.clone().unwrap_or_default();
    let entries = body
        .entries
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let area_value = e.area.clone().unwrap_or_default();
            let chosen = e.responsible.clone().unwrap_or_default();
            let responsible_id = format!("entries_{i}_responsible");
            let notes_id = format!("entries_{i}_notes");
            MatrixEntryFieldView {
                area_id: format!("entries_{i}_area"),
                area: Area::parse(&area_value)
                    .map(|a| area_label(pages, lang, a))
                    .unwrap_or_else(|_| area_value.clone()),
                area_value,
                responsible: Party::ALL
                    .iter()
                    .map(|p| OptionView {
                        value: p.to_string(),
                        label: party_label(pages, lang, *p),
                        selected: chosen == p.as_str(),
                    })
                    .collect(),
                responsible_error: error(&responsible_id),
                notes: FieldView {
                    value: e.notes.clone().unwrap_or_default(),
                    error: error(&notes_id),
                },
                responsible_id,
                notes_id,
            }
        })
        .collect();
    MatrixFormView {
        action: format!("/engagements/{id}/responsibility#new-matrix"),
        service_models: ServiceModel::ALL
            .iter()
            .map(|m| OptionView {
                value: m.to_string(),
                label: text(pages, lang, &format!("responsibility.models.{m}")),
                selected: chosen_model == m.as_str(),
            })
            .collect(),
        service_model_error: error("service_model"),
        change_summary: FieldView {
            value: body.change_summary.clone().unwrap_or_default(),
            error: error("change_summary"),
        },
        entries,
        entries_error: error("entries"),
        errors,
    }
}

fn matrix_view(
    state: &AppState,
    lang: Lang,
    id: &str,
    p: &ResponsibilityPage,
    typed: Option<(&MatrixBody, Vec<FormError>)>,
    refusal: Option<String>,
) -> ResponsibilityView {
    let pages = &state.staff;
    let r = &p.responsibility;
    let name = |user: &str| {
        p.names
            .get(user)
            .cloned()
            .unwrap_or_else(|| user.to_string())
    };
    let newest = r.versions.first();
    let action =
        |v: &MatrixVersionResponse, what: &str, label: &str, hint: &str| MatrixActionView {
            action: format!("/engagements/{id}/responsibility/{}/{what}", v.version),
            submit: fill(pages, lang, label, &[("version", &v.version.to_string())]),
            hint: text(pages, lang, hint),
        };
    let send = newest
        .filter(|_| p.can_change)
        .filter(|v| matches!(v.state, MatrixState::Draft | MatrixState::AwaitingProvider))
        .map(|v| {
            let label = if v.state == MatrixState::Draft {
                "responsibility.send"
            } else {
                "responsibility.send_again"
            };
            action(v, "sending", label, "responsibility.send_hint")
        });
    let approve = newest
        .filter(|_| p.can_approve)
        .filter(|v| v.state == MatrixState::AwaitingApproval)
        .map(|v| {
            action(
                v,
                "approval",
                "responsibility.approve",
                "responsibility.approve_hint",
            )
        });
    ResponsibilityView {
        engagement_href: format!("/engagements/{id}"),
        engagement_title: p.engagement_title.clone(),
        standing: matrix_standing(pages, lang, r),
        refusal,
        send,
        approve,
        newest: newest.map(|v| ShownMatrixView {
            heading: fill(
                pages,
                lang,
                "responsibility.newest_heading",
                &[
                    ("version", &v.version.to_string()),
                    ("state", &matrix_state_label(pages, lang, v.state).0),
                ],
            ),
            origin: match v.origin.split_once(" v") {
                Some((model, version)) => fill(
                    pages,
                    lang,
                    "responsibility.origin_value",
                    &[
                        (
                            "model",
                            &text(pages, lang, &format!("responsibility.models.{model}")),
                        ),
                        ("version", version),
                    ],
                ),
                None => v.origin.clone(),
            },
            entries: v
                .entries
                .iter()
                .map(|e| MatrixEntryView {
                    area: area_label(pages, lang, e.area),
                    responsible: party_label(pages, lang, e.responsible),
                    responsible_key: e.responsible.to_string(),
                    notes: e.notes.clone(),
                })
                .collect(),
            vendor_comment: v
                .vendor_comment
                .clone()
                .filter(|_| v.vendor_decision == Some(VendorDecision::ChangesRequested)),
        }),
        versions: r
            .versions
            .iter()
            .map(|v| {
                let (state_text, key) = matrix_state_label(pages, lang, v.state);
                MatrixRowView {
                    version: fill(
                        pages,
                        lang,
                        "responsibility.version",
                        &[("version", &v.version.to_string())],
                    ),
                    recorded_on: date(lang, state.config.date_at(v.recorded_at)),
                    recorded_by: name(&v.recorded_by),
                    change_summary: v.change_summary.clone(),
                    state: state_text,
                    state_key: key,
                    vendor_answer: vendor_answer(state, lang, v),
                    approved_by: v.approved_by.as_deref().map(name).unwrap_or_default(),
                }
            })
            .collect(),
        form: p
            .can_change
            .then(|| matrix_form(pages, lang, id, newest, typed)),
    }
}

async fn load_matrix(state: &AppState, who: &Staff, id: String) -> AppResult<ResponsibilityPage> {
    let actor = who.actor.clone();
    crate::db::read(&state.pool, move |conn| matrices::page(conn, &actor, &id)).await
}

fn render_matrix(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    p: &ResponsibilityPage,
    view: &ResponsibilityView,
) -> String {
    render_titled(
        state,
        req,
        who,
        (Page::Responsibility, "responsibility.title"),
        &p.engagement_title,
        view,
    )
}

async fn show_matrix(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let p = load_matrix(&state, &who, id.clone()).await?;
    let view = matrix_view(&state, who.lang(), &id, &p, None, None);
    Ok(html(
        StatusCode::OK,
        render_matrix(&state, &req, &who, &p, &view),
    ))
}

async fn matrix_again(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: String,
    typed: Option<MatrixBody>,
    err: AppError,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let (status, errors, refusal) = super::refused_form(err, lang)?;
    let p = load_matrix(state, who, id.clone()).await?;
    let typed = typed.as_ref().map(|body| (body, errors));
    let view = matrix_view(state, lang, &id, &p, typed, refusal);
    Ok(html(status, render_matrix(state, req, who, &p, &view)))
}

/// The form's matrix: each area's fields by its number, as many as were sent (none for
/// a first version started from a starting matrix).
fn matrix_body_of(form: &Form) -> MatrixBody {
    let mut entries = Vec::new();
    for i in 0.. {
        let Some(area) = form.get(&format!("entries_{i}_area")) else {
            break;
        };
        entries.push(EntryBody {
            area: Some(area.to_string()),
            responsible: Some(
                form.get(&format!("entries_{i}_responsible"))
                    .unwrap_or_default()
                    .to_string(),
            ),
            notes: Some(
                form.get(&format!("entries_{i}_notes"))
                    .unwrap_or_default()
                    .to_string(),
            ),
        });
    }
    MatrixBody {
        service_model: form.text("service_model"),
        change_summary: Some(form.get("change_summary").unwrap_or_default().to_string()),
        entries: (!entries.is_empty()).then_some(entries),
    }
}

async fn record_matrix(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let body = matrix_body_of(&form);
    let typed = body.clone();
    let actor = who.actor.clone();
    let app = state.get_ref().clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        matrices::record(tx, &app, &actor, &target, body)
    })
    .await;
    match recorded {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/responsibility?done=responsibility_recorded"
        ))),
        Err(e) => matrix_again(&state, &req, &who, id, Some(typed), e).await,
    }
}

async fn send_matrix(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    path: web::Path<(String, String)>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let (id, version) = path.into_inner();
    let actor = who.actor.clone();
    let app = state.get_ref().clone();
    let target = id.clone();
    let sent = crate::app::write(&state, who.origin(), move |tx| {
        matrices::send(tx, &app, &actor, &target, &version)
    })
    .await;
    state.wake_delivery.notify();
    match sent {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/responsibility?done=responsibility_sent"
        ))),
        Err(e) => matrix_again(&state, &req, &who, id, None, e).await,
    }
}

async fn approve_matrix(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    path: web::Path<(String, String)>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let (id, version) = path.into_inner();
    let actor = who.actor.clone();
    let target = id.clone();
    let approved = crate::app::write(&state, who.origin(), move |tx| {
        matrices::approve(tx, &actor, &target, &version)
    })
    .await;
    match approved {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/responsibility?done=responsibility_approved"
        ))),
        Err(e) => matrix_again(&state, &req, &who, id, None, e).await,
    }
}

// ---------------------------------------------------------------------------------------
// The ISMAP listing and the data location

/// A flag in a word, for a list.
pub fn flag_word(pages: &StaffPages, lang: Lang, flag: &CloudFlag) -> String {
    let key = match flag {
        CloudFlag::NoListing => "no_listing",
        CloudFlag::ListingLapsed { .. } => "listing_lapsed",
        CloudFlag::L3OutsideJapan { .. } => "l3_outside_japan",
    };
    text(pages, lang, &format!("cloud_flags.{key}"))
}

/// The listing in force, in words (also on the engagement's page).
pub fn listing_standing(pages: &StaffPages, lang: Lang, c: &CloudServiceResponse) -> String {
    match &c.ismap_listing {
        Some(l) => fill(
            pages,
            lang,
            "cloud_service.listing_standing",
            &[
                (
                    "list",
                    &text(
                        pages,
                        lang,
                        &format!("cloud_service.lists.{}", l.listing.list),
                    ),
                ),
                ("number", &l.listing.registration_number),
                ("until", &date(lang, l.valid_until)),
            ],
        ),
        None => text(pages, lang, "cloud_service.listing_none"),
    }
}

fn codes(list: &[crate::policy::cloud_service::CountryCode]) -> String {
    list.iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Country codes as typed: separated by commas, spaces or new lines.
fn typed_codes(text: Option<&str>) -> Option<Vec<String>> {
    Some(
        text.unwrap_or_default()
            .split(|c: char| c == ',' || c == '、' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// A refused form: each field as typed, and the errors.
type TypedForm = (Vec<(&'static str, String)>, Vec<FormError>);

/// What the two forms held when refused, one of them typed.
#[derive(Default)]
struct TypedService {
    listing: Option<TypedForm>,
    location: Option<TypedForm>,
}

fn service_view(
    state: &AppState,
    lang: Lang,
    id: &str,
    p: &services::CloudServicePage,
    typed: TypedService,
    refusal: Option<String>,
) -> CloudServiceView {
    let pages = &state.staff;
    let c = &p.service;
    let t = |key: &str| text(pages, lang, key);
    let fact = |key: &str, value: String| Fact {
        label: t(&format!("cloud_service.fields.{key}")),
        value,
    };
    let listing = c
        .ismap_listing
        .as_ref()
        .map(|l| {
            vec![
                fact(
                    "list",
                    t(&format!("cloud_service.lists.{}", l.listing.list)),
                ),
                fact("registration_number", l.listing.registration_number.clone()),
                fact("listed_service", l.listing.listed_service.clone()),
                fact("regions", l.listing.regions.join("\n")),
                fact("audit_period_end", date(lang, l.listing.audit_period_end)),
                fact("valid_until", date(lang, l.valid_until)),
            ]
        })
        .unwrap_or_default();
    let location = c
        .data_location
        .as_ref()
        .map(|l| {
            let l = &l.location;
            vec![
                fact("storage_countries", codes(&l.storage_countries)),
                fact("storage_regions", l.storage_regions.clone()),
                fact("backup_countries", codes(&l.backup_countries)),
                fact("support_countries", codes(&l.support_countries)),
                fact("governing_law", l.governing_law.clone()),
                fact("court", l.court.clone()),
            ]
        })
        .unwrap_or_default();
    let name = |user: &str| {
        p.names
            .get(user)
            .cloned()
            .unwrap_or_else(|| user.to_string())
    };
    let history = c
        .history
        .iter()
        .map(|h| {
            let kind = h.kind.as_str();
            let summary = match kind {
                "ismap_listing" => format!(
                    "{} {}",
                    h.content["registration_number"]
                        .as_str()
                        .unwrap_or_default(),
                    h.content["listed_service"].as_str().unwrap_or_default()
                ),
                _ => h.content["storage_regions"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            };
            CloudHistoryRowView {
                recorded_at: super::checks::moment(state, lang, h.recorded_at),
                what: t(&format!("cloud_service.kinds.{kind}")),
                by: name(&h.recorded_by),
                summary,
            }
        })
        .collect();
    let error = |errors: &[FormError], field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let field = |typed: &Option<TypedForm>, name: &str, current: String| match typed {
        Some((values, errors)) => FieldView {
            value: values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            error: error(errors, name),
        },
        None => FieldView {
            value: current,
            error: None,
        },
    };
    let l = c.ismap_listing.as_ref().map(|l| &l.listing);
    let chosen_list = match &typed.listing {
        Some((values, _)) => values
            .iter()
            .find(|(k, _)| *k == "list")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        None => l.map(|l| l.list.to_string()).unwrap_or_default(),
    };
    let listing_form = p.can_change.then(|| {
        let errors = typed
            .listing
            .as_ref()
            .map(|(_, e)| e.clone())
            .unwrap_or_default();
        ListingFormView {
            action: format!("/engagements/{id}/cloud-service/ismap-listing#listing-form"),
            lists: IsmapList::ALL
                .iter()
                .map(|v| OptionView {
                    value: v.to_string(),
                    label: t(&format!("cloud_service.lists.{v}")),
                    selected: chosen_list == v.as_str(),
                })
                .collect(),
            list_error: error(&errors, "list"),
            registration_number: field(
                &typed.listing,
                "registration_number",
                l.map(|l| l.registration_number.clone()).unwrap_or_default(),
            ),
            listed_service: field(
                &typed.listing,
                "listed_service",
                l.map(|l| l.listed_service.clone()).unwrap_or_default(),
            ),
            regions: field(
                &typed.listing,
                "regions",
                l.map(|l| l.regions.join("\n")).unwrap_or_default(),
            ),
            audit_period_end: field(
                &typed.listing,
                "audit_period_end",
                l.map(|l| date(lang, l.audit_period_end))
                    .unwrap_or_default(),
            ),
            errors,
        }
    });
    let d = c.data_location.as_ref().map(|l| &l.location);
    let location_form = p.can_change.then(|| {
        let errors = typed
            .location
            .as_ref()
            .map(|(_, e)| e.clone())
            .unwrap_or_default();
        LocationFormView {
            action: format!("/engagements/{id}/cloud-service/data-location#location-form"),
            storage_countries: field(
                &typed.location,
                "storage_countries",
                d.map(|d| codes(&d.storage_countries)).unwrap_or_default(),
            ),
            storage_regions: field(
                &typed.location,
                "storage_regions",
                d.map(|d| d.storage_regions.clone()).unwrap_or_default(),
            ),
            backup_countries: field(
                &typed.location,
                "backup_countries",
                d.map(|d| codes(&d.backup_countries)).unwrap_or_default(),
            ),
            support_countries: field(
                &typed.location,
                "support_countries",
                d.map(|d| codes(&d.support_countries)).unwrap_or_default(),
            ),
            governing_law: field(
                &typed.location,
                "governing_law",
                d.map(|d| d.governing_law.clone()).unwrap_or_default(),
            ),
            court: field(
                &typed.location,
                "court",
                d.map(|d| d.court.clone()).unwrap_or_default(),
            ),
            errors,
        }
    });
    CloudServiceView {
        engagement_href: format!("/engagements/{id}"),
        engagement_title: p.engagement_title.clone(),
        flags: c
            .flags
            .iter()
            .map(|f| f.message().get(lang).to_string())
            .collect(),
        refusal,
        listing,
        location,
        history,
        listing_form,
        location_form,
    }
}

async fn load_service(
    state: &AppState,
    who: &Staff,
    id: String,
) -> AppResult<services::CloudServicePage> {
    let today = state.today();
    let actor = who.actor.clone();
    crate::db::read(&state.pool, move |conn| {
        services::page(conn, &actor, &id, today)
    })
    .await
}

fn render_service(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    p: &services::CloudServicePage,
    view: &CloudServiceView,
) -> String {
    render_titled(
        state,
        req,
        who,
        (Page::CloudService, "cloud_service.title"),
        &p.engagement_title,
        view,
    )
}

async fn show_service(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let p = load_service(&state, &who, id.clone()).await?;
    let view = service_view(&state, who.lang(), &id, &p, TypedService::default(), None);
    Ok(html(
        StatusCode::OK,
        render_service(&state, &req, &who, &p, &view),
    ))
}

async fn service_again(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: String,
    typed: (bool, Vec<(&'static str, String)>),
    err: AppError,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let (status, errors, refusal) = super::refused_form(err, lang)?;
    let p = load_service(state, who, id.clone()).await?;
    let (is_listing, values) = typed;
    let typed = if is_listing {
        TypedService {
            listing: Some((values, errors)),
            location: None,
        }
    } else {
        TypedService {
            listing: None,
            location: Some((values, errors)),
        }
    };
    let view = service_view(state, lang, &id, &p, typed, refusal);
    Ok(html(status, render_service(state, req, who, &p, &view)))
}

fn typed_fields(form: &Form, names: &[&'static str]) -> Vec<(&'static str, String)> {
    names
        .iter()
        .map(|n| (*n, form.get(n).unwrap_or_default().to_string()))
        .collect()
}

async fn record_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let typed = typed_fields(
        &form,
        &[
            "list",
            "registration_number",
            "listed_service",
            "regions",
            "audit_period_end",
        ],
    );
    let body = IsmapListingBody {
        list: form.text("list"),
        registration_number: form.text("registration_number"),
        listed_service: form.text("listed_service"),
        regions: Some(
            form.get("regions")
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect(),
        ),
        audit_period_end: form.text("audit_period_end"),
    };
    let actor = who.actor.clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        let today = tx.today();
        services::record_listing(tx, &actor, &target, body, today)
    })
    .await;
    match recorded {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/cloud-service?done=listing_recorded"
        ))),
        Err(e) => service_again(&state, &req, &who, id, (true, typed), e).await,
    }
}

async fn record_location(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let typed = typed_fields(
        &form,
        &[
            "storage_countries",
            "storage_regions",
            "backup_countries",
            "support_countries",
            "governing_law",
            "court",
        ],
    );
    let body = DataLocationBody {
        storage_countries: typed_codes(form.get("storage_countries")),
        storage_regions: form.text("storage_regions"),
        backup_countries: typed_codes(form.get("backup_countries")),
        support_countries: typed_codes(form.get("support_countries")),
        governing_law: form.text("governing_law"),
        court: form.text("court"),
    };
    let actor = who.actor.clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        let today = tx.today();
        services::record_location(tx, &actor, &target, body, today)
    })
    .await;
    match recorded {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/cloud-service?done=location_recorded"
        ))),
        Err(e) => service_again(&state, &req, &who, id, (false, typed), e).await,
    }
}

// ---------------------------------------------------------------------------------------
// Subprocessors

fn subprocessor_change_view(
    state: &AppState,
    lang: Lang,
    id: &str,
    p: &subs::SubprocessorsPage,
    c: &subs::ChangeResponse,
) -> SubprocessorChangeView {
    let pages = &state.staff;
    let name = |user: &str| {
        p.names
            .get(user)
            .cloned()
            .unwrap_or_else(|| user.to_string())
    };
    let at = |t| super::checks::moment(state, lang, t);
    let reported = if c.reporter_kind == "vendor" {
        fill(
            pages,
            lang,
            "subprocessors.reported_by_vendor",
            &[("who", &c.reported_by), ("at", &at(c.reported_at))],
        )
    } else {
        fill(
            pages,
            lang,
            "subprocessors.reported_by_staff",
            &[("who", &name(&c.reported_by)), ("at", &at(c.reported_at))],
        )
    };
    let acknowledged = match (&c.acknowledged_by, c.acknowledged_at) {
        (Some(by), Some(when)) => fill(
            pages,
            lang,
            "subprocessors.acknowledged",
            &[("who", &name(by)), ("at", &at(when))],
        ),
        _ => text(pages, lang, "subprocessors.not_acknowledged"),
    };
    SubprocessorChangeView {
        kind: text(pages, lang, &format!("subprocessors.kinds.{}", c.kind)),
        name: c.name.clone(),
        purpose: c.purpose.clone(),
        country: c.country.clone(),
        effective_on: date(lang, c.effective_on),
        reported,
        acknowledged,
        acknowledge_action: (c.acknowledged_by.is_none() && p.can_acknowledge).then(|| {
            format!(
                "/engagements/{id}/subprocessors/changes/{}/acknowledgement",
                c.id
            )
        }),
    }
}

fn subprocessors_view(
    state: &AppState,
    lang: Lang,
    id: &str,
    p: &subs::SubprocessorsPage,
    typed: Option<(&subs::ChangeBody, Vec<FormError>)>,
    refusal: Option<String>,
) -> SubprocessorsView {
    let pages = &state.staff;
    let (body, errors) = match typed {
        Some((b, e)) => (b.clone(), e),
        None => (subs::ChangeBody::default(), vec![]),
    };
    let error = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    };
    let field = |value: &Option<String>, name: &str| FieldView {
        value: value.clone().unwrap_or_default(),
        error: error(name),
    };
    let chosen = body.kind.clone().unwrap_or_default();
    SubprocessorsView {
        engagement_href: format!("/engagements/{id}"),
        engagement_title: p.engagement_title.clone(),
        refusal,
        current: p
            .list
            .current
            .iter()
            .map(|s| SubprocessorRowView {
                name: s.name.clone(),
                purpose: s.purpose.clone(),
                country: s.country.as_str().to_string(),
                since: date(lang, s.since),
            })
            .collect(),
        pending: p
            .list
            .pending
            .iter()
            .map(|c| subprocessor_change_view(state, lang, id, p, c))
            .collect(),
        history: p
            .list
            .history
            .iter()
            .rev()
            .map(|c| SubprocessorChangeView {
                acknowledge_action: None,
                ..subprocessor_change_view(state, lang, id, p, c)
            })
            .collect(),
        link_action: p
            .can_change
            .then(|| format!("/engagements/{id}/subprocessors/link")),
        form: p.can_change.then(|| SubprocessorFormView {
            action: format!("/engagements/{id}/subprocessors/changes#record"),
            kinds: ChangeKind::ALL
                .iter()
                .map(|k| OptionView {
                    value: k.to_string(),
                    label: text(pages, lang, &format!("subprocessors.kinds.{k}")),
                    selected: chosen == k.as_str(),
                })
                .collect(),
            kind_error: error("kind"),
            name: field(&body.name, "name"),
            purpose: field(&body.purpose, "purpose"),
            country: field(&body.country, "country"),
            effective_on: field(&body.effective_on, "effective_on"),
            errors: errors.clone(),
        }),
    }
}

async fn load_subprocessors(
    state: &AppState,
    who: &Staff,
    id: String,
) -> AppResult<subs::SubprocessorsPage> {
    let actor = who.actor.clone();
    crate::db::read(&state.pool, move |conn| subs::page(conn, &actor, &id)).await
}

fn render_subprocessors(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    p: &subs::SubprocessorsPage,
    view: &SubprocessorsView,
) -> String {
    let lang = who.lang();
    let title = fill(
        &state.staff,
        lang,
        "subprocessors.title",
        &[("title", &p.engagement_title)],
    );
    let mut chrome = who.chrome(title, Some(Section::Engagements));
    chrome.flash = query_value(req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    state.staff.render(Page::Subprocessors, &chrome, view)
}

async fn show_subprocessors(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let p = load_subprocessors(&state, &who, id.clone()).await?;
    let view = subprocessors_view(&state, who.lang(), &id, &p, None, None);
    Ok(html(
        StatusCode::OK,
        render_subprocessors(&state, &req, &who, &p, &view),
    ))
}

async fn subprocessors_again(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: String,
    typed: Option<subs::ChangeBody>,
    err: AppError,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let (status, errors, refusal) = super::refused_form(err, lang)?;
    let p = load_subprocessors(state, who, id.clone()).await?;
    let typed = typed.as_ref().map(|b| (b, errors));
    let view = subprocessors_view(state, lang, &id, &p, typed, refusal);
    Ok(html(
        status,
        render_subprocessors(state, req, who, &p, &view),
    ))
}

async fn record_subprocessor(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let body = subs::ChangeBody {
        kind: form.text("kind"),
        name: form.text("name"),
        purpose: form.text("purpose"),
        country: form.text("country"),
        effective_on: form.text("effective_on"),
    };
    let typed = body.clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        subs::record(tx, &actor, &target, body)
    })
    .await;
    match recorded {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/subprocessors?done=subprocessor_recorded"
        ))),
        Err(e) => subprocessors_again(&state, &req, &who, id, Some(typed), e).await,
    }
}

async fn acknowledge_subprocessor(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    path: web::Path<(String, String)>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let (id, change_id) = path.into_inner();
    let actor = who.actor.clone();
    let target = id.clone();
    let done = crate::app::write(&state, who.origin(), move |tx| {
        subs::acknowledge(tx, &actor, &target, &change_id)
    })
    .await;
    match done {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/subprocessors?done=subprocessor_acknowledged"
        ))),
        Err(e) => subprocessors_again(&state, &req, &who, id, None, e).await,
    }
}

async fn send_subprocessor_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let actor = who.actor.clone();
    let app = state.get_ref().clone();
    let target = id.clone();
    let sent = crate::app::write(&state, who.origin(), move |tx| {
        subs::send_link(tx, &app, &actor, &target)
    })
    .await;
    state.wake_delivery.notify();
    match sent {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}/subprocessors?done=subprocessor_link_sent"
        ))),
        Err(e) => subprocessors_again(&state, &req, &who, id, None, e).await,
    }
}

/// How many subprocessors, and how many reported changes await acknowledgement, in words
/// (on the engagement's page).
pub fn subprocessors_standing(
    pages: &StaffPages,
    lang: Lang,
    s: &subs::SubprocessorsResponse,
) -> String {
    let count = s.current.len().to_string();
    let mut out = fill(
        pages,
        lang,
        "cloud_summary.subprocessors_standing",
        &[("count", &count)],
    );
    if !s.pending.is_empty() {
        out.push_str(&fill(
            pages,
            lang,
            "cloud_summary.subprocessors_pending",
            &[("count", &s.pending.len().to_string())],
        ));
    }
    out
}

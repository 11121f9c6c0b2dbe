//! A cloud service's pages: its configuration records, the form for a
//! new version, its approval, and two versions side by side. Each calls the
//! `app::configuration` function the API calls.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::my_work::date;
use super::{add, fill, html, query_value, see_other, Form, Staff};
use crate::app::configuration::{
    self as use_case, ConfigurationBody, ConfigurationPage, ConfigurationResponse, VersionResponse,
    VersionState,
};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::configuration::{Configuration, Field};
use crate::staff::views::cloud::{
    ApproveFormView, CompareFormView, ComparedFieldView, ComparisonView, ConfigFieldView,
    ConfigFormView, ConfigurationView, ShownVersionView, VersionRowView,
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

fn render(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    p: &ConfigurationPage,
    view: &ConfigurationView,
) -> String {
    let lang = who.lang();
    let title = fill(
        &state.staff,
        lang,
        "configuration.title",
        &[("title", &p.engagement_title)],
    );
    let mut chrome = who.chrome(title, Some(Section::Engagements));
    chrome.flash = query_value(req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    state.staff.render(Page::Configuration, &chrome, view)
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

//! The administration pages: staff accounts and divisions (R-5.5.3.3/4, for ROLE-CISO,
//! ROLE-DCISO and ROLE-CSM), the access review (R-5.5.3.6: seen by those who oversee it,
//! confirmed by ROLE-CSM), and the email outbox and the reminder sweep (ROLE-CSM). Each
//! calls the same use case as the API's route; `policy::access` decides who may.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};

use super::engagements::role_label;
use super::my_work::date;
use super::{add, encode, fill, form_errors, html, query_value, see_other, Form, Staff};
use crate::app::access_review::{AccessReviewResponse, ConfirmRequest};
use crate::app::users::{CreateUserRequest, UpdateUserRequest, UserQuery, UserResponse};
use crate::app::{self, divisions::CreateDivisionRequest};
use crate::db;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::access::{Action, Actor};
use crate::staff::views::admin::*;
use crate::staff::views::{Fact, FormError, OptionView};
use crate::staff::{Page, Section, StaffPages};
use crate::sweep::SweepReport;

/// What the administration forms did (`?done=<what>`), said from `flash_admin.<what>`.
pub const FLASHES: [&str; 8] = [
    "user_updated",
    "deactivated",
    "reactivated",
    "second_factor_reset",
    "division_registered",
    "review_confirmed",
    "retried",
    "swept",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    const GET_POST: &str = "GET, HEAD, POST";
    add(
        cfg,
        "GET, HEAD",
        web::resource("/admin/users").route(web::get().to(users_page)),
    );
    // Before `/admin/users/{id}`, which would take `new` for an id.
    add(
        cfg,
        GET_POST,
        web::resource("/admin/users/new")
            .route(web::get().to(new_user_page))
            .route(web::post().to(create_user)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/admin/users/{id}")
            .route(web::get().to(user_page))
            .route(web::post().to(change_user)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/admin/divisions")
            .route(web::get().to(divisions_page))
            .route(web::post().to(register_division)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/admin/access-review")
            .route(web::get().to(access_review_page))
            .route(web::post().to(confirm_access_review)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/admin/outbox").route(web::get().to(outbox_page)),
    );
    add(
        cfg,
        "POST",
        web::resource("/admin/outbox/{id}/retry").route(web::post().to(retry_message)),
    );
    add(
        cfg,
        GET_POST,
        web::resource("/admin/sweep")
            .route(web::get().to(sweep_page))
            .route(web::post().to(run_sweep)),
    );
}

/// The menu entry of these pages, for those who may administer accounts or operate the
/// reminders.
pub fn may_open(actor: &Actor) -> Option<Section> {
    (actor.permits(&Action::Administer).is_ok() || actor.permits(&Action::OperateReminders).is_ok())
        .then_some(Section::Admin)
}

/// The pages' own menu: those the person may open, when there is more than one.
fn tabs(pages: &StaffPages, lang: Lang, actor: &Actor, current: &str) -> Vec<TabView> {
    let may = |a: Action| actor.permits(&a).is_ok();
    let tabs: Vec<TabView> = [
        ("/admin/users", "admin.tab_users", may(Action::Administer)),
        (
            "/admin/divisions",
            "admin.tab_divisions",
            may(Action::Administer),
        ),
        (
            "/admin/access-review",
            "admin.tab_review",
            may(Action::SeeAccessReview),
        ),
        (
            "/admin/outbox",
            "admin.tab_outbox",
            may(Action::OperateReminders),
        ),
        (
            "/admin/sweep",
            "admin.tab_sweep",
            may(Action::OperateReminders),
        ),
    ]
    .into_iter()
    .filter(|(_, _, allowed)| *allowed)
    .map(|(href, key, _)| TabView {
        href: href.to_string(),
        label: pages.text(lang, key).to_string(),
        current: href == current,
    })
    .collect();
    if tabs.len() > 1 {
        tabs
    } else {
        vec![]
    }
}

/// An instant as the pages show it: the era date and the time in the organisation's
/// time zone.
pub fn date_time(state: &AppState, lang: Lang, at: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        date(lang, state.config.date_at(at)),
        at.with_timezone(&state.config.time_zone).format("%H:%M")
    )
}

fn page_chrome(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    title_key: &str,
) -> crate::staff::Chrome {
    let lang = who.lang();
    let mut chrome = who.chrome(state.staff.text(lang, title_key), Some(Section::Admin));
    chrome.flash = query_value(req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    chrome
}

fn status_of(errors: &[FormError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Every value of a field sent more than once (checkboxes), blank ones left out.
fn all(form: &Form, name: &str) -> Vec<String> {
    form.all(name)
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The errors of a refused account or division form, one per input: a role's or a
/// division's own error (`roles[2]`) is shown on its group.
fn field_errors(err: &AppError, lang: Lang) -> Option<Vec<FormError>> {
    let mut errors: Vec<FormError> = Vec::new();
    for e in form_errors(err, lang)? {
        let field = ["roles", "divisions"]
            .into_iter()
            .find(|g| e.field.starts_with(g))
            .map(str::to_string)
            .unwrap_or(e.field);
        if !errors.iter().any(|x| x.field == field) {
            errors.push(FormError {
                field,
                message: e.message,
            });
        }
    }
    Some(errors)
}

fn error_of(errors: &[FormError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

// ---------------------------------------------------------------------------------------
// Staff accounts

fn user_row_parts(
    state: &AppState,
    lang: Lang,
    u: &UserResponse,
) -> (Vec<String>, Vec<String>, String, String, String) {
    let pages = &state.staff;
    let roles = u
        .roles
        .iter()
        .map(|r| role_label(pages, lang, *r))
        .collect();
    let divisions = u.divisions.iter().map(|d| d.name.clone()).collect();
    let (state_label, state_key) = if u.active {
        (pages.text(lang, "admin_users.active"), "active")
    } else {
        (pages.text(lang, "admin_users.inactive"), "inactive")
    };
    let last = u
        .last_sign_in_at
        .map(|t| date_time(state, lang, t))
        .unwrap_or_else(|| pages.text(lang, "admin_users.never").to_string());
    (
        roles,
        divisions,
        state_label.to_string(),
        state_key.to_string(),
        last,
    )
}

async fn users_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Administer)?;
    let lang = who.lang();
    let pages = &state.staff;
    let active = query_value(&req, "active");
    let query = UserQuery {
        division: query_value(&req, "division"),
        role: query_value(&req, "role"),
        active: match active.as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        },
    };
    let asked = query.clone();
    let (result, divisions) = db::read(&state.pool, move |conn| {
        Ok((app::users::list(conn, &asked), db::divisions::list(conn)?))
    })
    .await?;
    let (members, errors) = match result {
        Ok(m) => (m, vec![]),
        Err(e) => match form_errors(&e, lang) {
            Some(errors) => (vec![], errors),
            None => return Err(e),
        },
    };
    let rows: Vec<UserRowView> = members
        .iter()
        .map(|u| {
            let (roles, divisions, state_label, state_key, last) = user_row_parts(&state, lang, u);
            UserRowView {
                href: format!("/admin/users/{}", u.id),
                name: u.display_name.clone(),
                email: u.email.clone(),
                roles,
                divisions,
                state: state_label,
                state_key,
                last_sign_in: last,
                second_factor: pages
                    .text(
                        lang,
                        if u.second_factor {
                            "admin_users.second_factor_on"
                        } else {
                            "admin_users.second_factor_off"
                        },
                    )
                    .to_string(),
            }
        })
        .collect();
    let view = UsersView {
        tabs: tabs(pages, lang, &who.actor, "/admin/users"),
        roles: Role::ALL
            .iter()
            .map(|r| OptionView {
                value: r.as_str().to_string(),
                label: role_label(pages, lang, *r),
                selected: query.role.as_deref() == Some(r.as_str()),
            })
            .collect(),
        divisions: divisions
            .iter()
            .map(|d| OptionView {
                value: d.code.clone(),
                label: d.name.clone(),
                selected: query.division.as_deref() == Some(d.code.as_str()),
            })
            .collect(),
        actives: [
            ("true", "admin_users.active"),
            ("false", "admin_users.inactive"),
        ]
        .into_iter()
        .map(|(value, key)| OptionView {
            value: value.to_string(),
            label: pages.text(lang, key).to_string(),
            selected: active.as_deref() == Some(value),
        })
        .collect(),
        summary: fill(
            pages,
            lang,
            "admin_users.count",
            &[("count", &rows.len().to_string())],
        ),
        rows,
        errors,
    };
    let chrome = page_chrome(&state, &req, &who, "admin_users.title");
    Ok(html(
        status_of(&view.errors),
        pages.render(Page::AdminUsers, &chrome, &view),
    ))
}

/// What an account form shows: as typed, or as the account stands.
struct Typed<'a> {
    email: &'a str,
    display_name: &'a str,
    roles: &'a [String],
    divisions: &'a [String],
}

/// The account fields with the typed roles and divisions ticked, and each field's error.
fn account_fields(
    pages: &StaffPages,
    lang: Lang,
    typed: Typed,
    divisions: &[(String, String)],
    errors: &[FormError],
) -> AccountFieldsView {
    AccountFieldsView {
        email: typed.email.to_string(),
        display_name: typed.display_name.to_string(),
        roles: Role::ALL
            .iter()
            .map(|r| CheckboxView {
                id: format!("role-{}", r.as_str()),
                value: r.as_str().to_string(),
                label: format!("{}（{}）", role_label(pages, lang, *r), r.rule_id()),
                checked: typed.roles.iter().any(|x| x == r.as_str()),
            })
            .collect(),
        divisions: divisions
            .iter()
            .map(|(code, name)| CheckboxView {
                id: format!("division-{code}"),
                value: code.clone(),
                label: format!("{name}（{code}）"),
                checked: typed.divisions.contains(code),
            })
            .collect(),
        email_error: error_of(errors, "email"),
        display_name_error: error_of(errors, "display_name"),
        roles_error: error_of(errors, "roles"),
        divisions_error: error_of(errors, "divisions"),
    }
}

async fn division_choices(state: &AppState) -> AppResult<Vec<(String, String)>> {
    let list = db::read(&state.pool, db::divisions::list).await?;
    Ok(list.into_iter().map(|d| (d.code, d.name)).collect())
}

async fn new_user_form(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    form: Option<&Form>,
    errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let divisions = division_choices(state).await?;
    let text = |name: &str| {
        form.and_then(|f| f.get(name))
            .unwrap_or_default()
            .to_string()
    };
    let view = UserNewView {
        tabs: tabs(pages, lang, &who.actor, "/admin/users"),
        action: "/admin/users/new".into(),
        fields: account_fields(
            pages,
            lang,
            Typed {
                email: &text("email"),
                display_name: &text("display_name"),
                roles: &form.map(|f| all(f, "roles")).unwrap_or_default(),
                divisions: &form.map(|f| all(f, "divisions")).unwrap_or_default(),
            },
            &divisions,
            &errors,
        ),
        errors,
    };
    let chrome = page_chrome(state, req, who, "admin_users.new_title");
    Ok(html(
        status,
        pages.render(Page::AdminUserNew, &chrome, &view),
    ))
}

async fn new_user_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Administer)?;
    new_user_form(&state, &req, &who, None, vec![], StatusCode::OK).await
}

/// Registers a staff member (R-5.5.3.3). The one-time password is shown in the answer
/// itself, this once: it is not kept, so it cannot be shown after a redirect.
async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let lang = who.lang();
    let body = CreateUserRequest {
        email: form.text("email"),
        display_name: form.text("display_name"),
        roles: all(&form, "roles"),
        divisions: all(&form, "divisions"),
    };
    let actor = who.actor.clone();
    let created = app::write(&state, who.origin(), move |tx| {
        app::users::create(tx, &actor, body)
    })
    .await;
    match created {
        Ok(created) => {
            let pages = &state.staff;
            let view = UserCreatedView {
                tabs: tabs(pages, lang, &who.actor, "/admin/users"),
                name: created.user.display_name.clone(),
                email: created.user.email.clone(),
                password: created.one_time_password,
                user_href: format!("/admin/users/{}", created.user.id),
            };
            let chrome = page_chrome(&state, &req, &who, "admin_users.created_title");
            let mut answer = html(
                StatusCode::OK,
                pages.render(Page::AdminUserCreated, &chrome, &view),
            );
            // The password is in this page only: no cache keeps it.
            answer.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            Ok(answer)
        }
        Err(AppError::Conflict { message, .. }) => {
            let errors = vec![FormError {
                field: "email".into(),
                message: message.get(lang).to_string(),
            }];
            new_user_form(
                &state,
                &req,
                &who,
                Some(&form),
                errors,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => match field_errors(&e, lang) {
            Some(errors) => {
                new_user_form(
                    &state,
                    &req,
                    &who,
                    Some(&form),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => Err(e),
        },
    }
}

/// What the account page shows besides the member: the form as typed, its errors, a
/// refusal and the confirmations' errors.
#[derive(Default)]
struct UserPageState<'a> {
    form: Option<&'a Form>,
    errors: Vec<FormError>,
    refusal: Option<String>,
    deactivate_error: Option<String>,
    reset_error: Option<String>,
}

async fn render_user(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: &str,
    shown: UserPageState<'_>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let target = id.to_string();
    let member = db::read(&state.pool, move |conn| app::users::member(conn, &target)).await?;
    let member = UserResponse::from(member);
    let divisions = division_choices(state).await?;
    let (roles, member_divisions, state_label, _, last) = user_row_parts(state, lang, &member);
    let t = |key: &str| pages.text(lang, key).to_string();
    let facts = vec![
        Fact {
            label: t("admin_users.email"),
            value: member.email.clone(),
        },
        Fact {
            label: t("admin_users.roles"),
            value: roles.join("、"),
        },
        Fact {
            label: t("admin_users.divisions"),
            value: member_divisions.join("、"),
        },
        Fact {
            label: t("admin_users.state"),
            value: state_label,
        },
        Fact {
            label: t("admin_users.col_last_sign_in"),
            value: last,
        },
        Fact {
            label: t("admin_users.col_second_factor"),
            value: t(if member.second_factor {
                "admin_users.second_factor_on"
            } else {
                "admin_users.second_factor_off"
            }),
        },
    ];
    let (display_name, chosen_roles, chosen_divisions, language) = match shown.form {
        Some(f) if f.get("intent") == Some("update") => (
            f.get("display_name").unwrap_or_default().to_string(),
            all(f, "roles"),
            all(f, "divisions"),
            f.get("language").unwrap_or_default().to_string(),
        ),
        _ => (
            member.display_name.clone(),
            member
                .roles
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            member.divisions.iter().map(|d| d.code.clone()).collect(),
            member.language.clone(),
        ),
    };
    let own = member.id == who.actor.user_id;
    let view = UserView {
        tabs: tabs(pages, lang, &who.actor, "/admin/users"),
        facts,
        action: format!("/admin/users/{}", member.id),
        fields: account_fields(
            pages,
            lang,
            Typed {
                email: &member.email,
                display_name: &display_name,
                roles: &chosen_roles,
                divisions: &chosen_divisions,
            },
            &divisions,
            &shown.errors,
        ),
        languages: [("ja", "admin_users.lang_ja"), ("en", "admin_users.lang_en")]
            .into_iter()
            .map(|(value, key)| CheckboxView {
                id: format!("language-{value}"),
                value: value.to_string(),
                label: t(key),
                checked: language == value,
            })
            .collect(),
        errors: shown.errors,
        refusal: shown
            .refusal
            .or_else(|| own.then(|| t("admin_users.own_account"))),
        active: member.active,
        own,
        second_factor: member.second_factor,
        deactivate_error: shown.deactivate_error,
        reset_error: shown.reset_error,
    };
    let mut chrome = page_chrome(state, req, who, "admin_users.title");
    chrome.title = member.display_name.clone();
    Ok(html(status, pages.render(Page::AdminUser, &chrome, &view)))
}

async fn user_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Administer)?;
    render_user(
        &state,
        &req,
        &who,
        &id,
        UserPageState::default(),
        StatusCode::OK,
    )
    .await
}

/// One of the account page's forms, by its `intent`: a change of roles, divisions and
/// language; removing access or giving it back; resetting the second factor. The last
/// two are confirmed with a tick first.
async fn change_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    who.actor.authorize(Action::Administer)?;
    let id = id.into_inner();
    let lang = who.lang();
    let intent = form.get("intent").unwrap_or_default().to_string();
    let confirmed = form.get("confirm") == Some("yes");
    let unconfirmed = || {
        Some(
            state
                .staff
                .text(lang, "admin_users.confirm_needed")
                .to_string(),
        )
    };
    let (done, unconfirmed_state) = match intent.as_str() {
        "update" => ("user_updated", None),
        "deactivate" if !confirmed => (
            "",
            Some(UserPageState {
                deactivate_error: unconfirmed(),
                ..Default::default()
            }),
        ),
        "deactivate" => ("deactivated", None),
        "reactivate" => ("reactivated", None),
        "reset_second_factor" if !confirmed => (
            "",
            Some(UserPageState {
                reset_error: unconfirmed(),
                ..Default::default()
            }),
        ),
        "reset_second_factor" => ("second_factor_reset", None),
        _ => return Err(AppError::Malformed(vec![])),
    };
    if let Some(shown) = unconfirmed_state {
        return render_user(
            &state,
            &req,
            &who,
            &id,
            shown,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let actor = who.actor.clone();
    let target = id.clone();
    let result = if intent == "reset_second_factor" {
        app::write(&state, who.origin(), move |tx| {
            app::users::reset_second_factor(tx, Some(&actor), &target)
        })
        .await
    } else {
        let body = match intent.as_str() {
            "update" => UpdateUserRequest {
                display_name: Some(form.get("display_name").unwrap_or_default().to_string()),
                active: None,
                roles: Some(all(&form, "roles")),
                divisions: Some(all(&form, "divisions")),
                language: form.text("language"),
            },
            _ => UpdateUserRequest {
                display_name: None,
                active: Some(intent == "reactivate"),
                roles: None,
                divisions: None,
                language: None,
            },
        };
        app::write(&state, who.origin(), move |tx| {
            app::users::update(tx, &actor, &target, body)
        })
        .await
    };
    let refused = |message: String| UserPageState {
        refusal: Some(message),
        ..Default::default()
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?done={done}"))),
        Err(AppError::Forbidden(m)) => {
            let shown = refused(m.get(lang).to_string());
            render_user(&state, &req, &who, &id, shown, StatusCode::FORBIDDEN).await
        }
        Err(AppError::Conflict { message, .. }) => {
            let shown = refused(message.get(lang).to_string());
            render_user(&state, &req, &who, &id, shown, StatusCode::CONFLICT).await
        }
        Err(e) if intent == "update" => match field_errors(&e, lang) {
            Some(errors) => {
                let shown = UserPageState {
                    form: Some(&form),
                    errors,
                    ..Default::default()
                };
                render_user(
                    &state,
                    &req,
                    &who,
                    &id,
                    shown,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => Err(e),
        },
        // Deactivating one's own account is a field error of the use case: a refusal here.
        Err(e) => match form_errors(&e, lang) {
            Some(errors) => {
                let message = errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" ");
                let shown = refused(message);
                render_user(
                    &state,
                    &req,
                    &who,
                    &id,
                    shown,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => Err(e),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Divisions

async fn render_divisions(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    form: Option<&Form>,
    errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let rows = division_choices(state)
        .await?
        .into_iter()
        .map(|(code, name)| DivisionRowView { code, name })
        .collect();
    let text = |name: &str| {
        form.and_then(|f| f.get(name))
            .unwrap_or_default()
            .to_string()
    };
    let view = DivisionsView {
        tabs: tabs(pages, lang, &who.actor, "/admin/divisions"),
        rows,
        action: "/admin/divisions".into(),
        code: text("code"),
        name: text("name"),
        code_error: error_of(&errors, "code"),
        name_error: error_of(&errors, "name"),
        errors,
    };
    let chrome = page_chrome(state, req, who, "admin_divisions.title");
    Ok(html(
        status,
        pages.render(Page::AdminDivisions, &chrome, &view),
    ))
}

async fn divisions_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Administer)?;
    render_divisions(&state, &req, &who, None, vec![], StatusCode::OK).await
}

async fn register_division(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let lang = who.lang();
    let body = CreateDivisionRequest {
        code: form.text("code"),
        name: form.text("name"),
    };
    let actor = who.actor.clone();
    let registered = app::write(&state, who.origin(), move |tx| {
        app::divisions::register(tx, &actor, &body)
    })
    .await;
    match registered {
        Ok(_) => Ok(see_other("/admin/divisions?done=division_registered")),
        Err(AppError::Conflict { message, .. }) => {
            let errors = vec![FormError {
                field: "code".into(),
                message: message.get(lang).to_string(),
            }];
            render_divisions(
                &state,
                &req,
                &who,
                Some(&form),
                errors,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => match form_errors(&e, lang) {
            Some(errors) => {
                render_divisions(
                    &state,
                    &req,
                    &who,
                    Some(&form),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => Err(e),
        },
    }
}

// ---------------------------------------------------------------------------------------
// The access review (R-5.5.3.6)

fn access_review_view(
    state: &AppState,
    lang: Lang,
    actor: &Actor,
    review: &AccessReviewResponse,
    note: String,
    errors: Vec<FormError>,
) -> AccessReviewView {
    let pages = &state.staff;
    let due = date(lang, review.due_on);
    let may_open_accounts = actor.permits(&Action::Administer).is_ok();
    let rows = review
        .users
        .iter()
        .map(|r| {
            let (roles, divisions, state_label, state_key, last) =
                user_row_parts(state, lang, &r.user);
            let tokens = r
                .tokens
                .iter()
                .map(|t| match t.last_used_at {
                    Some(used) => fill(
                        pages,
                        lang,
                        "admin_review.token",
                        &[("name", &t.name), ("used", &date_time(state, lang, used))],
                    ),
                    None => fill(
                        pages,
                        lang,
                        "admin_review.token_unused",
                        &[("name", &t.name)],
                    ),
                })
                .collect();
            ReviewRowView {
                href: if may_open_accounts {
                    format!("/admin/users/{}", r.user.id)
                } else {
                    String::new()
                },
                name: r.user.display_name.clone(),
                email: r.user.email.clone(),
                roles,
                divisions,
                state: state_label,
                state_key,
                last_sign_in: last,
                tokens,
                stale: r.unused_since.filter(|_| r.stale).map(|since| {
                    fill(
                        pages,
                        lang,
                        "admin_review.stale",
                        &[("date", &date(lang, state.config.date_at(since)))],
                    )
                }),
            }
        })
        .collect();
    AccessReviewView {
        tabs: tabs(pages, lang, actor, "/admin/access-review"),
        due: fill(
            pages,
            lang,
            if review.overdue {
                "admin_review.overdue"
            } else {
                "admin_review.due"
            },
            &[("date", &due)],
        ),
        overdue: review.overdue,
        last: review.last_review.as_ref().map(|l| {
            fill(
                pages,
                lang,
                "admin_review.last",
                &[
                    ("date", &date(lang, state.config.date_at(l.confirmed_at))),
                    ("name", &l.confirmed_by_name),
                ],
            )
        }),
        last_note: review
            .last_review
            .as_ref()
            .filter(|l| !l.note.is_empty())
            .map(|l| fill(pages, lang, "admin_review.last_note", &[("note", &l.note)])),
        counts: fill(
            pages,
            lang,
            "admin_review.counts",
            &[
                ("users", &review.users.len().to_string()),
                ("stale", &review.stale_count.to_string()),
                ("days", &review.stale_after_days.to_string()),
            ],
        ),
        rows,
        can_confirm: actor.permits(&Action::ConfirmAccessReview).is_ok(),
        action: "/admin/access-review".into(),
        note,
        note_error: error_of(&errors, "note"),
        errors,
    }
}

async fn render_access_review(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    note: String,
    errors: Vec<FormError>,
) -> AppResult<HttpResponse> {
    let config = state.config.clone();
    let now = state.now();
    let actor = who.actor.clone();
    let review = db::read(&state.pool, move |conn| {
        app::access_review::show(conn, &config, &actor, now)
    })
    .await?;
    let view = access_review_view(state, who.lang(), &who.actor, &review, note, errors);
    let chrome = page_chrome(state, req, who, "admin_review.title");
    Ok(html(
        status_of(&view.errors),
        state.staff.render(Page::AccessReview, &chrome, &view),
    ))
}

async fn access_review_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    render_access_review(&state, &req, &who, String::new(), vec![]).await
}

async fn confirm_access_review(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let config = state.config.clone();
    let actor = who.actor.clone();
    let body = ConfirmRequest {
        note: form.text("note"),
    };
    let confirmed = app::write(&state, who.origin(), move |tx| {
        app::access_review::confirm(tx, &config, &actor, body)
    })
    .await;
    match confirmed {
        Ok(_) => Ok(see_other("/admin/access-review?done=review_confirmed")),
        Err(e) => match form_errors(&e, who.lang()) {
            Some(errors) => {
                let note = form.get("note").unwrap_or_default().to_string();
                render_access_review(&state, &req, &who, note, errors).await
            }
            None => Err(e),
        },
    }
}

// ---------------------------------------------------------------------------------------
// The email outbox

/// The outbox's address with `status` and `page`.
fn outbox_href(status: Option<&str>, page: Option<i64>) -> String {
    let mut query = Vec::new();
    if let Some(s) = status.filter(|s| !s.is_empty()) {
        query.push(format!("status={}", encode(s)));
    }
    if let Some(p) = page {
        query.push(format!("page={p}"));
    }
    if query.is_empty() {
        "/admin/outbox".into()
    } else {
        format!("/admin/outbox?{}", query.join("&"))
    }
}

async fn render_outbox(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    refusal: Option<String>,
    status_code: StatusCode,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let query = app::outbox::OutboxQuery {
        status: query_value(req, "status"),
        page: query_value(req, "page"),
        per_page: query_value(req, "per_page"),
    };
    let asked = query.clone();
    let actor = who.actor.clone();
    let result = db::read(&state.pool, move |conn| {
        Ok(app::outbox::list(conn, &actor, &asked))
    })
    .await?;
    let (page, errors) = match result {
        Ok(p) => (Some(p), vec![]),
        Err(e) => match form_errors(&e, lang) {
            Some(errors) => (None, errors),
            None => return Err(e),
        },
    };
    let chosen = query.status.as_deref().filter(|s| !s.is_empty());
    let rows = page
        .as_ref()
        .map(|p| {
            p.items
                .iter()
                .map(|m| OutboxRowView {
                    to: m.to_email.clone(),
                    subject: m.subject.clone(),
                    status: pages
                        .text_opt(lang, &format!("admin_outbox.statuses.{}", m.status))
                        .unwrap_or(&m.status)
                        .to_string(),
                    status_key: m.status.clone(),
                    attempts: m.attempts.to_string(),
                    created: date_time(state, lang, m.created_at),
                    next_attempt: if m.status == "pending" {
                        fill(
                            pages,
                            lang,
                            "admin_outbox.next_at",
                            &[("at", &date_time(state, lang, m.next_attempt_at))],
                        )
                    } else {
                        String::new()
                    },
                    sent: m
                        .sent_at
                        .map(|at| {
                            fill(
                                pages,
                                lang,
                                "admin_outbox.sent_at",
                                &[("at", &date_time(state, lang, at))],
                            )
                        })
                        .unwrap_or_default(),
                    last_error: m.last_error.clone().unwrap_or_default(),
                    retry: (m.status == "failed").then(|| format!("/admin/outbox/{}/retry", m.id)),
                })
                .collect()
        })
        .unwrap_or_default();
    let pager = page
        .as_ref()
        .map(|p| {
            super::pager(pages, lang, (p.page, p.per_page, p.counted()), |n| {
                outbox_href(chosen, Some(n))
            })
        })
        .unwrap_or_default();
    let view = OutboxView {
        tabs: tabs(pages, lang, &who.actor, "/admin/outbox"),
        statuses: app::outbox::STATUSES
            .iter()
            .map(|s| OptionView {
                value: s.to_string(),
                label: pages
                    .text(lang, &format!("admin_outbox.statuses.{s}"))
                    .to_string(),
                selected: chosen == Some(*s),
            })
            .collect(),
        rows,
        pager,
        refusal,
        errors,
    };
    let status_code = if view.errors.is_empty() {
        status_code
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chrome = page_chrome(state, req, who, "admin_outbox.title");
    Ok(html(
        status_code,
        pages.render(Page::Outbox, &chrome, &view),
    ))
}

async fn outbox_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    render_outbox(&state, &req, &who, None, StatusCode::OK).await
}

/// Sends a failed message again; a message that is not failed (sent meanwhile) is a
/// refusal shown on the outbox.
async fn retry_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let actor = who.actor.clone();
    let id = id.into_inner();
    let retried = app::write(&state, who.origin(), move |tx| {
        app::outbox::retry(tx, &actor, &id)
    })
    .await;
    match retried {
        Ok(()) => {
            state.wake_delivery.notify();
            Ok(see_other("/admin/outbox?done=retried"))
        }
        Err(AppError::Conflict { message, .. }) => {
            render_outbox(
                &state,
                &req,
                &who,
                Some(message.get(who.lang()).to_string()),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// The reminder sweep run by hand

/// A reminder's stage (`before_14`, `due`, `overdue_2`, `escalation_30`, `end_90`) in
/// words.
fn stage_label(pages: &StaffPages, lang: Lang, stage: &str) -> String {
    let (name, number) = match stage.rsplit_once('_') {
        Some((name, n)) if n.chars().all(|c| c.is_ascii_digit()) => (name, n),
        _ => (stage, ""),
    };
    match pages.text_opt(lang, &format!("admin_sweep.stages.{name}")) {
        Some(_) => fill(
            pages,
            lang,
            &format!("admin_sweep.stages.{name}"),
            &[("days", number), ("n", number)],
        ),
        None => stage.to_string(),
    }
}

fn counts(pages: &StaffPages, lang: Lang, values: &[(&str, String)]) -> Vec<Fact> {
    values
        .iter()
        .map(|(key, value)| Fact {
            label: pages.text(lang, &format!("admin_sweep.{key}")).to_string(),
            value: value.clone(),
        })
        .collect()
}

fn report_facts(pages: &StaffPages, lang: Lang, r: &SweepReport) -> Vec<Fact> {
    let n = |v: usize| {
        fill(
            pages,
            lang,
            "admin_sweep.count",
            &[("count", &v.to_string())],
        )
    };
    let mut values = vec![
        ("today", date(lang, r.today)),
        ("deadlines", n(r.deadlines)),
        ("engagements_ended", n(r.engagements_ended)),
        ("checks_issued", n(r.checks_issued)),
        ("vendors_reminded", n(r.vendors_reminded)),
        ("reminders", n(r.reminders)),
    ];
    // A dry run writes no message, so it has no count of them to tell.
    if !r.dry_run {
        values.push(("attestations_sent", n(r.attestations_sent)));
        values.push(("messages", n(r.messages)));
    }
    counts(pages, lang, &values)
}

async fn sweep_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::OperateReminders)?;
    let lang = who.lang();
    let pages = &state.staff;
    let report = if query_value(&req, "dry_run").is_some() {
        Some(
            crate::scheduler::Sweeper::of(&state)
                .by_hand(who.origin(), &who.actor, true)
                .await?,
        )
    } else {
        None
    };
    // What the run just made is carried by the redirect's address: numbers and a date
    // only, so nothing but them can be shown.
    let number = |name: &str| {
        query_value(&req, name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let result = (query_value(&req, "done").as_deref() == Some("swept"))
        .then(|| {
            query_value(&req, "today")
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .map(|today| SweepReport {
                    today,
                    dry_run: false,
                    engagements_ended: number("engagements_ended"),
                    attestations_sent: number("attestations_sent"),
                    checks_issued: number("checks_issued"),
                    vendors_reminded: number("vendors_reminded"),
                    deadlines: number("deadlines"),
                    reminders: number("reminders"),
                    messages: number("messages"),
                    planned: vec![],
                })
        })
        .flatten();
    // Reminders go to people: named as the accounts page names them.
    let names: std::collections::HashMap<String, String> = match &report {
        Some(_) => db::read(&state.pool, |conn| {
            app::users::list(conn, &UserQuery::default())
        })
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect(),
        None => Default::default(),
    };
    let planned = report
        .as_ref()
        .map(|r| {
            r.planned
                .iter()
                .map(|p| PlannedView {
                    recipient: names.get(&p.recipient_user_id).cloned().unwrap_or_default(),
                    email: p.recipient_email.clone(),
                    what: p.what.get(lang).to_string(),
                    engagement: p.engagement_title.clone().unwrap_or_default(),
                    due_on: date(lang, p.due_on),
                    stage: stage_label(pages, lang, &p.stage),
                    escalated: pages
                        .text(
                            lang,
                            if p.escalated {
                                "admin_sweep.escalated_yes"
                            } else {
                                "admin_sweep.escalated_no"
                            },
                        )
                        .to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let view = SweepView {
        tabs: tabs(pages, lang, &who.actor, "/admin/sweep"),
        action: "/admin/sweep".into(),
        plan: report.as_ref().map(|r| report_facts(pages, lang, r)),
        planned,
        result: result.as_ref().map(|r| report_facts(pages, lang, r)),
    };
    let chrome = page_chrome(&state, &req, &who, "admin_sweep.title");
    Ok(html(
        StatusCode::OK,
        pages.render(Page::Sweep, &chrome, &view),
    ))
}

async fn run_sweep(state: web::Data<AppState>, who: Staff, form: Form) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let r = crate::scheduler::Sweeper::of(&state)
        .by_hand(who.origin(), &who.actor, false)
        .await?;
    Ok(see_other(&format!(
        "/admin/sweep?done=swept&today={}&deadlines={}&engagements_ended={}&attestations_sent={}&checks_issued={}&vendors_reminded={}&reminders={}&messages={}",
        r.today,
        r.deadlines,
        r.engagements_ended,
        r.attestations_sent,
        r.checks_issued,
        r.vendors_reminded,
        r.reminders,
        r.messages
    )))
}

//! The register's forms: vendors with their contacts, an engagement (new or changed),
//! its information items, and the register's CSV export. Each form calls the
//! use case the API calls; a refused field is shown beside its input with everything
//! typed kept.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::engagements::{kind_label, level_label};
use super::{add, form_errors, html, query_value, see_other, Form, Staff};
use crate::app::engagements::{self as engagements_case, EngagementBody};
use crate::app::information_items::{self as items_case, ItemBody};
use crate::app::vendors::{self as vendors_case, ContactBody, VendorBody, VendorQuery};
use crate::domain::date::parse_typed_date;
use crate::domain::{ClassificationLevel, EngagementKind, Ismap};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::policy::access::Action;
use crate::staff::views::register::{
    ContactFields, ContactRow, EngagementFormView, FieldView, ItemFormView, VendorFormView,
    VendorRowView, VendorView, VendorsView,
};
use crate::staff::views::{FormError, OptionView};
use crate::staff::{Page, Section, StaffPages};

/// Contact rows the vendor form offers (a vendor has at most 20; three fit most).
const CONTACT_ROWS: usize = 3;

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD",
        web::resource("/vendors").route(web::get().to(vendors)),
    );
    add(
        cfg,
        "GET, HEAD, POST",
        web::resource("/vendors/new")
            .route(web::get().to(new_vendor_page))
            .route(web::post().to(register_vendor)),
    );
    add(
        cfg,
        "GET, HEAD, POST",
        web::resource("/vendors/{id}")
            .route(web::get().to(vendor_page))
            .route(web::post().to(change_vendor)),
    );
    // Before `/engagements/{id}`, which would take `new` and `export.csv` for ids.
    add(
        cfg,
        "GET, HEAD, POST",
        web::resource("/engagements/new")
            .route(web::get().to(new_engagement_page))
            .route(web::post().to(register_engagement)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/export.csv").route(web::get().to(export)),
    );
    add(
        cfg,
        "GET, HEAD, POST",
        web::resource("/engagements/{id}/edit")
            .route(web::get().to(edit_engagement_page))
            .route(web::post().to(change_engagement)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/items").route(web::post().to(add_item)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/items/{item_id}/delete")
            .route(web::post().to(remove_item)),
    );
}

/// The field's error among a use case's refusals (by the API's field name).
fn error_of(errors: &[FieldError], field: &str, lang: Lang) -> Option<String> {
    errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.get(lang).to_string())
        .next()
}

fn field(value: Option<&str>, errors: &[FieldError], name: &str, lang: Lang) -> FieldView {
    FieldView {
        value: value.unwrap_or("").to_string(),
        error: error_of(errors, name, lang),
    }
}

/// The fields a refusal names, or the refusal itself when it is not about fields.
fn refused_fields(err: AppError) -> Result<Vec<FieldError>, AppError> {
    match err {
        AppError::Validation(fields) => Ok(fields),
        other => Err(other),
    }
}

/// A date as typed in a form (`2027/4/1`, `令和9年4月1日`, `R9.4.1`, full-width digits),
/// as the use case takes it; `Err` with the typed text when it is no date.
fn typed_date(form: &Form, name: &str) -> Result<Option<String>, String> {
    match form.text(name) {
        None => Ok(None),
        Some(text) => parse_typed_date(&text)
            .map(|d| Some(d.to_string()))
            .map_err(|_| text),
    }
}

fn date_refusal(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invalid",
        Msg::new(
            "日付は 2027/4/1、令和9年4月1日、R9.4.1 のように入力してください",
            "Type a date like 2027/4/1, 令和9年4月1日 or R9.4.1",
        ),
    )
}

// ---------------------------------------------------------------------------------------
// Vendors

async fn vendors(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let query = VendorQuery {
        q: query_value(&req, "q"),
        page: query_value(&req, "page"),
        per_page: None,
    };
    let asked = query.clone();
    let found = crate::db::read(&state.pool, move |conn| vendors_case::list(conn, &asked)).await?;
    let q = query.q.clone().unwrap_or_default();
    let view = VendorsView {
        rows: found
            .items
            .iter()
            .map(|v| VendorRowView {
                href: format!("/vendors/{}", v.id),
                name: v.legal_name.clone(),
                corporate_number: v.corporate_number.clone().unwrap_or_default(),
                address: v.address.clone(),
                contacts: v
                    .contacts
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join("、"),
            })
            .collect(),
        pager: super::pager(
            pages,
            lang,
            (found.page, found.per_page, found.counted()),
            |p| format!("/vendors?q={}&page={p}", super::encode(&q)),
        ),
        q: query.q.unwrap_or_default(),
        can_register: who.actor.permits(&Action::Register).is_ok(),
    };
    let chrome = who.chrome(pages.text(lang, "vendors.title"), Some(Section::Vendors));
    Ok(html(
        StatusCode::OK,
        pages.render(Page::Vendors, &chrome, &view),
    ))
}

/// The vendor form with what was typed (`form`) and the refusals (`errors`).
fn vendor_form(
    pages: &StaffPages,
    lang: Lang,
    action: String,
    body: &VendorBody,
    errors: &[FieldError],
    submit_key: &str,
) -> VendorFormView {
    let contacts = body.contacts.clone().unwrap_or_default();
    let rows = contacts.len().max(CONTACT_ROWS);
    VendorFormView {
        action,
        legal_name: field(body.legal_name.as_deref(), errors, "legal_name", lang),
        corporate_number: field(
            body.corporate_number.as_ref().and_then(|c| c.as_deref()),
            errors,
            "corporate_number",
            lang,
        ),
        address: field(body.address.as_deref(), errors, "address", lang),
        contacts: (0..rows)
            .map(|i| {
                let c = contacts.get(i);
                let of = |f: fn(&ContactBody) -> Option<&str>, name: &str| {
                    field(
                        c.and_then(f),
                        errors,
                        &format!("contacts[{i}].{name}"),
                        lang,
                    )
                };
                ContactFields {
                    number: i + 1,
                    name_id: format!("contacts_{i}_name"),
                    email_id: format!("contacts_{i}_email"),
                    phone_id: format!("contacts_{i}_phone"),
                    name: of(|c| c.name.as_deref(), "name"),
                    email: of(|c| c.email.as_deref(), "email"),
                    phone: of(|c| c.phone.as_deref(), "phone"),
                }
            })
            .collect(),
        contacts_error: error_of(errors, "contacts", lang),
        errors: summary(pages, errors, lang, VENDOR_LABELS),
        submit: pages.text(lang, submit_key).to_string(),
    }
}

/// The error summary: each refusal named by its field's label (a list of seven
/// "required" says nothing), linked to the field.
fn summary(
    pages: &StaffPages,
    errors: &[FieldError],
    lang: Lang,
    labels: &[(&str, &str)],
) -> Vec<FormError> {
    let mut summary = form_errors(&AppError::Validation(errors.to_vec()), lang).unwrap_or_default();
    for (line, error) in summary.iter_mut().zip(errors) {
        // `contacts[1].email` is labelled "連絡先 2 メールアドレス".
        let (key, number) = match error.field.strip_prefix("contacts[") {
            Some(rest) => {
                let (i, name) = rest.split_once("].").unwrap_or((rest, ""));
                let n = i.parse::<usize>().map(|i| i + 1).unwrap_or(0);
                (format!("contacts.{name}"), Some(n))
            }
            None => (error.field.clone(), None),
        };
        let Some((_, label_key)) = labels.iter().find(|(f, _)| *f == key) else {
            continue;
        };
        let label = match number {
            Some(n) => format!(
                "{} {n} {}",
                pages.text(lang, "vendor_form.contact"),
                pages.text(lang, label_key)
            ),
            None => pages.text(lang, label_key).to_string(),
        };
        let separator = match lang {
            Lang::Ja => "：",
            Lang::En => ": ",
        };
        line.message = format!("{label}{separator}{}", line.message);
    }
    summary
}

const VENDOR_LABELS: &[(&str, &str)] = &[
    ("legal_name", "vendor_form.legal_name"),
    ("corporate_number", "vendor_form.corporate_number"),
    ("address", "vendor_form.address"),
    ("contacts", "vendor_form.contacts"),
    ("contacts.name", "vendor_form.contact_name"),
    ("contacts.email", "vendor_form.contact_email"),
    ("contacts.phone", "vendor_form.contact_phone"),
];

const ENGAGEMENT_LABELS: &[(&str, &str)] = &[
    ("kind", "engagement_form.kind"),
    ("title", "engagement_form.title"),
    ("division", "engagement_form.division"),
    ("responsible_user_id", "engagement_form.responsible"),
    ("vendor_id", "engagement_form.vendor"),
    ("parent_id", "engagement_form.parent"),
    ("scope", "engagement_form.scope"),
    ("starts_on", "engagement_form.starts_on"),
    ("ends_on", "engagement_form.ends_on"),
    ("cloud", "engagement_form.cloud"),
    ("cloud.service_name", "engagement_form.cloud_service_name"),
    ("cloud.data_location", "engagement_form.cloud_data_location"),
    ("cloud.ismap", "engagement_form.cloud_ismap"),
];

const ITEM_LABELS: &[(&str, &str)] = &[
    ("name", "item_form.name"),
    ("description", "item_form.description"),
    ("level", "item_form.level"),
];

/// The vendor form's fields as the use case takes them: blank contact rows left out.
fn vendor_body(form: &Form) -> VendorBody {
    let contacts = (0..20)
        .filter_map(|i| {
            let get = |name: &str| form.text(&format!("contacts_{i}_{name}"));
            let (name, email, phone) = (get("name"), get("email"), get("phone"));
            (name.is_some() || email.is_some() || phone.is_some()).then_some(ContactBody {
                name,
                email,
                phone,
            })
        })
        .collect();
    VendorBody {
        legal_name: form.text("legal_name"),
        corporate_number: Some(form.text("corporate_number")),
        address: form.text("address"),
        contacts: Some(contacts),
    }
}

async fn new_vendor_page(state: web::Data<AppState>, who: Staff) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Register)?;
    let lang = who.lang();
    let pages = &state.staff;
    let view = vendor_form(
        pages,
        lang,
        "/vendors/new".into(),
        &VendorBody::default(),
        &[],
        "vendor_form.register",
    );
    let chrome = who.chrome(pages.text(lang, "vendors.new"), Some(Section::Vendors));
    Ok(html(
        StatusCode::OK,
        pages.render(Page::VendorNew, &chrome, &view),
    ))
}

async fn register_vendor(
    state: web::Data<AppState>,
    who: Staff,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let body = vendor_body(&form);
    let actor = who.actor.clone();
    let typed = vendor_body(&form);
    let result = crate::app::write(&state, who.origin(), move |tx| {
        vendors_case::register(tx, &actor, &body)
    })
    .await;
    match result {
        Ok(v) => Ok(see_other(&format!("/vendors/{}?done=registered", v.id))),
        Err(e) => {
            let errors = refused_fields(e)?;
            let lang = who.lang();
            let pages = &state.staff;
            let view = vendor_form(
                pages,
                lang,
                "/vendors/new".into(),
                &typed,
                &errors,
                "vendor_form.register",
            );
            let chrome = who.chrome(pages.text(lang, "vendors.new"), Some(Section::Vendors));
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages.render(Page::VendorNew, &chrome, &view),
            ))
        }
    }
}

fn vendor_view(
    state: &AppState,
    who: &Staff,
    v: &vendors_case::VendorResponse,
    typed: Option<(&VendorBody, &[FieldError])>,
) -> VendorView {
    let lang = who.lang();
    let stored = VendorBody {
        legal_name: Some(v.legal_name.clone()),
        corporate_number: Some(v.corporate_number.clone()),
        address: Some(v.address.clone()),
        contacts: Some(
            v.contacts
                .iter()
                .map(|c| ContactBody {
                    name: Some(c.name.clone()),
                    email: Some(c.email.clone()),
                    phone: c.phone.clone(),
                })
                .collect(),
        ),
    };
    let (body, errors) = typed.unwrap_or((&stored, &[]));
    VendorView {
        name: v.legal_name.clone(),
        corporate_number: v.corporate_number.clone().unwrap_or_default(),
        address: v.address.clone(),
        contacts: v
            .contacts
            .iter()
            .map(|c| ContactRow {
                name: c.name.clone(),
                email: c.email.clone(),
                phone: c.phone.clone().unwrap_or_default(),
            })
            .collect(),
        engagements_href: format!("/engagements?vendor={}", v.id),
        form: who.actor.permits(&Action::Register).is_ok().then(|| {
            vendor_form(
                &state.staff,
                lang,
                format!("/vendors/{}", v.id),
                body,
                errors,
                "vendor_form.save",
            )
        }),
    }
}

async fn vendor_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let v = crate::db::read(&state.pool, move |conn| vendors_case::read(conn, &id)).await?;
    let lang = who.lang();
    let view = vendor_view(&state, &who, &v, None);
    let mut chrome = who.chrome(v.legal_name.clone(), Some(Section::Vendors));
    chrome.flash = query_value(&req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    Ok(html(
        StatusCode::OK,
        state.staff.render(Page::Vendor, &chrome, &view),
    ))
}

async fn change_vendor(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let body = vendor_body(&form);
    let typed = vendor_body(&form);
    let actor = who.actor.clone();
    let target = id.clone();
    let result = crate::app::write(&state, who.origin(), move |tx| {
        vendors_case::update(tx, &actor, &target, body)
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/vendors/{id}?done=saved"))),
        Err(e) => {
            let errors = refused_fields(e)?;
            let v = crate::db::read(&state.pool, move |conn| vendors_case::read(conn, &id)).await?;
            let view = vendor_view(&state, &who, &v, Some((&typed, &errors)));
            let chrome = who.chrome(v.legal_name.clone(), Some(Section::Vendors));
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                state.staff.render(Page::Vendor, &chrome, &view),
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Engagements

/// The engagement form's fields as typed, and the dates that are no dates.
struct TypedEngagement {
    body: EngagementBody,
    bad_dates: Vec<FieldError>,
    /// The dates as typed, shown again as they were.
    starts_on: Option<String>,
    ends_on: Option<String>,
}

fn engagement_body(form: &Form, new: bool) -> TypedEngagement {
    let mut bad_dates = Vec::new();
    let mut date = |name: &str| match typed_date(form, name) {
        Ok(d) => d,
        Err(_) => {
            bad_dates.push(date_refusal(name));
            None
        }
    };
    let (starts_on, ends_on) = (date("starts_on"), date("ends_on"));
    let kind = if new { form.text("kind") } else { None };
    let cloud = match kind.as_deref() {
        // Only a cloud service carries the cloud fields; they are refused on others.
        Some("cloud_service") => Some(Some(crate::app::engagements::CloudBody {
            service_name: form.text("cloud_service_name"),
            data_location: form.text("cloud_data_location"),
            ismap: form.text("cloud_ismap"),
        })),
        _ => None,
    };
    TypedEngagement {
        body: EngagementBody {
            kind,
            title: form.text("title"),
            division: if new { form.text("division") } else { None },
            responsible_user_id: form.text("responsible_user_id"),
            vendor_id: form.text("vendor_id"),
            scope: form.text("scope"),
            starts_on,
            ends_on,
            // Only a new outsourcing names a parent; blank means none.
            parent_id: if new {
                form.text("parent_id").map(Some)
            } else {
                None
            },
            cloud,
        },
        bad_dates,
        starts_on: form.text("starts_on"),
        ends_on: form.text("ends_on"),
    }
}

fn choices(
    options: impl IntoIterator<Item = (String, String)>,
    chosen: Option<&str>,
) -> Vec<OptionView> {
    options
        .into_iter()
        .map(|(value, label)| OptionView {
            selected: chosen == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

/// The form, filled with `typed` (or what is stored) and the refusals.
#[allow(clippy::too_many_arguments)]
fn engagement_form(
    pages: &StaffPages,
    lang: Lang,
    c: &engagements_case::FormChoices,
    action: String,
    cancel: String,
    new: bool,
    typed: &TypedEngagement,
    errors: &[FieldError],
) -> EngagementFormView {
    let b = &typed.body;
    let cloud = b.cloud.clone().flatten().unwrap_or_default();
    let err = |name: &str| error_of(errors, name, lang);
    EngagementFormView {
        action,
        new,
        kinds: choices(
            EngagementKind::ALL
                .iter()
                .map(|k| (k.as_str().to_string(), kind_label(pages, lang, *k))),
            b.kind.as_deref(),
        ),
        kind_error: err("kind"),
        title: field(b.title.as_deref(), errors, "title", lang),
        divisions: choices(
            c.divisions.iter().map(|d| (d.code.clone(), d.name.clone())),
            b.division.as_deref(),
        ),
        division_error: err("division"),
        responsibles: choices(
            c.people.iter().map(|(m, divisions)| {
                (
                    m.user.id.clone(),
                    format!("{}（{}）", m.user.display_name, divisions.join("・")),
                )
            }),
            b.responsible_user_id.as_deref(),
        ),
        responsible_error: err("responsible_user_id"),
        vendors: choices(c.vendors.iter().cloned(), b.vendor_id.as_deref()),
        vendor_error: err("vendor_id"),
        parents: choices(
            c.parents.iter().cloned(),
            b.parent_id.clone().flatten().as_deref(),
        ),
        parent_error: err("parent_id"),
        scope: field(b.scope.as_deref(), errors, "scope", lang),
        starts_on: field(typed.starts_on.as_deref(), errors, "starts_on", lang),
        ends_on: field(typed.ends_on.as_deref(), errors, "ends_on", lang),
        cloud_service_name: field(
            cloud.service_name.as_deref(),
            errors,
            "cloud.service_name",
            lang,
        ),
        cloud_data_location: field(
            cloud.data_location.as_deref(),
            errors,
            "cloud.data_location",
            lang,
        ),
        ismaps: choices(
            Ismap::ALL.iter().map(|i| {
                (
                    i.as_str().to_string(),
                    pages
                        .text(lang, &format!("ismap.{}", i.as_str()))
                        .to_string(),
                )
            }),
            cloud.ismap.as_deref(),
        ),
        ismap_error: err("cloud.ismap").or_else(|| err("cloud")),
        errors: summary(pages, errors, lang, ENGAGEMENT_LABELS),
        cancel,
        submit: pages
            .text(
                lang,
                if new {
                    "engagement_form.register"
                } else {
                    "engagement_form.save"
                },
            )
            .to_string(),
    }
}

async fn choices_for(state: &AppState, who: &Staff) -> AppResult<engagements_case::FormChoices> {
    let actor = who.actor.clone();
    crate::db::read(&state.pool, move |conn| {
        engagements_case::form_choices(conn, &actor)
    })
    .await
}

async fn new_engagement_page(state: web::Data<AppState>, who: Staff) -> AppResult<HttpResponse> {
    let c = choices_for(&state, &who).await?;
    let lang = who.lang();
    let pages = &state.staff;
    let typed = TypedEngagement {
        body: EngagementBody {
            division: (c.divisions.len() == 1).then(|| c.divisions[0].code.clone()),
            ..EngagementBody::default()
        },
        bad_dates: vec![],
        starts_on: None,
        ends_on: None,
    };
    let view = engagement_form(
        pages,
        lang,
        &c,
        "/engagements/new".into(),
        "/engagements".into(),
        true,
        &typed,
        &[],
    );
    let chrome = who.chrome(
        pages.text(lang, "engagement_form.new_title"),
        Some(Section::Engagements),
    );
    Ok(html(
        StatusCode::OK,
        pages.render(Page::EngagementForm, &chrome, &view),
    ))
}

/// Dates that are no dates are refused here, with the other fields' refusals of the use
/// case (which is asked anyway, so that one answer lists every problem).
fn with_bad_dates(
    result: AppResult<()>,
    bad_dates: &[FieldError],
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = match result {
        Ok(()) => vec![],
        Err(e) => refused_fields(e)?,
    };
    errors.retain(|e| !bad_dates.iter().any(|b| b.field == e.field));
    errors.extend(bad_dates.iter().cloned());
    Ok(errors)
}

async fn register_engagement(
    state: web::Data<AppState>,
    who: Staff,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let typed = engagement_body(&form, true);
    let body = typed.body.clone();
    let actor = who.actor.clone();
    let has_bad_dates = !typed.bad_dates.is_empty();
    let result = crate::app::write(&state, who.origin(), move |tx| {
        let made = engagements_case::register(tx, &actor, &body)?;
        if has_bad_dates {
            // A date that is no date is a refusal too: nothing is kept.
            tx.leave_unchanged();
        }
        Ok(made)
    })
    .await;
    let result = match result {
        Ok(e) if !has_bad_dates => {
            return Ok(see_other(&format!("/engagements/{}?done=registered", e.id)))
        }
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    };
    let errors = with_bad_dates(result, &typed.bad_dates)?;
    let c = choices_for(&state, &who).await?;
    let lang = who.lang();
    let pages = &state.staff;
    let view = engagement_form(
        pages,
        lang,
        &c,
        "/engagements/new".into(),
        "/engagements".into(),
        true,
        &typed,
        &errors,
    );
    let chrome = who.chrome(
        pages.text(lang, "engagement_form.new_title"),
        Some(Section::Engagements),
    );
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        pages.render(Page::EngagementForm, &chrome, &view),
    ))
}

async fn edit_engagement_page(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let c = choices_for(&state, &who).await?;
    let actor = who.actor.clone();
    let target = id.clone();
    let e = crate::app::read(&state, who.origin(), move |tx| {
        engagements_case::read(tx, &actor, &target)
    })
    .await?;
    let typed = TypedEngagement {
        body: EngagementBody {
            title: Some(e.title.clone()),
            responsible_user_id: Some(e.responsible_user_id.clone()),
            vendor_id: Some(e.vendor_id.clone()),
            scope: Some(e.scope.clone()),
            ..EngagementBody::default()
        },
        bad_dates: vec![],
        starts_on: Some(e.starts_on.format("%Y/%-m/%-d").to_string()),
        ends_on: Some(e.ends_on.format("%Y/%-m/%-d").to_string()),
    };
    let lang = who.lang();
    let pages = &state.staff;
    let view = engagement_form(
        pages,
        lang,
        &c,
        format!("/engagements/{id}/edit"),
        format!("/engagements/{id}"),
        false,
        &typed,
        &[],
    );
    let chrome = who.chrome(e.title.clone(), Some(Section::Engagements));
    Ok(html(
        StatusCode::OK,
        pages.render(Page::EngagementForm, &chrome, &view),
    ))
}

async fn change_engagement(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let typed = engagement_body(&form, false);
    let body = typed.body.clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let has_bad_dates = !typed.bad_dates.is_empty();
    let result = crate::app::write(&state, who.origin(), move |tx| {
        engagements_case::update(tx, &actor, &target, body)?;
        if has_bad_dates {
            tx.leave_unchanged();
        }
        Ok(())
    })
    .await;
    if result.is_ok() && !has_bad_dates {
        return Ok(see_other(&format!("/engagements/{id}?done=saved")));
    }
    let errors = with_bad_dates(result, &typed.bad_dates)?;
    let c = choices_for(&state, &who).await?;
    let lang = who.lang();
    let pages = &state.staff;
    let view = engagement_form(
        pages,
        lang,
        &c,
        format!("/engagements/{id}/edit"),
        format!("/engagements/{id}"),
        false,
        &typed,
        &errors,
    );
    let chrome = who.chrome(
        pages.text(lang, "engagement_form.edit"),
        Some(Section::Engagements),
    );
    Ok(html(
        StatusCode::UNPROCESSABLE_ENTITY,
        pages.render(Page::EngagementForm, &chrome, &view),
    ))
}

// ---------------------------------------------------------------------------------------
// Information items

/// The item form: empty, or with what was typed and the refusals.
pub fn item_form(
    pages: &StaffPages,
    lang: Lang,
    engagement_id: &str,
    typed: Option<(&ItemBody, &[FieldError])>,
) -> ItemFormView {
    let empty = ItemBody::default();
    let (b, errors) = typed.unwrap_or((&empty, &[]));
    ItemFormView {
        action: format!("/engagements/{engagement_id}/items#items"),
        name: field(b.name.as_deref(), errors, "name", lang),
        description: field(b.description.as_deref(), errors, "description", lang),
        levels: choices(
            [
                ClassificationLevel::L1,
                ClassificationLevel::L2,
                ClassificationLevel::L3,
            ]
            .into_iter()
            .map(|l| {
                (
                    l.as_str().to_string(),
                    format!(
                        "{} {}",
                        level_label(pages, lang, Some(l)),
                        pages.text(lang, &format!("item_form.level_{}", l.as_str()))
                    ),
                )
            }),
            b.level.as_deref(),
        ),
        level_error: error_of(errors, "level", lang),
        provided: b.provided_to_vendor.unwrap_or(false),
        errors: summary(pages, errors, lang, ITEM_LABELS),
    }
}

async fn add_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let body = ItemBody {
        name: form.text("name"),
        description: form.text("description"),
        level: form.text("level"),
        provided_to_vendor: Some(form.get("provided_to_vendor") == Some("true")),
    };
    let typed = body.clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let result = crate::app::write(&state, who.origin(), move |tx| {
        items_case::add(tx, &actor, &target, &body)
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/engagements/{id}?done=item_added#items"
        ))),
        Err(AppError::Validation(errors)) => {
            let lang = who.lang();
            let form = item_form(&state.staff, lang, &id, Some((&typed, &errors)));
            super::engagements::show_with(
                &state,
                &req,
                &who,
                &id,
                None,
                Some(form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ (AppError::Conflict { .. } | AppError::Gate { .. })) => {
            let lang = who.lang();
            let message = match &e {
                AppError::Conflict { message, .. } | AppError::Gate { message, .. } => {
                    message.clone()
                }
                _ => Msg::new("", ""),
            };
            let errors = vec![FieldError::new("name", "refused", message)];
            let form = item_form(&state.staff, lang, &id, Some((&typed, &errors)));
            super::engagements::show_with(
                &state,
                &req,
                &who,
                &id,
                None,
                Some(form),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn remove_item(
    state: web::Data<AppState>,
    who: Staff,
    path: web::Path<(String, String)>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let (id, item_id) = path.into_inner();
    let actor = who.actor.clone();
    let target = id.clone();
    crate::app::write(&state, who.origin(), move |tx| {
        items_case::remove(tx, &actor, &target, &item_id)
    })
    .await?;
    Ok(see_other(&format!(
        "/engagements/{id}?done=item_removed#items"
    )))
}

// ---------------------------------------------------------------------------------------
// The register's export

/// The register filtered as on its page, every row, as CSV (the export is recorded,
///
async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
) -> AppResult<HttpResponse> {
    let query = super::engagements::engagement_query(&req);
    crate::http::api::engagements::csv_answer(&state, &who.actor, who.origin(), query).await
}

//! Keeping a record from the engagement's page (a selection, the statement that no ward
//! information is handed over, an L1 cloud service's terms accepted, supervision, the
//! CISO's inspection): the same use case as `POST /api/v1/engagements/{id}/records`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::engagements::show_view;
use super::{add, form_errors, see_other, Form, Staff};
use crate::app::engagements::Overview;
use crate::app::records::{self as use_case, RecordBody};
use crate::domain::{EngagementKind, Role};
use crate::error::AppResult;
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::access::Actor;
use crate::policy::records::{
    InspectionMethod, InspectionResult, RecordDetails, RecordKind, SupervisionMethod,
};
use crate::staff::views::records::{
    FileLinkView, RecordFieldView, RecordFormView, RecordRowView, RecordsView,
};
use crate::staff::views::{FormError, OptionView};
use crate::staff::StaffPages;

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/records").route(web::post().to(record)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/records/{record_id}/files").route(web::post().to(attach)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}/records/{record_id}/files/{file_id}")
            .route(web::get().to(file)),
    );
}

/// What the person typed into one kind's form, to show again with its errors.
pub struct Typed {
    kind: RecordKind,
    body: RecordBody,
    errors: Vec<FormError>,
    refusal: Option<String>,
}

fn text(pages: &StaffPages, lang: Lang, key: &str) -> String {
    pages.text(lang, key).to_string()
}

/// The record's fields in words, one line each.
fn lines(pages: &StaffPages, lang: Lang, details: &RecordDetails) -> Vec<String> {
    let t = |key: &str| text(pages, lang, key);
    let line = |key: &str, value: &str| format!("{}: {value}", t(&format!("records.fields.{key}")));
    match details {
        RecordDetails::Selection {
            basis,
            ismap_listing,
            data_location,
        } => {
            let mut out = vec![line("basis", basis)];
            out.extend(ismap_listing.as_deref().map(|v| line("ismap_listing", v)));
            out.extend(data_location.as_deref().map(|v| line("data_location", v)));
            out
        }
        RecordDetails::NoInformation { statement } => vec![line("statement", statement)],
        RecordDetails::TermsAccepted { name, version, url } => vec![
            line("terms_name", name),
            line("terms_version", version),
            line("terms_url", url),
        ],
        RecordDetails::Supervision { method, observed } => vec![
            line(
                "method",
                &t(&format!("records.supervision_methods.{}", method.as_str())),
            ),
            line("observed", observed),
        ],
        RecordDetails::Inspection {
            method,
            place,
            result,
            findings,
        } => {
            let mut out = vec![
                line(
                    "method",
                    &t(&format!("records.inspection_methods.{}", method.as_str())),
                ),
                line("place", place),
                line(
                    "result",
                    &t(&format!("records.inspection_results.{}", result.as_str())),
                ),
            ];
            if !findings.is_empty() {
                out.push(line("findings", findings));
            }
            out
        }
    }
}

/// Whether `actor` may keep a record of `kind` here (the page offers only those forms;
/// the use case decides again).
fn may_record(actor: &Actor, o: &Overview, kind: RecordKind) -> bool {
    match kind {
        // The CISO, or anyone who sees it (as the viewer of its page does) and names the
        // CISO who delegated.
        RecordKind::Inspection => actor.roles.contains(&Role::Ciso) || !o.cisos.is_empty(),
        // Nothing is stated as handed over once an item is registered.
        RecordKind::NoInformation => o.can_change && o.items.is_empty(),
        _ => o.can_change,
    }
}

fn options<T: Copy>(
    pages: &StaffPages,
    lang: Lang,
    prefix: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
    chosen: &str,
) -> Vec<OptionView> {
    all.iter()
        .map(|v| OptionView {
            value: as_str(*v).to_string(),
            label: text(pages, lang, &format!("{prefix}.{}", as_str(*v))),
            selected: as_str(*v) == chosen,
        })
        .collect()
}

struct FieldSpec {
    name: &'static str,
    required: bool,
    control: &'static str,
    hint: bool,
    options: Vec<OptionView>,
    value: String,
}

fn spec(name: &'static str, required: bool, control: &'static str, hint: bool) -> FieldSpec {
    FieldSpec {
        name,
        required,
        control,
        hint,
        options: vec![],
        value: String::new(),
    }
}

/// One kind's form, blank or as typed.
fn form(
    pages: &StaffPages,
    lang: Lang,
    id: &str,
    o: &Overview,
    actor: &Actor,
    kind: RecordKind,
    typed: Option<&Typed>,
) -> RecordFormView {
    let t = |key: &str| text(pages, lang, key);
    let body = typed.map(|t| &t.body);
    let value = |v: Option<&Option<String>>| v.and_then(|v| v.clone()).unwrap_or_default();
    let cloud = o.engagement.kind == EngagementKind::CloudService;
    let mut fields = vec![FieldSpec {
        value: value(body.map(|b| &b.occurred_on)),
        ..spec("occurred_on", true, "text", true)
    }];
    match kind {
        RecordKind::Selection => {
            fields.push(FieldSpec {
                value: value(body.map(|b| &b.basis)),
                ..spec("basis", true, "textarea", true)
            });
            if cloud {
                // What the engagement says of the service, as a start.
                let ismap = o
                    .engagement
                    .cloud
                    .as_ref()
                    .map(|c| {
                        format!(
                            "{}（{}）",
                            t(&format!("ismap.{}", c.ismap.as_str())),
                            c.service_name
                        )
                    })
                    .unwrap_or_default();
                let location = o
                    .engagement
                    .cloud
                    .as_ref()
                    .map(|c| c.data_location.clone())
                    .unwrap_or_default();
                fields.push(FieldSpec {
                    value: body.map_or(ismap, |b| value(Some(&b.ismap_listing))),
                    ..spec("ismap_listing", true, "text", true)
                });
                fields.push(FieldSpec {
                    value: body.map_or(location, |b| value(Some(&b.data_location))),
                    ..spec("data_location", true, "text", false)
                });
            }
        }
        RecordKind::NoInformation => fields.push(FieldSpec {
            value: value(body.map(|b| &b.statement)),
            ..spec("statement", true, "textarea", true)
        }),
        RecordKind::TermsAccepted => {
            fields.push(FieldSpec {
                value: value(body.map(|b| &b.terms_name)),
                ..spec("terms_name", true, "text", false)
            });
            fields.push(FieldSpec {
                value: value(body.map(|b| &b.terms_version)),
                ..spec("terms_version", true, "text", true)
            });
            fields.push(FieldSpec {
                value: value(body.map(|b| &b.terms_url)),
                ..spec("terms_url", true, "text", false)
            });
        }
        RecordKind::Supervision => {
            let chosen = value(body.map(|b| &b.method));
            fields.push(FieldSpec {
                options: options(
                    pages,
                    lang,
                    "records.supervision_methods",
                    SupervisionMethod::ALL,
                    SupervisionMethod::as_str,
                    &chosen,
                ),
                ..spec("method", true, "radio", false)
            });
            fields.push(FieldSpec {
                value: value(body.map(|b| &b.observed)),
                ..spec("observed", true, "textarea", true)
            });
        }
        RecordKind::Inspection => {
            let chosen = value(body.map(|b| &b.method));
            fields.push(FieldSpec {
                options: options(
                    pages,
                    lang,
                    "records.inspection_methods",
                    InspectionMethod::ALL,
                    InspectionMethod::as_str,
                    &chosen,
                ),
                ..spec("method", true, "radio", false)
            });
            fields.push(FieldSpec {
                value: value(body.map(|b| &b.place)),
                ..spec("place", true, "text", false)
            });
            let result = value(body.map(|b| &b.result));
            fields.push(FieldSpec {
                options: options(
                    pages,
                    lang,
                    "records.inspection_results",
                    InspectionResult::ALL,
                    InspectionResult::as_str,
                    &result,
                ),
                ..spec("result", true, "radio", false)
            });
            fields.push(FieldSpec {
                value: value(body.map(|b| &b.findings)),
                ..spec("findings", false, "textarea", true)
            });
            if !actor.roles.contains(&Role::Ciso) {
                let chosen = value(body.map(|b| &b.delegated_by));
                fields.push(FieldSpec {
                    options: o
                        .cisos
                        .iter()
                        .map(|(uid, name)| OptionView {
                            selected: *uid == chosen,
                            value: uid.clone(),
                            label: name.clone(),
                        })
                        .collect(),
                    ..spec("delegated_by", true, "select", true)
                });
            }
        }
    }
    let prefix = kind.as_str();
    let errors: Vec<FormError> = typed
        .map(|t| {
            t.errors
                .iter()
                .map(|e| FormError {
                    field: format!("{prefix}-{}", e.field),
                    message: e.message.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let error_of = |name: &str| {
        typed.and_then(|t| {
            t.errors
                .iter()
                .find(|e| e.field == name)
                .map(|e| e.message.clone())
        })
    };
    let intro_key = match (kind, cloud) {
        (RecordKind::Selection, true) => "records.intros.selection_cloud".to_string(),
        _ => format!("records.intros.{prefix}"),
    };
    RecordFormView {
        kind: prefix.to_string(),
        title: t("records.add").replace("{kind}", &t(&format!("records.kinds.{prefix}"))),
        intro: t(&intro_key),
        action: format!("/engagements/{id}/records#record-{prefix}"),
        open: typed.is_some(),
        fields: fields
            .into_iter()
            .map(|f| RecordFieldView {
                id: format!("{prefix}-{}", f.name),
                label: t(&format!("records.fields.{}", f.name)),
                hint: if f.hint {
                    t(&format!("records.fields.{}_hint", f.name))
                } else {
                    String::new()
                },
                error: error_of(f.name),
                name: f.name.to_string(),
                required: f.required,
                control: f.control.to_string(),
                value: f.value,
                options: f.options,
            })
            .collect(),
        errors,
        refusal: typed.and_then(|t| t.refusal.clone()),
    }
}

/// The records section: what is on record, and a form for each kind the person may keep.
pub fn records_view(
    pages: &StaffPages,
    lang: Lang,
    id: &str,
    o: &Overview,
    actor: &Actor,
    typed: Option<&Typed>,
) -> RecordsView {
    records_view_with(pages, lang, id, o, actor, typed, None)
}

/// As `records_view`, with why the files last sent to one record were refused.
fn records_view_with(
    pages: &StaffPages,
    lang: Lang,
    id: &str,
    o: &Overview,
    actor: &Actor,
    typed: Option<&Typed>,
    refused_files: Option<(&str, String)>,
) -> RecordsView {
    let name = |uid: &str| o.names.get(uid).cloned().unwrap_or_else(|| uid.to_string());
    let rows = o
        .records
        .iter()
        .map(|r| RecordRowView {
            files: r
                .files
                .iter()
                .map(|f| FileLinkView {
                    name: f.file_name.clone(),
                    href: format!("/engagements/{id}/records/{}/files/{}", r.id, f.id),
                    size: super::checks::size(f.size_bytes),
                })
                .collect(),
            attach_action: (o.can_change || r.recorded_by == actor.user_id)
                .then(|| format!("/engagements/{id}/records/{}/files", r.id)),
            attach_error: refused_files
                .as_ref()
                .filter(|(rid, _)| *rid == r.id)
                .map(|(_, why)| why.clone()),
            occurred_on: super::my_work::date(lang, r.occurred_on),
            kind: text(pages, lang, &format!("records.kinds.{}", r.kind.as_str())),
            lines: lines(pages, lang, &r.details),
            by: match &r.delegated_by {
                Some(ciso) => text(pages, lang, "records.delegated")
                    .replace("{name}", &name(&r.recorded_by))
                    .replace("{ciso}", &name(ciso)),
                None => name(&r.recorded_by),
            },
            meets: r.meets.clone(),
        })
        .collect();
    let kinds = RecordKind::offered(o.engagement.kind, o.engagement.level);
    let forms = kinds
        .into_iter()
        .filter(|k| may_record(actor, o, *k))
        .map(|k| form(pages, lang, id, o, actor, k, typed.filter(|t| t.kind == k)))
        .collect();
    RecordsView {
        rows,
        forms,
        accept: crate::app::checks::evidence::ALLOWED_EXTENSIONS.to_string(),
    }
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
    let raw = |name: &str| form.get(name).map(str::to_string);
    let body = RecordBody {
        kind: raw("kind"),
        occurred_on: raw("occurred_on"),
        basis: raw("basis"),
        ismap_listing: raw("ismap_listing"),
        data_location: raw("data_location"),
        statement: raw("statement"),
        terms_name: raw("terms_name"),
        terms_version: raw("terms_version"),
        terms_url: raw("terms_url"),
        method: raw("method"),
        observed: raw("observed"),
        place: raw("place"),
        result: raw("result"),
        findings: raw("findings"),
        delegated_by: raw("delegated_by"),
    };
    let kind = body.kind.as_deref().and_then(|k| RecordKind::parse(k).ok());
    let typed_body = body.clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, &target, body)
    })
    .await;
    let err = match recorded {
        Ok(r) => {
            return Ok(see_other(&format!(
                "/engagements/{id}?done=recorded#record-{}",
                r.kind.as_str()
            )))
        }
        Err(e) => e,
    };
    // A kind that is no kind, or one this page does not offer here, has no form of its
    // own to show the refusal in: it is said on a page of its own.
    let Some(kind) = kind else {
        return Err(err);
    };
    let lang = who.lang();
    let (status, errors, refusal) = if let Some(errors) = form_errors(&err, lang) {
        (StatusCode::UNPROCESSABLE_ENTITY, errors, None)
    } else if let Some((status, words)) = super::checks::refusal_of(&err, lang) {
        (status, vec![], Some(words))
    } else {
        return Err(err);
    };
    let typed = Typed {
        kind,
        body: typed_body,
        errors,
        refusal,
    };
    let actor = who.actor.clone();
    let mut offered = true;
    let page = show_view(&state, &req, &who, &id, status, None, |view, o| {
        offered = view.records.forms.iter().any(|f| f.kind == kind.as_str());
        view.records = records_view(&state.staff, lang, &id, o, &actor, Some(&typed));
    })
    .await?;
    if !offered {
        return Err(err);
    }
    Ok(page)
}

/// Files attached to a record from its row on the engagement page (multipart, with the
/// CSRF token among the parts); a refused file is said beside the record.
async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (id, record_id) = path.into_inner();
    let received = crate::http::upload::receive_for_record(
        &state,
        &req,
        &who.actor,
        (&id, &record_id),
        payload,
    )
    .await?;
    let max = state.config.checks.evidence_max_bytes;
    who.check_csrf_value(received.text("csrf_token").unwrap_or(""))?;
    let actor = who.actor.clone();
    let (target, record) = (id.clone(), record_id.clone());
    let attached = crate::app::write(&state, who.origin(), move |tx| {
        use_case::attach(tx, &actor, &target, &record, received.files, max)
    })
    .await;
    let err = match attached {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/engagements/{id}?done=attached#records"
            )))
        }
        Err(e) => e,
    };
    let lang = who.lang();
    let Some(errors) = form_errors(&err, lang) else {
        return Err(err);
    };
    let why = errors
        .into_iter()
        .map(|e| e.message)
        .collect::<Vec<_>>()
        .join(" ");
    let actor = who.actor.clone();
    show_view(
        &state,
        &req,
        &who,
        &id,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        |view, o| {
            view.records = records_view_with(
                &state.staff,
                lang,
                &id,
                o,
                &actor,
                None,
                Some((&record_id, why)),
            );
        },
    )
    .await
}

/// A record's file, as a download; audited like the API's.
async fn file(
    state: web::Data<AppState>,
    who: Staff,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let file = crate::app::read(&state, who.origin(), move |tx| {
        let (id, record_id, file_id) = &*path;
        use_case::download(tx, &who.actor, id, record_id, file_id)
    })
    .await?;
    Ok(crate::http::api::checks::file_download(
        &file.file_name,
        file.sha256,
        file.content,
    ))
}

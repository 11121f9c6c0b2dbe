//! The clause generator: the engagement's clause set previewed in
//! either language, downloaded as HTML, Markdown or Word like the API's export, and the
//! signed contract recorded with the clauses it holds.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{add, form_errors, html, query_value, see_other, Form, Staff};
use crate::app::contracts::{self as use_case, ClausePage, ContractBody};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::staff::views::clauses::{ChoiceView, ClauseHtml, ClausesView, ContractFormView};
use crate::staff::views::{FormError, Link};
use crate::staff::{Page, Section};

/// What the forms of this area did (`?done=<what>`), said with `flash_clauses.<what>`.
pub const FLASHES: [&str; 4] = ["contract", "approval_requested", "decided", "asset"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}/clauses").route(web::get().to(show)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}/clauses/download").route(web::get().to(download)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/contracts").route(web::post().to(record)),
    );
}

/// What was typed into the contract form, kept when it is shown again, and what was
/// wrong with it.
struct Typed {
    reference_number: String,
    signed_on: String,
    clause_ids: Vec<String>,
    errors: Vec<FormError>,
    refusal: Option<String>,
}

/// The message of the first error on `field` (or on a field under it: `clause_ids_0_`).
pub fn error_of(errors: &[FormError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field || e.field.starts_with(&format!("{field}_")))
        .map(|e| e.message.clone())
}

async fn page_data(state: &AppState, who: &Staff, id: &str, lang: Lang) -> AppResult<ClausePage> {
    let app = state.clone();
    let actor = who.actor.clone();
    let id = id.to_string();
    crate::app::read(state, who.origin(), move |tx| {
        use_case::clause_page(tx, &app, &actor, &id, lang)
    })
    .await
}

/// The language of the clause set asked for (`?lang=`), else the person's own.
fn document_lang(req: &HttpRequest, who: &Staff) -> Lang {
    query_value(req, "lang")
        .and_then(|l| Lang::parse(&l))
        .unwrap_or(who.lang())
}

fn clauses_view(
    state: &AppState,
    who: &Staff,
    id: &str,
    doc_lang: Lang,
    data: &ClausePage,
    typed: Option<Typed>,
) -> ClausesView {
    let pages = &state.staff;
    let lang = who.lang();
    let t = |key: &str| pages.text(lang, key).to_string();
    let catalog = state.clauses.catalog();
    let doc = doc_lang.pick("ja", "en");
    let downloads = [
        ("docx", "clauses.download_docx"),
        ("html", "clauses.download_html"),
        ("markdown", "clauses.download_markdown"),
    ]
    .into_iter()
    .map(|(format, key)| Link {
        href: format!("/engagements/{id}/clauses/download?format={format}&lang={doc}"),
        label: t(key),
    })
    .collect();
    let langs = [(Lang::Ja, "clauses.lang_ja"), (Lang::En, "clauses.lang_en")]
        .into_iter()
        .map(|(l, key)| ChoiceView {
            id: format!("lang-{}", l.pick("ja", "en")),
            value: l.pick("ja", "en").to_string(),
            label: t(key),
            hint: String::new(),
            checked: l == doc_lang,
        })
        .collect();
    let mandatory = data.checklist.iter().filter(|(_, m)| *m).count();
    let (errors, refusal) = match &typed {
        Some(t) => (t.errors.clone(), t.refusal.clone()),
        None => (vec![], None),
    };
    let typed = typed.as_ref();
    let form = data.can_record.then(|| ContractFormView {
        action: format!("/engagements/{id}/contracts"),
        reference_number: typed
            .map(|t| t.reference_number.clone())
            .unwrap_or_default(),
        signed_on: typed.map(|t| t.signed_on.clone()).unwrap_or_default(),
        clauses: data
            .checklist
            .iter()
            .map(|(clause, is_mandatory)| {
                let def = catalog.get(clause);
                ChoiceView {
                    id: format!("clause-{clause}"),
                    value: clause.clone(),
                    label: match def {
                        Some(d) => format!("{clause} {}", d.title(lang)),
                        None => clause.clone(),
                    },
                    hint: super::fill(
                        pages,
                        lang,
                        if *is_mandatory {
                            "contract_form.mandatory"
                        } else {
                            "contract_form.recommended"
                        },
                        &[(
                            "rules",
                            &def.map(|d| d.rules.join("、")).unwrap_or_default(),
                        )],
                    ),
                    checked: match typed {
                        Some(t) => t.clause_ids.contains(clause),
                        None => *is_mandatory,
                    },
                }
            })
            .collect(),
        reference_number_error: error_of(&errors, "reference_number"),
        signed_on_error: error_of(&errors, "signed_on"),
        clause_ids_error: error_of(&errors, "clause_ids"),
        errors,
        refusal,
    });
    ClausesView {
        engagement_href: format!("/engagements/{id}"),
        engagement_title: data.engagement.title.clone(),
        summary: super::fill(
            pages,
            lang,
            "clauses.summary",
            &[
                (
                    "kind",
                    &super::engagements::kind_label(pages, lang, data.engagement.kind),
                ),
                (
                    "level",
                    &super::engagements::level_label(pages, lang, data.engagement.level),
                ),
                ("count", &mandatory.to_string()),
            ],
        ),
        action: format!("/engagements/{id}/clauses"),
        langs,
        preview: ClauseHtml::from_document(&data.document),
        downloads,
        form,
    }
}

fn render(state: &AppState, who: &Staff, view: &ClausesView) -> String {
    let lang = who.lang();
    let chrome = who.chrome(
        super::fill(
            &state.staff,
            lang,
            "clauses.title",
            &[("engagement", &view.engagement_title)],
        ),
        Some(Section::Engagements),
    );
    state.staff.render(Page::Clauses, &chrome, view)
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let doc_lang = document_lang(&req, &who);
    let data = page_data(&state, &who, &id, doc_lang).await?;
    let view = clauses_view(&state, &who, &id, doc_lang, &data, None);
    Ok(html(StatusCode::OK, render(&state, &who, &view)))
}

/// The clause set as a file: the bytes and content type the API answers, recorded as
/// the same export, always as an attachment.
async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (lang, format, format_name) = use_case::document_choice(
        query_value(&req, "lang").as_deref(),
        query_value(&req, "format").as_deref(),
    )?;
    let file_name = use_case::file_name(&id, lang, format);
    let app = state.get_ref().clone();
    let actor = who.actor.clone();
    let document = crate::app::read(&state, who.origin(), move |tx| {
        use_case::clause_set(tx, &app, &actor, &id, lang, format, format_name)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(document.content_type())
        .insert_header(("Content-Language", lang.pick("ja", "en")))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(document.into_bytes()))
}

/// Records the signed contract with the ticked clauses; a form
/// at fault is shown again with everything typed, a closed engagement's refusal in
/// plain words.
async fn record(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let lang = who.lang();
    let mut typed = Typed {
        reference_number: form.get("reference_number").unwrap_or("").to_string(),
        signed_on: form.get("signed_on").unwrap_or("").to_string(),
        clause_ids: form
            .all("clause_ids")
            .into_iter()
            .map(str::to_string)
            .collect(),
        errors: vec![],
        refusal: None,
    };
    let body = ContractBody {
        reference_number: form.text("reference_number"),
        signed_on: form.text("signed_on"),
        clause_ids: Some(typed.clause_ids.clone()),
        template_version: None,
    };
    let app = state.get_ref().clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let recorded = crate::app::write(&state, who.origin(), move |tx| {
        use_case::record(tx, &actor, app.clauses.catalog(), &target, &body)
    })
    .await;
    let (status, errors, refusal) = match recorded {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/engagements/{id}?done=contract#contracts"
            )))
        }
        Err(e) => match (form_errors(&e, lang), e) {
            (Some(errors), _) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
            (None, AppError::Conflict { message, .. }) => (
                StatusCode::CONFLICT,
                vec![],
                Some(message.get(lang).to_string()),
            ),
            (None, e) => return Err(e),
        },
    };
    typed.errors = errors;
    typed.refusal = refusal;
    let data = page_data(&state, &who, &id, lang).await?;
    let view = clauses_view(&state, &who, &id, lang, &data, Some(typed));
    Ok(html(status, render(&state, &who, &view)))
}

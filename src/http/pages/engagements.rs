//! The register's pages: the list of engagements (the API's filters, sortable, paged,
//! exported as CSV) and one engagement's page, with its status moves.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::my_work::date;
use super::{add, encode, html, query_value, see_other, Form, Staff};
use crate::app::engagements::{self as use_case, EngagementQuery, Overview};
use crate::domain::{ClassificationLevel, EngagementKind, Role, Status};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::i18n::Lang;
use crate::policy::obligations::ObligationState;
use crate::staff::views::register::ItemFormView;
use crate::staff::views::{
    ApprovalView, CheckRowView, ContractView, EndOfTermView, EngagementRowView, EngagementView,
    EngagementsView, Fact, ItemView, MoveView, ObligationView, OptionView, RelatedView, SortView,
    TimelineEntry,
};
use crate::staff::{Page, Section, StaffPages};

pub fn configure(cfg: &mut web::ServiceConfig) {
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements").route(web::get().to(list)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}").route(web::get().to(show)),
    );
    add(
        cfg,
        "POST",
        web::resource("/engagements/{id}/move").route(web::post().to(move_status)),
    );
    add(
        cfg,
        "GET, HEAD",
        web::resource("/engagements/{id}/completion-record")
            .route(web::get().to(completion_record)),
    );
}

/// The completion record as issued (the same use case as the API's).
async fn completion_record(
    state: web::Data<AppState>,
    who: Staff,
    id: web::Path<String>,
    query: web::Query<crate::http::api::contracts::RecordQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let id = id.into_inner();
    let actor = who.actor.clone();
    let file = crate::app::read(&state, who.origin(), move |tx| {
        crate::app::completion_record::download(
            tx,
            &actor,
            &id,
            (query.format.as_deref(), query.lang.as_deref()),
        )
    })
    .await?;
    Ok(crate::http::api::contracts::record_response(file))
}

const LEVELS: [ClassificationLevel; 3] = [
    ClassificationLevel::L1,
    ClassificationLevel::L2,
    ClassificationLevel::L3,
];

pub fn kind_label(pages: &StaffPages, lang: Lang, kind: EngagementKind) -> String {
    pages
        .text(lang, &format!("kinds.{}", kind.as_str()))
        .to_string()
}

pub fn status_label(pages: &StaffPages, lang: Lang, status: Status) -> String {
    pages
        .text(lang, &format!("statuses.{}", status.as_str()))
        .to_string()
}

pub fn level_label(pages: &StaffPages, lang: Lang, level: Option<ClassificationLevel>) -> String {
    match level {
        Some(l) => pages
            .text(lang, &format!("levels.{}", l.as_str()))
            .to_string(),
        None => pages.text(lang, "levels.none").to_string(),
    }
}

pub fn role_label(pages: &StaffPages, lang: Lang, role: Role) -> String {
    pages
        .text(lang, &format!("roles.{}", role.as_str()))
        .to_string()
}

fn options<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> String,
    label: impl Fn(T) -> String,
    chosen: Option<&str>,
) -> Vec<OptionView> {
    all.iter()
        .map(|&v| {
            let value = value(v);
            OptionView {
                selected: chosen == Some(value.as_str()),
                label: label(v),
                value,
            }
        })
        .collect()
}

/// The list's address with `query`, paged and sorted as given.
fn list_href(query: &EngagementQuery, sort: Option<&str>, page: Option<i64>) -> String {
    let mut q = query.clone();
    q.sort = sort.map(str::to_string).or(q.sort);
    q.page = page.map(|p| p.to_string());
    let pairs: Vec<(&str, &Option<String>)> = vec![
        ("q", &q.q),
        ("kind", &q.kind),
        ("level", &q.level),
        ("status", &q.status),
        ("division", &q.division),
        ("vendor", &q.vendor),
        ("sort", &q.sort),
        ("page", &q.page),
        ("per_page", &q.per_page),
    ];
    let query: Vec<String> = pairs
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect();
    if query.is_empty() {
        "/engagements".into()
    } else {
        format!("/engagements?{}", query.join("&"))
    }
}

/// The register's filters as the address gives them. Unknown parameters are ignored
/// rather than refused: a bookmark keeps working.
pub fn engagement_query(req: &HttpRequest) -> EngagementQuery {
    EngagementQuery {
        kind: query_value(req, "kind"),
        level: query_value(req, "level"),
        status: query_value(req, "status"),
        division: query_value(req, "division"),
        vendor: query_value(req, "vendor"),
        q: query_value(req, "q"),
        sort: query_value(req, "sort"),
        page: query_value(req, "page"),
        per_page: query_value(req, "per_page"),
    }
}

async fn list(state: web::Data<AppState>, req: HttpRequest, who: Staff) -> AppResult<HttpResponse> {
    let lang = who.lang();
    let pages = &state.staff;
    let query = engagement_query(&req);
    let actor = who.actor.clone();
    let asked = query.clone();
    let today = state.today();
    let count_up_to = state.config.list_count_up_to;
    let (result, divisions, vendors, flags) = crate::db::read(&state.pool, move |conn| {
        let result = use_case::list(conn, &actor, &asked, count_up_to);
        let divisions = crate::db::divisions::list(conn)?;
        let vendors = crate::db::vendors::names(conn)?;
        // the cloud services on this page that need looking at.
        let flags = match &result {
            Ok(page) => {
                let cloud: Vec<_> = page
                    .items
                    .iter()
                    .filter(|e| e.kind == EngagementKind::CloudService)
                    .map(|e| (e.id.as_str(), e.level))
                    .collect();
                crate::app::cloud_service::standings(conn, &cloud, today)?
                    .into_iter()
                    .map(|(id, s)| (id, s.flags))
                    .collect()
            }
            Err(_) => std::collections::HashMap::new(),
        };
        Ok((result, divisions, vendors, flags))
    })
    .await?;
    let (page, errors) = match result {
        Ok(page) => (Some(page), vec![]),
        Err(e) => match super::form_errors(&e, lang) {
            Some(errors) => (None, errors),
            None => return Err(e),
        },
    };
    let sort = query.sort.clone().unwrap_or_default();
    let columns = [
        ("title", "engagements.col_title"),
        ("starts_on", "engagements.col_starts_on"),
        ("ends_on", "engagements.col_ends_on"),
        ("level", "engagements.level"),
    ]
    .into_iter()
    .map(|(name, key)| {
        let (state, next) = if sort == name {
            ("ascending", format!("-{name}"))
        } else if sort == format!("-{name}") {
            ("descending", name.to_string())
        } else {
            ("none", name.to_string())
        };
        SortView {
            label: pages.text(lang, key).to_string(),
            href: list_href(&query, Some(&next), None),
            state,
        }
    })
    .collect();
    let mut vendor_names: Vec<(String, String)> = vendors.into_iter().collect();
    vendor_names.sort_by(|a, b| a.1.cmp(&b.1));
    let rows = page
        .as_ref()
        .map(|p| {
            p.items
                .iter()
                .map(|e| EngagementRowView {
                    href: format!("/engagements/{}", e.id),
                    title: e.title.clone(),
                    kind: kind_label(pages, lang, e.kind),
                    level: level_label(pages, lang, e.level),
                    status: status_label(pages, lang, e.status),
                    status_key: e.status.as_str().to_string(),
                    division: e.division_name.clone(),
                    vendor: e.vendor_name.clone(),
                    starts_on: date(lang, e.starts_on),
                    ends_on: date(lang, e.ends_on),
                    flags: flags
                        .get(&e.id)
                        .map(|list| {
                            list.iter()
                                .map(|f| super::cloud::flag_word(pages, lang, f))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let pager = page
        .as_ref()
        .map(|p| {
            super::pager(pages, lang, (p.page, p.per_page, p.counted()), |n| {
                list_href(&query, None, Some(n))
            })
        })
        .unwrap_or_default();
    let chosen = |v: &Option<String>| v.clone();
    let view = EngagementsView {
        q: query.q.clone().unwrap_or_default(),
        kinds: options(
            EngagementKind::ALL,
            |k| k.as_str().to_string(),
            |k| kind_label(pages, lang, k),
            chosen(&query.kind).as_deref(),
        ),
        levels: options(
            &LEVELS,
            |l| l.as_str().to_string(),
            |l| level_label(pages, lang, Some(l)),
            chosen(&query.level).as_deref(),
        ),
        statuses: options(
            Status::ALL,
            |s| s.as_str().to_string(),
            |s| status_label(pages, lang, s),
            chosen(&query.status).as_deref(),
        ),
        divisions: divisions
            .iter()
            .map(|d| OptionView {
                selected: query.division.as_deref() == Some(d.code.as_str()),
                value: d.code.clone(),
                label: d.name.clone(),
            })
            .collect(),
        vendors: vendor_names
            .into_iter()
            .map(|(id, name)| OptionView {
                selected: query.vendor.as_deref() == Some(id.as_str()),
                value: id,
                label: name,
            })
            .collect(),
        sort,
        columns,
        rows,
        errors,
        pager,
        csv_href: list_href(&query, None, None).replacen(
            "/engagements",
            "/engagements/export.csv",
            1,
        ),
        can_register: who
            .actor
            .permits(&crate::policy::access::Action::Register)
            .is_ok(),
    };
    let chrome = who.chrome(
        pages.text(lang, "engagements.title"),
        Some(Section::Engagements),
    );
    let status = if view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(
        status,
        pages.render(Page::Engagements, &chrome, &view),
    ))
}

/// The part of the Standard an engagement falls under.
fn part(pages: &StaffPages, lang: Lang, e: &use_case::EngagementResponse) -> String {
    let key = match (e.kind, e.parent_id.is_some()) {
        (EngagementKind::Outsourcing, true) => "parts.subcontract",
        (EngagementKind::Outsourcing, false) => "parts.outsourcing",
        (EngagementKind::DesignatedManagement, _) => "parts.designated_management",
        (EngagementKind::CloudService, _) => "parts.cloud_service",
    };
    pages.text(lang, key).to_string()
}

/// Where on the pages an open obligation is met: the clause generator for a contract's
/// clauses, the engagement's approvals, checks or status for the rest. This is a map of
/// the pages, not a rule: which obligations exist and when they are met is
/// `policy::obligations`'.
fn where_done(id: &str, rule_id: &str) -> Option<String> {
    let place = match rule_id {
        "R-8.2" | "R-7.2" | "R-9.2" => return Some(format!("/engagements/{id}/clauses")),
        "R-3.3.3" | "R-7.5" | "R-7.6" => "approvals",
        "R-8.3.2" | "R-9.3.3" => "checks",
        "R-7.1" | "R-8.1" | "R-9.1" | "R-10.1" => "record-selection",
        "R-7.3" | "R-8.3.1" => "record-supervision",
        "R-7.4" => "record-inspection",
        "R-8.4.1" | "R-8.4.2" | "R-9.4.1" | "R-9.4.2" => "status",
        _ => return None,
    };
    Some(format!("/engagements/{id}#{place}"))
}

fn end_view(
    pages: &StaffPages,
    lang: Lang,
    (id, end): (&str, &crate::app::end_of_term::Standing),
    today: chrono::NaiveDate,
) -> EndOfTermView {
    let t = |key: &str| pages.text(lang, key).to_string();
    let (state, state_key) = match &end.attestation {
        Some(c) => {
            let effective = crate::policy::checks::effective(c.state, c.due_on, today);
            (
                super::checks::check_state_label(pages, lang, effective),
                effective.as_str().to_string(),
            )
        }
        None => (t("end_of_term.not_sent"), "none".to_string()),
    };
    let closing_key = end.closing.map_or("none", |s| s.as_str());
    EndOfTermView {
        owed: t(if end.owed {
            "end_of_term.owed"
        } else {
            "end_of_term.not_owed"
        }),
        attestation_href: end
            .attestation
            .as_ref()
            .map(|c| format!("/checks/{}", c.id)),
        attestation_state: state,
        attestation_state_key: state_key,
        attestation_due: end
            .attestation
            .as_ref()
            .map(|c| date(lang, c.due_on))
            .unwrap_or_default(),
        closing: t(&format!("end_of_term.closing_{closing_key}")),
        closing_key: closing_key.to_string(),
        missing: end
            .missing
            .iter()
            .map(|m| m.message().get(lang).to_string())
            .collect(),
        record_href: end
            .record
            .then(|| format!("/engagements/{id}/completion-record")),
    }
}

/// The status a recorded move went to.
fn moved_to(entry: &crate::audit::Entry) -> Option<Status> {
    if entry.action != "engagement.transition" {
        return None;
    }
    let after: serde_json::Value = serde_json::from_str(entry.after_json.as_deref()?).ok()?;
    Status::parse(after.get("status")?.as_str()?).ok()
}

fn related(pages: &StaffPages, lang: Lang, r: &use_case::Related) -> RelatedView {
    RelatedView {
        href: format!("/engagements/{}", r.id),
        title: r.title.clone(),
        status: status_label(pages, lang, r.status),
        status_key: r.status.as_str().to_string(),
    }
}

fn rule_key(rule_id: &str) -> String {
    rule_id.replace(['-', '.'], "_")
}

pub(super) fn engagement_view(
    state: &AppState,
    lang: Lang,
    id: &str,
    o: &Overview,
    refusal: Option<&AppError>,
    item_form: Option<ItemFormView>,
) -> EngagementView {
    let pages = &state.staff;
    let e = &o.engagement;
    let t = |key: &str| pages.text(lang, key).to_string();
    let mut facts = vec![
        Fact {
            label: t("engagement.kind"),
            value: kind_label(pages, lang, e.kind),
        },
        Fact {
            label: t("engagement.vendor"),
            value: e.vendor_name.clone(),
        },
        Fact {
            label: t("engagement.division"),
            value: e.division_name.clone(),
        },
        Fact {
            label: t("engagement.responsible"),
            value: e.responsible_user_name.clone(),
        },
        Fact {
            label: t("engagement.term"),
            value: format!("{} – {}", date(lang, e.starts_on), date(lang, e.ends_on)),
        },
        Fact {
            label: t("engagement.scope"),
            value: e.scope.clone(),
        },
    ];
    if let Some(cloud) = &e.cloud {
        facts.push(Fact {
            label: t("engagement.cloud_service"),
            value: format!("{} ({})", cloud.service_name, cloud.data_location),
        });
    }
    let obligations = o
        .obligations
        .iter()
        .map(|ob| ObligationView {
            rule_id: ob.rule_id.clone(),
            title: match (&ob.subject_name, lang) {
                (Some(s), Lang::Ja) => format!("{}（{s}）", ob.title_ja),
                (Some(s), Lang::En) => format!("{} ({s})", ob.title_en),
                (None, Lang::Ja) => ob.title_ja.clone(),
                (None, Lang::En) => ob.title_en.clone(),
            },
            state: t(&format!("obligation_states.{}", ob.state.as_str())),
            state_key: ob.state.as_str().to_string(),
            due_on: ob.due_on.map(|d| date(lang, d)).unwrap_or_default(),
            owner: role_label(pages, lang, ob.owner_role),
            how: pages
                .text_opt(lang, &format!("how.{}", rule_key(&ob.rule_id)))
                .unwrap_or_default()
                .to_string(),
            href: (ob.state != ObligationState::Met && ob.state != ObligationState::Waived)
                .then(|| where_done(id, &ob.rule_id))
                .flatten(),
        })
        .collect();
    let items = o
        .items
        .iter()
        .map(|i| ItemView {
            delete_action: format!("/engagements/{id}/items/{}/delete", i.id),
            delete_label: super::fill(pages, lang, "item_form.delete_named", &[("name", &i.name)]),
            name: i.name.clone(),
            level: level_label(pages, lang, Some(i.level)),
            description: i.description.clone(),
            provided: t(if i.provided_to_vendor {
                "engagement.provided_yes"
            } else {
                "engagement.provided_no"
            }),
        })
        .collect();
    let approvals = o
        .approvals
        .iter()
        .map(|a| ApprovalView {
            rule_id: a.rule_id.clone(),
            subject: a.subject_name.clone(),
            state: t(&format!("approval_states.{}", a.state.as_str())),
            state_key: a.state.as_str().to_string(),
            requested: date(lang, a.requested_at.date_naive()),
            decided: a
                .decided_at
                .map(|d| date(lang, d.date_naive()))
                .unwrap_or_default(),
        })
        .collect();
    let catalog = state.clauses.catalog();
    let contracts = o
        .contracts
        .iter()
        .map(|c| ContractView {
            signed_on: date(lang, c.signed_on),
            term: c.reference_number.clone(),
            missing: c
                .missing_clause_ids
                .iter()
                .map(|id| match catalog.get(id) {
                    Some(def) => format!("{id} {}", def.title(lang)),
                    None => id.clone(),
                })
                .collect(),
            complete: c.missing_clause_ids.is_empty(),
        })
        .collect();
    let checks = o
        .checks
        .iter()
        .map(|c| CheckRowView {
            href: format!("/checks/{}", c.id),
            title: c.questionnaire_id.clone(),
            state: t(&format!("check_states.{}", c.effective_state.as_str())),
            state_key: c.effective_state.as_str().to_string(),
            due_on: date(lang, c.due_on),
        })
        .collect();
    // An early end has its own form, with the reason it needs.
    let can_terminate = e.allowed_transitions.contains(&Status::Terminated);
    let moves = e
        .allowed_transitions
        .iter()
        .filter(|s| **s != Status::Terminated)
        .map(|s| MoveView {
            to: s.as_str().to_string(),
            label: status_label(pages, lang, *s),
        })
        .collect();
    let (move_error, move_missing) = match refusal {
        Some(AppError::Gate { message, missing }) => (
            Some(message.get(lang).to_string()),
            missing
                .iter()
                .map(|id| match catalog.get(id) {
                    Some(def) => format!("{id} {}", def.title(lang)),
                    // What closing waits for is said in full by the message.
                    None if pages.text_opt(lang, &format!("closing.{id}")).is_some() => {
                        pages.text(lang, &format!("closing.{id}")).to_string()
                    }
                    // What the information or agreement gate lacks, and where to do it.
                    None if pages
                        .text_opt(lang, &format!("gate_missing.{id}"))
                        .is_some() =>
                    {
                        pages.text(lang, &format!("gate_missing.{id}")).to_string()
                    }
                    None => id.clone(),
                })
                .collect(),
        ),
        Some(AppError::Conflict { message, .. }) | Some(AppError::Forbidden(message)) => {
            (Some(message.get(lang).to_string()), vec![])
        }
        Some(AppError::Validation(fields)) => (
            Some(
                fields
                    .iter()
                    .map(|f| f.message.get(lang))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            vec![],
        ),
        _ => (None, vec![]),
    };
    let timeline = o
        .timeline
        .iter()
        .map(|entry| TimelineEntry {
            at: format!(
                "{} {}",
                date(lang, state.config.date_at(entry.occurred_at.and_utc())),
                entry
                    .occurred_at
                    .and_utc()
                    .with_timezone(&state.config.time_zone)
                    .format("%H:%M")
            ),
            actor: entry.actor.clone(),
            action: {
                let label = super::audit::action_label(pages, lang, &entry.action);
                match moved_to(entry) {
                    Some(to) => format!("{label}（{}）", status_label(pages, lang, to)),
                    None => label,
                }
            },
        })
        .collect();
    EngagementView {
        id: id.to_string(),
        part: part(pages, lang, e),
        level: level_label(pages, lang, e.level),
        status: status_label(pages, lang, e.status),
        status_key: e.status.as_str().to_string(),
        facts,
        obligations,
        items,
        approvals,
        contracts,
        approval_forms: super::approvals::engagement_forms(state, lang, id, o, None, None),
        checks,
        moves,
        can_change: o.can_change,
        move_action: format!("/engagements/{id}/move"),
        can_terminate,
        move_error,
        move_missing,
        timeline,
        item_form: o.can_change.then(|| {
            item_form.unwrap_or_else(|| super::register::item_form(pages, lang, id, None))
        }),
        edit_href: o.can_change.then(|| format!("/engagements/{id}/edit")),
        send_check: None,
        parent: o.parent.as_ref().map(|r| related(pages, lang, r)),
        subcontracts: o
            .subcontracts
            .iter()
            .map(|r| related(pages, lang, r))
            .collect(),
        waiver_form: None,
        waivers: vec![],
        records: crate::staff::views::records::RecordsView {
            rows: vec![],
            forms: vec![],
            accept: String::new(),
        },
        interval_form: None,
        cloud: o.cloud.as_ref().map(|c| {
            let owed = |rule: &str| o.obligations.iter().any(|ob| ob.rule_id == rule);
            crate::staff::views::cloud::CloudSummaryView {
                subprocessors_href: format!("/engagements/{id}/subprocessors"),
                subprocessors_standing: super::cloud::subprocessors_standing(
                    pages,
                    lang,
                    &c.subprocessors,
                ),
                subprocessors_pending: !c.subprocessors.pending.is_empty(),
                cloud_service_href: format!("/engagements/{id}/cloud-service"),
                listing_standing: super::cloud::listing_standing(pages, lang, &c.service),
                flags: c
                    .service
                    .flags
                    .iter()
                    .map(|f| f.message().get(lang).to_string())
                    .collect(),
                responsibility_href: format!("/engagements/{id}/responsibility"),
                responsibility_standing: super::cloud::matrix_standing(
                    pages,
                    lang,
                    &c.responsibility,
                ),
                responsibility_missing: c.responsibility.agreed_version.is_none()
                    && owed("R-9.3.1"),
                configuration_href: format!("/engagements/{id}/configuration"),
                configuration_standing: super::cloud::standing(pages, lang, &c.configuration),
                configuration_stale: c.configuration.stale,
            }
        }),
        end_of_term: o
            .end_of_term
            .as_ref()
            .map(|end| end_view(pages, lang, (id, end), state.today())),
        findings: super::findings::finding_rows(pages, lang, &o.findings, |f| {
            f.question_id.clone()
        }),
    }
}

pub(super) async fn overview(state: &AppState, who: &Staff, id: String) -> AppResult<Overview> {
    let app = state.clone();
    let actor = who.actor.clone();
    crate::app::read(state, who.origin(), move |tx| {
        use_case::overview(tx, &app, &actor, &id)
    })
    .await
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    show_with(
        &state,
        &req,
        &who,
        &id.into_inner(),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// The engagement's page, with a refused move or a refused item form shown on it.
pub async fn show_with(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: &str,
    refusal: Option<&AppError>,
    item_form: Option<ItemFormView>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    show_view(state, req, who, id, status, refusal, |view, _| {
        if let Some(form) = item_form {
            view.item_form = Some(form);
        }
    })
    .await
}

/// The engagement's page with `fill` putting a form (as typed, with its errors) or a
/// refusal in place of the blank one; `refusal` is a status move refused.
pub async fn show_view(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    id: &str,
    status: StatusCode,
    refusal: Option<&AppError>,
    fill: impl FnOnce(&mut EngagementView, &Overview),
) -> AppResult<HttpResponse> {
    let o = overview(state, who, id.to_string()).await?;
    let lang = who.lang();
    let mut view = engagement_view(state, lang, id, &o, refusal, None);
    view.send_check = super::checks::send_form(state, who, id, &o).await?;
    view.waiver_form = super::obligations::waiver_form(lang, id, &o);
    view.waivers = super::obligations::waiver_rows(
        &state.staff,
        state.config.time_zone,
        lang,
        id,
        &o,
        &who.actor,
    );
    view.records = super::records::records_view(&state.staff, lang, id, &o, &who.actor, None);
    view.interval_form = super::checks::interval_form(&state.staff, lang, id, &o);
    fill(&mut view, &o);
    let mut chrome = who.chrome(o.engagement.title.clone(), Some(Section::Engagements));
    chrome.flash = query_value(req, "done").and_then(|d| super::flash(&state.staff, lang, &d));
    Ok(html(
        status,
        state.staff.render(Page::Engagement, &chrome, &view),
    ))
}

/// A status move; a refusal (a move the lifecycle does not allow, a gate not passed)
/// shows the page again with the reasons in plain words.
async fn move_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Staff,
    id: web::Path<String>,
    form: Form,
) -> AppResult<HttpResponse> {
    who.check_csrf(&form)?;
    let id = id.into_inner();
    let body = use_case::TransitionBody {
        to: form.text("to"),
        reason: form.text("reason"),
    };
    let app = state.get_ref().clone();
    let actor = who.actor.clone();
    let target = id.clone();
    let moved = crate::app::write(&state, who.origin(), move |tx| {
        use_case::transition(tx, &app, &actor, &target, body)
    })
    .await;
    state.wake_delivery.notify();
    match moved {
        Ok(_) => Ok(see_other(&format!("/engagements/{id}?done=moved#status"))),
        Err(e @ (AppError::Gate { .. } | AppError::Conflict { .. })) => {
            show_with(
                &state,
                &req,
                &who,
                &id,
                Some(&e),
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
        // A status not offered, or an early end without its reason: said where the
        // moves are.
        Err(e @ AppError::Validation(_)) => {
            show_with(
                &state,
                &req,
                &who,
                &id,
                Some(&e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

//! Periodic checks for staff: sending a questionnaire to
//! a vendor contact, following it, reading the answers and evidence, accepting or
//! returning a submission, renewing or revoking its portal links, and the engagement's
//! own check interval. The work itself is done by `crate::checks`, which audits its own
//! events; the vendor answers through the portal.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::findings::FindingResponse;
use crate::app::engagements::{audit_l3_read, load_changeable, load_visible};
use crate::audit::Event;
use crate::checks::{self, Contact, Decision, Env, StoredScores};
use crate::config::Config;
use crate::db::checks::{self as store, CheckFilter, CheckRow, CheckSummary, FindingFilter};
use crate::db::engagements::EngagementRow;
use crate::db::{self, audit, engagements, users, vendors, DbConnection};
use crate::domain::date::parse_iso_date;
use crate::domain::{BoundedText, ClassificationLevel, EngagementKind};
use crate::error::{AppError, AppResult};
use crate::http::csv;
use crate::http::json::ApiJson;
use crate::http::page::{Page, Paging};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::policy::access::{Action, Actor, Visibility};
use crate::policy::checks::{effective, CheckState};
use crate::questionnaires::answers::Answer;
use crate::questionnaires::{Definition, Text};
use crate::validate::present;
use crate::validate::Fields;

// ---------------------------------------------------------------------------------------
// Responses

/// A check as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckSummaryResponse {
    pub id: String,
    pub engagement_id: String,
    pub engagement_title: String,
    pub vendor_id: String,
    pub vendor_name: String,
    pub questionnaire_id: String,
    pub questionnaire_version: i32,
    /// The obligations it meets once accepted.
    pub meets_rules: Vec<String>,
    pub contact_name: String,
    pub contact_email: String,
    /// As stored: `sent`, `in_progress`, `submitted`, `returned` or `accepted`.
    pub state: CheckState,
    /// As people see it today: `overdue` for an open check past its due date.
    pub effective_state: CheckState,
    /// Null when the sweep sent it.
    pub issued_by: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub accepted_on: Option<NaiveDate>,
    pub score_percent: Option<i32>,
}

fn stored(state: &str) -> CheckState {
    CheckState::parse(state).unwrap_or(CheckState::Sent)
}

fn rules(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

impl CheckSummaryResponse {
    fn new(
        c: CheckSummary,
        title: String,
        vendor_id: String,
        vendor_name: String,
        today: NaiveDate,
    ) -> Self {
        let state = stored(&c.state);
        CheckSummaryResponse {
            effective_state: effective(state, c.due_on, today),
            state,
            meets_rules: rules(&c.meets_rules),
            id: c.id,
            engagement_id: c.engagement_id,
            engagement_title: title,
            vendor_id,
            vendor_name,
            questionnaire_id: c.questionnaire_id,
            questionnaire_version: c.questionnaire_version,
            contact_name: c.contact_name,
            contact_email: c.contact_email,
            issued_by: c.issued_by,
            issued_at: c.issued_at.and_utc(),
            due_on: c.due_on,
            submitted_at: c.submitted_at.map(|t| t.and_utc()),
            accepted_on: c.accepted_on,
            score_percent: c.score_percent,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementRef {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireRef {
    pub id: String,
    pub version: i32,
    pub title: Text,
}

/// The vendor contact a check was sent to, as it was when sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckContact {
    pub name: String,
    pub email: String,
    /// `ja` or `en`: the language of the emails and of the portal by default.
    pub lang: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceResponse {
    pub id: String,
    pub question_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it (always as an attachment).
    pub download: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    /// `accept` or `return`.
    pub decision: String,
    pub comment: String,
    /// Question id → comment.
    pub question_comments: BTreeMap<String, String>,
    pub reviewer_id: String,
    pub reviewer_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// The check's portal links: how many still work, never the links themselves.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinksResponse {
    pub live: i64,
    pub latest_expiry: Option<DateTime<Utc>>,
}

/// One check with everything about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    pub id: String,
    pub engagement: EngagementRef,
    pub vendor_id: String,
    pub questionnaire: QuestionnaireRef,
    pub meets_rules: Vec<String>,
    pub contact: CheckContact,
    pub state: CheckState,
    pub effective_state: CheckState,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<String>,
    pub due_on: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub signed_name: Option<String>,
    pub signed_title: Option<String>,
    pub accepted_on: Option<NaiveDate>,
    pub accepted_by: Option<String>,
    pub score_percent: Option<i32>,
    /// Per section and overall, once accepted.
    pub scores: Option<StoredScores>,
    /// Question id → answer.
    pub answers: BTreeMap<String, Answer>,
    pub evidence: Vec<EvidenceResponse>,
    /// Oldest first.
    pub reviews: Vec<ReviewResponse>,
    pub findings: Vec<FindingResponse>,
    pub links: LinksResponse,
    /// The questionnaire as it was sent with this check.
    pub definition: Definition,
}

fn not_found() -> AppError {
    AppError::not_found("点検が見つかりません", "No such check")
}

/// The check and its engagement, if the actor may see the engagement; otherwise 404, so
/// that a check's existence is not revealed.
fn load_check(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<(CheckRow, EngagementRow)> {
    let check = store::find(conn, id)?.ok_or_else(not_found)?;
    let engagement = engagements::find(conn, &check.engagement_id)?.ok_or_else(not_found)?;
    if actor
        .permits(&Action::ReadEngagement {
            division_id: &engagement.division_id,
        })
        .is_err()
    {
        return Err(not_found());
    }
    Ok((check, engagement))
}

/// As `load_check`, and the actor may change the engagement (403 otherwise).
fn load_check_to_change(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<(CheckRow, EngagementRow)> {
    let (check, engagement) = load_check(conn, actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    Ok((check, engagement))
}

fn user_name(conn: &mut DbConnection, id: &str) -> AppResult<Option<String>> {
    Ok(users::find(conn, id)?.map(|u| u.display_name))
}

/// The whole check as the API shows it.
fn detail(
    conn: &mut DbConnection,
    check: CheckRow,
    engagement: &EngagementRow,
    now: NaiveDateTime,
    today: NaiveDate,
) -> AppResult<CheckResponse> {
    let definition = checks::definition_of(&check)?;
    let answers = checks::stored_answers(conn, &check.id)?;
    let files = store::evidence(conn, &check.id)?
        .into_iter()
        .map(|e| EvidenceResponse {
            download: format!("/api/v1/checks/{}/evidence/{}", check.id, e.id),
            id: e.id,
            question_id: e.question_id,
            file_name: e.file_name,
            media_type: e.media_type,
            size_bytes: e.size_bytes,
            sha256: e.sha256,
            uploaded_at: e.uploaded_at.and_utc(),
        })
        .collect();
    let mut reviews = Vec::new();
    for r in store::reviews(conn, &check.id)? {
        reviews.push(ReviewResponse {
            reviewer_name: user_name(conn, &r.reviewed_by)?,
            decision: r.decision,
            comment: r.comment,
            question_comments: serde_json::from_str(&r.question_comments).unwrap_or_default(),
            reviewer_id: r.reviewed_by,
            at: r.reviewed_at.and_utc(),
        });
    }
    let findings = store::list_findings(
        conn,
        &Visibility::All,
        &FindingFilter {
            check_id: Some(check.id.clone()),
            ..FindingFilter::default()
        },
    )?
    .into_iter()
    .map(|(row, title, vendor)| FindingResponse::new(row, title, vendor, today))
    .collect();
    let live: Vec<NaiveDateTime> = store::tokens(conn, &check.id)?
        .into_iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
        .map(|t| t.expires_at)
        .collect();
    let scores = check
        .scores_json
        .as_deref()
        .and_then(|s| serde_json::from_str::<StoredScores>(s).ok());
    let state = stored(&check.state);
    Ok(CheckResponse {
        engagement: EngagementRef {
            id: engagement.id.clone(),
            title: engagement.title.clone(),
        },
        vendor_id: engagement.vendor_id.clone(),
        questionnaire: QuestionnaireRef {
            id: check.questionnaire_id,
            version: check.questionnaire_version,
            title: definition.title.clone(),
        },
        meets_rules: rules(&check.meets_rules),
        contact: CheckContact {
            name: check.contact_name,
            email: check.contact_email,
            lang: check.contact_lang,
        },
        effective_state: effective(state, check.due_on, today),
        state,
        issued_at: check.issued_at.and_utc(),
        issued_by: check.issued_by,
        due_on: check.due_on,
        submitted_at: check.submitted_at.map(|t| t.and_utc()),
        signed_name: check.signed_name,
        signed_title: check.signed_title,
        accepted_on: check.accepted_on,
        accepted_by: check.accepted_by,
        score_percent: check.score_percent,
        scores,
        answers,
        evidence: files,
        reviews,
        findings,
        links: LinksResponse {
            live: live.len() as i64,
            latest_expiry: live.iter().max().map(|t| t.and_utc()),
        },
        definition,
        id: check.id,
    })
}

/// The check functions' view of the service.
fn env(app: &AppState) -> Env<'_> {
    Env {
        config: &app.config,
        questionnaires: &app.questionnaires,
        email: &app.email,
        now: app.now(),
    }
}

// ---------------------------------------------------------------------------------------
// Issuing

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// Defaults to the periodic questionnaire for the engagement's kind and level.
    pub questionnaire_id: Option<String>,
    /// One of the vendor's contacts; defaults to the first.
    pub contact_id: Option<String>,
    /// `ja` (default) or `en`.
    pub contact_lang: Option<String>,
    /// YYYY-MM-DD, not before today; defaults to today + `check_due_days`.
    pub due_on: Option<String>,
}

/// Sends a questionnaire to a vendor contact: the check, and an email with a new portal
/// link. 409 when a check of that questionnaire is already open for the engagement.
#[utoipa::path(tag = "checks", request_body = IssueBody,
    responses((status = 201, body = CheckResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/checks")]
pub async fn issue(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<IssueBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let today = state.today();
    let mut f = Fields::new();
    let lang = match body.contact_lang.as_deref() {
        None => Some(Lang::Ja),
        Some(l) => {
            let lang = Lang::parse(l);
            if lang.is_none() {
                f.push(
                    "contact_lang",
                    "invalid",
                    Msg::new("ja か en を指定してください", "Must be ja or en"),
                );
            }
            lang
        }
    };
    let due_on = f
        .check_opt("due_on", body.due_on.as_deref().map(parse_iso_date))
        .flatten();
    if let Some(d) = due_on.filter(|d| *d < today) {
        f.push(
            "due_on",
            "in_the_past",
            Msg::new(
                format!("回答期限（{d}）が今日（{today}）より前です"),
                format!("The due date ({d}) is before today ({today})"),
            ),
        );
    }
    let app = state.get_ref().clone();
    let origin = who.origin();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let engagement = load_changeable(conn, &who.actor, &id)?;
            let kind = engagement.kind().unwrap_or(EngagementKind::Outsourcing);
            let level = engagement.level().unwrap_or(ClassificationLevel::L1);
            let definition = match body.questionnaire_id.as_deref() {
                Some(q) => match app.questionnaires.get(q) {
                    Some(d) if d.applies(kind, level) => Some(d.clone()),
                    Some(_) => {
                        f.push(
                            "questionnaire_id",
                            "not_applicable",
                            Msg::new(
                                format!("点検票 {q} はこの案件（{}・{}）には使えません", kind.as_str(), level.as_str()),
                                format!("Questionnaire {q} is not for a {} engagement at {}", kind.as_str(), level.as_str()),
                            ),
                        );
                        None
                    }
                    None => {
                        f.push(
                            "questionnaire_id",
                            "unknown",
                            Msg::new(
                                format!("点検票 {q} はありません"),
                                format!("There is no questionnaire {q}"),
                            ),
                        );
                        None
                    }
                },
                None => match app.questionnaires.periodic_for(kind, level) {
                    Some(d) => Some(d.clone()),
                    None => {
                        f.push(
                            "questionnaire_id",
                            "required",
                            Msg::new(
                                "この案件の種別・格付に定期点検票がありません。点検票を指定してください",
                                "No periodic questionnaire is for this engagement's kind and level: name one",
                            ),
                        );
                        None
                    }
                },
            };
            let contacts = vendors::get(conn, &engagement.vendor_id)?
                .map(|v| v.contacts)
                .unwrap_or_default();
            let contact = match body.contact_id.as_deref() {
                Some(c) => {
                    let found = contacts.iter().find(|x| x.id == c).cloned();
                    if found.is_none() {
                        f.push(
                            "contact_id",
                            "unknown",
                            Msg::new(
                                "この事業者の連絡先ではありません",
                                "Not one of this vendor's contacts",
                            ),
                        );
                    }
                    found
                }
                None => {
                    let first = contacts.iter().min_by_key(|c| c.position).cloned();
                    if first.is_none() {
                        f.push(
                            "contact_id",
                            "no_contact",
                            Msg::new(
                                "事業者に連絡先が登録されていません。先に連絡先を登録してください",
                                "The vendor has no contact on record: add one first",
                            ),
                        );
                    }
                    first
                }
            };
            f.finish()?;
            let (Some(definition), Some(contact), Some(lang)) = (definition, contact, lang) else {
                unreachable!("finish() refused what is missing")
            };
            let env = env(&app);
            let due_on =
                due_on.unwrap_or(today + chrono::Days::new(u64::from(app.config.checks.due_days)));
            let ctx = checks::context(conn, &engagement.id)?;
            let contact = Contact {
                name: contact.name,
                email: contact.email,
                lang,
            };
            let request = checks::Request {
                definition: &definition,
                contact: &contact,
                due_on,
                issued_by: Some(&who.actor.user_id),
            };
            let issued = checks::issue(conn, &env, &ctx, &request, &origin)?
            .ok_or_else(|| AppError::Conflict {
                message: Msg::new(
                    format!(
                        "この案件には未完了の点検（{}）が既にあります",
                        definition.title.ja
                    ),
                    format!(
                        "This engagement already has an open check of {}",
                        definition.title.en
                    ),
                ),
                allowed: vec![],
            })?;
            detail(conn, issued, &engagement, env.now.naive_utc(), today)
        })
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/checks/{}", response.id)))
        .json(response))
}

// ---------------------------------------------------------------------------------------
// Lists

/// The engagement's checks, newest first.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = Vec<CheckSummaryResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/checks")]
pub async fn of_engagement(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let today = state.today();
    let found = db::read(&state.pool, move |conn| {
        load_visible(conn, &who.actor, &id)?;
        summaries(
            conn,
            &Visibility::All,
            &CheckFilter {
                engagement_id: Some(id.to_string()),
                ..CheckFilter::default()
            },
            None,
            today,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckQuery {
    /// `sent`, `in_progress`, `submitted`, `returned`, `accepted` or `overdue`, matched
    /// against the state as seen today (`effective_state`).
    #[param(value_type = Option<super::params::CheckStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    /// A vendor's check history.
    pub vendor_id: Option<String>,
    pub division_id: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckExportQuery {
    /// As for the list.
    #[param(value_type = Option<super::params::CheckStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub division_id: Option<String>,
}

fn parse_state(f: &mut Fields, state: Option<&str>) -> Option<CheckState> {
    let s = state?;
    let parsed = if s == CheckState::Overdue.as_str() {
        Some(CheckState::Overdue)
    } else {
        CheckState::parse(s)
    };
    if parsed.is_none() {
        f.push(
            "state",
            "invalid",
            Msg::new(
                "sent、in_progress、submitted、returned、accepted、overdue のいずれかを指定してください",
                "Must be one of: sent, in_progress, submitted, returned, accepted, overdue",
            ),
        );
    }
    parsed
}

fn summaries(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &CheckFilter,
    wanted: Option<CheckState>,
    today: NaiveDate,
) -> AppResult<Vec<CheckSummaryResponse>> {
    let names = vendors::names(conn)?;
    Ok(store::list(conn, visibility, filter)?
        .into_iter()
        .map(|(c, title, vendor_id)| {
            let vendor_name = names.get(&vendor_id).cloned().unwrap_or_default();
            CheckSummaryResponse::new(c, title, vendor_id, vendor_name, today)
        })
        .filter(|c| wanted.is_none_or(|w| c.effective_state == w))
        .collect())
}

/// Checks of the engagements the caller may see, newest first.
#[utoipa::path(tag = "checks", params(CheckQuery),
    responses((status = 200, body = Page<CheckSummaryResponse>), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/checks")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CheckQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let mut f = Fields::new();
    let paging = Paging::parse(q.page.as_deref(), q.per_page.as_deref(), &mut f);
    let wanted = parse_state(&mut f, q.state.as_deref());
    f.finish()?;
    let filter = CheckFilter {
        engagement_id: q.engagement_id,
        vendor_id: q.vendor_id,
        division_id: q.division_id,
        state: None,
    };
    let visibility = who.actor.visibility();
    let today = state.today();
    let all = db::read(&state.pool, move |conn| {
        summaries(conn, &visibility, &filter, wanted, today)
    })
    .await?;
    let total = all.len() as i64;
    let items = all
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
        .collect();
    Ok(HttpResponse::Ok().json(paging.wrap(items, total)))
}

/// The checks matching the query as CSV (UTF-8 with BOM; English column keys first, as
/// the audit log export). The export is audited.
#[utoipa::path(tag = "checks", params(CheckExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/checks/export.csv")]
pub async fn export(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<CheckExportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let mut f = Fields::new();
    let wanted = parse_state(&mut f, q.state.as_deref());
    f.finish()?;
    let described = serde_json::json!({
        "state": q.state, "engagement_id": q.engagement_id, "vendor_id": q.vendor_id,
        "division_id": q.division_id,
    });
    let filter = CheckFilter {
        engagement_id: q.engagement_id,
        vendor_id: q.vendor_id,
        division_id: q.division_id,
        state: None,
    };
    let visibility = who.actor.visibility();
    let today = state.today();
    let origin = who.origin();
    let body = db::read(&state.pool, move |conn| {
        let all = summaries(conn, &visibility, &filter, wanted, today)?;
        let rows = all.len();
        let body = csv::body(
            &[
                "id",
                "engagement_id",
                "engagement_title",
                "vendor_id",
                "vendor_name",
                "questionnaire_id",
                "questionnaire_version",
                "state",
                "effective_state",
                "contact_name",
                "contact_email",
                "issued_at_utc",
                "issued_by",
                "due_on",
                "submitted_at_utc",
                "accepted_on",
                "score_percent",
                "meets_rules",
            ],
            all.into_iter().map(|c| {
                vec![
                    c.id,
                    c.engagement_id,
                    c.engagement_title,
                    c.vendor_id,
                    c.vendor_name,
                    c.questionnaire_id,
                    c.questionnaire_version.to_string(),
                    c.state.as_str().to_string(),
                    c.effective_state.as_str().to_string(),
                    c.contact_name,
                    c.contact_email,
                    csv::time(c.issued_at.naive_utc()),
                    c.issued_by.unwrap_or_default(),
                    c.due_on.to_string(),
                    c.submitted_at
                        .map(|t| csv::time(t.naive_utc()))
                        .unwrap_or_default(),
                    c.accepted_on.map(|d| d.to_string()).unwrap_or_default(),
                    c.score_percent.map(|p| p.to_string()).unwrap_or_default(),
                    c.meets_rules.join(" "),
                ]
            }),
        )?;
        db::write(conn, |conn| {
            audit::append(
                conn,
                &origin,
                &Event::new("check.export").after(&serde_json::json!({
                    "filter": described, "rows": rows,
                })),
            )
        })?;
        Ok(body)
    })
    .await?;
    let name = format!("itaku-checks-{}.csv", state.today().format("%Y%m%d"));
    Ok(csv::download(&name, body))
}

// ---------------------------------------------------------------------------------------
// One check

/// One check: answers, evidence, reviews, findings and how many links still work. A read
/// of an L3 engagement's check is audited.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = CheckResponse), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/checks/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let now = state.now().naive_utc();
    let today = state.today();
    let origin = who.origin();
    let response = db::read(&state.pool, move |conn| {
        let (check, engagement) = load_check(conn, &who.actor, &id)?;
        let response = detail(conn, check, &engagement, now, today)?;
        audit_l3_read(
            conn,
            &origin,
            engagement.level(),
            &Event::new("check.read_l3").target("check", &id),
        )?;
        Ok(response)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

/// `filename="…"` for old clients: ASCII only, nothing that needs quoting.
fn ascii_file_name(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if fallback.trim_matches(['_', '.', ' ']).is_empty() {
        "evidence".to_string()
    } else {
        fallback
    }
}

/// RFC 8187 `filename*=UTF-8''…`: every byte but the attr-chars percent-encoded.
fn percent_encoded(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An evidence file, always as a download (`application/octet-stream`, never shown
/// inline), with its SHA-256 in `X-Content-SHA256`. Every download is audited.
#[utoipa::path(tag = "checks",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/checks/{id}/evidence/{evidence_id}")]
pub async fn evidence(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, evidence_id) = path.into_inner();
    let origin = who.origin();
    let (meta, content) = db::read(&state.pool, move |conn| {
        let (check, _) = load_check(conn, &who.actor, &id)?;
        let (meta, content) = store::evidence_content(conn, &check.id, &evidence_id)?
            .ok_or_else(|| AppError::not_found("添付ファイルが見つかりません", "No such file"))?;
        db::write(conn, |conn| {
            audit::append(
                conn,
                &origin,
                &Event::new("check.evidence_download")
                    .target("check", &check.id)
                    .after(&serde_json::json!({
                        "evidence_id": meta.id, "question_id": meta.question_id,
                        "file_name": meta.file_name, "size_bytes": meta.size_bytes,
                        "sha256": meta.sha256,
                    })),
            )
        })?;
        Ok((meta, content))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                ascii_file_name(&meta.file_name),
                percent_encoded(&meta.file_name)
            ),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Content-SHA256", meta.sha256))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(content))
}

// ---------------------------------------------------------------------------------------
// Review and links

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `accept` or `return`.
    pub decision: Option<String>,
    /// At most 4,000 characters; a return needs this or a question comment.
    pub comment: Option<String>,
    /// For a return: question id → what to correct.
    pub question_comments: Option<BTreeMap<String, String>>,
}

/// Accepts a submitted check (its periodic obligations are met and every non-conforming
/// answer becomes a finding) or returns it to the vendor for correction with a new link.
#[utoipa::path(tag = "checks", request_body = ReviewBody,
    responses((status = 200, body = CheckResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/checks/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ReviewBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let mut f = Fields::new();
    let comment = f
        .check_opt(
            "comment",
            body.comment
                .as_deref()
                .map(|c| BoundedText::parse_allow_empty(c, 4000)),
        )
        .flatten()
        .map(BoundedText::into_inner)
        .unwrap_or_default();
    let mut question_comments = BTreeMap::new();
    for (q, text) in body.question_comments.unwrap_or_default() {
        let field = format!("question_comments.{q}");
        if let Some(t) = f.check(&field, BoundedText::parse_allow_empty(&text, 4000)) {
            if !t.as_str().is_empty() {
                question_comments.insert(q, t.into_inner());
            }
        }
    }
    let decision = match body.decision.as_deref() {
        None => {
            f.required("decision");
            None
        }
        Some("accept") => Some(Decision::Accept { comment }),
        Some("return") => {
            if comment.is_empty() && question_comments.is_empty() {
                f.push(
                    "comment",
                    "required",
                    Msg::new(
                        "差戻しには、全体又は設問ごとのコメントを記入してください",
                        "A return needs a comment, overall or on a question",
                    ),
                );
            }
            Some(Decision::Return {
                comment,
                question_comments,
            })
        }
        Some(_) => {
            f.push(
                "decision",
                "invalid",
                Msg::new(
                    "accept か return を指定してください",
                    "Must be accept or return",
                ),
            );
            None
        }
    };
    let app = state.get_ref().clone();
    let origin = who.origin();
    let today = state.today();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let (check, engagement) = load_check_to_change(conn, &who.actor, &id)?;
            f.finish()?;
            let Some(decision) = decision else {
                unreachable!("finish() refused a missing decision")
            };
            let env = env(&app);
            let reviewed = checks::review(
                conn,
                &env,
                &check.id,
                &decision,
                &who.actor.user_id,
                &origin,
            )?;
            detail(conn, reviewed, &engagement, env.now.naive_utc(), today)
        })
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::Ok().json(response))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedResponse {
    /// How many links stopped working.
    pub revoked: usize,
}

async fn renew(
    state: web::Data<AppState>,
    who: SignedIn,
    id: String,
    send_new: bool,
) -> AppResult<HttpResponse> {
    let app = state.get_ref().clone();
    let origin = who.origin();
    let revoked = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let (check, _) = load_check_to_change(conn, &who.actor, &id)?;
            checks::renew_links(conn, &env(&app), &check.id, send_new, &origin)
        })
    })
    .await?;
    if send_new {
        state.wake_delivery.notify();
    }
    Ok(HttpResponse::Ok().json(RevokedResponse { revoked }))
}

/// Revokes every link of the check and emails the contact a new one (a lost or forwarded
/// email). 409 once the check is submitted or accepted.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = RevokedResponse), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/checks/{id}/links")]
pub async fn renew_links(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    renew(state, who, id.into_inner(), true).await
}

/// Revokes every link of the check; nothing new is sent.
#[utoipa::path(tag = "checks",
    responses((status = 200, body = RevokedResponse), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[delete("/checks/{id}/links")]
pub async fn revoke_links(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    renew(state, who, id.into_inner(), false).await
}

// ---------------------------------------------------------------------------------------
// The engagement's interval

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntervalBody {
    /// Months between periodic checks, 1 to 60; null for the level's default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub months: Option<Option<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntervalResponse {
    /// The engagement's own interval; null when it follows its level.
    pub months: Option<i64>,
    /// The interval in force: its own, or the level's default.
    pub effective_months: i64,
}

fn interval_of(config: &Config, e: &EngagementRow, months: Option<i64>) -> IntervalResponse {
    let level = e.level().unwrap_or(ClassificationLevel::L1);
    IntervalResponse {
        months,
        effective_months: months.unwrap_or(i64::from(
            config.rules.check_interval_months[level.rank() as usize - 1],
        )),
    }
}

/// Sets how often this engagement is checked when it should not follow its level's
/// default; null returns it to the default. The periodic obligations' due dates
/// follow at once.
#[utoipa::path(tag = "checks", request_body = IntervalBody,
    responses((status = 200, body = IntervalResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[put("/engagements/{id}/check-interval")]
pub async fn set_interval(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<IntervalBody>,
) -> AppResult<HttpResponse> {
    let mut f = Fields::new();
    let months = match body.0.months {
        None => {
            f.required("months");
            None
        }
        Some(None) => None,
        Some(Some(m)) if (1..=60).contains(&m) => Some(m),
        Some(Some(_)) => {
            f.push(
                "months",
                "invalid",
                Msg::new(
                    "1 から 60 までの整数（月数）か null を指定してください",
                    "Must be a whole number of months from 1 to 60, or null",
                ),
            );
            None
        }
    };
    f.finish()?;
    let app = state.get_ref().clone();
    let origin = who.origin();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let engagement = load_changeable(conn, &who.actor, &id)?;
            let before = interval_of(
                &app.config,
                &engagement,
                engagement.check_interval_months.map(i64::from),
            );
            store::set_interval(conn, &id, months.map(|m| m as i16))?;
            let after = interval_of(&app.config, &engagement, months);
            audit::append(
                conn,
                &origin,
                &Event::new("engagement.check_interval")
                    .target("engagement", &id)
                    .before(&before)
                    .after(&after),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_in_both_forms() {
        assert_eq!(ascii_file_name("report.pdf"), "report.pdf");
        assert_eq!(ascii_file_name("名簿 \"final\".pdf"), "__ _final_.pdf");
        assert_eq!(ascii_file_name("名簿"), "evidence");
        assert_eq!(percent_encoded("名簿 a.pdf"), "%E5%90%8D%E7%B0%BF%20a.pdf");
        assert_eq!(percent_encoded("a\"b;c"), "a%22b%3Bc");
    }
}

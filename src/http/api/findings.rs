//! Findings: every non-conforming answer of an accepted check, tracked with its
//! corrective action until it is closed or its risk is accepted (R-2.6: by ROLE-CISO,
//! ROLE-DCISO or ROLE-CSM, never by the finding's owner).

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::engagements::audit_l3_read;
use crate::audit::Event;
use crate::db::checks::{self as store, FindingFilter, FindingRow};
use crate::db::engagements::EngagementRow;
use crate::db::{self, audit, engagements, users, DbConnection};
use crate::domain::date::parse_iso_date;
use crate::domain::BoundedText;
use crate::error::{AppError, AppResult};
use crate::http::csv;
use crate::http::json::ApiJson;
use crate::http::page::{Page, Paging};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor, Visibility};
use crate::policy::findings::{self as life, FindingState, Refused};
use crate::questionnaires::answers::Answer;
use crate::questionnaires::Text;
use crate::validate::Fields;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingResponse {
    pub id: String,
    pub check_id: String,
    pub engagement_id: String,
    pub engagement_title: String,
    pub vendor_id: String,
    pub question_id: String,
    /// The questionnaire section, e.g. `technical`.
    pub section: String,
    /// The rules the question checks.
    pub rules: Vec<String>,
    /// The vendor's answer that did not conform.
    pub answer: Option<Answer>,
    pub corrective_action: String,
    pub owner_user_id: String,
    pub due_on: NaiveDate,
    pub state: FindingState,
    /// Open or in progress past its due date.
    pub overdue: bool,
    /// Why the risk was accepted, when it was.
    pub risk_reason: Option<String>,
    pub risk_approved_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn state_of(row: &FindingRow) -> FindingState {
    FindingState::parse(&row.state).unwrap_or(FindingState::Open)
}

impl FindingResponse {
    pub fn new(
        row: FindingRow,
        engagement_title: String,
        vendor_id: String,
        today: NaiveDate,
    ) -> Self {
        let state = state_of(&row);
        FindingResponse {
            overdue: state.is_open() && row.due_on < today,
            answer: serde_json::from_str(&row.answer_json).ok(),
            rules: row.rules.split_whitespace().map(str::to_string).collect(),
            id: row.id,
            check_id: row.check_id,
            engagement_id: row.engagement_id,
            engagement_title,
            vendor_id,
            question_id: row.question_id,
            section: row.section,
            corrective_action: row.corrective_action,
            owner_user_id: row.owner_user_id,
            due_on: row.due_on,
            state,
            risk_reason: row.risk_reason,
            risk_approved_by: row.risk_approved_by,
            closed_at: row.closed_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A finding with the question as the check asked it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDetail {
    #[serde(flatten)]
    pub finding: FindingResponse,
    pub questionnaire_id: String,
    pub questionnaire_title: Option<Text>,
    /// The question's text in the definition the check was sent with.
    pub question_text: Option<Text>,
    pub section_title: Option<Text>,
}

pub fn not_found() -> AppError {
    AppError::not_found("指摘事項が見つかりません", "No such finding")
}

/// The finding and its engagement, if the actor may see the engagement; otherwise
/// 404, so that a finding's existence is not revealed.
fn load_visible(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<(FindingRow, EngagementRow)> {
    let row = store::find_finding(conn, id)?.ok_or_else(not_found)?;
    let engagement = engagements::find(conn, &row.engagement_id)?.ok_or_else(not_found)?;
    if actor
        .permits(&Action::ReadEngagement {
            division_id: &engagement.division_id,
        })
        .is_err()
    {
        return Err(not_found());
    }
    Ok((row, engagement))
}

fn detail(
    conn: &mut DbConnection,
    row: FindingRow,
    engagement: &EngagementRow,
    today: NaiveDate,
) -> AppResult<FindingDetail> {
    let check = store::find(conn, &row.check_id)?
        .ok_or_else(|| AppError::Internal(format!("finding {}: check vanished", row.id)))?;
    let definition = crate::checks::definition_of(&check)?;
    let (section_title, question_text) = match definition.question(&row.question_id) {
        Some((s, q)) => (Some(s.title.clone()), Some(q.text.clone())),
        None => (None, None),
    };
    Ok(FindingDetail {
        finding: FindingResponse::new(
            row,
            engagement.title.clone(),
            engagement.vendor_id.clone(),
            today,
        ),
        questionnaire_id: check.questionnaire_id,
        questionnaire_title: Some(definition.title),
        question_text,
        section_title,
    })
}

/// What the audit log records of a finding.
fn audited(row: &FindingRow) -> serde_json::Value {
    serde_json::json!({
        "check_id": row.check_id,
        "engagement_id": row.engagement_id,
        "question_id": row.question_id,
        "state": row.state,
        "corrective_action": row.corrective_action,
        "owner_user_id": row.owner_user_id,
        "due_on": row.due_on,
        "risk_reason": row.risk_reason,
        "risk_approved_by": row.risk_approved_by,
        "closed_at": row.closed_at,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// `open`, `in_progress`, `closed`, `risk_accepted`, or `overdue` (open or in
    /// progress past its due date).
    #[param(value_type = Option<super::params::FindingStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub check_id: Option<String>,
    /// The owner's user id.
    pub owner: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingExportQuery {
    /// As for the list.
    #[param(value_type = Option<super::params::FindingStateFilter>, inline)]
    pub state: Option<String>,
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub check_id: Option<String>,
    pub owner: Option<String>,
}

/// The state asked for: a stored one, or `overdue` (None inside: derived).
fn parse_state(f: &mut Fields, state: Option<&str>) -> Option<Option<FindingState>> {
    match state {
        None => None,
        Some("overdue") => Some(None),
        Some(s) => match FindingState::parse(s) {
            Some(v) => Some(Some(v)),
            None => {
                f.push(
                    "state",
                    "invalid",
                    Msg::new(
                        "open、in_progress、closed、risk_accepted、overdue のいずれかを指定してください",
                        "Must be one of: open, in_progress, closed, risk_accepted, overdue",
                    ),
                );
                None
            }
        },
    }
}

struct Wanted {
    filter: FindingFilter,
    /// `Some(None)`: overdue.
    state: Option<Option<FindingState>>,
}

fn matching(
    conn: &mut DbConnection,
    visibility: &Visibility,
    wanted: &Wanted,
    today: NaiveDate,
) -> AppResult<Vec<FindingResponse>> {
    let mut filter = wanted.filter.clone();
    if let Some(Some(s)) = wanted.state {
        filter.state = Some(s.as_str().to_string());
    }
    let overdue_only = matches!(wanted.state, Some(None));
    Ok(store::list_findings(conn, visibility, &filter)?
        .into_iter()
        .map(|(row, title, vendor)| FindingResponse::new(row, title, vendor, today))
        .filter(|f| !overdue_only || f.overdue)
        .collect())
}

/// Findings of the engagements the caller may see, soonest due first.
#[utoipa::path(tag = "findings", params(FindingQuery),
    responses((status = 200, body = Page<FindingResponse>), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/findings")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<FindingQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let mut f = Fields::new();
    let paging = Paging::parse(q.page.as_deref(), q.per_page.as_deref(), &mut f);
    let wanted_state = parse_state(&mut f, q.state.as_deref());
    f.finish()?;
    let wanted = Wanted {
        filter: FindingFilter {
            engagement_id: q.engagement_id,
            vendor_id: q.vendor_id,
            check_id: q.check_id,
            state: None,
            owner_user_id: q.owner,
        },
        state: wanted_state,
    };
    let visibility = who.actor.visibility();
    let today = state.today();
    let all = db::read(&state.pool, move |conn| {
        matching(conn, &visibility, &wanted, today)
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

/// The findings matching the query as CSV (UTF-8 with BOM; English column keys first, as
/// the audit log export). The export is audited.
#[utoipa::path(tag = "findings", params(FindingExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/findings/export.csv")]
pub async fn export(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<FindingExportQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let mut f = Fields::new();
    let wanted_state = parse_state(&mut f, q.state.as_deref());
    f.finish()?;
    let described = serde_json::json!({
        "state": q.state, "engagement_id": q.engagement_id, "vendor_id": q.vendor_id,
        "check_id": q.check_id, "owner": q.owner,
    });
    let wanted = Wanted {
        filter: FindingFilter {
            engagement_id: q.engagement_id,
            vendor_id: q.vendor_id,
            check_id: q.check_id,
            state: None,
            owner_user_id: q.owner,
        },
        state: wanted_state,
    };
    let visibility = who.actor.visibility();
    let today = state.today();
    let origin = who.origin();
    let body = db::read(&state.pool, move |conn| {
        let all = matching(conn, &visibility, &wanted, today)?;
        let rows = all.len();
        let body = csv::body(
            &[
                "id",
                "check_id",
                "engagement_id",
                "engagement_title",
                "vendor_id",
                "question_id",
                "section",
                "rules",
                "state",
                "overdue",
                "owner_user_id",
                "due_on",
                "corrective_action",
                "risk_reason",
                "risk_approved_by",
                "closed_at_utc",
                "created_at_utc",
            ],
            all.into_iter().map(|f| {
                vec![
                    f.id,
                    f.check_id,
                    f.engagement_id,
                    f.engagement_title,
                    f.vendor_id,
                    f.question_id,
                    f.section,
                    f.rules.join(" "),
                    f.state.as_str().to_string(),
                    f.overdue.to_string(),
                    f.owner_user_id,
                    f.due_on.to_string(),
                    f.corrective_action,
                    f.risk_reason.unwrap_or_default(),
                    f.risk_approved_by.unwrap_or_default(),
                    f.closed_at
                        .map(|t| csv::time(t.naive_utc()))
                        .unwrap_or_default(),
                    csv::time(f.created_at.naive_utc()),
                ]
            }),
        )?;
        db::write(conn, |conn| {
            audit::append(
                conn,
                &origin,
                &Event::new("finding.export").after(&serde_json::json!({
                    "filter": described, "rows": rows,
                })),
            )
        })?;
        Ok(body)
    })
    .await?;
    let name = format!("itaku-findings-{}.csv", state.today().format("%Y%m%d"));
    Ok(csv::download(&name, body))
}

/// One finding, with the question as its check asked it.
#[utoipa::path(tag = "findings",
    responses((status = 200, body = FindingDetail), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/findings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let today = state.today();
    let origin = who.origin();
    let response = db::read(&state.pool, move |conn| {
        let (row, engagement) = load_visible(conn, &who.actor, &id)?;
        let response = detail(conn, row, &engagement, today)?;
        audit_l3_read(
            conn,
            &origin,
            engagement.level(),
            &Event::new("finding.read_l3").target("finding", &id),
        )?;
        Ok(response)
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingPatch {
    /// What was or will be done about it (at most 4,000 characters); required to close.
    pub corrective_action: Option<String>,
    /// An active user who owns the corrective action.
    pub owner_user_id: Option<String>,
    /// YYYY-MM-DD.
    pub due_on: Option<String>,
    /// `open`, `in_progress` or `closed`. A risk is accepted through
    /// `POST /api/v1/findings/{id}/risk-acceptance`.
    pub state: Option<String>,
}

fn final_conflict() -> AppError {
    AppError::Conflict {
        message: Msg::new(
            "完了又はリスク受容済みの指摘事項は変更できません",
            "A closed or risk-accepted finding cannot be changed",
        ),
        allowed: vec![],
    }
}

/// Records the corrective action, its owner and due date, and moves the finding to in
/// progress or closed (closing needs the corrective action written down).
#[utoipa::path(tag = "findings", request_body = FindingPatch,
    responses((status = 200, body = FindingDetail), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/findings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<FindingPatch>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let mut f = Fields::new();
    let corrective = f
        .check_opt(
            "corrective_action",
            body.corrective_action
                .as_deref()
                .map(|v| BoundedText::parse_allow_empty(v, 4000)),
        )
        .flatten();
    let due_on = f
        .check_opt("due_on", body.due_on.as_deref().map(parse_iso_date))
        .flatten();
    let to_state = match body.state.as_deref() {
        None => None,
        Some("risk_accepted") => {
            f.push(
                "state",
                "use_risk_acceptance",
                Msg::new(
                    "リスクの受容は POST /api/v1/findings/{id}/risk-acceptance で理由を添えて承認を受けてください（R-2.6）",
                    "A risk is accepted through POST /api/v1/findings/{id}/risk-acceptance, with a reason and an approver (R-2.6)",
                ),
            );
            None
        }
        Some(s) => match FindingState::parse(s) {
            Some(v) => Some(v),
            None => {
                f.push(
                    "state",
                    "invalid",
                    Msg::new(
                        "open、in_progress、closed のいずれかを指定してください",
                        "Must be one of: open, in_progress, closed",
                    ),
                );
                None
            }
        },
    };
    let owner = body.owner_user_id;
    let today = state.today();
    let now = state.now().naive_utc();
    let origin = who.origin();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let (row, engagement) = load_visible(conn, &who.actor, &id)?;
            who.actor.authorize(Action::ChangeEngagement {
                division_id: &engagement.division_id,
            })?;
            if let Some(o) = &owner {
                if !users::find(conn, o)?.is_some_and(|u| u.active) {
                    f.push(
                        "owner_user_id",
                        "unknown",
                        Msg::new(
                            "担当者には有効な利用者を指定してください",
                            "The owner must be an active user",
                        ),
                    );
                }
            }
            f.finish()?;
            let from = state_of(&row);
            let to = to_state.unwrap_or(from);
            let mut next = row.clone();
            if let Some(c) = corrective {
                next.corrective_action = c.into_inner();
            }
            if let Some(o) = owner {
                next.owner_user_id = o;
            }
            if let Some(d) = due_on {
                next.due_on = d;
            }
            next.state = to.as_str().to_string();
            match life::edit(from, to, &next.corrective_action) {
                Ok(()) => {}
                Err(Refused::Final) => return Err(final_conflict()),
                Err(Refused::NoCorrectiveAction) => {
                    return Err(AppError::validation(
                        "corrective_action",
                        "required",
                        Msg::new(
                            "完了にするには是正措置を記入してください",
                            "Write down the corrective action before closing the finding",
                        ),
                    ))
                }
                Err(Refused::RiskNeedsApproval) => {
                    return Err(AppError::validation(
                        "state",
                        "use_risk_acceptance",
                        Msg::new(
                            "リスクの受容は risk-acceptance で承認を受けてください（R-2.6）",
                            "A risk is accepted through risk-acceptance (R-2.6)",
                        ),
                    ))
                }
            }
            let changed = next.corrective_action != row.corrective_action
                || next.owner_user_id != row.owner_user_id
                || next.due_on != row.due_on
                || next.state != row.state;
            if changed {
                if !from.is_open() {
                    return Err(final_conflict());
                }
                next.closed_at = (to == FindingState::Closed).then_some(now);
                next.updated_at = now;
                store::update_finding(conn, &next)?;
                audit::append(
                    conn,
                    &origin,
                    &Event::new("finding.update")
                        .target("finding", &id)
                        .before(&audited(&row))
                        .after(&audited(&next)),
                )?;
            }
            let current = store::find_finding(conn, &id)?.ok_or_else(not_found)?;
            detail(conn, current, &engagement, today)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAcceptanceBody {
    /// Why the risk is accepted instead of corrected (at most 2,000 characters).
    pub reason: Option<String>,
}

/// Accepts a finding's risk instead of correcting it, with the reason: for ROLE-CISO,
/// ROLE-DCISO and ROLE-CSM, never the finding's owner.
#[utoipa::path(tag = "findings", request_body = RiskAcceptanceBody,
    responses((status = 200, body = FindingDetail), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/findings/{id}/risk-acceptance")]
pub async fn accept_risk(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<RiskAcceptanceBody>,
) -> AppResult<HttpResponse> {
    let mut f = Fields::new();
    let reason = f.require("reason", body.0.reason.as_deref(), |v| {
        BoundedText::parse(v, 2000)
    });
    f.finish()?;
    let Some(reason) = reason else {
        unreachable!("finish() refused a missing reason")
    };
    let today = state.today();
    let now: NaiveDateTime = state.now().naive_utc();
    let origin = who.origin();
    let response = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let (row, engagement) = load_visible(conn, &who.actor, &id)?;
            who.actor.authorize(Action::AcceptRisk {
                owner: &row.owner_user_id,
            })?;
            life::accept_risk(state_of(&row)).map_err(|_| final_conflict())?;
            let mut next = row.clone();
            next.state = FindingState::RiskAccepted.as_str().to_string();
            next.risk_reason = Some(reason.into_inner());
            next.risk_approved_by = Some(who.actor.user_id.clone());
            next.updated_at = now;
            store::update_finding(conn, &next)?;
            audit::append(
                conn,
                &origin,
                &Event::new("finding.accept_risk")
                    .target("finding", &id)
                    .before(&audited(&row))
                    .after(&audited(&next)),
            )?;
            detail(conn, next, &engagement, today)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::divisions::division_filter;
use crate::app::engagements::load_visible;
use crate::audit::Event;
use crate::compliance;
use crate::db::approvals::{self, WaiverRow};
use crate::db::facts::{self, FactsScope};
use crate::db::{self, audit};
use crate::domain::BoundedText;
use crate::domain::Role;
use crate::error::AppError;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::page::{Page, Paging};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::Msg;
use crate::policy::access::Action;
use crate::policy::obligations::{Obligation, ObligationState};
use crate::validate::Fields;

#[derive(Debug, Serialize, ToSchema)]
pub struct WaiverResponse {
    pub reason: String,
    pub by_user_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObligationResponse {
    pub engagement_id: String,
    pub engagement_title: String,
    /// The rule's ID in the policy catalog, e.g. `R-8.2`.
    pub rule_id: String,
    pub title_ja: String,
    pub title_en: String,
    /// What it is about when the rule applies several times (an information item's id).
    pub subject: Option<String>,
    pub subject_name: Option<String>,
    /// The rule through which this one applies (`R-8.5` for a subcontract).
    pub via: Option<String>,
    pub owner_role: Role,
    /// The person who must act, when one person is named.
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub state: ObligationState,
    pub met_on: Option<NaiveDate>,
    pub waiver: Option<WaiverResponse>,
}

impl ObligationResponse {
    fn new(o: Obligation, engagement_id: &str, engagement_title: &str) -> Self {
        ObligationResponse {
            engagement_id: engagement_id.to_string(),
            engagement_title: engagement_title.to_string(),
            rule_id: o.rule.id.to_string(),
            title_ja: o.rule.title_ja.to_string(),
            title_en: o.rule.title_en.to_string(),
            subject: o.subject,
            subject_name: o.subject_name,
            via: o.via.map(str::to_string),
            owner_role: o.owner_role,
            assignee_user_id: o.assignee_user_id,
            due_on: o.due_on,
            state: o.state,
            met_on: o.met_on,
            waiver: o
                .waiver
                .map(|(reason, by_user_id)| WaiverResponse { reason, by_user_id }),
        }
    }
}

/// What the Standard requires of this engagement now, derived afresh from its kind, level,
/// status, dates, items and contract.
#[utoipa::path(tag = "obligations",
    responses((status = 200, body = Vec<ObligationResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/obligations")]
pub async fn of_engagement(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let visibility = who.actor.visibility();
    let loaded = db::read(&state.pool, move |conn| {
        load_visible(conn, &who.actor, &id)?;
        facts::load(
            conn,
            &visibility,
            &FactsScope {
                engagement_id: Some(id.to_string()),
                division_id: None,
            },
        )
    })
    .await?;
    let config = &state.config;
    let today = state.today();
    let found: Vec<ObligationResponse> = loaded
        .iter()
        .flat_map(|f| {
            compliance::obligations_of(
                f,
                state.clauses.catalog(),
                config.time_zone,
                &config.rules,
                today,
            )
            .into_iter()
            .map(move |o| ObligationResponse::new(o, &f.engagement.id, &f.engagement.title))
        })
        .collect();
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ObligationQuery {
    /// `open`, `met`, `overdue` or `waived`.
    #[param(value_type = Option<crate::policy::obligations::ObligationState>, inline)]
    pub state: Option<String>,
    /// Division code.
    pub division: Option<String>,
    /// The role that must act, e.g. `security_officer`.
    #[param(value_type = Option<crate::domain::Role>, inline)]
    pub role: Option<String>,
    /// The person who must act (user id).
    pub assignee: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// Obligations across every engagement the caller may see, soonest due first: for
/// dashboards and reminders.
#[utoipa::path(tag = "obligations", params(ObligationQuery),
    responses((status = 200, body = Page<ObligationResponse>), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/obligations")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<ObligationQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut f = Fields::new();
    let paging = Paging::parse(query.page.as_deref(), query.per_page.as_deref(), &mut f);
    let wanted_state = match query.state.as_deref() {
        Some(s) => match ObligationState::parse(s) {
            Some(v) => Some(v),
            None => {
                f.push(
                    "state",
                    "invalid",
                    Msg::new(
                        "open、met、overdue、waived のいずれかを指定してください",
                        "Must be one of: open, met, overdue, waived",
                    ),
                );
                None
            }
        },
        None => None,
    };
    let role = f
        .check_opt("role", query.role.as_deref().map(Role::parse))
        .flatten();
    f.finish()?;
    let visibility = who.actor.visibility();
    let division = query.division.clone();
    let loaded = db::read(&state.pool, move |conn| {
        let division_id = division_filter(conn, division.as_deref())?;
        facts::load(
            conn,
            &visibility,
            &FactsScope {
                engagement_id: None,
                division_id,
            },
        )
    })
    .await?;
    let config = &state.config;
    let today = state.today();
    let mut matching: Vec<ObligationResponse> = loaded
        .iter()
        .flat_map(|facts| {
            compliance::obligations_of(
                facts,
                state.clauses.catalog(),
                config.time_zone,
                &config.rules,
                today,
            )
            .into_iter()
            .filter(|o| wanted_state.is_none_or(|s| o.state == s))
            .filter(|o| role.is_none_or(|r| o.owner_role == r))
            .filter(|o| {
                query
                    .assignee
                    .as_deref()
                    .is_none_or(|a| o.assignee_user_id.as_deref() == Some(a))
            })
            .map(move |o| ObligationResponse::new(o, &facts.engagement.id, &facts.engagement.title))
        })
        .collect();
    matching.sort_by(|a, b| {
        (a.due_on, &a.engagement_id, &a.rule_id).cmp(&(b.due_on, &b.engagement_id, &b.rule_id))
    });
    let total = matching.len() as i64;
    let page: Vec<ObligationResponse> = matching
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
        .collect();
    Ok(HttpResponse::Ok().json(paging.wrap(page, total)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverBody {
    pub rule_id: Option<String>,
    /// For a rule that applies per item or asset: its id.
    pub subject_id: Option<String>,
    pub reason: Option<String>,
}

/// Waives one open or overdue obligation, with the reason; for ROLE-CISO, ROLE-DCISO and
/// ROLE-CSM, never the person who owes it.
#[utoipa::path(tag = "obligations", request_body = WaiverBody,
    responses((status = 201, body = ObligationResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/obligations/waivers")]
pub async fn waive(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<WaiverBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let mut f = Fields::new();
    if body.rule_id.is_none() {
        f.required("rule_id");
    }
    let reason = f.require("reason", body.reason.as_deref(), |v| {
        BoundedText::parse(v, 2000)
    });
    f.finish()?;
    let (Some(rule_id), Some(reason)) = (body.rule_id, reason) else {
        unreachable!("finish() refused missing fields")
    };
    let subject = body.subject_id.filter(|s| !s.is_empty());
    let app = state.get_ref().clone();
    let today = state.today();
    let origin = who.origin();
    let waived = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let engagement = load_visible(conn, &who.actor, &id)?;
            who.actor.authorize(Action::Waive {
                owed_by: &engagement.responsible_user_id,
            })?;
            let scope = FactsScope {
                engagement_id: Some(id.to_string()),
                division_id: None,
            };
            let loaded = facts::load(conn, &crate::policy::access::Visibility::All, &scope)?;
            let config = &app.config;
            let current = loaded
                .first()
                .map(|f| {
                    compliance::obligations_of(
                        f,
                        app.clauses.catalog(),
                        config.time_zone,
                        &config.rules,
                        today,
                    )
                })
                .unwrap_or_default();
            let obligation = current
                .into_iter()
                .find(|o| o.rule.id == rule_id && o.subject == subject)
                .ok_or_else(|| {
                    AppError::validation(
                        "rule_id",
                        "unknown",
                        Msg::new(
                            "この案件にその義務はありません",
                            "This engagement has no such obligation",
                        ),
                    )
                })?;
            if matches!(
                obligation.state,
                ObligationState::Met | ObligationState::Waived
            ) {
                return Err(AppError::Conflict {
                    message: Msg::new(
                        "この義務は履行済みか免除済みです",
                        "This obligation is already met or waived",
                    ),
                    allowed: vec![],
                });
            }
            approvals::insert_waiver(
                conn,
                &WaiverRow {
                    id: db::new_id(),
                    engagement_id: id.to_string(),
                    rule_id: rule_id.clone(),
                    subject_id: subject.clone().unwrap_or_default(),
                    reason: reason.into_inner(),
                    waived_by: who.actor.user_id.clone(),
                    waived_at: db::now_utc(),
                },
            )?;
            let loaded = facts::load(conn, &crate::policy::access::Visibility::All, &scope)?;
            let facts = loaded
                .first()
                .ok_or_else(|| AppError::Internal("engagement vanished".into()))?;
            let waived = compliance::obligations_of(
                facts,
                app.clauses.catalog(),
                config.time_zone,
                &config.rules,
                today,
            )
            .into_iter()
            .find(|o| o.rule.id == rule_id && o.subject == subject)
            .map(|o| ObligationResponse::new(o, &facts.engagement.id, &facts.engagement.title))
            .ok_or_else(|| AppError::Internal("obligation vanished".into()))?;
            // The waiver has no id of its own in the API: it is found by its engagement.
            audit::append(
                conn,
                &origin,
                &Event::new("obligation.waive")
                    .target("engagement", &id)
                    .after(&waived),
            )?;
            Ok(waived)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(waived))
}

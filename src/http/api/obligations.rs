//! `/api/v1/obligations` (the stored obligations of the register, their state on today
//! decided in SQL) and an engagement's obligations (derived afresh); a waiver goes
//! through `app::obligations`.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::obligations as use_case;
pub use crate::app::obligations::{
    ObligationResponse, WaiverBody, WaiverDecisionBody, WaiverRequest, WaiverResponse,
};
use crate::app::page::{Page, Paging};
use crate::db;
use crate::domain::Role;
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::Msg;
use crate::policy::obligations::ObligationState;
use crate::validate::Fields;

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
    let app = state.get_ref().clone();
    let found = db::read(&state.pool, move |conn| {
        use_case::of_engagement(conn, &app, &who.actor, &id, app.today())
    })
    .await?;
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
    let wanted = use_case::ObligationQuery {
        state: wanted_state,
        division: query.division,
        role,
        assignee_user_id: query.assignee,
    };
    let today = state.today();
    let count_up_to = state.config.list_count_up_to;
    let (page, total) = db::read(&state.pool, move |conn| {
        use_case::list(conn, &who.actor, &wanted, today, (&paging, count_up_to))
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.wrap(page, total)))
}

/// Asks for an open or overdue obligation to be waived, with the reason; ROLE-CISO,
/// ROLE-DCISO or ROLE-CSM decides, never the person who owes it or who asked.
/// The obligations the Standard makes unconditional cannot be asked for (422).
#[utoipa::path(tag = "obligations", request_body = WaiverBody,
    responses((status = 201, body = WaiverRequest), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/obligations/waivers")]
pub async fn waive(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<WaiverBody>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let actor = who.actor.clone();
    let services = state.get_ref().clone();
    let requested = crate::app::write(&state, who.origin(), move |tx| {
        use_case::request_waiver(
            tx,
            &actor,
            services.clauses.catalog(),
            &services.config,
            &id,
            body,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(requested))
}

/// An engagement's waivers, pending and decided, the latest request first.
#[utoipa::path(tag = "obligations",
    responses((status = 200, body = Vec<WaiverRequest>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/obligations/waivers")]
pub async fn waivers(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let found = db::read(&state.pool, move |conn| {
        use_case::waivers_of(conn, &who.actor, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Approves or rejects a waiver asked for. An approval stands for one check
/// interval, or to the earlier day asked for; then the obligation is owed again.
#[utoipa::path(tag = "obligations", request_body = WaiverDecisionBody,
    responses((status = 200, body = WaiverRequest), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/obligations/waivers/{waiver_id}/decision")]
pub async fn decide_waiver(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
    body: ApiJson<WaiverDecisionBody>,
) -> AppResult<HttpResponse> {
    let (id, waiver_id) = path.into_inner();
    let body = body.0;
    let actor = who.actor.clone();
    let services = state.get_ref().clone();
    let decided = crate::app::write(&state, who.origin(), move |tx| {
        use_case::decide_waiver(tx, &actor, &services.config, &id, &waiver_id, body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(decided))
}

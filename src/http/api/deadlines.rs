//! What is due, for a person: one list of every dated thing they must act on.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db;
use crate::deadlines::Kind;
use crate::error::AppResult;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
use crate::policy::access::Action;
use crate::sweep::{self, Directory};
use crate::validate::Fields;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadlineQuery {
    /// Whose deadlines (a user id); the caller's own by default.
    pub person: Option<String>,
    /// Days ahead to look (0–365, default 30); overdue ones are always listed.
    pub within: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineResponse {
    pub key: String,
    pub kind: Kind,
    pub rule_id: String,
    pub what: String,
    pub engagement_id: Option<String>,
    pub engagement_title: Option<String>,
    pub due_on: NaiveDate,
    /// Days until due; negative when overdue.
    pub days: i64,
    pub overdue: bool,
    pub link: String,
}

/// Every deadline of a person within `within` days, overdue ones included, soonest first.
#[utoipa::path(tag = "deadlines", params(DeadlineQuery),
    responses((status = 200, body = Vec<DeadlineResponse>), (status = 403), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/deadlines")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<DeadlineQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let person = q.person.unwrap_or_else(|| who.user.id.clone());
    who.actor
        .authorize(Action::SeeDeadlinesOf { user_id: &person })?;
    let mut fields = Fields::new();
    let within = match q.within.as_deref().map(|w| w.trim().parse::<u32>()) {
        None => 30,
        Some(Ok(n)) if n <= 365 => n,
        Some(_) => {
            fields.push(
                "within",
                "invalid",
                Msg::new(
                    "0 から 365 までの日数を指定してください",
                    "Must be a number of days from 0 to 365",
                ),
            );
            0
        }
    };
    fields.finish()?;
    let today = state.today();
    let app = state.get_ref().clone();
    let lang = Lang::current();
    let found = db::read(&state.pool, move |conn| {
        let list = sweep::all_deadlines(conn, &app.config, app.clauses.catalog(), today)?;
        let directory = Directory::load(conn)?;
        let horizon = today + chrono::Days::new(within.into());
        let mut mine: Vec<DeadlineResponse> = list
            .into_iter()
            .filter(|d| d.due_on <= horizon)
            .filter(|d| directory.resolve(&d.owner).iter().any(|p| p.id == person))
            .map(|d| {
                let days = (d.due_on - today).num_days();
                DeadlineResponse {
                    what: d.what.get(lang).to_string(),
                    link: format!("{}{}", app.config.public_base_url, d.path),
                    key: d.key,
                    kind: d.kind,
                    rule_id: d.rule_id,
                    engagement_id: d.engagement_id,
                    engagement_title: d.engagement_title,
                    due_on: d.due_on,
                    days,
                    overdue: days < 0,
                }
            })
            .collect();
        mine.sort_by(|a, b| (a.due_on, &a.key).cmp(&(b.due_on, &b.key)));
        Ok(mine)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

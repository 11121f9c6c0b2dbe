//! What is due, for a person: one list of every dated thing they must act on.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db;
use crate::error::AppResult;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::{Lang, Msg};
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

pub use crate::app::deadlines::DeadlineResponse;

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
    let actor = who.actor.clone();
    let found = db::read(&state.pool, move |conn| {
        crate::app::deadlines::of_person(conn, &app, &actor, &person, Some(within), today, lang)
    })
    .await?;
    Ok(HttpResponse::Ok().json(found))
}

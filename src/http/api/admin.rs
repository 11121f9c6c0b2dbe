//! Running the reminder sweep by hand and looking after the email outbox: ROLE-CSM.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::outbox as use_case;
pub use crate::app::outbox::OutboxMessage;
use crate::app::page::Page;
use crate::db;
use crate::error::AppResult;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::sweep::SweepReport;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SweepQuery {
    /// true: say what would be sent, send and record nothing.
    pub dry_run: Option<bool>,
}

/// Runs the reminder sweep now, as the schedule would. Nothing already sent is sent
/// again; a dry run lists what would go out.
#[utoipa::path(tag = "admin", params(SweepQuery),
    responses((status = 200, body = SweepReport), (status = 403)),
    security(("session" = []), ("token" = [])))]
#[post("/admin/sweep")]
pub async fn sweep(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<SweepQuery>,
) -> AppResult<HttpResponse> {
    let dry_run = query.dry_run.unwrap_or(false);
    let report = crate::scheduler::Sweeper::of(&state)
        .by_hand(who.origin(), &who.actor, dry_run)
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// pending, sent or failed.
    #[param(value_type = Option<super::params::OutboxStatus>, inline)]
    pub status: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// The email outbox, newest first: what is waiting, what went out, what failed and why.
#[utoipa::path(tag = "admin", params(OutboxQuery),
    responses((status = 200, body = Page<OutboxMessage>), (status = 403), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[get("/admin/outbox")]
pub async fn outbox_list(
    state: web::Data<AppState>,
    who: SignedIn,
    query: web::Query<OutboxQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let asked = use_case::OutboxQuery {
        status: q.status,
        page: q.page,
        per_page: q.per_page,
    };
    let page = db::read(&state.pool, move |conn| {
        use_case::list(conn, &who.actor, &asked)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Sends a failed message again, from a first attempt (e.g. after fixing the address).
#[utoipa::path(tag = "admin",
    responses((status = 204), (status = 403), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[post("/admin/outbox/{id}/retry")]
pub async fn outbox_retry(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    crate::app::write(&state, who.origin(), move |tx| {
        crate::app::outbox::retry(tx, &who.actor, &id)
    })
    .await?;
    state.wake_delivery.notify();
    Ok(HttpResponse::NoContent().finish())
}

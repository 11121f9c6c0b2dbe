//! The JSON API under `/api/v1`, one module per resource, described by an OpenAPI
//! document generated from the handlers themselves.

pub mod access_review;
pub mod admin;
pub mod approvals;
pub mod audit_log;
pub mod checks;
pub mod contracts;
pub mod deadlines;
pub mod divisions;
pub mod engagements;
pub mod findings;
pub mod health;
pub mod information_items;
pub mod obligations;
pub mod questionnaires;
pub mod session;
pub mod users;
pub mod vendors;

use actix_web::{get, web, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Itaku API",
        description = "委託先・指定管理者・クラウドサービスの情報セキュリティ管理 / Keeping a municipality's vendors inside its information security rules"
    ),
    paths(
        health::healthz,
        health::readyz,
        session::sign_in,
        session::second_factor,
        session::change_password,
        session::begin_enrolment,
        session::confirm_enrolment,
        session::renew_recovery_codes,
        session::current,
        session::preferences,
        session::sign_out,
        divisions::list,
        divisions::create,
        users::list,
        users::get,
        users::create,
        users::update,
        users::reset_second_factor,
        access_review::show,
        access_review::confirm,
        audit_log::list,
        audit_log::export,
        audit_log::verification,
        deadlines::list,
        questionnaires::list,
        questionnaires::get,
        admin::sweep,
        admin::outbox_list,
        admin::outbox_retry,
        vendors::list,
        vendors::create,
        vendors::get,
        vendors::update,
        engagements::list,
        engagements::create,
        engagements::get,
        engagements::update,
        engagements::transition,
        information_items::list,
        information_items::create,
        information_items::update,
        information_items::remove,
        obligations::of_engagement,
        obligations::list,
        obligations::waive,
        contracts::clauses,
        contracts::record,
        contracts::list,
        approvals::request,
        approvals::of_engagement,
        approvals::list,
        approvals::decide,
        approvals::record_asset,
        approvals::assets,
        checks::issue,
        checks::of_engagement,
        checks::set_interval,
        checks::list,
        checks::export,
        checks::get,
        checks::evidence,
        checks::review,
        checks::renew_links,
        checks::revoke_links,
        findings::list,
        findings::export,
        findings::get,
        findings::update,
        findings::accept_risk,
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::http::signed_in::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document; public, like any API's documentation.
#[get("/openapi.json")]
async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(
            web::scope("/api/v1")
                .service(openapi_document)
                .service(session::sign_in)
                .service(session::second_factor)
                .service(session::change_password)
                .service(session::begin_enrolment)
                .service(session::confirm_enrolment)
                .service(session::renew_recovery_codes)
                .service(session::current)
                .service(session::preferences)
                .service(session::sign_out)
                .service(divisions::list)
                .service(divisions::create)
                .service(users::list)
                .service(users::get)
                .service(users::create)
                .service(users::update)
                .service(users::reset_second_factor)
                .service(access_review::show)
                .service(access_review::confirm)
                .service(audit_log::list)
                .service(audit_log::export)
                .service(audit_log::verification)
                .service(deadlines::list)
                .service(questionnaires::list)
                .service(questionnaires::get)
                .service(admin::sweep)
                .service(admin::outbox_list)
                .service(admin::outbox_retry)
                .service(vendors::list)
                .service(vendors::create)
                .service(vendors::get)
                .service(vendors::update)
                .service(engagements::list)
                .service(engagements::create)
                .service(engagements::get)
                .service(engagements::update)
                .service(engagements::transition)
                .service(information_items::list)
                .service(information_items::create)
                .service(information_items::update)
                .service(information_items::remove)
                .service(obligations::of_engagement)
                .service(obligations::list)
                .service(obligations::waive)
                .service(contracts::clauses)
                .service(contracts::record)
                .service(contracts::list)
                .service(approvals::request)
                .service(approvals::of_engagement)
                .service(approvals::list)
                .service(approvals::decide)
                .service(approvals::record_asset)
                .service(approvals::assets)
                .service(checks::issue)
                .service(checks::of_engagement)
                .service(checks::set_interval)
                // Before `/checks/{id}`, which would take `export.csv` for an id.
                .service(checks::export)
                .service(checks::list)
                .service(checks::get)
                .service(checks::evidence)
                .service(checks::review)
                .service(checks::renew_links)
                .service(checks::revoke_links)
                .service(findings::export)
                .service(findings::list)
                .service(findings::get)
                .service(findings::update)
                .service(findings::accept_risk),
        );
}

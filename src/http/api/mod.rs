//! The JSON API under `/api/v1`, one module per resource, described by an OpenAPI
//! document generated from the handlers themselves.

pub mod access_review;
pub mod admin;
pub mod approvals;
pub mod audit_log;
pub mod checks;
pub mod cloud_service;
pub mod configuration;
pub mod contracts;
pub mod deadlines;
pub mod divisions;
pub mod engagements;
pub mod findings;
pub mod health;
pub mod information_items;
pub mod listing;
pub mod obligations;
pub mod params;
pub mod problems;
pub mod questionnaires;
pub mod records;
pub mod responsibility;
pub mod session;
pub mod subprocessors;
pub mod users;
pub mod vendors;

use actix_web::{get, web, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use problems::StandardProblems;

/// What the document says besides its paths, which come from the route list below.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Itaku API",
        description = "委託先・指定管理者・クラウドサービスの情報セキュリティ管理 / Keeping a municipality's vendors inside its information security rules"
    ),
    components(schemas(problems::ProblemDocument, problems::ProblemFieldDocument)),
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

/// The document, written once at start-up from the same registration that routes.
pub struct Document(pub String);

/// The OpenAPI document; public, like any API's documentation.
#[get("/openapi.json")]
async fn openapi_document(doc: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

/// Every API route, registered once: the router serves it and the OpenAPI document
/// describes it from this same list, so the two cannot drift.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(
            scope::scope("/api/v1")
                // The document itself is not one of the operations it describes.
                .map(|scope| scope.service(openapi_document))
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
                // Before `/engagements/{id}`, which would take `export.csv` for an id.
                .service(engagements::export)
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
                .service(obligations::waivers)
                .service(obligations::decide_waiver)
                .service(records::list)
                .service(records::create)
                .service(records::attach)
                .service(records::file)
                .service(configuration::list)
                .service(configuration::create)
                .service(configuration::approve)
                .service(configuration::compare)
                .service(responsibility::list)
                .service(responsibility::create)
                .service(responsibility::send)
                .service(responsibility::approve)
                .service(cloud_service::show)
                .service(cloud_service::listing)
                .service(cloud_service::location)
                .service(subprocessors::list)
                .service(subprocessors::record)
                .service(subprocessors::acknowledge)
                .service(subprocessors::link)
                .service(contracts::clauses)
                .service(contracts::completion_record)
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

/// The OpenAPI document of the route list, as the service serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    // Completes every operation, so it runs once the route list has added them (a
    // derive modifier would run on the base document, before there are any).
    StandardProblems.modify(&mut doc);
    doc
}

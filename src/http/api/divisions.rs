use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event;
use crate::db::{self, audit, divisions};
use crate::domain::{BoundedText, DivisionCode};
use crate::error::AppResult;
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::policy::access::Action;
use crate::validate::Fields;

#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionResponse {
    pub code: String,
    pub name: String,
}

impl From<divisions::Division> for DivisionResponse {
    fn from(d: divisions::Division) -> Self {
        DivisionResponse {
            code: d.code,
            name: d.name,
        }
    }
}

/// Divisions (課等).
#[utoipa::path(tag = "divisions",
    responses((status = 200, body = Vec<DivisionResponse>)), security(("session" = []), ("token" = [])))]
#[get("/divisions")]
pub async fn list(state: web::Data<AppState>, _who: SignedIn) -> AppResult<HttpResponse> {
    let list = db::read(&state.pool, divisions::list).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(DivisionResponse::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDivisionRequest {
    pub code: Option<String>,
    pub name: Option<String>,
}

/// Registers a division; for ROLE-CISO, ROLE-DCISO and ROLE-CSM.
#[utoipa::path(tag = "divisions", request_body = CreateDivisionRequest,
    responses((status = 201, body = DivisionResponse), (status = 403), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/divisions")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<CreateDivisionRequest>,
) -> AppResult<HttpResponse> {
    who.actor.authorize(Action::Administer)?;
    let mut fields = Fields::new();
    let code = fields.require("code", body.0.code.as_deref(), DivisionCode::parse);
    let name = fields.require("name", body.0.name.as_deref(), |v| {
        BoundedText::parse(v, 100)
    });
    fields.finish()?;
    let (Some(code), Some(name)) = (code, name) else {
        unreachable!("finish() refused missing fields")
    };
    let origin = who.origin();
    let division = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let created = divisions::create(conn, code.as_str(), name.as_str())?;
            let id = created.id.clone();
            let division = DivisionResponse::from(created);
            audit::append(
                conn,
                &origin,
                &Event::new("division.create")
                    .target("division", &id)
                    .after(&division),
            )?;
            Ok(division)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(division))
}

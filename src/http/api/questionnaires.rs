//! The questionnaire definitions the service loaded (built-in, or overridden by
//! `questionnaires_dir`): what vendors are asked, for officers to see before checks are
//! sent.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::questionnaires::{AppliesTo, Definition, Purpose, Text};

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireSummary {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub purpose: Purpose,
    pub applies_to: AppliesTo,
    /// The obligations an accepted answer set meets.
    pub rules: Vec<String>,
    pub question_count: usize,
}

impl From<&Definition> for QuestionnaireSummary {
    fn from(d: &Definition) -> Self {
        QuestionnaireSummary {
            id: d.id.clone(),
            version: d.version,
            title: d.title.clone(),
            purpose: d.purpose,
            applies_to: d.applies_to.clone(),
            rules: d.rules.clone(),
            question_count: d.question_count(),
        }
    }
}

/// Every questionnaire, by id.
#[utoipa::path(tag = "questionnaires",
    responses((status = 200, body = Vec<QuestionnaireSummary>)),
    security(("session" = []), ("token" = [])))]
#[get("/questionnaires")]
pub async fn list(state: web::Data<AppState>, _who: SignedIn) -> AppResult<HttpResponse> {
    let all: Vec<QuestionnaireSummary> = state
        .questionnaires
        .all()
        .map(QuestionnaireSummary::from)
        .collect();
    Ok(HttpResponse::Ok().json(all))
}

/// One questionnaire with its sections and questions.
#[utoipa::path(tag = "questionnaires",
    responses((status = 200, body = Definition), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/questionnaires/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let definition = state
        .questionnaires
        .get(&id)
        .ok_or_else(|| AppError::not_found("その点検票はありません", "No such questionnaire"))?;
    Ok(HttpResponse::Ok().json(definition))
}

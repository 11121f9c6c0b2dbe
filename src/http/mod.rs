//! The HTTP shell: parses requests into domain types, asks the rules, answers.

pub mod api;
pub mod client;
pub mod csrf;
pub mod csv;
pub mod input;
pub mod json;
pub mod page;
pub mod portal;
pub mod request_log;
pub mod routes;
pub mod signed_in;
pub mod validate;

use std::sync::Arc;

use crate::clauses::ClauseTemplates;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::DbPool;
use crate::delivery::Wake;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub clauses: Arc<ClauseTemplates>,
    /// The questionnaire definitions, checked at start-up.
    pub questionnaires: Arc<crate::questionnaires::Questionnaires>,
    pub email: Arc<crate::mail::EmailTemplates>,
    /// The vendor portal's page templates, checked at start-up.
    pub portal: Arc<crate::portal::PortalPages>,
    pub clock: Arc<dyn Clock>,
    /// Tells the delivery worker that messages were queued.
    pub wake_delivery: Wake,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The organisation's date: what "today" means for every due date.
    pub fn today(&self) -> chrono::NaiveDate {
        self.config.date_at(self.clock.now())
    }
}

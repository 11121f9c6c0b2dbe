//! The HTTP shell: parses requests into domain types, asks the rules, answers.

pub mod api;
pub mod client;
pub mod csrf;
pub mod json;
pub mod page;
pub mod request_log;
pub mod signed_in;
pub mod validate;

use std::sync::Arc;

use crate::clauses::ClauseTemplates;
use crate::config::Config;
use crate::db::DbPool;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    pub clauses: Arc<ClauseTemplates>,
}

//! The HTTP shell: parses requests into domain types, asks the rules, answers.

pub mod api;
pub mod assets;
pub mod client;
pub mod csrf;
pub mod csv;
pub mod input;
pub mod json;
pub mod pages;
pub mod portal;
pub mod request_log;
pub mod routes;
pub mod signed_in;
pub mod upload;

/// What every handler can reach: the application's services.
pub use crate::app::Services as AppState;

//! The rules, as pure functions of what they are given: no database, no HTTP, no clock of
//! their own. The application layer (`app`) loads what a rule needs, asks it, and acts on
//! the answer.

pub mod access;
pub mod access_review;
pub mod approvals;
pub mod checks;
pub mod cloud_service;
pub mod configuration;
pub mod end_of_term;
pub mod engagements;
pub mod findings;
pub mod lifecycle;
pub mod obligations;
pub mod records;
pub mod reminders;
pub mod responsibility;
pub mod rules;
pub mod sign_in;
pub mod subprocessors;
pub mod trace;

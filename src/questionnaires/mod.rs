//! Questionnaire definitions: one YAML file per questionnaire under `questionnaires/`
//! (periodic checks, inspections and selection self-assessments sent to vendors).
//!
//! The built-in files are embedded in the binary; an override folder replaces a built-in
//! of the same file name or adds new ones. Everything is read and checked at start-up, and
//! a bad file stops the service with its name, the line and the reason, every problem of
//! every file at once. A check that has been sent keeps its own copy of the definition
//! (`Definition::snapshot_json`), so editing a file later never changes it.

pub mod answers;
pub mod attestation;
mod check;
mod definition;
mod load;

#[cfg(test)]
mod tests;

pub use definition::{
    AnswerType, AppliesTo, Choice, Definition, Purpose, Question, Section, SectionId, Subject, Text,
};
pub use load::{Problem, QuestionnaireError, Questionnaires};

/// Whether `id` is a rule of the policy catalog (a row of `policy::trace::TRACE`).
pub fn is_known_rule(id: &str) -> bool {
    crate::policy::trace::TRACE.iter().any(|t| t.id == id)
}

//! The rendering layer shared by the contract clauses, the emails and the vendor portal
//! (and the staff pages next): where a template set's files come from, how its
//! Handlebars registry is set up, how it is checked at start-up, and its labels.
//!
//! Each set is a folder built into the binary (`contract_templates/`, `email_templates/`,
//! `portal_templates/`) that a deployment may override file by file with a folder of its
//! own. Everything is read and rendered against the set's samples when the service starts,
//! so that a wrong override stops it with the file and the reason instead of failing on
//! the first person who opens a page. The samples and the view models stay with each set:
//! only they know which branches their templates can take.

mod labels;
mod source;
mod templates;

pub use labels::{load_labels, Localized, Pattern};
pub use source::{Source, TemplateSource};
pub use templates::{escape_html, Escape, Templates};

/// A template, labels file or catalog that cannot be used, named by its file: the path in
/// the override folder, or the built-in folder's name and the relative path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct TemplateError {
    pub file: String,
    pub reason: String,
}

impl TemplateError {
    pub fn new(file: impl Into<String>, reason: impl ToString) -> TemplateError {
        TemplateError {
            file: file.into(),
            reason: reason.to_string(),
        }
    }
}

//! The vendor portal's pages: what a vendor contact sees through an emailed link, with no
//! account. Server-rendered HTML from the Handlebars templates in `portal_templates/`,
//! Japanese by default with an English switch, usable without JavaScript and on a phone.
//! The HTTP handlers (`http::portal`) decide what to show; this module only renders it.

pub mod pages;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::i18n::{Lang, Msg};
use crate::policy::checks::CheckState;
use crate::questionnaires::answers::{AnswerProblem, RawAnswer};
use crate::questionnaires::Definition;

pub use pages::PortalPages;

/// One evidence file already stored for a question.
#[derive(Debug, Clone)]
pub struct EvidenceItem {
    pub id: String,
    pub question_id: String,
    pub file_name: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

/// What the page says at its top after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The draft was saved.
    Saved,
    /// The draft was saved, but the submission needs the problems listed fixed first.
    SavedNotSubmitted,
    /// Nothing was saved: the answers listed are not valid (and files chosen were not kept).
    NotSaved,
    /// The check was submitted (also shown on a repeated submission).
    Submitted,
    /// The officer returned the check for correction.
    Returned,
}

pub use crate::questionnaires::answers::Signature;

/// What a page that carries only a message says; its words are in the labels files
/// (`[messages]`).
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    /// A link that opens nothing: unknown, expired and revoked look the same.
    InvalidLink,
    TooManyTries {
        minutes: u64,
    },
    Unavailable,
    MethodNotAllowed,
    CrossSite,
    WrongFormat,
    /// The form's token does not match the page's.
    WrongPage,
    /// What was too large, as the form reader said it.
    TooLarge {
        reason: &'a Msg,
    },
    /// What could not be read.
    NotSent {
        reason: &'a Msg,
    },
}

/// One area of a division of responsibility, in the page's language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResponsibilityEntry {
    pub area: String,
    /// `ward`, `provider` or `shared`.
    pub responsible_key: &'static str,
    pub responsible: String,
    pub notes: String,
}

/// The division of responsibility a provider is asked to confirm, with what
/// was typed and its errors (field, message in the page's language) after a refusal.
pub struct ResponsibilityPage<'a> {
    pub lang: Lang,
    pub base_path: &'a str,
    pub engagement_title: &'a str,
    pub vendor_name: &'a str,
    pub version: i32,
    pub entries: Vec<ResponsibilityEntry>,
    pub decision: &'a str,
    pub signed_name: &'a str,
    pub comment: &'a str,
    pub errors: Vec<(String, String)>,
}

/// One subprocessor as the portal lists it, in the page's language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubprocessorEntry {
    pub name: String,
    pub purpose: String,
    pub country: String,
    pub since: String,
}

/// A provider's subprocessors and the form that reports a change, with what was typed
/// (kind, name, purpose, country, effective_on) and its errors after a refusal.
pub struct SubprocessorsPage<'a> {
    pub lang: Lang,
    pub base_path: &'a str,
    pub engagement_title: &'a str,
    pub vendor_name: &'a str,
    /// A change was just reported.
    pub reported: bool,
    pub current: Vec<SubprocessorEntry>,
    /// (`added` or `removed`, the subprocessor) awaiting the ward's acknowledgement.
    pub pending: Vec<(&'static str, SubprocessorEntry)>,
    pub typed: [String; 5],
    pub errors: Vec<(String, String)>,
}

/// A signed submission, as it was made.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// In the organisation's time zone.
    pub at: NaiveDateTime,
    pub name: String,
    pub title: String,
}

/// Everything the check page shows. Values are as they should appear in the form: what
/// the vendor just typed when it was refused, otherwise what is stored.
pub struct CheckPage<'a> {
    pub lang: Lang,
    /// `/portal/<token>`: the form posts here; `?lang=en` / `?lang=ja` switch languages.
    pub base_path: &'a str,
    /// Goes into a hidden `csrf` field of every form.
    pub csrf: &'a str,
    pub organization: &'a str,
    pub engagement_title: &'a str,
    pub vendor_name: &'a str,
    pub contact_name: &'a str,
    /// The definition the check was sent with.
    pub definition: &'a Definition,
    /// As people see it today (`overdue` included).
    pub state: CheckState,
    pub due_on: NaiveDate,
    /// By question id.
    pub answers: &'a BTreeMap<String, RawAnswer>,
    pub evidence: &'a [EvidenceItem],
    /// Problems with answers, per question.
    pub problems: &'a [AnswerProblem],
    /// Problems with the other fields (`signed_name`, `signed_title`, `declaration`,
    /// `file.<QID>`), by field name.
    pub field_problems: &'a [(String, Msg)],
    pub notice: Option<Notice>,
    /// The officer's comment on the whole check and per question, when it was returned.
    pub review_comment: Option<&'a str>,
    pub question_comments: &'a BTreeMap<String, String>,
    pub signature: &'a Signature,
    /// Set once submitted: the page is then read-only.
    pub submitted: Option<&'a Submitted>,
    pub max_file_bytes: usize,
}

/// A page with a title and a message only: an invalid or expired link, too many tries,
/// a file too large, an unexpected error. It must never name an engagement or a vendor.
pub struct MessagePage<'a> {
    pub lang: Lang,
    pub title: &'a Msg,
    pub body: &'a Msg,
    /// Where the language switch points (`None`: no switch, e.g. for an invalid link).
    pub base_path: Option<&'a str>,
}

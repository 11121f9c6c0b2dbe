//! The engagement page's records (selection, the statement that nothing is handed over,
//! terms accepted, supervision, inspection) and waivers: what is on record and the forms
//! that add to it.

use serde::Serialize;

use super::{FormError, OptionView};

/// The records kept on an engagement and the forms that keep more.
#[derive(Debug, Clone, Serialize)]
pub struct RecordsView {
    pub rows: Vec<RecordRowView>,
    /// The kinds of file taken (`accept` of the file inputs).
    pub accept: String,
    /// One form per kind of record the person may keep on this engagement.
    pub forms: Vec<RecordFormView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordRowView {
    pub occurred_on: String,
    pub kind: String,
    /// Its fields, one line each ("label: value").
    pub lines: Vec<String>,
    /// Who recorded it (and for whom, when delegated).
    pub by: String,
    /// The rules it meets here.
    pub meets: Vec<String>,
    /// Its files, each a download.
    pub files: Vec<FileLinkView>,
    /// Where files are attached to it, for those who may (null otherwise).
    pub attach_action: Option<String>,
    /// Why the last files sent were refused.
    pub attach_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileLinkView {
    pub name: String,
    pub href: String,
    /// Its size in words (e.g. 120 KB).
    pub size: String,
}

/// One kind's form. Its fields' ids are prefixed with the kind, so that several forms
/// live on one page; their names are the API's.
#[derive(Debug, Clone, Serialize)]
pub struct RecordFormView {
    pub kind: String,
    pub title: String,
    pub intro: String,
    pub action: String,
    /// Open (not folded) when it comes back with errors.
    pub open: bool,
    pub fields: Vec<RecordFieldView>,
    pub errors: Vec<FormError>,
    /// Why it was refused when that is not about one field.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordFieldView {
    pub id: String,
    pub name: String,
    pub label: String,
    pub hint: String,
    pub required: bool,
    /// `text`, `textarea`, `radio` or `select`.
    pub control: String,
    pub value: String,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
}

/// The waivers asked for on an engagement, and the decision form where the person may
/// decide one.
#[derive(Debug, Clone, Serialize)]
pub struct WaiverRowView {
    pub rule_id: String,
    pub obligation: String,
    pub reason: String,
    pub state: String,
    pub state_key: String,
    /// Who asked, and when.
    pub requested: String,
    /// Who decided, when and why; empty while pending.
    pub decided: String,
    /// The last day it stands, once approved (or the day asked for while pending).
    pub expires_on: String,
    /// For ROLE-CISO, ROLE-DCISO and ROLE-CSM who neither owe it nor asked.
    pub decide_action: Option<String>,
}

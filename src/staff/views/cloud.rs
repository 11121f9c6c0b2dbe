//! A cloud service's pages: its configuration records and the
//! comparison of two versions.

use serde::Serialize;

use super::register::FieldView;
use super::{Fact, FormError, OptionView};

/// One version in the list of versions.
#[derive(Debug, Clone, Serialize)]
pub struct VersionRowView {
    /// 「第3版」
    pub version: String,
    pub recorded_on: String,
    pub recorded_by: String,
    pub change_summary: String,
    /// The changed fields' names, joined.
    pub changed: String,
    pub state: String,
    /// `approved`, `pending` or `superseded`.
    pub state_key: String,
    pub approved_by: String,
}

/// The approval of the newest version, offered to whoever may give it.
#[derive(Debug, Clone, Serialize)]
pub struct ApproveFormView {
    pub action: String,
    /// 「第3版を承認する」
    pub submit: String,
}

/// Two versions to choose for a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CompareFormView {
    pub action: String,
    pub from: Vec<OptionView>,
    pub to: Vec<OptionView>,
}

/// One field of the form for a new version.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFieldView {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub required: bool,
    /// A list, or a text that runs to sentences: a textarea.
    pub multiline: bool,
    pub field: FieldView,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    pub change_summary: FieldView,
    pub fields: Vec<ConfigFieldView>,
}

/// The newest version's fields.
#[derive(Debug, Clone, Serialize)]
pub struct ShownVersionView {
    /// 「第3版（承認待ち）」
    pub heading: String,
    pub facts: Vec<Fact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigurationView {
    pub engagement_href: String,
    pub engagement_title: String,
    /// What the record is for, with the months it stays current.
    pub intro: String,
    /// `R-9.3.2` or `R-10.2`.
    pub rule: String,
    /// Where the record in force stands, in words.
    pub standing: String,
    pub stale: bool,
    /// Why the last form was refused (not a field's fault), or null.
    pub refusal: Option<String>,
    pub approve: Option<ApproveFormView>,
    pub versions: Vec<VersionRowView>,
    pub compare: Option<CompareFormView>,
    pub newest: Option<ShownVersionView>,
    pub form: Option<ConfigFormView>,
}

/// One field of two versions side by side.
#[derive(Debug, Clone, Serialize)]
pub struct ComparedFieldView {
    pub label: String,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonView {
    pub back_href: String,
    pub engagement_href: String,
    pub engagement_title: String,
    /// The two columns' headings: 「第1版（令和9年2月10日）」.
    pub from: String,
    pub to: String,
    pub from_summary: String,
    pub to_summary: String,
    pub changed_count: String,
    pub fields: Vec<ComparedFieldView>,
    pub compare: CompareFormView,
}

/// On a cloud service's engagement page: where its configuration record stands, and the
/// way to its page.
#[derive(Debug, Clone, Serialize)]
pub struct CloudSummaryView {
    pub configuration_href: String,
    pub configuration_standing: String,
    pub configuration_stale: bool,
}

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
    pub subprocessors_href: String,
    /// How many subprocessors, and how many reported changes await acknowledgement.
    pub subprocessors_standing: String,
    pub subprocessors_pending: bool,
    pub cloud_service_href: String,
    /// The ISMAP listing in force, in words.
    pub listing_standing: String,
    /// What needs looking at (no valid listing, L3 outside Japan), in words.
    pub flags: Vec<String>,
    pub responsibility_href: String,
    pub responsibility_standing: String,
    /// Owed (L2/L3) and not agreed.
    pub responsibility_missing: bool,
    pub configuration_href: String,
    pub configuration_standing: String,
    pub configuration_stale: bool,
}

/// One area of a matrix as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixEntryView {
    pub area: String,
    pub responsible: String,
    /// `ward`, `provider` or `shared`.
    pub responsible_key: String,
    pub notes: String,
}

/// One version in the list of a matrix's versions.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRowView {
    pub version: String,
    pub recorded_on: String,
    pub recorded_by: String,
    pub change_summary: String,
    pub state: String,
    pub state_key: String,
    /// What the provider answered, in words (empty before an answer).
    pub vendor_answer: String,
    pub approved_by: String,
}

/// A button that acts on the newest version (send it, approve it).
#[derive(Debug, Clone, Serialize)]
pub struct MatrixActionView {
    pub action: String,
    pub submit: String,
    pub hint: String,
}

/// One area's fields in the form for a new version.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixEntryFieldView {
    /// The fields' ids and names: `entries_0_area`, `entries_0_responsible`,
    /// `entries_0_notes` (the API's `entries[0].…`).
    pub area_id: String,
    pub responsible_id: String,
    pub notes_id: String,
    pub area: String,
    pub area_value: String,
    pub responsible: Vec<OptionView>,
    pub responsible_error: Option<String>,
    pub notes: FieldView,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    pub service_models: Vec<OptionView>,
    pub service_model_error: Option<String>,
    pub change_summary: FieldView,
    /// Empty for the first version: it starts from the model's starting matrix.
    pub entries: Vec<MatrixEntryFieldView>,
    pub entries_error: Option<String>,
}

/// The newest version's matrix.
#[derive(Debug, Clone, Serialize)]
pub struct ShownMatrixView {
    pub heading: String,
    pub origin: String,
    pub entries: Vec<MatrixEntryView>,
    /// What the provider said, when it asked for changes.
    pub vendor_comment: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponsibilityView {
    pub engagement_href: String,
    pub engagement_title: String,
    pub standing: String,
    pub refusal: Option<String>,
    pub send: Option<MatrixActionView>,
    pub approve: Option<MatrixActionView>,
    pub newest: Option<ShownMatrixView>,
    pub versions: Vec<MatrixRowView>,
    pub form: Option<MatrixFormView>,
}

/// One earlier record of a cloud service's listing or data location.
#[derive(Debug, Clone, Serialize)]
pub struct CloudHistoryRowView {
    pub recorded_at: String,
    pub what: String,
    pub by: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListingFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    pub lists: Vec<OptionView>,
    pub list_error: Option<String>,
    pub registration_number: FieldView,
    pub listed_service: FieldView,
    /// One per line.
    pub regions: FieldView,
    pub audit_period_end: FieldView,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    /// Country codes, separated by commas or spaces.
    pub storage_countries: FieldView,
    pub storage_regions: FieldView,
    pub backup_countries: FieldView,
    pub support_countries: FieldView,
    pub governing_law: FieldView,
    pub court: FieldView,
}

/// A cloud service's ISMAP listing and data location.
#[derive(Debug, Clone, Serialize)]
pub struct CloudServiceView {
    pub engagement_href: String,
    pub engagement_title: String,
    /// What needs looking at, in words.
    pub flags: Vec<String>,
    pub refusal: Option<String>,
    /// The listing in force (empty: none recorded).
    pub listing: Vec<Fact>,
    pub location: Vec<Fact>,
    pub history: Vec<CloudHistoryRowView>,
    pub listing_form: Option<ListingFormView>,
    pub location_form: Option<LocationFormView>,
}

/// One subprocessor in force.
#[derive(Debug, Clone, Serialize)]
pub struct SubprocessorRowView {
    pub name: String,
    pub purpose: String,
    pub country: String,
    pub since: String,
}

/// One change of the list, reported or recorded.
#[derive(Debug, Clone, Serialize)]
pub struct SubprocessorChangeView {
    pub kind: String,
    pub name: String,
    pub purpose: String,
    pub country: String,
    pub effective_on: String,
    pub reported: String,
    pub acknowledged: String,
    /// The acknowledgement's form, for a change awaiting it and a person who may give it.
    pub acknowledge_action: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubprocessorFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    pub kinds: Vec<OptionView>,
    pub kind_error: Option<String>,
    pub name: FieldView,
    pub purpose: FieldView,
    pub country: FieldView,
    pub effective_on: FieldView,
}

/// A cloud provider's subprocessors.
#[derive(Debug, Clone, Serialize)]
pub struct SubprocessorsView {
    pub engagement_href: String,
    pub engagement_title: String,
    pub refusal: Option<String>,
    pub current: Vec<SubprocessorRowView>,
    pub pending: Vec<SubprocessorChangeView>,
    pub history: Vec<SubprocessorChangeView>,
    /// The button that emails the provider its reporting link.
    pub link_action: Option<String>,
    pub form: Option<SubprocessorFormView>,
}

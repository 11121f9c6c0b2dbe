//! What each staff page's template is given: plain values already in the page's language
//! (dates in the era form, states by their label), built by the handlers in
//! `http::pages` from the application layer's answers.

pub mod admin;

use serde::Serialize;

pub mod checks;
pub mod clauses;
pub mod cloud;
pub mod records;
pub mod register;

/// A link with its text.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub href: String,
    pub label: String,
}

/// One field at fault, by the id of its input.
#[derive(Debug, Clone, Serialize)]
pub struct FormError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub body: String,
    pub back: Option<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignInView {
    pub action: String,
    pub email: String,
    pub errors: Vec<FormError>,
    pub expired: bool,
    pub signed_out: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeView {
    pub action: String,
    pub errors: Vec<FormError>,
    pub code_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PasswordView {
    pub action: String,
    pub ask_current: bool,
    pub errors: Vec<FormError>,
    pub current_error: Option<String>,
    pub new_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnrolView {
    pub start_action: String,
    pub qr_svg: Option<String>,
    pub secret: Option<String>,
    pub action: String,
    pub errors: Vec<FormError>,
    pub code_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecoveryCodesView {
    pub codes: Vec<String>,
    pub continue_to: String,
    pub action: String,
    pub errors: Vec<FormError>,
    pub code_error: Option<String>,
}

/// A dated thing to do, as a row of "My work".
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineRow {
    pub what: String,
    pub rule_id: String,
    pub engagement: Option<String>,
    pub due_on: String,
    /// "3 days overdue", "in 5 days", "today".
    pub when: String,
    pub overdue: bool,
    pub href: String,
}

/// One section of My work: the rows of the page of it asked for, and the way to its other
/// pages when it has more than one.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineSection {
    pub rows: Vec<DeadlineRow>,
    pub pager: Option<PagerView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MyWorkView {
    pub today: String,
    pub notices: Vec<String>,
    pub overdue: DeadlineSection,
    pub soon: DeadlineSection,
    pub approvals: DeadlineSection,
    pub reviews: DeadlineSection,
    pub findings: DeadlineSection,
}

/// A choice of a filter's `<select>`.
#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A column heading that sorts the list: its link, and which way it sorts now.
#[derive(Debug, Clone, Serialize)]
pub struct SortView {
    pub label: String,
    pub href: String,
    /// `ascending`, `descending` or `none`, as `aria-sort` says it.
    pub state: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PagerView {
    pub summary: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngagementRowView {
    pub href: String,
    pub title: String,
    pub kind: String,
    pub level: String,
    pub status: String,
    pub status_key: String,
    pub division: String,
    pub vendor: String,
    pub starts_on: String,
    pub ends_on: String,
    /// A cloud service's flags, in a word each (no valid ISMAP listing, L3 abroad).
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngagementsView {
    pub q: String,
    pub kinds: Vec<OptionView>,
    pub levels: Vec<OptionView>,
    pub statuses: Vec<OptionView>,
    pub divisions: Vec<OptionView>,
    pub vendors: Vec<OptionView>,
    pub sort: String,
    pub columns: Vec<SortView>,
    pub rows: Vec<EngagementRowView>,
    pub errors: Vec<FormError>,
    pub pager: PagerView,
    pub csv_href: String,
    pub can_register: bool,
}

/// A label and its value, for a summary list.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObligationView {
    pub rule_id: String,
    pub title: String,
    pub state: String,
    pub state_key: String,
    pub due_on: String,
    pub owner: String,
    pub how: String,
    /// Where on the pages it is met, while it is open.
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub name: String,
    pub level: String,
    pub description: String,
    pub provided: String,
    pub delete_action: String,
    /// "Remove <name>": the button's accessible name.
    pub delete_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalView {
    pub rule_id: String,
    pub subject: String,
    pub state: String,
    pub state_key: String,
    pub requested: String,
    pub decided: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContractView {
    pub signed_on: String,
    pub term: String,
    pub missing: Vec<String>,
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckRowView {
    pub href: String,
    pub title: String,
    pub state: String,
    pub state_key: String,
    pub due_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MoveView {
    pub to: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngagementView {
    pub id: String,
    pub part: String,
    pub level: String,
    pub status: String,
    pub status_key: String,
    pub facts: Vec<Fact>,
    pub obligations: Vec<ObligationView>,
    pub items: Vec<ItemView>,
    pub approvals: Vec<ApprovalView>,
    pub contracts: Vec<ContractView>,
    pub approval_forms: clauses::EngagementFormsView,
    pub checks: Vec<CheckRowView>,
    pub moves: Vec<MoveView>,
    pub can_change: bool,
    pub move_action: String,
    /// It may end early (`terminated`, with a reason).
    pub can_terminate: bool,
    pub move_error: Option<String>,
    pub move_missing: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
    pub item_form: Option<register::ItemFormView>,
    pub edit_href: Option<String>,
    // Periodic checks: the form that sends one, and the findings of its checks.
    pub send_check: Option<checks::SendCheckView>,
    pub findings: Vec<checks::FindingRowView>,
    /// The designated management it is a subcontract of, and its own subcontracts.
    pub parent: Option<RelatedView>,
    pub subcontracts: Vec<RelatedView>,
    /// For those who may change it while something waivable is owed: a waiver is asked
    /// for here and approved by a second person.
    pub waiver_form: Option<WaiverFormView>,
    /// The waivers asked for, with the decision form where the person may decide.
    pub waivers: Vec<records::WaiverRowView>,
    /// The records that meet rules in the Standard's words, and the forms that keep them.
    pub records: records::RecordsView,
    /// For those who may change it, when it owes periodic checks.
    pub interval_form: Option<IntervalFormView>,
    /// Its end of term, once begun.
    pub end_of_term: Option<EndOfTermView>,
    /// A cloud service's own records.
    pub cloud: Option<cloud::CloudSummaryView>,
}

/// Where an engagement stands at its end.
#[derive(Debug, Clone, Serialize)]
pub struct EndOfTermView {
    /// Whether the vendor owes the attestation, in words.
    pub owed: String,
    /// The attestation's page, once sent.
    pub attestation_href: Option<String>,
    pub attestation_state: String,
    pub attestation_state_key: String,
    pub attestation_due: String,
    /// The closing approval's state, in words.
    pub closing: String,
    pub closing_key: String,
    /// What closing still waits for, in words.
    pub missing: Vec<String>,
    /// The completion record's address, once issued.
    pub record_href: Option<String>,
}

/// Another engagement named on an engagement's page.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedView {
    pub href: String,
    pub title: String,
    pub status: String,
    pub status_key: String,
}

/// Waiving an open obligation with the reason (R-2.6: never by the one who owes it).
#[derive(Debug, Clone, Serialize)]
pub struct WaiverFormView {
    pub action: String,
    /// The open and overdue obligations; the value is `rule_id` or `rule_id subject_id`.
    pub choices: Vec<OptionView>,
    pub choice_error: Option<String>,
    pub reason: register::FieldView,
    /// The last day the waiver should stand, if earlier than one check interval.
    pub expires_on: register::FieldView,
    pub errors: Vec<FormError>,
    /// Why the waiver was refused when it is not about a field, in plain words.
    pub refusal: Option<String>,
}

/// How often the engagement is checked: its own months, or blank for its
/// level's default.
#[derive(Debug, Clone, Serialize)]
pub struct IntervalFormView {
    pub action: String,
    pub months: register::FieldView,
    /// The interval in force, in words.
    pub effective: String,
    pub errors: Vec<FormError>,
}

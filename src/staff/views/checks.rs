//! What the periodic check and finding pages' templates are given: a check with the
//! vendor's answers and its review form, the checks and findings lists, a finding with
//! its corrective action and risk acceptance forms, and the form that sends a check from
//! an engagement's page.

use serde::Serialize;

use super::{Fact, FormError, OptionView, PagerView};

/// An evidence file the vendor attached, downloaded through the check page.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceLink {
    pub href: String,
    pub name: String,
    /// Its size and when it was uploaded.
    pub meta: String,
}

/// One question with the vendor's answer, read-only, and the reviewer's comment field.
#[derive(Debug, Clone, Serialize)]
pub struct AnsweredQuestion {
    pub id: String,
    /// The id of its comment field (`question_comments_<id>`), as form errors name it.
    pub field: String,
    pub text: String,
    pub rules: Vec<String>,
    pub answer: String,
    pub answered: bool,
    /// The answer is one the questionnaire marks as not conforming.
    pub non_conforming: bool,
    pub evidence: Vec<EvidenceLink>,
    /// What the reviewer typed (kept when the form comes back with errors).
    pub comment: String,
    pub comment_error: Option<String>,
    /// Comments of earlier reviews on this question.
    pub earlier: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnsweredSection {
    pub title: String,
    pub questions: Vec<AnsweredQuestion>,
}

/// An earlier review of the check.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewEntry {
    pub at: String,
    pub reviewer: String,
    pub decision: String,
    pub decision_key: String,
    pub comment: String,
}

/// A finding as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRowView {
    pub href: String,
    pub question: String,
    pub rules: Vec<String>,
    pub engagement: String,
    pub engagement_href: String,
    pub state: String,
    pub state_key: String,
    pub due_on: String,
    pub overdue: bool,
}

/// The review form: a comment per question (in the sections above), an overall comment
/// and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    /// Accept and return, the one chosen checked.
    pub decisions: Vec<RadioView>,
    pub decision_error: Option<String>,
    pub comment: String,
    pub comment_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckPageView {
    pub title: String,
    pub engagement_href: String,
    pub engagement_title: String,
    pub state: String,
    pub state_key: String,
    pub facts: Vec<Fact>,
    pub sections: Vec<AnsweredSection>,
    pub reviews: Vec<ReviewEntry>,
    pub findings: Vec<FindingRowView>,
    /// The review form, for a submitted check and a person who may review it.
    pub review: Option<ReviewFormView>,
    /// Why a review, a new link or a revocation was refused, in plain words.
    pub refusal: Option<String>,
    /// How many links still work, in words.
    pub links: String,
    /// A new link may be sent (the check is still with the vendor).
    pub can_renew: bool,
    /// Links may be revoked (some still work).
    pub can_revoke: bool,
    pub renew_action: String,
    pub revoke_action: String,
    pub can_change: bool,
    /// For an end-of-term attestation: the term's other checks and its open findings.
    pub term: Option<TermView>,
}

/// What an attestation is verified beside.
#[derive(Debug, Clone, Serialize)]
pub struct TermView {
    pub checks: Vec<super::CheckRowView>,
    pub open_findings: Vec<FindingRowView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckListRow {
    pub href: String,
    pub engagement: String,
    pub engagement_href: String,
    pub vendor: String,
    pub questionnaire: String,
    pub state: String,
    pub state_key: String,
    pub due_on: String,
    pub score: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecksView {
    pub states: Vec<OptionView>,
    pub vendors: Vec<OptionView>,
    /// Kept from a link that lists one engagement's checks.
    pub engagement_id: String,
    pub rows: Vec<CheckListRow>,
    pub errors: Vec<FormError>,
    pub pager: PagerView,
    pub csv_href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingsView {
    pub states: Vec<OptionView>,
    pub vendors: Vec<OptionView>,
    pub mine: bool,
    pub engagement_id: String,
    pub rows: Vec<FindingRowView>,
    pub errors: Vec<FormError>,
    pub pager: PagerView,
    pub csv_href: String,
}

/// A choice of a radio group.
#[derive(Debug, Clone, Serialize)]
pub struct RadioView {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// The corrective action form: what is done about it, by when, and its state.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectiveFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    pub corrective_action: String,
    pub corrective_action_error: Option<String>,
    pub due_on: String,
    pub due_on_error: Option<String>,
    pub states: Vec<RadioView>,
    pub state_error: Option<String>,
    /// Why this form was refused, in plain words, beside it.
    pub refusal: Option<String>,
}

/// The risk acceptance form.
#[derive(Debug, Clone, Serialize)]
pub struct RiskFormView {
    pub action: String,
    pub errors: Vec<FormError>,
    pub reason: String,
    pub reason_error: Option<String>,
    /// Why this form was refused (R-2.6: the owner), in plain words, beside it.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingPageView {
    pub check_href: String,
    pub engagement_href: String,
    pub engagement_title: String,
    pub state: String,
    pub state_key: String,
    pub overdue: bool,
    pub facts: Vec<Fact>,
    pub question: String,
    pub rules: Vec<String>,
    pub answer: String,
    pub corrective_action: String,
    pub risk_reason: String,
    /// Why the last change was refused, in plain words.
    pub refusal: Option<String>,
    /// For an open finding and a person who may change it.
    pub corrective: Option<CorrectiveFormView>,
    /// For an open finding.
    pub risk: Option<RiskFormView>,
}

/// The form that sends a check from an engagement's page.
#[derive(Debug, Clone, Serialize)]
pub struct SendCheckView {
    pub action: String,
    pub contacts: Vec<OptionView>,
    pub questionnaires: Vec<OptionView>,
    pub due_on: String,
    pub due_on_hint: String,
    pub errors: Vec<FormError>,
    pub contact_error: Option<String>,
    pub questionnaire_error: Option<String>,
    pub due_on_error: Option<String>,
    /// Why the check was not sent (one is already open), in plain words.
    pub refusal: Option<String>,
}

//! What the administration pages (staff accounts, divisions, the access review, the email
//! outbox, the reminder sweep) and the auditor's audit log page are given.

use serde::Serialize;

use super::{Fact, FormError, OptionView, PagerView};

/// An entry of the administration pages' own menu.
#[derive(Debug, Clone, Serialize)]
pub struct TabView {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// A checkbox of a group (a role, a division).
#[derive(Debug, Clone, Serialize)]
pub struct CheckboxView {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserRowView {
    pub href: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub divisions: Vec<String>,
    pub state: String,
    pub state_key: String,
    pub last_sign_in: String,
    pub second_factor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsersView {
    pub tabs: Vec<TabView>,
    pub roles: Vec<OptionView>,
    pub divisions: Vec<OptionView>,
    pub actives: Vec<OptionView>,
    pub rows: Vec<UserRowView>,
    pub summary: String,
    pub errors: Vec<FormError>,
}

/// The fields of a staff account's form (registering one, or changing one).
#[derive(Debug, Clone, Serialize)]
pub struct AccountFieldsView {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<CheckboxView>,
    pub divisions: Vec<CheckboxView>,
    pub email_error: Option<String>,
    pub display_name_error: Option<String>,
    pub roles_error: Option<String>,
    pub divisions_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserNewView {
    pub tabs: Vec<TabView>,
    pub action: String,
    pub fields: AccountFieldsView,
    pub errors: Vec<FormError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserCreatedView {
    pub tabs: Vec<TabView>,
    pub name: String,
    pub email: String,
    pub password: String,
    pub user_href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub tabs: Vec<TabView>,
    pub facts: Vec<Fact>,
    pub action: String,
    pub fields: AccountFieldsView,
    pub languages: Vec<CheckboxView>,
    pub errors: Vec<FormError>,
    /// Why the last change was refused, in plain words.
    pub refusal: Option<String>,
    pub active: bool,
    /// The person's own account: they neither deactivate it nor reset its second factor.
    pub own: bool,
    pub second_factor: bool,
    pub deactivate_error: Option<String>,
    pub reset_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DivisionRowView {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DivisionsView {
    pub tabs: Vec<TabView>,
    pub rows: Vec<DivisionRowView>,
    pub action: String,
    pub code: String,
    pub name: String,
    pub code_error: Option<String>,
    pub name_error: Option<String>,
    pub errors: Vec<FormError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRowView {
    pub href: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    pub divisions: Vec<String>,
    pub state: String,
    pub state_key: String,
    pub last_sign_in: String,
    pub tokens: Vec<String>,
    pub stale: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessReviewView {
    pub tabs: Vec<TabView>,
    pub due: String,
    pub overdue: bool,
    pub last: Option<String>,
    pub last_note: Option<String>,
    pub counts: String,
    pub rows: Vec<ReviewRowView>,
    pub can_confirm: bool,
    pub action: String,
    pub note: String,
    pub note_error: Option<String>,
    pub errors: Vec<FormError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxRowView {
    pub to: String,
    pub subject: String,
    pub status: String,
    pub status_key: String,
    pub attempts: String,
    pub created: String,
    pub next_attempt: String,
    pub sent: String,
    pub last_error: String,
    /// Where the retry button posts, for a failed message.
    pub retry: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxView {
    pub tabs: Vec<TabView>,
    pub statuses: Vec<OptionView>,
    pub rows: Vec<OutboxRowView>,
    pub pager: PagerView,
    pub errors: Vec<FormError>,
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedView {
    pub recipient: String,
    pub email: String,
    pub what: String,
    pub engagement: String,
    pub due_on: String,
    pub stage: String,
    pub escalated: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SweepView {
    pub tabs: Vec<TabView>,
    pub action: String,
    /// What a dry run found, when one was asked for.
    pub plan: Option<Vec<Fact>>,
    pub planned: Vec<PlannedView>,
    /// What the last run did, after one.
    pub result: Option<Vec<Fact>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRowView {
    pub seq: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub code: String,
    pub target: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerificationView {
    pub intact: bool,
    pub message: String,
    pub head: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditLogView {
    pub from: String,
    pub until: String,
    pub actors: Vec<OptionView>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub rows: Vec<AuditRowView>,
    pub pager: PagerView,
    pub errors: Vec<FormError>,
    pub refusal: Option<String>,
    pub verification: VerificationView,
    pub csv_href: String,
    /// The access review, for an auditor who may see it but has no administration menu.
    pub access_review_href: Option<String>,
}

//! Every dated thing someone must do, in one list: open and overdue obligations (R-3.3.3,
//! R-7.x, R-8.x, R-9.x, R-10.x: selection, contracts, periodic checks, configuration
//! records, end-of-term confirmations …), approval requests waiting for a decision,
//! contracts coming to their end (90 and 30 days before), and the access review
//! (R-5.5.3.6). Built from what the data layer loaded; no SQL, no clock of its own.

use chrono::NaiveDate;
use serde::Serialize;

use crate::compliance;
use crate::config::Config;
use crate::db::facts::EngagementFacts;
use crate::domain::{Role, Status};
use crate::i18n::Msg;
use crate::policy::approvals::ApprovalState;
use crate::policy::obligations::ObligationState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Obligation,
    Approval,
    ContractEnd,
    AccessReview,
    /// A periodic check the vendor has not yet submitted (its officer answers for it).
    Check,
    /// A submitted check waiting for the officer's review.
    CheckReview,
    /// A finding's corrective action.
    CorrectiveAction,
}

/// Who must act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(String),
    /// Everyone holding the role, in the division when one is given.
    Role {
        role: Role,
        division_id: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Deadline {
    /// Stable across sweeps: what reminders are recorded against.
    pub key: String,
    pub kind: Kind,
    pub rule_id: String,
    pub what: Msg,
    pub engagement_id: Option<String>,
    pub engagement_title: Option<String>,
    pub vendor_id: Option<String>,
    pub division_id: Option<String>,
    pub due_on: NaiveDate,
    pub owner: Owner,
    /// The API resource to look at, relative to the public base URL.
    pub path: String,
}

/// Roles that act for a division rather than for the whole organisation.
fn division_scoped(role: Role) -> bool {
    matches!(
        role,
        Role::SecurityOfficer | Role::SystemAdministrator | Role::Csirt
    )
}

/// The deadlines of these engagements on `today`.
pub fn of_engagements(
    facts: &[EngagementFacts],
    catalog: &crate::clauses::Catalog,
    config: &Config,
    today: NaiveDate,
) -> Vec<Deadline> {
    let mut out = Vec::new();
    for f in facts {
        let e = &f.engagement;
        let base =
            |kind, rule_id: &str, what: Msg, key: String, due_on, owner, path: String| Deadline {
                key,
                kind,
                rule_id: rule_id.to_string(),
                what,
                engagement_id: Some(e.id.clone()),
                engagement_title: Some(e.title.clone()),
                vendor_id: Some(e.vendor_id.clone()),
                division_id: Some(e.division_id.clone()),
                due_on,
                owner,
                path,
            };
        for o in compliance::obligations_of(f, catalog, config.time_zone, &config.rules, today) {
            let (Some(due_on), ObligationState::Open | ObligationState::Overdue) =
                (o.due_on, o.state)
            else {
                continue;
            };
            let subject = o.subject.clone().unwrap_or_default();
            let (ja, en) = match &o.subject_name {
                Some(name) => (
                    format!("{}（{}: {name}）", o.rule.title_ja, o.rule.id),
                    format!("{} ({}: {name})", o.rule.title_en, o.rule.id),
                ),
                None => (
                    format!("{}（{}）", o.rule.title_ja, o.rule.id),
                    format!("{} ({})", o.rule.title_en, o.rule.id),
                ),
            };
            let owner = match &o.assignee_user_id {
                Some(u) => Owner::User(u.clone()),
                None => Owner::Role {
                    role: o.owner_role,
                    division_id: division_scoped(o.owner_role).then(|| e.division_id.clone()),
                },
            };
            out.push(base(
                Kind::Obligation,
                o.rule.id,
                Msg::new(ja, en),
                format!("obligation:{}:{}:{subject}", e.id, o.rule.id),
                due_on,
                owner,
                format!("/api/v1/engagements/{}/obligations", e.id),
            ));
        }
        for a in f
            .approvals
            .iter()
            .filter(|a| a.state == ApprovalState::Pending)
        {
            let Ok(role) = Role::parse(&a.approver_role) else {
                continue;
            };
            let requested = compliance::local_date(a.requested_at, config.time_zone);
            out.push(base(
                Kind::Approval,
                &a.rule_id,
                Msg::new(
                    format!("承認申請の決裁（{}: {}）", a.rule_id, a.subject_name),
                    format!(
                        "Decide the approval request ({}: {})",
                        a.rule_id, a.subject_name
                    ),
                ),
                format!("approval:{}", a.id),
                requested + chrono::Days::new(config.reminders.approval_due_days.into()),
                Owner::Role {
                    role,
                    division_id: a.approver_division_id.clone(),
                },
                format!("/api/v1/engagements/{}/approvals", e.id),
            ));
        }
        if matches!(
            e.status(),
            Status::Contracted | Status::Active | Status::Ending
        ) && e.ends_on >= today
        {
            out.push(base(
                Kind::ContractEnd,
                "R-8.4.2",
                Msg::new(
                    "契約期間の終了（情報の返却・廃棄・消去の確認の準備）",
                    "Contract ends (prepare to confirm the information is returned, destroyed or erased)",
                ),
                format!("contract_end:{}:{}", e.id, e.ends_on),
                e.ends_on,
                Owner::User(e.responsible_user_id.clone()),
                format!("/api/v1/engagements/{}", e.id),
            ));
        }
    }
    out
}

/// The deadlines of open checks and findings: the vendor's answer (owed, towards the
/// organisation, by the engagement's responsible officer), the officer's review of a
/// submitted check, and each open finding's corrective action.
pub fn of_checks(
    facts: &[EngagementFacts],
    open_checks: &[crate::db::checks::CheckSummary],
    open_findings: &[crate::db::checks::FindingRow],
    config: &Config,
) -> Vec<Deadline> {
    use crate::policy::checks::CheckState;
    let engagements: std::collections::HashMap<&str, &crate::db::engagements::EngagementRow> =
        facts
            .iter()
            .map(|f| (f.engagement.id.as_str(), &f.engagement))
            .collect();
    let rule_of = |rules: &str| rules.split_whitespace().last().unwrap_or("").to_string();
    let mut out = Vec::new();
    for c in open_checks {
        let Some(e) = engagements.get(c.engagement_id.as_str()) else {
            continue;
        };
        let state = c.state;
        let (kind, key, due_on, what) = match (state, c.submitted_at) {
            (CheckState::Submitted, Some(at)) => (
                Kind::CheckReview,
                format!("check_review:{}:{}", c.id, at.and_utc().timestamp()),
                compliance::local_date(at, config.time_zone)
                    + chrono::Days::new(config.checks.review_days.into()),
                Msg::new(
                    format!("提出された点検の確認（{}）", c.questionnaire_id),
                    format!("Review the submitted check ({})", c.questionnaire_id),
                ),
            ),
            (CheckState::Submitted, None) => continue,
            _ => (
                Kind::Check,
                format!("check:{}:{}", c.id, c.due_on),
                c.due_on,
                Msg::new(
                    format!(
                        "委託先の点検回答（{}、{}）",
                        c.questionnaire_id, c.contact_name
                    ),
                    format!(
                        "The vendor's answers to the check ({}, {})",
                        c.questionnaire_id, c.contact_name
                    ),
                ),
            ),
        };
        out.push(Deadline {
            key,
            kind,
            rule_id: rule_of(&c.meets_rules),
            what,
            engagement_id: Some(e.id.clone()),
            engagement_title: Some(e.title.clone()),
            vendor_id: Some(e.vendor_id.clone()),
            division_id: Some(e.division_id.clone()),
            due_on,
            owner: Owner::User(e.responsible_user_id.clone()),
            path: format!("/api/v1/checks/{}", c.id),
        });
    }
    for f in open_findings {
        let Some(e) = engagements.get(f.engagement_id.as_str()) else {
            continue;
        };
        out.push(Deadline {
            key: format!("finding:{}:{}", f.id, f.due_on),
            kind: Kind::CorrectiveAction,
            rule_id: rule_of(&f.rules),
            what: Msg::new(
                format!("指摘事項の是正（設問 {}）", f.question_id),
                format!(
                    "Corrective action for a finding (question {})",
                    f.question_id
                ),
            ),
            engagement_id: Some(e.id.clone()),
            engagement_title: Some(e.title.clone()),
            vendor_id: Some(e.vendor_id.clone()),
            division_id: Some(e.division_id.clone()),
            due_on: f.due_on,
            owner: Owner::User(f.owner_user_id.clone()),
            path: format!("/api/v1/findings/{}", f.id),
        });
    }
    out
}

/// R-5.5.3.6: the access review, due on `due_on`, for ROLE-CSM.
pub fn access_review(due_on: NaiveDate) -> Deadline {
    Deadline {
        key: format!("access_review:{due_on}"),
        kind: Kind::AccessReview,
        rule_id: "R-5.5.3.6".into(),
        what: Msg::new(
            "アクセス権の棚卸しの確認（R-5.5.3.6）",
            "Confirm the access review (R-5.5.3.6)",
        ),
        engagement_id: None,
        engagement_title: None,
        vendor_id: None,
        division_id: None,
        due_on,
        owner: Owner::Role {
            role: Role::ChiefSystemManager,
            division_id: None,
        },
        path: "/api/v1/access-review".into(),
    }
}

//! Every dated thing someone must do, in one list: open and overdue obligations (R-3.3.3,
//! R-7.x, R-8.x, R-9.x, R-10.x: selection, contracts, periodic checks, configuration
//! records, end-of-term confirmations …), approval requests waiting for a decision,
//! contracts coming to their end (90 and 30 days before), and the access review
//! (R-5.5.3.6). Built from what the data layer loaded; no SQL, no clock of its own.

use chrono::NaiveDate;
use serde::Serialize;

use crate::compliance;
use crate::config::Config;
use crate::db::approvals::ApprovalSummary;
use crate::db::engagements::EngagementRow;
use crate::db::facts::EngagementFacts;
use crate::domain::{ClassificationLevel, EngagementKind, Role, Status};
use crate::i18n::Msg;
use crate::policy::approvals::ApprovalState;
use crate::policy::obligations::{Obligation, ObligationState};

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
    /// A cloud service's ISMAP / ISMAP-LIU listing lapses.
    IsmapLapse,
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
    /// The page where it is done, relative to the public base URL.
    pub path: String,
}

/// Roles that act for a division rather than for the whole organisation.
pub fn division_scoped(role: Role) -> bool {
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
        for o in compliance::obligations_of(f, catalog, config.time_zone, &config.rules, today) {
            out.extend(obligation(e.into(), &o));
        }
        out.extend(
            f.approvals
                .iter()
                .filter_map(|a| approval(e.into(), &a.into(), config)),
        );
        out.extend(contract_end(e, today));
        out.extend(ismap_lapse(e, f.ismap_valid_until));
    }
    out
}

/// What a deadline says of its engagement: from a full row, or from the few columns read
/// beside each obligation, request, check or finding
/// ([`crate::db::engagements::EngagementNames`]).
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub vendor_id: &'a str,
    pub division_id: &'a str,
    pub responsible_user_id: &'a str,
}

// Both carry the same five columns under the same names.
macro_rules! named_from {
    ($($row:ty),*) => {$(
        impl<'a> From<&'a $row> for Named<'a> {
            fn from(e: &'a $row) -> Self {
                Named {
                    id: &e.id,
                    title: &e.title,
                    vendor_id: &e.vendor_id,
                    division_id: &e.division_id,
                    responsible_user_id: &e.responsible_user_id,
                }
            }
        }
    )*};
}

named_from!(EngagementRow, crate::db::engagements::EngagementNames);

#[allow(clippy::too_many_arguments)]
fn of_engagement(
    e: Named<'_>,
    kind: Kind,
    rule_id: &str,
    what: Msg,
    key: String,
    due_on: NaiveDate,
    owner: Owner,
    path: String,
) -> Deadline {
    Deadline {
        key,
        kind,
        rule_id: rule_id.to_string(),
        what,
        engagement_id: Some(e.id.to_string()),
        engagement_title: Some(e.title.to_string()),
        vendor_id: Some(e.vendor_id.to_string()),
        division_id: Some(e.division_id.to_string()),
        due_on,
        owner,
        path,
    }
}

/// An open or overdue obligation with a due date, as a deadline of whoever owes it: the
/// person named, or the holders of its role (in the engagement's division, for a role
/// that acts per division).
pub fn obligation(e: Named<'_>, o: &Obligation) -> Option<Deadline> {
    let (Some(due_on), ObligationState::Open | ObligationState::Overdue) = (o.due_on, o.state)
    else {
        return None;
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
            division_id: division_scoped(o.owner_role).then(|| e.division_id.to_string()),
        },
    };
    Some(of_engagement(
        e,
        Kind::Obligation,
        o.rule.id,
        Msg::new(ja, en),
        // The due date is part of the key, as it is of a check's or a finding's: a
        // periodic obligation met for one interval falls due again under the same rule,
        // and its next cycle's reminders are new ones.
        format!("obligation:{}:{}:{subject}:{due_on}", e.id, o.rule.id),
        due_on,
        owner,
        format!("/engagements/{}#obligations", e.id),
    ))
}

/// A pending approval request, as a deadline of the role that decides it.
pub fn approval(e: Named<'_>, a: &ApprovalSummary, config: &Config) -> Option<Deadline> {
    if a.state != ApprovalState::Pending {
        return None;
    }
    let role = Role::parse(&a.approver_role).ok()?;
    let requested = compliance::local_date(a.requested_at, config.time_zone);
    Some(of_engagement(
        e,
        Kind::Approval,
        &a.rule_id,
        if a.rule_id == crate::policy::approvals::ApprovalRule::Closing.as_str() {
            Msg::new(
                format!("委託案件を終了することの承認（R-2.6: {}）", a.subject_name),
                format!("Approve closing the engagement (R-2.6: {})", a.subject_name),
            )
        } else {
            Msg::new(
                format!("承認申請の決裁（{}: {}）", a.rule_id, a.subject_name),
                format!(
                    "Decide the approval request ({}: {})",
                    a.rule_id, a.subject_name
                ),
            )
        },
        format!("approval:{}", a.id),
        requested + chrono::Days::new(config.reminders.approval_due_days.into()),
        Owner::Role {
            role,
            division_id: a.approver_division_id.clone(),
        },
        format!("/engagements/{}#approvals", e.id),
    ))
}

/// The statuses in which a contract's end is a deadline of its responsible officer.
pub const CONTRACT_END_STATUSES: &[Status] = &[Status::Contracted, Status::Active, Status::Ending];

/// The end of a contract in force, for its responsible officer.
pub fn contract_end(e: &EngagementRow, today: NaiveDate) -> Option<Deadline> {
    if !CONTRACT_END_STATUSES.contains(&e.status()) || e.ends_on < today {
        return None;
    }
    Some(of_engagement(
        e.into(),
        Kind::ContractEnd,
        "R-8.4.2",
        Msg::new(
            "契約期間の終了（情報の返却・廃棄・消去の確認の準備）",
            "Contract ends (prepare to confirm the information is returned, destroyed or erased)",
        ),
        format!("contract_end:{}:{}", e.id, e.ends_on),
        e.ends_on,
        Owner::User(e.responsible_user_id.clone()),
        format!("/engagements/{}", e.id),
    ))
}

/// an L2/L3 cloud service in use keeps a valid ISMAP / ISMAP-LIU listing; its
/// system administrator hears before it lapses, and after.
pub fn ismap_lapse(e: &EngagementRow, valid_until: Option<NaiveDate>) -> Option<Deadline> {
    let until = valid_until.filter(|_| {
        e.kind() == EngagementKind::CloudService
            && e.level().is_some_and(|l| l >= ClassificationLevel::L2)
            && matches!(e.status, Status::Contracted | Status::Active)
    })?;
    Some(of_engagement(
        e.into(),
        Kind::IsmapLapse,
        "R-9.1",
        Msg::new(
            "ISMAP / ISMAP-LIU 登録の有効期限（最新の登録を確認して記録）",
            "The ISMAP / ISMAP-LIU listing lapses (check the current listing and record it)",
        ),
        format!("ismap_lapse:{}:{until}", e.id),
        until,
        Owner::User(e.responsible_user_id.clone()),
        format!("/engagements/{}/cloud-service", e.id),
    ))
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
    let engagements: std::collections::HashMap<&str, Named> = facts
        .iter()
        .map(|f| (f.engagement.id.as_str(), Named::from(&f.engagement)))
        .collect();
    of_checks_in(&engagements, open_checks, open_findings, config)
}

/// [`of_checks`] for the checks and findings of these engagements (others are skipped).
pub fn of_checks_in(
    engagements: &std::collections::HashMap<&str, Named<'_>>,
    open_checks: &[crate::db::checks::CheckSummary],
    open_findings: &[crate::db::checks::FindingRow],
    config: &Config,
) -> Vec<Deadline> {
    let named = |id: &str| engagements.get(id).copied();
    (open_checks.iter())
        .filter_map(|c| check(named(&c.engagement_id)?, c, config))
        .chain((open_findings.iter()).filter_map(|f| finding(named(&f.engagement_id)?, f)))
        .collect()
}

/// The rule a check or finding answers for: the last of those it meets.
fn rule_of(rules: &str) -> &str {
    rules.split_whitespace().last().unwrap_or("")
}

/// An open check of engagement `e`: the vendor's answer (owed, towards the organisation,
/// by the engagement's responsible officer), or once submitted the officer's review.
pub fn check(
    e: Named<'_>,
    c: &crate::db::checks::CheckSummary,
    config: &Config,
) -> Option<Deadline> {
    use crate::policy::checks::CheckState;
    let (kind, key, due_on, what) = match (c.state, c.submitted_at) {
        (CheckState::Submitted, Some(at)) => (
            Kind::CheckReview,
            format!("check_review:{}:{}", c.id, at.and_utc().timestamp()),
            compliance::local_date(at, config.time_zone)
                + chrono::Days::new(config.checks.review_days.into()),
            if c.end_of_term {
                Msg::new(
                    "提出された終了時報告（情報の返還・廃棄・消去）の確認",
                    "Review the submitted end-of-term attestation",
                )
            } else {
                Msg::new(
                    format!("提出された点検の確認（{}）", c.questionnaire_id),
                    format!("Review the submitted check ({})", c.questionnaire_id),
                )
            },
        ),
        (CheckState::Submitted, None) => return None,
        _ => (
            Kind::Check,
            format!("check:{}:{}", c.id, c.due_on),
            c.due_on,
            if c.end_of_term {
                Msg::new(
                    format!("委託先の終了時報告（{}）", c.contact_name),
                    format!("The vendor's end-of-term attestation ({})", c.contact_name),
                )
            } else {
                Msg::new(
                    format!(
                        "委託先の点検回答（{}、{}）",
                        c.questionnaire_id, c.contact_name
                    ),
                    format!(
                        "The vendor's answers to the check ({}, {})",
                        c.questionnaire_id, c.contact_name
                    ),
                )
            },
        ),
    };
    Some(of_engagement(
        e,
        kind,
        rule_of(&c.meets_rules),
        what,
        key,
        due_on,
        Owner::User(e.responsible_user_id.to_string()),
        format!("/checks/{}", c.id),
    ))
}

/// An open finding's corrective action, for its owner.
pub fn finding(e: Named<'_>, f: &crate::db::checks::FindingRow) -> Option<Deadline> {
    Some(of_engagement(
        e,
        Kind::CorrectiveAction,
        rule_of(&f.rules),
        Msg::new(
            format!("指摘事項の是正（設問 {}）", f.question_id),
            format!(
                "Corrective action for a finding (question {})",
                f.question_id
            ),
        ),
        format!("finding:{}:{}", f.id, f.due_on),
        f.due_on,
        Owner::User(f.owner_user_id.clone()),
        format!("/findings/{}", f.id),
    ))
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
        path: "/admin/access-review".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::tests::{approval, catalog, d, facts, item, utc};
    use crate::db::checks::{CheckSummary, FindingRow};
    use crate::domain::EngagementKind;
    use crate::policy::approvals::ApprovalRule;
    use crate::policy::checks::CheckState;
    use crate::policy::findings::FindingState;

    fn config() -> Config {
        Config::from_pairs(&[]).unwrap()
    }

    fn of(facts: &[EngagementFacts], today: NaiveDate) -> Vec<Deadline> {
        of_engagements(facts, &catalog(), &config(), today)
    }

    fn keys(list: &[Deadline]) -> Vec<&str> {
        list.iter().map(|d| d.key.as_str()).collect()
    }

    fn by_key<'a>(list: &'a [Deadline], key: &str) -> &'a Deadline {
        list.iter()
            .find(|d| d.key == key)
            .unwrap_or_else(|| panic!("{key} in {:?}", keys(list)))
    }

    fn check(
        id: &str,
        state: CheckState,
        submitted_at: Option<chrono::NaiveDateTime>,
    ) -> CheckSummary {
        CheckSummary {
            id: id.into(),
            engagement_id: "e1".into(),
            questionnaire_id: "outsourcing-l2".into(),
            questionnaire_version: 1,
            meets_rules: "R-8.3.1 R-8.3.2".into(),
            contact_name: "山田".into(),
            contact_email: "yamada@example.com".into(),
            state,
            issued_by: Some("officer".into()),
            issued_at: utc(2027, 5, 1, 0),
            due_on: d(2027, 5, 31),
            submitted_at,
            accepted_on: None,
            score_percent: None,
            scores_json: None,
            end_of_term: false,
        }
    }

    fn finding(id: &str, engagement_id: &str) -> FindingRow {
        FindingRow {
            id: id.into(),
            check_id: "c1".into(),
            engagement_id: engagement_id.into(),
            question_id: "q-7".into(),
            section: "physical".into(),
            rules: "R-8.3.1 R-8.3.2".into(),
            answer_json: "{}".into(),
            corrective_action: "施錠する".into(),
            owner_user_id: "vendor-liaison".into(),
            due_on: d(2027, 7, 1),
            state: FindingState::Open,
            risk_reason: None,
            risk_approved_by: None,
            closed_at: None,
            created_at: utc(2027, 6, 1, 0),
            updated_at: utc(2027, 6, 1, 0),
        }
    }

    #[test]
    fn r_8_1_open_obligations_are_deadlines_of_the_responsible_officer() {
        let f = facts(EngagementKind::Outsourcing, Some(2), Status::Draft);
        let list = of(&[f], d(2027, 3, 1));
        assert!(list.iter().all(|d| d.kind == Kind::Obligation));
        assert_eq!(
            keys(&list),
            [
                "obligation:e1:R-8.1::2027-04-01",
                "obligation:e1:R-8.2::2027-04-01",
                "obligation:e1:R-8.3.1::2027-09-30",
                "obligation:e1:R-8.3.2::2027-09-30",
                "obligation:e1:R-8.4.1::2028-04-30",
                "obligation:e1:R-8.4.2::2028-04-30",
            ]
        );
        let selection = by_key(&list, "obligation:e1:R-8.1::2027-04-01");
        assert_eq!(selection.rule_id, "R-8.1");
        assert_eq!(selection.due_on, d(2027, 4, 1));
        assert_eq!(selection.owner, Owner::User("officer".into()));
        assert_eq!(selection.engagement_id.as_deref(), Some("e1"));
        assert_eq!(selection.engagement_title.as_deref(), Some("窓口業務委託"));
        assert_eq!(selection.vendor_id.as_deref(), Some("v1"));
        assert_eq!(selection.division_id.as_deref(), Some("div"));
        assert_eq!(selection.path, "/engagements/e1#obligations");
        assert!(
            selection.what.en.ends_with("(R-8.1)"),
            "{}",
            selection.what.en
        );
        assert!(
            selection.what.ja.ends_with("（R-8.1）"),
            "{}",
            selection.what.ja
        );
    }

    #[test]
    fn met_and_waived_obligations_are_no_deadlines_but_overdue_ones_are() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Selected);
        f.status_changes = vec![("selected".into(), utc(2027, 2, 1, 1))];
        f.records = vec![(crate::policy::records::RecordKind::Selection, d(2027, 2, 1))];
        f.waivers = vec![crate::db::approvals::WaiverRow {
            id: "w".into(),
            engagement_id: "e1".into(),
            rule_id: "R-8.3.1".into(),
            subject_id: String::new(),
            reason: "理由".into(),
            waived_by: "officer".into(),
            waived_at: utc(2027, 2, 1, 1),
            state: crate::policy::approvals::ApprovalState::Approved,
            decided_by: Some("ciso".into()),
            decided_at: Some(utc(2027, 2, 2, 1)),
            decision_reason: None,
            expires_on: Some(d(2027, 12, 31)),
        }];
        let list = of(&[f], d(2027, 4, 10));
        assert_eq!(
            keys(&list),
            [
                "obligation:e1:R-8.2::2027-04-01",
                "obligation:e1:R-8.3.2::2027-09-30",
                "obligation:e1:R-8.4.1::2028-04-30",
                "obligation:e1:R-8.4.2::2028-04-30",
            ],
            "R-8.1 is met and R-8.3.1 waived"
        );
        assert_eq!(
            by_key(&list, "obligation:e1:R-8.2::2027-04-01").due_on,
            d(2027, 4, 1),
            "overdue deadlines stay listed"
        );
    }

    #[test]
    fn r_3_3_3_an_items_approval_is_owed_by_the_security_officers_of_the_division() {
        let mut f = facts(EngagementKind::Outsourcing, Some(2), Status::Draft);
        f.items = vec![item("i1", 2, true)];
        let list = of(&[f], d(2027, 3, 1));
        let provision = by_key(&list, "obligation:e1:R-3.3.3:i1:2027-04-01");
        assert_eq!(
            provision.owner,
            Owner::Role {
                role: Role::SecurityOfficer,
                division_id: Some("div".into()),
            }
        );
        assert!(
            provision.what.en.ends_with("(R-3.3.3: item i1)"),
            "{}",
            provision.what.en
        );
        assert!(
            provision.what.ja.ends_with("（R-3.3.3: item i1）"),
            "{}",
            provision.what.ja
        );
    }

    #[test]
    fn r_7_4_and_r_7_5_organisation_wide_roles_are_owed_without_a_division() {
        let mut f = facts(
            EngagementKind::DesignatedManagement,
            Some(2),
            Status::Active,
        );
        f.assets = vec![crate::db::approvals::ManagerAsset {
            id: "sys".into(),
            engagement_id: "e1".into(),
            kind: "system".into(),
            name: "予約システム".into(),
            description: String::new(),
            recorded_by: "officer".into(),
            recorded_at: utc(2027, 1, 4, 0),
        }];
        let list = of(&[f], d(2027, 3, 1));
        assert_eq!(
            by_key(&list, "obligation:e1:R-7.4::2027-09-30").owner,
            Owner::Role {
                role: Role::Ciso,
                division_id: None
            }
        );
        assert_eq!(
            by_key(&list, "obligation:e1:R-7.5:sys:2027-04-01").owner,
            Owner::Role {
                role: Role::ChiefSystemManager,
                division_id: None
            }
        );
    }

    #[test]
    fn a_pending_approval_is_due_seven_days_after_the_organisations_day_of_the_request() {
        let mut f = facts(EngagementKind::Outsourcing, Some(1), Status::Draft);
        let mut pending = approval(
            ApprovalRule::ProvideInformation,
            "i1",
            crate::policy::approvals::ApprovalState::Pending,
            None,
        );
        // 16:00 UTC on 1 March is 2 March in Tokyo.
        pending.requested_at = utc(2027, 3, 1, 16);
        f.approvals = vec![
            pending,
            approval(
                ApprovalRule::ProvideInformation,
                "i2",
                crate::policy::approvals::ApprovalState::Approved,
                Some(utc(2027, 3, 2, 1)),
            ),
            approval(
                ApprovalRule::ProvideInformation,
                "i3",
                crate::policy::approvals::ApprovalState::Rejected,
                Some(utc(2027, 3, 2, 1)),
            ),
        ];
        let list = of(&[f], d(2027, 3, 3));
        let approvals: Vec<&Deadline> = list.iter().filter(|d| d.kind == Kind::Approval).collect();
        assert_eq!(approvals.len(), 1, "decided requests are no deadlines");
        let a = approvals[0];
        assert_eq!(a.key, "approval:a-i1-pending");
        assert_eq!(a.rule_id, "R-3.3.3");
        assert_eq!(a.due_on, d(2027, 3, 9));
        assert_eq!(
            a.owner,
            Owner::Role {
                role: Role::SecurityOfficer,
                division_id: Some("div".into())
            }
        );
        assert_eq!(a.path, "/engagements/e1#approvals");
        assert!(a.what.en.contains("R-3.3.3: item i1"), "{}", a.what.en);
    }

    #[test]
    fn a_pending_approval_with_an_unknown_approver_role_is_skipped() {
        let mut f = facts(EngagementKind::Outsourcing, Some(1), Status::Draft);
        let mut pending = approval(
            ApprovalRule::ProvideInformation,
            "i1",
            crate::policy::approvals::ApprovalState::Pending,
            None,
        );
        pending.approver_role = "mayor".into();
        f.approvals = vec![pending];
        assert!(of(&[f], d(2027, 3, 3))
            .iter()
            .all(|d| d.kind != Kind::Approval));
    }

    #[test]
    fn r_8_4_2_a_contract_in_force_has_its_end_as_a_deadline_of_the_responsible_officer() {
        let today = d(2028, 1, 1);
        let ends = |status: Status, ends_on: NaiveDate| {
            let mut f = facts(EngagementKind::Outsourcing, Some(1), status);
            f.engagement.ends_on = ends_on;
            of(&[f], today)
                .into_iter()
                .filter(|d| d.kind == Kind::ContractEnd)
                .collect::<Vec<_>>()
        };
        for status in [Status::Contracted, Status::Active, Status::Ending] {
            let list = ends(status, d(2028, 3, 31));
            assert_eq!(list.len(), 1, "{status}");
            let end = &list[0];
            assert_eq!(end.key, "contract_end:e1:2028-03-31");
            assert_eq!(end.rule_id, "R-8.4.2");
            assert_eq!(end.due_on, d(2028, 3, 31));
            assert_eq!(end.owner, Owner::User("officer".into()));
            assert_eq!(end.path, "/engagements/e1");
        }
        assert_eq!(ends(Status::Active, today).len(), 1, "ends today");
        assert!(ends(Status::Active, d(2027, 12, 31)).is_empty(), "ended");
        for status in [Status::Draft, Status::Selected, Status::Closed] {
            assert!(ends(status, d(2028, 3, 31)).is_empty(), "{status}");
        }
    }

    #[test]
    fn deadlines_of_several_engagements_carry_their_own_engagement() {
        let a = facts(EngagementKind::Outsourcing, Some(1), Status::Draft);
        let mut b = facts(EngagementKind::CloudService, Some(1), Status::Draft);
        b.engagement.id = "e2".into();
        b.engagement.division_id = "div2".into();
        let list = of(&[a, b], d(2027, 3, 1));
        let cloud = by_key(&list, "obligation:e2:R-10.1::2027-04-01");
        assert_eq!(cloud.division_id.as_deref(), Some("div2"));
        assert_eq!(cloud.path, "/engagements/e2#obligations");
        assert!(list
            .iter()
            .any(|d| d.key == "obligation:e1:R-8.1::2027-04-01"));
    }

    #[test]
    fn r_8_3_2_a_check_not_yet_answered_is_due_on_its_own_date_for_the_responsible_officer() {
        let f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        for state in [
            CheckState::Sent,
            CheckState::InProgress,
            CheckState::Returned,
        ] {
            let list = of_checks(
                std::slice::from_ref(&f),
                &[check("c1", state, None)],
                &[],
                &config(),
            );
            assert_eq!(list.len(), 1);
            let c = &list[0];
            assert_eq!(c.kind, Kind::Check);
            assert_eq!(c.key, "check:c1:2027-05-31");
            assert_eq!(c.rule_id, "R-8.3.2", "the last rule the check meets");
            assert_eq!(c.due_on, d(2027, 5, 31));
            assert_eq!(c.owner, Owner::User("officer".into()));
            assert_eq!(c.path, "/checks/c1");
            assert!(c.what.en.contains("outsourcing-l2, 山田"), "{}", c.what.en);
        }
    }

    #[test]
    fn r_8_3_2_a_submitted_check_is_to_be_reviewed_within_the_review_days() {
        let f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        // 15:00 UTC on 10 May is 11 May in Tokyo; reviewed within 14 days.
        let at = utc(2027, 5, 10, 15);
        let list = of_checks(
            &[f],
            &[
                check("c1", CheckState::Submitted, Some(at)),
                check("c2", CheckState::Submitted, None),
            ],
            &[],
            &config(),
        );
        assert_eq!(
            list.len(),
            1,
            "a submitted check without its time is skipped"
        );
        let review = &list[0];
        assert_eq!(review.kind, Kind::CheckReview);
        assert_eq!(
            review.key,
            format!("check_review:c1:{}", at.and_utc().timestamp())
        );
        assert_eq!(review.due_on, d(2027, 5, 25));
        assert_eq!(review.owner, Owner::User("officer".into()));
    }

    #[test]
    fn checks_and_findings_of_engagements_not_loaded_are_left_out() {
        let f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        let mut stray = check("c9", CheckState::Sent, None);
        stray.engagement_id = "elsewhere".into();
        let list = of_checks(&[f], &[stray], &[finding("f9", "elsewhere")], &config());
        assert!(list.is_empty());
    }

    #[test]
    fn an_open_findings_corrective_action_is_owed_by_the_findings_owner() {
        let f = facts(EngagementKind::Outsourcing, Some(2), Status::Active);
        let list = of_checks(&[f], &[], &[finding("f1", "e1")], &config());
        assert_eq!(list.len(), 1);
        let fix = &list[0];
        assert_eq!(fix.kind, Kind::CorrectiveAction);
        assert_eq!(fix.key, "finding:f1:2027-07-01");
        assert_eq!(fix.rule_id, "R-8.3.2");
        assert_eq!(fix.due_on, d(2027, 7, 1));
        assert_eq!(fix.owner, Owner::User("vendor-liaison".into()));
        assert_eq!(fix.engagement_id.as_deref(), Some("e1"));
        assert_eq!(fix.path, "/findings/f1");
        assert!(fix.what.en.contains("question q-7"), "{}", fix.what.en);
    }

    #[test]
    fn r_5_5_3_6_the_access_review_is_owed_by_the_chief_system_manager_organisation_wide() {
        let review = access_review(d(2027, 6, 30));
        assert_eq!(review.kind, Kind::AccessReview);
        assert_eq!(review.key, "access_review:2027-06-30");
        assert_eq!(review.rule_id, "R-5.5.3.6");
        assert_eq!(review.due_on, d(2027, 6, 30));
        assert_eq!(
            review.owner,
            Owner::Role {
                role: Role::ChiefSystemManager,
                division_id: None
            }
        );
        assert_eq!(review.division_id, None);
        assert_eq!(review.engagement_id, None);
        assert_eq!(review.path, "/admin/access-review");
    }
}

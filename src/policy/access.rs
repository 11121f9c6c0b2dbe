//! Who may see and change what: the one place that decides, from the actor's roles and
//! divisions. Handlers ask; they never look at roles themselves.
//!
//! - ROLE-CISO, ROLE-DCISO and ROLE-CSM see and change every engagement.
//! - ROLE-AUD sees every engagement and changes nothing (an auditor keeps out of the work
//!   audited, R-11.1.3).
//! - ROLE-SO and ROLE-SA change the engagements of their own divisions; ROLE-CSIRT reads
//!   them.
//! - Managing divisions and staff accounts (R-5.5.3.3/4) is for ROLE-CISO, ROLE-DCISO and
//!   ROLE-CSM; nobody resets their own second factor.
//! - the person who requests an approval never grants it; the person who owes an
//!   obligation never waives it.
//! - The audit log is read and exported by ROLE-AUD and ROLE-CISO: no
//!   one audits their own activity.
//! - The access review (R-5.5.3.6) is shown to ROLE-CISO, ROLE-DCISO, ROLE-CSM and ROLE-AUD
//!   and confirmed by ROLE-CSM.
//! - Everyone sees their own deadlines; those who see every engagement see anyone's.
//!   ROLE-CSM runs the reminder sweep and looks after the email outbox.
//!
//! Handlers ask with an [`Action`] through [`Actor::authorize`]; a refusal is a 403 whose
//! message names the rule.

use crate::domain::Role;
use crate::i18n::Msg;
use crate::policy::approvals::Route;

/// The signed-in staff member, as the rules need them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub roles: Vec<Role>,
    pub division_ids: Vec<String>,
}

/// Which engagements a query may return for an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    Divisions(Vec<String>),
}

const SEE_ALL: &[Role] = &[
    Role::Ciso,
    Role::DeputyCiso,
    Role::ChiefSystemManager,
    Role::Auditor,
];
const CHANGE_ALL: &[Role] = &[Role::Ciso, Role::DeputyCiso, Role::ChiefSystemManager];
const CHANGE_OWN_DIVISION: &[Role] = &[Role::SecurityOfficer, Role::SystemAdministrator];
const ADMINISTER: &[Role] = &[Role::Ciso, Role::DeputyCiso, Role::ChiefSystemManager];
const AUDIT: &[Role] = &[Role::Auditor, Role::Ciso];
const SEE_ACCESS_REVIEW: &[Role] = &[
    Role::Ciso,
    Role::DeputyCiso,
    Role::ChiefSystemManager,
    Role::Auditor,
];
const CONFIRM_ACCESS_REVIEW: &[Role] = &[Role::ChiefSystemManager];
const OPERATE: &[Role] = &[Role::ChiefSystemManager];

/// Something an actor asks to do.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// See an engagement (and what hangs off it) of this division.
    ReadEngagement { division_id: &'a str },
    /// Change an engagement of this division.
    ChangeEngagement { division_id: &'a str },
    /// Verify an engagement's end-of-term attestation: its division's security officer
    /// (outsourcing, designated management) or system administrator (cloud service),
    /// `role` being the one the engagement's kind names.
    ConfirmEndOfTerm { role: Role, division_id: &'a str },
    /// Record the inspection of a designated manager of this division: the CISO,
    /// or a person who names the CISO that delegated it (`for_ciso`).
    RecordInspection {
        division_id: &'a str,
        for_ciso: bool,
    },
    /// Register engagements and vendors at all.
    Register,
    /// Register and change divisions and staff accounts (R-5.5.3.3/4).
    Administer,
    /// Remove someone's second factor so they set up a new one (R-5.5.3.2).
    ResetSecondFactor { user_id: &'a str },
    /// Approve (or reject) a waiver of an obligation owed by `owed_by`, asked for by
    /// `requested_by` (R-2.6: neither decides it).
    Waive {
        owed_by: &'a str,
        requested_by: &'a str,
    },
    /// Accept the risk of a finding owned by `owner` instead of correcting it.
    AcceptRisk { owner: &'a str },
    /// Approve what a cloud service's system administrator keeps (a configuration
    /// record, R-9.3.2, R-10.2) in this division, recorded by `recorded_by` (R-2.6: not
    /// by them).
    ApproveCloudRecord {
        division_id: &'a str,
        recorded_by: &'a str,
    },
    /// Decide an approval request routed to `route`.
    DecideApproval {
        requested_by: &'a str,
        route: &'a Route,
    },
    /// Read or export the audit log, about everyone or one person.
    ReadAuditLog { about_user: Option<&'a str> },
    /// See the access review (R-5.5.3.6).
    SeeAccessReview,
    /// Confirm the access review (R-5.5.3.6).
    ConfirmAccessReview,
    /// See the deadlines of a person.
    SeeDeadlinesOf { user_id: &'a str },
    /// Run the reminder sweep and look after the email outbox.
    OperateReminders,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The actor's roles or divisions do not allow it.
    NotPermitted(Msg),
    /// the requester or the person owing something cannot decide it themselves.
    OwnRequest(Msg),
    /// nobody audits their own work.
    OwnWork(Msg),
}

impl Denial {
    pub fn message(&self) -> &Msg {
        match self {
            Denial::NotPermitted(m) | Denial::OwnRequest(m) | Denial::OwnWork(m) => m,
        }
    }
}

fn not_permitted(ja: &str, en: &str) -> Result<(), Denial> {
    Err(Denial::NotPermitted(Msg::new(ja, en)))
}

impl Actor {
    fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }

    fn in_division(&self, division_id: &str) -> bool {
        self.division_ids.iter().any(|d| d == division_id)
    }

    pub fn visibility(&self) -> Visibility {
        if self.has_any(SEE_ALL) {
            Visibility::All
        } else {
            Visibility::Divisions(self.division_ids.clone())
        }
    }

    fn can_read_division(&self, division_id: &str) -> bool {
        self.has_any(SEE_ALL) || self.in_division(division_id)
    }

    /// Register or change an engagement owned by this division.
    fn can_change_division(&self, division_id: &str) -> bool {
        self.has_any(CHANGE_ALL)
            || (self.has_any(CHANGE_OWN_DIVISION) && self.in_division(division_id))
    }

    /// Whether the actor may register engagements at all (for vendors too, which are
    /// shared by every division).
    fn can_register(&self) -> bool {
        self.has_any(CHANGE_ALL) || self.has_any(CHANGE_OWN_DIVISION)
    }

    fn can_administer(&self) -> bool {
        self.has_any(ADMINISTER)
    }

    /// `permits` by value: a refusal is a `Denial` naming the rule, which `error.rs` turns
    /// into a 403.
    pub fn authorize(&self, action: Action) -> Result<(), Denial> {
        self.permits(&action)
    }

    /// The one answer to "may this actor do this?".
    pub fn permits(&self, action: &Action) -> Result<(), Denial> {
        match *action {
            Action::ReadEngagement { division_id } => {
                if self.can_read_division(division_id) {
                    Ok(())
                } else {
                    not_permitted(
                        "この委託案件を閲覧する権限がありません",
                        "You may not see this engagement",
                    )
                }
            }
            Action::ChangeEngagement { division_id } => {
                if self.can_change_division(division_id) {
                    Ok(())
                } else {
                    not_permitted(
                        "この委託案件を変更する権限がありません（所管課のセキュリティ責任者・システム管理者等が変更できます）",
                        "You may not change this engagement (its division's security officer or system administrator may)",
                    )
                }
            }
            Action::ConfirmEndOfTerm { role, division_id } => {
                if self.roles.contains(&role) && self.in_division(division_id) {
                    Ok(())
                } else {
                    not_permitted(
                        "終了時報告の確認は、所管課のセキュリティ責任者（クラウドサービスはシステム管理者）が行います",
                        "The division's security officer (for a cloud service, its system administrator) verifies the end-of-term attestation",
                    )
                }
            }
            Action::RecordInspection {
                division_id,
                for_ciso,
            } => {
                if !for_ciso {
                    not_permitted(
                        "指定管理者の点検はセキュリティ統括責任者（CISO）が行います。委任を受けて行った場合は、委任したCISOを指定してください（R-7.4）",
                        "The CISO inspects designated managers: a person the CISO delegated to names the CISO (R-7.4)",
                    )
                } else if !self.can_read_division(division_id) {
                    not_permitted(
                        "この委託案件を閲覧する権限がありません",
                        "You may not see this engagement",
                    )
                } else {
                    Ok(())
                }
            }
            Action::Register => {
                if self.can_register() {
                    Ok(())
                } else {
                    not_permitted(
                        "登録・変更はセキュリティ責任者、システム管理者等が行います",
                        "Only security officers, system administrators and ROLE-CISO/DCISO/CSM register this",
                    )
                }
            }
            Action::Administer => {
                if self.can_administer() {
                    Ok(())
                } else {
                    not_permitted(
                        "課等と利用者の管理はセキュリティ統括責任者・システム統括管理者等が行います",
                        "Only ROLE-CISO, ROLE-DCISO or ROLE-CSM manage divisions and users",
                    )
                }
            }
            Action::ResetSecondFactor { user_id } => {
                if !self.can_administer() {
                    not_permitted(
                        "二要素認証のリセットはシステム統括管理者等が行います",
                        "Only ROLE-CISO, ROLE-DCISO or ROLE-CSM reset a second factor",
                    )
                } else if user_id == self.user_id {
                    Err(Denial::OwnRequest(Msg::new(
                        "自分の二要素認証は自分でリセットできません（R-2.6）",
                        "Nobody resets their own second factor (R-2.6)",
                    )))
                } else {
                    Ok(())
                }
            }
            Action::Waive {
                owed_by,
                requested_by,
            } => {
                if !self.has_any(CHANGE_ALL) {
                    not_permitted(
                        "義務の免除はセキュリティ統括責任者、副統括責任者、システム統括管理者が承認します",
                        "Only ROLE-CISO, ROLE-DCISO or ROLE-CSM approve a waiver",
                    )
                } else if owed_by == self.user_id {
                    Err(Denial::OwnRequest(Msg::new(
                        "自分が負う義務の免除は自分で承認できません（R-2.6 兼務の禁止）",
                        "Nobody approves the waiver of an obligation they owe themselves (R-2.6)",
                    )))
                } else if requested_by == self.user_id {
                    Err(Denial::OwnRequest(Msg::new(
                        "自分が申請した免除は自分で承認できません（R-2.6 兼務の禁止）",
                        "Nobody approves a waiver they asked for themselves (R-2.6)",
                    )))
                } else {
                    Ok(())
                }
            }
            Action::ApproveCloudRecord {
                division_id,
                recorded_by,
            } => {
                let administers = self.roles.contains(&Role::SystemAdministrator)
                    && self.in_division(division_id);
                if !administers && !self.has_any(CHANGE_ALL) {
                    not_permitted(
                        "クラウドサービスの構成管理情報は、所管課のシステム管理者（又はセキュリティ統括責任者、副統括責任者、システム統括管理者）が承認します",
                        "The division's system administrator (or ROLE-CISO, ROLE-DCISO or ROLE-CSM) approves a cloud service's configuration record",
                    )
                } else if recorded_by == self.user_id {
                    Err(Denial::OwnRequest(Msg::new(
                        "自分が記録した版は自分で承認できません（R-2.6 兼務の禁止）",
                        "Nobody approves a version they recorded themselves (R-2.6)",
                    )))
                } else {
                    Ok(())
                }
            }
            Action::AcceptRisk { owner } => {
                if !self.has_any(CHANGE_ALL) {
                    not_permitted(
                        "リスクの受容はセキュリティ統括責任者、副統括責任者、システム統括管理者が承認します",
                        "Only ROLE-CISO, ROLE-DCISO or ROLE-CSM accept a finding's risk",
                    )
                } else if owner == self.user_id {
                    Err(Denial::OwnRequest(Msg::new(
                        "自分が担当する指摘事項のリスクは自分で受容できません（R-2.6 兼務の禁止）",
                        "Nobody accepts the risk of a finding they own themselves (R-2.6)",
                    )))
                } else {
                    Ok(())
                }
            }
            Action::DecideApproval {
                requested_by,
                route,
            } => {
                if requested_by == self.user_id {
                    return Err(Denial::OwnRequest(Msg::new(
                        "申請者自身は承認できません（R-2.6 兼務の禁止）",
                        "The requester cannot decide their own request (R-2.6)",
                    )));
                }
                let in_division = route
                    .division_id
                    .as_deref()
                    .is_none_or(|d| self.in_division(d));
                if self.roles.contains(&route.role) && in_division {
                    Ok(())
                } else {
                    Err(Denial::NotPermitted(Msg::new(
                        format!("この申請を決裁できるのは{}です", route.role.label_ja()),
                        format!(
                            "Only the {} this request was routed to can decide it",
                            route.role.as_str()
                        ),
                    )))
                }
            }
            Action::ReadAuditLog { about_user } => {
                if !self.has_any(AUDIT) {
                    not_permitted(
                        "監査ログの閲覧・出力は監査を実施する者とセキュリティ統括責任者が行います",
                        "Only ROLE-AUD and ROLE-CISO read or export the audit log",
                    )
                } else if about_user == Some(self.user_id.as_str()) {
                    Err(Denial::OwnWork(Msg::new(
                        "自分の操作を自分で監査することはできません（R-11.1.3）",
                        "Nobody audits their own activity (R-11.1.3)",
                    )))
                } else {
                    Ok(())
                }
            }
            Action::SeeAccessReview => {
                if self.has_any(SEE_ACCESS_REVIEW) {
                    Ok(())
                } else {
                    not_permitted(
                        "アクセス権の棚卸しはシステム統括管理者等が行います",
                        "Only ROLE-CISO, ROLE-DCISO, ROLE-CSM and ROLE-AUD see the access review",
                    )
                }
            }
            Action::SeeDeadlinesOf { user_id } => {
                if user_id == self.user_id || self.has_any(SEE_ALL) {
                    Ok(())
                } else {
                    not_permitted(
                        "他の職員の期限を見られるのはセキュリティ統括責任者・システム統括管理者・監査を実施する者等です",
                        "Only ROLE-CISO, ROLE-DCISO, ROLE-CSM and ROLE-AUD see another person's deadlines",
                    )
                }
            }
            Action::OperateReminders => {
                if self.has_any(OPERATE) {
                    Ok(())
                } else {
                    not_permitted(
                        "リマインダーの実行とメール送信の管理はシステム統括管理者が行います",
                        "Only ROLE-CSM runs the reminder sweep and looks after the outbox",
                    )
                }
            }
            Action::ConfirmAccessReview => {
                if self.has_any(CONFIRM_ACCESS_REVIEW) {
                    Ok(())
                } else {
                    not_permitted(
                        "アクセス権の棚卸しの確認はシステム統括管理者が行います",
                        "Only ROLE-CSM confirms the access review",
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role], divisions: &[&str]) -> Actor {
        Actor {
            user_id: "u".into(),
            roles: roles.to_vec(),
            division_ids: divisions.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn r_8_4_the_divisions_officer_of_the_kind_confirms_an_attestation() {
        let confirm = |role| Action::ConfirmEndOfTerm {
            role,
            division_id: "kumin",
        };
        let so = actor(&[Role::SecurityOfficer], &["kumin"]);
        let sa = actor(&[Role::SystemAdministrator], &["kumin"]);
        let ciso = actor(&[Role::Ciso], &[]);
        let other = actor(&[Role::SecurityOfficer], &["joho"]);
        assert!(so.permits(&confirm(Role::SecurityOfficer)).is_ok());
        assert!(sa.permits(&confirm(Role::SystemAdministrator)).is_ok());
        assert!(sa.permits(&confirm(Role::SecurityOfficer)).is_err());
        assert!(so.permits(&confirm(Role::SystemAdministrator)).is_err());
        assert!(ciso.permits(&confirm(Role::SecurityOfficer)).is_err());
        assert!(other.permits(&confirm(Role::SecurityOfficer)).is_err());
    }

    #[test]
    fn r_9_3_2_the_divisions_system_administrator_approves_a_configuration_record_not_its_recorder()
    {
        let approve = |recorded_by| Action::ApproveCloudRecord {
            division_id: "kumin",
            recorded_by,
        };
        let sa = actor(&[Role::SystemAdministrator], &["kumin"]);
        let so = actor(&[Role::SecurityOfficer], &["kumin"]);
        let elsewhere = actor(&[Role::SystemAdministrator], &["joho"]);
        let csm = actor(&[Role::ChiefSystemManager], &[]);
        assert!(sa.permits(&approve("someone")).is_ok());
        assert!(csm.permits(&approve("someone")).is_ok());
        assert!(so.permits(&approve("someone")).is_err());
        assert!(elsewhere.permits(&approve("someone")).is_err());
        assert!(matches!(
            sa.permits(&approve("u")),
            Err(Denial::OwnRequest(_))
        ));
    }

    #[test]
    fn table_of_who_sees_and_changes_what() {
        // (roles, sees other division, changes own division, changes other division, admin)
        let cases: &[(&[Role], bool, bool, bool, bool)] = &[
            (&[Role::Ciso], true, true, true, true),
            (&[Role::DeputyCiso], true, true, true, true),
            (&[Role::ChiefSystemManager], true, true, true, true),
            (&[Role::Auditor], true, false, false, false),
            (&[Role::SecurityOfficer], false, true, false, false),
            (&[Role::SystemAdministrator], false, true, false, false),
            (&[Role::Csirt], false, false, false, false),
            (&[], false, false, false, false),
        ];
        for (roles, sees_other, changes_own, changes_other, admin) in cases {
            let a = actor(roles, &["own"]);
            assert!(a.can_read_division("own"), "{roles:?} reads own");
            assert_eq!(a.can_read_division("other"), *sees_other, "{roles:?}");
            assert_eq!(a.can_change_division("own"), *changes_own, "{roles:?}");
            assert_eq!(a.can_change_division("other"), *changes_other, "{roles:?}");
            assert_eq!(a.can_administer(), *admin, "{roles:?}");
        }
    }

    #[test]
    fn r_2_6_nobody_decides_or_waives_their_own() {
        let csm = Actor {
            user_id: "me".into(),
            ..actor(&[Role::ChiefSystemManager], &[])
        };
        let route = Route {
            role: Role::ChiefSystemManager,
            division_id: None,
        };
        let own = Action::DecideApproval {
            requested_by: "me",
            route: &route,
        };
        assert!(matches!(csm.permits(&own), Err(Denial::OwnRequest(_))));
        let other = Action::DecideApproval {
            requested_by: "someone",
            route: &route,
        };
        assert_eq!(csm.permits(&other), Ok(()));
        assert!(matches!(
            csm.permits(&Action::Waive {
                owed_by: "me",
                requested_by: "someone"
            }),
            Err(Denial::OwnRequest(_))
        ));
        assert!(matches!(
            csm.permits(&Action::Waive {
                owed_by: "someone",
                requested_by: "me"
            }),
            Err(Denial::OwnRequest(_))
        ));
        assert_eq!(
            csm.permits(&Action::Waive {
                owed_by: "someone",
                requested_by: "another"
            }),
            Ok(())
        );
        assert!(matches!(
            csm.permits(&Action::ResetSecondFactor { user_id: "me" }),
            Err(Denial::OwnRequest(_))
        ));
        assert_eq!(
            csm.permits(&Action::ResetSecondFactor { user_id: "other" }),
            Ok(())
        );
    }

    #[test]
    fn r_2_6_nobody_accepts_the_risk_of_their_own_finding() {
        let ciso = actor(&[Role::Ciso], &[]);
        assert_eq!(ciso.permits(&Action::AcceptRisk { owner: "other" }), Ok(()));
        assert!(matches!(
            ciso.permits(&Action::AcceptRisk { owner: "u" }),
            Err(Denial::OwnRequest(_))
        ));
        let so = actor(&[Role::SecurityOfficer], &["kumin"]);
        assert!(matches!(
            so.permits(&Action::AcceptRisk { owner: "other" }),
            Err(Denial::NotPermitted(_))
        ));
    }

    #[test]
    fn r_11_1_3_audit_log_for_auditors_but_not_of_themselves() {
        let aud = Actor {
            user_id: "aud".into(),
            ..actor(&[Role::Auditor], &[])
        };
        assert_eq!(
            aud.permits(&Action::ReadAuditLog { about_user: None }),
            Ok(())
        );
        assert_eq!(
            aud.permits(&Action::ReadAuditLog {
                about_user: Some("x")
            }),
            Ok(())
        );
        assert!(matches!(
            aud.permits(&Action::ReadAuditLog {
                about_user: Some("aud")
            }),
            Err(Denial::OwnWork(_))
        ));
        for roles in [
            &[Role::ChiefSystemManager][..],
            &[Role::DeputyCiso],
            &[Role::SecurityOfficer],
            &[],
        ] {
            assert!(actor(roles, &[])
                .permits(&Action::ReadAuditLog { about_user: None })
                .is_err());
        }
        assert!(actor(&[Role::Ciso], &[])
            .permits(&Action::ReadAuditLog { about_user: None })
            .is_ok());
        assert!(actor(&[Role::ChiefSystemManager], &[])
            .permits(&Action::ConfirmAccessReview)
            .is_ok());
        assert!(actor(&[Role::Ciso], &[])
            .permits(&Action::ConfirmAccessReview)
            .is_err());
    }

    #[test]
    fn visibility_lists_own_divisions_for_division_staff() {
        let so = actor(&[Role::SecurityOfficer], &["a", "b"]);
        assert_eq!(
            so.visibility(),
            Visibility::Divisions(vec!["a".into(), "b".into()])
        );
        assert_eq!(actor(&[Role::Auditor], &[]).visibility(), Visibility::All);
    }
}

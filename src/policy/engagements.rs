//! Rules on an engagement's own facts: which engagement may be its parent, and
//! what a status move needs beyond the lifecycle (the gates of and
//! and the start date).

use chrono::NaiveDate;

use crate::domain::{ClassificationLevel, EngagementKind, Status};
use crate::i18n::Msg;

/// Why an engagement cannot have the parent it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentProblem {
    /// only a designated management has subcontracts.
    ParentNotDesignatedManagement,
    /// A subcontract is registered as an outsourcing.
    ChildNotOutsourcing,
}

impl ParentProblem {
    pub fn code(self) -> &'static str {
        match self {
            ParentProblem::ParentNotDesignatedManagement => "not_designated_management",
            ParentProblem::ChildNotOutsourcing => "not_allowed",
        }
    }

    pub fn message(self) -> Msg {
        match self {
            ParentProblem::ParentNotDesignatedManagement => Msg::new(
                "親にできるのは指定管理の案件のみです（R-8.5）",
                "Only a designated management can be a parent (R-8.5)",
            ),
            ParentProblem::ChildNotOutsourcing => Msg::new(
                "親を持てるのは業務委託（指定管理者の再委託）のみです",
                "Only an outsourcing (a designated manager's subcontract) has a parent",
            ),
        }
    }
}

/// a designated manager's subcontract is an outsourcing whose parent is the
/// designated management. Either kind is unknown when it could not be read (a child's
/// kind that did not parse, a parent that does not exist): only the rest is judged.
pub fn parent_problems(
    child: Option<EngagementKind>,
    parent: Option<EngagementKind>,
) -> Vec<ParentProblem> {
    let mut problems = Vec::new();
    if parent.is_some_and(|p| p != EngagementKind::DesignatedManagement) {
        problems.push(ParentProblem::ParentNotDesignatedManagement);
    }
    if child.is_some_and(|k| k != EngagementKind::Outsourcing) {
        problems.push(ParentProblem::ChildNotOutsourcing);
    }
    problems
}

/// What a move to `contracted` or `active` is decided on, loaded by the caller.
#[derive(Debug, Clone)]
pub struct GateFacts {
    pub to: Status,
    pub kind: EngagementKind,
    pub level: Option<ClassificationLevel>,
    /// at least one information item is registered with its level,
    /// or the statement that no ward information is handed over is recorded.
    pub information_identified: bool,
    /// R-10.x: the provider's terms of service accepted are recorded (an L1 cloud
    /// service's agreement).
    pub terms_accepted: bool,
    /// Whether a signed contract (or agreement) is on record.
    pub contract_recorded: bool,
    /// Mandatory clauses for the kind and *current* level that the latest contract
    /// lacks (all of them while none is recorded).
    pub missing_clauses: Vec<String>,
    /// L2/L3 items provided to the vendor without an approved request.
    pub unapproved_provisions: Vec<String>,
    pub starts_on: NaiveDate,
    /// The organisation's date.
    pub today: NaiveDate,
    /// the deployment requires an L2/L3 cloud service to hold a valid ISMAP /
    /// ISMAP-LIU listing before it is `active` (`ismap_required_for_active`), and this
    /// one does not.
    pub lacks_required_listing: bool,
}

/// Why a move was refused, in words a person acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateRefusal {
    /// the information handed over is not identified yet.
    NoInformation { rule: &'static str },
    /// An L1 cloud service with neither the provider's terms accepted nor a contract.
    NoAgreement,
    /// no contract is recorded; `missing` is every mandatory clause.
    NoContract { missing: Vec<String> },
    /// The contract lacks mandatory clauses (a level that rose adds some).
    MissingClauses { missing: Vec<String> },
    /// nothing of L2/L3 reaches the vendor before its provision is approved.
    Unapproved { items: Vec<String> },
    /// Not `active` before the start date.
    BeforeStart { starts_on: NaiveDate },
    /// an L2/L3 cloud service without a valid ISMAP / ISMAP-LIU listing, where the
    /// deployment requires one before use.
    NoListing,
}

impl GateRefusal {
    pub fn message(&self) -> Msg {
        match self {
            GateRefusal::NoInformation { rule } => Msg::new(
                format!("契約の前に、提供する情報を特定してください（{rule}）。情報項目を機密性の区分とともに登録するか、区の情報を提供しない旨を記録してください"),
                format!("Identify the information handed over before the contract ({rule}): register each information item with its level, or record that no ward information is handed over"),
            ),
            GateRefusal::NoAgreement => Msg::new(
                "利用規約への同意（規約の名称、版または日付、URL）か、締結した契約を記録してください（L1情報のみのクラウドサービスに必須の条項はありません）",
                "Record the provider's terms of service accepted (their name, version or date and URL), or a signed contract: no clause is mandatory for a cloud service of L1 information only",
            ),
            GateRefusal::NoContract { .. } => Msg::new(
                "契約（協定）が記録されていません。必須条項を含む契約を記録してください",
                "No contract is recorded: record the signed contract with every mandatory clause",
            ),
            GateRefusal::MissingClauses { missing } => Msg::new(
                format!("契約に必須条項が不足しています: {}", missing.join(", ")),
                format!(
                    "The contract lacks mandatory clauses: {}",
                    missing.join(", ")
                ),
            ),
            GateRefusal::Unapproved { items } => Msg::new(
                format!(
                    "L2/L3情報の提供が承認されていません（R-3.3.3）: {}",
                    items.join("、")
                ),
                format!(
                    "Providing L2/L3 information is not approved yet (R-3.3.3): {}",
                    items.join(", ")
                ),
            ),
            GateRefusal::BeforeStart { starts_on } => Msg::new(
                format!("開始日（{starts_on}）前は履行中にできません"),
                format!("The engagement cannot be active before its start date ({starts_on})"),
            ),
            GateRefusal::NoListing => Msg::new(
                "重要性分類レベル2以上の情報を取り扱うクラウドサービスは、有効な ISMAP / ISMAP-LIU の登録を記録してから利用を開始します（R-9.1）",
                "A cloud service handling level 2 or 3 information needs a valid ISMAP / ISMAP-LIU listing recorded before use (R-9.1)",
            ),
        }
    }

    /// What is still missing, for the answer's `missing` list (empty for the start date).
    pub fn missing(&self) -> Vec<String> {
        match self {
            GateRefusal::NoContract { missing } | GateRefusal::MissingClauses { missing } => {
                missing.clone()
            }
            GateRefusal::Unapproved { items } => items.clone(),
            GateRefusal::NoInformation { .. } => vec!["information_items".into()],
            GateRefusal::NoAgreement => vec!["terms_accepted".into()],
            GateRefusal::BeforeStart { .. } => vec![],
            GateRefusal::NoListing => vec!["ismap_listing".into()],
        }
    }
}

/// The rule that asks for the information to be identified before the contract.
fn identification_rule(kind: EngagementKind) -> &'static str {
    match kind {
        EngagementKind::Outsourcing => "R-8.2",
        EngagementKind::DesignatedManagement => "R-7.2",
        EngagementKind::CloudService => "R-9.2",
    }
}

/// What a move needs beyond the lifecycle: `contracted` needs the information handed
/// over identified and a contract holding every mandatory clause
/// for the kind and level, or for an L1 cloud service (no clause mandatory) the
/// provider's terms accepted or a contract; `active` needs the same still true, every
/// L2/L3 provision approved, and the start date come. Other moves need nothing
/// here.
pub fn check_gates(f: &GateFacts) -> Result<(), GateRefusal> {
    if !matches!(f.to, Status::Contracted | Status::Active) {
        return Ok(());
    }
    if !f.information_identified {
        return Err(GateRefusal::NoInformation {
            rule: identification_rule(f.kind),
        });
    }
    let low_level_cloud = super::records::is_low_level_cloud(f.kind, f.level);
    if low_level_cloud && f.missing_clauses.is_empty() {
        if !f.contract_recorded && !f.terms_accepted {
            return Err(GateRefusal::NoAgreement);
        }
    } else if !f.contract_recorded {
        return Err(GateRefusal::NoContract {
            missing: f.missing_clauses.clone(),
        });
    }
    if !f.missing_clauses.is_empty() {
        return Err(GateRefusal::MissingClauses {
            missing: f.missing_clauses.clone(),
        });
    }
    if f.to == Status::Active {
        if !f.unapproved_provisions.is_empty() {
            return Err(GateRefusal::Unapproved {
                items: f.unapproved_provisions.clone(),
            });
        }
        if f.starts_on > f.today {
            return Err(GateRefusal::BeforeStart {
                starts_on: f.starts_on,
            });
        }
        if f.lacks_required_listing {
            return Err(GateRefusal::NoListing);
        }
    }
    Ok(())
}

/// handing an L2/L3 item to the vendor of a running engagement without an
/// approved provision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvisionRefused;

impl ProvisionRefused {
    pub fn message(self) -> Msg {
        Msg::new(
            "L2/L3情報を事業者に提供するには、先にセキュリティ責任者の承認が必要です（R-3.3.3）。提供しない項目として登録し、承認を申請してください",
            "Providing L2/L3 information needs the security officer's approval first (R-3.3.3): register the item as not provided and request approval",
        )
    }
}

/// once the engagement runs (active or ending), an L2/L3 item is marked as
/// provided to the vendor only after its provision is approved; before that, the move to
/// `active` checks every item (`check_gates`).
pub fn check_provision(
    status: Status,
    provided_to_vendor: bool,
    level: ClassificationLevel,
    approved: bool,
) -> Result<(), ProvisionRefused> {
    let running = matches!(status, Status::Active | Status::Ending);
    if running && provided_to_vendor && level >= ClassificationLevel::L2 && !approved {
        return Err(ProvisionRefused);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(to: Status) -> GateFacts {
        GateFacts {
            to,
            kind: EngagementKind::Outsourcing,
            level: Some(ClassificationLevel::L2),
            information_identified: true,
            terms_accepted: false,
            contract_recorded: true,
            missing_clauses: vec![],
            unapproved_provisions: vec![],
            starts_on: day("2027-04-01"),
            today: day("2027-04-01"),
            lacks_required_listing: false,
        }
    }

    #[test]
    fn r_9_1_where_the_deployment_requires_it_a_cloud_service_is_active_only_with_a_valid_listing()
    {
        let mut f = facts(Status::Active);
        f.kind = EngagementKind::CloudService;
        f.lacks_required_listing = true;
        let refused = check_gates(&f).unwrap_err();
        assert_eq!(refused, GateRefusal::NoListing);
        assert_eq!(refused.missing(), ["ismap_listing"]);
        // Contracting is not held up: the listing is needed before use.
        f.to = Status::Contracted;
        assert!(check_gates(&f).is_ok());
        f.to = Status::Active;
        f.lacks_required_listing = false;
        assert!(check_gates(&f).is_ok());
    }

    #[test]
    fn r_8_5_only_an_outsourcing_under_a_designated_management() {
        use EngagementKind::*;
        assert!(parent_problems(Some(Outsourcing), Some(DesignatedManagement)).is_empty());
        assert_eq!(
            parent_problems(Some(Outsourcing), Some(Outsourcing)),
            [ParentProblem::ParentNotDesignatedManagement]
        );
        assert_eq!(
            parent_problems(Some(CloudService), Some(CloudService)),
            [
                ParentProblem::ParentNotDesignatedManagement,
                ParentProblem::ChildNotOutsourcing
            ]
        );
        // A kind unknown: only what can be said of the other.
        assert!(parent_problems(None, Some(DesignatedManagement)).is_empty());
        assert_eq!(
            parent_problems(Some(DesignatedManagement), None),
            [ParentProblem::ChildNotOutsourcing]
        );
    }

    #[test]
    fn r_8_2_contracted_needs_a_recorded_contract_with_every_mandatory_clause() {
        let mut f = facts(Status::Contracted);
        f.contract_recorded = false;
        f.missing_clauses = vec!["CL-01".into(), "CL-02".into()];
        let refused = check_gates(&f).unwrap_err();
        assert_eq!(refused.missing(), ["CL-01", "CL-02"]);
        assert!(matches!(refused, GateRefusal::NoContract { .. }));

        f.contract_recorded = true;
        f.missing_clauses = vec!["CL-05".into()];
        let refused = check_gates(&f).unwrap_err();
        assert_eq!(refused.missing(), ["CL-05"]);
        assert!(refused
            .message()
            .get(crate::i18n::Lang::En)
            .contains("CL-05"));

        f.missing_clauses.clear();
        assert_eq!(check_gates(&f), Ok(()));
    }

    #[test]
    fn r_3_3_3_active_needs_every_l2_l3_provision_approved_and_the_start_date() {
        let mut f = facts(Status::Active);
        f.unapproved_provisions = vec!["住民記録".into()];
        assert_eq!(
            check_gates(&f),
            Err(GateRefusal::Unapproved {
                items: vec!["住民記録".into()]
            })
        );
        // Moving to contracted does not look at provisions.
        f.to = Status::Contracted;
        assert_eq!(check_gates(&f), Ok(()));

        let mut f = facts(Status::Active);
        f.today = day("2027-03-31");
        assert_eq!(
            check_gates(&f),
            Err(GateRefusal::BeforeStart {
                starts_on: day("2027-04-01")
            })
        );
        f.today = day("2027-04-01");
        assert_eq!(check_gates(&f), Ok(()));
    }

    #[test]
    fn r_3_3_3_a_running_engagement_hands_over_l2_l3_only_when_approved() {
        use ClassificationLevel::*;
        assert_eq!(
            check_provision(Status::Active, true, L2, false),
            Err(ProvisionRefused)
        );
        assert_eq!(
            check_provision(Status::Ending, true, L3, false),
            Err(ProvisionRefused)
        );
        assert_eq!(check_provision(Status::Active, true, L3, true), Ok(()));
        assert_eq!(check_provision(Status::Active, true, L1, false), Ok(()));
        assert_eq!(check_provision(Status::Active, false, L3, false), Ok(()));
        // Before it runs, the move to active checks every item instead.
        assert_eq!(check_provision(Status::Contracted, true, L3, false), Ok(()));
    }

    #[test]
    fn other_moves_have_no_gate() {
        for to in [
            Status::Selected,
            Status::Ending,
            Status::Closed,
            Status::Terminated,
        ] {
            let mut f = facts(to);
            f.contract_recorded = false;
            f.missing_clauses = vec!["CL-01".into()];
            assert_eq!(check_gates(&f), Ok(()), "{to}");
        }
    }

    #[test]
    fn r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first() {
        for (kind, rule) in [
            (EngagementKind::Outsourcing, "R-8.2"),
            (EngagementKind::DesignatedManagement, "R-7.2"),
            (EngagementKind::CloudService, "R-9.2"),
        ] {
            let mut f = facts(Status::Contracted);
            f.kind = kind;
            f.information_identified = false;
            let refused = check_gates(&f).unwrap_err();
            assert_eq!(refused, GateRefusal::NoInformation { rule });
            assert!(refused.message().ja.contains(rule));
            f.information_identified = true;
            assert_eq!(check_gates(&f), Ok(()));
        }
    }

    #[test]
    fn r_10_1_an_l1_cloud_service_is_contracted_on_the_providers_terms_accepted() {
        let mut f = facts(Status::Contracted);
        f.kind = EngagementKind::CloudService;
        f.level = Some(ClassificationLevel::L1);
        f.contract_recorded = false;
        let refused = check_gates(&f).unwrap_err();
        assert_eq!(refused, GateRefusal::NoAgreement);
        assert!(
            refused.message().ja.contains("利用規約"),
            "says exactly what is missing"
        );
        assert_eq!(refused.missing(), ["terms_accepted"]);
        f.terms_accepted = true;
        assert_eq!(check_gates(&f), Ok(()));
        // A contract recorded instead does as well.
        f.terms_accepted = false;
        f.contract_recorded = true;
        assert_eq!(check_gates(&f), Ok(()));
        // At L2 the terms are not enough: the contract with its clauses is.
        f.level = Some(ClassificationLevel::L2);
        f.contract_recorded = false;
        f.terms_accepted = true;
        f.missing_clauses = vec!["CL-01".into()];
        assert!(matches!(
            check_gates(&f),
            Err(GateRefusal::NoContract { .. })
        ));
    }
}

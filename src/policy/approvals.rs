//! Approvals: which rule asks for which approver and confirmations, where a request is
//! routed, and who may decide it.: the requester never approves their own request.

use crate::domain::Role;

use super::access::{Action, Actor, Denial};

crate::domain::engagement::wire_enum! {
    /// What an approval is for, by the rule that asks for it. `R-2.6`: closing an
    /// engagement, approved by a second person, never the one who confirmed its end.
    ApprovalRule {
        ProvideInformation => "R-3.3.3",
        ManagerSystem => "R-7.5",
        ManagerAsset => "R-7.6",
        Closing => "R-2.6",
    }
}

crate::domain::engagement::wire_enum! {
    ApprovalState {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
}

crate::domain::engagement::wire_enum! {
    Decision {
        Approved => "approved",
        Rejected => "rejected",
    }
}

impl ApprovalRule {
    /// What the approver must confirm before approving (R-7.5: the system does not connect
    /// to the ward's computers or networks, and it can comply: it can comply).
    pub fn confirmations(self) -> &'static [&'static str] {
        match self {
            ApprovalRule::ProvideInformation | ApprovalRule::Closing => &[],
            ApprovalRule::ManagerSystem => &["not_connected_to_ward_network", "can_comply"],
            ApprovalRule::ManagerAsset => &["can_comply"],
        }
    }
}

/// What a confirmation asks, in the words the approver reads.
pub fn confirmation_label(key: &str) -> crate::i18n::Msg {
    match key {
        "not_connected_to_ward_network" => crate::i18n::Msg::new(
            "区の端末やネットワークに接続しないこと",
            "It does not connect to the ward's computers or networks",
        ),
        "can_comply" => {
            crate::i18n::Msg::new("指針を遵守できること", "It can comply with the guideline")
        }
        other => crate::i18n::Msg::new(other.to_string(), other.to_string()),
    }
}

/// Who decides a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub role: Role,
    /// For a security officer: the division whose officer decides.
    pub division_id: Option<String>,
}

/// and a closing go to the security officer of the engagement's division; when
/// the only one there is the requester (a division head who is both security officer and
/// system administrator), to ROLE-CSM instead, so that nobody approves their own request
/// . go to ROLE-CSM.
pub fn route(
    rule: ApprovalRule,
    requester_id: &str,
    division_id: &str,
    division_officers: &[String],
) -> Route {
    match rule {
        ApprovalRule::ProvideInformation | ApprovalRule::Closing
            if division_officers.iter().any(|o| o != requester_id) =>
        {
            Route {
                role: Role::SecurityOfficer,
                division_id: Some(division_id.to_string()),
            }
        }
        _ => Route {
            role: Role::ChiefSystemManager,
            division_id: None,
        },
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    ///
    OwnRequest,
    NotTheApprover,
    AlreadyDecided,
    /// Approving needs these confirmations, each true.
    Unconfirmed(Vec<&'static str>),
}

/// Whether `actor` may record `decision` on a request. Confirmations are checked only for
/// an approval: a rejection needs none.
pub fn check_decision(
    actor: &Actor,
    requested_by: &str,
    route: &Route,
    state: ApprovalState,
    rule: ApprovalRule,
    decision: Decision,
    confirmed: &dyn Fn(&str) -> bool,
) -> Result<(), Refusal> {
    // Who may decide is for `access`, the one place that says who may do what.
    match actor.permits(&Action::DecideApproval {
        requested_by,
        route,
    }) {
        Ok(()) => {}
        Err(Denial::OwnRequest(_)) => return Err(Refusal::OwnRequest),
        Err(_) => return Err(Refusal::NotTheApprover),
    }
    if state != ApprovalState::Pending {
        return Err(Refusal::AlreadyDecided);
    }
    if decision == Decision::Approved {
        let missing: Vec<&'static str> = rule
            .confirmations()
            .iter()
            .copied()
            .filter(|c| !confirmed(c))
            .collect();
        if !missing.is_empty() {
            return Err(Refusal::Unconfirmed(missing));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: &str, roles: &[Role], divisions: &[&str]) -> Actor {
        Actor {
            user_id: id.into(),
            roles: roles.to_vec(),
            division_ids: divisions.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn r_2_6_a_division_head_holding_both_roles_is_routed_to_the_chief_system_manager() {
        let officers = vec!["head".to_string()];
        let r = route(ApprovalRule::ProvideInformation, "head", "kumin", &officers);
        assert_eq!(r.role, Role::ChiefSystemManager);
        let r = route(
            ApprovalRule::ProvideInformation,
            "staff",
            "kumin",
            &officers,
        );
        assert_eq!(
            r,
            Route {
                role: Role::SecurityOfficer,
                division_id: Some("kumin".into())
            }
        );
        assert_eq!(
            route(ApprovalRule::ManagerSystem, "x", "d", &officers).role,
            Role::ChiefSystemManager
        );
    }

    #[test]
    fn r_2_6_the_requester_never_decides() {
        let so = actor("so", &[Role::SecurityOfficer], &["kumin"]);
        let route = Route {
            role: Role::SecurityOfficer,
            division_id: Some("kumin".into()),
        };
        let yes = |_: &str| true;
        let check = |who: &Actor, by: &str| {
            check_decision(
                who,
                by,
                &route,
                ApprovalState::Pending,
                ApprovalRule::ProvideInformation,
                Decision::Approved,
                &yes,
            )
        };
        assert_eq!(check(&so, "so"), Err(Refusal::OwnRequest));
        assert_eq!(check(&so, "other"), Ok(()));
        let elsewhere = actor("x", &[Role::SecurityOfficer], &["hoken"]);
        assert_eq!(check(&elsewhere, "other"), Err(Refusal::NotTheApprover));
        let ciso = actor("c", &[Role::Ciso], &[]);
        assert_eq!(check(&ciso, "other"), Err(Refusal::NotTheApprover));
    }

    #[test]
    fn r_7_5_approval_needs_both_confirmations_and_a_pending_request() {
        let csm = actor("csm", &[Role::ChiefSystemManager], &[]);
        let route = Route {
            role: Role::ChiefSystemManager,
            division_id: None,
        };
        let only_comply = |c: &str| c == "can_comply";
        let r = check_decision(
            &csm,
            "so",
            &route,
            ApprovalState::Pending,
            ApprovalRule::ManagerSystem,
            Decision::Approved,
            &only_comply,
        );
        assert_eq!(
            r,
            Err(Refusal::Unconfirmed(vec!["not_connected_to_ward_network"]))
        );
        let r = check_decision(
            &csm,
            "so",
            &route,
            ApprovalState::Pending,
            ApprovalRule::ManagerSystem,
            Decision::Rejected,
            &only_comply,
        );
        assert_eq!(r, Ok(()));
        let r = check_decision(
            &csm,
            "so",
            &route,
            ApprovalState::Approved,
            ApprovalRule::ManagerAsset,
            Decision::Approved,
            &only_comply,
        );
        assert_eq!(r, Err(Refusal::AlreadyDecided));
    }
}

//! Who may see and change what: the one place that decides, from the actor's roles and
//! divisions. Handlers ask; they never look at roles themselves.
//!
//! - ROLE-CISO, ROLE-DCISO and ROLE-CSM see and change every engagement.
//! - ROLE-AUD sees every engagement and changes nothing (an auditor keeps out of the work
//!   audited, R-11.1.3).
//! - ROLE-SO and ROLE-SA change the engagements of their own divisions; ROLE-CSIRT reads
//!   them.
//! - Managing divisions and staff accounts (R-5.5.3.3/4) is for ROLE-CISO, ROLE-DCISO and
//!   ROLE-CSM.

use crate::domain::Role;

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

    pub fn can_read_division(&self, division_id: &str) -> bool {
        self.has_any(SEE_ALL) || self.in_division(division_id)
    }

    /// Register or change an engagement owned by this division.
    pub fn can_change_division(&self, division_id: &str) -> bool {
        self.has_any(CHANGE_ALL)
            || (self.has_any(CHANGE_OWN_DIVISION) && self.in_division(division_id))
    }

    /// Whether the actor may register engagements at all (for vendors too, which are
    /// shared by every division).
    pub fn can_register(&self) -> bool {
        self.has_any(CHANGE_ALL) || self.has_any(CHANGE_OWN_DIVISION)
    }

    /// Waive an obligation: for ROLE-CISO, ROLE-DCISO and ROLE-CSM, never for the person
    /// who owes it.
    pub fn can_waive(&self, responsible_user_id: &str) -> bool {
        self.has_any(CHANGE_ALL) && self.user_id != responsible_user_id
    }

    pub fn can_administer(&self) -> bool {
        self.has_any(ADMINISTER)
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
    fn visibility_lists_own_divisions_for_division_staff() {
        let so = actor(&[Role::SecurityOfficer], &["a", "b"]);
        assert_eq!(
            so.visibility(),
            Visibility::Divisions(vec!["a".into(), "b".into()])
        );
        assert_eq!(actor(&[Role::Auditor], &[]).visibility(), Visibility::All);
    }
}

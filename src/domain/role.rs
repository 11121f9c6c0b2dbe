use super::engagement::wire_enum;

wire_enum! {
    /// Staff roles of Standard §2 (requirements.md, "Roles"). The vendor contact
    /// (ROLE-VENDOR) is not a staff role: vendors never hold an account.
    Role {
        Ciso => "ciso",
        DeputyCiso => "deputy_ciso",
        ChiefSystemManager => "chief_system_manager",
        SystemAdministrator => "system_administrator",
        SecurityOfficer => "security_officer",
        Csirt => "csirt",
        Auditor => "auditor",
    }
}

impl Role {
    /// The rule catalog's ID for the role.
    pub fn rule_id(self) -> &'static str {
        match self {
            Self::Ciso => "ROLE-CISO",
            Self::DeputyCiso => "ROLE-DCISO",
            Self::ChiefSystemManager => "ROLE-CSM",
            Self::SystemAdministrator => "ROLE-SA",
            Self::SecurityOfficer => "ROLE-SO",
            Self::Csirt => "ROLE-CSIRT",
            Self::Auditor => "ROLE-AUD",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Ciso => "セキュリティ統括責任者",
            Self::DeputyCiso => "セキュリティ副統括責任者",
            Self::ChiefSystemManager => "システム統括管理者",
            Self::SystemAdministrator => "システム管理者",
            Self::SecurityOfficer => "セキュリティ責任者",
            Self::Csirt => "CSIRT",
            Self::Auditor => "監査を実施する者",
        }
    }
}

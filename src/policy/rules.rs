//! The rule catalog of `docs/requirements.md` that Itaku turns into obligations: each rule's ID,
//! title and who answers for it. Adding a rule to the engine starts here.

use crate::domain::Role;

/// Who must act on a rule's obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The engagement's responsible person (a security officer, or for a cloud service a
    /// system administrator), acting in that role.
    Responsible,
    /// Whoever holds this role (e.g. the CISO inspects designated managers, R-7.4).
    Role(Role),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub title_ja: &'static str,
    pub title_en: &'static str,
    pub owner: Owner,
}

const fn rule(
    id: &'static str,
    title_ja: &'static str,
    title_en: &'static str,
    owner: Owner,
) -> Rule {
    Rule {
        id,
        title_ja,
        title_en,
        owner,
    }
}

use Owner::Responsible;

pub const RULES: &[Rule] = &[
    rule(
        "R-3.3.3",
        "L2/L3情報の提供に係る承認",
        "Approval before providing L2/L3 information",
        Owner::Role(Role::SecurityOfficer),
    ),
    rule(
        "R-7.1",
        "指定管理者の選定（指針を遵守できること）",
        "Select a designated manager that can comply",
        Responsible,
    ),
    rule(
        "R-7.2",
        "協定の締結（守秘・遵守・違反時の措置）",
        "Agreement with confidentiality, compliance and breach measures",
        Responsible,
    ),
    rule(
        "R-7.3",
        "指定管理者による人的・技術的・物理的対策の実施",
        "Have the manager carry out human, technical and physical measures",
        Responsible,
    ),
    rule(
        "R-7.4",
        "統括責任者による遵守状況の点検",
        "CISO inspects the manager's compliance",
        Owner::Role(Role::Ciso),
    ),
    rule(
        "R-7.5",
        "指定管理者の情報システムの承認",
        "Approve the manager's own information systems",
        Owner::Role(Role::ChiefSystemManager),
    ),
    rule(
        "R-7.6",
        "持込み機器等の承認",
        "Approve assets the manager brings into the facility",
        Owner::Role(Role::ChiefSystemManager),
    ),
    rule(
        "R-8.1",
        "委託先の選定（指針を遵守できること）",
        "Select a contractor that can comply",
        Responsible,
    ),
    rule(
        "R-8.2",
        "委託業務・提供情報の特定と契約（守秘・遵守・違反時の措置）",
        "Identify the work and information; contract with the required terms",
        Responsible,
    ),
    rule(
        "R-8.3.1",
        "委託期間中の人的・技術的・物理的対策",
        "Human, technical and physical measures during the contract",
        Responsible,
    ),
    rule(
        "R-8.3.2",
        "委託先の対策の定期的な確認",
        "Periodic check of the contractor's measures",
        Responsible,
    ),
    rule(
        "R-8.4.1",
        "委託期間を通じた対策実施の確認",
        "Confirm measures were carried out for the whole term",
        Responsible,
    ),
    rule(
        "R-8.4.2",
        "情報の返還・廃棄・消去の確認",
        "Confirm every piece of information was returned, disposed of or erased",
        Responsible,
    ),
    rule(
        "R-8.5",
        "指定管理者の再委託への第8節の適用",
        "R-8.1 to R-8.4 apply to a designated manager's subcontract",
        Responsible,
    ),
    rule(
        "R-9.1",
        "クラウドサービスの選定（指針を遵守できること）",
        "Select a cloud service whose provider can comply",
        Responsible,
    ),
    rule(
        "R-9.2",
        "取扱情報の特定と契約（守秘・遵守・違反時の措置）",
        "Identify the information; contract with the required terms",
        Responsible,
    ),
    rule(
        "R-9.3.1",
        "責任分界の合意と運用",
        "Agree and follow the division of responsibility",
        Responsible,
    ),
    rule(
        "R-9.3.2",
        "構成管理情報の保持・更新",
        "Keep and update configuration management information",
        Responsible,
    ),
    rule(
        "R-9.3.3",
        "クラウドサービスの対策の定期的な確認",
        "Periodic check of the cloud service's measures",
        Responsible,
    ),
    rule(
        "R-9.4.1",
        "利用期間を通じた対策実施の確認",
        "Confirm measures were carried out for the whole period",
        Responsible,
    ),
    rule(
        "R-9.4.2",
        "情報の返還・廃棄・消去の確認",
        "Confirm the information was returned, disposed of or erased",
        Responsible,
    ),
    rule(
        "R-10.1",
        "クラウドサービスの選定（L1情報のみ）",
        "Select a cloud service whose provider can comply (L1 only)",
        Responsible,
    ),
    rule(
        "R-10.2",
        "構成管理情報の保持・更新（L1情報のみ）",
        "Keep and update configuration management information (L1 only)",
        Responsible,
    ),
];

pub fn get(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalog is part of the repository (`docs/requirements.md`), so this compares
    /// with something in every clone, CI's included.
    #[test]
    fn every_rule_id_is_in_the_policy_catalog() {
        let catalog = include_str!("../../docs/requirements.md");
        for r in RULES {
            assert!(
                catalog.contains(&format!("**{}", r.id)),
                "{} is not in docs/requirements.md",
                r.id
            );
        }
    }
}

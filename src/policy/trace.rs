//! Traceability: for each rule of the policy catalog, the code that enforces it and the
//! tests that show it. `itaku rules` prints this table; a rule with nothing listed is
//! reported as not enforced. A unit test checks that every place named here exists.

pub struct Trace {
    pub id: &'static str,
    pub summary: &'static str,
    /// Source files (from the project root) that enforce the rule.
    pub code: &'static [&'static str],
    /// Test functions that show it, as `file::function`.
    pub tests: &'static [&'static str],
}

const fn t(
    id: &'static str,
    summary: &'static str,
    code: &'static [&'static str],
    tests: &'static [&'static str],
) -> Trace {
    Trace {
        id,
        summary,
        code,
        tests,
    }
}

const OBLIGATIONS: &str = "src/policy/obligations.rs";
const EACH_KIND: &str =
    "src/policy/obligations.rs::each_kind_and_level_gets_the_rules_of_its_section";

pub const TRACE: &[Trace] = &[
    t("R-2.6", "Requester and approver are never the same person", &["src/policy/access.rs", "src/policy/approvals.rs", "src/policy/findings.rs"], &["src/policy/access.rs::r_2_6_nobody_accepts_the_risk_of_their_own_finding", "src/policy/approvals.rs::r_2_6_the_requester_never_decides", "src/policy/approvals.rs::r_2_6_a_division_head_holding_both_roles_is_routed_to_the_chief_system_manager", "src/policy/access.rs::r_2_6_nobody_decides_or_waives_their_own", "tests/api/approvals.rs::r_2_6_a_requester_cannot_approve_their_own_request", "tests/api/authorization.rs::every_route_for_every_role_and_for_nobody"]),
    t("R-11.1.3", "Auditors never audit their own work", &["src/policy/access.rs", "src/http/api/audit_log.rs"], &["src/policy/access.rs::r_11_1_3_audit_log_for_auditors_but_not_of_themselves", "tests/api/audit_log.rs::r_11_1_3_nobody_audits_their_own_activity", "tests/api/authorization.rs::every_route_for_every_role_and_for_nobody"]),
    t("R-3.1", "Every item has a level; the engagement's level is the highest", &["src/domain/level.rs", "src/db/engagements.rs", "src/http/api/information_items.rs"], &["src/domain/level.rs::r_3_1_engagement_level_is_the_highest_item", "tests/api/information_items.rs::r_3_1_engagement_level_is_the_highest_item_and_follows_every_change"]),
    t("R-3.3.3", "Approval before L2/L3 information is provided", &[OBLIGATIONS, "src/policy/approvals.rs", "src/policy/engagements.rs", "src/http/api/approvals.rs"], &["src/policy/obligations.rs::r_3_3_3_one_approval_per_l2_or_l3_item_provided", "src/policy/engagements.rs::r_3_3_3_active_needs_every_l2_l3_provision_approved_and_the_start_date", "src/policy/engagements.rs::r_3_3_3_a_running_engagement_hands_over_l2_l3_only_when_approved", "tests/api/approvals.rs::r_3_3_3_providing_l2_or_l3_information_needs_an_approval_first"]),
    t("R-3.4.2", "Backups kept at a disaster-safe place", &[], &[]),
    t("R-3.5.5", "Media never disposed of by formatting alone", &[], &[]),
    t("R-6.9.1", "Equipment never disposed of by formatting alone", &[], &[]),
    t("R-3.5.3", "L2/L3 media moved by staff, logged", &[], &[]),
    t("R-3.6.3", "L2/L3 printouts moved by staff, logged", &[], &[]),
    t("R-3.6.4", "Disposal of L2/L3 printouts approved and destructive", &[], &[]),
    t("R-7.1", "Select a designated manager that can comply", &[OBLIGATIONS], &[EACH_KIND]),
    t("R-7.2", "Agreement with the required clauses", &[OBLIGATIONS, "src/policy/engagements.rs", "src/app/engagements.rs", "contract_templates/catalog.toml"], &[EACH_KIND, "src/policy/engagements.rs::r_8_2_contracted_needs_a_recorded_contract_with_every_mandatory_clause", "tests/api/contracts.rs::contracted_needs_every_mandatory_clause_and_active_needs_the_start_date"]),
    t("R-7.3", "Manager carries out the measures", &[OBLIGATIONS, "src/app/checks/mod.rs", "src/app/checks/officer.rs", "src/app/checks/schedule.rs", "src/http/portal.rs", "questionnaires/designated-manager-inspection.yaml"], &[EACH_KIND, "tests/api/portal.rs::a_vendor_answers_saves_uploads_submits_and_the_officer_returns_then_accepts"]),
    t("R-7.4", "CISO inspects the manager", &[OBLIGATIONS, "src/app/checks/mod.rs", "src/app/checks/officer.rs", "src/app/checks/schedule.rs", "src/http/portal.rs", "questionnaires/designated-manager-inspection.yaml"], &["src/policy/obligations.rs::subcontracts_carry_r_8_5_and_cisos_own_the_inspection", "tests/api/portal.rs::a_vendor_answers_saves_uploads_submits_and_the_officer_returns_then_accepts"]),
    t("R-7.5", "Manager's own systems approved by ROLE-CSM", &[OBLIGATIONS, "src/policy/approvals.rs", "src/http/api/approvals.rs"], &["src/policy/obligations.rs::r_7_5_and_r_7_6_one_approval_per_system_or_asset_on_record", "src/policy/approvals.rs::r_7_5_approval_needs_both_confirmations_and_a_pending_request"]),
    t("R-7.6", "Assets brought in approved by ROLE-CSM", &[OBLIGATIONS, "src/policy/approvals.rs", "src/http/api/approvals.rs"], &["src/policy/obligations.rs::r_7_5_and_r_7_6_one_approval_per_system_or_asset_on_record"]),
    t("R-8.1", "Select a contractor that can comply", &[OBLIGATIONS], &[EACH_KIND]),
    t("R-8.2", "Identify the work and information; contract with the required clauses", &[OBLIGATIONS, "src/policy/engagements.rs", "src/app/engagements.rs", "contract_templates/catalog.toml"], &["src/policy/obligations.rs::states_follow_evidence_dates_and_waivers", "src/policy/engagements.rs::r_8_2_contracted_needs_a_recorded_contract_with_every_mandatory_clause", "tests/api/contracts.rs::contracted_needs_every_mandatory_clause_and_active_needs_the_start_date"]),
    t("R-8.3.1", "Measures during the contract", &[OBLIGATIONS, "src/app/checks/mod.rs", "src/app/checks/officer.rs", "src/app/checks/schedule.rs", "src/http/portal.rs", "questionnaires/outsourcing-periodic-check.yaml"], &[EACH_KIND, "tests/api/portal.rs::a_vendor_answers_saves_uploads_submits_and_the_officer_returns_then_accepts"]),
    t("R-8.3.2", "Periodic check of the contractor", &[OBLIGATIONS, "src/app/checks/mod.rs", "src/app/checks/officer.rs", "src/app/checks/schedule.rs", "src/http/portal.rs", "questionnaires/outsourcing-periodic-check.yaml"], &["src/policy/obligations.rs::periodic_checks_fall_due_by_level_and_the_end_certificate_after_the_end", "tests/api/portal.rs::a_vendor_answers_saves_uploads_submits_and_the_officer_returns_then_accepts", "tests/api/portal.rs::the_sweep_sends_each_periodic_check_once_when_it_falls_due", "tests/api/browser.rs::a_vendor_fills_and_submits_a_check_in_headless_chromium", "src/policy/obligations.rs::r_8_3_2_an_accepted_check_meets_the_periodic_obligation_until_the_next_is_due", "tests/api/portal.rs::non_conforming_answers_become_findings_when_the_check_is_accepted"]),
    t("R-8.4.1", "Confirm measures over the whole term", &[OBLIGATIONS], &[EACH_KIND]),
    t("R-8.4.2", "Confirm information returned, disposed of or erased", &[OBLIGATIONS], &["src/policy/obligations.rs::periodic_checks_fall_due_by_level_and_the_end_certificate_after_the_end"]),
    t("R-8.5", "R-8.1 to R-8.4 apply to a designated manager's subcontract", &["src/policy/engagements.rs", "src/app/engagements.rs", OBLIGATIONS], &["tests/api/engagements.rs::r_8_5_a_subcontract_hangs_under_a_designated_management", "src/policy/engagements.rs::r_8_5_only_an_outsourcing_under_a_designated_management", "src/policy/obligations.rs::subcontracts_carry_r_8_5_and_cisos_own_the_inspection"]),
    t("R-9.1", "Select a cloud service that can comply", &[OBLIGATIONS, "src/app/engagements.rs"], &[EACH_KIND, "tests/api/engagements.rs::a_cloud_service_needs_its_details_and_a_system_administrator"]),
    t("R-9.2", "Cloud contract with the required clauses", &[OBLIGATIONS], &[EACH_KIND, "src/policy/obligations.rs::a_rise_from_l1_to_l2_brings_section_9_due_from_the_day_it_rose"]),
    t("R-9.3.1", "Division of responsibility agreed", &[OBLIGATIONS], &["src/policy/obligations.rs::a_rise_from_l1_to_l2_brings_section_9_due_from_the_day_it_rose"]),
    t("R-9.3.2", "Configuration information kept and updated", &[OBLIGATIONS], &[EACH_KIND]),
    t("R-9.3.3", "Periodic check of the cloud service", &[OBLIGATIONS, "src/app/checks/mod.rs", "src/app/checks/officer.rs", "src/app/checks/schedule.rs", "src/http/portal.rs", "questionnaires/cloud-periodic-check.yaml"], &[EACH_KIND, "tests/api/portal.rs::the_sweep_sends_each_periodic_check_once_when_it_falls_due"]),
    t("R-9.4.1", "Confirm measures over the whole period", &[OBLIGATIONS], &[EACH_KIND]),
    t("R-9.4.2", "Confirm information returned, disposed of or erased", &[OBLIGATIONS], &["src/policy/obligations.rs::a_rise_from_l1_to_l2_brings_section_9_due_from_the_day_it_rose"]),
    t("R-10.1", "Select a cloud service (L1 only)", &[OBLIGATIONS, "src/app/engagements.rs"], &[EACH_KIND]),
    t("R-10.2", "Configuration information kept (L1 only)", &[OBLIGATIONS], &[EACH_KIND]),
    t("R-5.5.3.2", "Multi-factor sign-in for staff", &["src/second_factor.rs", "src/policy/sign_in.rs", "src/http/api/session.rs", "src/db/second_factor.rs"], &["src/second_factor.rs::r_5_5_3_2_a_code_is_never_accepted_twice", "src/policy/sign_in.rs::stages_follow_password_second_factor_password_change_enrolment", "tests/api/session.rs::r_5_5_3_2_first_sign_in_replaces_the_password_and_sets_up_totp", "tests/api/session.rs::r_5_5_3_2_sign_in_asks_for_the_second_factor_after_the_password", "tests/api/session.rs::r_5_5_3_2_a_recovery_code_signs_in_once", "tests/api/session.rs::r_5_5_3_2_the_chief_system_manager_resets_a_lost_second_factor"]),
    t("R-5.5.3.3", "User registration and removal; changes take effect at once", &["src/app/users.rs", "src/accounts.rs", "src/db/sessions.rs"], &["tests/api/users_and_divisions.rs::the_chief_system_manager_registers_divisions_and_users", "tests/api/session.rs::r_5_5_3_4_deactivation_ends_sessions_and_tokens_at_once"]),
    t("R-5.5.3.4", "A security officer's change to an account takes effect at once", &["src/db/sessions.rs", "src/app/users.rs"], &["tests/api/session.rs::r_5_5_3_4_deactivation_ends_sessions_and_tokens_at_once"]),
    t("R-5.5.3.6", "Periodic access review", &["src/policy/access_review.rs", "src/http/api/access_review.rs"], &["src/policy/access_review.rs::r_5_5_3_6_review_due_an_interval_after_the_last_or_now", "tests/api/access_review.rs::r_5_5_3_6_the_review_lists_every_account_and_flags_unused_ones", "tests/api/access_review.rs::r_5_5_3_6_the_chief_system_manager_is_reminded_until_the_review_is_confirmed"]),
    t("R-5.5.7", "Access and operation logs kept and protected", &["src/audit.rs", "src/db/audit.rs", "src/http/api/audit_log.rs", "src/http/request_log.rs"], &["src/audit.rs::a_changed_field_is_changed_at_that_entry", "src/db/audit.rs::an_updated_entry_is_changed", "tests/api/audit_log.rs::r_5_5_7_sign_ins_writes_approvals_l3_reads_and_exports_are_recorded", "tests/api/audit_log.rs::r_5_5_7_the_chain_verifies_then_fails_after_an_update_behind_the_back", "tests/api/audit_log.rs::r_5_5_7_the_chain_fails_after_a_delete_behind_the_back"]),
    t("R-4.1.4.3", "Passwords hard to guess, stored hashed", &["src/auth.rs", "src/domain/password.rs", "src/http/api/session.rs"], &["src/auth.rs::password_hash_verifies_only_the_password", "src/domain/password.rs::r_4_1_4_3_not_a_common_password", "tests/api/session.rs::r_4_1_4_3_weak_passwords_are_refused_with_the_reason", "tests/api/session.rs::failed_sign_ins_throttle_the_account_with_retry_after"]),
    t("R-5.8.1.3", "Configuration change records kept", &["src/startup.rs", "src/config.rs", "src/db/audit.rs"], &["tests/api/audit_log.rs::r_5_8_1_3_a_start_with_changed_settings_is_recorded_with_before_and_after"]),
    t("R-4.1.5", "Incidents reported to the security officer", &[], &[]),
    t("R-11.4", "CSIRT responds to emergencies", &[], &[]),
    t("R-6.1", "Controlled areas", &[], &[]),
    t("R-6.2", "Items brought into or out of controlled areas approved", &[], &[]),
    t("R-6.3", "Outsiders work in controlled areas only under staff supervision", &[], &[]),
    t("R-11.1", "Compliance audits", &[], &[]),
    t("R-11.2", "Self-inspection by security officers", &[], &[]),
    t("R-5.8.1.4", "Software bought is operable under the guideline", &[], &[]),
    t("R-6.7.2", "IoT products labelled JC-STAR", &[], &[]),
];

/// The traceability table as text, one rule a line.
pub fn table() -> String {
    let mut out = String::from("rule\tsummary\tenforced by\ttested by\n");
    for r in TRACE {
        let code = if r.code.is_empty() {
            "NOT ENFORCED YET".to_string()
        } else {
            r.code.join(", ")
        };
        let tests = if r.tests.is_empty() {
            "-".to_string()
        } else {
            r.tests.join(", ")
        };
        out.push_str(&format!("{}\t{}\t{}\t{}\n", r.id, r.summary, code, tests));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> String {
        let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn every_named_file_and_test_exists() {
        for r in TRACE {
            for file in r.code {
                read(file);
            }
            for test in r.tests {
                let (file, function) = test.split_once("::").expect("file::function");
                let source = read(file);
                assert!(
                    source.contains(&format!("fn {function}(")),
                    "{}: no test {function} in {file}",
                    r.id
                );
            }
        }
    }

    #[test]
    fn every_engine_rule_is_traced_and_enforced() {
        for rule in super::super::rules::RULES {
            let trace = TRACE
                .iter()
                .find(|t| t.id == rule.id)
                .unwrap_or_else(|| panic!("{} untraced", rule.id));
            assert!(
                !trace.code.is_empty() && !trace.tests.is_empty(),
                "{}",
                rule.id
            );
        }
    }
}

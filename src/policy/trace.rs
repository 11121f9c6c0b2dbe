//! Traceability: for each rule of the policy catalog, how far Itaku enforces it, the code
//! that does and the tests that show it. `itaku rules` prints this table. A rule is listed
//! as enforced only where a named test fails if the rule is broken; a test that shows only
//! that an obligation is listed (`each_kind_and_level_gets_the_rules_of_its_section`) proves nothing about how it is met, so a
//! rule resting on it is "partly" enforced, with what is missing said in words. Unit tests
//! check that every place named here exists and that no claim rests on listing alone.

/// How far Itaku enforces a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    /// A named test fails if the rule is broken.
    Enforced,
    /// Part of the rule is enforced; the text says what is not.
    Partly(&'static str),
    /// Nothing in Itaku enforces it (the Standard asks it of people or of other systems).
    NotEnforced,
}

pub struct Trace {
    pub id: &'static str,
    pub summary: &'static str,
    pub enforcement: Enforcement,
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
        enforcement: Enforcement::Enforced,
        code,
        tests,
    }
}

const fn partly(
    id: &'static str,
    summary: &'static str,
    missing: &'static str,
    code: &'static [&'static str],
    tests: &'static [&'static str],
) -> Trace {
    Trace {
        id,
        summary,
        enforcement: Enforcement::Partly(missing),
        code,
        tests,
    }
}

const fn none(id: &'static str, summary: &'static str) -> Trace {
    Trace {
        id,
        summary,
        enforcement: Enforcement::NotEnforced,
        code: &[],
        tests: &[],
    }
}

const OBLIGATIONS: &str = "src/policy/obligations.rs";

pub const TRACE: &[Trace] = &[
    t("R-2.6", "Requester and approver are never the same person", &["src/policy/access.rs", "src/policy/approvals.rs", "src/policy/findings.rs"], &["src/policy/access.rs::r_2_6_nobody_accepts_the_risk_of_their_own_finding", "src/policy/approvals.rs::r_2_6_the_requester_never_decides", "src/policy/approvals.rs::r_2_6_a_division_head_holding_both_roles_is_routed_to_the_chief_system_manager", "src/policy/access.rs::r_2_6_nobody_decides_or_waives_their_own", "tests/api/approvals.rs::r_2_6_a_requester_cannot_approve_their_own_request", "tests/api/authorization.rs::every_route_for_every_role_and_for_nobody", "src/policy/obligations.rs::r_2_6_a_waiver_expires_and_the_obligation_is_owed_again", "tests/api/standard.rs::r_2_6_a_waiver_is_asked_for_approved_by_a_second_person_and_expires", "tests/api/obligations.rs::r_2_6_a_waiver_is_approved_by_a_second_person_never_by_who_owes_it", "tests/api/staff_engagement.rs::r_2_6_a_waiver_is_asked_for_from_the_page_and_approved_by_a_second_person"]),
    t("R-11.1.3", "Auditors never audit their own work", &["src/policy/access.rs", "src/http/api/audit_log.rs"], &["src/policy/access.rs::r_11_1_3_audit_log_for_auditors_but_not_of_themselves", "tests/api/audit_log.rs::r_11_1_3_nobody_audits_their_own_activity", "tests/api/authorization.rs::every_route_for_every_role_and_for_nobody"]),
    t("R-3.1", "Every item has a level; the engagement's level is the highest", &["src/domain/level.rs", "src/db/engagements.rs", "src/http/api/information_items.rs"], &["src/domain/level.rs::r_3_1_engagement_level_is_the_highest_item", "tests/api/information_items.rs::r_3_1_engagement_level_is_the_highest_item_and_follows_every_change"]),
    t("R-3.3.3", "Approval before L2/L3 information is provided", &[OBLIGATIONS, "src/policy/approvals.rs", "src/policy/engagements.rs", "src/http/api/approvals.rs"], &["src/policy/obligations.rs::r_3_3_3_one_approval_per_l2_or_l3_item_provided", "src/policy/engagements.rs::r_3_3_3_active_needs_every_l2_l3_provision_approved_and_the_start_date", "src/policy/engagements.rs::r_3_3_3_a_running_engagement_hands_over_l2_l3_only_when_approved", "tests/api/approvals.rs::r_3_3_3_providing_l2_or_l3_information_needs_an_approval_first"]),
    none("R-3.4.2", "Backups kept at a disaster-safe place"),
    t("R-3.5.5", "Media never disposed of by formatting alone", &["src/policy/end_of_term.rs", "src/questionnaires/attestation.rs"], &["src/policy/end_of_term.rs::r_3_5_5_and_r_6_9_1_formatting_alone_is_refused_with_its_reason"]),
    t("R-6.9.1", "Equipment never disposed of by formatting alone", &["src/policy/end_of_term.rs", "src/questionnaires/attestation.rs"], &["src/policy/end_of_term.rs::r_3_5_5_and_r_6_9_1_formatting_alone_is_refused_with_its_reason"]),
    none("R-3.5.3", "L2/L3 media moved by staff, logged"),
    none("R-3.6.3", "L2/L3 printouts moved by staff, logged"),
    partly("R-3.6.4", "Disposal of L2/L3 printouts approved and destructive", "the method is checked in the end-of-term attestation; an approval before the disposal is not recorded", &["src/policy/end_of_term.rs", "src/questionnaires/attestation.rs"], &["src/policy/end_of_term.rs::r_3_6_4_l2_l3_paper_is_incinerated_dissolved_or_shredded", "tests/api/end_of_term.rs::r_3_6_4_l2_paper_must_be_incinerated_dissolved_or_shredded"]),
    t("R-7.1", "Select a designated manager that can comply", &[OBLIGATIONS, "src/policy/records.rs", "src/app/records.rs"], &["src/policy/obligations.rs::r_7_1_r_8_1_r_9_1_r_10_1_selection_is_met_by_a_record_or_an_accepted_self_assessment", "tests/api/standard.rs::r_7_1_r_8_1_r_9_1_selection_is_met_by_a_recorded_decision_not_by_the_status", "src/policy/records.rs::each_record_meets_the_rule_of_its_kinds_section"]),
    t("R-7.2", "Information identified, then an agreement with the required clauses", &[OBLIGATIONS, "src/policy/engagements.rs", "src/policy/records.rs", "src/app/records.rs", "src/app/engagements.rs", "contract_templates/catalog.toml"], &["src/policy/engagements.rs::r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first", "src/policy/engagements.rs::r_8_2_contracted_needs_a_recorded_contract_with_every_mandatory_clause", "src/policy/obligations.rs::r_8_2_a_contract_is_not_enough_until_the_information_is_identified", "src/policy/obligations.rs::r_8_2_unconditional_obligations_are_never_waived", "tests/api/standard.rs::r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first_on_each_kind"]),
    t("R-7.3", "The security officer has the manager carry out the measures", &[OBLIGATIONS, "src/policy/records.rs", "src/app/records.rs"], &["src/policy/obligations.rs::r_8_3_1_the_officers_supervision_meets_it_not_the_vendors_questionnaire", "tests/api/standard.rs::r_8_3_1_the_officers_supervision_meets_it_and_r_7_3_for_a_designated_manager", "src/policy/records.rs::each_record_meets_the_rule_of_its_kinds_section"]),
    t("R-7.4", "CISO inspects the manager", &[OBLIGATIONS, "src/policy/records.rs", "src/app/records.rs", "src/policy/access.rs", "questionnaires/designated-manager-inspection.yaml"], &["src/policy/obligations.rs::r_7_4_the_cisos_inspection_meets_it_not_the_managers_questionnaire", "src/policy/records.rs::r_7_4_an_inspection_is_of_a_designated_manager_only", "tests/api/standard.rs::r_7_4_the_ciso_or_a_person_the_ciso_delegates_to_records_the_inspection", "tests/api/standard.rs::r_7_4_an_inspection_s_photographs_are_attached_from_the_engagement_page", "src/policy/obligations.rs::subcontracts_carry_r_8_5_and_cisos_own_the_inspection", "src/policy/obligations.rs::r_7_4_a_designated_management_shorter_than_the_interval_is_inspected_before_its_end"]),
    t("R-7.5", "Manager's own systems approved by ROLE-CSM", &[OBLIGATIONS, "src/policy/approvals.rs", "src/http/api/approvals.rs"], &["src/policy/obligations.rs::r_7_5_and_r_7_6_one_approval_per_system_or_asset_on_record", "src/policy/approvals.rs::r_7_5_approval_needs_both_confirmations_and_a_pending_request"]),
    t("R-7.6", "Assets brought in approved by ROLE-CSM", &[OBLIGATIONS, "src/policy/approvals.rs", "src/http/api/approvals.rs"], &["src/policy/obligations.rs::r_7_5_and_r_7_6_one_approval_per_system_or_asset_on_record"]),
    t("R-8.1", "Select a contractor that can comply", &[OBLIGATIONS, "src/policy/records.rs", "src/app/records.rs"], &["src/policy/obligations.rs::r_7_1_r_8_1_r_9_1_r_10_1_selection_is_met_by_a_record_or_an_accepted_self_assessment", "tests/api/standard.rs::r_7_1_r_8_1_r_9_1_selection_is_met_by_a_recorded_decision_not_by_the_status", "tests/api/standard.rs::r_8_1_a_selection_record_keeps_its_papers_as_files", "tests/api/standard.rs::r_8_1_an_accepted_selection_self_assessment_meets_the_selection"]),
    t("R-8.2", "Identify the work and information; contract with the required clauses", &[OBLIGATIONS, "src/policy/engagements.rs", "src/policy/records.rs", "src/app/records.rs", "src/app/engagements.rs", "contract_templates/catalog.toml"], &["src/policy/engagements.rs::r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first", "src/policy/engagements.rs::r_8_2_contracted_needs_a_recorded_contract_with_every_mandatory_clause", "src/policy/obligations.rs::r_8_2_a_contract_is_not_enough_until_the_information_is_identified", "src/policy/obligations.rs::r_8_2_unconditional_obligations_are_never_waived", "tests/api/standard.rs::r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first_on_each_kind", "tests/api/contracts.rs::contracted_needs_every_mandatory_clause_and_active_needs_the_start_date"]),
    t("R-8.3.1", "The ward's own measures during the contract", &[OBLIGATIONS, "src/policy/records.rs", "src/app/records.rs"], &["src/policy/obligations.rs::r_8_3_1_the_officers_supervision_meets_it_not_the_vendors_questionnaire", "tests/api/standard.rs::r_8_3_1_the_officers_supervision_meets_it_and_r_7_3_for_a_designated_manager"]),
    t("R-8.3.2", "Periodic check of the contractor", &[OBLIGATIONS, "src/app/checks/mod.rs", "src/app/checks/officer.rs", "src/app/checks/schedule.rs", "src/http/portal.rs", "questionnaires/outsourcing-periodic-check.yaml"], &["src/policy/obligations.rs::r_8_3_2_a_term_shorter_than_the_interval_is_checked_once_at_its_middle", "tests/api/standard.rs::r_8_3_2_a_short_contract_is_checked_at_its_middle_and_never_after_its_end", "tests/api/portal.rs::a_vendor_answers_saves_uploads_submits_and_the_officer_returns_then_accepts", "tests/api/portal.rs::the_sweep_sends_each_periodic_check_once_when_it_falls_due", "tests/api/browser.rs::a_vendor_fills_and_submits_a_check_in_headless_chromium", "src/policy/obligations.rs::r_8_3_2_an_accepted_check_meets_the_periodic_obligation_until_the_next_is_due", "tests/api/portal.rs::non_conforming_answers_become_findings_when_the_check_is_accepted"]),
    t("R-8.4.1", "Confirm measures over the whole term", &[OBLIGATIONS, "src/policy/end_of_term.rs", "src/questionnaires/attestation.rs", "src/app/end_of_term.rs", "questionnaires/end-of-term-attestation.yaml"], &["tests/api/end_of_term.rs::r_8_4_1_an_attestation_waits_for_every_finding_of_the_term", "tests/api/end_of_term.rs::r_8_4_an_outsourcing_ends_by_itself_is_attested_verified_approved_and_closed"]),
    t("R-8.4.2", "Confirm information returned, disposed of or erased", &[OBLIGATIONS, "src/policy/end_of_term.rs", "src/questionnaires/attestation.rs", "src/app/end_of_term.rs", "questionnaires/end-of-term-attestation.yaml"], &["src/policy/end_of_term.rs::r_8_4_attestation_is_owed_by_contracts_and_l2_l3_cloud_services", "tests/api/end_of_term.rs::r_8_4_an_outsourcing_ends_by_itself_is_attested_verified_approved_and_closed"]),
    t("R-8.5", "R-8.1 to R-8.4 apply to a designated manager's subcontract", &["src/policy/engagements.rs", "src/app/engagements.rs", OBLIGATIONS], &["tests/api/engagements.rs::r_8_5_a_subcontract_hangs_under_a_designated_management", "src/policy/engagements.rs::r_8_5_only_an_outsourcing_under_a_designated_management", "src/policy/obligations.rs::subcontracts_carry_r_8_5_and_cisos_own_the_inspection"]),
    t("R-9.1", "Select a cloud service that can comply", &[OBLIGATIONS, "src/policy/records.rs", "src/app/records.rs", "src/app/engagements.rs", "src/policy/cloud_service.rs", "src/app/cloud_service.rs"], &["src/policy/cloud_service.rs::r_9_1_a_listing_is_valid_until_a_year_and_four_months_after_its_audited_period", "src/policy/cloud_service.rs::r_9_1_l3_information_outside_japan_is_flagged_and_l2_is_not", "src/policy/engagements.rs::r_9_1_where_the_deployment_requires_it_a_cloud_service_is_active_only_with_a_valid_listing", "tests/api/cloud.rs::r_9_1_an_ismap_listing_is_reminded_before_it_lapses_and_flagged_after_over_smtp", "tests/api/cloud.rs::r_9_1_l3_information_stored_or_reachable_outside_japan_is_flagged", "tests/api/cloud.rs::r_9_1_a_deployment_may_require_a_valid_listing_before_a_cloud_service_is_used", "src/policy/obligations.rs::r_7_1_r_8_1_r_9_1_r_10_1_selection_is_met_by_a_record_or_an_accepted_self_assessment", "tests/api/standard.rs::r_7_1_r_8_1_r_9_1_selection_is_met_by_a_recorded_decision_not_by_the_status", "src/policy/records.rs::each_record_meets_the_rule_of_its_kinds_section", "tests/api/engagements.rs::a_cloud_service_needs_its_details_and_a_system_administrator"]),
    t("R-9.2", "Information identified, then a cloud contract with the required clauses", &[OBLIGATIONS, "src/policy/engagements.rs", "src/policy/records.rs", "src/app/records.rs"], &["src/policy/engagements.rs::r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first", "src/policy/engagements.rs::r_8_2_contracted_needs_a_recorded_contract_with_every_mandatory_clause", "src/policy/obligations.rs::r_8_2_a_contract_is_not_enough_until_the_information_is_identified", "src/policy/obligations.rs::r_8_2_unconditional_obligations_are_never_waived", "tests/api/standard.rs::r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first_on_each_kind", "src/policy/obligations.rs::a_rise_from_l1_to_l2_brings_section_9_due_from_the_day_it_rose"]),
    t("R-9.3.1", "Division of responsibility agreed and operated as agreed", &[OBLIGATIONS, "src/policy/responsibility.rs", "src/app/responsibility.rs", "src/responsibility.rs", "src/http/portal.rs", "responsibility_templates/saas.yaml", "questionnaires/cloud-periodic-check.yaml", "src/policy/subprocessors.rs", "src/app/subprocessors.rs"], &["src/policy/subprocessors.rs::r_9_3_1_the_list_is_what_its_changes_make_it", "tests/api/cloud.rs::r_9_3_1_the_provider_reports_a_subprocessor_change_through_the_portal_and_it_is_acknowledged", "src/policy/obligations.rs::r_9_3_1_an_agreed_division_of_responsibility_meets_it_not_the_clause_that_promises_one", "src/policy/responsibility.rs::r_9_3_1_a_matrix_sets_out_every_area_once_in_order", "src/policy/responsibility.rs::r_9_3_1_only_a_confirmed_and_approved_version_is_agreed", "src/responsibility.rs::r_9_3_1_the_built_in_matrices_cover_every_area_for_each_model", "tests/api/cloud.rs::r_9_3_1_a_division_of_responsibility_is_confirmed_through_the_portal_and_approved", "tests/api/cloud.rs::r_9_3_1_a_matrix_missing_an_area_or_with_a_wrong_party_is_refused_whole"]),
    t("R-9.3.2", "Configuration information kept and updated", &[OBLIGATIONS, "src/policy/configuration.rs", "src/app/configuration.rs", "src/http/pages/cloud.rs"], &["src/policy/obligations.rs::r_9_3_2_r_10_2_an_approved_configuration_record_meets_it_until_it_is_stale", "src/policy/configuration.rs::r_9_3_2_a_record_is_stale_the_day_after_its_period_ends", "src/policy/configuration.rs::r_9_3_2_secrets_are_told_from_names", "src/policy/access.rs::r_9_3_2_the_divisions_system_administrator_approves_a_configuration_record_not_its_recorder", "tests/api/cloud.rs::r_9_3_2_configuration_versions_are_approved_by_a_second_person_and_compared", "tests/api/cloud.rs::r_9_3_2_a_configuration_record_refuses_secrets_and_says_which_field", "tests/api/cloud.rs::r_9_3_2_a_stale_configuration_record_reminds_the_system_administrator_over_smtp"]),
    t("R-9.3.3", "Periodic check of the cloud service", &[OBLIGATIONS, "src/app/checks/mod.rs", "src/app/checks/officer.rs", "src/app/checks/schedule.rs", "src/http/portal.rs", "questionnaires/cloud-periodic-check.yaml"], &["src/policy/obligations.rs::r_9_3_3_no_check_falls_due_after_the_end", "tests/api/standard.rs::r_8_3_2_a_short_contract_is_checked_at_its_middle_and_never_after_its_end", "tests/api/portal.rs::the_sweep_sends_each_periodic_check_once_when_it_falls_due"]),
    t("R-9.4.1", "Confirm measures over the whole period", &[OBLIGATIONS, "src/policy/end_of_term.rs", "src/questionnaires/attestation.rs", "src/app/end_of_term.rs", "questionnaires/end-of-term-attestation.yaml"], &["tests/api/end_of_term.rs::r_9_4_an_l3_cloud_service_is_attested_with_the_providers_evidence_and_closed"]),
    t("R-9.4.2", "Confirm information returned, disposed of or erased", &[OBLIGATIONS, "src/policy/end_of_term.rs", "src/questionnaires/attestation.rs", "src/app/end_of_term.rs", "questionnaires/end-of-term-attestation.yaml"], &["src/policy/end_of_term.rs::r_8_4_attestation_is_owed_by_contracts_and_l2_l3_cloud_services", "tests/api/end_of_term.rs::r_9_4_an_l3_cloud_service_is_attested_with_the_providers_evidence_and_closed"]),
    t("R-10.1", "Select a cloud service (L1 only); its terms of service as the agreement", &[OBLIGATIONS, "src/policy/records.rs", "src/app/records.rs", "src/policy/engagements.rs"], &["src/policy/obligations.rs::r_7_1_r_8_1_r_9_1_r_10_1_selection_is_met_by_a_record_or_an_accepted_self_assessment", "src/policy/engagements.rs::r_10_1_an_l1_cloud_service_is_contracted_on_the_providers_terms_accepted", "src/policy/records.rs::r_10_1_terms_of_service_stand_for_the_agreement_of_an_l1_cloud_service_only", "tests/api/standard.rs::r_10_1_an_l1_cloud_service_is_contracted_on_its_providers_terms_of_service"]),
    t("R-10.2", "Configuration information kept (L1 only)", &[OBLIGATIONS, "src/policy/configuration.rs", "src/app/configuration.rs"], &["src/policy/obligations.rs::r_9_3_2_r_10_2_an_approved_configuration_record_meets_it_until_it_is_stale", "tests/api/cloud.rs::r_10_2_an_l1_cloud_services_configuration_record_meets_r_10_2"]),
    t("R-5.5.3.2", "Multi-factor sign-in for staff", &["src/second_factor.rs", "src/policy/sign_in.rs", "src/http/api/session.rs", "src/db/second_factor.rs"], &["src/second_factor.rs::r_5_5_3_2_a_code_is_never_accepted_twice", "src/policy/sign_in.rs::stages_follow_password_second_factor_password_change_enrolment", "tests/api/session.rs::r_5_5_3_2_first_sign_in_replaces_the_password_and_sets_up_totp", "tests/api/session.rs::r_5_5_3_2_sign_in_asks_for_the_second_factor_after_the_password", "tests/api/session.rs::r_5_5_3_2_a_recovery_code_signs_in_once", "tests/api/session.rs::r_5_5_3_2_the_chief_system_manager_resets_a_lost_second_factor"]),
    t("R-5.5.3.3", "User registration and removal; changes take effect at once", &["src/app/users.rs", "src/accounts.rs", "src/db/sessions.rs"], &["tests/api/users_and_divisions.rs::the_chief_system_manager_registers_divisions_and_users", "tests/api/session.rs::r_5_5_3_4_deactivation_ends_sessions_and_tokens_at_once"]),
    t("R-5.5.3.4", "A security officer's change to an account takes effect at once", &["src/db/sessions.rs", "src/app/users.rs"], &["tests/api/session.rs::r_5_5_3_4_deactivation_ends_sessions_and_tokens_at_once"]),
    t("R-5.5.3.6", "Periodic access review", &["src/policy/access_review.rs", "src/http/api/access_review.rs"], &["src/policy/access_review.rs::r_5_5_3_6_review_due_an_interval_after_the_last_or_now", "tests/api/access_review.rs::r_5_5_3_6_the_review_lists_every_account_and_flags_unused_ones", "tests/api/access_review.rs::r_5_5_3_6_the_chief_system_manager_is_reminded_until_the_review_is_confirmed"]),
    t("R-5.5.7", "Access and operation logs kept and protected", &["src/audit.rs", "src/db/audit.rs", "src/http/api/audit_log.rs", "src/http/request_log.rs"], &["src/audit.rs::a_changed_field_is_changed_at_that_entry", "src/db/audit.rs::an_updated_entry_is_changed", "tests/api/audit_log.rs::r_5_5_7_sign_ins_writes_approvals_l3_reads_and_exports_are_recorded", "tests/api/audit_log.rs::r_5_5_7_the_chain_verifies_then_fails_after_an_update_behind_the_back", "tests/api/audit_log.rs::r_5_5_7_the_chain_fails_after_a_delete_behind_the_back"]),
    t("R-4.1.4.3", "Passwords hard to guess, stored hashed", &["src/auth.rs", "src/domain/password.rs", "src/http/api/session.rs"], &["src/auth.rs::password_hash_verifies_only_the_password", "src/domain/password.rs::r_4_1_4_3_not_a_common_password", "tests/api/session.rs::r_4_1_4_3_weak_passwords_are_refused_with_the_reason", "tests/api/session.rs::failed_sign_ins_throttle_the_account_with_retry_after"]),
    t("R-5.8.1.3", "Configuration change records kept", &["src/startup.rs", "src/config.rs", "src/db/audit.rs"], &["tests/api/audit_log.rs::r_5_8_1_3_a_start_with_changed_settings_is_recorded_with_before_and_after"]),
    none("R-4.1.5", "Incidents reported to the security officer"),
    none("R-11.4", "CSIRT responds to emergencies"),
    none("R-6.1–6.3", "Controlled areas: entry approved, items in and out approved, outsiders supervised"),
    none("R-11.1", "Compliance audits"),
    none("R-11.2", "Self-inspection by security officers"),
    none("R-5.8.1.4", "Software bought is operable under the guideline"),
    none("R-6.7.2", "IoT products labelled JC-STAR"),
];

/// The traceability table as text, one rule a line, then how many rules stand where.
pub fn table() -> String {
    let mut out = String::from("rule\tstatus\tsummary\tnot yet\tenforced by\ttested by\n");
    let (mut enforced, mut partly, mut not) = (0, 0, 0);
    for r in TRACE {
        let (status, missing) = match r.enforcement {
            Enforcement::Enforced => {
                enforced += 1;
                ("enforced", "-")
            }
            Enforcement::Partly(missing) => {
                partly += 1;
                ("partly", missing)
            }
            Enforcement::NotEnforced => {
                not += 1;
                ("NOT ENFORCED", "-")
            }
        };
        let list = |items: &[&str]| {
            if items.is_empty() {
                "-".to_string()
            } else {
                items.join(", ")
            }
        };
        out.push_str(&format!(
            "{}\t{status}\t{}\t{missing}\t{}\t{}\n",
            r.id,
            r.summary,
            list(r.code),
            list(r.tests)
        ));
    }
    out.push_str(&format!(
        "# {enforced} enforced, {partly} partly enforced, {not} not enforced\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    /// The test that shows only that each kind owes its section's rules.
    const EACH_KIND: &str =
        "src/policy/obligations.rs::each_kind_and_level_gets_the_rules_of_its_section";

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

    /// `r_8_3` for: the section a test named after the rule starts with.
    fn section_prefix(id: &str) -> String {
        let numbers: Vec<&str> = id
            .trim_start_matches("R-")
            .split(['.', '–'])
            .take(2)
            .collect();
        format!("r_{}", numbers.join("_"))
    }

    #[test]
    fn an_enforced_rule_names_a_test_of_its_own_not_only_the_obligation_listing() {
        for r in TRACE {
            match r.enforcement {
                Enforcement::Enforced => {
                    assert!(!r.code.is_empty(), "{}: enforced by no code", r.id);
                    let prefix = section_prefix(r.id);
                    assert!(
                        r.tests
                            .iter()
                            .any(|t| *t != EACH_KIND && t.contains(&prefix)),
                        "{}: an enforced rule names a test of its own ({prefix}_…)",
                        r.id
                    );
                }
                Enforcement::Partly(missing) => {
                    assert!(!missing.is_empty() && !r.code.is_empty(), "{}", r.id);
                }
                Enforcement::NotEnforced => {
                    assert!(r.code.is_empty() && r.tests.is_empty(), "{}", r.id);
                }
            }
        }
    }

    /// The rule IDs the catalog heads its entries with: `- **R-3.5.5 / R-6.9.1**` gives
    /// both, `- **R-5.5.3.3/4**` gives R-5.5.3.3 and R-5.5.3.4, `- **R-6.1–6.3**` one rule.
    fn catalog_ids() -> Vec<String> {
        let catalog = include_str!("../../docs/requirements.md");
        let mut ids = Vec::new();
        for line in catalog.lines() {
            let Some(rest) = line.strip_prefix("- **") else {
                continue;
            };
            let head = rest.split("**").next().unwrap_or_default();
            for part in head.split(" / ") {
                match part.split_once('/') {
                    Some((base, last)) => {
                        ids.push(base.to_string());
                        let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
                        ids.push(format!("{stem}.{last}"));
                    }
                    None => ids.push(part.to_string()),
                }
            }
        }
        ids
    }

    #[test]
    fn every_rule_id_is_written_as_the_catalog_writes_it() {
        let ids = catalog_ids();
        assert!(ids.contains(&"R-5.5.3.4".to_string()), "{ids:?}");
        for r in TRACE {
            assert!(
                ids.iter().any(|id| id == r.id),
                "{} is not in docs/requirements.md",
                r.id
            );
        }
    }

    #[test]
    fn every_engine_rule_is_traced_and_at_least_partly_enforced() {
        for rule in super::super::rules::RULES {
            let trace = TRACE
                .iter()
                .find(|t| t.id == rule.id)
                .unwrap_or_else(|| panic!("{} untraced", rule.id));
            assert_ne!(trace.enforcement, Enforcement::NotEnforced, "{}", rule.id);
        }
    }

    #[test]
    fn the_table_counts_what_it_lists() {
        let table = table();
        assert!(table.contains("R-6.1–6.3\tNOT ENFORCED"), "{table}");
        assert!(table.contains("R-8.3.2\tenforced"), "{table}");
        let last = table.lines().last().unwrap();
        assert!(last.starts_with('#') && last.contains("enforced"), "{last}");
    }
}

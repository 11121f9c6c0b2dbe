// One schema for both backends: only types that diesel's MultiBackend supports
// (Text, SmallInt, Integer, BigInt, Bool, Date, Timestamp).

diesel::table! {
    divisions (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        active -> Bool,
        language -> Text,
        created_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
        totp_secret -> Nullable<Text>,
        totp_pending_secret -> Nullable<Text>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
        must_change_password -> Bool,
        password_changed_at -> Nullable<Timestamp>,
        deactivated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    user_divisions (user_id, division_id) {
        user_id -> Text,
        division_id -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        stage -> Text,
        address -> Nullable<Text>,
    }
}

diesel::table! {
    vendors (id) {
        id -> Text,
        legal_name -> Text,
        corporate_number -> Nullable<Text>,
        address -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vendor_contacts (id) {
        id -> Text,
        vendor_id -> Text,
        position -> Integer,
        name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
    }
}

diesel::table! {
    engagements (id) {
        id -> Text,
        kind -> Text,
        title -> Text,
        division_id -> Text,
        responsible_user_id -> Text,
        vendor_id -> Text,
        scope -> Text,
        starts_on -> Date,
        ends_on -> Date,
        status -> Text,
        parent_id -> Nullable<Text>,
        cloud_service_name -> Nullable<Text>,
        cloud_data_location -> Nullable<Text>,
        cloud_ismap -> Nullable<Text>,
        level -> Nullable<SmallInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        level_raised_on -> Nullable<Date>,
        check_interval_months -> Nullable<SmallInt>,
    }
}

diesel::table! {
    contracts (id) {
        id -> Text,
        engagement_id -> Text,
        reference_number -> Text,
        signed_on -> Date,
        clause_ids -> Text,
        template_version -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    information_items (id) {
        id -> Text,
        engagement_id -> Text,
        name -> Text,
        description -> Text,
        level -> SmallInt,
        provided_to_vendor -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    status_changes (id) {
        id -> Text,
        engagement_id -> Text,
        from_status -> Text,
        to_status -> Text,
        user_id -> Nullable<Text>,
        changed_at -> Timestamp,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    manager_assets (id) {
        id -> Text,
        engagement_id -> Text,
        kind -> Text,
        name -> Text,
        description -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    approvals (id) {
        id -> Text,
        engagement_id -> Text,
        rule_id -> Text,
        subject_id -> Text,
        subject_name -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        note -> Text,
        approver_role -> Text,
        approver_division_id -> Nullable<Text>,
        state -> Text,
        confirmations -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
    }
}

diesel::table! {
    obligation_waivers (id) {
        id -> Text,
        engagement_id -> Text,
        rule_id -> Text,
        subject_id -> Text,
        reason -> Text,
        waived_by -> Text,
        waived_at -> Timestamp,
        state -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        expires_on -> Nullable<Date>,
    }
}

diesel::table! {
    engagement_record_files (id) {
        id -> Text,
        record_id -> Text,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    engagement_records (id) {
        id -> Text,
        engagement_id -> Text,
        kind -> Text,
        occurred_on -> Date,
        recorded_by -> Text,
        delegated_by -> Nullable<Text>,
        details -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    configuration_versions (id) {
        id -> Text,
        engagement_id -> Text,
        version -> Integer,
        content -> Text,
        change_summary -> Text,
        recorded_by -> Text,
        recorded_on -> Date,
        recorded_at -> Timestamp,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    responsibility_versions (id) {
        id -> Text,
        engagement_id -> Text,
        version -> Integer,
        service_model -> Text,
        origin -> Text,
        entries -> Text,
        change_summary -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        sent_to_name -> Nullable<Text>,
        sent_to_email -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        token_hash -> Nullable<Text>,
        token_expires_at -> Nullable<Timestamp>,
        vendor_decision -> Nullable<Text>,
        vendor_signed_name -> Nullable<Text>,
        vendor_comment -> Nullable<Text>,
        vendor_decided_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cloud_service_records (id) {
        id -> Text,
        engagement_id -> Text,
        kind -> Text,
        content -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    subprocessor_changes (id) {
        id -> Text,
        engagement_id -> Text,
        kind -> Text,
        name -> Text,
        purpose -> Text,
        country -> Text,
        effective_on -> Date,
        reporter_kind -> Text,
        reported_by -> Text,
        reported_at -> Timestamp,
        acknowledged_by -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subprocessor_links (id) {
        id -> Text,
        engagement_id -> Text,
        token_hash -> Text,
        sent_to_name -> Text,
        sent_to_email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> Text,
        account -> Text,
        address -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor -> Text,
        address -> Nullable<Text>,
        request_id -> Nullable<Text>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
        first_seq -> BigInt,
        first_prev_hash -> Text,
    }
}

diesel::table! {
    access_reviews (id) {
        id -> Text,
        confirmed_by -> Text,
        confirmed_at -> Timestamp,
        users_count -> Integer,
        stale_count -> Integer,
        note -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient_user_id -> Nullable<Text>,
        to_email -> Text,
        to_name -> Text,
        lang -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reminders_sent (deadline_key, stage, recipient_user_id) {
        deadline_key -> Text,
        stage -> Text,
        recipient_user_id -> Text,
        outbox_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reminder_marks (deadline_key) {
        deadline_key -> Text,
        told -> Text,
        marked_on -> Date,
    }
}

diesel::table! {
    checks (id) {
        id -> Text,
        engagement_id -> Text,
        questionnaire_id -> Text,
        questionnaire_version -> Integer,
        meets_rules -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_lang -> Text,
        state -> Text,
        issued_by -> Nullable<Text>,
        issued_at -> Timestamp,
        due_on -> Date,
        submitted_at -> Nullable<Timestamp>,
        signed_name -> Nullable<Text>,
        signed_title -> Nullable<Text>,
        accepted_by -> Nullable<Text>,
        accepted_on -> Nullable<Date>,
        score_percent -> Nullable<Integer>,
        scores_json -> Nullable<Text>,
        updated_at -> Timestamp,
        end_of_term -> Bool,
        snapshot_id -> Text,
    }
}

diesel::table! {
    questionnaire_snapshots (id) {
        id -> Text,
        questionnaire_id -> Text,
        questionnaire_version -> Integer,
        definition_json -> Text,
    }
}

diesel::table! {
    check_answers (check_id, question_id) {
        check_id -> Text,
        question_id -> Text,
        answer_json -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    check_evidence (id) {
        id -> Text,
        check_id -> Text,
        question_id -> Text,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    check_reviews (id) {
        id -> Text,
        check_id -> Text,
        decision -> Text,
        comment -> Text,
        question_comments -> Text,
        reviewed_by -> Text,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    portal_tokens (id) {
        id -> Text,
        check_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        check_id -> Text,
        engagement_id -> Text,
        question_id -> Text,
        section -> Text,
        rules -> Text,
        answer_json -> Text,
        corrective_action -> Text,
        owner_user_id -> Text,
        due_on -> Date,
        state -> Text,
        risk_reason -> Nullable<Text>,
        risk_approved_by -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(access_reviews -> users (confirmed_by));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_divisions -> users (user_id));
diesel::joinable!(user_divisions -> divisions (division_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(vendor_contacts -> vendors (vendor_id));
diesel::joinable!(engagements -> divisions (division_id));
diesel::joinable!(engagements -> vendors (vendor_id));
diesel::joinable!(engagements -> users (responsible_user_id));
diesel::table! {
    check_reminders (check_id, stage) {
        check_id -> Text,
        stage -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    completion_records (engagement_id) {
        engagement_id -> Text,
        issued_at -> Timestamp,
        html_ja -> Text,
        html_en -> Text,
        docx_ja -> Binary,
        docx_en -> Binary,
        sha256_html_ja -> Text,
        sha256_docx_ja -> Text,
    }
}

diesel::table! {
    engagement_obligations (engagement_id, position) {
        engagement_id -> Text,
        position -> Integer,
        rule_id -> Text,
        subject -> Nullable<Text>,
        subject_name -> Nullable<Text>,
        via -> Nullable<Text>,
        owner_role -> Text,
        assignee_user_id -> Nullable<Text>,
        owner_division_id -> Nullable<Text>,
        division_id -> Text,
        due_on -> Nullable<Date>,
        met_on -> Nullable<Date>,
        met_until -> Nullable<Date>,
        waiver_reason -> Nullable<Text>,
        waiver_by -> Nullable<Text>,
        waived_until -> Nullable<Date>,
    }
}

diesel::table! {
    auth_generation (id) {
        id -> Integer,
        generation -> BigInt,
    }
}

diesel::table! {
    obligation_refresh (engagement_id) {
        engagement_id -> Text,
    }
}

diesel::table! {
    obligation_derivation (id) {
        id -> Integer,
        fingerprint -> Text,
    }
}

diesel::joinable!(engagement_obligations -> engagements (engagement_id));
diesel::joinable!(information_items -> engagements (engagement_id));
diesel::joinable!(status_changes -> engagements (engagement_id));
diesel::joinable!(contracts -> engagements (engagement_id));
diesel::joinable!(manager_assets -> engagements (engagement_id));
diesel::joinable!(approvals -> engagements (engagement_id));
diesel::joinable!(obligation_waivers -> engagements (engagement_id));
diesel::joinable!(engagement_records -> engagements (engagement_id));
diesel::joinable!(engagement_record_files -> engagement_records (record_id));
diesel::joinable!(configuration_versions -> engagements (engagement_id));
diesel::joinable!(responsibility_versions -> engagements (engagement_id));
diesel::joinable!(cloud_service_records -> engagements (engagement_id));
diesel::joinable!(subprocessor_changes -> engagements (engagement_id));
diesel::joinable!(subprocessor_links -> engagements (engagement_id));
diesel::joinable!(checks -> engagements (engagement_id));
diesel::joinable!(checks -> questionnaire_snapshots (snapshot_id));
diesel::joinable!(check_answers -> checks (check_id));
diesel::joinable!(check_evidence -> checks (check_id));
diesel::joinable!(check_reviews -> checks (check_id));
diesel::joinable!(portal_tokens -> checks (check_id));
diesel::joinable!(findings -> engagements (engagement_id));

diesel::allow_tables_to_appear_in_same_query!(
    divisions,
    users,
    user_roles,
    user_divisions,
    api_tokens,
    sessions,
    vendors,
    vendor_contacts,
    engagements,
    information_items,
    status_changes,
    contracts,
    manager_assets,
    approvals,
    obligation_waivers,
    recovery_codes,
    sign_in_failures,
    audit_log,
    audit_head,
    access_reviews,
    outbox,
    reminders_sent,
    reminder_marks,
    checks,
    questionnaire_snapshots,
    check_answers,
    check_evidence,
    check_reviews,
    portal_tokens,
    findings,
    check_reminders,
    completion_records,
    engagement_records,
    engagement_record_files,
    configuration_versions,
    responsibility_versions,
    cloud_service_records,
    subprocessor_changes,
    subprocessor_links,
    engagement_obligations,
    obligation_refresh,
    obligation_derivation,
    auth_generation,
);

//! Sample pages that take every branch of the staff templates, rendered at start-up in
//! both languages, and the labels the code picks by key.

mod admin;
mod clauses;
mod cloud;
mod register;

use super::views::*;
use super::{Chrome, ChromeUser, Page, Section, StaffPages};
use crate::i18n::Lang;
use crate::render::TemplateError;

pub mod checks;

/// The label keys each area's code asks for with `StaffPages::text`; an area of pages
/// adds its own list here (beside its samples in `samples/<area>.rs`).
pub const CODE_KEY_SETS: &[&[&str]] = &[
    CODE_KEYS,
    register::CODE_KEYS,
    admin::CODE_KEYS,
    clauses::CODE_KEYS,
    checks::CODE_KEYS,
    cloud::CODE_KEYS,
];

/// The label keys the code of the sign-in, My work and register pages asks for.
pub const CODE_KEYS: &[&str] = &[
    "end_of_term.owed",
    "end_of_term.not_owed",
    "end_of_term.not_sent",
    "end_of_term.closing_none",
    "end_of_term.closing_pending",
    "end_of_term.closing_approved",
    "end_of_term.closing_rejected",
    "closing.attestation",
    "closing.closing_approval",
    "closing.subcontracts",
    "interval_form.own",
    "interval_form.default",
    "nav.my_work",
    "nav.engagements",
    "nav.account",
    "list.summary",
    "list.summary_more",
    "flash.password",
    "flash.moved",
    "flash.registered",
    "errors.back",
    "errors.retry_in",
    "errors.not_found.title",
    "errors.not_found.body",
    "errors.forbidden.title",
    "errors.forbidden.body",
    "errors.method_not_allowed.title",
    "errors.method_not_allowed.body",
    "errors.too_many.title",
    "errors.too_many.body",
    "errors.too_large.title",
    "errors.too_large.body",
    "errors.unavailable.title",
    "errors.unavailable.body",
    "errors.conflict.title",
    "errors.conflict.body",
    "errors.bad_request.title",
    "errors.bad_request.body",
    "errors.sign_in.title",
    "errors.sign_in.body",
    "errors.internal.title",
    "errors.internal.body",
    "sign_in.title",
    "sign_in.failed",
    "second_factor.title",
    "change_password.title",
    "enrol.title",
    "recovery_codes.title",
    "my_work.title",
    "my_work.due_today",
    "my_work.days_overdue",
    "my_work.days_left",
    "engagements.title",
    "engagements.col_title",
    "engagements.col_starts_on",
    "engagements.col_ends_on",
    "engagements.level",
    "engagement.kind",
    "engagement.vendor",
    "engagement.division",
    "engagement.responsible",
    "engagement.term",
    "engagement.scope",
    "engagement.cloud_service",
    "engagement.provided_yes",
    "engagement.provided_no",
    "kinds.outsourcing",
    "kinds.designated_management",
    "kinds.cloud_service",
    "statuses.draft",
    "statuses.selected",
    "statuses.contracted",
    "statuses.active",
    "statuses.ending",
    "statuses.closed",
    "statuses.terminated",
    "levels.L1",
    "levels.L2",
    "levels.L3",
    "levels.none",
    "roles.ciso",
    "roles.deputy_ciso",
    "roles.chief_system_manager",
    "roles.system_administrator",
    "roles.security_officer",
    "roles.csirt",
    "roles.auditor",
    "obligation_states.open",
    "obligation_states.met",
    "obligation_states.overdue",
    "obligation_states.waived",
    "approval_states.pending",
    "approval_states.approved",
    "approval_states.rejected",
    "check_states.sent",
    "check_states.in_progress",
    "check_states.submitted",
    "check_states.returned",
    "check_states.accepted",
    "check_states.overdue",
    "parts.outsourcing",
    "parts.subcontract",
    "parts.designated_management",
    "parts.cloud_service",
    "records.add",
    "gate_missing.information_items",
    "gate_missing.terms_accepted",
    "gate_missing.ismap_listing",
    "records.kinds.selection",
    "records.kinds.no_information",
    "records.kinds.terms_accepted",
    "records.kinds.supervision",
    "records.kinds.inspection",
    "records.intros.selection",
    "records.intros.selection_cloud",
    "records.intros.no_information",
    "records.intros.terms_accepted",
    "records.intros.supervision",
    "records.intros.inspection",
    "records.fields.occurred_on",
    "records.fields.occurred_on_hint",
    "records.fields.basis",
    "records.fields.basis_hint",
    "records.fields.ismap_listing",
    "records.fields.ismap_listing_hint",
    "records.fields.data_location",
    "records.fields.statement",
    "records.fields.statement_hint",
    "records.fields.terms_name",
    "records.fields.terms_version",
    "records.fields.terms_version_hint",
    "records.fields.terms_url",
    "records.fields.method",
    "records.fields.observed",
    "records.fields.observed_hint",
    "records.fields.place",
    "records.fields.result",
    "records.fields.findings",
    "records.fields.findings_hint",
    "records.fields.delegated_by",
    "records.fields.delegated_by_hint",
    "records.supervision_methods.on_site",
    "records.supervision_methods.remote",
    "records.inspection_methods.on_site",
    "records.inspection_methods.video",
    "records.inspection_methods.photographs",
    "records.inspection_results.conforming",
    "records.inspection_results.findings",
    "records.delegated",
    "waivers.requested",
    "waivers.decided",
    "waivers.decided_because",
];

pub(super) fn chrome(lang: Lang, signed_in: bool) -> Chrome {
    Chrome {
        lang,
        title: "見本".into(),
        user: signed_in.then(|| ChromeUser {
            name: "港 花子".into(),
            sections: vec![Section::Admin, Section::AuditLog],
        }),
        csrf: signed_in.then(|| "0123abcd".into()),
        section: signed_in.then_some(Section::MyWork),
        path: "/".into(),
        flash: signed_in.then(|| "保存しました。".into()),
    }
}

pub(super) fn errors() -> Vec<FormError> {
    vec![FormError {
        field: "code".into(),
        message: "確認コードが正しくありません".into(),
    }]
}

fn deadline(overdue: bool) -> DeadlineRow {
    DeadlineRow {
        what: "契約の締結".into(),
        rule_id: "R-8.2".into(),
        engagement: overdue.then(|| "庁舎清掃業務".into()),
        due_on: "令和9年4月1日".into(),
        when: "3日超過".into(),
        overdue,
        href: "/engagements/e1#obligations".into(),
    }
}

pub(super) fn option(selected: bool) -> OptionView {
    OptionView {
        value: "outsourcing".into(),
        label: "業務委託".into(),
        selected,
    }
}

fn engagements(full: bool) -> EngagementsView {
    EngagementsView {
        q: "清掃".into(),
        kinds: vec![option(true), option(false)],
        levels: vec![option(false)],
        statuses: vec![option(false)],
        divisions: vec![option(false)],
        vendors: vec![option(false)],
        sort: "-title".into(),
        columns: vec![SortView {
            label: "件名".into(),
            href: "/engagements?sort=title".into(),
            state: "descending",
        }],
        rows: if full {
            vec![EngagementRowView {
                href: "/engagements/e1".into(),
                title: "庁舎清掃業務".into(),
                kind: "業務委託".into(),
                level: "L2".into(),
                status: "起案".into(),
                status_key: "draft".into(),
                division: "総務課".into(),
                vendor: "港清掃株式会社".into(),
                starts_on: "令和9年4月1日".into(),
                ends_on: "令和10年3月31日".into(),
                flags: vec!["ISMAP未登録".into()],
            }]
        } else {
            vec![]
        },
        errors: if full { vec![] } else { errors() },
        pager: PagerView {
            summary: "全1件中 1〜1件を表示".into(),
            previous: full.then(|| "/engagements?page=1".into()),
            next: full.then(|| "/engagements?page=3".into()),
        },
        csv_href: "/engagements/export.csv".into(),
        can_register: full,
    }
}

pub(super) fn engagement(full: bool) -> EngagementView {
    EngagementView {
        id: "e1".into(),
        part: "第8節".into(),
        level: "L2".into(),
        status: "起案".into(),
        status_key: "draft".into(),
        facts: vec![Fact {
            label: "委託先".into(),
            value: "港清掃株式会社".into(),
        }],
        obligations: if full {
            vec![
                ObligationView {
                    rule_id: "R-8.2".into(),
                    title: "契約".into(),
                    state: "未対応".into(),
                    state_key: "open".into(),
                    due_on: "令和9年4月1日".into(),
                    owner: "セキュリティ責任者".into(),
                    how: "契約を登録します。".into(),
                    href: Some("/engagements/e1/clauses".into()),
                },
                ObligationView {
                    rule_id: "R-8.1".into(),
                    title: "選定".into(),
                    state: "対応済み".into(),
                    state_key: "met".into(),
                    due_on: String::new(),
                    owner: "セキュリティ責任者".into(),
                    how: String::new(),
                    href: None,
                },
            ]
        } else {
            vec![]
        },
        items: if full {
            vec![
                ItemView {
                    name: "住民票".into(),
                    level: "L3".into(),
                    description: "写し".into(),
                    provided: "提供する".into(),
                    delete_action: "/engagements/e1/items/i1/delete".into(),
                    delete_label: "住民票を削除".into(),
                },
                ItemView {
                    name: "名簿".into(),
                    level: "L2".into(),
                    description: String::new(),
                    provided: "提供しない".into(),
                    delete_action: "/engagements/e1/items/i2/delete".into(),
                    delete_label: "名簿を削除".into(),
                },
            ]
        } else {
            vec![]
        },
        approvals: if full {
            vec![ApprovalView {
                rule_id: "R-3.3.3".into(),
                subject: "住民票".into(),
                state: "承認待ち".into(),
                state_key: "pending".into(),
                requested: "令和9年4月1日".into(),
                decided: String::new(),
            }]
        } else {
            vec![]
        },
        contracts: if full {
            vec![
                ContractView {
                    signed_on: "令和9年4月1日".into(),
                    term: "第1号".into(),
                    missing: vec!["CL-01 秘密の保持".into()],
                    complete: false,
                },
                ContractView {
                    signed_on: "令和9年4月1日".into(),
                    term: "第2号".into(),
                    missing: vec![],
                    complete: true,
                },
            ]
        } else {
            vec![]
        },
        approval_forms: clauses::engagement_forms(full),
        checks: if full {
            vec![CheckRowView {
                href: "/checks/c1".into(),
                title: "outsourcing-periodic".into(),
                state: "送付済み".into(),
                state_key: "sent".into(),
                due_on: "令和9年4月1日".into(),
            }]
        } else {
            vec![]
        },
        moves: if full {
            vec![MoveView {
                to: "selected".into(),
                label: "選定済み".into(),
            }]
        } else {
            vec![]
        },
        can_change: true,
        move_action: "/engagements/e1/move".into(),
        can_terminate: full,
        move_error: full.then(|| "契約が必要です".into()),
        move_missing: if full { vec!["CL-01".into()] } else { vec![] },
        timeline: if full {
            vec![TimelineEntry {
                at: "令和9年4月1日 09:00".into(),
                actor: "hanako@city.example".into(),
                action: "委託案件を登録".into(),
            }]
        } else {
            vec![]
        },
        item_form: Some(register::item_form(full)),
        edit_href: full.then(|| "/engagements/e1/edit".into()),
        send_check: None,
        findings: vec![],
        parent: full.then(|| related("e0")),
        subcontracts: if full { vec![related("e2")] } else { vec![] },
        waiver_form: full.then(|| WaiverFormView {
            action: "/engagements/e1/waivers".into(),
            choices: vec![OptionView {
                value: "R-8.3.1".into(),
                label: "R-8.3.1 委託期間中の対策".into(),
                selected: true,
            }],
            choice_error: Some("選んでください".into()),
            reason: super::views::register::FieldView {
                value: "理由".into(),
                error: Some("入力してください".into()),
            },
            expires_on: super::views::register::FieldView {
                value: "2027/13/1".into(),
                error: Some("実在する日付を入力してください".into()),
            },
            errors: vec![FormError {
                field: "reason".into(),
                message: "入力してください".into(),
            }],
            refusal: Some("自分が負う義務は自分で免除できません".into()),
        }),
        waivers: if full {
            vec![
                records::WaiverRowView {
                    rule_id: "R-8.3.2".into(),
                    obligation: "委託先の対策の定期的な確認".into(),
                    reason: "施設改修中のため".into(),
                    state: "承認待ち".into(),
                    state_key: "pending".into(),
                    requested: "山田 花子 が 令和9年4月1日 に申請".into(),
                    decided: String::new(),
                    expires_on: String::new(),
                    decide_action: Some("/engagements/e1/waivers/w1/decision".into()),
                },
                records::WaiverRowView {
                    rule_id: "R-8.1".into(),
                    obligation: "委託先の選定".into(),
                    reason: "随意契約".into(),
                    state: "却下".into(),
                    state_key: "rejected".into(),
                    requested: "山田 花子 が 令和9年4月1日 に申請".into(),
                    decided: "鈴木 一郎 が 令和9年4月2日 に決裁（選定の記録が必要）".into(),
                    expires_on: "令和9年10月1日".into(),
                    decide_action: None,
                },
            ]
        } else {
            vec![]
        },
        records: records::RecordsView {
            accept: ".pdf,.png".into(),
            rows: if full {
                vec![records::RecordRowView {
                    occurred_on: "令和9年5月1日".into(),
                    kind: "点検の記録".into(),
                    lines: vec!["方法: 実地".into(), "場所: 区民センター".into()],
                    by: "佐藤 次郎（山本 三郎 の委任による）".into(),
                    meets: vec!["R-7.4".into()],
                    files: vec![records::FileLinkView {
                        name: "点検写真.jpg".into(),
                        href: "/engagements/e1/records/r1/files/f1".into(),
                        size: "120.0 KB".into(),
                    }],
                    attach_action: Some("/engagements/e1/records/r1/files".into()),
                    attach_error: Some("この種類のファイルは添付できません".into()),
                }]
            } else {
                vec![]
            },
            forms: if full {
                vec![records::RecordFormView {
                    kind: "inspection".into(),
                    title: "点検の記録".into(),
                    intro: "点検を記録します。".into(),
                    action: "/engagements/e1/records#record-inspection".into(),
                    open: true,
                    fields: vec![
                        records::RecordFieldView {
                            id: "inspection-occurred_on".into(),
                            name: "occurred_on".into(),
                            label: "実施日".into(),
                            hint: "例：2027/4/1".into(),
                            required: true,
                            control: "text".into(),
                            value: "2027/5/1".into(),
                            options: vec![],
                            error: Some("未来の日付です".into()),
                        },
                        records::RecordFieldView {
                            id: "inspection-method".into(),
                            name: "method".into(),
                            label: "方法".into(),
                            hint: String::new(),
                            required: true,
                            control: "radio".into(),
                            value: String::new(),
                            options: vec![OptionView {
                                value: "video".into(),
                                label: "映像".into(),
                                selected: true,
                            }],
                            error: None,
                        },
                        records::RecordFieldView {
                            id: "inspection-findings".into(),
                            name: "findings".into(),
                            label: "指摘事項".into(),
                            hint: String::new(),
                            required: false,
                            control: "textarea".into(),
                            value: "なし".into(),
                            options: vec![],
                            error: None,
                        },
                        records::RecordFieldView {
                            id: "inspection-delegated_by".into(),
                            name: "delegated_by".into(),
                            label: "委任したCISO".into(),
                            hint: "選びます".into(),
                            required: true,
                            control: "select".into(),
                            value: String::new(),
                            options: vec![OptionView {
                                value: "u1".into(),
                                label: "山本 三郎".into(),
                                selected: false,
                            }],
                            error: Some("選んでください".into()),
                        },
                    ],
                    errors: vec![FormError {
                        field: "inspection-occurred_on".into(),
                        message: "未来の日付です".into(),
                    }],
                    refusal: Some("点検はCISOが行います".into()),
                }]
            } else {
                vec![]
            },
        },
        cloud: full.then(|| super::views::cloud::CloudSummaryView {
            subprocessors_href: "/engagements/e1/subprocessors".into(),
            subprocessors_standing: "2社（確認待ちの報告が1件）".into(),
            subprocessors_pending: true,
            cloud_service_href: "/engagements/e1/cloud-service".into(),
            listing_standing: "ISMAP（C21-0001-1）令和12年7月31日まで有効".into(),
            flags: vec!["国外".into()],
            responsibility_href: "/engagements/e1/responsibility".into(),
            responsibility_standing: "第2版が合意されています".into(),
            responsibility_missing: true,
            configuration_href: "/engagements/e1/configuration".into(),
            configuration_standing: "第2版が有効です（令和9年8月10日まで）".into(),
            configuration_stale: true,
        }),
        end_of_term: full.then(|| EndOfTermView {
            owed: "委託先は終了時報告で報告します。".into(),
            attestation_href: Some("/checks/c9".into()),
            attestation_state: "提出済み".into(),
            attestation_state_key: "submitted".into(),
            attestation_due: "令和9年4月30日".into(),
            closing: "承認待ち".into(),
            closing_key: "pending".into(),
            missing: vec!["終了の承認がありません（R-2.6）".into()],
            record_href: Some("/engagements/e1/completion-record".into()),
        }),
        interval_form: full.then(|| IntervalFormView {
            action: "/engagements/e1/check-interval".into(),
            months: super::views::register::FieldView {
                value: "0".into(),
                error: Some("1 から 60 までの月数です".into()),
            },
            effective: "この案件の点検の間隔は 12 か月です（格付の既定）。".into(),
            errors: vec![FormError {
                field: "months".into(),
                message: "1 から 60 までの月数です".into(),
            }],
        }),
    }
}

fn related(id: &str) -> RelatedView {
    RelatedView {
        href: format!("/engagements/{id}"),
        title: "港区立〇〇体育館の指定管理".into(),
        status: "実施中".into(),
        status_key: "active".into(),
    }
}

/// Renders every page against samples that take each branch, in both languages (each
/// area's own samples are called from here).
pub fn check(pages: &StaffPages) -> Result<(), TemplateError> {
    for lang in [Lang::Ja, Lang::En] {
        if let Some(key) = CODE_KEY_SETS
            .iter()
            .flat_map(|set| set.iter())
            .find(|key| pages.text_opt(lang, key).is_none())
        {
            return Err(TemplateError::new(
                pages.labels.origin(lang),
                format!("key `{key}` is missing"),
            ));
        }
        for signed_in in [false, true] {
            let c = chrome(lang, signed_in);
            for back in [
                None,
                Some(Link {
                    href: "/".into(),
                    label: "戻る".into(),
                }),
            ] {
                pages.render_checked(
                    Page::Message,
                    &c,
                    &MessageView {
                        body: "本文".into(),
                        back,
                    },
                )?;
            }
        }
        let anonymous = chrome(lang, false);
        let signed_in = chrome(lang, true);
        for (errors, expired, signed_out) in [(vec![], false, false), (errors(), true, true)] {
            pages.render_checked(
                Page::SignIn,
                &anonymous,
                &SignInView {
                    action: "/sign-in".into(),
                    email: "a@example.jp".into(),
                    errors,
                    expired,
                    signed_out,
                },
            )?;
        }
        for error in [None, Some("違います".to_string())] {
            let errors = if error.is_some() { errors() } else { vec![] };
            pages.render_checked(
                Page::SecondFactor,
                &anonymous,
                &CodeView {
                    action: "/sign-in/code".into(),
                    errors: errors.clone(),
                    code_error: error.clone(),
                },
            )?;
            for ask_current in [false, true] {
                pages.render_checked(
                    Page::ChangePassword,
                    &anonymous,
                    &PasswordView {
                        action: "/sign-in/password".into(),
                        ask_current,
                        errors: errors.clone(),
                        current_error: error.clone(),
                        new_error: error.clone(),
                    },
                )?;
            }
            for started in [false, true] {
                pages.render_checked(
                    Page::Enrol,
                    &anonymous,
                    &EnrolView {
                        start_action: "/sign-in/enrol/start".into(),
                        qr_svg: started.then(|| "data:image/svg+xml;base64,PHN2Zy8+".into()),
                        secret: started.then(|| "ABCD EFGH".into()),
                        action: "/sign-in/enrol".into(),
                        errors: errors.clone(),
                        code_error: error.clone(),
                    },
                )?;
            }
            for codes in [vec![], vec!["abcd-efgh".to_string()]] {
                pages.render_checked(
                    Page::RecoveryCodes,
                    &signed_in,
                    &RecoveryCodesView {
                        codes,
                        continue_to: "/".into(),
                        action: "/account/recovery-codes".into(),
                        errors: errors.clone(),
                        code_error: error.clone(),
                    },
                )?;
            }
        }
        for full in [false, true] {
            let rows = |overdue| DeadlineSection {
                rows: if full {
                    vec![deadline(overdue)]
                } else {
                    vec![]
                },
                pager: full.then(|| PagerView {
                    summary: "全120件中 51〜100件を表示".into(),
                    previous: Some("/#overdue-title".into()),
                    next: Some("/?overdue=3#overdue-title".into()),
                }),
            };
            pages.render_checked(
                Page::MyWork,
                &signed_in,
                &MyWorkView {
                    today: "令和9年4月1日".into(),
                    notices: if full {
                        vec!["棚卸し".into()]
                    } else {
                        vec![]
                    },
                    overdue: rows(true),
                    soon: rows(false),
                    approvals: rows(false),
                    reviews: rows(false),
                    findings: rows(true),
                },
            )?;
            pages.render_checked(Page::Engagements, &signed_in, &engagements(full))?;
            let mut view = engagement(full);
            pages.render_checked(Page::Engagement, &signed_in, &view)?;
            view.can_change = false;
            view.item_form = None;
            pages.render_checked(Page::Engagement, &signed_in, &view)?;
        }
        register::check(pages, &signed_in)?;
    }
    admin::check(pages)?;
    clauses::check(pages)?;
    checks::check(pages)?;
    cloud::check(pages)?;
    Ok(())
}

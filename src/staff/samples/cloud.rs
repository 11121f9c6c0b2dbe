//! Samples of a cloud service's pages (its configuration records, two versions
//! compared), taking every branch, and the labels their code picks by key.

use super::super::views::cloud::*;
use super::super::views::register::FieldView;
use super::super::views::{Fact, OptionView};
use super::super::{Page, StaffPages};
use super::{chrome, errors};
use crate::i18n::Lang;
use crate::render::TemplateError;

/// The label keys the code of a cloud service's pages asks for.
pub const CODE_KEYS: &[&str] = &[
    "flash_cloud.configuration_recorded",
    "flash_cloud.configuration_approved",
    "flash_cloud.listing_recorded",
    "flash_cloud.location_recorded",
    "cloud_flags.no_listing",
    "cloud_flags.listing_lapsed",
    "cloud_flags.l3_outside_japan",
    "cloud_service.title",
    "cloud_service.listing_standing",
    "cloud_service.listing_none",
    "cloud_service.lists.ismap",
    "cloud_service.lists.ismap_liu",
    "cloud_service.kinds.ismap_listing",
    "cloud_service.kinds.data_location",
    "cloud_service.fields.list",
    "cloud_service.fields.registration_number",
    "cloud_service.fields.listed_service",
    "cloud_service.fields.regions",
    "cloud_service.fields.audit_period_end",
    "cloud_service.fields.valid_until",
    "cloud_service.fields.storage_countries",
    "cloud_service.fields.storage_regions",
    "cloud_service.fields.backup_countries",
    "cloud_service.fields.support_countries",
    "cloud_service.fields.governing_law",
    "cloud_service.fields.court",
    "flash_cloud.subprocessor_recorded",
    "flash_cloud.subprocessor_acknowledged",
    "flash_cloud.subprocessor_link_sent",
    "subprocessors.title",
    "subprocessors.reported_by_vendor",
    "subprocessors.reported_by_staff",
    "subprocessors.acknowledged",
    "subprocessors.not_acknowledged",
    "subprocessors.kinds.added",
    "subprocessors.kinds.removed",
    "cloud_summary.subprocessors_standing",
    "cloud_summary.subprocessors_pending",
    "configuration.title",
    "configuration.intro",
    "configuration.version",
    "configuration.states.approved",
    "configuration.states.pending",
    "configuration.states.superseded",
    "configuration.standing_current",
    "configuration.standing_stale",
    "configuration.standing_none",
    "configuration.empty_value",
    "configuration.list_separator",
    "configuration.approve",
    "configuration.newest_heading",
    "configuration.compare_title_page",
    "configuration.changed_count",
    "configuration.choose_two",
    "configuration.fields.tenant",
    "configuration.fields.plan",
    "configuration.fields.regions",
    "configuration.fields.network_exposure",
    "configuration.fields.sso",
    "configuration.fields.mfa",
    "configuration.fields.address_limits",
    "configuration.fields.admin_accounts",
    "configuration.fields.logging",
    "configuration.fields.encryption",
    "configuration.fields.backup",
    "configuration.fields.integrations",
    "configuration.hints.tenant",
    "configuration.hints.plan",
    "configuration.hints.regions",
    "configuration.hints.network_exposure",
    "configuration.hints.sso",
    "configuration.hints.mfa",
    "configuration.hints.address_limits",
    "configuration.hints.admin_accounts",
    "configuration.hints.logging",
    "configuration.hints.encryption",
    "configuration.hints.backup",
    "configuration.hints.integrations",
    "flash_cloud.responsibility_recorded",
    "flash_cloud.responsibility_sent",
    "flash_cloud.responsibility_approved",
    "responsibility.title",
    "responsibility.standing_agreed",
    "responsibility.standing_none",
    "responsibility.newest_heading",
    "responsibility.origin_value",
    "responsibility.version",
    "responsibility.send",
    "responsibility.send_again",
    "responsibility.send_hint",
    "responsibility.approve",
    "responsibility.approve_hint",
    "responsibility.vendor_confirmed",
    "responsibility.vendor_changes",
    "responsibility.states.draft",
    "responsibility.states.awaiting_provider",
    "responsibility.states.changes_requested",
    "responsibility.states.awaiting_approval",
    "responsibility.states.agreed",
    "responsibility.states.superseded",
    "responsibility.parties.ward",
    "responsibility.parties.provider",
    "responsibility.parties.shared",
    "responsibility.models.iaas",
    "responsibility.models.paas",
    "responsibility.models.saas",
    "responsibility.areas.identities_mfa",
    "responsibility.areas.privileged_access",
    "responsibility.areas.logs",
    "responsibility.areas.encryption_keys",
    "responsibility.areas.backup_restore",
    "responsibility.areas.patching",
    "responsibility.areas.incident_notice",
    "responsibility.areas.vulnerability_testing",
    "responsibility.areas.subprocessors",
    "responsibility.areas.availability",
    "responsibility.areas.exit_deletion",
];

fn options() -> Vec<OptionView> {
    [("1", false), ("2", true)]
        .into_iter()
        .map(|(v, selected)| OptionView {
            value: v.into(),
            label: format!("第{v}版（令和9年2月10日）"),
            selected,
        })
        .collect()
}

fn compare_form() -> CompareFormView {
    CompareFormView {
        action: "/engagements/e1/configuration/compare".into(),
        from: options(),
        to: options(),
    }
}

fn configuration(full: bool) -> ConfigurationView {
    ConfigurationView {
        engagement_href: "/engagements/e1".into(),
        engagement_title: "財務会計システム（SaaS）".into(),
        intro: "6か月".into(),
        rule: "R-9.3.2".into(),
        standing: "第1版が有効です（令和9年8月10日まで）。".into(),
        stale: full,
        refusal: full.then(|| "新しい版が記録されています".into()),
        approve: full.then(|| ApproveFormView {
            action: "/engagements/e1/configuration/2/approval".into(),
            submit: "第2版を承認する".into(),
        }),
        versions: if full {
            vec![VersionRowView {
                version: "第2版".into(),
                recorded_on: "令和9年2月10日".into(),
                recorded_by: "港 花子".into(),
                change_summary: "リージョンを追加".into(),
                changed: "利用リージョン".into(),
                state: "承認済み".into(),
                state_key: "approved".into(),
                approved_by: "芝 太郎".into(),
            }]
        } else {
            vec![]
        },
        compare: full.then(compare_form),
        newest: full.then(|| ShownVersionView {
            heading: "最新の版の内容：第2版（承認待ち）".into(),
            facts: vec![Fact {
                label: "利用リージョン".into(),
                value: "東京\n大阪".into(),
            }],
        }),
        form: full.then(|| ConfigFormView {
            action: "/engagements/e1/configuration".into(),
            errors: errors(),
            change_summary: FieldView {
                value: "".into(),
                error: Some("入力してください".into()),
            },
            fields: vec![ConfigFieldView {
                id: "regions".into(),
                label: "利用リージョン".into(),
                hint: "1行に1つ".into(),
                required: true,
                multiline: true,
                field: FieldView {
                    value: "東京".into(),
                    error: None,
                },
            }],
        }),
    }
}

fn responsibility(full: bool, first: bool) -> ResponsibilityView {
    let action = |what: &str| MatrixActionView {
        action: format!("/engagements/e1/responsibility/2/{what}"),
        submit: "第2版を送付する".into(),
        hint: "メールで送ります".into(),
    };
    ResponsibilityView {
        engagement_href: "/engagements/e1".into(),
        engagement_title: "財務会計システム（SaaS）".into(),
        standing: "第1版が合意されています。".into(),
        refusal: full.then(|| "事業者が確認した版だけを承認できます".into()),
        send: full.then(|| action("sending")),
        approve: full.then(|| action("approval")),
        newest: full.then(|| ShownMatrixView {
            heading: "最新の版：第2版（事業者が変更を依頼）".into(),
            origin: "saas v1".into(),
            entries: vec![MatrixEntryView {
                area: "利用者ID・多要素認証".into(),
                responsible: "区".into(),
                responsible_key: "ward".into(),
                notes: "区は、利用者を管理する。".into(),
            }],
            vendor_comment: Some("通知期限を12時間に".into()),
        }),
        versions: if full {
            vec![MatrixRowView {
                version: "第2版".into(),
                recorded_on: "令和9年2月10日".into(),
                recorded_by: "港 花子".into(),
                change_summary: "通知期限".into(),
                state: "合意済み".into(),
                state_key: "agreed".into(),
                vendor_answer: "同意（山田 花子、令和9年2月12日）".into(),
                approved_by: "芝 太郎".into(),
            }]
        } else {
            vec![]
        },
        form: full.then(|| MatrixFormView {
            action: "/engagements/e1/responsibility".into(),
            errors: errors(),
            service_models: options(),
            service_model_error: Some("選んでください".into()),
            change_summary: FieldView {
                value: "".into(),
                error: Some("入力してください".into()),
            },
            entries: if first {
                vec![]
            } else {
                vec![MatrixEntryFieldView {
                    area_id: "entries_0_area".into(),
                    responsible_id: "entries_0_responsible".into(),
                    notes_id: "entries_0_notes".into(),
                    area: "ログの取得・保管・提供".into(),
                    area_value: "logs".into(),
                    responsible: options(),
                    responsible_error: Some("選んでください".into()),
                    notes: FieldView {
                        value: "事業者は、ログを1年保存する。".into(),
                        error: None,
                    },
                }]
            },
            entries_error: (!first).then(|| "全ての領域を定めてください".into()),
        }),
    }
}

fn cloud_service(full: bool) -> CloudServiceView {
    let field = |value: &str, error: Option<&str>| FieldView {
        value: value.into(),
        error: error.map(str::to_string),
    };
    CloudServiceView {
        engagement_href: "/engagements/e1".into(),
        engagement_title: "財務会計システム（SaaS）".into(),
        flags: if full {
            vec!["ISMAP の登録は期限切れです".into()]
        } else {
            vec![]
        },
        refusal: full.then(|| "変更する権限がありません".into()),
        listing: if full {
            vec![Fact {
                label: "登録番号".into(),
                value: "C21-0001-1".into(),
            }]
        } else {
            vec![]
        },
        location: if full {
            vec![Fact {
                label: "データを保存する国".into(),
                value: "JP".into(),
            }]
        } else {
            vec![]
        },
        history: if full {
            vec![CloudHistoryRowView {
                recorded_at: "令和9年4月1日 9:00".into(),
                what: "ISMAP の登録".into(),
                by: "港 花子".into(),
                summary: "C21-0001-1".into(),
            }]
        } else {
            vec![]
        },
        listing_form: full.then(|| ListingFormView {
            action: "/engagements/e1/cloud-service/ismap-listing".into(),
            errors: errors(),
            lists: options(),
            list_error: Some("選んでください".into()),
            registration_number: field("C21-0001-1", None),
            listed_service: field("港クラウド", None),
            regions: field("東京", Some("入力してください")),
            audit_period_end: field("2029/3/31", None),
        }),
        location_form: full.then(|| LocationFormView {
            action: "/engagements/e1/cloud-service/data-location".into(),
            errors: errors(),
            storage_countries: field("JP", None),
            storage_regions: field("東京", None),
            backup_countries: field("JP", None),
            support_countries: field("JP, XX1", Some("国コードが正しくありません")),
            governing_law: field("日本法", None),
            court: field("東京地方裁判所", None),
        }),
    }
}

fn subprocessors(full: bool) -> SubprocessorsView {
    let change = |ack: Option<&str>| SubprocessorChangeView {
        kind: "追加".into(),
        name: "港データセンター株式会社".into(),
        purpose: "データセンターの運用".into(),
        country: "JP".into(),
        effective_on: "令和12年4月1日".into(),
        reported: "事業者（a@example.jp）が令和12年4月1日 9:00に報告".into(),
        acknowledged: "確認待ち".into(),
        acknowledge_action: ack.map(str::to_string),
    };
    let field = |value: &str, error: Option<&str>| FieldView {
        value: value.into(),
        error: error.map(str::to_string),
    };
    SubprocessorsView {
        engagement_href: "/engagements/e1".into(),
        engagement_title: "財務会計システム（SaaS）".into(),
        refusal: full.then(|| "確認する権限がありません".into()),
        current: if full {
            vec![SubprocessorRowView {
                name: "港データセンター株式会社".into(),
                purpose: "データセンターの運用".into(),
                country: "JP".into(),
                since: "令和12年4月1日".into(),
            }]
        } else {
            vec![]
        },
        pending: if full {
            vec![
                change(Some(
                    "/engagements/e1/subprocessors/changes/c1/acknowledgement",
                )),
                change(None),
            ]
        } else {
            vec![]
        },
        history: if full { vec![change(None)] } else { vec![] },
        link_action: full.then(|| "/engagements/e1/subprocessors/link".into()),
        form: full.then(|| SubprocessorFormView {
            action: "/engagements/e1/subprocessors/changes".into(),
            errors: errors(),
            kinds: options(),
            kind_error: Some("選んでください".into()),
            name: field("", Some("入力してください")),
            purpose: field("保守", None),
            country: field("XX1", Some("国コードではありません")),
            effective_on: field("", None),
        }),
    }
}

pub fn check(pages: &StaffPages) -> Result<(), TemplateError> {
    for lang in [Lang::Ja, Lang::En] {
        let c = chrome(lang, true);
        for full in [false, true] {
            pages.render_checked(Page::Subprocessors, &c, &subprocessors(full))?;
        }
        for full in [false, true] {
            pages.render_checked(Page::CloudService, &c, &cloud_service(full))?;
        }
        for (full, first) in [(false, true), (true, true), (true, false)] {
            pages.render_checked(Page::Responsibility, &c, &responsibility(full, first))?;
        }
        for full in [false, true] {
            pages.render_checked(Page::Configuration, &c, &configuration(full))?;
        }
        for changed in [false, true] {
            pages.render_checked(
                Page::ConfigurationCompare,
                &c,
                &ComparisonView {
                    back_href: "/engagements/e1/configuration".into(),
                    engagement_href: "/engagements/e1".into(),
                    engagement_title: "財務会計システム（SaaS）".into(),
                    from: "第1版（令和9年2月10日）".into(),
                    to: "第2版（令和9年8月1日）".into(),
                    from_summary: "初回".into(),
                    to_summary: "リージョンを追加".into(),
                    changed_count: "1項目が変わっています。".into(),
                    fields: vec![ComparedFieldView {
                        label: "利用リージョン".into(),
                        before: "東京".into(),
                        after: "東京\n大阪".into(),
                        changed,
                    }],
                    compare: compare_form(),
                },
            )?;
        }
    }
    Ok(())
}

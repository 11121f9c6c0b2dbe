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

pub fn check(pages: &StaffPages) -> Result<(), TemplateError> {
    for lang in [Lang::Ja, Lang::En] {
        let c = chrome(lang, true);
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

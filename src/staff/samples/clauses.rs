//! Samples of the clause generator, the approvals inbox and the approval, contract and
//! manager-asset blocks of an engagement's page, taking every branch; and the labels
//! their code picks by key.

use crate::i18n::Lang;
use crate::render::TemplateError;
use crate::staff::views::clauses::*;
use crate::staff::views::{FormError, Link};
use crate::staff::{Chrome, ChromeUser, Page, Section, StaffPages};

/// The label keys the clause, contract, approval and manager-asset pages ask for.
pub const CODE_KEYS: &[&str] = &[
    "approvals.nav",
    "approvals.title",
    "approvals.choose",
    "approvals.own_request",
    "approvals.confirm_needed",
    "approvals.confirmations.not_connected_to_ward_network",
    "approvals.confirmations.can_comply",
    "approvals.rules.R_3_3_3",
    "approvals.rules.R_7_5",
    "approvals.rules.R_7_6",
    "approvals.rules.R_2_6",
    "assets.kind_system",
    "assets.kind_asset",
    "assets.kind_system_long",
    "assets.kind_asset_long",
    "clauses.title",
    "clauses.summary",
    "clauses.lang_ja",
    "clauses.lang_en",
    "clauses.download_docx",
    "clauses.download_html",
    "clauses.download_markdown",
    "contract_form.mandatory",
    "contract_form.recommended",
    "flash_clauses.contract",
    "flash_clauses.approval_requested",
    "flash_clauses.decided",
    "flash_clauses.asset",
];

fn chrome(lang: Lang, section: Section) -> Chrome {
    Chrome {
        lang,
        title: "見本".into(),
        user: Some(ChromeUser {
            name: "港 花子".into(),
            sections: vec![],
        }),
        csrf: Some("0123abcd".into()),
        section: Some(section),
        path: "/approvals".into(),
        flash: Some("決裁しました。".into()),
    }
}

fn errors(field: &str) -> Vec<FormError> {
    vec![FormError {
        field: field.into(),
        message: "必須項目です".into(),
    }]
}

fn choice(checked: bool) -> ChoiceView {
    ChoiceView {
        id: "clause-CL-01".into(),
        value: "CL-01".into(),
        label: "CL-01 指針の遵守".into(),
        hint: "必須（R-8.2）".into(),
        checked,
    }
}

/// The engagement page's blocks: empty (nothing to ask, not a designated management) or
/// full, with every form shown again with its errors.
pub fn engagement_forms(full: bool) -> EngagementFormsView {
    EngagementFormsView {
        clauses_href: "/engagements/e1/clauses".into(),
        request: full.then(|| ApprovalRequestView {
            action: "/engagements/e1/approvals#approvals".into(),
            choices: vec![choice(true), choice(false)],
            note: "運用保守のため".into(),
            errors: errors("subject"),
            subject_error: Some("選んでください".into()),
            note_error: Some("長すぎます".into()),
        }),
        request_refusal: full.then(|| "同じ承認の申請が既にあります".into()),
        assets: full.then(|| AssetsView {
            rows: vec![AssetRowView {
                name: "予約システム".into(),
                kind: "情報システム".into(),
                rule_id: "R-7.5".into(),
                state: "未対応".into(),
                state_key: "open".into(),
            }],
            form: Some(AssetFormView {
                action: "/engagements/e1/manager-assets#assets".into(),
                kinds: vec![choice(false)],
                name: "予約システム".into(),
                description: "受付用".into(),
                errors: errors("name"),
                kind_error: Some("選んでください".into()),
                name_error: Some("必須項目です".into()),
                description_error: Some("長すぎます".into()),
                refusal: Some("変更できません".into()),
            }),
        }),
    }
}

fn assets_without_form() -> EngagementFormsView {
    EngagementFormsView {
        assets: Some(AssetsView {
            rows: vec![],
            form: None,
        }),
        ..engagement_forms(false)
    }
}

fn clauses(full: bool) -> ClausesView {
    ClausesView {
        engagement_href: "/engagements/e1".into(),
        engagement_title: "庁舎清掃業務".into(),
        summary: "業務委託・L2：必須条項 12".into(),
        action: "/engagements/e1/clauses".into(),
        langs: vec![choice(true), choice(false)],
        preview: ClauseHtml::sample("<h3>題</h3><h4>第1条</h4><p>本文</p>"),
        downloads: vec![Link {
            href: "/engagements/e1/clauses/download?format=docx&lang=ja".into(),
            label: "Word".into(),
        }],
        form: full.then(|| ContractFormView {
            action: "/engagements/e1/contracts".into(),
            reference_number: "第1号".into(),
            signed_on: "令和9年4月1日".into(),
            clauses: vec![choice(true), choice(false)],
            errors: errors("signed_on"),
            reference_number_error: Some("必須項目です".into()),
            signed_on_error: Some("日付が正しくありません".into()),
            clause_ids_error: Some("条項がありません".into()),
            refusal: Some("変更できません".into()),
        }),
    }
}

fn entry(decision: Option<DecisionFormView>) -> InboxEntryView {
    InboxEntryView {
        id: "a1".into(),
        rule_id: "R-7.5".into(),
        rule: "指定管理者の情報システム".into(),
        subject: "予約システム".into(),
        engagement_title: "区民会館の指定管理".into(),
        engagement_href: "/engagements/e1#approvals".into(),
        requester: "港 太郎".into(),
        requested: "令和9年4月1日".into(),
        note: "受付用".into(),
        state: "承認待ち".into(),
        state_key: "pending".into(),
        decided: "令和9年4月2日".into(),
        reason: "確認済み".into(),
        decision,
    }
}

fn inbox(full: bool) -> InboxView {
    let form = |errors: bool| DecisionFormView {
        action: "/approvals/a1/decision".into(),
        reason_id: "reason-a1".into(),
        confirm_id: "confirm-a1".into(),
        reason: "確認済み".into(),
        confirmations: vec![choice(errors)],
        errors: if errors {
            self::errors("reason-a1")
        } else {
            vec![]
        },
        reason_error: errors.then(|| "理由を入力してください".into()),
        confirmations_error: errors.then(|| "確認してください".into()),
    };
    if full {
        InboxView {
            refusal: Some("ご自身の申請は決裁できません".into()),
            to_decide: vec![entry(Some(form(true))), entry(Some(form(false)))],
            own: vec![entry(None)],
            decided: vec![entry(None)],
        }
    } else {
        InboxView {
            refusal: None,
            to_decide: vec![],
            own: vec![],
            decided: vec![],
        }
    }
}

/// Renders the clause generator and the inbox against samples taking every branch, in
/// both languages; the engagement page's blocks are rendered with its own samples.
pub fn check(pages: &StaffPages) -> Result<(), TemplateError> {
    for lang in [Lang::Ja, Lang::En] {
        for full in [false, true] {
            pages.render_checked(
                Page::Clauses,
                &chrome(lang, Section::Engagements),
                &clauses(full),
            )?;
            pages.render_checked(
                Page::Approvals,
                &chrome(lang, Section::Approvals),
                &inbox(full),
            )?;
        }
        let mut engagement = super::engagement(false);
        engagement.approval_forms = assets_without_form();
        pages.render_checked(
            Page::Engagement,
            &chrome(lang, Section::Engagements),
            &engagement,
        )?;
    }
    Ok(())
}

//! Samples of the periodic check and finding pages, taking every branch, and the labels
//! their code picks by key.

use super::super::views::checks::*;
use super::super::views::{CheckRowView, Fact, OptionView, PagerView};
use super::super::{Page, Section, StaffPages};
use super::{chrome, engagement, errors, option};
use crate::i18n::Lang;
use crate::render::TemplateError;

/// The label keys the code of the check and finding pages asks for.
pub const CODE_KEYS: &[&str] = &[
    "checks_nav.checks",
    "checks_nav.findings",
    "flash_checks.check_sent",
    "flash_checks.reviewed",
    "flash_checks.link_sent",
    "flash_checks.links_revoked",
    "flash_checks.finding_saved",
    "flash_checks.risk_accepted",
    "check_page.title",
    "check_page.contact",
    "check_page.questionnaire",
    "check_page.issued",
    "check_page.due_on",
    "check_page.submitted",
    "check_page.signed",
    "check_page.accepted",
    "check_page.score",
    "check_page.score_value",
    "check_page.not_yet",
    "check_page.no_answer",
    "check_page.files_one",
    "check_page.files",
    "check_page.list_separator",
    "check_page.yes",
    "check_page.no",
    "check_page.na",
    "check_page.size_meta",
    "check_page.links_live",
    "check_page.links_none",
    "review.accept",
    "review.return",
    "review_decisions.accept",
    "review_decisions.return",
    "checks_list.title",
    "findings_list.title",
    "finding_states.open",
    "finding_states.in_progress",
    "finding_states.closed",
    "finding_states.risk_accepted",
    "finding_states.overdue",
    "finding_page.title",
    "finding_page.questionnaire",
    "finding_page.section",
    "finding_page.owner",
    "finding_page.due_on",
    "finding_page.created",
    "finding_page.closed",
    "finding_page.approved_by",
    "finding_page.due_invalid",
    "send_check.due_on_hint",
    "send_check.no_contact",
];

fn finding_row(overdue: bool) -> FindingRowView {
    FindingRowView {
        href: "/findings/f1".into(),
        question: "T-01 アクセス権を定期的に見直していますか".into(),
        rules: vec!["R-8.3.1".into()],
        engagement: "住民記録システム運用保守業務委託".into(),
        engagement_href: "/engagements/e1".into(),
        state: "未対応".into(),
        state_key: "open".into(),
        due_on: "令和9年4月1日".into(),
        overdue,
    }
}

fn radios() -> Vec<RadioView> {
    vec![
        RadioView {
            value: "accept".into(),
            label: "受理する".into(),
            checked: true,
        },
        RadioView {
            value: "return".into(),
            label: "差し戻す".into(),
            checked: false,
        },
    ]
}

fn question(full: bool) -> AnsweredQuestion {
    AnsweredQuestion {
        id: "T-01".into(),
        field: "question_comments_T-01".into(),
        text: "アクセス権を定期的に見直していますか".into(),
        rules: if full { vec!["R-8.3.1".into()] } else { vec![] },
        answer: if full {
            "いいえ".into()
        } else {
            "未回答".into()
        },
        answered: full,
        non_conforming: full,
        evidence: if full {
            vec![EvidenceLink {
                href: "/checks/c1/evidence/v1".into(),
                name: "規程.pdf".into(),
                meta: "1.2 KB、令和9年4月1日 09:00登録".into(),
            }]
        } else {
            vec![]
        },
        comment: if full {
            "記録を添付してください".into()
        } else {
            String::new()
        },
        comment_error: full.then(|| "4000文字以内で入力してください".into()),
        earlier: if full {
            vec!["日付を記入してください".into()]
        } else {
            vec![]
        },
    }
}

fn check_page(full: bool) -> CheckPageView {
    CheckPageView {
        title: "定期点検票（業務委託）".into(),
        engagement_href: "/engagements/e1".into(),
        engagement_title: "住民記録システム運用保守業務委託".into(),
        state: "提出済み".into(),
        state_key: "submitted".into(),
        facts: vec![Fact {
            label: "回答期限".into(),
            value: "令和9年4月1日".into(),
        }],
        sections: if full {
            vec![AnsweredSection {
                title: "技術的対策".into(),
                questions: vec![question(true), question(false)],
            }]
        } else {
            vec![]
        },
        reviews: if full {
            vec![ReviewEntry {
                at: "令和9年4月1日 09:00".into(),
                reviewer: "港 花子".into(),
                decision: "差戻し".into(),
                decision_key: "returned".into(),
                comment: "一部確認させてください".into(),
            }]
        } else {
            vec![]
        },
        findings: if full {
            vec![finding_row(true)]
        } else {
            vec![]
        },
        review: full.then(|| ReviewFormView {
            action: "/checks/c1/review".into(),
            errors: errors(),
            decisions: radios(),
            decision_error: Some("受理するか差し戻すかを選んでください".into()),
            comment: "確認しました".into(),
            comment_error: Some("差戻しにはコメントが必要です".into()),
        }),
        refusal: full.then(|| "この点検は既に提出されています".into()),
        links: "有効なリンクが1件あります。".into(),
        can_renew: full,
        can_revoke: full,
        renew_action: "/checks/c1/links".into(),
        revoke_action: "/checks/c1/links/revoke".into(),
        can_change: full,
        term: full.then(|| TermView {
            checks: vec![CheckRowView {
                href: "/checks/c0".into(),
                title: "outsourcing-periodic-check".into(),
                state: "承認済み".into(),
                state_key: "accepted".into(),
                due_on: "令和9年4月1日".into(),
            }],
            open_findings: vec![finding_row(true)],
        }),
    }
}

fn pager(full: bool) -> PagerView {
    PagerView {
        summary: "全1件中 1〜1件を表示".into(),
        previous: full.then(|| "/checks?page=1".into()),
        next: full.then(|| "/checks?page=3".into()),
    }
}

fn finding_page(full: bool) -> FindingPageView {
    FindingPageView {
        check_href: "/checks/c1".into(),
        engagement_href: "/engagements/e1".into(),
        engagement_title: "住民記録システム運用保守業務委託".into(),
        state: "未対応".into(),
        state_key: "open".into(),
        overdue: full,
        facts: vec![Fact {
            label: "是正期限".into(),
            value: "令和9年4月1日".into(),
        }],
        question: "T-01 アクセス権を定期的に見直していますか".into(),
        rules: if full { vec!["R-8.3.1".into()] } else { vec![] },
        answer: "いいえ".into(),
        corrective_action: if full {
            "権限を見直す".into()
        } else {
            String::new()
        },
        risk_reason: if full {
            "代替策あり".into()
        } else {
            String::new()
        },
        refusal: full.then(|| "自分が担当する指摘事項のリスクは自分で受容できません".into()),
        corrective: full.then(|| CorrectiveFormView {
            action: "/findings/f1#corrective".into(),
            errors: errors(),
            corrective_action: "権限を見直す".into(),
            corrective_action_error: Some("記入してください".into()),
            due_on: "令和9年4月1日".into(),
            due_on_error: Some("日付を入力してください".into()),
            states: radios(),
            state_error: Some("選んでください".into()),
            refusal: Some("完了した指摘事項は変更できません".into()),
        }),
        risk: full.then(|| RiskFormView {
            action: "/findings/f1/risk-acceptance#risk".into(),
            errors: errors(),
            reason: "代替策あり".into(),
            reason_error: Some("記入してください".into()),
            refusal: Some("自分が担当する指摘事項のリスクは自分で受容できません".into()),
        }),
    }
}

fn send_check(full: bool) -> SendCheckView {
    SendCheckView {
        action: "/engagements/e1/checks".into(),
        contacts: vec![option(true)],
        questionnaires: vec![option(false)],
        due_on: if full { "R9.4.1".into() } else { String::new() },
        due_on_hint: "例：令和9年4月1日".into(),
        errors: if full { errors() } else { vec![] },
        contact_error: full.then(|| "連絡先を選んでください".into()),
        questionnaire_error: full.then(|| "点検票を選んでください".into()),
        due_on_error: full.then(|| "日付を入力してください".into()),
        refusal: full.then(|| "未完了の点検が既にあります".into()),
    }
}

/// Renders the check and finding pages, and the engagement's page with the send form and
/// findings, against samples taking each branch, in both languages.
pub fn check(pages: &StaffPages) -> Result<(), TemplateError> {
    for lang in [Lang::Ja, Lang::En] {
        let mut c = chrome(lang, true);
        c.section = Some(Section::Checks);
        for full in [false, true] {
            pages.render_checked(Page::Check, &c, &check_page(full))?;
            pages.render_checked(
                Page::Checks,
                &c,
                &ChecksView {
                    states: vec![option(true)],
                    vendors: vec![option(false)],
                    engagement_id: if full { "e1".into() } else { String::new() },
                    rows: if full {
                        vec![CheckListRow {
                            href: "/checks/c1".into(),
                            engagement: "住民記録システム運用保守業務委託".into(),
                            engagement_href: "/engagements/e1".into(),
                            vendor: "株式会社港システム".into(),
                            questionnaire: "定期点検票".into(),
                            state: "提出済み".into(),
                            state_key: "submitted".into(),
                            due_on: "令和9年4月1日".into(),
                            score: "80".into(),
                        }]
                    } else {
                        vec![]
                    },
                    errors: if full { vec![] } else { errors() },
                    pager: pager(full),
                    csv_href: "/checks/export.csv".into(),
                },
            )?;
            pages.render_checked(Page::Finding, &c, &finding_page(full))?;
            pages.render_checked(
                Page::Findings,
                &c,
                &FindingsView {
                    states: vec![option(true)],
                    vendors: vec![OptionView {
                        value: "v1".into(),
                        label: "株式会社港システム".into(),
                        selected: false,
                    }],
                    mine: full,
                    engagement_id: if full { "e1".into() } else { String::new() },
                    rows: if full {
                        vec![finding_row(true), finding_row(false)]
                    } else {
                        vec![]
                    },
                    errors: if full { vec![] } else { errors() },
                    pager: pager(full),
                    csv_href: "/findings/export.csv".into(),
                },
            )?;
            let mut view = engagement(full);
            view.send_check = Some(send_check(full));
            view.findings = if full {
                vec![finding_row(false)]
            } else {
                vec![]
            };
            pages.render_checked(Page::Engagement, &c, &view)?;
        }
    }
    Ok(())
}

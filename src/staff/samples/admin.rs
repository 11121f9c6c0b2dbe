//! Samples of the administration and audit log pages, taking every branch, and the labels
//! their code picks by key.

use super::super::views::admin::*;
use super::super::views::{Fact, FormError, OptionView, PagerView};
use super::super::{Page, StaffPages};
use super::chrome;
use crate::i18n::Lang;
use crate::render::TemplateError;

/// The label keys the administration and audit log pages' code asks for.
pub const CODE_KEYS: &[&str] = &[
    "admin.nav",
    "admin.tab_users",
    "admin.tab_divisions",
    "admin.tab_review",
    "admin.tab_outbox",
    "admin.tab_sweep",
    "admin_users.title",
    "admin_users.count",
    "admin_users.active",
    "admin_users.inactive",
    "admin_users.never",
    "admin_users.second_factor_on",
    "admin_users.second_factor_off",
    "admin_users.email",
    "admin_users.roles",
    "admin_users.divisions",
    "admin_users.state",
    "admin_users.col_last_sign_in",
    "admin_users.col_second_factor",
    "admin_users.new_title",
    "admin_users.created_title",
    "admin_users.lang_ja",
    "admin_users.lang_en",
    "admin_users.confirm_needed",
    "admin_users.own_account",
    "admin_divisions.title",
    "admin_review.title",
    "admin_review.due",
    "admin_review.overdue",
    "admin_review.last",
    "admin_review.last_note",
    "admin_review.counts",
    "admin_review.stale",
    "admin_review.token",
    "admin_review.token_unused",
    "admin_outbox.title",
    "admin_outbox.sent_at",
    "admin_outbox.next_at",
    "admin_outbox.statuses.pending",
    "admin_outbox.statuses.sent",
    "admin_outbox.statuses.failed",
    "admin_sweep.title",
    "admin_sweep.today",
    "admin_sweep.deadlines",
    "admin_sweep.checks_issued",
    "admin_sweep.reminders",
    "admin_sweep.messages",
    "admin_sweep.count",
    "admin_sweep.escalated_yes",
    "admin_sweep.escalated_no",
    "admin_sweep.stages.before",
    "admin_sweep.stages.due",
    "admin_sweep.stages.overdue",
    "admin_sweep.stages.escalation",
    "admin_sweep.stages.end",
    "audit.nav",
    "audit.title",
    "audit.intact",
    "audit.empty",
    "audit.head",
    "audit.broken",
    "audit.intact_until",
    "audit.break_changed",
    "audit.break_missing_after",
    "audit.break_missing_start",
    "audit.break_inserted",
    "audit.break_head",
    "flash_admin.user_updated",
    "flash_admin.deactivated",
    "flash_admin.reactivated",
    "flash_admin.second_factor_reset",
    "flash_admin.division_registered",
    "flash_admin.review_confirmed",
    "flash_admin.retried",
    "flash_admin.swept",
];

fn tabs() -> Vec<TabView> {
    vec![
        TabView {
            href: "/admin/users".into(),
            label: "職員アカウント".into(),
            current: true,
        },
        TabView {
            href: "/admin/outbox".into(),
            label: "メール送信状況".into(),
            current: false,
        },
    ]
}

fn errors(field: &str) -> Vec<FormError> {
    vec![FormError {
        field: field.into(),
        message: "入力してください".into(),
    }]
}

fn option(selected: bool) -> OptionView {
    OptionView {
        value: "security_officer".into(),
        label: "セキュリティ責任者".into(),
        selected,
    }
}

fn checkbox(checked: bool) -> CheckboxView {
    CheckboxView {
        id: "role-security_officer".into(),
        value: "security_officer".into(),
        label: "セキュリティ責任者（ROLE-SO）".into(),
        checked,
    }
}

fn fields(full: bool) -> AccountFieldsView {
    let error = (!full).then(|| "入力してください".to_string());
    AccountFieldsView {
        email: "hanako@city.example".into(),
        display_name: "港 花子".into(),
        roles: vec![checkbox(true), checkbox(false)],
        divisions: if full { vec![checkbox(true)] } else { vec![] },
        email_error: error.clone(),
        display_name_error: error.clone(),
        roles_error: error.clone(),
        divisions_error: error,
    }
}

fn fact() -> Fact {
    Fact {
        label: "基準日".into(),
        value: "令和9年4月1日".into(),
    }
}

fn pager(full: bool) -> PagerView {
    PagerView {
        summary: "全1件中 1〜1件を表示".into(),
        previous: full.then(|| "?page=1".into()),
        next: full.then(|| "?page=3".into()),
    }
}

/// Renders every administration and audit log page against samples that take each
/// branch, in both languages.
pub fn check(pages: &StaffPages) -> Result<(), TemplateError> {
    for lang in [Lang::Ja, Lang::En] {
        let c = chrome(lang, true);
        for full in [false, true] {
            let message = |m: &str| full.then(|| m.to_string());
            let tabs = if full { tabs() } else { vec![] };
            pages.render_checked(
                Page::AdminUsers,
                &c,
                &UsersView {
                    tabs: tabs.clone(),
                    roles: vec![option(true), option(false)],
                    divisions: vec![option(false)],
                    actives: vec![option(false)],
                    rows: if full {
                        vec![UserRowView {
                            href: "/admin/users/u1".into(),
                            name: "港 花子".into(),
                            email: "hanako@city.example".into(),
                            roles: vec!["セキュリティ責任者".into(), "CSIRT".into()],
                            divisions: vec!["総務課".into()],
                            state: "有効".into(),
                            state_key: "active".into(),
                            last_sign_in: "令和9年4月1日 09:00".into(),
                            second_factor: "設定済み".into(),
                        }]
                    } else {
                        vec![]
                    },
                    summary: "1人".into(),
                    errors: if full { vec![] } else { errors("role") },
                },
            )?;
            pages.render_checked(
                Page::AdminUserNew,
                &c,
                &UserNewView {
                    tabs: tabs.clone(),
                    action: "/admin/users/new".into(),
                    fields: fields(full),
                    errors: if full { vec![] } else { errors("email") },
                },
            )?;
            pages.render_checked(
                Page::AdminUserCreated,
                &c,
                &UserCreatedView {
                    tabs: tabs.clone(),
                    name: "港 花子".into(),
                    email: "hanako@city.example".into(),
                    password: "abcd-efgh-ijkl".into(),
                    user_href: "/admin/users/u1".into(),
                },
            )?;
            for (own, active, second_factor) in [(false, full, full), (full, !full, !full)] {
                pages.render_checked(
                    Page::AdminUser,
                    &c,
                    &UserView {
                        tabs: tabs.clone(),
                        facts: vec![fact()],
                        action: "/admin/users/u1".into(),
                        fields: fields(full),
                        languages: vec![checkbox(true)],
                        errors: if full { vec![] } else { errors("roles") },
                        refusal: message("自分の二要素認証は自分でリセットできません"),
                        active,
                        own,
                        second_factor,
                        deactivate_error: message("確認のチェックを入れてください"),
                        reset_error: message("確認のチェックを入れてください"),
                    },
                )?;
            }
            pages.render_checked(
                Page::AdminDivisions,
                &c,
                &DivisionsView {
                    tabs: tabs.clone(),
                    rows: if full {
                        vec![DivisionRowView {
                            code: "somu".into(),
                            name: "総務課".into(),
                        }]
                    } else {
                        vec![]
                    },
                    action: "/admin/divisions".into(),
                    code: "somu".into(),
                    name: "総務課".into(),
                    code_error: message("既に登録されています"),
                    name_error: message("入力してください"),
                    errors: if full { errors("code") } else { vec![] },
                },
            )?;
            pages.render_checked(
                Page::AccessReview,
                &c,
                &AccessReviewView {
                    tabs: tabs.clone(),
                    due: "次回の確認期限：令和9年4月1日".into(),
                    overdue: full,
                    last: message("前回の確認：令和9年1月4日（港 花子）"),
                    last_note: message("前回のメモ：異動者を無効化"),
                    counts: "アカウント 3件".into(),
                    rows: vec![ReviewRowView {
                        href: if full {
                            "/admin/users/u1".into()
                        } else {
                            String::new()
                        },
                        name: "港 花子".into(),
                        email: "hanako@city.example".into(),
                        roles: vec!["監査を実施する者".into()],
                        divisions: vec![],
                        state: "有効".into(),
                        state_key: "active".into(),
                        last_sign_in: "なし".into(),
                        tokens: if full {
                            vec!["連携（未使用）".into()]
                        } else {
                            vec![]
                        },
                        stale: message("令和9年1月4日から使われていません"),
                    }],
                    can_confirm: full,
                    action: "/admin/access-review".into(),
                    note: "確認".into(),
                    note_error: message("長すぎます"),
                    errors: if full { errors("note") } else { vec![] },
                },
            )?;
            pages.render_checked(
                Page::Outbox,
                &c,
                &OutboxView {
                    tabs: tabs.clone(),
                    statuses: vec![option(full)],
                    rows: if full {
                        vec![
                            OutboxRowView {
                                to: "hanako@city.example".into(),
                                subject: "【港区】期限のお知らせ".into(),
                                status: "送信失敗".into(),
                                status_key: "failed".into(),
                                attempts: "8".into(),
                                created: "令和9年4月1日 09:00".into(),
                                next_attempt: String::new(),
                                sent: String::new(),
                                last_error: "connection refused".into(),
                                retry: Some("/admin/outbox/m1/retry".into()),
                            },
                            OutboxRowView {
                                to: "taro@city.example".into(),
                                subject: "【港区】期限のお知らせ".into(),
                                status: "送信済み".into(),
                                status_key: "sent".into(),
                                attempts: "1".into(),
                                created: "令和9年4月1日 09:00".into(),
                                next_attempt: "次の試行：令和9年4月1日 09:05".into(),
                                sent: "送信：令和9年4月1日 09:01".into(),
                                last_error: String::new(),
                                retry: None,
                            },
                        ]
                    } else {
                        vec![]
                    },
                    pager: pager(full),
                    errors: if full { vec![] } else { errors("status") },
                    refusal: message("送信に失敗したメッセージだけを再送できます"),
                },
            )?;
            pages.render_checked(
                Page::Sweep,
                &c,
                &SweepView {
                    tabs: tabs.clone(),
                    action: "/admin/sweep".into(),
                    plan: full.then(|| vec![fact()]),
                    planned: if full {
                        vec![PlannedView {
                            recipient: "港 花子".into(),
                            email: "hanako@city.example".into(),
                            what: "契約の締結（R-8.2）".into(),
                            engagement: "庁舎清掃業務".into(),
                            due_on: "令和9年4月1日".into(),
                            stage: "期限の14日前".into(),
                            escalated: "いいえ".into(),
                        }]
                    } else {
                        vec![]
                    },
                    result: full.then(|| vec![fact()]),
                },
            )?;
            pages.render_checked(
                Page::Sweep,
                &c,
                &SweepView {
                    tabs: tabs.clone(),
                    action: "/admin/sweep".into(),
                    plan: Some(vec![fact()]),
                    planned: vec![],
                    result: None,
                },
            )?;
            pages.render_checked(
                Page::AuditLog,
                &c,
                &AuditLogView {
                    from: "2027-04-01".into(),
                    until: String::new(),
                    actors: vec![option(full)],
                    action: "user.".into(),
                    target_type: String::new(),
                    target_id: String::new(),
                    rows: if full {
                        vec![AuditRowView {
                            seq: "12".into(),
                            at: "令和9年4月1日 09:00".into(),
                            actor: "hanako@city.example".into(),
                            action: "職員を登録".into(),
                            code: "user.create".into(),
                            target: "user u1".into(),
                            address: "192.0.2.1".into(),
                        }]
                    } else {
                        vec![]
                    },
                    pager: pager(full),
                    errors: if full { vec![] } else { errors("from") },
                    refusal: message("自分の操作を自分で監査することはできません（R-11.1.3）"),
                    verification: VerificationView {
                        intact: full,
                        message: "監査ログは改ざんされていません。".into(),
                        head: "最新の記録（12番）のハッシュ値：abc".into(),
                    },
                    csv_href: "/audit-log/export.csv".into(),
                    access_review_href: full.then(|| "/admin/access-review".into()),
                },
            )?;
        }
    }
    Ok(())
}

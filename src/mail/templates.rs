//! The email templates (built in from email_templates/, each replaceable by a file of the
//! same name in `email_templates_dir`), checked at start-up, and the emails rendered from
//! them: the reminder digest, and the vendor portal's questionnaire request and
//! acceptance.
//!
//! Each email has three templates per language: `<name>.subject.hbs`, `<name>.text.hbs`
//! and `<name>.html.hbs`. The subject and the text part print values as they are; the HTML
//! part escapes every value. Strict mode: a template naming a variable that does not exist
//! fails at start-up, with its file. Every text of an email is in its templates (one per
//! language), so the emails need no labels file.

use std::path::Path;

use chrono::NaiveDate;
use rust_embed::RustEmbed;
use serde_json::{json, Value};

use crate::domain::wareki;
use crate::i18n::Lang;
use crate::render::{Escape, TemplateSource, Templates};

pub use crate::render::TemplateError;

#[derive(RustEmbed)]
#[folder = "email_templates/"]
struct Builtin;

const LANGS: [(Lang, &str); 2] = [(Lang::Ja, "ja"), (Lang::En, "en")];
pub const REMINDER_DIGEST: &str = "reminder_digest";
pub const CHECK_REQUEST: &str = "check_request";
pub const CHECK_ACCEPTED: &str = "check_accepted";
pub const END_OF_TERM_NOTICE: &str = "end_of_term_notice";
pub const RESPONSIBILITY_REQUEST: &str = "responsibility_request";
pub const SUBPROCESSOR_LINK: &str = "subprocessor_link";

/// The values an email's templates are checked against at start-up, covering every branch
/// the templates can take.
type Samples = fn() -> Vec<Value>;

/// Every email, with its samples.
const EMAILS: [(&str, Samples); 6] = [
    (REMINDER_DIGEST, digest_samples),
    (CHECK_REQUEST, check_request_samples),
    (CHECK_ACCEPTED, check_accepted_samples),
    (END_OF_TERM_NOTICE, end_of_term_notice_samples),
    (RESPONSIBILITY_REQUEST, responsibility_request_samples),
    (SUBPROCESSOR_LINK, subprocessor_link_samples),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Subject,
    Text,
    Html,
}

const PARTS: [Part; 3] = [Part::Subject, Part::Text, Part::Html];

impl Part {
    fn suffix(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Text => "text",
            Part::Html => "html",
        }
    }

    fn escapes_html(self) -> bool {
        self == Part::Html
    }

    fn escape(self) -> Escape {
        if self.escapes_html() {
            Escape::Html
        } else {
            Escape::Verbatim
        }
    }
}

/// One email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// One line.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a reminder digest says to one person.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DigestContext {
    /// 港区
    pub organization: String,
    pub recipient_name: String,
    /// Public base URL, no trailing slash.
    pub base_url: String,
    pub items: Vec<DigestItem>,
    pub overdue_count: usize,
    pub escalated_count: usize,
    /// Items not listed because the digest lists at most a screenful (the rest are in
    /// the deadline view).
    pub more_count: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DigestItem {
    pub engagement_title: String,
    pub vendor_name: String,
    /// Already in the recipient's language, e.g. `定期点検（ ）`.
    pub what: String,
    pub rule_id: String,
    /// Already formatted for the language (see [`format_due`]).
    pub due_on: String,
    /// Days until due (negative: overdue).
    pub days: i64,
    /// `upcoming`, `due_today` or `overdue`.
    pub state: String,
    /// The recipient gets this because it is overdue and they are the escalation level.
    pub escalated: bool,
    /// For escalated items: who owes it.
    pub owner_name: Option<String>,
    /// Absolute URL.
    pub link: String,
}

/// The questionnaire request sent to a vendor contact with their portal link (R-8.3.2,
/// ), and sent again with `returned` when the officer returns the submitted
/// check for correction.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckRequestContext {
    /// 港区
    pub organization: String,
    /// The vendor's contact person, to whom it is sent.
    pub contact_name: String,
    pub vendor_name: String,
    pub engagement_title: String,
    pub questionnaire_title: String,
    /// Already formatted for the language (see [`format_due`]).
    pub due_on: String,
    /// Absolute URL of the portal link. Secret: it holds the token.
    pub link: String,
    /// Already formatted for the language.
    pub link_expires_on: String,
    /// The officer returned the submitted check for correction.
    pub returned: bool,
    /// The officer's comment on the whole check, when returned.
    pub comment: Option<String>,
    /// The officer's comments per question, when returned (may be empty).
    pub corrections: Vec<CorrectionItem>,
    /// The responsible officer: whom the vendor asks.
    pub officer_name: String,
    /// The end-of-term attestation, not a periodic check.
    pub end_of_term: bool,
    /// Sent again, with a new link, 7 days before the due date.
    pub reminder_soon: bool,
    /// Sent again, with a new link, on the due date (or the first sweep after it).
    pub reminder_due: bool,
}

/// Asks a cloud provider's contact to confirm a version of the division of
/// responsibility through its portal link.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResponsibilityRequestContext {
    pub organization: String,
    pub contact_name: String,
    pub vendor_name: String,
    pub engagement_title: String,
    pub version: i32,
    /// Absolute URL of the portal link. Secret: it holds the token.
    pub link: String,
    /// Already formatted for the language.
    pub link_expires_on: String,
    /// The responsible system administrator: whom the provider asks.
    pub officer_name: String,
}

/// Sends a cloud provider's contact the link to report changes of subprocessors through.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubprocessorLinkContext {
    pub organization: String,
    pub contact_name: String,
    pub vendor_name: String,
    pub engagement_title: String,
    /// Absolute URL of the portal link. Secret: it holds the token.
    pub link: String,
    pub link_expires_on: String,
    pub officer_name: String,
}

fn subprocessor_link_samples() -> Vec<Value> {
    vec![to_value(&SubprocessorLinkContext {
        organization: "港区".into(),
        contact_name: "田中 太郎".into(),
        vendor_name: "株式会社サンプル".into(),
        engagement_title: "財務会計システム（SaaS）".into(),
        link: "https://itaku.example/portal/subprocessors/abc".into(),
        link_expires_on: "令和9年7月1日".into(),
        officer_name: "山田 花子".into(),
    })]
}

fn responsibility_request_samples() -> Vec<Value> {
    vec![to_value(&ResponsibilityRequestContext {
        organization: "港区".into(),
        contact_name: "田中 太郎".into(),
        vendor_name: "株式会社サンプル".into(),
        engagement_title: "財務会計システム（SaaS）".into(),
        version: 2,
        link: "https://itaku.example/portal/responsibility/abc".into(),
        link_expires_on: "令和9年5月1日".into(),
        officer_name: "山田 花子".into(),
    })]
}

/// Tells the responsible officer that an engagement reached its end: the
/// attestation asked of the vendor, or the closing approval asked for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EndOfTermNoticeContext {
    /// 港区
    pub organization: String,
    pub recipient_name: String,
    pub engagement_title: String,
    pub vendor_name: String,
    /// It ended early (`terminated`), rather than at its end date.
    pub terminated: bool,
    /// The attestation was sent to the vendor's contact.
    pub attestation_sent: bool,
    pub contact_name: String,
    /// The attestation's due date, already formatted for the language.
    pub due_on: String,
    /// Absolute URL of the engagement's page.
    pub link: String,
}

/// The officer's comment on one question of a returned check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CorrectionItem {
    pub question_id: String,
    pub comment: String,
}

/// Tells the vendor contact that the officer accepted their answers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckAcceptedContext {
    /// 港区
    pub organization: String,
    pub contact_name: String,
    pub vendor_name: String,
    pub engagement_title: String,
    pub questionnaire_title: String,
    /// Non-conforming answers that became findings: the officer will contact the vendor
    /// about corrective actions for them.
    pub findings_count: usize,
    pub officer_name: String,
}

/// A due date as the email writes it: `令和9年4月1日` or `1 April 2027`.
pub fn format_due(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Ja => wareki::format_wareki(date),
        Lang::En => wareki::format_english(date),
    }
}

pub struct EmailTemplates {
    /// Subjects and text parts: values printed as they are.
    plain: Templates,
    /// HTML parts: every value escaped.
    html: Templates,
}

fn template_name(lang: &str, email: &str, part: Part) -> String {
    format!("{lang}/{email}.{}", part.suffix())
}

/// The values a digest template sees: the [`DigestContext`] fields, and on each item also
/// `days_overdue` (how many days late, 0 when not overdue).
fn digest_value(ctx: &DigestContext) -> Value {
    let mut value = serde_json::to_value(ctx).expect("a digest serialises");
    if let Some(items) = value["items"].as_array_mut() {
        for (item, source) in items.iter_mut().zip(&ctx.items) {
            item["days_overdue"] = json!((-source.days).max(0));
        }
    }
    value
}

/// Digests covering every branch the templates can take: each state, escalated with and
/// without an owner, one item and several, nothing overdue and all overdue.
fn sample_digests() -> Vec<DigestContext> {
    let item = |state: &str, days: i64, escalated: bool, owner: Option<&str>| DigestItem {
        engagement_title: "住民情報システム運用保守業務".into(),
        vendor_name: "株式会社サンプル".into(),
        what: "定期点検（R-8.3.2）".into(),
        rule_id: "R-8.3.2".into(),
        due_on: "令和9年4月1日".into(),
        days,
        state: state.into(),
        escalated,
        owner_name: owner.map(str::to_string),
        link: "https://itaku.example/engagements/1".into(),
    };
    let digest = |items: Vec<DigestItem>| DigestContext {
        organization: "港区".into(),
        recipient_name: "山田 花子".into(),
        base_url: "https://itaku.example".into(),
        overdue_count: items.iter().filter(|i| i.state == "overdue").count(),
        escalated_count: items.iter().filter(|i| i.escalated).count(),
        more_count: items.len() % 2 * 120,
        items,
    };
    vec![
        digest(vec![
            item("upcoming", 3, false, None),
            item("upcoming", 1, false, None),
            item("due_today", 0, false, None),
            item("overdue", -1, false, None),
            item("overdue", -12, true, Some("鈴木 一郎")),
            item("overdue", -2, true, None),
        ]),
        digest(vec![item("upcoming", 7, false, None)]),
        digest(vec![item("overdue", -1, true, Some("鈴木 一郎"))]),
        digest(vec![]),
    ]
}

fn digest_samples() -> Vec<Value> {
    sample_digests().iter().map(digest_value).collect()
}

fn to_value<T: serde::Serialize>(ctx: &T) -> Value {
    serde_json::to_value(ctx).expect("an email context serialises")
}

/// Requests covering every branch: issued, and returned with and without a comment, with
/// and without per-question corrections; an attestation; both reminders.
fn check_request_samples() -> Vec<Value> {
    let request = |returned: bool, comment: Option<&str>, corrections: usize| CheckRequestContext {
        organization: "港区".into(),
        contact_name: "田中 太郎".into(),
        vendor_name: "株式会社サンプル".into(),
        engagement_title: "住民情報システム運用保守業務".into(),
        questionnaire_title: "業務委託 定期点検票".into(),
        due_on: "令和9年4月1日".into(),
        link: "https://itaku.example/portal/token".into(),
        link_expires_on: "令和9年5月1日".into(),
        returned,
        comment: comment.map(str::to_string),
        corrections: (1..=corrections)
            .map(|i| CorrectionItem {
                question_id: format!("HUM-0{i}"),
                comment: "証跡を添付してください。".into(),
            })
            .collect(),
        officer_name: "山田 花子".into(),
        end_of_term: false,
        reminder_soon: false,
        reminder_due: false,
    };
    let attestation = CheckRequestContext {
        end_of_term: true,
        questionnaire_title: "委託終了時の情報の返還・廃棄・消去 報告書".into(),
        ..request(false, None, 0)
    };
    [
        request(false, None, 0),
        request(true, Some("設問への回答をご確認ください。"), 2),
        request(true, Some("署名欄をご確認ください。"), 0),
        request(true, None, 1),
        request(true, None, 0),
        attestation.clone(),
        CheckRequestContext {
            reminder_soon: true,
            ..attestation.clone()
        },
        CheckRequestContext {
            reminder_due: true,
            ..request(false, None, 0)
        },
    ]
    .iter()
    .map(to_value)
    .collect()
}

/// Notices with and without an attestation, at the end date and at an early end.
fn end_of_term_notice_samples() -> Vec<Value> {
    let notice = |terminated: bool, attestation_sent: bool| EndOfTermNoticeContext {
        organization: "港区".into(),
        recipient_name: "山田 花子".into(),
        engagement_title: "住民情報システム運用保守業務".into(),
        vendor_name: "株式会社サンプル".into(),
        terminated,
        attestation_sent,
        contact_name: "田中 太郎".into(),
        due_on: "令和9年4月30日".into(),
        link: "https://itaku.example/engagements/1".into(),
    };
    [
        notice(false, true),
        notice(true, true),
        notice(false, false),
        notice(true, false),
    ]
    .iter()
    .map(to_value)
    .collect()
}

/// Acceptances with no finding, one and several.
fn check_accepted_samples() -> Vec<Value> {
    [0, 1, 3]
        .into_iter()
        .map(|findings_count| {
            to_value(&CheckAcceptedContext {
                organization: "港区".into(),
                contact_name: "田中 太郎".into(),
                vendor_name: "株式会社サンプル".into(),
                engagement_title: "住民情報システム運用保守業務".into(),
                questionnaire_title: "業務委託 定期点検票".into(),
                findings_count,
                officer_name: "山田 花子".into(),
            })
        })
        .collect()
}

impl EmailTemplates {
    /// The built-in templates, checked.
    pub fn load() -> Result<EmailTemplates, TemplateError> {
        EmailTemplates::load_from(None)
    }

    /// Loads every template for every language, each from `override_dir` when it has a
    /// file of the same relative name (`ja/check_request.subject.hbs`), and checks that it
    /// renders against every sample of its email; the first problem is returned with its
    /// file. A file in `override_dir` that is not one of the templates is refused.
    pub fn load_from(override_dir: Option<&Path>) -> Result<EmailTemplates, TemplateError> {
        let mut source = TemplateSource::open::<Builtin>(
            "email_templates",
            "email_templates_dir",
            override_dir,
        )?;
        let mut plain = Templates::new(Part::Text.escape());
        let mut html = Templates::new(Part::Html.escape());
        for (_, lang) in LANGS {
            for (email, samples) in EMAILS {
                let samples = samples();
                for part in PARTS {
                    let name = template_name(lang, email, part);
                    let template = source.require(&format!("{name}.hbs"))?;
                    let target = if part.escapes_html() {
                        &mut html
                    } else {
                        &mut plain
                    };
                    target.register(&name, &template)?;
                    target.check(&name, &samples)?;
                }
            }
        }
        source.finish()?;
        Ok(EmailTemplates { plain, html })
    }

    fn render_part(
        &self,
        lang: Lang,
        email: &str,
        part: Part,
        value: &Value,
    ) -> Result<String, TemplateError> {
        let name = template_name(lang.pick("ja", "en"), email, part);
        let registry = if part.escapes_html() {
            &self.html
        } else {
            &self.plain
        };
        registry.render(&name, value)
    }

    fn render(
        &self,
        lang: Lang,
        email: &str,
        value: &Value,
    ) -> Result<RenderedEmail, TemplateError> {
        let subject = self.render_part(lang, email, Part::Subject, value)?;
        Ok(RenderedEmail {
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: tidy(&self.render_part(lang, email, Part::Text, value)?),
            html: tidy(&self.render_part(lang, email, Part::Html, value)?),
        })
    }

    /// The reminder digest for one person, in their language.
    pub fn render_digest(
        &self,
        lang: Lang,
        ctx: &DigestContext,
    ) -> Result<RenderedEmail, TemplateError> {
        self.render(lang, REMINDER_DIGEST, &digest_value(ctx))
    }

    /// The questionnaire request (or, with `returned`, the request to correct and submit
    /// again) for a vendor contact, in their language.
    pub fn render_check_request(
        &self,
        lang: Lang,
        ctx: &CheckRequestContext,
    ) -> Result<RenderedEmail, TemplateError> {
        self.render(lang, CHECK_REQUEST, &to_value(ctx))
    }

    /// Sends a provider's contact the link to report subprocessor changes through.
    pub fn render_subprocessor_link(
        &self,
        lang: Lang,
        ctx: &SubprocessorLinkContext,
    ) -> Result<RenderedEmail, TemplateError> {
        self.render(lang, SUBPROCESSOR_LINK, &to_value(ctx))
    }

    /// Asks a provider's contact to confirm a division of responsibility, in their
    /// language.
    pub fn render_responsibility_request(
        &self,
        lang: Lang,
        ctx: &ResponsibilityRequestContext,
    ) -> Result<RenderedEmail, TemplateError> {
        self.render(lang, RESPONSIBILITY_REQUEST, &to_value(ctx))
    }

    /// Tells the responsible officer that an engagement reached its end, in their language.
    pub fn render_end_of_term_notice(
        &self,
        lang: Lang,
        ctx: &EndOfTermNoticeContext,
    ) -> Result<RenderedEmail, TemplateError> {
        self.render(lang, END_OF_TERM_NOTICE, &to_value(ctx))
    }

    /// Tells a vendor contact that their answers were accepted, in their language.
    pub fn render_check_accepted(
        &self,
        lang: Lang,
        ctx: &CheckAcceptedContext,
    ) -> Result<RenderedEmail, TemplateError> {
        self.render(lang, CHECK_ACCEPTED, &to_value(ctx))
    }
}

/// Trims the ends of lines and collapses runs of blank lines that template blocks leave
/// behind into one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Source;

    /// Compiles one template and renders it against every sample of its email. `file` names it
    /// in the error.
    fn check_template(
        file: &str,
        source: &str,
        escape_html: bool,
        samples: &[Value],
    ) -> Result<(), TemplateError> {
        let part = if escape_html { Part::Html } else { Part::Text };
        let mut templates = Templates::new(part.escape());
        templates.register(
            file,
            &Source {
                origin: file.to_string(),
                text: source.to_string(),
            },
        )?;
        templates.check(file, samples)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample(lang: Lang, title: &str) -> DigestContext {
        let base = "https://itaku.city.minato.example";
        DigestContext {
            organization: lang.pick("港区", "Minato City").into(),
            recipient_name: lang.pick("山田 花子", "Hanako Yamada").into(),
            base_url: base.into(),
            items: vec![
                DigestItem {
                    engagement_title: title.into(),
                    vendor_name: lang.pick("株式会社ミナト情報", "Minato Joho K.K.").into(),
                    what: lang
                        .pick("定期点検（R-8.3.2）", "Periodic check (R-8.3.2)")
                        .into(),
                    rule_id: "R-8.3.2".into(),
                    due_on: format_due(lang, date(2027, 4, 1)),
                    days: 3,
                    state: "upcoming".into(),
                    escalated: false,
                    owner_name: None,
                    link: format!("{base}/engagements/17"),
                },
                DigestItem {
                    engagement_title: lang
                        .pick(
                            "窓口受付システム保守",
                            "Counter reception system maintenance",
                        )
                        .into(),
                    vendor_name: "R&D Partners".into(),
                    what: lang
                        .pick(
                            "クラウドサービスの定期点検（R-9.3.3）",
                            "Periodic check of the cloud service (R-9.3.3)",
                        )
                        .into(),
                    rule_id: "R-9.3.3".into(),
                    due_on: format_due(lang, date(2027, 3, 17)),
                    days: -12,
                    state: "overdue".into(),
                    escalated: true,
                    owner_name: Some(lang.pick("鈴木 一郎", "Ichiro Suzuki").into()),
                    link: format!("{base}/engagements/23"),
                },
            ],
            overdue_count: 1,
            escalated_count: 1,
            more_count: 0,
        }
    }

    #[test]
    fn built_in_templates_load_and_pass_the_check() {
        EmailTemplates::load().expect("built-in email templates are valid");
    }

    #[test]
    fn japanese_digest() {
        let t = EmailTemplates::load().unwrap();
        let mail = t
            .render_digest(Lang::Ja, &sample(Lang::Ja, "住民情報システム運用保守"))
            .unwrap();
        assert_eq!(
            mail.subject,
            "【港区】委託先管理の期限のお知らせ（2件、うち期限超過1件）"
        );
        let text = &mail.text;
        assert!(text.starts_with("山田 花子 様\n"), "{text}");
        for expected in [
            "住民情報システム運用保守",
            "株式会社ミナト情報",
            "定期点検（R-8.3.2）",
            "令和9年4月1日（あと3日）",
            "令和9年3月17日（12日超過）",
            "（担当: 鈴木 一郎 — 期限超過のためお知らせしています）",
            "https://itaku.city.minato.example/engagements/17",
            "https://itaku.city.minato.example/engagements/23",
            "Itaku",
            "自動",
        ] {
            assert!(text.contains(expected), "{expected} missing in\n{text}");
        }
        assert!(!text.contains("&#"), "{text}");
        let html = &mail.html;
        assert!(html.contains("<html lang=\"ja\">"), "{html}");
        assert!(html.contains("山田 花子 様"), "{html}");
        assert!(html.contains("12日超過"), "{html}");
        assert!(html.contains("鈴木 一郎"), "{html}");
        assert!(html.contains("R&amp;D Partners"), "{html}");
    }

    #[test]
    fn r_5_5_3_6_the_access_review_item_has_no_empty_vendor_line() {
        let t = EmailTemplates::load().unwrap();
        for lang in [Lang::Ja, Lang::En] {
            let mut ctx = sample(lang, "x");
            ctx.items[0].vendor_name = String::new();
            ctx.items[0].engagement_title = lang.pick("アクセス権の見直し", "Access review").into();
            let mail = t.render_digest(lang, &ctx).unwrap();
            let vendor_lines = mail
                .text
                .lines()
                .filter(|l| l.trim_start().starts_with(lang.pick("委託先:", "Vendor:")))
                .count();
            assert_eq!(
                vendor_lines, 1,
                "only the item with a vendor:\n{}",
                mail.text
            );
            assert!(!mail.html.contains("#57606a;\"></span>"), "{}", mail.html);
        }
    }

    #[test]
    fn english_digest() {
        let t = EmailTemplates::load().unwrap();
        let mail = t
            .render_digest(Lang::En, &sample(Lang::En, "Resident records operation"))
            .unwrap();
        assert_eq!(
            mail.subject,
            "[Minato City] Vendor management deadlines: 2 items, 1 overdue"
        );
        let text = &mail.text;
        assert!(text.starts_with("Dear Hanako Yamada,\n"), "{text}");
        for expected in [
            "Resident records operation",
            "Periodic check (R-8.3.2)",
            "1 April 2027 (in 3 days)",
            "17 March 2027 (12 days overdue)",
            "(Owner: Ichiro Suzuki. You are receiving this because it is overdue.)",
            "https://itaku.city.minato.example/engagements/23",
        ] {
            assert!(text.contains(expected), "{expected} missing in\n{text}");
        }
        assert!(mail.html.contains("<html lang=\"en\">"), "{}", mail.html);
        assert!(mail.html.contains("12 days overdue"), "{}", mail.html);
    }

    #[test]
    fn english_uses_the_singular_for_one() {
        let t = EmailTemplates::load().unwrap();
        let mut ctx = sample(Lang::En, "Title");
        ctx.items.truncate(1);
        ctx.items[0].days = 1;
        ctx.overdue_count = 0;
        ctx.escalated_count = 0;
        let mail = t.render_digest(Lang::En, &ctx).unwrap();
        assert_eq!(
            mail.subject,
            "[Minato City] Vendor management deadlines: 1 item"
        );
        assert!(mail.text.contains("(in 1 day)"), "{}", mail.text);

        ctx.items[0].days = 0;
        ctx.items[0].state = "due_today".into();
        let mail = t.render_digest(Lang::En, &ctx).unwrap();
        assert!(mail.text.contains("(due today)"), "{}", mail.text);
        let ja = t.render_digest(Lang::Ja, &ctx).unwrap();
        assert_eq!(
            ja.subject,
            "【Minato City】委託先管理の期限のお知らせ（1件）"
        );
        assert!(ja.text.contains("（本日が期限）"), "{}", ja.text);
    }

    #[test]
    fn html_escapes_values_and_text_does_not() {
        let t = EmailTemplates::load().unwrap();
        for lang in [Lang::Ja, Lang::En] {
            let mail = t
                .render_digest(lang, &sample(lang, "<script>alert(1)</script> A&B"))
                .unwrap();
            assert!(!mail.html.contains("<script>"), "{}", mail.html);
            assert!(mail.html.contains("&lt;script&gt;"), "{}", mail.html);
            assert!(
                mail.text.contains("<script>alert(1)</script> A&B"),
                "{}",
                mail.text
            );
            assert!(mail.text.contains("R&D Partners"), "{}", mail.text);
            assert!(!mail.text.contains("&amp;"), "{}", mail.text);
            assert!(!mail.subject.contains('\n'));
        }
    }

    const PORTAL_LINK: &str = "https://itaku.city.minato.example/portal/Zx8_q-41LmN0pRsT";

    fn check_request(lang: Lang, returned: bool) -> CheckRequestContext {
        CheckRequestContext {
            organization: lang.pick("港区", "Minato City").into(),
            contact_name: lang.pick("田中 太郎", "Taro Tanaka").into(),
            vendor_name: "R&D Partners".into(),
            engagement_title: lang
                .pick("住民情報システム運用保守", "Resident records operation")
                .into(),
            questionnaire_title: lang
                .pick("業務委託 定期点検票", "Outsourcing periodic check")
                .into(),
            due_on: format_due(lang, date(2027, 4, 1)),
            link: PORTAL_LINK.into(),
            link_expires_on: format_due(lang, date(2027, 5, 1)),
            returned,
            comment: returned.then(|| {
                lang.pick(
                    "証跡の添付漏れがあります。\nご確認ください。",
                    "Some evidence is missing.\nPlease check.",
                )
                .into()
            }),
            corrections: if returned {
                vec![
                    CorrectionItem {
                        question_id: "HUM-01".into(),
                        comment: lang
                            .pick(
                                "最新の従事者名簿を添付してください。",
                                "Attach the current roster.",
                            )
                            .into(),
                    },
                    CorrectionItem {
                        question_id: "PHY-02".into(),
                        comment: lang
                            .pick(
                                "入退室記録の期間をご記入ください。",
                                "Give the period of the entry log.",
                            )
                            .into(),
                    },
                ]
            } else {
                vec![]
            },
            officer_name: lang.pick("山田 花子", "Hanako Yamada").into(),
            end_of_term: false,
            reminder_soon: false,
            reminder_due: false,
        }
    }

    #[test]
    fn the_attestation_request_and_the_reminders_say_what_they_are() {
        let t = EmailTemplates::load().unwrap();
        let attestation = CheckRequestContext {
            end_of_term: true,
            questionnaire_title: "委託終了時の情報の返還・廃棄・消去 報告書".into(),
            ..check_request(Lang::Ja, false)
        };
        let mail = t.render_check_request(Lang::Ja, &attestation).unwrap();
        assert!(
            mail.subject
                .contains("返還・廃棄・消去 報告書」ご回答のお願い"),
            "{}",
            mail.subject
        );
        assert_contains_all(
            &mail.text,
            &[
                "委託期間が終了いたしました",
                "再委託先が保有する複製",
                "初期化（フォーマット）だけでは",
            ],
        );
        assert!(!mail.text.contains("定期的"), "{}", mail.text);
        let soon = CheckRequestContext {
            reminder_soon: true,
            ..attestation.clone()
        };
        let mail = t.render_check_request(Lang::Ja, &soon).unwrap();
        assert!(
            mail.subject.contains("回答期限が近づいています"),
            "{}",
            mail.subject
        );
        assert!(
            mail.text
                .contains("回答期限（令和9年4月1日）が近づいております"),
            "{}",
            mail.text
        );
        assert!(mail.html.contains("が近づいております"));
        let due = CheckRequestContext {
            reminder_due: true,
            ..check_request(Lang::En, false)
        };
        let mail = t.render_check_request(Lang::En, &due).unwrap();
        assert!(mail.subject.contains("Now due: "), "{}", mail.subject);
        assert!(
            mail.text.contains("was due on 1 April 2027"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains(PORTAL_LINK));
    }

    #[test]
    fn the_officer_hears_that_an_engagement_reached_its_end() {
        let t = EmailTemplates::load().unwrap();
        let ctx = EndOfTermNoticeContext {
            organization: "港区".into(),
            recipient_name: "山田 花子".into(),
            engagement_title: "住民情報システム運用保守".into(),
            vendor_name: "R&D Partners".into(),
            terminated: false,
            attestation_sent: true,
            contact_name: "田中 太郎".into(),
            due_on: "令和9年4月30日".into(),
            link: "https://itaku.example/engagements/e1".into(),
        };
        let mail = t.render_end_of_term_notice(Lang::Ja, &ctx).unwrap();
        assert_eq!(
            mail.subject,
            "【港区】委託の終了手続を開始しました（住民情報システム運用保守）"
        );
        assert_contains_all(
            &mail.text,
            &[
                "終了手続中",
                "田中 太郎 様に",
                "回答期限は令和9年4月30日",
                "R-8.4.2",
                "https://itaku.example/engagements/e1",
            ],
        );
        assert!(mail.html.contains("R&amp;D Partners"));
        let nothing = EndOfTermNoticeContext {
            attestation_sent: false,
            ..ctx
        };
        let mail = t.render_end_of_term_notice(Lang::En, &nothing).unwrap();
        assert!(
            mail.text
                .contains("A second person has been asked to approve the closing (R-2.6)"),
            "{}",
            mail.text
        );
    }

    fn check_accepted(lang: Lang, findings_count: usize) -> CheckAcceptedContext {
        CheckAcceptedContext {
            organization: lang.pick("港区", "Minato City").into(),
            contact_name: lang.pick("田中 太郎", "Taro Tanaka").into(),
            vendor_name: "R&D Partners".into(),
            engagement_title: lang
                .pick("住民情報システム運用保守", "Resident records operation")
                .into(),
            questionnaire_title: lang
                .pick("業務委託 定期点検票", "Outsourcing periodic check")
                .into(),
            findings_count,
            officer_name: lang.pick("山田 花子", "Hanako Yamada").into(),
        }
    }

    fn assert_contains_all(haystack: &str, needles: &[&str]) {
        for needle in needles {
            assert!(haystack.contains(needle), "{needle} missing in\n{haystack}");
        }
    }

    #[test]
    fn japanese_check_request() {
        let t = EmailTemplates::load().unwrap();
        let mail = t
            .render_check_request(Lang::Ja, &check_request(Lang::Ja, false))
            .unwrap();
        assert_eq!(
            mail.subject,
            "【港区】「業務委託 定期点検票」ご回答のお願い（住民情報システム運用保守、回答期限 令和9年4月1日）"
        );
        let text = &mail.text;
        assert!(text.starts_with("R&D Partners\n田中 太郎 様\n"), "{text}");
        assert_contains_all(
            text,
            &[
                "「業務委託 定期点検票」へのご回答をお願いいたします",
                "■ 委託業務: 住民情報システム運用保守",
                "■ 回答期限: 令和9年4月1日",
                &format!("\n{PORTAL_LINK}\n"),
                "アカウントの登録やログインは不要です",
                "一時保存",
                "田中 太郎 様専用です。他の方への転送や共有はなさらないようお願いいたします",
                "リンクの有効期限は令和9年5月1日までです",
                "担当の山田 花子までお問い合わせください",
            ],
        );
        assert!(!text.contains("修正"), "{text}");
        assert!(!text.contains("&#"), "{text}");
        let html = &mail.html;
        assert_contains_all(
            html,
            &[
                "<html lang=\"ja\">",
                "田中 太郎 様",
                &format!("<a href=\"{PORTAL_LINK}\""),
                "R&amp;D Partners",
                "令和9年5月1日",
            ],
        );
        assert!(!html.contains("担当者からのコメント"), "{html}");
    }

    #[test]
    fn japanese_check_request_returned() {
        let t = EmailTemplates::load().unwrap();
        let mail = t
            .render_check_request(Lang::Ja, &check_request(Lang::Ja, true))
            .unwrap();
        assert_eq!(
            mail.subject,
            "【港区】「業務委託 定期点検票」ご回答の修正のお願い（住民情報システム運用保守、回答期限 令和9年4月1日）"
        );
        let text = &mail.text;
        assert_contains_all(
            text,
            &[
                "ご回答をお戻しいたしました",
                "【担当者からのコメント】\n証跡の添付漏れがあります。\nご確認ください。\n",
                "【修正をお願いする設問】\n・設問 HUM-01: 最新の従事者名簿を添付してください。\n・設問 PHY-02: ",
                "再度点検票を開いてご回答を修正いただけます",
                &format!("\n{PORTAL_LINK}\n"),
                "リンクの有効期限は令和9年5月1日までです",
            ],
        );
        assert_contains_all(
            &mail.html,
            &[
                "担当者からのコメント",
                "設問 HUM-01",
                "最新の従事者名簿を添付してください。",
            ],
        );

        // Returned with neither a comment nor per-question comments.
        let mut ctx = check_request(Lang::Ja, true);
        ctx.comment = None;
        ctx.corrections.clear();
        let mail = t.render_check_request(Lang::Ja, &ctx).unwrap();
        assert!(!mail.text.contains("【"), "{}", mail.text);
        assert!(
            mail.text.contains("ご回答をお戻しいたしました"),
            "{}",
            mail.text
        );
        for absent in ["担当者からのコメント", "修正をお願いする設問"] {
            assert!(!mail.html.contains(absent), "{}", mail.html);
        }
    }

    #[test]
    fn english_check_request() {
        let t = EmailTemplates::load().unwrap();
        let mail = t
            .render_check_request(Lang::En, &check_request(Lang::En, false))
            .unwrap();
        assert_eq!(
            mail.subject,
            "[Minato City] Please answer: Outsourcing periodic check for Resident records operation (due 1 April 2027)"
        );
        let text = &mail.text;
        assert!(text.starts_with("Dear Taro Tanaka,\n"), "{text}");
        assert_contains_all(
            text,
            &[
                "Vendor:        R&D Partners",
                "Due:           1 April 2027",
                &format!("\n{PORTAL_LINK}\n"),
                "You do not need an account",
                "save a draft and continue later",
                "Please do not forward it",
                "The link works until 1 May 2027.",
                "please contact Hanako Yamada at Minato City",
            ],
        );
        assert!(!text.contains("correct"), "{text}");
        assert!(mail.html.contains("<html lang=\"en\">"), "{}", mail.html);

        let mail = t
            .render_check_request(Lang::En, &check_request(Lang::En, true))
            .unwrap();
        assert_eq!(
            mail.subject,
            "[Minato City] Corrections requested: Outsourcing periodic check for Resident records operation (due 1 April 2027)"
        );
        assert_contains_all(
            &mail.text,
            &[
                "has returned them to you",
                "Comment from Hanako Yamada:\nSome evidence is missing.\nPlease check.\n",
                "Questions to correct:\n* Question HUM-01: Attach the current roster.\n",
                "opens the questionnaire again",
                &format!("\n{PORTAL_LINK}\n"),
            ],
        );
    }

    #[test]
    fn check_request_html_escapes_values_and_text_does_not() {
        let t = EmailTemplates::load().unwrap();
        for lang in [Lang::Ja, Lang::En] {
            let mut ctx = check_request(lang, true);
            ctx.engagement_title = "<script>alert(1)</script> A&B".into();
            ctx.comment = Some("<b>bold</b>".into());
            ctx.corrections[0].comment = "<img src=x onerror=alert(1)>".into();
            ctx.contact_name = "O'Brien \"Tom\"".into();
            let mail = t.render_check_request(lang, &ctx).unwrap();
            for raw in ["<script>", "<b>bold", "<img", "O'Brien", "A&B"] {
                assert!(!mail.html.contains(raw), "{raw} in\n{}", mail.html);
            }
            assert_contains_all(
                &mail.html,
                &[
                    "&lt;script&gt;alert(1)&lt;/script&gt; A&amp;B",
                    "&lt;b&gt;bold&lt;/b&gt;",
                    "&lt;img src",
                    "R&amp;D Partners",
                    PORTAL_LINK,
                ],
            );
            assert_contains_all(
                &mail.text,
                &[
                    "<script>alert(1)</script> A&B",
                    "<b>bold</b>",
                    "<img src=x onerror=alert(1)>",
                    "O'Brien \"Tom\"",
                    "R&D Partners",
                    PORTAL_LINK,
                ],
            );
            assert!(!mail.text.contains("&amp;"), "{}", mail.text);
            assert!(!mail.subject.contains('\n'));
            assert!(mail.subject.contains("<script>alert(1)</script> A&B"));

            // A title with a line break still gives a one-line subject.
            ctx.engagement_title = "Line one\nline two".into();
            let mail = t.render_check_request(lang, &ctx).unwrap();
            assert!(!mail.subject.contains('\n'), "{}", mail.subject);
            assert!(
                mail.subject.contains("Line one line two"),
                "{}",
                mail.subject
            );
        }
    }

    #[test]
    fn japanese_check_accepted() {
        let t = EmailTemplates::load().unwrap();
        let mail = t
            .render_check_accepted(Lang::Ja, &check_accepted(Lang::Ja, 3))
            .unwrap();
        assert_eq!(
            mail.subject,
            "【港区】「業務委託 定期点検票」ご回答受理のお知らせ（住民情報システム運用保守）"
        );
        assert!(
            mail.text.starts_with("R&D Partners\n田中 太郎 様\n"),
            "{}",
            mail.text
        );
        assert_contains_all(
            &mail.text,
            &[
                "ご回答を受理いたしました",
                "3件の項目について、是正をお願いしたい点がございます",
                "是正措置につきましては、担当の山田 花子より別途ご連絡いたします",
            ],
        );
        assert_contains_all(
            &mail.html,
            &[
                "<html lang=\"ja\">",
                "<strong>3件</strong>",
                "R&amp;D Partners",
            ],
        );

        let mail = t
            .render_check_accepted(Lang::Ja, &check_accepted(Lang::Ja, 0))
            .unwrap();
        assert!(!mail.text.contains("別途ご連絡"), "{}", mail.text);
        assert!(
            mail.text
                .contains("是正をお願いする項目はございませんでした"),
            "{}",
            mail.text
        );
    }

    #[test]
    fn english_check_accepted() {
        let t = EmailTemplates::load().unwrap();
        let mail = t
            .render_check_accepted(Lang::En, &check_accepted(Lang::En, 3))
            .unwrap();
        assert_eq!(
            mail.subject,
            "[Minato City] Answers accepted: Outsourcing periodic check for Resident records operation"
        );
        assert!(
            mail.text.starts_with("Dear Taro Tanaka,\n"),
            "{}",
            mail.text
        );
        assert_contains_all(
            &mail.text,
            &[
                "Hanako Yamada has reviewed and accepted your answers.",
                "3 items need corrective action. Hanako Yamada will contact you separately about them.",
            ],
        );
        assert!(mail.html.contains("<html lang=\"en\">"), "{}", mail.html);

        let mail = t
            .render_check_accepted(Lang::En, &check_accepted(Lang::En, 1))
            .unwrap();
        assert!(
            mail.text.contains("One item needs corrective action. Hanako Yamada will contact you separately about it."),
            "{}",
            mail.text
        );
        let mail = t
            .render_check_accepted(Lang::En, &check_accepted(Lang::En, 0))
            .unwrap();
        assert!(
            mail.text
                .contains("None of your answers needs corrective action."),
            "{}",
            mail.text
        );
        assert!(!mail.text.contains("will contact you"), "{}", mail.text);
    }

    #[test]
    fn check_accepted_html_escapes_values() {
        let t = EmailTemplates::load().unwrap();
        for lang in [Lang::Ja, Lang::En] {
            let mut ctx = check_accepted(lang, 2);
            ctx.questionnaire_title = "<i>Q</i>".into();
            let mail = t.render_check_accepted(lang, &ctx).unwrap();
            assert!(!mail.html.contains("<i>Q"), "{}", mail.html);
            assert!(mail.html.contains("&lt;i&gt;Q&lt;/i&gt;"), "{}", mail.html);
            assert!(mail.text.contains("<i>Q</i>"), "{}", mail.text);
            assert!(!mail.subject.contains('\n'));
        }
    }

    #[test]
    fn strict_mode_checks_the_portal_emails_in_every_branch() {
        // Only returned samples take this branch, only some of them list corrections.
        let err = check_template(
            "inline.text.hbs",
            "{{#if returned}}{{#each corrections}}{{question}}{{/each}}{{/if}}",
            false,
            &check_request_samples(),
        )
        .unwrap_err();
        assert!(err.reason.contains("question"), "{err}");

        let err = check_template(
            "inline.text.hbs",
            "{{#if findings_count}}{{finding_count}}{{/if}}",
            false,
            &check_accepted_samples(),
        )
        .unwrap_err();
        assert!(err.reason.contains("finding_count"), "{err}");

        // A digest variable is not known to the request.
        check_template(
            "inline.text.hbs",
            "{{recipient_name}}",
            false,
            &check_request_samples(),
        )
        .unwrap_err();
    }

    #[test]
    fn strict_mode_catches_an_unknown_variable() {
        let digests = digest_samples();
        let err =
            check_template("inline.text.hbs", "{{recipient_nam}} 様", false, &digests).unwrap_err();
        assert_eq!(err.file, "inline.text.hbs");
        assert!(err.reason.contains("recipient_nam"), "{err}");

        // Inside the item loop, in a branch only some items take.
        let err = check_template(
            "inline.html.hbs",
            "{{#each items}}{{#if escalated}}{{owner}}{{/if}}{{/each}}",
            true,
            &digests,
        )
        .unwrap_err();
        assert!(err.reason.contains("owner"), "{err}");

        let err =
            check_template("broken.hbs", "{{#if items}}unclosed", false, &digests).unwrap_err();
        assert_eq!(err.file, "broken.hbs");

        check_template(
            "fine.hbs",
            "{{recipient_name}}{{#each items}}{{days_overdue}}{{owner_name}}{{/each}}",
            true,
            &digests,
        )
        .expect("known variables pass");
    }

    fn write(dir: &std::path::Path, relative: &str, text: &str) -> String {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn an_override_template_replaces_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "en/check_accepted.subject.hbs",
            "Accepted: {{questionnaire_title}}\n",
        );
        let t = EmailTemplates::load_from(Some(dir.path())).unwrap();
        let mail = t
            .render_check_accepted(Lang::En, &check_accepted(Lang::En, 1))
            .unwrap();
        assert_eq!(mail.subject, "Accepted: Outsourcing periodic check");
        // The other parts and languages are the built-in ones.
        assert!(
            mail.text
                .contains("Hanako Yamada has reviewed and accepted your answers."),
            "{}",
            mail.text
        );
        let ja = t
            .render_check_accepted(Lang::Ja, &check_accepted(Lang::Ja, 0))
            .unwrap();
        assert_eq!(
            ja.subject,
            "【港区】「業務委託 定期点検票」ご回答受理のお知らせ（住民情報システム運用保守）"
        );
    }

    #[test]
    fn a_broken_override_fails_load_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "ja/reminder_digest.html.hbs",
            "{{#each items}}{{#if escalated}}{{owner}}{{/if}}{{/each}}",
        );
        let err = EmailTemplates::load_from(Some(dir.path())).err().unwrap();
        assert_eq!(err.file, file, "{err}");
        assert!(err.reason.contains("owner"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "en/check_request.text.hbs", "{{#if returned}}");
        let err = EmailTemplates::load_from(Some(dir.path())).err().unwrap();
        assert_eq!(err.file, file, "{err}");
    }

    #[test]
    fn an_unknown_file_or_a_missing_folder_is_refused() {
        for name in [
            "ja/check_request.subjet.hbs",
            "check_request.subject.hbs",
            "fr/check_request.subject.hbs",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let file = write(dir.path(), name, "x");
            let err = EmailTemplates::load_from(Some(dir.path())).err().unwrap();
            assert_eq!(err.file, file, "{err}");
        }
        let missing = tempfile::tempdir().unwrap().path().join("gone");
        let err = EmailTemplates::load_from(Some(&missing)).err().unwrap();
        assert!(err.reason.contains("email_templates_dir"), "{err}");
    }

    #[test]
    fn format_due_in_both_languages() {
        assert_eq!(format_due(Lang::Ja, date(2027, 4, 1)), "令和9年4月1日");
        assert_eq!(format_due(Lang::En, date(2027, 4, 1)), "1 April 2027");
    }

    #[test]
    fn tidy_keeps_single_blank_lines() {
        assert_eq!(tidy("\n\na  \n\n\n\nb\n \nc\n\n"), "a\n\nb\n\nc\n");
    }
}

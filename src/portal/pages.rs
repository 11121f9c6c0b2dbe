//! Renders the portal pages from the Handlebars templates in `portal_templates/` (built
//! in, each replaceable by a file of the same name in `portal_templates_dir`). Every text
//! is put into the view model already in the page's language, so the templates hold
//! markup only; the fixed texts come from `portal_templates/labels/{ja,en}.toml`; every
//! value is HTML-escaped. Strict mode: a template naming a variable that does not exist
//! fails at start-up, with its file, because `load` renders every template against sample
//! pages that take every branch. Rendering never panics: if a template still fails, a
//! minimal built-in page is shown and the error is logged.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use rust_embed::RustEmbed;
use serde::{Deserialize, Serialize};

use super::{
    CheckPage, EvidenceItem, Message, MessagePage, Notice, ResponsibilityEntry, ResponsibilityPage,
    Signature, Submitted, SubprocessorEntry, SubprocessorsPage,
};
use crate::domain::wareki;
use crate::i18n::{Lang, Msg};
use crate::policy::checks::CheckState;
use crate::questionnaires::answers::{AnswerProblem, RawAnswer};
use crate::questionnaires::{AnswerType, Definition, Question};
use crate::render::{
    escape_html, load_labels, Escape, Localized, Pattern, Source, TemplateError, TemplateSource,
    Templates,
};

#[derive(RustEmbed)]
#[folder = "portal_templates/"]
struct Builtin;

const CHECK: &str = "check";
const MESSAGE: &str = "message";
const RESPONSIBILITY: &str = "responsibility";
const SUBPROCESSORS: &str = "subprocessors";

/// (name the templates use, file under `portal_templates/`).
const TEMPLATES: [(&str, &str); 11] = [
    (CHECK, "check.hbs"),
    (SUBPROCESSORS, "subprocessors.hbs"),
    (RESPONSIBILITY, "responsibility.hbs"),
    (MESSAGE, "message.hbs"),
    ("head", "partials/head.hbs"),
    ("foot", "partials/foot.hbs"),
    ("question_title", "partials/question_title.hbs"),
    ("question_notes", "partials/question_notes.hbs"),
    ("question_form", "partials/question_form.hbs"),
    ("question_readonly", "partials/question_readonly.hbs"),
    ("evidence_list", "partials/evidence_list.hbs"),
];

/// Where the labels files are, under `portal_templates/`.
const LABELS: &str = "labels";

/// The portal's templates and labels, loaded and checked.
pub struct PortalPages {
    templates: Templates,
    labels: Localized<Labels>,
}

impl PortalPages {
    /// The built-in templates and labels, checked.
    pub fn load() -> Result<PortalPages, TemplateError> {
        PortalPages::load_from(None)
    }

    /// Loads every template and both labels files, each from `override_dir` when it has a
    /// file of the same relative name (`partials/head.hbs`, `labels/en.toml`), and checks
    /// that the pages render in both languages with every branch taken; the first problem
    /// is returned with its file. A file in `override_dir` that is neither is refused.
    pub fn load_from(override_dir: Option<&Path>) -> Result<PortalPages, TemplateError> {
        let mut source = TemplateSource::open::<Builtin>(
            "portal_templates",
            "portal_templates_dir",
            override_dir,
        )?;
        let mut sources = Vec::with_capacity(TEMPLATES.len());
        for (name, file) in TEMPLATES {
            sources.push((name, source.require(file)?));
        }
        let labels = load_page_labels(&mut source)?;
        source.finish()?;
        let pages = PortalPages::build(&sources, labels)?;
        pages.check_samples()?;
        Ok(pages)
    }

    fn build(
        sources: &[(&str, Source)],
        labels: Localized<Labels>,
    ) -> Result<PortalPages, TemplateError> {
        let mut templates = Templates::new(Escape::Page);
        for (name, source) in sources {
            templates.register(name, source)?;
        }
        Ok(PortalPages { templates, labels })
    }

    /// The given templates (name, file under `portal_templates/`, text) with the built-in
    /// labels, unchecked.
    #[cfg(test)]
    fn from_sources(sources: &[(&str, &str, String)]) -> Result<PortalPages, TemplateError> {
        let mut builtin = TemplateSource::open::<Builtin>("portal_templates", "", None)?;
        let labels = load_page_labels(&mut builtin)?;
        let sources: Vec<(&str, Source)> = sources
            .iter()
            .map(|(name, file, text)| {
                let source = Source {
                    origin: builtin.builtin_origin(file),
                    text: text.clone(),
                };
                (*name, source)
            })
            .collect();
        PortalPages::build(&sources, labels)
    }

    /// Renders sample pages that take every branch of the templates.
    fn check_samples(&self) -> Result<(), TemplateError> {
        let samples = samples::Samples::new();
        for lang in [Lang::Ja, Lang::En] {
            let t = self.labels.get(lang);
            for page in samples.check_pages(lang) {
                self.templates.render(CHECK, &check_view(t, &page))?;
            }
            for page in samples.message_pages(lang) {
                self.templates.render(MESSAGE, &message_view(t, &page))?;
            }
            for page in samples.subprocessor_pages(lang) {
                self.templates
                    .render(SUBPROCESSORS, &subprocessors_view(t, &page))?;
            }
            for page in samples.responsibility_pages(lang) {
                self.templates
                    .render(RESPONSIBILITY, &responsibility_view(t, &page))?;
            }
        }
        Ok(())
    }

    /// The check page: the form while the check is open to the vendor, read-only once
    /// submitted or accepted.
    pub fn render_check(&self, page: &CheckPage) -> String {
        let view = check_view(self.labels.get(page.lang), page);
        match self.templates.render(CHECK, &view) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, template = CHECK, "portal page failed to render");
                fallback_page(page.lang)
            }
        }
    }

    /// A page that carries only `message`, in `lang`; `base_path` gives it the language
    /// switch.
    pub fn render_notice(&self, lang: Lang, message: Message, base_path: Option<&str>) -> String {
        let t = self.labels.get(lang);
        let m = &t.messages;
        let (text, values): (&MessageText, Vec<(&str, String)>) = match message {
            Message::InvalidLink => (&m.invalid_link, vec![]),
            Message::TooManyTries { minutes } => {
                (&m.too_many_tries, vec![("minutes", minutes.to_string())])
            }
            Message::Unavailable => (&m.unavailable, vec![]),
            Message::MethodNotAllowed => (&m.method_not_allowed, vec![]),
            Message::CrossSite => (&m.cross_site, vec![]),
            Message::WrongFormat => (&m.wrong_format, vec![]),
            Message::WrongPage => (&m.wrong_page, vec![]),
            Message::TooLarge { reason } => {
                (&m.too_large, vec![("reason", reason.get(lang).to_string())])
            }
            Message::NotSent { reason } => {
                (&m.not_sent, vec![("reason", reason.get(lang).to_string())])
            }
        };
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // The texts are in `lang` already; a message page shows only that language.
        let title = Msg::new(text.title.clone(), text.title.clone());
        let body = text.body.fill(&values);
        let body = Msg::new(body.clone(), body);
        self.render_message(&MessagePage {
            lang,
            title: &title,
            body: &body,
            base_path,
        })
    }

    /// The division of responsibility a provider is asked to confirm.
    pub fn render_responsibility(&self, page: &ResponsibilityPage) -> String {
        let view = responsibility_view(self.labels.get(page.lang), page);
        match self.templates.render(RESPONSIBILITY, &view) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, template = RESPONSIBILITY, "portal page failed to render");
                fallback_page(page.lang)
            }
        }
    }

    /// A provider's subprocessors and the form that reports a change.
    pub fn render_subprocessors(&self, page: &SubprocessorsPage) -> String {
        let view = subprocessors_view(self.labels.get(page.lang), page);
        match self.templates.render(SUBPROCESSORS, &view) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, template = SUBPROCESSORS, "portal page failed to render");
                fallback_page(page.lang)
            }
        }
    }

    /// The page after a provider answered a division of responsibility.
    pub fn render_responsibility_answered(&self, lang: Lang, confirmed: bool) -> String {
        let r = &self.labels.get(lang).responsibility;
        let (title, body) = if confirmed {
            (&r.confirmed_title, &r.confirmed_body)
        } else {
            (&r.changes_title, &r.changes_body)
        };
        self.render_message(&MessagePage {
            lang,
            title: &Msg::new(title.clone(), title.clone()),
            body: &Msg::new(body.clone(), body.clone()),
            base_path: None,
        })
    }

    /// A page with a title and a message only.
    pub fn render_message(&self, page: &MessagePage) -> String {
        let view = message_view(self.labels.get(page.lang), page);
        match self.templates.render(MESSAGE, &view) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, template = MESSAGE, "portal page failed to render");
                fallback_page(page.lang)
            }
        }
    }
}

/// What is shown when a template fails: fixed text only, nothing of the request. Kept in
/// the code rather than in the labels files: it is what is left when the files a
/// deployment changed fail, so it must not depend on them.
fn fallback_page(lang: Lang) -> String {
    let (title, body) = match lang {
        Lang::Ja => (
            "ページを表示できませんでした",
            "申し訳ありません。しばらくしてから、もう一度お試しください。",
        ),
        Lang::En => (
            "The page could not be shown",
            "Sorry, something went wrong. Please try again later.",
        ),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n{links}\
         </head>\n<body>\n<main id=\"main\" class=\"page\">\n<h1>{title}</h1>\n<p>{body}</p>\n\
         </main>\n</body>\n</html>\n",
        lang = lang.as_str(),
        title = escape_html(title),
        body = escape_html(body),
        links = crate::assets::stylesheets()
            .iter()
            .map(|href| format!("<link rel=\"stylesheet\" href=\"{href}\">\n"))
            .collect::<String>(),
    )
}

// ---------------------------------------------------------------------------------------
// Texts

/// The fixed texts of the pages in one language, from `portal_templates/labels/<lang>.toml`
/// (its comments say where each is shown). The templates see them as `t`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    site_name: String,
    language_switch: String,
    skip_link: String,
    engagement: String,
    vendor: String,
    contact: String,
    due_on: String,
    state: String,
    review_comment: String,
    error_summary: String,
    error_prefix: String,
    form_intro: String,
    required: String,
    rules: String,
    officer_comment: String,
    evidence_attached: String,
    remove: String,
    evidence_label: String,
    file_hint: Pattern,
    evidence_field: Pattern,
    declaration: String,
    signed_name: String,
    signed_title: String,
    declaration_label: String,
    save_hint: String,
    save_draft: String,
    submit: String,
    readonly_intro: String,
    answer: String,
    submitted_at: String,
    no_answer: String,
    files_attached_one: Pattern,
    files_attached: Pattern,
    list_separator: String,
    yes_no_na: YesNoNaLabels,
    states: StateLabels,
    notices: NoticeLabels,
    messages: MessageLabels,
    responsibility: ResponsibilityLabels,
    subprocessors: SubprocessorLabels,
}

/// The texts of the subprocessors' page.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubprocessorLabels {
    title: String,
    intro: String,
    current: String,
    none: String,
    pending: String,
    report: String,
    kind: String,
    added: String,
    removed: String,
    name: String,
    purpose: String,
    country: String,
    country_hint: String,
    since: String,
    effective_on: String,
    date_hint: String,
    submit: String,
    reported: String,
}

/// The texts of the division of responsibility's page.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponsibilityLabels {
    title: Pattern,
    version: String,
    intro: String,
    matrix: String,
    decision: String,
    confirm: String,
    request_changes: String,
    comment: String,
    comment_hint: String,
    submit: String,
    confirmed_title: String,
    confirmed_body: String,
    changes_title: String,
    changes_body: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageText {
    title: String,
    body: Pattern,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageLabels {
    invalid_link: MessageText,
    too_many_tries: MessageText,
    unavailable: MessageText,
    method_not_allowed: MessageText,
    cross_site: MessageText,
    wrong_format: MessageText,
    wrong_page: MessageText,
    too_large: MessageText,
    not_sent: MessageText,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct YesNoNaLabels {
    yes: String,
    no: String,
    na: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateLabels {
    sent: String,
    in_progress: String,
    submitted: String,
    returned: String,
    accepted: String,
    overdue: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeLabels {
    saved: String,
    saved_not_submitted: String,
    not_saved: String,
    submitted: String,
    returned: String,
}

/// Where a placeholder label is in the labels.
type PatternOf = fn(&Labels) -> &Pattern;

/// The labels files, with their placeholders checked against the values the code fills
/// in.
fn load_page_labels(source: &mut TemplateSource) -> Result<Localized<Labels>, TemplateError> {
    let labels = load_labels::<Labels>(source, LABELS)?;
    labels.check_pattern("file_hint", |t| &t.file_hint, &["mb"])?;
    labels.check_pattern("evidence_field", |t| &t.evidence_field, &["question"])?;
    labels.check_pattern("files_attached_one", |t| &t.files_attached_one, &["count"])?;
    labels.check_pattern("files_attached", |t| &t.files_attached, &["count"])?;
    let messages: [(&str, PatternOf, &[&str]); 9] = [
        (
            "messages.invalid_link.body",
            |t| &t.messages.invalid_link.body,
            &[],
        ),
        (
            "messages.too_many_tries.body",
            |t| &t.messages.too_many_tries.body,
            &["minutes"],
        ),
        (
            "messages.unavailable.body",
            |t| &t.messages.unavailable.body,
            &[],
        ),
        (
            "messages.method_not_allowed.body",
            |t| &t.messages.method_not_allowed.body,
            &[],
        ),
        (
            "messages.cross_site.body",
            |t| &t.messages.cross_site.body,
            &[],
        ),
        (
            "messages.wrong_format.body",
            |t| &t.messages.wrong_format.body,
            &[],
        ),
        (
            "messages.wrong_page.body",
            |t| &t.messages.wrong_page.body,
            &[],
        ),
        (
            "messages.too_large.body",
            |t| &t.messages.too_large.body,
            &["reason"],
        ),
        (
            "messages.not_sent.body",
            |t| &t.messages.not_sent.body,
            &["reason"],
        ),
    ];
    for (key, body, names) in messages {
        labels.check_pattern(key, body, names)?;
    }
    labels.check_pattern(
        "responsibility.title",
        |t| &t.responsibility.title,
        &["version"],
    )?;
    Ok(labels)
}

fn state_label(t: &Labels, state: CheckState) -> &str {
    let s = &t.states;
    match state {
        CheckState::Sent => &s.sent,
        CheckState::InProgress => &s.in_progress,
        CheckState::Submitted => &s.submitted,
        CheckState::Returned => &s.returned,
        CheckState::Accepted => &s.accepted,
        CheckState::Overdue => &s.overdue,
    }
}

fn notice_view(t: &Labels, notice: Notice) -> NoticeView<'_> {
    let n = &t.notices;
    let (kind, text) = match notice {
        Notice::Saved => ("success", &n.saved),
        Notice::SavedNotSubmitted => ("error", &n.saved_not_submitted),
        Notice::NotSaved => ("error", &n.not_saved),
        Notice::Submitted => ("success", &n.submitted),
        Notice::Returned => ("warning", &n.returned),
    };
    NoticeView {
        kind,
        role: if kind == "success" { "status" } else { "alert" },
        text,
    }
}

fn yes_no_na_label<'t>(t: &'t Labels, value: &str) -> Option<&'t str> {
    match value {
        "yes" => Some(&t.yes_no_na.yes),
        "no" => Some(&t.yes_no_na.no),
        "na" => Some(&t.yes_no_na.na),
        _ => None,
    }
}

fn format_date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Ja => wareki::format_wareki(date),
        Lang::En => wareki::format_english(date),
    }
}

fn format_date_time(lang: Lang, at: NaiveDateTime) -> String {
    let time = at.format("%H:%M");
    match lang {
        Lang::Ja => format!("{} {time}", wareki::format_wareki(at.date())),
        Lang::En => format!("{}, {time}", wareki::format_english(at.date())),
    }
}

/// `512 B`, `12.3 KB`, `4.0 MB` (1 KB = 1024 bytes).
fn format_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < KB {
        format!("{} B", bytes.max(0))
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

/// The upload limit in MB: `10`, or `2.5` when not a whole number.
fn format_megabytes(bytes: usize) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if (mb - mb.round()).abs() < 0.05 {
        format!("{}", mb.round() as u64)
    } else {
        format!("{mb:.1}")
    }
}

fn file_hint(t: &Labels, max_file_bytes: usize) -> String {
    t.file_hint
        .fill(&[("mb", &format_megabytes(max_file_bytes))])
}

// ---------------------------------------------------------------------------------------
// View model

/// The link to the page in the other language.
#[derive(Serialize)]
struct Switch<'a> {
    lang: &'static str,
    label: &'a str,
}

fn switch(lang: Lang, t: &Labels) -> Switch<'_> {
    Switch {
        lang: lang.pick("en", "ja"),
        label: &t.language_switch,
    }
}

#[derive(Serialize)]
struct MessageView<'a> {
    lang: &'static str,
    t: &'a Labels,
    page_title: String,
    site_name: &'a str,
    stylesheets: Vec<String>,
    base_path: &'a str,
    switch: Option<Switch<'a>>,
    title: &'a str,
    body: &'a str,
}

fn message_view<'a>(t: &'a Labels, page: &'a MessagePage) -> MessageView<'a> {
    let lang = page.lang;
    let title = page.title.get(lang);
    MessageView {
        lang: lang.as_str(),
        t,
        page_title: format!("{title} - {}", t.site_name),
        site_name: &t.site_name,
        stylesheets: crate::assets::stylesheets(),
        base_path: page.base_path.unwrap_or(""),
        switch: page.base_path.map(|_| switch(lang, t)),
        title,
        body: page.body.get(lang),
    }
}

#[derive(Serialize)]
struct SubprocessorFormView<'a> {
    kind: &'a str,
    name: &'a str,
    purpose: &'a str,
    country: &'a str,
    effective_on: &'a str,
    kind_error: Option<&'a str>,
    name_error: Option<&'a str>,
    purpose_error: Option<&'a str>,
    country_error: Option<&'a str>,
    effective_on_error: Option<&'a str>,
}

#[derive(Serialize)]
struct SubprocessorsView<'a> {
    lang: &'static str,
    t: &'a Labels,
    page_title: String,
    site_name: &'a str,
    stylesheets: Vec<String>,
    base_path: &'a str,
    switch: Option<Switch<'a>>,
    title: &'a str,
    engagement_title: &'a str,
    vendor_name: &'a str,
    reported: bool,
    current: &'a [SubprocessorEntry],
    pending: Vec<SubprocessorEntry>,
    errors: Vec<ErrorView>,
    form: SubprocessorFormView<'a>,
}

fn subprocessors_view<'a>(t: &'a Labels, page: &'a SubprocessorsPage) -> SubprocessorsView<'a> {
    let lang = page.lang;
    let l = &t.subprocessors;
    let error = |field: &str| {
        page.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    };
    let label = |field: &str| match field {
        "kind" => l.kind.clone(),
        "purpose" => l.purpose.clone(),
        "country" => l.country.clone(),
        "effective_on" => l.effective_on.clone(),
        _ => l.name.clone(),
    };
    let prefix = if page.errors.is_empty() {
        String::new()
    } else {
        format!("{} ", t.error_prefix)
    };
    let typed = &page.typed;
    SubprocessorsView {
        lang: lang.as_str(),
        t,
        page_title: format!("{prefix}{} - {}", l.title, t.site_name),
        site_name: &t.site_name,
        stylesheets: crate::assets::stylesheets(),
        base_path: page.base_path,
        switch: Some(switch(lang, t)),
        title: &l.title,
        engagement_title: page.engagement_title,
        vendor_name: page.vendor_name,
        reported: page.reported,
        current: &page.current,
        pending: page
            .pending
            .iter()
            .map(|(kind, e)| SubprocessorEntry {
                name: format!(
                    "{} {}",
                    if *kind == "removed" {
                        &l.removed
                    } else {
                        &l.added
                    },
                    e.name
                ),
                ..e.clone()
            })
            .collect(),
        errors: page
            .errors
            .iter()
            .map(|(field, message)| ErrorView {
                label: label(field),
                message: message.clone(),
                href: Some(format!("#{field}")),
            })
            .collect(),
        form: SubprocessorFormView {
            kind: &typed[0],
            name: &typed[1],
            purpose: &typed[2],
            country: &typed[3],
            effective_on: &typed[4],
            kind_error: error("kind"),
            name_error: error("name"),
            purpose_error: error("purpose"),
            country_error: error("country"),
            effective_on_error: error("effective_on"),
        },
    }
}

#[derive(Serialize)]
struct ResponsibilityView<'a> {
    lang: &'static str,
    t: &'a Labels,
    page_title: String,
    site_name: &'a str,
    stylesheets: Vec<String>,
    base_path: &'a str,
    switch: Option<Switch<'a>>,
    title: String,
    engagement_title: &'a str,
    vendor_name: &'a str,
    version: i32,
    entries: &'a [ResponsibilityEntry],
    errors: Vec<ErrorView>,
    decision: &'a str,
    signed_name: &'a str,
    comment: &'a str,
    decision_error: Option<&'a str>,
    name_error: Option<&'a str>,
    comment_error: Option<&'a str>,
}

fn responsibility_view<'a>(t: &'a Labels, page: &'a ResponsibilityPage) -> ResponsibilityView<'a> {
    let lang = page.lang;
    let version = page.version.to_string();
    let title = t.responsibility.title.fill(&[("version", &version)]);
    let error = |field: &str| {
        page.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    };
    let label = |field: &str| match field {
        "decision" => t.responsibility.decision.clone(),
        "comment" => t.responsibility.comment.clone(),
        _ => t.signed_name.clone(),
    };
    let prefix = if page.errors.is_empty() {
        String::new()
    } else {
        format!("{} ", t.error_prefix)
    };
    ResponsibilityView {
        lang: lang.as_str(),
        t,
        page_title: format!("{prefix}{title} - {}", t.site_name),
        site_name: &t.site_name,
        stylesheets: crate::assets::stylesheets(),
        base_path: page.base_path,
        switch: Some(switch(lang, t)),
        title,
        engagement_title: page.engagement_title,
        vendor_name: page.vendor_name,
        version: page.version,
        entries: &page.entries,
        errors: page
            .errors
            .iter()
            .map(|(field, message)| ErrorView {
                label: label(field),
                message: message.clone(),
                href: Some(format!("#{field}")),
            })
            .collect(),
        decision: page.decision,
        signed_name: page.signed_name,
        comment: page.comment,
        decision_error: error("decision"),
        name_error: error("signed_name"),
        comment_error: error("comment"),
    }
}

#[derive(Serialize)]
struct NoticeView<'a> {
    kind: &'static str,
    role: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct StateView<'a> {
    code: &'static str,
    label: &'a str,
}

#[derive(Serialize)]
struct ErrorView {
    label: String,
    message: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct SectionView {
    id: String,
    title: String,
    questions: Vec<QuestionView>,
}

#[derive(Serialize)]
struct OptionView {
    id: String,
    value: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct EvidenceView {
    id: String,
    file_name: String,
    size: String,
    sha: String,
}

#[derive(Serialize)]
struct FileView {
    name: String,
    input_id: String,
    /// Null when the question's own label is the file input's (`file` questions).
    label: Option<String>,
    hint: String,
    errors: Vec<String>,
    describedby: String,
    invalid: bool,
}

#[derive(Serialize)]
struct QuestionView {
    id: String,
    anchor: String,
    text: String,
    help: Option<String>,
    rules: String,
    required: bool,
    comment: Option<String>,
    errors: Vec<String>,
    invalid: bool,
    /// Radios or checkboxes in a fieldset.
    group: bool,
    input_type: &'static str,
    name: String,
    options: Vec<OptionView>,
    is_text: bool,
    is_date: bool,
    is_number: bool,
    input_id: String,
    value: String,
    min: Option<String>,
    max: Option<String>,
    describedby: Option<String>,
    file: Option<FileView>,
    evidence: Vec<EvidenceView>,
    /// Read-only view.
    answer_text: String,
    answered: bool,
}

#[derive(Serialize)]
struct SignatureView {
    name: String,
    title: String,
    declared: bool,
    name_errors: Vec<String>,
    title_errors: Vec<String>,
    declaration_errors: Vec<String>,
}

#[derive(Serialize)]
struct SubmittedView {
    name: String,
    title: String,
    at: Option<String>,
}

#[derive(Serialize)]
struct CheckView<'a> {
    lang: &'static str,
    /// The versioned addresses of the stylesheets (`crate::assets`).
    stylesheets: Vec<String>,
    t: &'a Labels,
    page_title: String,
    site_name: String,
    base_path: &'a str,
    switch: Switch<'a>,
    csrf: &'a str,
    title: &'a str,
    description: Option<&'a str>,
    engagement_title: &'a str,
    vendor_name: &'a str,
    contact_name: &'a str,
    due_on: String,
    state: StateView<'a>,
    notice: Option<NoticeView<'a>>,
    review_comment: Option<&'a str>,
    errors: Vec<ErrorView>,
    editable: bool,
    sections: Vec<SectionView>,
    signature: SignatureView,
    submitted: Option<SubmittedView>,
}

/// Whether the page is the read-only view: submitted, or in a state the vendor can no
/// longer change.
fn read_only(page: &CheckPage) -> bool {
    let open = page.state.open_to_vendor() || page.state == CheckState::Overdue;
    page.submitted.is_some()
        || matches!(page.state, CheckState::Submitted | CheckState::Accepted)
        || !open
}

fn field_label(t: &Labels, definition: &Definition, field: &str) -> (String, Option<String>) {
    match field {
        "signed_name" => (t.signed_name.clone(), Some("#signed_name".into())),
        "signed_title" => (t.signed_title.clone(), Some("#signed_title".into())),
        "declaration" => (t.declaration.clone(), Some("#declaration".into())),
        _ => match field.strip_prefix("file.") {
            Some(qid) => {
                let label = t.evidence_field.fill(&[("question", qid)]);
                let href = definition.question(qid).map(|_| format!("#q-{qid}"));
                (label, href)
            }
            None => (field.to_string(), None),
        },
    }
}

fn messages<'m>(lang: Lang, msgs: impl Iterator<Item = &'m Msg>) -> Vec<String> {
    msgs.map(|m| m.get(lang).to_string()).collect()
}

fn check_view<'a>(t: &'a Labels, page: &'a CheckPage) -> CheckView<'a> {
    let lang = page.lang;
    let definition = page.definition;
    let editable = !read_only(page);

    let mut errors: Vec<ErrorView> = page
        .problems
        .iter()
        .map(|p| ErrorView {
            label: p.question_id.clone(),
            message: p.message.get(lang).to_string(),
            href: definition
                .question(&p.question_id)
                .map(|_| format!("#q-{}", p.question_id)),
        })
        .collect();
    errors.extend(page.field_problems.iter().map(|(field, msg)| {
        let (label, href) = field_label(t, definition, field);
        ErrorView {
            label,
            message: msg.get(lang).to_string(),
            href,
        }
    }));

    let sections = definition
        .sections
        .iter()
        .enumerate()
        .map(|(n, s)| SectionView {
            id: s.anchor(n),
            title: s.title.get(lang).to_string(),
            questions: s
                .questions
                .iter()
                .map(|q| question_view(t, page, q, editable))
                .collect(),
        })
        .collect();

    let field_errors = |field: &str| {
        messages(
            lang,
            page.field_problems
                .iter()
                .filter(|(f, _)| f == field)
                .map(|(_, m)| m),
        )
    };
    let signature: &Signature = page.signature;
    let submitted = if editable {
        None
    } else {
        Some(submitted_view(lang, page.submitted, signature))
    };

    let title = definition.title.get(lang);
    let mut page_title = format!("{title} - {}", page.organization);
    if !errors.is_empty() {
        page_title = format!("{} {page_title}", t.error_prefix);
    }
    CheckView {
        lang: lang.as_str(),
        stylesheets: crate::assets::stylesheets(),
        t,
        page_title,
        site_name: format!("{} {}", page.organization, t.site_name),
        base_path: page.base_path,
        switch: switch(lang, t),
        csrf: page.csrf,
        title,
        description: definition.description.as_ref().map(|d| d.get(lang)),
        engagement_title: page.engagement_title,
        vendor_name: page.vendor_name,
        contact_name: page.contact_name,
        due_on: format_date(lang, page.due_on),
        state: StateView {
            code: page.state.as_str(),
            label: state_label(t, page.state),
        },
        notice: page.notice.map(|n| notice_view(t, n)),
        review_comment: page.review_comment.filter(|c| !c.trim().is_empty()),
        errors,
        editable,
        sections,
        signature: SignatureView {
            name: signature.name.clone(),
            title: signature.title.clone(),
            declared: signature.declared,
            name_errors: field_errors("signed_name"),
            title_errors: field_errors("signed_title"),
            declaration_errors: field_errors("declaration"),
        },
        submitted,
    }
}

fn submitted_view(
    lang: Lang,
    submitted: Option<&Submitted>,
    signature: &Signature,
) -> SubmittedView {
    match submitted {
        Some(s) => SubmittedView {
            name: s.name.clone(),
            title: s.title.clone(),
            at: Some(format_date_time(lang, s.at)),
        },
        None => SubmittedView {
            name: signature.name.clone(),
            title: signature.title.clone(),
            at: None,
        },
    }
}

fn evidence_view(item: &EvidenceItem) -> EvidenceView {
    EvidenceView {
        id: item.id.clone(),
        file_name: item.file_name.clone(),
        size: format_size(item.size_bytes),
        sha: item.sha256.get(..12).unwrap_or(&item.sha256).to_string(),
    }
}

/// A bound of a number question as the `min`/`max` attribute writes it.
fn bound(b: Option<f64>) -> Option<String> {
    b.filter(|b| b.is_finite()).map(|b| b.to_string())
}

fn question_view(t: &Labels, page: &CheckPage, q: &Question, editable: bool) -> QuestionView {
    let lang = page.lang;
    let anchor = format!("q-{}", q.id);
    let values: &[String] = page
        .answers
        .get(&q.id)
        .map(|a: &RawAnswer| a.values.as_slice())
        .unwrap_or(&[]);
    let first = values.first().cloned().unwrap_or_default();
    let problems: Vec<&AnswerProblem> = page
        .problems
        .iter()
        .filter(|p| p.question_id == q.id)
        .collect();
    let mut errors = messages(lang, problems.iter().map(|p| &p.message));
    let file_field = format!("file.{}", q.id);
    let mut file_errors = messages(
        lang,
        page.field_problems
            .iter()
            .filter(|(f, _)| *f == file_field)
            .map(|(_, m)| m),
    );
    let help = q.help.as_ref().map(|h| h.get(lang).to_string());
    let comment = page
        .question_comments
        .get(&q.id)
        .filter(|c| !c.trim().is_empty())
        .cloned();
    let evidence: Vec<EvidenceView> = page
        .evidence
        .iter()
        .filter(|e| e.question_id == q.id)
        .map(evidence_view)
        .collect();

    let is_file = q.answer == AnswerType::File;
    if is_file {
        // The file input is the question's input: its errors are the question's.
        errors.append(&mut file_errors);
    }
    let invalid = !errors.is_empty();

    let mut notes = Vec::new();
    if help.is_some() {
        notes.push(format!("{anchor}-help"));
    }
    if comment.is_some() {
        notes.push(format!("{anchor}-comment"));
    }
    if invalid {
        notes.push(format!("{anchor}-error"));
    }
    let describedby = (!notes.is_empty()).then(|| notes.join(" "));

    let checked = |v: &str| values.iter().any(|x| x.trim() == v);
    let options: Vec<OptionView> = match q.answer {
        AnswerType::YesNoNa => AnswerType::YES_NO_NA
            .iter()
            .map(|v| OptionView {
                id: format!("{anchor}-{v}"),
                value: v.to_string(),
                label: yes_no_na_label(t, v).unwrap_or(v).to_string(),
                checked: checked(v),
            })
            .collect(),
        AnswerType::SingleChoice | AnswerType::MultipleChoice => q
            .choices
            .iter()
            .map(|c| OptionView {
                id: format!("{anchor}-{}", c.id),
                value: c.id.clone(),
                label: c.label(lang).to_string(),
                checked: checked(&c.id),
            })
            .collect(),
        _ => Vec::new(),
    };

    let file = (is_file || (q.answer == AnswerType::YesNoNa && q.evidence_for_yes)).then(|| {
        let input_id = format!("{anchor}-file");
        let mut ids = if is_file { notes.clone() } else { Vec::new() };
        ids.push(format!("{input_id}-hint"));
        if !file_errors.is_empty() {
            ids.push(format!("{input_id}-error"));
        }
        FileView {
            name: file_field.clone(),
            label: (!is_file).then(|| t.evidence_label.clone()),
            hint: file_hint(t, page.max_file_bytes),
            invalid: if is_file {
                invalid
            } else {
                !file_errors.is_empty()
            },
            errors: file_errors,
            describedby: ids.join(" "),
            input_id,
        }
    });

    let (answer_text, answered) = if editable {
        (String::new(), false)
    } else {
        answer_text(lang, t, q, values, evidence.len())
    };

    QuestionView {
        id: q.id.clone(),
        text: q.text.get(lang).to_string(),
        help,
        rules: q.rules.join(", "),
        required: q.required,
        comment,
        errors,
        invalid,
        group: matches!(
            q.answer,
            AnswerType::YesNoNa | AnswerType::SingleChoice | AnswerType::MultipleChoice
        ),
        input_type: if q.answer == AnswerType::MultipleChoice {
            "checkbox"
        } else {
            "radio"
        },
        name: format!("q.{}", q.id),
        options,
        is_text: q.answer == AnswerType::Text,
        is_date: q.answer == AnswerType::Date,
        is_number: q.answer == AnswerType::Number,
        input_id: if is_file {
            format!("{anchor}-file")
        } else {
            format!("{anchor}-input")
        },
        value: first,
        min: bound(q.min),
        max: bound(q.max),
        describedby,
        file,
        evidence,
        answer_text,
        answered,
        anchor,
    }
}

/// A stored answer as the read-only page writes it, and whether there is one.
fn answer_text(
    lang: Lang,
    t: &Labels,
    q: &Question,
    values: &[String],
    files: usize,
) -> (String, bool) {
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let none = || (t.no_answer.clone(), false);
    if q.answer == AnswerType::File {
        return if files == 0 {
            none()
        } else {
            let pattern = if files == 1 {
                &t.files_attached_one
            } else {
                &t.files_attached
            };
            (pattern.fill(&[("count", &files.to_string())]), true)
        };
    }
    if values.is_empty() {
        return none();
    }
    let shown: Vec<String> = values
        .iter()
        .map(|v| match q.answer {
            AnswerType::YesNoNa => yes_no_na_label(t, v).unwrap_or(v).to_string(),
            AnswerType::SingleChoice | AnswerType::MultipleChoice => {
                q.choice(v).map(|c| c.label(lang)).unwrap_or(v).to_string()
            }
            AnswerType::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| format_date(lang, d))
                .unwrap_or_else(|_| v.to_string()),
            _ => v.to_string(),
        })
        .collect();
    (shown.join(&t.list_separator), true)
}

// ---------------------------------------------------------------------------------------
// Sample pages for the start-up check

mod samples {
    use super::*;
    use crate::questionnaires::{AppliesTo, Choice, Purpose, Section, SectionId, Text};

    fn text(ja: &str, en: &str) -> Text {
        Text {
            ja: ja.into(),
            en: en.into(),
        }
    }

    fn question(id: &str, answer: AnswerType, with_extras: bool) -> Question {
        Question {
            id: id.into(),
            text: text("設問", "Question"),
            help: with_extras.then(|| text("補足", "Help")),
            rules: if with_extras {
                vec!["R-8.3.2".into()]
            } else {
                vec![]
            },
            answer,
            required: with_extras,
            choices: if answer.has_choices() {
                vec![
                    Choice {
                        id: "a".into(),
                        ja: "甲".into(),
                        en: "A".into(),
                    },
                    Choice {
                        id: "b".into(),
                        ja: "乙".into(),
                        en: "B".into(),
                    },
                ]
            } else {
                vec![]
            },
            non_conforming: vec![],
            evidence_for_yes: with_extras && answer == AnswerType::YesNoNa,
            min: with_extras.then_some(0.0),
            max: with_extras.then_some(10.0),
        }
    }

    /// Every answer type, each with and without help, rules, evidence and bounds.
    fn definition(with_description: bool) -> Definition {
        let types = [
            AnswerType::YesNoNa,
            AnswerType::SingleChoice,
            AnswerType::MultipleChoice,
            AnswerType::Text,
            AnswerType::Date,
            AnswerType::Number,
            AnswerType::File,
        ];
        let mut questions = Vec::new();
        for (i, t) in types.iter().enumerate() {
            questions.push(question(&format!("X-{i}"), *t, true));
            questions.push(question(&format!("Y-{i}"), *t, false));
        }
        Definition {
            id: "sample".into(),
            version: 1,
            title: text("点検票", "Check"),
            description: with_description.then(|| text("説明", "About")),
            purpose: Purpose::PeriodicCheck,
            applies_to: AppliesTo {
                kinds: vec![],
                levels: vec![],
            },
            rules: vec![],
            sections: vec![Section {
                id: SectionId::Human,
                subject: None,
                title: text("人的対策", "Human measures"),
                questions,
            }],
        }
    }

    pub(super) struct Samples {
        full: Definition,
        bare: Definition,
        answers: BTreeMap<String, RawAnswer>,
        evidence: Vec<EvidenceItem>,
        problems: Vec<AnswerProblem>,
        field_problems: Vec<(String, Msg)>,
        comments: BTreeMap<String, String>,
        none_answers: BTreeMap<String, RawAnswer>,
        none_comments: BTreeMap<String, String>,
        signature: Signature,
        submitted: Submitted,
        title: Msg,
        body: Msg,
    }

    impl Samples {
        pub(super) fn new() -> Samples {
            let full = definition(true);
            let ids: Vec<String> = full.questions().map(|(_, q)| q.id.clone()).collect();
            let answer = |v: &str| RawAnswer {
                values: vec![v.into()],
            };
            let mut answers = BTreeMap::new();
            for (i, value) in ["yes", "a", "b", "text", "2027-04-01", "3", ""]
                .iter()
                .enumerate()
            {
                answers.insert(format!("X-{i}"), answer(value));
            }
            let msg = || Msg::new("誤り", "Wrong");
            Samples {
                bare: definition(false),
                evidence: ids
                    .iter()
                    .map(|q| EvidenceItem {
                        id: format!("ev-{q}"),
                        question_id: q.clone(),
                        file_name: "a.pdf".into(),
                        size_bytes: 2048,
                        sha256: "0".repeat(64),
                    })
                    .collect(),
                problems: ids
                    .iter()
                    .map(|q| AnswerProblem {
                        question_id: q.clone(),
                        code: "invalid",
                        message: msg(),
                    })
                    .chain(std::iter::once(AnswerProblem {
                        question_id: "UNKNOWN".into(),
                        code: "unknown_question",
                        message: msg(),
                    }))
                    .collect(),
                field_problems: ["signed_name", "signed_title", "declaration", "other"]
                    .iter()
                    .map(|f| f.to_string())
                    .chain(ids.iter().map(|q| format!("file.{q}")))
                    .map(|f| (f, msg()))
                    .collect(),
                comments: ids.iter().map(|q| (q.clone(), "直して".into())).collect(),
                full,
                answers,
                none_answers: BTreeMap::new(),
                none_comments: BTreeMap::new(),
                signature: Signature {
                    name: "山田".into(),
                    title: "部長".into(),
                    declared: true,
                },
                submitted: Submitted {
                    at: NaiveDate::from_ymd_opt(2027, 4, 1)
                        .and_then(|d| d.and_hms_opt(9, 30, 0))
                        .unwrap_or_default(),
                    name: "山田".into(),
                    title: "部長".into(),
                },
                title: Msg::new("題", "Title"),
                body: Msg::new("本文", "Body"),
            }
        }

        /// Everything filled in and nothing at all, as a form and read-only, with each
        /// notice.
        pub(super) fn check_pages(&self, lang: Lang) -> Vec<CheckPage<'_>> {
            let due_on = NaiveDate::from_ymd_opt(2027, 4, 1).unwrap_or_default();
            let full = |state, notice, submitted| CheckPage {
                lang,
                base_path: "/portal/t",
                csrf: "c",
                organization: "港区",
                engagement_title: "案件",
                vendor_name: "委託先",
                contact_name: "担当",
                definition: &self.full,
                state,
                due_on,
                answers: &self.answers,
                evidence: &self.evidence,
                problems: &self.problems,
                field_problems: &self.field_problems,
                notice,
                review_comment: Some("コメント"),
                question_comments: &self.comments,
                signature: &self.signature,
                submitted,
                max_file_bytes: 10 * 1024 * 1024,
            };
            let bare = |state, submitted| CheckPage {
                definition: &self.bare,
                answers: &self.none_answers,
                evidence: &[],
                problems: &[],
                field_problems: &[],
                notice: None,
                review_comment: None,
                question_comments: &self.none_comments,
                submitted,
                ..full(state, None, None)
            };
            let mut pages = vec![
                bare(CheckState::Sent, None),
                bare(CheckState::Accepted, None),
                bare(CheckState::Submitted, Some(&self.submitted)),
                full(CheckState::Submitted, None, Some(&self.submitted)),
                full(CheckState::Accepted, None, None),
            ];
            for notice in [
                Notice::Saved,
                Notice::SavedNotSubmitted,
                Notice::NotSaved,
                Notice::Submitted,
                Notice::Returned,
            ] {
                pages.push(full(CheckState::Returned, Some(notice), None));
            }
            pages
        }

        pub(super) fn subprocessor_pages(&self, lang: Lang) -> Vec<SubprocessorsPage<'_>> {
            let entry = SubprocessorEntry {
                name: "港データセンター株式会社".into(),
                purpose: "データセンターの運用".into(),
                country: "JP".into(),
                since: "令和12年4月1日".into(),
            };
            let page = |full: bool| SubprocessorsPage {
                lang,
                base_path: "/portal/subprocessors/t",
                engagement_title: "財務会計システム（SaaS）",
                vendor_name: "株式会社サンプル",
                reported: full,
                current: if full { vec![entry.clone()] } else { vec![] },
                pending: if full {
                    vec![("added", entry.clone()), ("removed", entry.clone())]
                } else {
                    vec![]
                },
                typed: [
                    "added".into(),
                    "x".into(),
                    "".into(),
                    "XX1".into(),
                    "".into(),
                ],
                errors: if full {
                    vec![
                        ("kind".into(), "選んでください".into()),
                        ("name".into(), "記入してください".into()),
                        ("purpose".into(), "記入してください".into()),
                        ("country".into(), "国コードではありません".into()),
                        ("effective_on".into(), "日付ではありません".into()),
                    ]
                } else {
                    vec![]
                },
            };
            vec![page(false), page(true)]
        }

        pub(super) fn responsibility_pages(&self, lang: Lang) -> Vec<ResponsibilityPage<'_>> {
            let entries = vec![ResponsibilityEntry {
                area: "利用者ID・多要素認証".into(),
                responsible_key: "ward",
                responsible: "区".into(),
                notes: "区は、利用者アカウントを管理する。".into(),
            }];
            let page = |errors: Vec<(String, String)>, decision| ResponsibilityPage {
                lang,
                base_path: "/portal/responsibility/t",
                engagement_title: "財務会計システム（SaaS）",
                vendor_name: "株式会社サンプル",
                version: 2,
                entries: entries.clone(),
                decision,
                signed_name: "田中 太郎",
                comment: "",
                errors,
            };
            vec![
                page(vec![], ""),
                page(
                    vec![
                        ("decision".into(), "選んでください".into()),
                        ("comment".into(), "記入してください".into()),
                        ("signed_name".into(), "記入してください".into()),
                    ],
                    "changes_requested",
                ),
                page(vec![], "confirmed"),
            ]
        }

        pub(super) fn message_pages(&self, lang: Lang) -> Vec<MessagePage<'_>> {
            vec![
                MessagePage {
                    lang,
                    title: &self.title,
                    body: &self.body,
                    base_path: Some("/portal/t"),
                },
                MessagePage {
                    lang,
                    title: &self.title,
                    body: &self.body,
                    base_path: None,
                },
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaires::Questionnaires;

    struct Fixture {
        questionnaires: Questionnaires,
        answers: BTreeMap<String, RawAnswer>,
        evidence: Vec<EvidenceItem>,
        problems: Vec<AnswerProblem>,
        field_problems: Vec<(String, Msg)>,
        comments: BTreeMap<String, String>,
        signature: Signature,
        submitted: Submitted,
    }

    impl Fixture {
        fn new() -> Fixture {
            Fixture {
                questionnaires: Questionnaires::load(None).expect("built-in questionnaires"),
                answers: BTreeMap::new(),
                evidence: Vec::new(),
                problems: Vec::new(),
                field_problems: Vec::new(),
                comments: BTreeMap::new(),
                signature: Signature::default(),
                submitted: Submitted {
                    at: NaiveDate::from_ymd_opt(2027, 4, 1)
                        .unwrap()
                        .and_hms_opt(9, 30, 0)
                        .unwrap(),
                    name: "山田 太郎".into(),
                    title: "情報システム部長".into(),
                },
            }
        }

        fn definition(&self, id: &str) -> &Definition {
            self.questionnaires.get(id).expect("built-in questionnaire")
        }

        fn page<'a>(&'a self, definition: &'a Definition, lang: Lang) -> CheckPage<'a> {
            CheckPage {
                lang,
                base_path: "/portal/tok_EN-123",
                csrf: "csrf-token=",
                organization: "港区",
                engagement_title: "住民情報システム運用保守業務",
                vendor_name: "株式会社ミナト情報",
                contact_name: "佐藤 花子",
                definition,
                state: CheckState::InProgress,
                due_on: NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(),
                answers: &self.answers,
                evidence: &self.evidence,
                problems: &self.problems,
                field_problems: &self.field_problems,
                notice: None,
                review_comment: None,
                question_comments: &self.comments,
                signature: &self.signature,
                submitted: None,
                max_file_bytes: 10 * 1024 * 1024,
            }
        }
    }

    fn pages() -> PortalPages {
        PortalPages::load().expect("built-in portal templates are valid")
    }

    #[test]
    fn every_message_page_takes_its_words_from_the_labels_in_both_languages() {
        let p = pages();
        let reason = Msg::new(
            "ファイル a.pdf が大きすぎます",
            "The file a.pdf is too large",
        );
        let cases = [
            (
                Message::InvalidLink,
                "このリンクは使えません",
                "This link cannot be used",
            ),
            (
                Message::TooManyTries { minutes: 7 },
                "約7分後にもう一度",
                "Try again in about 7 minutes",
            ),
            (
                Message::Unavailable,
                "ただいま処理できません",
                "This cannot be done right now",
            ),
            (
                Message::MethodNotAllowed,
                "この操作はできません",
                "This cannot be done here",
            ),
            (
                Message::CrossSite,
                "他のサイトのページからの送信",
                "another site's page",
            ),
            (
                Message::WrongFormat,
                "送信形式が正しくありません",
                "wrong format",
            ),
            (
                Message::WrongPage,
                "点検票のページから送信",
                "check's own page",
            ),
            (
                Message::TooLarge { reason: &reason },
                "ファイル a.pdf が大きすぎます。何も保存していません",
                "The file a.pdf is too large. Nothing was saved",
            ),
            (
                Message::NotSent { reason: &reason },
                "ファイル a.pdf が大きすぎます。何も保存していません。",
                "The file a.pdf is too large. Nothing was saved.",
            ),
        ];
        for (message, ja, en) in cases {
            let page = p.render_notice(Lang::Ja, message, Some("/portal/x"));
            assert!(page.contains(ja), "{message:?}: {page}");
            assert!(page.contains("lang=\"ja\""), "{page}");
            assert!(!page.contains('{'), "a placeholder left unfilled: {page}");
            let page = p.render_notice(Lang::En, message, None);
            assert!(page.contains(&escape_html(en)), "{message:?}: {page}");
            assert!(!page.contains('{'), "a placeholder left unfilled: {page}");
        }
    }

    fn answer(values: &[&str]) -> RawAnswer {
        RawAnswer {
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    /// The first question of this type in any built-in questionnaire.
    fn find(q: &Questionnaires, pred: impl Fn(&Question) -> bool) -> (&str, String) {
        q.all()
            .find_map(|d| {
                d.questions()
                    .find(|(_, q)| pred(q))
                    .map(|(_, q)| (d.id.as_str(), q.id.clone()))
            })
            .expect("a built-in question of that kind")
    }

    /// Every `<input …>` and `<textarea …>` start tag.
    fn form_controls(html: &str) -> Vec<&str> {
        let mut tags = Vec::new();
        for start in ["<input", "<textarea"] {
            let mut rest = html;
            while let Some(i) = rest.find(start) {
                let tag = &rest[i..];
                let end = tag.find('>').expect("tag ends");
                tags.push(&tag[..=end]);
                rest = &tag[end..];
            }
        }
        tags
    }

    fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
        let key = format!(" {name}=\"");
        let i = tag.find(&key)? + key.len();
        Some(&tag[i..i + tag[i..].find('"')?])
    }

    fn assert_no_inline_style_or_script(html: &str) {
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains(" style="), "{html}");
        assert!(!html.contains("<style"), "{html}");
    }

    #[test]
    fn built_in_templates_load() {
        pages();
    }

    #[test]
    fn every_built_in_questionnaire_renders_in_both_languages() {
        let t = pages();
        let f = Fixture::new();
        for d in f.questionnaires.all() {
            for lang in [Lang::Ja, Lang::En] {
                let html = t.render_check(&f.page(d, lang));
                assert!(
                    html.contains(&format!("<html lang=\"{}\">", lang.as_str())),
                    "{html}"
                );
                assert!(html.contains(&escape_html(d.title.get(lang))), "{}", d.id);
                assert!(!html.contains(fallback_page(lang).as_str()));
                assert!(html.contains(
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                ));
                for href in crate::assets::stylesheets() {
                    assert!(html.contains(&format!("<link rel=\"stylesheet\" href=\"{href}\">")));
                }
                assert!(html.contains("<a class=\"skip-link\" href=\"#main\">"));
                assert!(html.contains(
                    "<form method=\"post\" action=\"/portal/tok_EN-123\" enctype=\"multipart/form-data\" novalidate>"
                ));
                assert!(
                    html.contains("<input type=\"hidden\" name=\"csrf\" value=\"csrf-token=\">")
                );
                assert!(html.contains(&format!(
                    "<input type=\"hidden\" name=\"lang\" value=\"{}\">",
                    lang.as_str()
                )));
                for (s, q) in d.questions() {
                    assert!(html.contains(&format!(
                        "<h2 id=\"section-{}\">{}</h2>",
                        s.anchor(0),
                        escape_html(s.title.get(lang))
                    )));
                    assert!(html.contains(&format!("id=\"q-{}\"", q.id)), "{}", q.id);
                    assert!(html.contains(&escape_html(q.text.get(lang))), "{}", q.id);
                    for rule in &q.rules {
                        assert!(html.contains(rule.as_str()), "{rule}");
                    }
                }
                assert_no_inline_style_or_script(&html);

                let mut page = f.page(d, lang);
                page.state = CheckState::Submitted;
                page.submitted = Some(&f.submitted);
                let html = t.render_check(&page);
                assert!(!html.contains("<form"), "{html}");
                assert!(!html.contains(fallback_page(lang).as_str()));
            }
        }
    }

    #[test]
    fn header_states_and_language_switch() {
        let t = pages();
        let f = Fixture::new();
        let d = f.definition("outsourcing-periodic-check");
        let ja = t.render_check(&f.page(d, Lang::Ja));
        for expected in [
            "港区",
            "業務委託 定期点検票",
            "住民情報システム運用保守業務",
            "株式会社ミナト情報",
            "佐藤 花子",
            "令和9年4月1日",
            "回答中",
            "<a href=\"/portal/tok_EN-123?lang=en\" hreflang=\"en\">English</a>",
            "<span class=\"required\">必須</span>",
        ] {
            assert!(ja.contains(expected), "{expected} missing in\n{ja}");
        }
        let en = t.render_check(&f.page(d, Lang::En));
        for expected in [
            "Outsourcing periodic check",
            "1 April 2027",
            "In progress",
            "<a href=\"/portal/tok_EN-123?lang=ja\" hreflang=\"ja\">日本語</a>",
            "<span class=\"required\">Required</span>",
        ] {
            assert!(en.contains(expected), "{expected} missing in\n{en}");
        }
        assert!(!en.contains("hreflang=\"en\""));
        for (state, ja_label, en_label) in [
            (CheckState::Sent, "未回答", "Not started"),
            (CheckState::Returned, "差戻し", "Returned for correction"),
            (CheckState::Overdue, "期限超過", "Overdue"),
            (CheckState::Submitted, "提出済み", "Submitted"),
            (CheckState::Accepted, "承認済み", "Accepted"),
        ] {
            let mut page = f.page(d, Lang::Ja);
            page.state = state;
            let html = t.render_check(&page);
            assert!(html.contains(ja_label), "{ja_label}");
            // Overdue stays open to the vendor; submitted and accepted are read-only.
            let open = matches!(
                state,
                CheckState::Sent | CheckState::Returned | CheckState::Overdue
            );
            assert_eq!(html.contains("<form"), open, "{state:?}");
            page.lang = Lang::En;
            assert!(t.render_check(&page).contains(en_label), "{en_label}");
        }
    }

    #[test]
    fn every_input_has_a_label() {
        let t = pages();
        let mut f = Fixture::new();
        let ids: Vec<(String, String)> = f
            .questionnaires
            .all()
            .flat_map(|d| d.questions().map(|(_, q)| (q.id.clone(), d.id.clone())))
            .collect();
        for (qid, _) in &ids {
            f.evidence.push(EvidenceItem {
                id: format!("ev-{qid}"),
                question_id: qid.clone(),
                file_name: "a.pdf".into(),
                size_bytes: 1,
                sha256: "ab".repeat(32),
            });
            f.problems.push(AnswerProblem {
                question_id: qid.clone(),
                code: "required",
                message: Msg::new("回答してください", "An answer is required"),
            });
        }
        for d in f.questionnaires.all() {
            for lang in [Lang::Ja, Lang::En] {
                let html = t.render_check(&f.page(d, lang));
                let controls: Vec<&str> = form_controls(&html)
                    .into_iter()
                    .filter(|tag| attr(tag, "type") != Some("hidden"))
                    .collect();
                let labels = html.matches(" for=\"").count();
                assert_eq!(controls.len(), labels, "{}: inputs and labels", d.id);
                // One per question at least, plus name, title and the declaration.
                assert!(controls.len() >= d.question_count() + 3);
                for tag in controls {
                    let id = attr(tag, "id").unwrap_or_else(|| panic!("no id: {tag}"));
                    assert_eq!(
                        html.matches(&format!(" for=\"{id}\">")).count(),
                        1,
                        "one label for {id}"
                    );
                    // Every question has a problem here: its inputs say so.
                    if attr(tag, "name").is_some_and(|n| n.starts_with("q.")) {
                        assert_eq!(attr(tag, "aria-invalid"), Some("true"), "{tag}");
                    }
                }
                // Radio and checkbox groups are fieldsets with a legend.
                let groups = d
                    .questions()
                    .filter(|(_, q)| {
                        matches!(
                            q.answer,
                            AnswerType::YesNoNa
                                | AnswerType::SingleChoice
                                | AnswerType::MultipleChoice
                        )
                    })
                    .count();
                assert_eq!(
                    html.matches("<legend class=\"question-text\">").count(),
                    groups
                );
                assert_eq!(html.matches("<fieldset").count(), groups + 1);
            }
        }
    }

    #[test]
    fn field_names_and_ids_follow_the_contract() {
        let t = pages();
        let f = Fixture::new();
        let q = &f.questionnaires;
        let check = |pred: &dyn Fn(&Question) -> bool,
                     expected: &dyn Fn(&Question) -> Vec<String>| {
            let (def, qid) = find(q, pred);
            let d = f.definition(def);
            let (_, question) = d.question(&qid).unwrap();
            for lang in [Lang::Ja, Lang::En] {
                let html = t.render_check(&f.page(d, lang));
                for e in expected(question) {
                    assert!(html.contains(&e), "{e} missing in\n{html}");
                }
            }
        };
        check(
            &|q| q.answer == AnswerType::YesNoNa && q.evidence_for_yes,
            &|q| {
                let id = &q.id;
                let mut v: Vec<String> = ["yes", "no", "na"]
                    .iter()
                    .map(|v| {
                        format!(
                            "<input type=\"radio\" name=\"q.{id}\" value=\"{v}\" id=\"q-{id}-{v}\""
                        )
                    })
                    .collect();
                v.push(format!("<input type=\"file\" name=\"file.{id}\" id=\"q-{id}-file\" multiple accept=\".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.csv,.txt\""));
                v.push(format!("<label for=\"q-{id}-yes\">"));
                v
            },
        );
        check(&|q| q.answer == AnswerType::SingleChoice, &|q| {
            q.choices
                .iter()
                .map(|c| {
                    format!(
                        "<input type=\"radio\" name=\"q.{0}\" value=\"{1}\" id=\"q-{0}-{1}\"",
                        q.id, c.id
                    )
                })
                .collect()
        });
        check(&|q| q.answer == AnswerType::MultipleChoice, &|q| {
            q.choices
                .iter()
                .map(|c| {
                    format!(
                        "<input type=\"checkbox\" name=\"q.{0}\" value=\"{1}\" id=\"q-{0}-{1}\"",
                        q.id, c.id
                    )
                })
                .collect()
        });
        check(&|q| q.answer == AnswerType::Text, &|q| {
            vec![format!(
                "<textarea name=\"q.{0}\" id=\"q-{0}-input\" maxlength=\"4000\"",
                q.id
            )]
        });
        check(&|q| q.answer == AnswerType::Date, &|q| {
            vec![format!(
                "<input type=\"date\" name=\"q.{0}\" id=\"q-{0}-input\"",
                q.id
            )]
        });
        check(
            &|q| q.answer == AnswerType::Number && q.min.is_some(),
            &|q| {
                vec![
                    format!(
                        "<input type=\"number\" step=\"any\" name=\"q.{0}\" id=\"q-{0}-input\"",
                        q.id
                    ),
                    "min=\"0\"".to_string(),
                ]
            },
        );
        check(&|q| q.answer == AnswerType::File, &|q| {
            vec![
                format!("<input type=\"file\" name=\"file.{0}\" id=\"q-{0}-file\" multiple accept=\".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.csv,.txt\"", q.id),
                format!("<label class=\"question-text\" for=\"q-{0}-file\">", q.id),
            ]
        });
        let d = f.definition("outsourcing-periodic-check");
        let ja = t.render_check(&f.page(d, Lang::Ja));
        for e in [
            "<input type=\"text\" name=\"signed_name\" id=\"signed_name\"",
            "<input type=\"text\" name=\"signed_title\" id=\"signed_title\"",
            "<input type=\"checkbox\" name=\"declaration\" value=\"yes\" id=\"declaration\"",
            "<label for=\"declaration\">以上の回答は事実に相違ないことを申告します</label>",
            "<button type=\"submit\" name=\"action\" value=\"save\">下書きを保存</button>",
            "<button type=\"submit\" name=\"action\" value=\"submit\">提出する</button>",
            "<label for=\"q-HUM-01-yes\">はい</label>",
            "<label for=\"q-HUM-01-no\">いいえ</label>",
            "<label for=\"q-HUM-01-na\">該当なし</label>",
            "1ファイル10MBまで",
            "同じリンク",
        ] {
            assert!(ja.contains(e), "{e} missing");
        }
        let en = t.render_check(&f.page(d, Lang::En));
        for e in [
            "<button type=\"submit\" name=\"action\" value=\"save\">Save draft</button>",
            "<button type=\"submit\" name=\"action\" value=\"submit\">Submit</button>",
            "<label for=\"q-HUM-01-na\">Not applicable</label>",
            "I declare that the answers above are true",
            "up to 10 MB each",
        ] {
            assert!(en.contains(e), "{e} missing");
        }
    }

    #[test]
    fn values_and_checked_state_come_from_the_answers() {
        let t = pages();
        let mut f = Fixture::new();
        let (def, yn) = find(&f.questionnaires, |q| q.answer == AnswerType::YesNoNa);
        let def = def.to_string();
        let d = f.definition(&def).clone();
        let by = |a: AnswerType| {
            d.questions()
                .find(|(_, q)| q.answer == a)
                .map(|(_, q)| q.clone())
        };
        f.answers.insert(yn.clone(), answer(&["no"]));
        let multi = by(AnswerType::MultipleChoice);
        if let Some(m) = &multi {
            let ids: Vec<&str> = m.choices.iter().take(2).map(|c| c.id.as_str()).collect();
            f.answers.insert(m.id.clone(), answer(&ids));
        }
        let text = by(AnswerType::Text);
        if let Some(q) = &text {
            f.answers.insert(
                q.id.clone(),
                answer(&["\"><script>alert(1)</script> & 'x'"]),
            );
        }
        let date = by(AnswerType::Date).expect("a date question");
        f.answers.insert(date.id.clone(), answer(&["2027-04-01"]));
        let number = by(AnswerType::Number).expect("a number question");
        f.answers.insert(number.id.clone(), answer(&["12"]));
        f.signature = Signature {
            name: "山田 <太郎>".into(),
            title: "部長".into(),
            declared: true,
        };
        let html = t.render_check(&f.page(&d, Lang::Ja));
        assert!(
            html.contains(&format!("value=\"no\" id=\"q-{yn}-no\" checked>")),
            "{html}"
        );
        assert!(!html.contains(&format!("value=\"yes\" id=\"q-{yn}-yes\" checked")));
        assert_eq!(
            html.matches(" checked").count(),
            1 + multi.as_ref().map_or(0, |_| 2) + 1
        );
        if let Some(m) = &multi {
            for c in m.choices.iter().take(2) {
                assert!(html.contains(&format!("id=\"q-{}-{}\" checked", m.id, c.id)));
            }
        }
        if let Some(q) = &text {
            assert!(html.contains(&format!(
                "id=\"q-{}-input\" maxlength=\"4000\" rows=\"5\">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39;</textarea>",
                q.id
            )), "{html}");
        }
        assert!(html.contains(&format!("id=\"q-{}-input\" value=\"2027-04-01\"", date.id)));
        assert!(html.contains(&format!("id=\"q-{}-input\" value=\"12\"", number.id)));
        assert!(html.contains("value=\"山田 &lt;太郎&gt;\""));
        assert!(html.contains("id=\"declaration\" checked"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn values_are_escaped() {
        let t = pages();
        let f = Fixture::new();
        let d = f.definition("cloud-periodic-check");
        for lang in [Lang::Ja, Lang::En] {
            let mut page = f.page(d, lang);
            page.vendor_name = "<script>alert(1)</script>";
            page.engagement_title = "A&B \"quoted\"";
            page.review_comment = Some("<b>bold</b>");
            page.base_path = "/portal/\"><script>";
            page.notice = Some(Notice::Returned);
            let html = t.render_check(&page);
            assert!(!html.contains("<script"), "{html}");
            assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
            assert!(html.contains("A&amp;B &quot;quoted&quot;"));
            assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
            assert!(html.contains("action=\"/portal/&quot;&gt;&lt;script&gt;\""));
        }
    }

    #[test]
    fn errors_are_summarised_and_linked() {
        let t = pages();
        let mut f = Fixture::new();
        f.problems.push(AnswerProblem {
            question_id: "HUM-01".into(),
            code: "evidence_required",
            message: Msg::new(
                "「はい」の場合は根拠資料を添付してください",
                "A \"yes\" needs a file as evidence",
            ),
        });
        f.problems.push(AnswerProblem {
            question_id: "HUM-05".into(),
            code: "invalid",
            message: Msg::new("日付を入力", "Give a date"),
        });
        f.field_problems.push((
            "signed_name".into(),
            Msg::new("氏名を入力してください", "Enter your name"),
        ));
        f.field_problems.push((
            "declaration".into(),
            Msg::new("申告してください", "Declare"),
        ));
        f.field_problems
            .push(("file.HUM-04".into(), Msg::new("PDFのみ", "PDF only")));
        let d = f.definition("outsourcing-periodic-check");
        let mut page = f.page(d, Lang::Ja);
        page.notice = Some(Notice::SavedNotSubmitted);
        let html = t.render_check(&page);
        for e in [
            "<title>エラー: 業務委託 定期点検票 - 港区</title>",
            "<div class=\"notice notice-error\" role=\"alert\">",
            "下書きは保存しましたが、提出できませんでした。次の項目を直してください",
            "<a href=\"#q-HUM-01\">HUM-01: 「はい」の場合は根拠資料を添付してください</a>",
            "<a href=\"#q-HUM-05\">HUM-05: 日付を入力</a>",
            "<a href=\"#signed_name\">氏名: 氏名を入力してください</a>",
            "<a href=\"#declaration\">申告: 申告してください</a>",
            "<a href=\"#q-HUM-04\">HUM-04（根拠資料）: PDFのみ</a>",
            "<fieldset class=\"question-group\" aria-describedby=\"q-HUM-01-help q-HUM-01-error\">",
            "value=\"yes\" id=\"q-HUM-01-yes\" aria-invalid=\"true\">",
            "<p class=\"error-message\" id=\"q-HUM-01-error\">",
            "id=\"q-HUM-05-input\" value=\"\" aria-describedby=\"q-HUM-05-error\" aria-invalid=\"true\">",
            "id=\"signed_name\" value=\"\" autocomplete=\"name\" aria-invalid=\"true\" aria-describedby=\"signed_name-error\">",
            "aria-invalid=\"true\" aria-describedby=\"declaration-error\">",
            "aria-describedby=\"q-HUM-04-file-hint q-HUM-04-file-error\" aria-invalid=\"true\">",
            "<span class=\"error-prefix\">エラー:</span>",
        ] {
            assert!(html.contains(e), "{e} missing in\n{html}");
        }
        assert!(!html.contains(
            "id=\"signed_title\" value=\"\" autocomplete=\"organization-title\" aria-invalid"
        ));
    }

    #[test]
    fn notices_and_comments() {
        let t = pages();
        let mut f = Fixture::new();
        f.comments
            .insert("HUM-02".into(), "届出日を確認してください".into());
        let d = f.definition("outsourcing-periodic-check");
        let mut page = f.page(d, Lang::Ja);
        page.notice = Some(Notice::NotSaved);
        let html = t.render_check(&page);
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains(
            "入力に誤りがあるため保存していません。選択したファイルも保存されていないので、もう一度選んでください"
        ));
        page.lang = Lang::En;
        let html = t.render_check(&page);
        assert!(html.contains("Nothing was saved"), "{html}");
        assert!(html.contains("files you chose were not kept"));

        page.lang = Lang::Ja;
        page.notice = Some(Notice::Saved);
        let html = t.render_check(&page);
        assert!(html.contains(
            "<div class=\"notice notice-success\" role=\"status\">\n<p>下書きを保存しました。</p>"
        ));

        page.notice = Some(Notice::Returned);
        page.state = CheckState::Returned;
        page.review_comment = Some("HUM-02 を直してください");
        let html = t.render_check(&page);
        assert!(html.contains("担当者から修正の依頼があります"));
        assert!(html.contains("<p class=\"preformatted\">HUM-02 を直してください</p>"));
        assert!(html.contains("<div class=\"officer-comment\" id=\"q-HUM-02-comment\">"));
        assert!(html.contains("届出日を確認してください"));
        assert!(html.contains("aria-describedby=\"q-HUM-02-comment\""));

        page.notice = Some(Notice::Submitted);
        page.state = CheckState::Submitted;
        page.submitted = Some(&f.submitted);
        let html = t.render_check(&page);
        assert!(html.contains("提出しました。ご協力ありがとうございました"));
        assert!(html.contains("role=\"status\""));
    }

    #[test]
    fn evidence_is_listed_with_a_delete_button() {
        let t = pages();
        let mut f = Fixture::new();
        f.evidence.push(EvidenceItem {
            id: "EV123".into(),
            question_id: "HUM-01".into(),
            file_name: "名簿 <最新>.pdf".into(),
            size_bytes: 153_600,
            sha256: "0123456789abcdef".repeat(4),
        });
        let d = f.definition("outsourcing-periodic-check");
        let html = t.render_check(&f.page(d, Lang::Ja));
        assert!(html.contains("名簿 &lt;最新&gt;.pdf"));
        assert!(html.contains("150.0 KB"));
        assert!(html.contains("<code>0123456789ab</code>"));
        assert!(!html.contains("0123456789abc"));
        assert!(
            html.contains("<button type=\"submit\" name=\"delete\" value=\"EV123\">削除</button>")
        );
        let en = t.render_check(&f.page(d, Lang::En));
        assert!(
            en.contains("<button type=\"submit\" name=\"delete\" value=\"EV123\">Remove</button>")
        );
        // Enter in a text field submits with the first submit button: not a delete.
        let first = html.find("<button").unwrap();
        assert!(html[first..].starts_with("<button type=\"submit\" class=\"visually-hidden\""));
    }

    #[test]
    fn read_only_page_shows_answers_as_text() {
        let t = pages();
        let mut f = Fixture::new();
        let d = f.definition("outsourcing-periodic-check").clone();
        f.answers.insert("HUM-01".into(), answer(&["yes"]));
        f.answers
            .insert("HUM-02".into(), answer(&["notified_before"]));
        f.answers.insert("HUM-05".into(), answer(&["2027-04-01"]));
        f.evidence.push(EvidenceItem {
            id: "EV1".into(),
            question_id: "HUM-01".into(),
            file_name: "roster.pdf".into(),
            size_bytes: 10,
            sha256: "f".repeat(64),
        });
        let multi = d
            .questions()
            .find(|(_, q)| q.answer == AnswerType::MultipleChoice)
            .map(|(_, q)| q.clone());
        if let Some(m) = &multi {
            f.answers
                .insert(m.id.clone(), answer(&[&m.choices[0].id, &m.choices[1].id]));
        }
        for state in [CheckState::Submitted, CheckState::Accepted] {
            let mut page = f.page(&d, Lang::Ja);
            page.state = state;
            page.submitted = Some(&f.submitted);
            let html = t.render_check(&page);
            for forbidden in ["<form", "<input", "<textarea", "<button", "<select"] {
                assert!(!html.contains(forbidden), "{forbidden} in\n{html}");
            }
            for e in [
                "<span class=\"answer-value preformatted\">はい</span>",
                "<span class=\"answer-value preformatted\">変更前に届け出た</span>",
                "<span class=\"answer-value preformatted\">令和9年4月1日</span>",
                "roster.pdf",
                "山田 太郎",
                "情報システム部長",
                "令和9年4月1日 09:30",
                "未回答",
                "id=\"q-HUM-03\"",
            ] {
                assert!(html.contains(e), "{e} missing in\n{html}");
            }
            if let Some(m) = &multi {
                assert!(html.contains(&format!("{}、{}", m.choices[0].ja, m.choices[1].ja)));
            }
            page.lang = Lang::En;
            let html = t.render_check(&page);
            for e in [
                "<span class=\"answer-value preformatted\">Yes</span>",
                "1 April 2027, 09:30",
                "No answer",
                "Notified before the change",
            ] {
                assert!(html.contains(e), "{e} missing in\n{html}");
            }
            assert!(!html.contains("<input"));
        }
        // Submitted already recorded: read-only whatever the state says.
        let mut page = f.page(&d, Lang::Ja);
        page.submitted = Some(&f.submitted);
        assert!(!t.render_check(&page).contains("<form"));
    }

    #[test]
    fn message_page_shows_only_its_message() {
        let t = pages();
        let title = Msg::new("リンクが無効です", "This link is not valid");
        let body = Msg::new(
            "担当者に <新しい> リンクを依頼してください。",
            "Ask for a new link.",
        );
        let page = MessagePage {
            lang: Lang::Ja,
            title: &title,
            body: &body,
            base_path: None,
        };
        let html = t.render_message(&page);
        assert!(html.contains("<html lang=\"ja\">"));
        assert!(html.contains("<h1>リンクが無効です</h1>"));
        assert!(html.contains("担当者に &lt;新しい&gt; リンクを依頼してください。"));
        assert!(!html.contains("hreflang"));
        assert!(!html.contains("English"));
        assert!(!html.contains("<form"));
        assert!(!html.contains("<input"));
        assert!(!html.contains("港区"));
        assert_no_inline_style_or_script(&html);

        let page = MessagePage {
            lang: Lang::En,
            base_path: Some("/portal/abc"),
            ..page
        };
        let html = t.render_message(&page);
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("This link is not valid"));
        assert!(html.contains("<a href=\"/portal/abc?lang=ja\" hreflang=\"ja\">日本語</a>"));
    }

    #[test]
    fn strict_mode_catches_a_template_error_at_load() {
        let mut sources: Vec<(&str, &str, String)> = TEMPLATES
            .iter()
            .map(|(n, file)| {
                let data = Builtin::get(file).unwrap();
                (*n, *file, String::from_utf8(data.data.to_vec()).unwrap())
            })
            .collect();
        let notes = sources
            .iter_mut()
            .find(|s| s.0 == "question_notes")
            .unwrap();
        notes.2.push_str("{{#if help}}{{helq}}{{/if}}");
        let pages = PortalPages::from_sources(&sources).unwrap();
        let err = pages.check_samples().unwrap_err();
        assert_eq!(
            err.file, "portal_templates/partials/question_notes.hbs",
            "{err}"
        );
        assert!(err.reason.contains("helq"), "{err}");

        // And a failing render falls back to a fixed page rather than panicking.
        let f = Fixture::new();
        let d = f.definition("outsourcing-periodic-check");
        let mut page = f.page(d, Lang::En);
        page.vendor_name = "SECRET VENDOR";
        let html = pages.render_check(&page);
        assert_eq!(html, fallback_page(Lang::En));
        assert!(!html.contains("SECRET VENDOR"));

        let broken = [("check", "check.hbs", "{{#if x}}".to_string())];
        let err = PortalPages::from_sources(&broken).err().unwrap();
        assert_eq!(err.file, "portal_templates/check.hbs");
    }

    fn builtin_text(file: &str) -> String {
        String::from_utf8(Builtin::get(file).unwrap().data.to_vec()).unwrap()
    }

    fn write(dir: &std::path::Path, relative: &str, text: &str) -> String {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn an_override_template_or_labels_file_replaces_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "partials/foot.hbs",
            &builtin_text("partials/foot.hbs").replace(
                "</main>",
                "<p class=\"contact\">{{t.skip_link}}</p>\n</main>",
            ),
        );
        write(
            dir.path(),
            "labels/en.toml",
            &builtin_text("labels/en.toml").replace(
                "skip_link = \"Skip to main content\"",
                "skip_link = \"Go to the form\"",
            ),
        );
        let t = PortalPages::load_from(Some(dir.path())).expect("the overrides are valid");
        let f = Fixture::new();
        let d = f.definition("outsourcing-periodic-check");
        let en = t.render_check(&f.page(d, Lang::En));
        assert!(en.contains("<a class=\"skip-link\" href=\"#main\">Go to the form</a>"));
        assert!(
            en.contains("<p class=\"contact\">Go to the form</p>\n</main>"),
            "{en}"
        );
        let ja = t.render_check(&f.page(d, Lang::Ja));
        assert!(
            ja.contains("<p class=\"contact\">本文へ移動</p>\n</main>"),
            "{ja}"
        );
    }

    #[test]
    fn a_broken_override_fails_load_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "partials/question_notes.hbs",
            &format!(
                "{}{{{{#if help}}}}{{{{helq}}}}{{{{/if}}}}",
                builtin_text("partials/question_notes.hbs")
            ),
        );
        let err = PortalPages::load_from(Some(dir.path())).err().unwrap();
        assert_eq!(err.file, file, "{err}");
        assert!(err.reason.contains("helq"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "message.hbs", "{{> head}}{{#if title}}");
        let err = PortalPages::load_from(Some(dir.path())).err().unwrap();
        assert_eq!(err.file, file, "{err}");
    }

    #[test]
    fn an_unknown_file_in_the_override_folder_is_refused() {
        for name in [
            "partials/heda.hbs",
            "check.html",
            "labels/fr.toml",
            "portal.css",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let file = write(dir.path(), name, "x");
            let err = PortalPages::load_from(Some(dir.path())).err().unwrap();
            assert_eq!(err.file, file, "{err}");
        }
        let missing = tempfile::tempdir().unwrap().path().join("gone");
        let err = PortalPages::load_from(Some(&missing)).err().unwrap();
        assert!(err.reason.contains("portal_templates_dir"), "{err}");
    }

    #[test]
    fn a_labels_file_missing_a_key_having_an_extra_one_or_an_empty_one_is_refused() {
        let en = builtin_text("labels/en.toml");
        let ja = builtin_text("labels/ja.toml");
        for (file, text, key) in [
            (
                "labels/en.toml",
                en.replace("submit = \"Submit\"\n", ""),
                "`submit`",
            ),
            (
                "labels/ja.toml",
                ja.replace("overdue = \"期限超過\"\n", ""),
                "`states.overdue`",
            ),
            (
                "labels/ja.toml",
                format!("submitt = \"提出\"\n{ja}"),
                "`submitt`",
            ),
            (
                "labels/en.toml",
                en.replace("[notices]\n", "[notices]\nsaving = \"Saving\"\n"),
                "`notices.saving`",
            ),
            (
                "labels/en.toml",
                en.replace("remove = \"Remove\"", "remove = \"\""),
                "`remove` is empty",
            ),
            (
                "labels/ja.toml",
                ja.replace("file_hint = \"", "file_hint = \"{size}"),
                "`file_hint`",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = write(dir.path(), file, &text);
            let err = PortalPages::load_from(Some(dir.path())).err().unwrap();
            assert_eq!(err.file, path, "{err}");
            assert!(err.reason.contains(key), "{key}: {err}");
        }
    }

    #[test]
    fn the_labels_files_have_the_texts_the_pages_showed_before_they_were_data() {
        let t = pages();
        let ja = t.labels.get(Lang::Ja);
        let en = t.labels.get(Lang::En);
        assert_eq!(ja.site_name, "委託先ポータル");
        assert_eq!(en.site_name, "Vendor portal");
        assert_eq!(state_label(ja, CheckState::InProgress), "回答中");
        assert_eq!(
            state_label(en, CheckState::Returned),
            "Returned for correction"
        );
        assert_eq!(yes_no_na_label(en, "na"), Some("Not applicable"));
        assert_eq!(yes_no_na_label(ja, "maybe"), None);
        assert_eq!(
            file_hint(en, 2_621_440),
            "PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV or text (.txt) files, up to 2.5 MB each. You can choose several files at once."
        );
        let d = Fixture::new();
        let def = d.definition("outsourcing-periodic-check");
        assert_eq!(
            field_label(ja, def, "file.HUM-04"),
            (
                "HUM-04（根拠資料）".to_string(),
                Some("#q-HUM-04".to_string())
            )
        );
        assert_eq!(field_label(en, def, "file.NOPE").0, "NOPE (evidence files)");
        let (def_id, file_q) = find(&d.questionnaires, |q| q.answer == AnswerType::File);
        let (_, q) = d.definition(def_id).question(&file_q).unwrap();
        for (lang, labels, files, text) in [
            (Lang::Ja, ja, 1, "1件のファイルを添付"),
            (Lang::Ja, ja, 3, "3件のファイルを添付"),
            (Lang::En, en, 1, "1 file attached"),
            (Lang::En, en, 3, "3 files attached"),
            (Lang::En, en, 0, "No answer"),
        ] {
            assert_eq!(answer_text(lang, labels, q, &[], files).0, text);
        }
    }

    #[test]
    fn stylesheet_is_small_and_has_what_the_pages_need() {
        const PORTAL_CSS: &str = include_str!("../../assets/portal.css");
        assert!(PORTAL_CSS.len() < 16 * 1024);
        for e in [
            "var(--font-family-sans)",
            "48rem",
            ":focus-visible",
            ".visually-hidden",
            ".error-summary",
        ] {
            assert!(PORTAL_CSS.contains(e), "{e}");
        }
    }

    #[test]
    fn sizes_and_dates() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(2048), "2.0 KB");
        assert_eq!(format_size(5 * 1024 * 1024), "5.0 MB");
        assert_eq!(format_megabytes(10 * 1024 * 1024), "10");
        assert_eq!(format_megabytes(2_621_440), "2.5");
        let at = NaiveDate::from_ymd_opt(2019, 5, 1)
            .unwrap()
            .and_hms_opt(14, 5, 0)
            .unwrap();
        assert_eq!(format_date_time(Lang::Ja, at), "令和元年5月1日 14:05");
        assert_eq!(format_date_time(Lang::En, at), "1 May 2019, 14:05");
    }
}

//! The staff web application's pages: templates in `staff_templates/`, their labels in
//! `staff_templates/labels/{ja,en}.toml`, loaded and checked at start-up like the vendor
//! portal's (`render`), and the frame around every page (`Chrome`).
//!
//! Unlike the portal's, the staff labels are not one Rust struct: there are hundreds of
//! them and nearly all are read by the templates alone. The built-in Japanese file is the
//! reference for the keys (`render::load_labels`), strict Handlebars fails on a key a
//! template names and the file lacks, and every page is rendered against samples at
//! start-up; the few labels the code picks (state and kind names, messages) are read with
//! [`StaffPages::text`], whose keys are checked at start-up too
//! ([`samples::CODE_KEY_SETS`]).

mod samples;
pub mod views;

use std::path::Path;

use rust_embed::RustEmbed;
use serde::Serialize;
use serde_json::Value;

use crate::i18n::Lang;
use crate::render::{
    load_labels, Escape, Localized, Source, TemplateError, TemplateSource, Templates,
};

#[derive(RustEmbed)]
#[folder = "staff_templates/"]
struct Builtin;

/// Every template: its name (partials are included by it) and its file.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout", "partials/layout.hbs"),
    ("error_summary", "partials/error_summary.hbs"),
    ("field_error", "partials/field_error.hbs"),
    ("pager", "partials/pager.hbs"),
    ("message", "message.hbs"),
    ("sign_in", "sign_in.hbs"),
    ("second_factor", "second_factor.hbs"),
    ("change_password", "change_password.hbs"),
    ("enrol", "enrol.hbs"),
    ("recovery_codes", "recovery_codes.hbs"),
    ("my_work", "my_work.hbs"),
    ("engagements", "engagements.hbs"),
    ("engagement", "engagement.hbs"),
    ("text_field", "partials/text_field.hbs"),
    ("select_field", "partials/select_field.hbs"),
    ("vendor_form", "partials/vendor_form.hbs"),
    ("vendors", "vendors.hbs"),
    ("vendor_new", "vendor_new.hbs"),
    ("vendor", "vendor.hbs"),
    ("engagement_form", "engagement_form.hbs"),
    ("admin_tabs", "partials/admin_tabs.hbs"),
    ("account_fields", "partials/account_fields.hbs"),
    ("admin_users", "admin_users.hbs"),
    ("admin_user_new", "admin_user_new.hbs"),
    ("admin_user_created", "admin_user_created.hbs"),
    ("admin_user", "admin_user.hbs"),
    ("admin_divisions", "admin_divisions.hbs"),
    ("access_review", "access_review.hbs"),
    ("outbox", "outbox.hbs"),
    ("sweep", "sweep.hbs"),
    ("audit_log", "audit_log.hbs"),
    ("clauses", "clauses.hbs"),
    ("approvals", "approvals.hbs"),
    ("finding_rows", "partials/finding_rows.hbs"),
    ("check", "check.hbs"),
    ("checks", "checks.hbs"),
    ("finding", "finding.hbs"),
    ("findings", "findings.hbs"),
    ("configuration", "configuration.hbs"),
    ("configuration_compare", "configuration_compare.hbs"),
    ("responsibility", "responsibility.hbs"),
    ("cloud_service", "cloud_service.hbs"),
    ("subprocessors", "subprocessors.hbs"),
];

/// A page of the staff application, by template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Message,
    SignIn,
    SecondFactor,
    ChangePassword,
    Enrol,
    RecoveryCodes,
    MyWork,
    Engagements,
    Engagement,
    Vendors,
    VendorNew,
    Vendor,
    EngagementForm,
    AdminUsers,
    AdminUserNew,
    AdminUserCreated,
    AdminUser,
    AdminDivisions,
    AccessReview,
    Outbox,
    Sweep,
    AuditLog,
    Clauses,
    Approvals,
    Check,
    Checks,
    Finding,
    Findings,
    Configuration,
    ConfigurationCompare,
    Responsibility,
    CloudService,
    Subprocessors,
}

impl Page {
    fn template(self) -> &'static str {
        match self {
            Page::Message => "message",
            Page::SignIn => "sign_in",
            Page::SecondFactor => "second_factor",
            Page::ChangePassword => "change_password",
            Page::Enrol => "enrol",
            Page::RecoveryCodes => "recovery_codes",
            Page::MyWork => "my_work",
            Page::Engagements => "engagements",
            Page::Engagement => "engagement",
            Page::Vendors => "vendors",
            Page::VendorNew => "vendor_new",
            Page::Vendor => "vendor",
            Page::EngagementForm => "engagement_form",
            Page::AdminUsers => "admin_users",
            Page::AdminUserNew => "admin_user_new",
            Page::AdminUserCreated => "admin_user_created",
            Page::AdminUser => "admin_user",
            Page::AdminDivisions => "admin_divisions",
            Page::AccessReview => "access_review",
            Page::Outbox => "outbox",
            Page::Sweep => "sweep",
            Page::AuditLog => "audit_log",
            Page::Clauses => "clauses",
            Page::Approvals => "approvals",
            Page::Check => "check",
            Page::Checks => "checks",
            Page::Finding => "finding",
            Page::Findings => "findings",
            Page::Configuration => "configuration",
            Page::ConfigurationCompare => "configuration_compare",
            Page::Responsibility => "responsibility",
            Page::CloudService => "cloud_service",
            Page::Subprocessors => "subprocessors",
        }
    }
}

/// The main menu's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    MyWork,
    Engagements,
    Vendors,
    Approvals,
    Checks,
    Findings,
    Account,
    /// Accounts, the access review, the outbox and the sweep: shown only to those who
    /// may administer or operate reminders (`ChromeUser::sections`).
    Admin,
    /// Shown only to those who may read the audit log (R-5.5.7).
    AuditLog,
}

impl Section {
    /// Whether the menu shows this entry only to those whose `sections` name it.
    fn restricted(self) -> bool {
        matches!(self, Section::Admin | Section::AuditLog)
    }
}

const SECTIONS: &[(Section, &str, &str)] = &[
    (Section::MyWork, "/", "nav.my_work"),
    (Section::Engagements, "/engagements", "nav.engagements"),
    (Section::Vendors, "/vendors", "nav.vendors"),
    (Section::Approvals, "/approvals", "approvals.nav"),
    (Section::Checks, "/checks", "checks_nav.checks"),
    (Section::Findings, "/findings", "checks_nav.findings"),
    (Section::Admin, "/admin/users", "admin.nav"),
    (Section::AuditLog, "/audit-log", "audit.nav"),
    (Section::Account, "/account/recovery-codes", "nav.account"),
];

/// The signed-in person, as the frame shows them.
#[derive(Debug, Clone, Serialize)]
pub struct ChromeUser {
    pub name: String,
    /// The restricted menu entries this person may open.
    #[serde(skip)]
    pub sections: Vec<Section>,
}

/// The frame around a page: its title, who is signed in, the menu, the language switch.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub user: Option<ChromeUser>,
    pub csrf: Option<String>,
    /// The menu entry this page belongs to (none before sign-in).
    pub section: Option<Section>,
    /// The address of this page, for the language switch to come back to.
    pub path: String,
    pub flash: Option<String>,
}

#[derive(Serialize)]
struct NavView {
    href: &'static str,
    label: String,
    current: bool,
}

#[derive(Serialize)]
struct SwitchView {
    href: String,
    lang: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct ChromeView<'a> {
    title: &'a str,
    stylesheets: Vec<String>,
    user: Option<&'a ChromeUser>,
    nav: Vec<NavView>,
    csrf: Option<&'a str>,
    switch: SwitchView,
    path: &'a str,
    flash: Option<&'a str>,
}

#[derive(Serialize)]
struct View<'a, P: Serialize> {
    lang: &'static str,
    t: &'a Value,
    chrome: ChromeView<'a>,
    page: &'a P,
}

/// The labels files, one folder per area of the application (`labels/ja.toml`,
/// `labels/<area>/ja.toml`, …), so that each area's texts stay together; their top-level
/// keys are merged into one tree, and a key two folders both define is refused.
const LABEL_SETS: &[&str] = &[
    "labels",
    "labels/admin",
    "labels/clauses",
    "labels/checks",
    "labels/cloud",
];

/// Every labels set merged, per language.
struct Labels {
    ja: Value,
    en: Value,
    /// The first set, for naming the files in errors.
    main: Localized<Value>,
}

impl Labels {
    fn get(&self, lang: Lang) -> &Value {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    fn origin(&self, lang: Lang) -> &str {
        self.main.origin(lang)
    }

    fn load(source: &mut TemplateSource) -> Result<Labels, TemplateError> {
        let mut sets: Vec<Localized<Value>> = Vec::with_capacity(LABEL_SETS.len());
        for folder in LABEL_SETS {
            sets.push(load_labels(source, folder)?);
        }
        let merged = |lang: Lang| -> Result<Value, TemplateError> {
            let mut all = serde_json::Map::new();
            for set in &sets {
                let Value::Object(map) = set.get(lang) else {
                    return Err(TemplateError::new(
                        set.origin(lang),
                        "must be a table of texts",
                    ));
                };
                for (key, value) in map {
                    if all.insert(key.clone(), value.clone()).is_some() {
                        return Err(TemplateError::new(
                            set.origin(lang),
                            format!("key `{key}` is defined in another labels folder too"),
                        ));
                    }
                }
            }
            Ok(Value::Object(all))
        };
        let (ja, en) = (merged(Lang::Ja)?, merged(Lang::En)?);
        let main = sets
            .into_iter()
            .next()
            .ok_or_else(|| TemplateError::new("staff_templates/labels", "no labels"))?;
        Ok(Labels { ja, en, main })
    }
}

/// The staff pages' templates and labels, checked.
pub struct StaffPages {
    templates: Templates,
    labels: Labels,
}

impl StaffPages {
    /// The built-in templates and labels, checked.
    pub fn load() -> Result<StaffPages, TemplateError> {
        StaffPages::load_from(None)
    }

    /// Loads every template and both labels files, each from `override_dir` when it has a
    /// file of the same relative name, and, when there is such a folder, renders every page
    /// against samples in both languages; the first problem is returned with its file.
    /// The built-in set alone is rendered against the samples by this module's tests
    /// instead: it cannot change after the build, and rendering it is three quarters of
    /// the service's start-up.
    pub fn load_from(override_dir: Option<&Path>) -> Result<StaffPages, TemplateError> {
        let mut source = TemplateSource::open::<Builtin>(
            "staff_templates",
            "staff_templates_dir",
            override_dir,
        )?;
        let mut sources: Vec<(&str, Source)> = Vec::with_capacity(TEMPLATES.len());
        for (name, file) in TEMPLATES {
            sources.push((name, source.require(file)?));
        }
        let labels = Labels::load(&mut source)?;
        source.finish()?;
        let mut templates = Templates::new(Escape::Page);
        for (name, source) in &sources {
            templates.register(name, source)?;
        }
        let pages = StaffPages { templates, labels };
        if override_dir.is_some() {
            samples::check(&pages)?;
        }
        Ok(pages)
    }

    /// A label the code picks, by its dotted key (`kinds.outsourcing`), in `lang`. Every
    /// key the code asks for is checked at start-up, so the key itself is shown only for a
    /// key added to the code and not to [`samples::CODE_KEY_SETS`], which a test catches.
    pub fn text<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        lookup(self.labels.get(lang), key).unwrap_or(key)
    }

    /// A label that may be missing (the hint of a rule, the name of an audited action):
    /// `None` when the labels have no such key.
    pub fn text_opt(&self, lang: Lang, key: &str) -> Option<&str> {
        lookup(self.labels.get(lang), key)
    }

    fn chrome_view<'a>(&self, chrome: &'a Chrome) -> ChromeView<'a> {
        let lang = chrome.lang;
        let nav = if let Some(user) = &chrome.user {
            SECTIONS
                .iter()
                .filter(|(section, _, _)| !section.restricted() || user.sections.contains(section))
                .map(|(section, href, key)| NavView {
                    href,
                    label: self.text(lang, key).to_string(),
                    current: chrome.section == Some(*section),
                })
                .collect()
        } else {
            Vec::new()
        };
        let (other, label) = match lang {
            Lang::Ja => ("en", "English"),
            Lang::En => ("ja", "日本語"),
        };
        let path_only = chrome.path.split('?').next().unwrap_or("/");
        ChromeView {
            title: &chrome.title,
            stylesheets: crate::assets::staff_stylesheets(),
            user: chrome.user.as_ref(),
            nav,
            csrf: chrome.csrf.as_deref(),
            switch: SwitchView {
                href: format!("{path_only}?lang={other}"),
                lang: other,
                label,
            },
            path: &chrome.path,
            flash: chrome.flash.as_deref(),
        }
    }

    /// Renders `page` with `data` in the frame `chrome`.
    pub fn render_checked<P: Serialize>(
        &self,
        page: Page,
        chrome: &Chrome,
        data: &P,
    ) -> Result<String, TemplateError> {
        let view = View {
            lang: chrome.lang.as_str(),
            t: self.labels.get(chrome.lang),
            chrome: self.chrome_view(chrome),
            page: data,
        };
        self.templates.render(page.template(), &view)
    }

    /// Renders `page`; a template that fails (an override that passed the start-up check
    /// but not this data) is logged and answered with a fixed page.
    pub fn render<P: Serialize>(&self, page: Page, chrome: &Chrome, data: &P) -> String {
        match self.render_checked(page, chrome, data) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, template = page.template(), "staff page failed to render");
                fallback_page(chrome.lang)
            }
        }
    }
}

fn lookup<'v>(labels: &'v Value, key: &str) -> Option<&'v str> {
    key.split('.')
        .try_fold(labels, |v, part| v.get(part))
        .and_then(Value::as_str)
}

/// What is shown when a template fails: fixed text only, kept in the code so that it
/// does not depend on the files that failed.
fn fallback_page(lang: Lang) -> String {
    let (html_lang, title, body) = match lang {
        Lang::Ja => (
            "ja",
            "ページを表示できません",
            "このページを表示できませんでした。時間をおいてもう一度お試しください。解決しない場合はシステム管理者に連絡してください。",
        ),
        Lang::En => (
            "en",
            "The page cannot be shown",
            "This page could not be shown. Please try again later, and tell your system administrator if it persists.",
        ),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{body}</p>\n<p><a href=\"/\">Itaku</a></p>\n</main>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_pages_load_and_render_their_samples() {
        let pages = StaffPages::load().unwrap();
        samples::check(&pages).unwrap();
        assert_eq!(pages.text(Lang::Ja, "nav.my_work"), "自分の仕事");
        assert_eq!(pages.text(Lang::En, "nav.my_work"), "My work");
    }

    #[test]
    fn every_key_the_code_asks_for_is_in_both_labels_files() {
        let pages = StaffPages::load().unwrap();
        for key in samples::CODE_KEY_SETS.iter().flat_map(|set| set.iter()) {
            for lang in [Lang::Ja, Lang::En] {
                assert!(
                    lookup(pages.labels.get(lang), key).is_some(),
                    "{key} in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn a_template_naming_a_label_that_does_not_exist_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("message.hbs"),
            "{{#> layout}}<p>{{t.no_such_label}}</p>{{/layout}}",
        )
        .unwrap();
        let err = StaffPages::load_from(Some(dir.path()))
            .err()
            .expect("refused");
        assert!(err.file.ends_with("message.hbs"), "{err}");
    }

    #[test]
    fn values_are_escaped_and_the_frame_carries_the_menu() {
        let pages = StaffPages::load().unwrap();
        let chrome = Chrome {
            lang: Lang::Ja,
            title: "<題>".into(),
            user: Some(ChromeUser {
                name: "港 \"花子\"".into(),
                sections: vec![],
            }),
            csrf: Some("tok".into()),
            section: Some(Section::MyWork),
            path: "/".into(),
            flash: None,
        };
        let html = pages.render(
            Page::Message,
            &chrome,
            &views::MessageView {
                body: "<script>".into(),
                back: None,
            },
        );
        assert!(html.contains("&lt;題&gt;"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("港 &quot;花子&quot;"));
        assert!(html.contains(r#"<a href="/" aria-current="page">自分の仕事</a>"#));
        assert!(!html.contains(r#"href="/audit-log""#));
        assert!(!html.contains("<script"));
    }
}

//! The deployment's own wording: folders whose files replace built-in email and portal
//! templates and labels, used by the running service, and a broken one that stops it
//! before it starts.

use std::path::Path;

use itaku::config::Config;
use itaku::startup::Application;

use crate::helpers::{spawn_app_with, TestDatabase};
use crate::portal::{issue, page, world, CONTACT};

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn portal_and_email_overrides_are_what_the_vendor_sees() {
    let mail = tempfile::tempdir().unwrap();
    write(
        mail.path(),
        "ja/check_request.subject.hbs",
        "【{{organization}}】点検票のご案内（{{engagement_title}}）\n",
    );
    let portal = tempfile::tempdir().unwrap();
    write(
        portal.path(),
        "labels/ja.toml",
        &include_str!("../../portal_templates/labels/ja.toml").replace(
            "save_draft = \"下書きを保存\"",
            "save_draft = \"いったん保存\"",
        ),
    );
    let app = spawn_app_with(&[
        ("email_templates_dir", &mail.path().display().to_string()),
        ("portal_templates_dir", &portal.path().display().to_string()),
    ])
    .await;
    let w = world(&app).await;
    let (_, token) = issue(&app, &w, 1).await;
    let mails = app.mail_to(CONTACT, 1).await;
    assert!(
        mails[0].subject.starts_with("【港区】点検票のご案内（"),
        "{}",
        mails[0].subject
    );
    let (status, html) = page(&app, &token, "").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(
            "<button type=\"submit\" name=\"action\" value=\"save\">いったん保存</button>"
        ),
        "{html}"
    );
    assert!(!html.contains("下書きを保存</button>"), "{html}");
    // The built-in English labels are untouched.
    let (_, html) = page(&app, &token, "?lang=en").await;
    assert!(html.contains(">Save draft</button>"), "{html}");
}

#[test]
fn a_broken_portal_or_email_override_stops_the_start_with_its_file() {
    let (_database, url) = TestDatabase::new();
    let start = |key: &str, dir: &Path| {
        let config = Config::from_pairs(&[
            ("database_url", url.as_str()),
            ("bind", "127.0.0.1:0"),
            (key, &dir.display().to_string()),
        ])
        .unwrap();
        match Application::build(config) {
            Ok(_) => panic!("the service must not start with a broken {key}"),
            Err(e) => e.to_string(),
        }
    };

    let portal = tempfile::tempdir().unwrap();
    write(
        portal.path(),
        "labels/en.toml",
        &include_str!("../../portal_templates/labels/en.toml").replace("submit = \"Submit\"\n", ""),
    );
    let err = start("portal_templates_dir", portal.path());
    assert!(
        err.contains(&portal.path().join("labels/en.toml").display().to_string())
            && err.contains("`submit`"),
        "{err}"
    );

    let mail = tempfile::tempdir().unwrap();
    write(
        mail.path(),
        "en/reminder_digest.text.hbs",
        "{{recipient}}\n",
    );
    let err = start("email_templates_dir", mail.path());
    assert!(
        err.contains(
            &mail
                .path()
                .join("en/reminder_digest.text.hbs")
                .display()
                .to_string()
        ) && err.contains("recipient"),
        "{err}"
    );

    let unknown = tempfile::tempdir().unwrap();
    write(unknown.path(), "ja/check_reqest.subject.hbs", "x\n");
    let err = start("email_templates_dir", unknown.path());
    assert!(err.contains("check_reqest.subject.hbs"), "{err}");
}

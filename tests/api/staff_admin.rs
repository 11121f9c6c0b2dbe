//! The administration and audit log pages: in headless Chromium, a chief system manager
//! (ROLE-CSM) registers a security officer and sees their one-time password once,
//! confirms the access review (R-5.5.3.6), looks at what the reminder sweep would send,
//! sends it, and sends a failed email again; an auditor (ROLE-AUD) finds the audit log's
//! hash chain intact, filters it and downloads it as CSV (R-5.5.7). Over plain HTTP, who
//! is refused these pages (`policy::access`), a refused account form that writes nothing,
//! and a form without its CSRF token. Screenshots go under `target/screenshots/`.

use std::time::Duration;

use itaku::clock::Clock;
use itaku::domain::Role;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::{json, Value};

use crate::helpers::{outsourcing_body, spawn_app_with, totp, TestApp, TestUser, NEW_PASSWORD};
use crate::smtp::{free_port, smtp_config};
use crate::staff_pages::{
    accessible, fill, main_text, post_form, screenshots, session_of, step, submit, DESKTOP,
};
use crate::webdriver::Browser;

/// Signs `user` (enrolled through the API) in through the pages with a TOTP code
/// `ahead` steps on, and lands on `next`.
async fn sign_in(browser: &Browser, app: &TestApp, user: &TestUser, secret: &str, next: &str) {
    browser
        .goto(&app.url(&format!("/sign-in?next={next}")))
        .await
        .unwrap();
    fill(browser, "#email", &user.email).await;
    fill(browser, "#password", NEW_PASSWORD).await;
    submit(browser, "button[type=submit].primary").await;
    browser
        .wait_for("#code", Duration::from_secs(5))
        .await
        .unwrap();
    fill(browser, "#code", &totp(secret, step(app, 1))).await;
    submit(browser, "button[type=submit].primary").await;
}

/// The text of the element `css` once it is there.
async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .wait_for(css, Duration::from_secs(5))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_chief_system_manager_administers_and_an_auditor_reads_the_log_in_the_browser() {
    // Email goes to a port nobody listens on: messages fail after two attempts.
    let mut config = smtp_config(free_port());
    config.push(("mail_max_attempts", "2".into()));
    let pairs: Vec<(&str, &str)> = config.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&pairs).await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let owner = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let auditor = app.staff(&[Role::Auditor], &[]).await;
    // An engagement starting in ten days: its selection and contract are due, so the
    // sweep has reminders to send.
    let vendor = app.vendor(&csm, "株式会社港システム").await;
    let today = app.clock.now().date_naive();
    let mut body = outsourcing_body("kumin", &owner.id, &vendor);
    body["starts_on"] = json!((today + chrono::Days::new(10)).to_string());
    body["ends_on"] = json!((today + chrono::Days::new(380)).to_string());
    assert_eq!(
        app.post(&csm, "/api/v1/engagements", &body).await.status(),
        201
    );
    let csm_enrolled = app.enrol(&csm).await;
    let auditor_enrolled = app.enrol(&auditor).await;

    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    sign_in(&browser, &app, &csm, &csm_enrolled.secret, "/").await;
    browser
        .wait_for("nav.main-nav", Duration::from_secs(5))
        .await
        .unwrap();
    // The menu offers administration to ROLE-CSM, not the audit log.
    assert!(browser
        .find("nav.main-nav a[href='/audit-log']")
        .await
        .is_err());
    submit(&browser, "nav.main-nav a[href='/admin/users']").await;
    browser
        .wait_for(".data-table", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        browser.title().await.unwrap(),
        "職員アカウント | 委託先管理 Itaku"
    );
    assert!(main_text(&browser).await.contains(&owner.email));
    screenshots(&browser, "staff-admin-users").await;
    accessible(&browser, "admin users").await;

    // Registering a security officer of kumin: roles by their Japanese names.
    submit(&browser, "a[href='/admin/users/new']").await;
    browser
        .wait_for("#email", Duration::from_secs(5))
        .await
        .unwrap();
    let label = text_of(&browser, "label[for='role-security_officer']").await;
    assert!(label.contains("セキュリティ責任者"), "{label}");
    // A first try without a role: the error beside the roles, what was typed kept.
    fill(&browser, "#email", "tanaka.ichiro@city.minato.example").await;
    fill(&browser, "#display_name", "田中 一郎").await;
    browser
        .find("#division-kumin")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, "button[type=submit].primary").await;
    let error = text_of(&browser, "#roles-error").await;
    assert!(!error.is_empty());
    assert_eq!(
        browser
            .find("#display_name")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap(),
        json!("田中 一郎")
    );
    assert!(browser
        .find("#division-kumin")
        .await
        .unwrap()
        .is_selected()
        .await
        .unwrap());
    screenshots(&browser, "staff-admin-user-new-error").await;
    accessible(&browser, "admin user new with errors").await;
    browser
        .find("#role-security_officer")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, "button[type=submit].primary").await;
    let password = text_of(&browser, ".one-time-password").await;
    assert!(password.len() >= 12, "{password}");
    assert!(main_text(&browser).await.contains("一度だけ表示されます"));
    screenshots(&browser, "staff-admin-user-created").await;
    accessible(&browser, "admin user created").await;
    // The account exists as registered; its page never shows the password again.
    let res = app
        .get(&csm, "/api/v1/users?role=security_officer&division=kumin")
        .await;
    let officers: Value = res.json().await.unwrap();
    let registered = officers
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "tanaka.ichiro@city.minato.example")
        .expect("registered")
        .clone();
    assert_eq!(registered["roles"], json!(["security_officer"]));
    submit(&browser, "a.button-link.primary").await;
    browser
        .wait_for("#change", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(!browser.page_source().await.unwrap().contains(&password));
    // Deactivating asks for the tick first.
    submit(&browser, "#access button.danger").await;
    let error = text_of(&browser, "#confirm_deactivate-error").await;
    assert!(error.contains("確認"), "{error}");
    screenshots(&browser, "staff-admin-user").await;
    accessible(&browser, "admin user").await;

    // A division registered; a second with the same code is refused beside the field.
    browser.goto(&app.url("/admin/divisions")).await.unwrap();
    fill(&browser, "#code", "kikaku").await;
    fill(&browser, "#name", "企画課").await;
    submit(&browser, "#register button[type=submit]").await;
    let flash = text_of(&browser, ".notice-success").await;
    assert!(flash.contains("課等を登録しました"), "{flash}");
    assert!(main_text(&browser).await.contains("企画課"));
    fill(&browser, "#code", "kikaku").await;
    fill(&browser, "#name", "企画政策課").await;
    submit(&browser, "#register button[type=submit]").await;
    let error = text_of(&browser, "#code-error").await;
    assert!(error.contains("既に登録されています"), "{error}");
    screenshots(&browser, "staff-admin-divisions").await;
    accessible(&browser, "divisions").await;

    // The access review, confirmed with a note (R-5.5.3.6).
    browser
        .goto(&app.url("/admin/access-review"))
        .await
        .unwrap();
    browser
        .wait_for("#note", Duration::from_secs(5))
        .await
        .unwrap();
    let review = main_text(&browser).await;
    assert!(
        review.contains("tanaka.ichiro@city.minato.example"),
        "{review}"
    );
    assert!(review.contains("まだ一度も確認されていません"), "{review}");
    screenshots(&browser, "staff-admin-access-review").await;
    accessible(&browser, "access review").await;
    fill(&browser, "#note", "新規登録1名を確認した。").await;
    submit(&browser, "#confirm button[type=submit]").await;
    let flash = text_of(&browser, ".notice-success").await;
    assert!(flash.contains("棚卸しの確認を記録しました"), "{flash}");
    assert!(main_text(&browser)
        .await
        .contains("新規登録1名を確認した。"));
    let res = app.get(&csm, "/api/v1/access-review").await;
    let review: Value = res.json().await.unwrap();
    assert_eq!(review["last_review"]["note"], "新規登録1名を確認した。");

    // The sweep: first what it would send, as a table; then for real.
    browser.goto(&app.url("/admin/sweep")).await.unwrap();
    submit(&browser, "form[action='/admin/sweep#plan'] button").await;
    let plan = text_of(&browser, "#plan .data-table tbody").await;
    assert!(plan.contains(&owner.email), "{plan}");
    assert!(plan.contains("R-8."), "{plan}");
    assert!(plan.contains("期限の14日前"), "{plan}");
    screenshots(&browser, "staff-admin-sweep-plan").await;
    accessible(&browser, "sweep plan").await;
    assert_eq!(app.count_rows("outbox").await, 0, "a dry run sends nothing");
    submit(&browser, "form[action='/admin/sweep'][method=post] button").await;
    let flash = text_of(&browser, ".notice-success").await;
    assert!(flash.contains("リマインダーを送信しました"), "{flash}");
    assert!(main_text(&browser).await.contains("送信の結果"));
    screenshots(&browser, "staff-admin-sweep-result").await;
    assert!(app.count_rows("outbox").await >= 1);

    // The outbox: the messages fail (no mail server); one is sent again.
    let mut retry = None;
    for _ in 0..60 {
        browser
            .goto(&app.url("/admin/outbox?status=failed"))
            .await
            .unwrap();
        if let Ok(button) = browser.find("form[action$='/retry'] button").await {
            retry = Some(button);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(retry.is_some(), "a failed message in the outbox");
    assert!(main_text(&browser).await.contains("送信失敗"));
    screenshots(&browser, "staff-admin-outbox").await;
    accessible(&browser, "outbox").await;
    submit(&browser, "form[action$='/retry'] button").await;
    let flash = text_of(&browser, ".notice-success").await;
    assert!(flash.contains("再送"), "{flash}");
    submit(&browser, "form[action='/sign-out'] button").await;

    // The auditor: the audit log, its chain verified, filtered, exported.
    sign_in(&browser, &app, &auditor, &auditor_enrolled.secret, "/").await;
    browser
        .wait_for("nav.main-nav", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(browser
        .find("nav.main-nav a[href='/admin/users']")
        .await
        .is_err());
    submit(&browser, "nav.main-nav a[href='/audit-log']").await;
    let chain = text_of(&browser, ".notice").await;
    assert!(chain.contains("改ざんされていません"), "{chain}");
    screenshots(&browser, "staff-audit-log").await;
    accessible(&browser, "audit log").await;
    fill(&browser, "#action", "user.").await;
    submit(&browser, ".filters button[type=submit]").await;
    browser
        .wait_for(".data-table", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .contains("action=user."));
    let codes = browser.find_all(".data-table .audit-code").await.unwrap();
    let mut actions = Vec::new();
    for c in &codes {
        actions.push(c.text().await.unwrap());
    }
    let named: Vec<&String> = actions.iter().filter(|a| a.contains('.')).collect();
    assert!(!named.is_empty());
    assert!(named.iter().all(|a| a.starts_with("user.")), "{actions:?}");
    assert!(main_text(&browser).await.contains("職員を登録"));
    screenshots(&browser, "staff-audit-log-filtered").await;
    accessible(&browser, "audit log filtered").await;
    let csv_href = browser
        .find("a[href^='/audit-log/export.csv']")
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(csv_href.contains("action=user."), "{csv_href}");
    let res = app
        .client
        .get(app.url(&csv_href))
        .header(COOKIE, &auditor_enrolled.session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let header = csv.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert!(
        header.starts_with("seq,occurred_at_utc,actor_id"),
        "{header}"
    );
    assert!(csv.contains("user.create"), "{csv}");
    // The download is itself in the log (R-5.5.7).
    let exports: Value = app
        .get(&auditor, "/api/v1/audit-log?action=audit_log.export")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(exports["total"], 1, "{exports}");
    // The auditor sees the access review too, without the form that confirms it.
    submit(&browser, "a[href='/admin/access-review']").await;
    let review = text_of(&browser, "main").await;
    assert!(review.contains("新規登録1名を確認した。"), "{review}");
    assert!(browser.find("#note").await.is_err());
    screenshots(&browser, "staff-admin-access-review-auditor").await;
    accessible(&browser, "access review for an auditor").await;
    // In English, per person.
    browser.goto(&app.url("/audit-log")).await.unwrap();
    submit(&browser, "button.header-button[lang=en]").await;
    let chain = text_of(&browser, ".notice").await;
    assert!(chain.contains("The audit log is intact"), "{chain}");
    assert_eq!(
        browser.title().await.unwrap(),
        "Audit log | Itaku outsourcing register"
    );
    screenshots(&browser, "staff-audit-log-en").await;
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn administration_and_the_audit_log_refuse_others_and_forms_write_nothing_when_wrong() {
    let app = spawn_app_with(&[]).await;

    // A security officer may neither administer nor read the audit log: the 403 page
    // names who may.
    let (officer, _) = session_of(&app, &[Role::SecurityOfficer], &["GA01"]).await;
    for (path, says) in [
        ("/admin/users", "課等と利用者の管理は"),
        ("/admin/users/new", "課等と利用者の管理は"),
        ("/admin/outbox", "リマインダーの実行とメール送信の管理は"),
        ("/admin/sweep", "リマインダーの実行とメール送信の管理は"),
        ("/admin/access-review", "アクセス権の棚卸しは"),
        ("/audit-log", "監査ログの閲覧・出力は"),
        ("/audit-log/export.csv", "監査ログの閲覧・出力は"),
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header(COOKIE, &officer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
        assert!(res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let page = res.text().await.unwrap();
        assert!(page.contains("この操作はできません"), "{path}: {page}");
        assert!(page.contains(says), "{path}: {page}");
        // Nor does the menu offer them.
        assert!(!page.contains(r#"href="/admin/users""#), "{path}");
        assert!(!page.contains(r#"href="/audit-log""#), "{path}");
    }

    // A staff account form with a bad email and no role: both named, nothing written.
    let manager = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let session = app.enrol(&manager).await.session;
    let (csm, csrf) = (session.cookie, session.csrf);
    let users = app.count_rows("users").await;
    let events = app.count_rows("audit_log").await;
    let res = post_form(
        &app,
        &csm,
        "/admin/users/new",
        &format!(
            "csrf_token={csrf}&email=not-an-address&display_name=%E7%94%B0%E4%B8%AD&divisions=joho"
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains(r##"<a href="#email">"##), "{page}");
    assert!(page.contains(r##"<a href="#roles">"##), "{page}");
    assert!(page.contains(r#"id="email-error""#), "{page}");
    assert!(page.contains(r#"id="roles-error""#), "{page}");
    assert!(
        page.contains(r#"value="not-an-address""#),
        "what was typed is kept"
    );
    assert!(
        page.contains(r#"value="joho" checked"#),
        "the division stays ticked"
    );
    assert_eq!(app.count_rows("users").await, users);
    assert_eq!(app.count_rows("audit_log").await, events);

    // Without the session's CSRF token: refused, nothing written.
    let res = post_form(
        &app,
        &csm,
        "/admin/users/new",
        "email=sato%40city.minato.example&display_name=%E4%BD%90%E8%97%A4&roles=auditor",
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("この操作はできません"));
    let res = post_form(&app, &csm, "/admin/access-review", "note=x").await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.count_rows("users").await, users);
    assert_eq!(app.count_rows("access_reviews").await, 0);

    // With it, the same account is registered and its password shown once.
    let res = post_form(
        &app,
        &csm,
        "/admin/users/new",
        &format!("csrf_token={csrf}&email=sato%40city.minato.example&display_name=%E4%BD%90%E8%97%A4&roles=auditor"),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.text().await.unwrap().contains("one-time-password"));
    assert_eq!(app.count_rows("users").await, users + 1);

    // Its roles, division and email language changed, then its access removed at once
    // (R-5.5.3.3/4), each as the API sees it.
    let listed: Value = app
        .get(&manager, "/api/v1/users?role=auditor")
        .await
        .json()
        .await
        .unwrap();
    let sato = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "sato@city.minato.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = post_form(
        &app,
        &csm,
        &format!("/admin/users/{sato}"),
        &format!("csrf_token={csrf}&intent=update&display_name=%E4%BD%90%E8%97%A4&roles=auditor&roles=csirt&divisions=joho&language=en"),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/admin/users/{sato}?done=user_updated").as_str()
    );
    let account: Value = app
        .get(&manager, &format!("/api/v1/users/{sato}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(account["roles"], json!(["csirt", "auditor"]));
    assert_eq!(account["divisions"][0]["code"], "joho");
    assert_eq!(account["language"], "en");
    let res = post_form(
        &app,
        &csm,
        &format!("/admin/users/{sato}"),
        &format!("csrf_token={csrf}&intent=deactivate&confirm=yes"),
    )
    .await;
    assert_eq!(res.status(), 303);
    let account: Value = app
        .get(&manager, &format!("/api/v1/users/{sato}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(account["active"], false);
    let res = app
        .client
        .get(app.url(&format!("/admin/users/{sato}?done=deactivated")))
        .header(COOKIE, &csm)
        .send()
        .await
        .unwrap();
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("アカウントを無効にしました。"));

    // Nobody resets their own second factor (R-2.6): refused on the page.
    let res = post_form(
        &app,
        &csm,
        &format!("/admin/users/{}", manager.id),
        &format!("csrf_token={csrf}&intent=reset_second_factor&confirm=yes"),
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("R-2.6"));

    // An auditor reading their own activity is refused on the page (R-11.1.3).
    let auditor = app.staff(&[Role::Auditor], &[]).await;
    let session = app.enrol(&auditor).await.session;
    let res = app
        .client
        .get(app.url(&format!("/audit-log?actor_id={}", auditor.id)))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let page = res.text().await.unwrap();
    assert!(page.contains("R-11.1.3"), "{page}");
    assert!(
        page.contains(r#"class="filters""#),
        "shown on the audit log page"
    );
    // A date that is not one is named.
    let res = app
        .client
        .get(app.url("/audit-log?from=2027-13-01"))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains(r##"<a href="#from">"##));

    // An entry changed behind the service's back: the page says which, in plain words.
    app.sql("UPDATE audit_log SET actor = 'someone-else@city.minato.example' WHERE seq = 2".into())
        .await;
    let res = app
        .client
        .get(app.url("/audit-log"))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("ハッシュチェーンが途切れています"), "{page}");
    assert!(page.contains("2番の記録が書き換えられています"), "{page}");
}

//! The staff web application: in headless Chromium, a newcomer's first sign-in (one-time
//! password, own password, TOTP set-up with codes computed here, the recovery codes) that
//! returns them to the page they asked for, My work, the register and an engagement's
//! status moves; over plain HTTP, what pages answer to a stranger, to a form without its
//! CSRF token and to an address that is no page. Screenshots of every page are written
//! under `target/screenshots/` in Japanese, at a ward's desktop size and a phone's.

use std::time::Duration;

use itaku::clock::Clock;
use itaku::domain::Role;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{json, Value};

use crate::helpers::{outsourcing_body, spawn_app, totp, TestApp, NEW_PASSWORD};
use crate::webdriver::{save_screenshot, Browser};

pub const DESKTOP: (u32, u32) = (1366, 768);
pub const PHONE: (u32, u32) = (390, 844);

/// Both sizes of the page shown now, as `<name>-desktop.png` and `<name>-phone.png`.
pub async fn screenshots(browser: &Browser, name: &str) {
    browser.resize(PHONE.0, PHONE.1).await.unwrap();
    save_screenshot(
        &format!("{name}-phone"),
        &browser.screenshot_png().await.unwrap(),
    );
    browser.resize(DESKTOP.0, DESKTOP.1).await.unwrap();
    save_screenshot(
        &format!("{name}-desktop"),
        &browser.screenshot_png().await.unwrap(),
    );
}

/// The page is no wider than the phone's screen: wide tables scroll inside themselves.
pub async fn fits_the_phone(browser: &Browser, page: &str) {
    browser.resize(PHONE.0, PHONE.1).await.unwrap();
    let width = browser
        .find("html")
        .await
        .unwrap()
        .prop("scrollWidth")
        .await
        .unwrap();
    let width: u32 = width
        .as_str()
        .and_then(|w| w.parse().ok())
        .expect("a width");
    if width > PHONE.0 {
        // Name the elements wider than the screen, to say what to fix.
        let mut wide = Vec::new();
        for e in browser.find_all("main *").await.unwrap() {
            let w: u32 = e
                .prop("offsetWidth")
                .await
                .ok()
                .and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(0) as u32;
            if w > PHONE.0 {
                let tag = e.prop("tagName").await.unwrap_or_default();
                let class = e.attr("class").await.ok().flatten().unwrap_or_default();
                let id = e.attr("id").await.ok().flatten().unwrap_or_default();
                wide.push(format!("{tag}#{id}.{class} {w}px"));
            }
        }
        panic!("{page} is {width} px wide on a phone: {wide:?}");
    }
    browser.resize(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// axe-core finds no serious or critical violation on the page shown now.
pub async fn accessible(browser: &Browser, page: &str) {
    let violations = browser.axe_violations().await.unwrap();
    let grave: Vec<&Value> = violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(
        grave.is_empty(),
        "{page}: {}",
        serde_json::to_string_pretty(&grave).unwrap()
    );
}

pub async fn fill(browser: &Browser, css: &str, text: &str) {
    let field = browser.find(css).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks a button or link that leads to another page, and waits until the browser has
/// left this one (a click returns before the next page is there).
pub async fn submit(browser: &Browser, css: &str) {
    let before = browser.find("html").await.unwrap();
    browser.find(css).await.unwrap().click().await.unwrap();
    for _ in 0..100 {
        if !before.is_present().await.unwrap_or(false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} did not lead to another page");
}

/// The main text of the page shown now.
pub async fn main_text(browser: &Browser) -> String {
    browser.find("main").await.unwrap().text().await.unwrap()
}

/// The service's TOTP step now, plus `ahead` steps (a spent step is never accepted again).
pub fn step(app: &TestApp, ahead: i64) -> i64 {
    app.clock.now().timestamp() / 30 + ahead
}

#[tokio::test]
async fn a_newcomer_signs_in_with_totp_and_moves_an_engagement_in_the_browser() {
    let app = spawn_app().await;
    let officer = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let vendor = app.vendor(&officer, "港クリーンサービス株式会社").await;
    // Starting in two weeks: its selection and contract are due within 30 days.
    let today = app.clock.now().date_naive();
    let mut body = outsourcing_body("GA01", &officer.id, &vendor);
    body["starts_on"] = json!((today + chrono::Days::new(14)).to_string());
    body["ends_on"] = json!((today + chrono::Days::new(380)).to_string());
    let res = app.post(&officer, "/api/v1/engagements", &body).await;
    assert_eq!(res.status(), 201);
    let engagement: Value = res.json().await.unwrap();
    let id = engagement["id"].as_str().unwrap();

    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");

    // The link of a reminder: not signed in, so the sign-in page, which returns there.
    browser
        .goto(&app.url(&format!("/engagements/{id}")))
        .await
        .unwrap();
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .contains("/sign-in?next="));
    assert_eq!(
        browser.title().await.unwrap(),
        "サインイン | 委託先管理 Itaku"
    );
    screenshots(&browser, "staff-sign-in").await;
    accessible(&browser, "sign-in").await;

    // A wrong password: the error beside the field, the address kept.
    fill(&browser, "#email", &officer.email).await;
    fill(&browser, "#password", "まちがい").await;
    submit(&browser, "button[type=submit].primary").await;
    let summary = browser
        .find(".error-summary")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        summary.contains("メールアドレスまたはパスワードが正しくありません"),
        "{summary}"
    );
    assert_eq!(
        browser
            .find("#email")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap(),
        json!(officer.email)
    );
    screenshots(&browser, "staff-sign-in-error").await;

    // The one-time password leads to choosing one's own.
    fill(&browser, "#password", &officer.password).await;
    submit(&browser, "button[type=submit].primary").await;
    browser
        .wait_for("#new_password", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .contains("/sign-in/password"));
    fill(&browser, "#new_password", "short").await;
    submit(&browser, "button[type=submit].primary").await;
    let error = browser
        .find("#new_password-error")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!error.is_empty());
    screenshots(&browser, "staff-change-password-error").await;
    fill(&browser, "#new_password", NEW_PASSWORD).await;
    submit(&browser, "button[type=submit].primary").await;

    // Then the second factor: start, scan (read the key here), prove it.
    browser
        .wait_for(
            "form[action^='/sign-in/enrol/start']",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    submit(&browser, "button[type=submit].primary").await;
    let key = browser
        .wait_for("code.secret", Duration::from_secs(5))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace(' ', "");
    assert!(browser.find(".qr img").await.is_ok());
    screenshots(&browser, "staff-enrol").await;
    accessible(&browser, "enrol").await;
    fill(&browser, "#code", &totp(&key, step(&app, 0))).await;
    submit(&browser, "button[type=submit].primary").await;

    // Ten recovery codes, this once; then on to the page first asked for.
    let codes = browser.find_all(".recovery-codes code").await.unwrap();
    assert_eq!(codes.len(), 10);
    screenshots(&browser, "staff-recovery-codes").await;
    submit(&browser, "a.button-link.primary").await;
    browser
        .wait_for("#obligations", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .ends_with(&format!("/engagements/{id}")));
    let text = main_text(&browser).await;
    assert!(
        text.contains("対策基準 第8節（業務委託）が適用されます。"),
        "{text}"
    );
    assert!(text.contains("R-8.1"), "{text}");
    // An open obligation links to where it is met: the contract's to the clause generator.
    assert!(browser
        .find(&format!("#obligations a[href='/engagements/{id}/clauses']"))
        .await
        .is_ok());
    screenshots(&browser, "staff-engagement").await;
    accessible(&browser, "engagement").await;

    // A move the gates refuse is explained; an allowed one is made.
    submit(&browser, "button[name=to][value=selected]").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(main_text(&browser).await.contains("状態を変更しました。"));
    submit(&browser, "button[name=to][value=contracted]").await;
    let refusal = browser
        .wait_for("#status .error-summary", Duration::from_secs(5))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refusal.contains("状態を変更できませんでした"), "{refusal}");
    screenshots(&browser, "staff-engagement-move-refused").await;

    // My work: the officer's deadlines, each linking to where it is done.
    submit(&browser, "nav.main-nav a[href='/']").await;
    browser
        .wait_for("#overdue-title", Duration::from_secs(5))
        .await
        .unwrap();
    let soon = browser
        .find("section[aria-labelledby=soon-title] tbody")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        soon.contains("R-8.2") && soon.contains("住民記録システム運用保守業務委託"),
        "{soon}"
    );
    assert!(soon.contains("あと"), "{soon}");
    screenshots(&browser, "staff-my-work").await;
    accessible(&browser, "my work").await;
    submit(
        &browser,
        &format!("section[aria-labelledby=soon-title] a[href='/engagements/{id}#obligations']"),
    )
    .await;
    browser
        .wait_for("#obligations", Duration::from_secs(5))
        .await
        .unwrap();

    // The register, filtered by text and sorted by title.
    browser.goto(&app.url("/engagements")).await.unwrap();
    fill(&browser, "#q", "保守").await;
    submit(&browser, ".filters button[type=submit]").await;
    browser
        .wait_for(".data-table", Duration::from_secs(5))
        .await
        .unwrap();
    let rows = browser.find_all(".data-table tbody tr").await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .contains("q=%E4%BF%9D%E5%AE%88"));
    screenshots(&browser, "staff-engagements").await;
    accessible(&browser, "engagements").await;
    fill(&browser, "#q", "該当なしの件名").await;
    submit(&browser, ".filters button[type=submit]").await;
    assert!(main_text(&browser)
        .await
        .contains("条件に合う委託案件はありません。"));

    // English, per person.
    submit(&browser, "button.header-button[lang=en]").await;
    browser
        .wait_for("h1", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        browser.title().await.unwrap(),
        "Engagements | Itaku outsourcing register"
    );
    submit(&browser, "button.header-button[lang=ja]").await;

    // Signing out ends the session; signing in again takes a TOTP code.
    submit(&browser, "form[action='/sign-out'] button").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(main_text(&browser).await.contains("サインアウトしました。"));
    fill(&browser, "#email", &officer.email).await;
    fill(&browser, "#password", NEW_PASSWORD).await;
    submit(&browser, "button[type=submit].primary").await;
    browser
        .wait_for("#code", Duration::from_secs(5))
        .await
        .unwrap();
    screenshots(&browser, "staff-second-factor").await;
    fill(&browser, "#code", &totp(&key, step(&app, 1))).await;
    submit(&browser, "button[type=submit].primary").await;
    browser
        .wait_for("#overdue-title", Duration::from_secs(5))
        .await
        .unwrap();
    browser.quit().await.unwrap();
}

/// A page's form sent with the session cookie, as a browser sends it.
pub async fn post_form(app: &TestApp, cookie: &str, path: &str, form: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap()
}

/// A page asked for with the session cookie, as a browser asks for it.
pub async fn get_page(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// The engagement's status, read through the API.
async fn status_of(app: &TestApp, who: &crate::helpers::TestUser, id: &str) -> Value {
    let body: Value = app
        .get(who, &format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    body["status"].clone()
}

/// A session cookie of an officer past every stage, and its CSRF token.
pub async fn session_of(app: &TestApp, roles: &[Role], divisions: &[&str]) -> (String, String) {
    let user = app.staff(roles, divisions).await;
    let enrolled = app.enrol(&user).await;
    (enrolled.session.cookie, enrolled.session.csrf)
}

#[tokio::test]
async fn pages_send_strangers_to_sign_in_and_answer_errors_as_pages() {
    let app = spawn_app().await;

    // Not signed in: to the sign-in page, with the way back.
    let res = app
        .client
        .get(app.url("/engagements?kind=outsourcing"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        "/sign-in?next=/engagements%3Fkind%3Doutsourcing"
    );
    // Only addresses of this service are returned to.
    let res = app
        .client
        .get(app.url("/sign-in?next=//evil.example/"))
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"action="/sign-in""#), "{page}");

    // An address that is no page: a page, not JSON.
    let res = app
        .client
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("ページが見つかりません"));
    // The API keeps answering problem+json.
    let res = app
        .client
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("problem+json"));

    let (cookie, csrf) = session_of(&app, &[Role::SecurityOfficer], &["GA01"]).await;
    let officer = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let vendor = app.vendor(&officer, "港データ株式会社").await;
    let engagement = app.engagement(&officer, &officer, "GA01", &vendor).await;
    let id = engagement["id"].as_str().unwrap();

    // A form without the session's CSRF token changes nothing.
    let res = post_form(
        &app,
        &cookie,
        &format!("/engagements/{id}/move"),
        "to=selected",
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("この操作はできません"));
    assert_eq!(status_of(&app, &officer, id).await, "draft");

    // With it, the move is made and the page says so.
    let res = post_form(
        &app,
        &cookie,
        &format!("/engagements/{id}/move"),
        &format!("csrf_token={csrf}&to=selected"),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/engagements/{id}?done=moved#status").as_str()
    );
    assert_eq!(status_of(&app, &officer, id).await, "selected");

    // A form that is not one: a page that says so, nothing changed.
    let res = app
        .client
        .post(app.url(&format!("/engagements/{id}/move")))
        .header(COOKIE, &cookie)
        .header(CONTENT_TYPE, "application/json")
        .body(json!({"to": "active"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    // Another division's officer does not see it.
    let (other, _) = session_of(&app, &[Role::SecurityOfficer], &["KS02"]).await;
    let res = get_page(&app, &other, &format!("/engagements/{id}")).await;
    assert!(
        matches!(res.status().as_u16(), 403 | 404),
        "{}",
        res.status()
    );
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    // A filter value the register does not know is named, not a failure.
    let res = get_page(&app, &cookie, "/engagements?level=L9").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("error-summary"));

    // Another method on a page: 405 with the methods it takes.
    let res = app
        .client
        .delete(app.url("/engagements"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
}

#[tokio::test]
async fn an_officer_registers_a_vendor_an_engagement_and_its_information_in_the_browser() {
    let app = spawn_app().await;
    let (cookie, _) = session_of(&app, &[Role::SecurityOfficer], &["GA01"]).await;
    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    browser.add_cookie(&app.address, &cookie).await.unwrap();

    // A vendor: a wrong corporate number is named beside the field, the rest kept.
    browser.goto(&app.url("/vendors/new")).await.unwrap();
    fill(&browser, "#legal_name", "港データサービス株式会社").await;
    fill(&browser, "#corporate_number", "1234567890123").await;
    fill(&browser, "#address", "東京都港区芝公園1-5-25").await;
    fill(&browser, "#contacts_0_name", "芝 次郎").await;
    fill(&browser, "#contacts_0_email", "jiro@minato-data.example").await;
    submit(&browser, "button[type=submit].primary").await;
    let error = browser
        .find("#corporate_number-error")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!error.is_empty());
    assert_eq!(
        browser
            .find("#legal_name")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap(),
        json!("港データサービス株式会社")
    );
    screenshots(&browser, "staff-vendor-new-error").await;
    accessible(&browser, "vendor form").await;
    // A valid 法人番号, typed in full-width digits as many do.
    fill(
        &browser,
        "#corporate_number",
        &full_width(&crate::helpers::corporate_number(7)),
    )
    .await;
    submit(&browser, "button[type=submit].primary").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(main_text(&browser).await.contains("芝 次郎"));

    // An engagement, with dates typed as officers type them.
    browser.goto(&app.url("/engagements/new")).await.unwrap();
    submit(&browser, "button[type=submit].primary").await;
    let summary = browser
        .find(".error-summary")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.lines().count() >= 5, "{summary}");
    screenshots(&browser, "staff-engagement-new-errors").await;
    accessible(&browser, "engagement form").await;
    browser
        .find("#kind-outsourcing")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&browser, "#title", "区民情報システム保守業務委託").await;
    pick(&browser, "#responsible_user_id", 1).await;
    pick(&browser, "#vendor_id", 1).await;
    fill(&browser, "#scope", "区民情報システムの保守及び障害対応").await;
    fill(&browser, "#starts_on", "令和9年4月1日").await;
    fill(&browser, "#ends_on", "R10.3.31").await;
    submit(&browser, "button[type=submit].primary").await;
    browser
        .wait_for("#obligations", Duration::from_secs(5))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("令和9年4月1日"), "{text}");
    assert!(text.contains("格付なし"), "{text}");

    // An L3 item provided to the vendor raises the engagement to L3 (R-3.1).
    add_l3_item(&browser, "住民基本台帳データ").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    let badges = browser.find(".badges").await.unwrap().text().await.unwrap();
    assert!(badges.contains("L3"), "{badges}");
    screenshots(&browser, "staff-engagement-with-item").await;

    // The register lists it; the CSV has it.
    browser
        .goto(&app.url("/engagements?level=L3"))
        .await
        .unwrap();
    let rows = browser.find_all(".data-table tbody tr").await.unwrap();
    assert_eq!(rows.len(), 1);
    let res = get_page(&app, &cookie, "/engagements/export.csv?level=L3").await;
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    assert!(csv.contains("区民情報システム保守業務委託"), "{csv}");
    browser.quit().await.unwrap();
}

/// Adds an L3 item given to the vendor with the engagement page's form.
pub async fn add_l3_item(browser: &Browser, name: &str) {
    click(browser, "#items details.add-form summary").await;
    fill(browser, "#name", name).await;
    click(browser, "#level-L3").await;
    click(browser, "#provided_to_vendor").await;
    submit(browser, "#items details.add-form button[type=submit]").await;
}

/// Clicks what does not lead to another page (a choice, a disclosure).
pub async fn click(browser: &Browser, css: &str) {
    browser.find(css).await.unwrap().click().await.unwrap();
}

/// Chooses the `n`th option (from 1; 0 is the empty choice) of a `<select>`.
pub async fn pick(browser: &Browser, select: &str, n: usize) {
    let options = browser.find_all(&format!("{select} option")).await.unwrap();
    options[n].click().await.unwrap();
}

pub fn full_width(digits: &str) -> String {
    digits
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect()
}

#[tokio::test]
async fn a_refused_engagement_form_names_each_field_and_writes_nothing() {
    let app = spawn_app().await;
    let (cookie, csrf) = session_of(&app, &[Role::SecurityOfficer], &["GA01"]).await;
    let before = app.count_rows("engagements").await;
    let res = post_form(
        &app,
        &cookie,
        "/engagements/new",
        &format!("csrf_token={csrf}&kind=outsourcing&division=GA01&starts_on=2027%2F2%2F30&ends_on=%E4%BB%A4%E5%92%8C9%E5%B9%B43%E6%9C%8831%E6%97%A5&scope=x"),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    for field in ["title", "starts_on", "responsible_user_id", "vendor_id"] {
        assert!(
            page.contains(&format!("href=\"#{field}\"")),
            "{field}: {page}"
        );
    }
    // What was typed is kept, the bad date as typed.
    assert!(page.contains("value=\"2027/2/30\""), "{page}");
    assert!(page.contains("value=\"令和9年3月31日\""), "{page}");
    assert_eq!(app.count_rows("engagements").await, before);
}

#[tokio::test]
async fn too_many_failed_sign_ins_answer_a_readable_page_with_retry_after() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let form = |password: &str| {
        format!(
            "email={}&password={password}",
            user.email.replace('@', "%40")
        )
    };
    for _ in 0..5 {
        let res = app
            .client
            .post(app.url("/sign-in"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form("guess-guess-guess"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = app
        .client
        .post(app.url("/sign-in"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form(&user.password))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(page.contains("しばらくお待ちください"), "{page}");
    assert!(
        page.contains("分ほど待ってから、もう一度お試しください。"),
        "{page}"
    );
}

#[tokio::test]
async fn an_ended_session_sends_the_person_to_sign_in_and_back_to_the_page() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let enrolled = app.enrol(&user).await;
    let cookie = enrolled.session.cookie.clone();
    let res = get_page(&app, &cookie, "/vendors?q=%E6%B8%AF").await;
    assert_eq!(res.status(), 200);

    // Idle past the session's limit (30 minutes by default): it has ended.
    app.clock.advance(chrono::Duration::minutes(31));
    let res = get_page(&app, &cookie, "/vendors?q=%E6%B8%AF").await;
    assert_eq!(res.status(), 303);
    let to = res.headers()[LOCATION].to_str().unwrap().to_string();
    // The page to return to, query and all, as one value of `next`.
    let next = "/vendors%3Fq%3D%25E6%25B8%25AF";
    assert_eq!(to, format!("/sign-in?next={next}&expired=1"));
    let page = app
        .client
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("一定時間操作がなかったため"), "{page}");

    // Signing in again (password, then a code not spent yet) returns there.
    let res = app
        .client
        .post(app.url(&format!("/sign-in?next={next}")))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "email={}&password={}",
            user.email.replace('@', "%40"),
            NEW_PASSWORD
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION].to_str().unwrap(),
        format!("/sign-in/code?next={next}")
    );
    let pending = crate::helpers::cookie_of(&res);
    let page = get_page(&app, &pending, &format!("/sign-in/code?next={next}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let code = totp(&enrolled.secret, step(&app, 1));
    let res = post_form(
        &app,
        &pending,
        &format!("/sign-in/code?next={next}"),
        &format!("csrf_token={csrf}&code={code}"),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/vendors?q=%E6%B8%AF");
}

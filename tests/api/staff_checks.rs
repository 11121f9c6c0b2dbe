//! Periodic checks and findings in the staff web application: in headless Chromium an
//! officer sends a check from the engagement's page, the vendor answers through the
//! portal with answers that fall short, the officer opens the check from My work, returns
//! it with a comment on a question, then accepts the corrected answers; the findings are
//! made, one is corrected and closed, and the owner's own risk acceptance is refused in
//! words while another authorised person's is recorded. Over plain HTTP: a review
//! without a verdict, another division's officer, a form without its CSRF token.
//! Screenshots in Japanese at desktop and phone size under `target/screenshots/`.

use std::time::Duration;

use itaku::clock::Clock;
use itaku::domain::Role;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, totp, TestApp, TestUser, NEW_PASSWORD};
use crate::portal::{conforming, csrf_in, new_token, page, post_form, signed, PDF};
use crate::staff_pages::{accessible, fill, main_text, screenshots, submit, DESKTOP};
use crate::webdriver::Browser;

/// The check as the API shows it.
pub async fn check_of(app: &TestApp, who: &TestUser, id: &str) -> Value {
    app.get(who, &format!("/api/v1/checks/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

/// The engagement's only check, as the API lists it.
pub async fn only_check(app: &TestApp, who: &TestUser, engagement_id: &str) -> Value {
    let list: Value = app
        .get(
            who,
            &format!("/api/v1/checks?engagement_id={engagement_id}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "{list}");
    list["items"][0].clone()
}

/// Every answer conforming but those of the first `bad` yes/no questions that list "no"
/// as falling short; the ids of those questions.
pub fn answers_falling_short(
    def: &Value,
    bad: usize,
) -> (Vec<(String, String)>, Vec<String>, Vec<String>) {
    let (mut answers, mut files) = conforming(def);
    let mut short = Vec::new();
    for section in def["sections"].as_array().unwrap() {
        for q in section["questions"].as_array().unwrap() {
            let falls_short_on_no = q["answer"] == "yes_no_na"
                && q["non_conforming"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|v| v == "no"));
            if short.len() < bad && falls_short_on_no {
                let id = q["id"].as_str().unwrap().to_string();
                let name = format!("q.{id}");
                for (k, v) in answers.iter_mut() {
                    if *k == name {
                        *v = "no".into();
                    }
                }
                files.retain(|f| *f != id);
                short.push(id);
            }
        }
    }
    assert_eq!(
        short.len(),
        bad,
        "the questionnaire has {bad} questions to fail"
    );
    (answers, files, short)
}

/// The vendor submits `answers` with a file for each of `files` through the portal.
pub async fn vendor_submits(
    app: &TestApp,
    token: &str,
    answers: &[(String, String)],
    files: &[String],
) {
    let (_, html) = page(app, token, "").await;
    let csrf = csrf_in(&html);
    let files: Vec<(String, String, Vec<u8>)> = files
        .iter()
        .map(|q| (q.clone(), format!("{q}-記録.pdf"), PDF.to_vec()))
        .collect();
    let res = post_form(
        app,
        token,
        &csrf,
        &signed(answers.to_vec(), "submit"),
        &files,
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

/// A page's form sent with the session cookie, as a browser sends it.
async fn post_page(app: &TestApp, cookie: &str, path: &str, form: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap()
}

fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).unwrap()[2..].to_string()
}

#[tokio::test]
async fn an_officer_sends_reviews_and_follows_up_a_periodic_check_in_the_browser() {
    let app = spawn_app().await;
    // The officer owns the engagement, so its findings are theirs (R-2.6 below).
    let officer = app
        .staff(
            &[Role::SecurityOfficer, Role::ChiefSystemManager],
            &["kumin"],
        )
        .await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let vendor = app.vendor(&officer, "株式会社港システム").await;
    let engagement = app.engagement(&officer, &officer, "kumin", &vendor).await;
    let id = engagement["id"].as_str().unwrap();
    let enrolled = app.enrol(&officer).await;

    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    browser
        .goto(&app.url(&format!("/sign-in?next=/engagements/{id}")))
        .await
        .unwrap();
    fill(&browser, "#email", &officer.email).await;
    fill(&browser, "#password", NEW_PASSWORD).await;
    submit(&browser, "button[type=submit].primary").await;
    browser
        .wait_for("#code", Duration::from_secs(5))
        .await
        .unwrap();
    fill(
        &browser,
        "#code",
        &totp(&enrolled.secret, enrolled.step + 1),
    )
    .await;
    submit(&browser, "button[type=submit].primary").await;
    browser
        .wait_for("#checks", Duration::from_secs(5))
        .await
        .unwrap();

    // A due date the way officers type it: the era form.
    let due = app.clock.now().date_naive() + chrono::Days::new(20);
    let typed = itaku::domain::wareki::format_wareki(due);
    fill(&browser, "#due_on", "令和元年2月30日").await;
    submit(&browser, "form[action*='/checks#'] button[type=submit]").await;
    let error = browser
        .wait_for("#due_on-error", Duration::from_secs(5))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("令和9年4月1日"), "{error}");
    assert_eq!(
        browser
            .find("#due_on")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap(),
        json!("令和元年2月30日")
    );
    screenshots(&browser, "staff-send-check-error").await;
    fill(&browser, "#due_on", &typed).await;
    submit(&browser, "form[action*='/checks#'] button[type=submit]").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(main_text(&browser).await.contains("定期点検を送付しました"));
    let check = only_check(&app, &officer, id).await;
    let check_id = check["id"].as_str().unwrap().to_string();
    assert_eq!(check["due_on"], due.to_string());

    // The vendor answers two questions in a way that falls short.
    let token = new_token(&app, 1, &[]).await;
    let def = check_of(&app, &officer, &check_id).await["definition"].clone();
    let (answers, files, short) = answers_falling_short(&def, 2);
    vendor_submits(&app, &token, &answers, &files).await;

    // My work lists it among the checks waiting for review; it opens the check page.
    submit(&browser, "nav.main-nav a[href='/']").await;
    let row = format!("a[href='/checks/{check_id}']");
    browser
        .wait_for(&row, Duration::from_secs(5))
        .await
        .unwrap();
    submit(&browser, &row).await;
    browser
        .wait_for("#answers", Duration::from_secs(5))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("基準を満たしていません"), "{text}");
    assert!(browser.find(".evidence-list a[download]").await.is_ok());
    screenshots(&browser, "staff-check").await;
    accessible(&browser, "check").await;

    // Returned with a comment on the first question that fell short.
    browser
        .goto(&app.url(&format!("/checks/{check_id}#review")))
        .await
        .unwrap();
    screenshots(&browser, "staff-check-review").await;
    fill(
        &browser,
        &format!("textarea[name='qc.{}']", short[0]),
        "実施記録の写しを添付してください",
    )
    .await;
    browser
        .find("#decision-return")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, "#review-form button[type=submit]").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    let detail = check_of(&app, &officer, &check_id).await;
    assert_eq!(detail["state"], "returned");
    assert_eq!(
        detail["reviews"][0]["question_comments"][&short[0]],
        "実施記録の写しを添付してください"
    );
    assert!(main_text(&browser)
        .await
        .contains("実施記録の写しを添付してください"));

    // The vendor submits again; the officer accepts, and the answers become findings.
    vendor_submits(&app, &token, &answers, &files).await;
    browser
        .goto(&app.url(&format!("/checks/{check_id}")))
        .await
        .unwrap();
    browser
        .find("#decision-accept")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, "#review-form button[type=submit]").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        check_of(&app, &officer, &check_id).await["state"],
        "accepted"
    );
    let findings = browser.find_all("#findings tbody tr").await.unwrap();
    assert_eq!(findings.len(), 2);

    // The findings list, then the first finding: corrected and closed.
    submit(&browser, "nav.main-nav a[href='/findings']").await;
    browser
        .wait_for(".data-table", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        browser
            .find_all(".data-table tbody tr")
            .await
            .unwrap()
            .len(),
        2
    );
    screenshots(&browser, "staff-findings").await;
    accessible(&browser, "findings").await;
    submit(
        &browser,
        ".data-table tbody tr:first-child td:first-child a",
    )
    .await;
    browser
        .wait_for("#corrective", Duration::from_secs(5))
        .await
        .unwrap();
    screenshots(&browser, "staff-finding").await;
    accessible(&browser, "finding").await;
    let first = browser.current_url().await.unwrap();
    // Closing without the corrective action is refused beside the field.
    fill(&browser, "#corrective_action", " ").await;
    browser
        .find("#state-closed")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, "#corrective button[type=submit]").await;
    browser
        .wait_for("#corrective_action-error", Duration::from_secs(5))
        .await
        .unwrap();
    fill(
        &browser,
        "#corrective_action",
        "アクセス権の棚卸しを四半期ごとに実施し、記録を保存する運用に改めた",
    )
    .await;
    browser
        .find("#state-closed")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, "#corrective button[type=submit]").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(
        text.contains("指摘事項を更新しました") && text.contains("完了"),
        "{text}"
    );

    // The second: its owner cannot accept its risk, and the page says so.
    browser
        .goto(&app.url("/findings?state=open"))
        .await
        .unwrap();
    let rows = browser.find_all(".data-table tbody tr").await.unwrap();
    assert_eq!(rows.len(), 1);
    submit(&browser, ".data-table tbody tr td:first-child a").await;
    let second = browser.current_url().await.unwrap();
    assert_ne!(first, second);
    let finding_id = second.rsplit('/').next().unwrap().to_string();
    fill(&browser, "#reason", "代替の監視で十分に低減されているため").await;
    submit(&browser, "#risk button[type=submit]").await;
    let refusal = browser
        .wait_for(".error-summary", Duration::from_secs(5))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        refusal.contains("自分が担当する指摘事項のリスクは自分で受容できません"),
        "{refusal}"
    );
    assert_eq!(
        browser
            .find("#reason")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap(),
        json!("代替の監視で十分に低減されているため")
    );
    screenshots(&browser, "staff-finding-risk-refused").await;
    accessible(&browser, "finding refused").await;
    browser.quit().await.unwrap();

    // The CISO, who does not own it, records the acceptance through the same page.
    let ciso_session = app.enrol(&ciso).await.session;
    let res = post_page(
        &app,
        &ciso_session.cookie,
        &format!("/findings/{finding_id}/risk-acceptance"),
        &format!(
            "csrf_token={}&reason={}",
            ciso_session.csrf,
            encode("代替の監視で十分に低減されているため")
        ),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/findings/{finding_id}?done=risk_accepted").as_str()
    );
    let finding: Value = app
        .get(&ciso, &format!("/api/v1/findings/{finding_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(finding["state"], "risk_accepted", "{finding}");
    assert_eq!(finding["risk_approved_by"], ciso.id.as_str());
}

#[tokio::test]
async fn review_forms_name_what_is_missing_and_pages_keep_to_their_division() {
    let app = spawn_app().await;
    let w = crate::portal::world(&app).await;
    let (check, token) = crate::portal::issue(&app, &w, 1).await;
    let check_id = check["id"].as_str().unwrap();
    let def = check_of(&app, &w.owner, check_id).await["definition"].clone();
    let (answers, files) = conforming(&def);
    vendor_submits(&app, &token, &answers, &files).await;
    let session = app.enrol(&w.owner).await.session;

    // No verdict: 422 naming the field, what was typed kept, nothing written.
    let res = post_page(
        &app,
        &session.cookie,
        &format!("/checks/{check_id}/review"),
        &format!(
            "csrf_token={}&comment={}",
            session.csrf,
            encode("確認中です")
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#decision\""), "{html}");
    assert!(html.contains("id=\"decision-error\""), "{html}");
    assert!(html.contains("確認中です"), "{html}");
    let detail = check_of(&app, &w.owner, check_id).await;
    assert_eq!(detail["state"], "submitted");
    assert_eq!(detail["reviews"].as_array().unwrap().len(), 0);

    // Without the CSRF token: refused, nothing written.
    let res = post_page(
        &app,
        &session.cookie,
        &format!("/checks/{check_id}/review"),
        "decision=accept",
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        check_of(&app, &w.owner, check_id).await["state"],
        "submitted"
    );

    // The evidence downloads from the page as the API answers it.
    let evidence = &detail["evidence"][0];
    let res = app
        .client
        .get(app.url(&format!(
            "/checks/{check_id}/evidence/{}",
            evidence["id"].as_str().unwrap()
        )))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // The lists and their CSV.
    for path in ["/checks?state=submitted", "/findings?state=overdue"] {
        let res = app
            .client
            .get(app.url(path))
            .header(COOKIE, &session.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let res = app
        .client
        .get(app.url("/checks?state=lost"))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = app
        .client
        .get(app.url("/checks/export.csv?state=submitted"))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.text().await.unwrap().contains(check_id));

    // With the verdict it is accepted.
    let res = post_page(
        &app,
        &session.cookie,
        &format!("/checks/{check_id}/review"),
        &format!("csrf_token={}&decision=accept", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/checks/{check_id}?done=reviewed").as_str()
    );
    assert_eq!(
        check_of(&app, &w.owner, check_id).await["state"],
        "accepted"
    );

    // A new link once accepted: refused in words on the page.
    let res = post_page(
        &app,
        &session.cookie,
        &format!("/checks/{check_id}/links"),
        &format!("csrf_token={}", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("error-summary"));

    // Another division's officer sees neither the check nor its files.
    let stranger = app.staff(&[Role::SecurityOfficer], &["KS02"]).await;
    let other = app.enrol(&stranger).await.session;
    for path in [
        format!("/checks/{check_id}"),
        format!(
            "/checks/{check_id}/evidence/{}",
            evidence["id"].as_str().unwrap()
        ),
    ] {
        let res = app
            .client
            .get(app.url(&path))
            .header(COOKIE, &other.cookie)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(res.status().as_u16(), 403 | 404),
            "{path}: {}",
            res.status()
        );
        assert!(res.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
}

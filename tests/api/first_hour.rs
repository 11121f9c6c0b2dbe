//! A newcomer's first hour, in one browser session, every step through the pages: first
//! sign-in with TOTP (codes computed here), a vendor and an outsourcing engagement (dates
//! typed in the era form), an L3
//! item, its approval asked for and decided by another officer (ROLE-CSM), the clauses
//! generated and the .docx opened, the contract registered, the engagement moved to
//! `selected`, `contracted` and `active`, a periodic check sent, the vendor's answers reviewed, and
//! a finding closed.

use std::time::Duration;

use itaku::clock::Clock;
use itaku::domain::wareki::format_wareki;
use itaku::domain::Role;
use reqwest::header::COOKIE;

use crate::helpers::{corporate_number, docx_paragraphs, spawn_app, totp, NEW_PASSWORD};
use crate::portal::{new_token, CONTACT};
use crate::staff_checks::{answers_falling_short, check_of, only_check, vendor_submits};
use crate::staff_pages::{
    add_l3_item, click, fill, full_width, main_text, pick, screenshots, session_of, submit, DESKTOP,
};
use crate::webdriver::Browser;

/// The page's "done" message, or a failure that shows what the page says instead.
async fn done(browser: &Browser) -> String {
    match browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
    {
        Ok(notice) => notice.text().await.unwrap(),
        Err(_) => panic!(
            "no success at {}:\n{}",
            browser.current_url().await.unwrap(),
            main_text(browser).await
        ),
    }
}

#[tokio::test]
async fn a_newcomers_first_hour_in_the_browser() {
    let app = spawn_app().await;
    let officer = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");

    // First sign-in: the one-time password, one's own, the second factor.
    browser.goto(&app.url("/")).await.unwrap();
    fill(&browser, "#email", &officer.email).await;
    fill(&browser, "#password", &officer.password).await;
    submit(&browser, "button[type=submit].primary").await;
    fill(&browser, "#new_password", NEW_PASSWORD).await;
    submit(&browser, "button[type=submit].primary").await;
    submit(&browser, "button[type=submit].primary").await;
    let key = browser
        .wait_for("code.secret", Duration::from_secs(5))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace(' ', "");
    let now = app.clock.now().timestamp() / 30;
    fill(&browser, "#code", &totp(&key, now)).await;
    submit(&browser, "button[type=submit].primary").await;
    submit(&browser, "a.button-link.primary").await;
    browser
        .wait_for("#overdue-title", Duration::from_secs(5))
        .await
        .unwrap();

    // A vendor whose contact receives the periodic check.
    browser.goto(&app.url("/vendors/new")).await.unwrap();
    fill(&browser, "#legal_name", "港クリーンサービス株式会社").await;
    fill(
        &browser,
        "#corporate_number",
        &full_width(&corporate_number(11)),
    )
    .await;
    fill(&browser, "#address", "東京都港区芝公園1-5-25").await;
    fill(&browser, "#contacts_0_name", "港 花子").await;
    fill(&browser, "#contacts_0_email", CONTACT).await;
    submit(&browser, "button[type=submit].primary").await;
    done(&browser).await;

    // An outsourcing engagement, dates typed in the era form.
    browser.goto(&app.url("/engagements/new")).await.unwrap();
    click(&browser, "#kind-outsourcing").await;
    fill(&browser, "#title", "区民情報システム保守業務委託").await;
    pick(&browser, "#responsible_user_id", 1).await;
    pick(&browser, "#vendor_id", 1).await;
    fill(&browser, "#scope", "区民情報システムの保守及び障害対応").await;
    // Starting today, so that it may become active (not before its start).
    let today = app.clock.now().date_naive();
    fill(&browser, "#starts_on", &format_wareki(today)).await;
    fill(
        &browser,
        "#ends_on",
        &format_wareki(today + chrono::Days::new(364)),
    )
    .await;
    submit(&browser, "button[type=submit].primary").await;
    done(&browser).await;
    let url = browser.current_url().await.unwrap();
    let id = url
        .split("/engagements/")
        .nth(1)
        .and_then(|rest| rest.split(['?', '#']).next())
        .unwrap()
        .to_string();

    // An L3 item given to the vendor; the engagement is now L3.
    add_l3_item(&browser, "住民基本台帳データ").await;
    done(&browser).await;

    // Its approval, asked for here and decided by another officer.
    click(&browser, "#approval-request input[name=subject]").await;
    submit(&browser, "#approval-request button[type=submit]").await;
    done(&browser).await;
    // The division's security officer asked, so the decision goes up to ROLE-CSM.
    let (approver, _) = session_of(&app, &[Role::ChiefSystemManager], &[]).await;
    let second = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    second.add_cookie(&app.address, &approver).await.unwrap();
    second.goto(&app.url("/approvals")).await.unwrap();
    let inbox = main_text(&second).await;
    assert!(inbox.contains("住民基本台帳データ"), "{inbox}");
    submit(&second, "li.request button[name=decision][value=approved]").await;
    done(&second).await;
    second.quit().await.unwrap();

    // The clauses: previewed, the .docx downloaded and opened, the contract registered.
    browser
        .goto(&app.url(&format!("/engagements/{id}/clauses")))
        .await
        .unwrap();
    let cookie = browser.cookie("itaku_session").await.unwrap();
    let docx = reqwest::Client::new()
        .get(app.url(&format!(
            "/engagements/{id}/clauses/download?format=docx&lang=ja"
        )))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), 200);
    let articles = docx_paragraphs(&docx.bytes().await.unwrap(), "Heading2");
    assert!(articles.len() >= 10, "{articles:?}");
    for (n, article) in articles.iter().enumerate() {
        assert!(article.starts_with(&format!("第{}条", n + 1)), "{article}");
    }
    fill(&browser, "#reference_number", "港総契第1234号").await;
    fill(&browser, "#signed_on", "R9.3.25").await;
    submit(&browser, "#contract button[type=submit]").await;
    done(&browser).await;
    assert!(main_text(&browser)
        .await
        .contains("必須条項はすべて含まれています。"));

    // Selected, contracted (R-8.2: the contract holds every mandatory clause),
    // then active.
    submit(&browser, "button[name=to][value=selected]").await;
    done(&browser).await;
    submit(&browser, "button[name=to][value=contracted]").await;
    done(&browser).await;
    submit(&browser, "button[name=to][value=active]").await;
    done(&browser).await;
    let badges = browser.find(".badges").await.unwrap().text().await.unwrap();
    assert!(
        badges.contains("履行中") && badges.contains("L3"),
        "{badges}"
    );
    screenshots(&browser, "first-hour-engagement-active").await;

    // A periodic check, answered by the vendor with one answer falling short.
    submit(&browser, "form[action*='/checks#'] button[type=submit]").await;
    done(&browser).await;
    let check = only_check(&app, &officer, &id).await;
    let check_id = check["id"].as_str().unwrap().to_string();
    let token = new_token(&app, 1, &[]).await;
    let def = check_of(&app, &officer, &check_id).await["definition"].clone();
    let (answers, files, _) = answers_falling_short(&def, 1);
    vendor_submits(&app, &token, &answers, &files).await;

    // Reviewed from My work and accepted: a finding for the answer that fell short.
    browser.goto(&app.url("/")).await.unwrap();
    submit(&browser, &format!("a[href='/checks/{check_id}']")).await;
    click(&browser, "#decision-accept").await;
    submit(&browser, "#review-form button[type=submit]").await;
    done(&browser).await;

    // The finding, closed with its corrective action.
    browser.goto(&app.url("/findings")).await.unwrap();
    submit(&browser, ".data-table tbody tr td:first-child a").await;
    fill(
        &browser,
        "#corrective_action",
        "全従業員に再研修を実施し、受講記録を提出させた",
    )
    .await;
    click(&browser, "#state-closed").await;
    submit(&browser, "#corrective button[type=submit]").await;
    done(&browser).await;
    screenshots(&browser, "first-hour-finding-closed").await;
    browser.quit().await.unwrap();
}

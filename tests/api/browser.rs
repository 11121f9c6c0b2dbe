//! The vendor portal in a real browser: headless Chromium (Debian's, driven through
//! chromedriver) opens the emailed link, fills every question of the outsourcing check,
//! attaches the evidence files, signs and submits, on a phone-sized window and without
//! any script of ours (the pages have none).

use std::time::Duration;

use serde_json::Value;

use crate::helpers::spawn_app;
use crate::portal::{definition, issue, world, PDF};
use crate::webdriver::{save_screenshot, Browser};

#[tokio::test]
async fn a_vendor_fills_and_submits_a_check_in_headless_chromium() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (check, token) = issue(&app, &w, 1).await;
    let check_id = check["id"].as_str().unwrap();
    let def = definition(&app, &w.owner, "outsourcing-periodic-check").await;
    let evidence = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(evidence.path(), PDF).unwrap();
    let evidence_path = evidence.path().display().to_string();

    let browser = Browser::start().await.expect("headless Chromium");
    browser
        .goto(&app.url(&format!("/portal/{token}")))
        .await
        .unwrap();
    assert!(browser.title().await.unwrap().contains("点検"));
    save_screenshot(
        "portal-check-form-phone",
        &browser.screenshot_png().await.unwrap(),
    );

    let mut files = 0;
    for section in def["sections"].as_array().unwrap() {
        for q in section["questions"].as_array().unwrap() {
            let id = q["id"].as_str().unwrap();
            let bad: Vec<&str> = q["non_conforming"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            match q["answer"].as_str().unwrap() {
                "yes_no_na" => {
                    let v = ["yes", "no", "na"]
                        .into_iter()
                        .find(|v| !bad.contains(v))
                        .unwrap();
                    let radio = browser.find(&format!("#q-{id}-{v}")).await.unwrap();
                    radio.click().await.unwrap();
                    assert!(radio.is_selected().await.unwrap());
                    if v == "yes" && q["evidence_for_yes"] == Value::Bool(true) {
                        let input = browser.find(&format!("#q-{id}-file")).await.unwrap();
                        input.send_keys(&evidence_path).await.unwrap();
                        files += 1;
                    }
                }
                "single_choice" | "multiple_choice" => {
                    let choice = q["choices"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|c| c["id"].as_str())
                        .find(|c| !bad.contains(c))
                        .unwrap();
                    browser
                        .find(&format!("#q-{id}-{choice}"))
                        .await
                        .unwrap()
                        .click()
                        .await
                        .unwrap();
                }
                "text" => browser
                    .find(&format!("#q-{id}-input"))
                    .await
                    .unwrap()
                    .send_keys("年1回、全従業員に研修を実施")
                    .await
                    .unwrap(),
                "date" => {
                    let input = browser.find(&format!("#q-{id}-input")).await.unwrap();
                    // Chromium types a date in its own locale's field order.
                    input.send_keys("01152030").await.unwrap();
                    if input.prop("value").await.unwrap() != "2030-01-15" {
                        input.clear().await.unwrap();
                        input.send_keys("2030-01-15").await.unwrap();
                    }
                    assert_eq!(input.prop("value").await.unwrap(), "2030-01-15");
                }
                "number" => {
                    let n = q["min"].as_f64().unwrap_or(1.0).max(1.0);
                    browser
                        .find(&format!("#q-{id}-input"))
                        .await
                        .unwrap()
                        .send_keys(&n.to_string())
                        .await
                        .unwrap();
                }
                "file" => {
                    browser
                        .find(&format!("#q-{id}-file"))
                        .await
                        .unwrap()
                        .send_keys(&evidence_path)
                        .await
                        .unwrap();
                    files += 1;
                }
                other => panic!("unknown answer type {other}"),
            }
        }
    }
    browser
        .find("#signed_name")
        .await
        .unwrap()
        .send_keys("山田 花子")
        .await
        .unwrap();
    browser
        .find("#signed_title")
        .await
        .unwrap()
        .send_keys("情報セキュリティ管理者")
        .await
        .unwrap();
    browser
        .find("#declaration")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find("button[name=action][value=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The page after the redirect: thanked, read-only, the answers and files shown.
    let mut source = String::new();
    for _ in 0..50 {
        source = browser.page_source().await.unwrap();
        if source.contains("提出しました") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(source.contains("提出しました"), "{source}");
    assert!(browser.find_all("form").await.unwrap().is_empty());
    assert!(source.contains("山田 花子"));
    let screenshot = browser.screenshot_png().await.unwrap();
    assert!(screenshot.starts_with(b"\x89PNG"));
    save_screenshot("portal-check-submitted-phone", &screenshot);
    browser.resize(1366, 768).await.unwrap();
    save_screenshot(
        "portal-check-submitted-desktop",
        &browser.screenshot_png().await.unwrap(),
    );

    let detail: Value = app
        .get(&w.owner, &format!("/api/v1/checks/{check_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["state"], "submitted", "{detail}");
    assert_eq!(detail["signed_name"], "山田 花子");
    assert_eq!(detail["evidence"].as_array().unwrap().len(), files);
    assert_eq!(
        detail["answers"].as_object().unwrap().len(),
        def["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["questions"].as_array().unwrap())
            .count(),
        "every question answered (a file question by its file)"
    );
    browser.quit().await.unwrap();
}

//! The vendor portal over HTTP, as a vendor's browser uses it: the emailed link, the
//! check page, drafts, evidence files, the signed submission, and everything that must be
//! refused without losing anything (issue: questionnaires and the vendor portal; ).

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::helpers::{portal_tokens, spawn_app, spawn_app_with, TestApp, TestUser};
use itaku::domain::Role;

pub const CONTACT: &str = "hanako@vendor.example";
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

pub struct World {
    pub csm: TestUser,
    pub owner: TestUser,
    pub engagement_id: String,
}

/// A CSM, the security officer of kumin who owns an outsourcing engagement, and its vendor
/// (contact: hanako@vendor.example).
pub async fn world(app: &TestApp) -> World {
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let owner = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&csm, "株式会社港システム").await;
    let engagement = app.engagement(&csm, &owner, "kumin", &vendor).await;
    World {
        csm,
        owner,
        engagement_id: engagement["id"].as_str().unwrap().to_string(),
    }
}

/// Issues the engagement's periodic check by hand; returns the check and the link's token
/// from the email the contact received (the `n`th such email).
pub async fn issue(app: &TestApp, w: &World, n: usize) -> (Value, String) {
    let res = app
        .post(
            &w.owner,
            &format!("/api/v1/engagements/{}/checks", w.engagement_id),
            &json!({}),
        )
        .await;
    let status = res.status();
    let check: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{check}");
    (check, new_token(app, n, &[]).await)
}

/// The portal token of the contact's emails that is not among `known`, once `n` emails
/// have arrived.
pub async fn new_token(app: &TestApp, n: usize, known: &[&str]) -> String {
    let mails = app.mail_to(CONTACT, n).await;
    assert!(mails.len() >= n, "expected {n} emails to the contact");
    mails
        .iter()
        .flat_map(|m| portal_tokens(&m.text))
        .find(|t| !known.contains(&t.as_str()))
        .expect("a new portal link in the emails")
}

pub async fn page(app: &TestApp, token: &str, query: &str) -> (u16, String) {
    let res = app
        .client
        .get(app.url(&format!("/portal/{token}{query}")))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The hidden CSRF value of the check page.
pub fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\"").expect("a csrf field");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

/// Answers for every question that conform (so no finding), and the questions that need
/// a file with them.
pub fn conforming(definition: &Value) -> (Vec<(String, String)>, Vec<String>) {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    for section in definition["sections"].as_array().unwrap() {
        for q in section["questions"].as_array().unwrap() {
            let id = q["id"].as_str().unwrap().to_string();
            let bad: Vec<&str> = q["non_conforming"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            let name = format!("q.{id}");
            match q["answer"].as_str().unwrap() {
                "yes_no_na" => {
                    let v = ["yes", "no", "na"]
                        .into_iter()
                        .find(|v| !bad.contains(v))
                        .unwrap();
                    if v == "yes" && q["evidence_for_yes"].as_bool() == Some(true) {
                        files.push(id.clone());
                    }
                    fields.push((name, v.to_string()));
                }
                "single_choice" | "multiple_choice" => {
                    let choice = q["choices"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|c| c["id"].as_str())
                        .find(|c| !bad.contains(c))
                        .unwrap();
                    fields.push((name, choice.to_string()));
                }
                "text" => fields.push((name, "年1回、全従業員に研修を実施".to_string())),
                "date" => fields.push((name, "2030-01-15".to_string())),
                "number" => {
                    let n = q["min"].as_f64().unwrap_or(1.0).max(1.0);
                    let n = q["max"].as_f64().map_or(n, |m| n.min(m));
                    fields.push((name, n.to_string()));
                }
                "file" => files.push(id.clone()),
                other => panic!("unknown answer type {other}"),
            }
        }
    }
    (fields, files)
}

/// Posts the check page's form as a browser does (multipart/form-data).
pub async fn post_form(
    app: &TestApp,
    token: &str,
    csrf: &str,
    fields: &[(String, String)],
    files: &[(String, String, Vec<u8>)],
) -> reqwest::Response {
    let mut form = Form::new().text("csrf", csrf.to_string());
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    for (q, name, bytes) in files {
        form = form.part(
            format!("file.{q}"),
            Part::bytes(bytes.clone()).file_name(name.clone()),
        );
    }
    app.client
        .post(app.url(&format!("/portal/{token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub fn signed(mut fields: Vec<(String, String)>, action: &str) -> Vec<(String, String)> {
    fields.push(("signed_name".into(), "山田 花子".into()));
    fields.push(("signed_title".into(), "情報セキュリティ管理者".into()));
    fields.push(("declaration".into(), "yes".into()));
    fields.push(("action".into(), action.into()));
    fields
}

pub async fn definition(app: &TestApp, who: &TestUser, id: &str) -> Value {
    app.get(who, &format!("/api/v1/questionnaires/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn check_state(app: &TestApp, who: &TestUser, id: &str) -> Value {
    app.get(who, &format!("/api/v1/checks/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_vendor_answers_saves_uploads_submits_and_the_officer_returns_then_accepts() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (check, token) = issue(&app, &w, 1).await;
    let check_id = check["id"].as_str().unwrap();
    let def = definition(&app, &w.owner, "outsourcing-periodic-check").await;

    // The link opens the check: Japanese, its own CSP, no script, the engagement named.
    let res = app
        .client
        .get(app.url(&format!("/portal/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let html = res.text().await.unwrap();
    assert!(html.contains("lang=\"ja\"") && html.contains("住民記録システム運用保守業務委託"));
    assert!(!html.contains("<script"));
    let csrf = csrf_in(&html);
    let (_, english) = page(&app, &token, "?lang=en").await;
    assert!(english.contains("lang=\"en\""));

    // A draft with a few answers, then back: they are there.
    let (answers, needs_files) = conforming(&def);
    let first = answers[0].clone();
    let res = post_form(
        &app,
        &token,
        &csrf,
        &[first.clone(), ("action".into(), "save".into())],
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("notice=saved"));
    let (_, html) = page(&app, &token, "?notice=saved").await;
    assert!(html.contains("下書きを保存しました"), "{html}");
    let state = check_state(&app, &w.owner, check_id).await;
    assert_eq!(state["state"], "in_progress", "{state}");

    // Submitting without the files and signature: the draft is kept, the page says why.
    let res = post_form(
        &app,
        &token,
        &csrf,
        &[
            answers.clone(),
            vec![("action".to_string(), "submit".to_string())],
        ]
        .concat(),
        &[],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("signed_name") && html.contains("aria-invalid"),
        "{html}"
    );
    assert_eq!(
        check_state(&app, &w.owner, check_id).await["state"],
        "in_progress"
    );

    // With every file and the signed statement it is submitted.
    let files: Vec<(String, String, Vec<u8>)> = needs_files
        .iter()
        .map(|q| (q.clone(), format!("{q}-規程.pdf"), PDF.to_vec()))
        .collect();
    let res = post_form(
        &app,
        &token,
        &csrf,
        &signed(answers.clone(), "submit"),
        &files,
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, html) = page(&app, &token, "?notice=submitted").await;
    assert!(
        html.contains("提出しました") && !html.contains("<form"),
        "{html}"
    );
    let detail = check_state(&app, &w.owner, check_id).await;
    assert_eq!(detail["state"], "submitted");
    assert_eq!(
        detail["evidence"].as_array().unwrap().len(),
        needs_files.len()
    );
    let sha = &detail["evidence"][0]["sha256"];
    assert_eq!(sha.as_str().unwrap().len(), 64);

    // A second submit changes nothing.
    let res = post_form(
        &app,
        &token,
        &csrf,
        &signed(answers.clone(), "submit"),
        &files,
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        check_state(&app, &w.owner, check_id).await["evidence"]
            .as_array()
            .unwrap()
            .len(),
        needs_files.len()
    );

    // Returned with a comment on one question: the vendor is emailed a link, and the
    // first link works again, showing the comment.
    let qid = first.0.trim_start_matches("q.").to_string();
    let res = app
        .post(
            &w.owner,
            &format!("/api/v1/checks/{check_id}/review"),
            &json!({"decision": "return", "comment": "一部確認させてください",
                    "question_comments": {qid.clone(): "実施記録の日付を記入してください"}}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let new_token = new_token(&app, 2, &[&token]).await;
    assert_ne!(new_token, token);
    let (status, html) = page(&app, &token, "").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("実施記録の日付を記入してください") && html.contains("<form"),
        "{html}"
    );

    // Resubmitted through the new link, then accepted: the periodic obligation is met.
    let (_, html) = page(&app, &new_token, "").await;
    let csrf2 = csrf_in(&html);
    let res = post_form(
        &app,
        &new_token,
        &csrf2,
        &signed(answers.clone(), "submit"),
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post(
            &w.owner,
            &format!("/api/v1/checks/{check_id}/review"),
            &json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let obligations: Value = app
        .get(
            &w.owner,
            &format!("/api/v1/engagements/{}/obligations", w.engagement_id),
        )
        .await
        .json()
        .await
        .unwrap();
    let list = obligations
        .as_array()
        .cloned()
        .unwrap_or_else(|| obligations["items"].as_array().cloned().unwrap_or_default());
    let r832 = list
        .iter()
        .find(|o| o["rule_id"] == "R-8.3.2")
        .expect("R-8.3.2");
    assert_eq!(r832["state"], "met", "{r832}");
    // Accepted: read-only for good.
    let (_, html) = page(&app, &token, "").await;
    assert!(!html.contains("<form"));
    let res = post_form(&app, &token, &csrf, &signed(answers, "save"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        check_state(&app, &w.owner, check_id).await["state"],
        "accepted"
    );
}

#[tokio::test]
async fn non_conforming_answers_become_findings_when_the_check_is_accepted() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (check, token) = issue(&app, &w, 1).await;
    let check_id = check["id"].as_str().unwrap();
    let def = definition(&app, &w.owner, "outsourcing-periodic-check").await;
    let (mut answers, needs_files) = conforming(&def);
    // Turn the first yes/no question that has a non-conforming "no" into a "no".
    let mut turned = None;
    for section in def["sections"].as_array().unwrap() {
        for q in section["questions"].as_array().unwrap() {
            let bad = q["non_conforming"].as_array().cloned().unwrap_or_default();
            if turned.is_none() && q["answer"] == "yes_no_na" && bad.iter().any(|b| b == "no") {
                turned = Some(q["id"].as_str().unwrap().to_string());
            }
        }
    }
    let turned = turned.expect("a question where no does not conform");
    for (k, v) in answers.iter_mut() {
        if *k == format!("q.{turned}") {
            *v = "no".into();
        }
    }
    let files: Vec<(String, String, Vec<u8>)> = needs_files
        .iter()
        .filter(|q| **q != turned)
        .map(|q| (q.clone(), "evidence.pdf".into(), PDF.to_vec()))
        .collect();
    let (_, html) = page(&app, &token, "").await;
    let res = post_form(
        &app,
        &token,
        &csrf_in(&html),
        &signed(answers, "submit"),
        &files,
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let res = app
        .post(
            &w.owner,
            &format!("/api/v1/checks/{check_id}/review"),
            &json!({"decision": "accept"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let findings: Value = app
        .get(&w.owner, &format!("/api/v1/findings?check_id={check_id}"))
        .await
        .json()
        .await
        .unwrap();
    let items = findings["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{findings}");
    assert_eq!(items[0]["question_id"], turned.as_str());
    assert_eq!(items[0]["state"], "open");
    let detail = check_state(&app, &w.owner, check_id).await;
    assert!(detail["score_percent"].as_i64().unwrap() < 100, "{detail}");
}

fn changed_first_char(token: &str) -> String {
    let first = if token.starts_with('A') { 'B' } else { 'A' };
    format!("{first}{}", &token[1..])
}

#[tokio::test]
async fn a_bad_expired_or_revoked_link_shows_a_plain_page_and_one_link_opens_one_check() {
    let app = spawn_app_with(&[("portal_link_grace_days", "0")]).await;
    let w = world(&app).await;
    let (check, token) = issue(&app, &w, 1).await;
    let check_id = check["id"].as_str().unwrap();
    let plain = |html: &str| {
        assert!(
            !html.contains("住民記録") && !html.contains("株式会社港システム"),
            "{html}"
        );
        assert!(html.contains("このリンクは使えません"), "{html}");
    };
    // Unknown (well-formed and not), both the same plain page.
    for bad in [
        "x".repeat(43),
        "short".to_string(),
        // The real token with its first character changed: every character there may be
        // any of the 64, so this one always differs from the real link (the last
        // character of a 32-byte token is one of only 16, so changing it to a fixed one
        // could give the real link back).
        changed_first_char(&token),
    ] {
        let (status, html) = page(&app, &bad, "").await;
        assert_eq!(status, 404);
        plain(&html);
    }
    // A form posted with a bad link is refused the same way and writes nothing.
    let res = post_form(
        &app,
        &"y".repeat(43),
        "x",
        &[("action".into(), "save".into())],
        &[],
    )
    .await;
    assert_eq!(res.status(), 404);

    // One link opens one check: another engagement's check, with a file of its own, is
    // neither shown nor changed through this link, and its link does not open this one.
    let vendor = app.vendor(&w.csm, "株式会社芝浦データ").await;
    let other = app.engagement(&w.csm, &w.owner, "kumin", &vendor).await;
    let res = app
        .post(
            &w.owner,
            &format!(
                "/api/v1/engagements/{}/checks",
                other["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let other_check: Value = res.json().await.unwrap();
    let other_token = new_token(&app, 2, &[&token]).await;
    let def = definition(&app, &w.owner, "outsourcing-periodic-check").await;
    let (_, files) = conforming(&def);
    let (_, html) = page(&app, &other_token, "").await;
    let res = post_form(
        &app,
        &other_token,
        &csrf_in(&html),
        &[("action".into(), "save".into())],
        &[(files[0].clone(), "他社の規程.pdf".into(), PDF.to_vec())],
    )
    .await;
    assert_eq!(res.status(), 303);
    let other_detail = check_state(&app, &w.owner, other_check["id"].as_str().unwrap()).await;
    let other_file = other_detail["evidence"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (_, html) = page(&app, &token, "").await;
    assert!(!html.contains("他社の規程.pdf") && !html.contains("株式会社芝浦データ"));
    let res = post_form(
        &app,
        &token,
        &csrf_in(&html),
        &[
            ("delete".into(), other_file.clone()),
            ("action".into(), "save".into()),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);
    let other_detail = check_state(&app, &w.owner, other_check["id"].as_str().unwrap()).await;
    assert_eq!(
        other_detail["evidence"][0]["id"],
        other_file.as_str(),
        "untouched"
    );
    // Nor does a form carry one check's page token over to the other.
    let res = post_form(
        &app,
        &other_token,
        &csrf_in(&html),
        &[("action".into(), "save".into())],
        &[],
    )
    .await;
    assert_eq!(res.status(), 403);

    // Revoked: the link stops working at once.
    let res = app
        .delete(&w.owner, &format!("/api/v1/checks/{check_id}/links"))
        .await;
    assert_eq!(res.status(), 200);
    let (status, html) = page(&app, &token, "").await;
    assert_eq!(status, 404);
    plain(&html);

    // A new link, then past its expiry (the due date, no grace): refused.
    let res = app
        .post(
            &w.owner,
            &format!("/api/v1/checks/{check_id}/links"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let fresh = new_token(&app, 3, &[&token, &other_token]).await;
    assert_eq!(page(&app, &fresh, "").await.0, 200);
    app.clock.advance(chrono::Duration::days(40));
    let (status, html) = page(&app, &fresh, "").await;
    assert_eq!(status, 404);
    plain(&html);
}

#[tokio::test]
async fn repeated_bad_links_from_one_address_are_throttled() {
    let app = spawn_app_with(&[("portal_max_failures_per_address", "3")]).await;
    for _ in 0..3 {
        assert_eq!(page(&app, &"z".repeat(43), "").await.0, 404);
    }
    let res = app
        .client
        .get(app.url(&format!("/portal/{}", "z".repeat(43))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0);
    assert!(res.text().await.unwrap().contains("しばらくお待ちください"));
}

#[tokio::test]
async fn files_too_large_or_of_the_wrong_kind_are_refused_and_nothing_is_saved() {
    let app = spawn_app_with(&[("evidence_max_bytes", "2048")]).await;
    let w = world(&app).await;
    let (_, token) = issue(&app, &w, 1).await;
    let def = definition(&app, &w.owner, "outsourcing-periodic-check").await;
    let (answers, needs_files) = conforming(&def);
    let q = needs_files[0].clone();
    let (_, html) = page(&app, &token, "").await;
    let csrf = csrf_in(&html);
    let before = app.count_rows("check_answers").await;

    let big = vec![b'%'; 4096];
    let res = post_form(
        &app,
        &token,
        &csrf,
        &signed(answers.clone(), "save"),
        &[(q.clone(), "big.pdf".into(), big)],
    )
    .await;
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("大きすぎます"));

    let res = post_form(
        &app,
        &token,
        &csrf,
        &signed(answers.clone(), "save"),
        &[(q.clone(), "tool.exe".into(), b"MZ\x90\x00".to_vec())],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("保存していません"), "{html}");
    let res = post_form(
        &app,
        &token,
        &csrf,
        &signed(answers.clone(), "save"),
        &[(q.clone(), "report.pdf".into(), b"MZ\x90\x00".to_vec())],
    )
    .await;
    assert_eq!(res.status(), 422);

    // An invalid answer: nothing saved either, and the typed value is shown again.
    let mut wrong = answers.clone();
    wrong[0].1 = "perhaps".into();
    let res = post_form(&app, &token, &csrf, &signed(wrong, "save"), &[]).await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.count_rows("check_answers").await, before);
    assert_eq!(app.count_rows("check_evidence").await, 0);
}

#[tokio::test]
async fn forms_without_their_token_or_in_another_format_are_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, token) = issue(&app, &w, 1).await;
    let url = app.url(&format!("/portal/{token}"));
    // Not multipart.
    let res = app
        .client
        .post(&url)
        .form(&[("action", "save")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    // No or a wrong CSRF value.
    let res = post_form(&app, &token, "00", &[("action".into(), "save".into())], &[]).await;
    assert_eq!(res.status(), 403);
    // A field the page never has.
    let (_, html) = page(&app, &token, "").await;
    let res = post_form(
        &app,
        &token,
        &csrf_in(&html),
        &[("admin".into(), "1".into())],
        &[],
    )
    .await;
    assert_eq!(res.status(), 400);
    // From another site's page.
    let res = app
        .client
        .post(&url)
        .header("Origin", "https://evil.example")
        .multipart(Form::new().text("action", "save"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count_rows("check_answers").await, 0);
}

#[tokio::test]
async fn the_sweep_sends_each_periodic_check_once_when_it_falls_due() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // The engagement runs two years from 2027-04-01; its first check (L1: yearly) is due
    // 2028-04-01, so it is sent 30 days before. (A term shorter than the interval is
    // checked at its middle: tests/api/standard.rs.)
    let id = &w.engagement_id;
    app.sql(format!(
        "UPDATE engagements SET status = 'active', ends_on = '2029-03-31' WHERE id = '{id}'"
    ))
    .await;
    app.clock.set("2028-02-20T00:00:00Z".parse().unwrap());
    let report: Value = app
        .post(&w.csm, "/api/v1/admin/sweep", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["checks_issued"], 0, "{report}");
    app.clock.set("2028-03-05T00:00:00Z".parse().unwrap());
    let report: Value = app
        .post(&w.csm, "/api/v1/admin/sweep", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["checks_issued"], 1, "{report}");
    let report: Value = app
        .post(&w.csm, "/api/v1/admin/sweep", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["checks_issued"], 0, "{report}");
    let token = new_token(&app, 1, &[]).await;
    assert_eq!(page(&app, &token, "").await.0, 200);
    let checks: Value = app
        .get(&w.owner, &format!("/api/v1/engagements/{id}/checks"))
        .await
        .json()
        .await
        .unwrap();
    let list = checks
        .as_array()
        .cloned()
        .unwrap_or_else(|| checks["items"].as_array().cloned().unwrap_or_default());
    assert_eq!(list.len(), 1, "{checks}");
    assert!(list[0]["issued_by"].is_null());
}

#[tokio::test]
async fn another_method_on_a_portal_address_is_a_405_page_with_allow() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for (method, path, allow) in [
        (
            reqwest::Method::PUT,
            "/portal/not-a-real-token",
            "GET, HEAD, POST",
        ),
        (
            reqwest::Method::DELETE,
            "/portal/not-a-real-token",
            "GET, HEAD, POST",
        ),
    ] {
        let res = client
            .request(method.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let page = res.text().await.unwrap();
        assert!(page.contains("この操作はできません"), "{page}");
    }
}

#[tokio::test]
async fn stylesheets_are_served_by_version_and_cached_for_a_year() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let page = client
        .get(format!("{}/portal/not-a-real-token", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let hrefs: Vec<&str> = page
        .split("<link rel=\"stylesheet\" href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert_eq!(
        hrefs.len(),
        2,
        "the design tokens, then the pages' rules: {page}"
    );
    assert!(hrefs[0].ends_with("/dads/tokens.css") && hrefs[1].ends_with("/portal.css"));
    for href in &hrefs {
        let res = client
            .get(format!("{}{href}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{href}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        assert!(res.text().await.unwrap().contains("--"), "{href}");
    }
    // Another version of a file, or a file not served, is simply not there.
    let stale = hrefs[1].replacen("/assets/", "/assets/0", 1);
    for path in [stale.as_str(), "/assets/0000000000000000/dads/LICENSE"] {
        let res = client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    let res = client
        .post(format!("{}{}", app.address, hrefs[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
}

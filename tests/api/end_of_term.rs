//! The end of an engagement over HTTP:
//! the sweep moves an engagement past its end date to `ending` and sends the vendor the
//! attestation; the vendor answers it through the portal, where what the Standard refuses
//! is refused with its reason; the ward accepts it once every finding is settled; a
//! second person approves the closing; `closed` waits for all of it and for the
//! subcontracts.

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::checks_api::{submit, Submission, PDF};
use crate::helpers::{
    assert_problem, at, json_of, outsourcing_body, portal_tokens, spawn_app, TestApp, TestUser,
};

const CONTACT: &str = "hanako@vendor.example";

async fn move_to(app: &TestApp, who: &TestUser, id: &str, body: Value) -> reqwest::Response {
    app.post(who, &format!("/api/v1/engagements/{id}/transitions"), &body)
        .await
}

struct World {
    app: TestApp,
    /// ROLE-SO of kumin, responsible for the engagements: the confirmer.
    so: TestUser,
    /// A second security officer of kumin: approves what the first asks for.
    second: TestUser,
    csm: TestUser,
    ciso: TestUser,
    /// ROLE-SA of kumin: responsible for its cloud services, and their confirmer.
    sa: TestUser,
    vendor: String,
}

/// 1 April 2030 in Tokyo.
async fn world() -> World {
    world_on(spawn_app().await).await
}

async fn world_on(app: TestApp) -> World {
    app.clock.set(at("2030-04-01T00:00:00Z"));
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let second = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let sa = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
    let vendor = app.vendor(&so, "株式会社港データ").await;
    World {
        app,
        so,
        second,
        csm,
        ciso,
        sa,
        vendor,
    }
}

/// An engagement of `kind` running from 1 April 2030 to 31 March 2031, with `items`
/// (name, level) handed to the vendor, brought to `active` the way the Standard asks:
/// the contract with every mandatory clause, each L2/L3 provision approved.
async fn running(w: &World, kind: &str, items: &[(&str, &str)], parent: Option<&str>) -> String {
    let app = &w.app;
    let owner = if kind == "cloud_service" {
        &w.sa
    } else {
        &w.so
    };
    let mut body = outsourcing_body("kumin", &owner.id, &w.vendor);
    body["kind"] = json!(kind);
    body["title"] = json!(format!("{kind} の委託"));
    body["starts_on"] = json!("2030-04-01");
    body["ends_on"] = json!("2031-03-31");
    if kind == "cloud_service" {
        body["cloud"] = json!({"service_name": "港クラウド", "data_location": "日本（東京リージョン）", "ismap": "ismap"});
    }
    if let Some(p) = parent {
        body["parent_id"] = json!(p);
    }
    let e = json_of(app.post(owner, "/api/v1/engagements", &body).await, 201).await;
    let id = e["id"].as_str().unwrap().to_string();
    for (name, level) in items {
        let item = json_of(
            app.post(
                owner,
                &format!("/api/v1/engagements/{id}/information-items"),
                &json!({"name": name, "level": level, "provided_to_vendor": true}),
            )
            .await,
            201,
        )
        .await;
        if *level != "L1" {
            let asked = json_of(
                app.post(
                    owner,
                    &format!("/api/v1/engagements/{id}/approvals"),
                    &json!({"rule_id": "R-3.3.3", "subject_id": item["id"]}),
                )
                .await,
                201,
            )
            .await;
            json_of(
                app.post(
                    &w.second,
                    &format!(
                        "/api/v1/approvals/{}/decision",
                        asked["id"].as_str().unwrap()
                    ),
                    &json!({"decision": "approved"}),
                )
                .await,
                200,
            )
            .await;
        }
    }
    json_of(
        move_to(app, owner, &id, json!({"to": "selected"})).await,
        200,
    )
    .await;
    let problem = assert_problem(
        move_to(app, owner, &id, json!({"to": "contracted"})).await,
        409,
        None,
    )
    .await;
    json_of(
        app.post(
            owner,
            &format!("/api/v1/engagements/{id}/contracts"),
            &json!({"reference_number": "港区契第2030-001号", "signed_on": "2030-03-20", "clause_ids": problem["missing"]}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        move_to(app, owner, &id, json!({"to": "contracted"})).await,
        200,
    )
    .await;
    json_of(move_to(app, owner, &id, json!({"to": "active"})).await, 200).await;
    id
}

/// The link of the attestation email, once `n` emails reached the contact.
async fn attestation_link(app: &TestApp, n: usize) -> String {
    let mail = app.mail_to(CONTACT, n).await;
    let m = mail
        .iter()
        .find(|m| m.subject.contains("返還・廃棄・消去"))
        .unwrap_or_else(|| panic!("no attestation email among {mail:?}"));
    portal_tokens(&m.text).remove(0)
}

async fn sweep(app: &TestApp, csm: &TestUser) -> Value {
    json_of(app.post(csm, "/api/v1/admin/sweep", &json!({})).await, 200).await
}

async fn engagement(w: &World, id: &str) -> Value {
    json_of(
        w.app.get(&w.so, &format!("/api/v1/engagements/{id}")).await,
        200,
    )
    .await
}

async fn obligation(w: &World, id: &str, rule: &str) -> Value {
    let list = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/obligations"))
            .await,
        200,
    )
    .await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule_id"] == rule)
        .unwrap_or_else(|| panic!("{rule} in {list}"))
        .clone()
}

/// The engagement's closing approval (rule ), as `who` reads it.
async fn closing_approval(w: &World, who: &TestUser, id: &str) -> Value {
    let approvals = json_of(
        w.app
            .get(who, &format!("/api/v1/engagements/{id}/approvals"))
            .await,
        200,
    )
    .await;
    approvals
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule_id"] == "R-2.6")
        .unwrap_or_else(|| panic!("a closing approval in {approvals}"))
        .clone()
}

/// The engagement's attestation, as the checks list has it.
async fn attestation(w: &World, id: &str) -> Value {
    let list = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/checks?engagement_id={id}"))
            .await,
        200,
    )
    .await;
    let found = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["questionnaire_id"] == "end-of-term-attestation")
        .unwrap_or_else(|| panic!("no attestation in {list}"))
        .clone();
    json_of(
        w.app
            .get(
                &w.so,
                &format!("/api/v1/checks/{}", found["id"].as_str().unwrap()),
            )
            .await,
        200,
    )
    .await
}

/// Answers for `n` items, each erased properly on `done_on`, and the statements.
fn good_answers(n: usize, done_on: &str) -> Submission {
    let mut answers = Vec::new();
    let mut files = Vec::new();
    for i in 1..=n {
        let q = |name: &str| format!("I{i}-{name}");
        for (name, value) in [
            ("PERSONAL", "personal"),
            ("RECORDS", "1200"),
            ("DISPOSITION", "erased"),
            ("MEDIA-TYPE", "ssd"),
            ("MEDIA-ID", "Samsung PM9A3 S/N S64ANE0R123456"),
            ("MEDIA-LOCATION", "本社サーバー室"),
            ("CATEGORY", "purge"),
            ("TECHNIQUE", "cryptographic_erase"),
            ("TOOL", "Blancco Drive Eraser 7.9"),
            ("VERIFICATION", "full"),
            ("RESULT", "passed"),
            ("DONE-ON", done_on),
            ("PLACE", "本社サーバー室"),
            ("DONE-BY", "株式会社港データ 情報システム部 佐藤 健"),
            ("WITNESS", "区民課 鈴木 一郎"),
        ] {
            answers.push((q(name), value.to_string()));
        }
        files.push((q("EVIDENCE"), "消去ログ.pdf".to_string(), PDF.to_vec()));
    }
    for (q, v) in [
        ("END-COPIES", "yes"),
        ("END-DESTINATION", "当社で再利用"),
        ("END-MEASURES", "yes"),
    ] {
        answers.push((q.to_string(), v.to_string()));
    }
    Submission { answers, files }
}

fn with(mut s: Submission, q: &str, value: &str) -> Submission {
    s.answers.retain(|(k, _)| k != q);
    s.answers.push((q.to_string(), value.to_string()));
    s
}

#[tokio::test]
async fn r_8_4_an_outsourcing_ends_by_itself_is_attested_verified_approved_and_closed() {
    let w = world().await;
    let app = &w.app;
    let id = running(
        &w,
        "outsourcing",
        &[("住民基本台帳データ", "L3"), ("案内文", "L1")],
        None,
    )
    .await;

    // Before the end date nothing moves.
    app.clock.set(at("2031-03-30T15:00:00Z"));
    assert_eq!(sweep(app, &w.csm).await["engagements_ended"], 0);
    assert_eq!(engagement(&w, &id).await["status"], "active");

    // The day after the end date, the sweep moves it to `ending`, audited as the system.
    app.clock.set(at("2031-04-01T00:00:00Z"));
    let report = sweep(app, &w.csm).await;
    assert_eq!(report["engagements_ended"], 1, "{report}");
    assert_eq!(report["attestations_sent"], 1, "{report}");
    assert_eq!(engagement(&w, &id).await["status"], "ending");
    let audit = json_of(
        app.get(
            &w.ciso,
            &format!("/api/v1/audit-log?target_id={id}&action=engagement.transition"),
        )
        .await,
        200,
    )
    .await;
    let last = &audit["items"][0];
    assert_eq!(last["actor"], "system", "{last}");
    // A sweep run again moves nothing twice and sends nothing twice.
    assert_eq!(sweep(app, &w.csm).await["engagements_ended"], 0);

    // The vendor gets one link to the attestation; it asks about each item handed over.
    // (The other email is the periodic check the sweep of 30 March sent.)
    let mail = app.mail_to(CONTACT, 2).await;
    assert_eq!(mail.len(), 2, "{mail:?}");
    let token = attestation_link(app, 2).await;
    let check = attestation(&w, &id).await;
    assert_eq!(check["meets_rules"], json!(["R-8.4.1", "R-8.4.2"]));
    assert_eq!(check["due_on"], "2031-04-30", "end date + 30 days");
    let page = app
        .client
        .get(app.url(&format!("/portal/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("1. 住民基本台帳データ（L3）"), "{page}");
    assert!(page.contains("2. 案内文（L1）"), "{page}");

    // The obligations wait for the attestation; they cannot be waived with a reason.
    assert_eq!(obligation(&w, &id, "R-8.4.2").await["state"], "open");
    let problem = assert_problem(
        app.post(
            &w.ciso,
            &format!("/api/v1/engagements/{id}/obligations/waivers"),
            &json!({"rule_id": "R-8.4.2", "reason": "返還済みと聞いている"}),
        )
        .await,
        422,
        Some("rule_id"),
    )
    .await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("終了時報告"),
        "{problem}"
    );

    // Closing now is refused with everything it lacks.
    let problem = assert_problem(
        move_to(app, &w.so, &id, json!({"to": "closed"})).await,
        409,
        None,
    )
    .await;
    assert_eq!(
        problem["missing"],
        json!(["attestation", "closing_approval"])
    );

    // Formatting alone is refused with its reason; nothing is submitted.
    let res = submit(
        app,
        &token,
        &with(good_answers(2, "2031-04-01"), "I1-TECHNIQUE", "format_only"),
    )
    .await;
    let body = res.text().await.unwrap();
    assert!(body.contains("初期化（フォーマット）だけでは"), "{body}");
    assert!(body.contains("R-3.5.5"), "{body}");
    assert_eq!(attestation(&w, &id).await["state"], "in_progress");

    // An item with no disposition blocks the submission.
    let mut missing = good_answers(2, "2031-04-01");
    missing.answers.retain(|(k, _)| k != "I2-DISPOSITION");
    let body = submit(app, &token, &missing).await.text().await.unwrap();
    assert!(body.contains("R-8.4.2"), "{body}");
    assert_eq!(attestation(&w, &id).await["state"], "in_progress");

    let res = submit(app, &token, &good_answers(2, "2031-04-01")).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let check = attestation(&w, &id).await;
    assert_eq!(check["state"], "submitted", "{check}");
    let review = format!("/api/v1/checks/{}/review", check["id"].as_str().unwrap());
    // It waits on the confirmer's "my work", linking to where it is reviewed.
    let confirmer = app.enrol(&w.so).await.session;
    let my_work = crate::staff_pages::get_page(app, &confirmer.cookie, "/")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        my_work.contains("提出された終了時報告（情報の返還・廃棄・消去）の確認"),
        "{my_work}"
    );
    assert!(
        my_work.contains(&format!("/checks/{}", check["id"].as_str().unwrap())),
        "{my_work}"
    );

    // The confirmer accepts it; the closing goes to a second person.
    json_of(
        app.post(&w.so, &review, &json!({"decision": "accept"}))
            .await,
        200,
    )
    .await;
    assert_eq!(obligation(&w, &id, "R-8.4.1").await["state"], "met");
    assert_eq!(obligation(&w, &id, "R-8.4.2").await["state"], "met");
    let approvals = json_of(
        app.get(&w.so, &format!("/api/v1/engagements/{id}/approvals"))
            .await,
        200,
    )
    .await;
    let closing = approvals
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule_id"] == "R-2.6")
        .unwrap_or_else(|| panic!("a closing approval in {approvals}"))
        .clone();
    assert_eq!(closing["requested_by"], w.so.id.as_str());
    assert_eq!(closing["state"], "pending");
    let decide = format!(
        "/api/v1/approvals/{}/decision",
        closing["id"].as_str().unwrap()
    );
    let problem = assert_problem(
        move_to(app, &w.so, &id, json!({"to": "closed"})).await,
        409,
        None,
    )
    .await;
    assert_eq!(problem["missing"], json!(["closing_approval"]));
    // It waits in the second officer's inbox, named for what it is.
    let second = app.enrol(&w.second).await.session;
    let inbox = crate::staff_pages::get_page(app, &second.cookie, "/approvals")
        .await
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("委託案件を終了する"), "{inbox}");
    let my_work = crate::staff_pages::get_page(app, &second.cookie, "/")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        my_work.contains("委託案件を終了することの承認（R-2.6: outsourcing の委託）"),
        "{my_work}"
    );
    // The confirmer cannot approve it.
    assert_problem(
        app.post(&w.so, &decide, &json!({"decision": "approved"}))
            .await,
        403,
        None,
    )
    .await;
    json_of(
        app.post(&w.second, &decide, &json!({"decision": "approved"}))
            .await,
        200,
    )
    .await;

    // Not before closing.
    assert_problem(
        app.get(
            &w.so,
            &format!("/api/v1/engagements/{id}/completion-record"),
        )
        .await,
        404,
        None,
    )
    .await;
    json_of(move_to(app, &w.so, &id, json!({"to": "closed"})).await, 200).await;
    assert_eq!(engagement(&w, &id).await["status"], "closed");

    // The completion record, issued at closing, in Japanese and English, HTML and Word.
    let record = format!("/api/v1/engagements/{id}/completion-record");
    let res = app.get(&w.so, &record).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    for expected in [
        "委託の終了に関する確認書",
        "R-8.4.1、R-8.4.2",
        "1. 住民基本台帳データ（L3）",
        "2. 案内文（L1）",
        "電子データを消去した",
        "Purge（除去）、暗号化消去（鍵の破棄）",
        "Blancco Drive Eraser 7.9",
        "消去ログ.pdf",
        "令和13年4月1日",
        "確認した職員",
        "終了を承認した職員",
        "山田 花子（情報セキュリティ責任者）",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    // Downloaded again, it is the same; its hash is in the audit log.
    assert_eq!(app.get(&w.so, &record).await.text().await.unwrap(), html);
    let issued = json_of(
        app.get(
            &w.ciso,
            &format!("/api/v1/audit-log?target_id={id}&action=completion_record.issue"),
        )
        .await,
        200,
    )
    .await;
    let after: Value =
        serde_json::from_str(issued["items"][0]["after_json"].as_str().unwrap_or("{}"))
            .unwrap_or(json!({}));
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(html.as_bytes()))
    };
    assert_eq!(issued["total"], 1, "{issued}");
    assert!(issued.to_string().contains(&hash), "{issued} {after}");
    let res = app
        .get(&w.so, &format!("{record}?format=docx&lang=en"))
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("completion-record-{id}-en.docx")));
    let docx = res.bytes().await.unwrap();
    let headings = crate::helpers::docx_paragraphs(&docx, "Heading1");
    assert_eq!(headings, ["Record of the end of an engagement"]);
    assert_problem(
        app.get(&w.so, &format!("{record}?format=pdf")).await,
        422,
        Some("format"),
    )
    .await;
    // A closed engagement is read-only.
    assert_problem(
        app.post(
            &w.so,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "追加", "level": "L1", "provided_to_vendor": false}),
        )
        .await,
        409,
        None,
    )
    .await;
}

#[tokio::test]
async fn r_8_4_1_an_attestation_waits_for_every_finding_of_the_term() {
    let w = world().await;
    let app = &w.app;
    let id = running(&w, "outsourcing", &[("名簿", "L2")], None).await;
    // A periodic check with a non-conforming answer leaves an open finding.
    let check = json_of(
        app.post(
            &w.so,
            &format!("/api/v1/engagements/{id}/checks"),
            &json!({}),
        )
        .await,
        201,
    )
    .await;
    let token = portal_tokens(&app.mail_to(CONTACT, 1).await[0].text).remove(0);
    submit(
        app,
        &token,
        &crate::checks_api::answers_with_two_non_conformities(),
    )
    .await;
    json_of(
        app.post(
            &w.so,
            &format!("/api/v1/checks/{}/review", check["id"].as_str().unwrap()),
            &json!({"decision": "accept"}),
        )
        .await,
        200,
    )
    .await;

    // Ended by hand before the end date: the attestation goes out at once.
    json_of(move_to(app, &w.so, &id, json!({"to": "ending"})).await, 200).await;
    // The check's request and acceptance came first.
    let token = attestation_link(app, 3).await;
    submit(app, &token, &good_answers(1, "2030-04-01")).await;
    let attested = attestation(&w, &id).await;
    assert_eq!(attested["state"], "submitted", "{attested}");
    let review = format!("/api/v1/checks/{}/review", attested["id"].as_str().unwrap());
    let problem = assert_problem(
        app.post(&w.so, &review, &json!({"decision": "accept"}))
            .await,
        409,
        None,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("指摘事項が2件"),
        "{problem}"
    );

    // Each finding closed or its risk accepted, then it is accepted.
    let findings = json_of(
        app.get(&w.so, &format!("/api/v1/findings?engagement_id={id}"))
            .await,
        200,
    )
    .await;
    for f in findings["items"].as_array().unwrap() {
        let path = format!("/api/v1/findings/{}", f["id"].as_str().unwrap());
        json_of(
            app.patch(
                &w.so,
                &path,
                &json!({"corrective_action": "手順を改めた", "state": "closed"}),
            )
            .await,
            200,
        )
        .await;
    }
    json_of(
        app.post(&w.so, &review, &json!({"decision": "accept"}))
            .await,
        200,
    )
    .await;
}

#[tokio::test]
async fn r_8_5_a_designated_management_closes_only_after_its_subcontracts() {
    let w = world().await;
    let app = &w.app;
    let parent = running(&w, "designated_management", &[("利用者名簿", "L2")], None).await;
    let sub = running(
        &w,
        "outsourcing",
        &[("施設予約データ", "L3")],
        Some(&parent),
    )
    .await;

    for id in [&parent, &sub] {
        json_of(move_to(app, &w.so, id, json!({"to": "ending"})).await, 200).await;
    }
    // Both owe the attestation: the subcontract by, the management for what it
    // was handed.
    let mails = app.mail_to(CONTACT, 2).await;
    assert_eq!(mails.len(), 2);
    for id in [&parent, &sub] {
        assert_eq!(attestation(&w, id).await["state"], "sent");
    }
    let parent_check = attestation(&w, &parent).await;
    assert_eq!(parent_check["meets_rules"], json!([]));
    let sub_check = attestation(&w, &sub).await;
    assert_eq!(sub_check["meets_rules"], json!(["R-8.4.1", "R-8.4.2"]));

    // Attest and accept both, approve both closings.
    for (id, check) in [(&parent, &parent_check), (&sub, &sub_check)] {
        let title = check["engagement"]["title"].as_str().unwrap().to_string();
        let token = mails
            .iter()
            .find(|m| m.text.contains(&title))
            .map(|m| portal_tokens(&m.text).remove(0))
            .unwrap_or_else(|| panic!("a link for {title}"));
        let res = submit(app, &token, &good_answers(1, "2030-04-01")).await;
        assert!(res.status().is_success() || res.status().is_redirection());
        let review = format!("/api/v1/checks/{}/review", check["id"].as_str().unwrap());
        json_of(
            app.post(&w.so, &review, &json!({"decision": "accept"}))
                .await,
            200,
        )
        .await;
        let closing = closing_approval(&w, &w.so, id.as_str()).await;
        json_of(
            app.post(
                &w.second,
                &format!(
                    "/api/v1/approvals/{}/decision",
                    closing["id"].as_str().unwrap()
                ),
                &json!({"decision": "approved"}),
            )
            .await,
            200,
        )
        .await;
    }

    // The parent waits for its subcontract.
    let problem = assert_problem(
        move_to(app, &w.so, &parent, json!({"to": "closed"})).await,
        409,
        None,
    )
    .await;
    assert_eq!(problem["missing"], json!(["subcontracts"]));
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("outsourcing の委託"),
        "{problem}"
    );
    json_of(
        move_to(app, &w.so, &sub, json!({"to": "closed"})).await,
        200,
    )
    .await;
    json_of(
        move_to(app, &w.so, &parent, json!({"to": "closed"})).await,
        200,
    )
    .await;
}

#[tokio::test]
async fn r_9_4_an_l3_cloud_service_is_attested_with_the_providers_evidence_and_closed() {
    let w = world().await;
    let app = &w.app;
    let id = running(&w, "cloud_service", &[("申請データ", "L3")], None).await;
    // An early end needs its reason.
    assert_problem(
        move_to(app, &w.sa, &id, json!({"to": "terminated"})).await,
        422,
        Some("reason"),
    )
    .await;
    json_of(move_to(app, &w.sa, &id, json!({"to": "ending"})).await, 200).await;
    let check = attestation(&w, &id).await;
    assert_eq!(check["meets_rules"], json!(["R-9.4.1", "R-9.4.2"]));
    let token = attestation_link(app, 1).await;

    let mut cloud = good_answers(1, "2030-04-01");
    for (q, v) in [
        ("I1-DISPOSITION", "cloud_deleted"),
        ("I1-MEDIA-TYPE", "cloud"),
        ("I1-TECHNIQUE", "provider_deletion"),
    ] {
        cloud = with(cloud, q, v);
    }
    cloud
        .answers
        .retain(|(k, _)| k != "I1-CATEGORY" && k != "I1-TOOL");
    let mut without = Submission {
        answers: cloud.answers.clone(),
        files: vec![],
    };
    let body = submit(app, &token, &without).await.text().await.unwrap();
    assert!(
        body.contains("クラウド事業者が発行する削除の証明"),
        "{body}"
    );
    assert_eq!(attestation(&w, &id).await["state"], "in_progress");
    without.files = cloud.files.clone();
    let res = submit(app, &token, &without).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    assert_eq!(attestation(&w, &id).await["state"], "submitted");

    // The system administrator confirms a cloud service's attestation, not the security
    // officer; then the security officer approves the closing.
    let review = format!("/api/v1/checks/{}/review", check["id"].as_str().unwrap());
    assert_problem(
        app.post(&w.so, &review, &json!({"decision": "accept"}))
            .await,
        403,
        None,
    )
    .await;
    json_of(
        app.post(&w.sa, &review, &json!({"decision": "accept"}))
            .await,
        200,
    )
    .await;
    assert_eq!(obligation(&w, &id, "R-9.4.2").await["state"], "met");
    let closing = closing_approval(&w, &w.sa, id.as_str()).await;
    assert_eq!(closing["requested_by"], w.sa.id.as_str());
    json_of(
        app.post(
            &w.so,
            &format!(
                "/api/v1/approvals/{}/decision",
                closing["id"].as_str().unwrap()
            ),
            &json!({"decision": "approved"}),
        )
        .await,
        200,
    )
    .await;
    json_of(move_to(app, &w.sa, &id, json!({"to": "closed"})).await, 200).await;
    let html = app
        .get(
            &w.sa,
            &format!("/api/v1/engagements/{id}/completion-record"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("R-9.4.1、R-9.4.2"), "{html}");
    assert!(html.contains("クラウド事業者による削除"), "{html}");
}

#[tokio::test]
async fn r_3_6_4_l2_paper_must_be_incinerated_dissolved_or_shredded() {
    let w = world().await;
    let app = &w.app;
    let id = running(&w, "outsourcing", &[("申請書の写し", "L2")], None).await;
    json_of(move_to(app, &w.so, &id, json!({"to": "ending"})).await, 200).await;
    let token = portal_tokens(&app.mail_to(CONTACT, 1).await[0].text).remove(0);
    let mut paper = good_answers(1, "2030-04-01");
    for (q, v) in [
        ("I1-DISPOSITION", "paper_disposed"),
        ("I1-MEDIA-TYPE", "paper"),
        ("I1-TECHNIQUE", "overwrite"),
    ] {
        paper = with(paper, q, v);
    }
    let body = submit(app, &token, &paper).await.text().await.unwrap();
    assert!(body.contains("R-3.6.4"), "{body}");
    let res = submit(app, &token, &with(paper, "I1-TECHNIQUE", "shred")).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    assert_eq!(attestation(&w, &id).await["state"], "submitted");
}

#[tokio::test]
async fn vendors_are_reminded_7_days_before_and_on_the_due_date_once_each_with_a_new_link() {
    let smtp = crate::smtp::TestSmtp::start();
    let config = smtp.config();
    let pairs: Vec<(&str, &str)> = config.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let w = world_on(crate::helpers::spawn_app_with(&pairs).await).await;
    let app = &w.app;
    let id = running(&w, "outsourcing", &[("名簿", "L2")], None).await;
    let to_vendor = |n: usize| {
        let got = smtp.received();
        got.into_iter()
            .filter(|m| m.to.iter().any(|t| t == CONTACT))
            .take(n)
            .collect::<Vec<_>>()
    };
    let text_of = |m: &crate::smtp::Received| {
        m.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    };
    let subject_of =
        |m: &crate::smtp::Received| m.parsed().subject().unwrap_or_default().to_string();

    // The end: the vendor's request, and the officer's notice.
    app.clock.set(at("2031-04-01T00:00:00Z"));
    sweep(app, &w.csm).await;
    smtp.wait_for(2).await;
    let notices: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.to.contains(&w.so.email))
        .filter(|m| subject_of(m).contains("終了手続を開始しました"))
        .collect();
    assert_eq!(notices.len(), 1);
    assert!(
        text_of(&notices[0]).contains("回答期限は令和13年4月30日"),
        "{}",
        text_of(&notices[0])
    );
    let first = portal_tokens(&text_of(&to_vendor(1)[0])).remove(0);

    // Nothing before the 7 days, then once at 7 days, whatever the sweeps.
    app.clock.set(at("2031-04-22T00:00:00Z"));
    assert_eq!(sweep(app, &w.csm).await["vendors_reminded"], 0);
    app.clock.set(at("2031-04-23T00:00:00Z"));
    assert_eq!(sweep(app, &w.csm).await["vendors_reminded"], 1);
    assert_eq!(sweep(app, &w.csm).await["vendors_reminded"], 0);
    let before = smtp.received().len();
    smtp.wait_for(before).await;
    for _ in 0..100 {
        if to_vendor(9).len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails = to_vendor(9);
    assert_eq!(mails.len(), 2, "the request and one reminder");
    assert!(
        subject_of(&mails[1]).contains("回答期限が近づいています"),
        "{}",
        subject_of(&mails[1])
    );
    let second_link = portal_tokens(&text_of(&mails[1])).remove(0);
    assert_ne!(first, second_link, "each reminder carries a new link");
    let page = app
        .client
        .get(app.url(&format!("/portal/{second_link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    // On the due date, once.
    app.clock.set(at("2031-04-30T00:00:00Z"));
    assert_eq!(sweep(app, &w.csm).await["vendors_reminded"], 1);
    app.clock.set(at("2031-05-01T00:00:00Z"));
    assert_eq!(sweep(app, &w.csm).await["vendors_reminded"], 0);
    for _ in 0..100 {
        if to_vendor(9).len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails = to_vendor(9);
    assert_eq!(mails.len(), 3);
    assert!(
        subject_of(&mails[2]).contains("回答期限のお知らせ"),
        "{}",
        subject_of(&mails[2])
    );

    // Once submitted, no more.
    submit(app, &second_link, &good_answers(1, "2031-04-20")).await;
    assert_eq!(attestation(&w, &id).await["state"], "submitted");
    app.clock.set(at("2031-05-02T00:00:00Z"));
    assert_eq!(sweep(app, &w.csm).await["vendors_reminded"], 0);
}

#[tokio::test]
async fn a_vendor_attests_in_the_browser_and_the_officer_verifies_it_beside_the_term() {
    use crate::staff_pages::{accessible, fits_the_phone, main_text, screenshots, submit, PHONE};
    use crate::webdriver::Browser;

    let w = world().await;
    let app = &w.app;
    let id = running(&w, "outsourcing", &[("住民基本台帳データ", "L3")], None).await;
    json_of(move_to(app, &w.so, &id, json!({"to": "ending"})).await, 200).await;
    let token = attestation_link(app, 1).await;
    let evidence = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(evidence.path(), PDF).unwrap();
    let evidence_path = evidence.path().display().to_string();

    // The vendor, on a phone, without an account.
    let browser = Browser::start_sized(PHONE.0, PHONE.1)
        .await
        .expect("headless Chromium");
    browser
        .goto(&app.url(&format!("/portal/{token}")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("1. 住民基本台帳データ（L3）"), "{text}");
    assert!(text.contains("NIST SP 800-88"), "{text}");
    fits_the_phone(&browser, "the attestation form").await;
    accessible(&browser, "the attestation form").await;
    screenshots(&browser, "portal-attestation-form").await;

    let click = |css: String| {
        let browser = &browser;
        async move { browser.find(&css).await.unwrap().click().await.unwrap() }
    };
    let type_in = |css: String, text: &'static str| {
        let browser = &browser;
        async move {
            let field = browser.find(&css).await.unwrap();
            field.clear().await.unwrap();
            field.send_keys(text).await.unwrap();
        }
    };
    click("#q-I1-PERSONAL-personal".into()).await;
    type_in("#q-I1-RECORDS-input".into(), "1200").await;
    click("#q-I1-DISPOSITION-erased".into()).await;
    click("#q-I1-MEDIA-TYPE-ssd".into()).await;
    type_in(
        "#q-I1-MEDIA-ID-input".into(),
        "Samsung PM9A3 S/N S64ANE0R123456",
    )
    .await;
    click("#q-I1-CATEGORY-clear".into()).await;
    // Formatting alone, as some would.
    click("#q-I1-TECHNIQUE-format_only".into()).await;
    click("#q-I1-VERIFICATION-full".into()).await;
    click("#q-I1-RESULT-passed".into()).await;
    let date = browser.find("#q-I1-DONE-ON-input").await.unwrap();
    date.send_keys("04012030").await.unwrap();
    if date.prop("value").await.unwrap() != "2030-04-01" {
        date.clear().await.unwrap();
        date.send_keys("2030-04-01").await.unwrap();
    }
    type_in("#q-I1-DONE-BY-input".into(), "株式会社港データ 佐藤 健").await;
    browser
        .find("#q-I1-EVIDENCE-file")
        .await
        .unwrap()
        .send_keys(&evidence_path)
        .await
        .unwrap();
    click("#q-END-COPIES-yes".into()).await;
    type_in("#q-END-DESTINATION-input".into(), "当社で再利用").await;
    click("#q-END-MEASURES-yes".into()).await;
    type_in("#signed_name".into(), "山田 花子").await;
    type_in("#signed_title".into(), "情報セキュリティ管理者").await;
    click("#declaration".into()).await;
    submit(&browser, "button[name=action][value=submit]").await;

    // Refused with the reason, next to the question, the rest kept.
    let text = main_text(&browser).await;
    assert!(text.contains("初期化（フォーマット）だけでは"), "{text}");
    accessible(&browser, "the refused attestation").await;
    screenshots(&browser, "portal-attestation-refused").await;
    click("#q-I1-TECHNIQUE-overwrite".into()).await;
    if !browser
        .find("#declaration")
        .await
        .unwrap()
        .is_selected()
        .await
        .unwrap()
    {
        click("#declaration".into()).await;
    }
    if browser
        .find("#signed_name")
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        != "山田 花子"
    {
        type_in("#signed_name".into(), "山田 花子").await;
        type_in("#signed_title".into(), "情報セキュリティ管理者").await;
    }
    // Overwriting needs its tool named.
    type_in("#q-I1-TOOL-input".into(), "Blancco Drive Eraser 7.9").await;
    submit(&browser, "button[name=action][value=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("提出しました"), "{text}");
    browser.quit().await.unwrap();
    assert_eq!(attestation(&w, &id).await["state"], "submitted");

    // The officer sees it beside the term's checks and findings, and the engagement's end.
    let check = attestation(&w, &id).await;
    let session = app.enrol(&w.so).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&app.url(&format!("/checks/{}", check["id"].as_str().unwrap())))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("委託期間の点検と指摘事項"), "{text}");
    assert!(text.contains("未完了の指摘事項はありません"), "{text}");
    assert!(text.contains("上書き消去"), "{text}");
    accessible(&browser, "the attestation's review").await;
    fits_the_phone(&browser, "the attestation's review").await;
    screenshots(&browser, "staff-attestation-review").await;
    browser
        .goto(&app.url(&format!("/engagements/{id}#end-of-term")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("終了時の確認"), "{text}");
    assert!(text.contains("「終了」にする前に必要なこと"), "{text}");
    accessible(&browser, "the engagement at its end").await;
    screenshots(&browser, "staff-engagement-end-of-term").await;
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn an_early_end_is_attested_and_its_record_issued_when_the_attestation_is_accepted() {
    let w = world().await;
    let app = &w.app;
    let id = running(&w, "outsourcing", &[("申請書の写し", "L2")], None).await;
    json_of(
        move_to(
            app,
            &w.so,
            &id,
            json!({"to": "terminated", "reason": "委託先の事業廃止のため"}),
        )
        .await,
        200,
    )
    .await;
    let token = attestation_link(app, 1).await;
    let res = submit(app, &token, &good_answers(1, "2030-04-01")).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let check = attestation(&w, &id).await;
    let record = format!("/api/v1/engagements/{id}/completion-record");
    assert_problem(app.get(&w.so, &record).await, 404, None).await;
    json_of(
        app.post(
            &w.so,
            &format!("/api/v1/checks/{}/review", check["id"].as_str().unwrap()),
            &json!({"decision": "accept"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(obligation(&w, &id, "R-8.4.2").await["state"], "met");
    let res = app.get(&w.so, &record).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for expected in [
        "途中終了の理由: 委託先の事業廃止のため",
        "途中で終了した職員",
        "1. 申請書の写し（L2）",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
}

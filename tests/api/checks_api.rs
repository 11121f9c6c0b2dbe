//! Periodic checks and findings through the staff API: issuing a questionnaire to a
//! vendor contact, its portal link by email, lists, authorization, the engagement's own
//! interval, links, review, findings and the CSV exports. The vendor's side goes through
//! the portal over HTTP, as a browser would send it.

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{
    assert_problem, at, json_of, outsourcing_body, portal_tokens, spawn_app, TestApp, TestUser,
};

/// Monday 3 June 2030, 09:00 in Tokyo.
const NOW: &str = "2030-06-03T00:00:00Z";
const CONTACT: &str = "hanako@vendor.example";

struct World {
    app: TestApp,
    csm: TestUser,
    ciso: TestUser,
    /// ROLE-SO of kumin, responsible for the engagement.
    so: TestUser,
    vendor: String,
    engagement: String,
}

/// An outsourcing of kumin, running since April 2030, with a vendor that has a contact.
async fn world() -> World {
    let app = spawn_app().await;
    app.clock.set(at(NOW));
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&csm, "株式会社港システム").await;
    let engagement = engagement(&app, &csm, &so, "kumin", &vendor).await;
    World {
        app,
        csm,
        ciso,
        so,
        vendor,
        engagement,
    }
}

async fn engagement(
    app: &TestApp,
    who: &TestUser,
    responsible: &TestUser,
    division: &str,
    vendor: &str,
) -> String {
    let mut body = outsourcing_body(division, &responsible.id, vendor);
    body["starts_on"] = json!("2030-04-01");
    body["ends_on"] = json!("2033-03-31");
    let res = app.post(who, "/api/v1/engagements", &body).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn issue(app: &TestApp, who: &TestUser, engagement: &str, body: &Value) -> Value {
    let res = app
        .post(
            who,
            &format!("/api/v1/engagements/{engagement}/checks"),
            body,
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// The audit log entries of an action, as the CISO reads them.
async fn audited(app: &TestApp, reader: &TestUser, action: &str) -> Vec<Value> {
    let page: Value = app
        .get(
            reader,
            &format!("/api/v1/audit-log?per_page=1000&action={action}"),
        )
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn issuing_a_check_emails_the_vendor_contact_a_portal_link_and_only_one_stays_open() {
    let w = world().await;
    let app = &w.app;
    let check = issue(app, &w.so, &w.engagement, &json!({})).await;
    assert_eq!(check["questionnaire"]["id"], "outsourcing-periodic-check");
    assert_eq!(check["questionnaire"]["title"]["ja"], "業務委託 定期点検票");
    assert_eq!(check["engagement"]["id"], w.engagement.as_str());
    assert_eq!(check["vendor_id"], w.vendor.as_str());
    assert_eq!(check["contact"]["email"], CONTACT);
    assert_eq!(check["contact"]["name"], "山田 花子");
    assert_eq!(check["contact"]["lang"], "ja");
    assert_eq!(check["state"], "sent");
    assert_eq!(check["effective_state"], "sent");
    assert_eq!(check["due_on"], "2030-07-03", "today + check_due_days (30)");
    assert_eq!(check["issued_by"], w.so.id.as_str());
    // only: the ward's own measures are the officer's supervision.
    assert_eq!(check["meets_rules"], json!(["R-8.3.2"]));
    assert_eq!(check["links"]["live"], 1);
    assert!(check["links"]["latest_expiry"].is_string());
    assert_eq!(check["answers"], json!({}));
    assert_eq!(check["findings"], json!([]));

    let mail = app.mail_to(CONTACT, 1).await;
    assert_eq!(mail.len(), 1, "one email to the contact");
    let tokens = portal_tokens(&mail[0].text);
    assert_eq!(tokens.len(), 1, "{}", mail[0].text);
    assert!(mail[0].text.contains("住民記録システム運用保守業務委託"));
    assert!(
        mail[0].subject.contains("業務委託 定期点検票"),
        "{}",
        mail[0].subject
    );
    let token = &tokens[0];
    // Neither the token nor its hash is ever shown through the API.
    let detail = json_of(
        app.get(&w.so, &format!("/api/v1/checks/{}", id(&check)))
            .await,
        200,
    )
    .await;
    let text = detail.to_string();
    assert!(!text.contains(token.as_str()));
    assert!(!text.contains("token"), "{text}");
    assert_eq!(detail["id"], check["id"]);

    // One open check of a questionnaire per engagement.
    let res = app
        .post(
            &w.so,
            &format!("/api/v1/engagements/{}/checks", w.engagement),
            &json!({}),
        )
        .await;
    assert_problem(res, 409, None).await;
    assert_eq!(app.count_rows("checks").await, 1);

    // Another questionnaire that applies can be sent alongside, in English.
    let contacts = app.contact_ids(&w.vendor).await;
    let due = "2030-06-30";
    let selection = issue(
        app,
        &w.csm,
        &w.engagement,
        &json!({"questionnaire_id": "selection-self-assessment", "contact_id": contacts[0],
                "contact_lang": "en", "due_on": due}),
    )
    .await;
    assert_eq!(selection["due_on"], due);
    assert_eq!(selection["contact"]["lang"], "en");
    let mail = app.mail_to(CONTACT, 2).await;
    assert_eq!(mail.len(), 2);

    // Both are audited, without the token.
    let issued = audited(app, &w.ciso, "check.issue").await;
    assert_eq!(issued.len(), 2);
    assert!(!serde_json::to_string(&issued)
        .unwrap()
        .contains(token.as_str()));
}

#[tokio::test]
async fn a_check_keeps_the_questionnaire_it_was_sent_with_and_one_copy_serves_every_check_of_it() {
    let w = world().await;
    let app = &w.app;
    let first = issue(app, &w.so, &w.engagement, &json!({})).await;
    let other = engagement(app, &w.csm, &w.so, "kumin", &w.vendor).await;
    issue(app, &w.so, &other, &json!({})).await;
    assert_eq!(
        app.count_rows("questionnaire_snapshots").await,
        1,
        "two checks of one questionnaire share its copy"
    );

    // The questionnaire file is edited and the service restarted on it.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("questionnaires").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("業務委託 定期点検票", "業務委託 定期点検票（改訂）");
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let edited = app.start_another(&[("questionnaires_dir", dir.path().to_str().unwrap())]);
    let read = |address: &str, path: String| {
        app.client
            .get(format!("{address}{path}"))
            .bearer_auth(&w.so.token)
            .send()
    };
    let detail = json_of(
        read(&edited, format!("/api/v1/checks/{}", id(&first)))
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        detail["questionnaire"]["title"]["ja"], "業務委託 定期点検票",
        "the check shows what the vendor was sent"
    );

    let third = engagement(app, &w.csm, &w.so, "kumin", &w.vendor).await;
    let res = app
        .client
        .post(format!("{edited}/api/v1/engagements/{third}/checks"))
        .bearer_auth(&w.so.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let sent = json_of(res, 201).await;
    assert_eq!(
        sent["questionnaire"]["title"]["ja"],
        "業務委託 定期点検票（改訂）"
    );
    assert_eq!(
        app.count_rows("questionnaire_snapshots").await,
        2,
        "the edited text is kept beside the one sent before"
    );
}

#[tokio::test]
async fn what_cannot_be_sent_is_refused_naming_the_field() {
    let w = world().await;
    let app = &w.app;
    let path = format!("/api/v1/engagements/{}/checks", w.engagement);
    let other_vendor = app.vendor(&w.csm, "株式会社別会社").await;
    let foreign = app.contact_ids(&other_vendor).await;
    for (body, field) in [
        (
            json!({"questionnaire_id": "no-such-questionnaire"}),
            "questionnaire_id",
        ),
        // A cloud service's questionnaire does not apply to an outsourcing.
        (
            json!({"questionnaire_id": "cloud-periodic-check"}),
            "questionnaire_id",
        ),
        (json!({"contact_id": foreign[0]}), "contact_id"),
        (json!({"due_on": "2030-06-02"}), "due_on"),
        (json!({"due_on": "2030-02-30"}), "due_on"),
        (json!({"contact_lang": "fr"}), "contact_lang"),
    ] {
        let res = app.post(&w.so, &path, &body).await;
        assert_problem(res, 422, Some(field)).await;
    }
    // Every problem at once.
    let res = app
        .post(
            &w.so,
            &path,
            &json!({"questionnaire_id": "x", "due_on": "2020-01-01", "contact_lang": "de"}),
        )
        .await;
    let problem = assert_problem(res, 422, Some("questionnaire_id")).await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 3, "{problem}");
    // An unknown field is a malformed body, as everywhere in the API.
    let res = app
        .post(&w.so, &path, &json!({"recipient": "x@y.example"}))
        .await;
    assert_problem(res, 400, Some("recipient")).await;

    // A vendor with no contact on record gets nothing.
    app.sql(format!(
        "DELETE FROM vendor_contacts WHERE vendor_id = '{}'",
        w.vendor
    ))
    .await;
    let res = app.post(&w.so, &path, &json!({})).await;
    assert_problem(res, 422, Some("contact_id")).await;

    assert_eq!(app.count_rows("checks").await, 0);
    assert_eq!(app.count_rows("portal_tokens").await, 0);
    // Today is allowed as a due date.
    app.sql(format!(
        "INSERT INTO vendor_contacts (id, vendor_id, position, name, email, phone) \
         VALUES ('c1', '{}', 0, '佐藤 一郎', 'ichiro@vendor.example', NULL)",
        w.vendor
    ))
    .await;
    let check = issue(app, &w.so, &w.engagement, &json!({"due_on": "2030-06-03"})).await;
    assert_eq!(check["contact"]["email"], "ichiro@vendor.example");
}

#[tokio::test]
async fn lists_history_and_detail_follow_what_the_caller_may_see() {
    let w = world().await;
    let app = &w.app;
    let hoken_so = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let csirt = app.staff(&[Role::Csirt], &["kumin"]).await;
    let other = engagement(app, &w.csm, &hoken_so, "hoken", &w.vendor).await;
    let mine = issue(app, &w.so, &w.engagement, &json!({})).await;
    app.clock.set(at("2030-06-04T00:00:00Z"));
    let theirs = issue(app, &hoken_so, &other, &json!({})).await;

    // Newest first, for those who see everything.
    let all = json_of(app.get(&w.ciso, "/api/v1/checks").await, 200).await;
    assert_eq!(all["total"], 2);
    assert_eq!(all["items"][0]["id"], theirs["id"]);
    assert_eq!(all["items"][1]["id"], mine["id"]);
    assert_eq!(all["items"][1]["vendor_name"], "株式会社港システム");
    assert_eq!(
        all["items"][1]["engagement_title"],
        "住民記録システム運用保守業務委託"
    );
    let page = json_of(
        app.get(&w.ciso, "/api/v1/checks?per_page=1&page=2").await,
        200,
    )
    .await;
    assert_eq!(page["items"][0]["id"], mine["id"]);
    // The vendor's history across divisions.
    let history = json_of(
        app.get(&w.ciso, &format!("/api/v1/checks?vendor_id={}", w.vendor))
            .await,
        200,
    )
    .await;
    assert_eq!(history["total"], 2);
    let by_engagement = json_of(
        app.get(&w.ciso, &format!("/api/v1/checks?engagement_id={other}"))
            .await,
        200,
    )
    .await;
    assert_eq!(by_engagement["total"], 1);

    // A division's staff see their own division's only.
    let own = json_of(
        app.get(&w.so, &format!("/api/v1/checks?vendor_id={}", w.vendor))
            .await,
        200,
    )
    .await;
    assert_eq!(own["total"], 1);
    assert_eq!(own["items"][0]["id"], mine["id"]);
    let history = json_of(
        app.get(
            &w.so,
            &format!("/api/v1/engagements/{}/checks", w.engagement),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&w.so, &format!("/api/v1/engagements/{other}/checks"))
            .await
            .status(),
        403,
        "as for the engagement itself"
    );
    // Someone else's check does not exist for them.
    let theirs_path = format!("/api/v1/checks/{}", id(&theirs));
    assert_problem(app.get(&w.so, &theirs_path).await, 404, None).await;
    assert_problem(
        app.post(
            &w.so,
            &format!("{theirs_path}/review"),
            &json!({"decision": "accept"}),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.delete(&w.so, &format!("{theirs_path}/links")).await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get(&w.so, "/api/v1/checks/no-such-check").await,
        404,
        None,
    )
    .await;
    // CSIRT reads its division's checks and changes none.
    let mine_path = format!("/api/v1/checks/{}", id(&mine));
    assert_eq!(app.get(&csirt, &mine_path).await.status(), 200);
    assert_problem(
        app.post(&csirt, &format!("{mine_path}/links"), &json!({}))
            .await,
        403,
        None,
    )
    .await;
    assert_problem(
        app.post(
            &csirt,
            &format!("/api/v1/engagements/{}/checks", w.engagement),
            &json!({}),
        )
        .await,
        403,
        None,
    )
    .await;
    // Nor does another division's officer send one here.
    assert_problem(
        app.post(
            &hoken_so,
            &format!("/api/v1/engagements/{}/checks", w.engagement),
            &json!({}),
        )
        .await,
        403,
        None,
    )
    .await;

    // States as seen today: overdue once past the due date.
    let sent = json_of(app.get(&w.ciso, "/api/v1/checks?state=sent").await, 200).await;
    assert_eq!(sent["total"], 2);
    let overdue = json_of(app.get(&w.ciso, "/api/v1/checks?state=overdue").await, 200).await;
    assert_eq!(overdue["total"], 0);
    app.clock.set(at("2030-07-04T00:00:00Z"));
    let overdue = json_of(app.get(&w.ciso, "/api/v1/checks?state=overdue").await, 200).await;
    assert_eq!(overdue["total"], 1, "{overdue}");
    assert_eq!(overdue["items"][0]["id"], mine["id"]);
    assert_eq!(overdue["items"][0]["state"], "sent");
    assert_eq!(overdue["items"][0]["effective_state"], "overdue");
    let detail = json_of(app.get(&w.so, &mine_path).await, 200).await;
    assert_eq!(detail["effective_state"], "overdue");
    // An overdue check is no longer listed as sent, and pages count the filtered total.
    let sent = json_of(app.get(&w.ciso, "/api/v1/checks?state=sent").await, 200).await;
    assert_eq!(sent["total"], 1, "{sent}");
    assert_ne!(sent["items"][0]["id"], mine["id"]);
    let second = json_of(
        app.get(&w.ciso, "/api/v1/checks?state=overdue&per_page=1&page=2")
            .await,
        200,
    )
    .await;
    assert_eq!(second["total"], 1);
    assert_eq!(second["items"], json!([]));
    assert_problem(
        app.get(&w.ciso, "/api/v1/checks?state=late").await,
        422,
        Some("state"),
    )
    .await;
    assert_problem(
        app.get(&w.ciso, "/api/v1/checks?colour=red").await,
        400,
        None,
    )
    .await;

    // A status this version does not know (written by a newer release, or by hand) is a
    // fault of the service, never read as some other status. (Check and finding states
    // are held by CHECK constraints as well.)
    let engagement_path = format!("/api/v1/engagements/{}", w.engagement);
    let set_status = |status: &str| {
        format!(
            "UPDATE engagements SET status = '{status}' WHERE id = '{}'",
            w.engagement
        )
    };
    app.sql(set_status("archived")).await;
    assert_problem(app.get(&w.so, &engagement_path).await, 500, None).await;
    assert_problem(app.get(&w.so, &mine_path).await, 500, None).await;
    app.sql(set_status("active")).await;
    assert_eq!(app.get(&w.so, &engagement_path).await.status(), 200);
}

#[tokio::test]
async fn reading_a_check_of_an_l3_engagement_is_audited() {
    let w = world().await;
    let app = &w.app;
    let res = app
        .post(
            &w.so,
            &format!("/api/v1/engagements/{}/information-items", w.engagement),
            &json!({"name": "住民記録", "level": "L3", "provided_to_vendor": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let check = issue(app, &w.so, &w.engagement, &json!({})).await;
    assert_eq!(
        check["meets_rules"],
        json!(["R-8.3.2"]),
        "the outsourcing questionnaire applies at every level"
    );
    app.get(&w.so, &format!("/api/v1/checks/{}", id(&check)))
        .await;
    let reads = audited(app, &w.ciso, "check.read_l3").await;
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["target_id"], check["id"]);
}

fn rule(list: &Value, id: &str) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no {id} in {list}"))
}

#[tokio::test]
async fn an_engagement_s_own_interval_moves_its_periodic_check() {
    let w = world().await;
    let app = &w.app;
    let path = format!("/api/v1/engagements/{}/check-interval", w.engagement);
    let obligations = format!("/api/v1/engagements/{}/obligations", w.engagement);
    let list = json_of(app.get(&w.so, &obligations).await, 200).await;
    assert_eq!(
        rule(&list, "R-8.3.2")["due_on"],
        "2031-04-01",
        "L1: every 12 months"
    );

    let put = |months: Value| {
        app.client
            .put(app.url(&path))
            .bearer_auth(&w.so.token)
            .json(&json!({"months": months}))
            .send()
    };
    let set = json_of(put(json!(6)).await.unwrap(), 200).await;
    assert_eq!(set, json!({"months": 6, "effective_months": 6}));
    let list = json_of(app.get(&w.so, &obligations).await, 200).await;
    assert_eq!(rule(&list, "R-8.3.2")["due_on"], "2030-10-01");
    assert_eq!(rule(&list, "R-8.3.1")["due_on"], "2030-10-01");

    let back = json_of(put(Value::Null).await.unwrap(), 200).await;
    assert_eq!(back, json!({"months": null, "effective_months": 12}));
    let list = json_of(app.get(&w.so, &obligations).await, 200).await;
    assert_eq!(rule(&list, "R-8.3.2")["due_on"], "2031-04-01");

    for bad in [json!(0), json!(61), json!(-3)] {
        assert_problem(put(bad).await.unwrap(), 422, Some("months")).await;
    }
    assert_problem(put(json!("six")).await.unwrap(), 400, Some("months")).await;
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(&w.so.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, Some("months")).await;
    let hoken_so = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(&hoken_so.token)
        .json(&json!({"months": 3}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, None).await;

    let changes = audited(app, &w.ciso, "engagement.check_interval").await;
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["after"]["months"], Value::Null);
    assert_eq!(changes[0]["before"]["months"], 6);
}

#[tokio::test]
async fn links_are_revoked_and_renewed_and_a_review_waits_for_a_submission() {
    let w = world().await;
    let app = &w.app;
    let check = issue(app, &w.so, &w.engagement, &json!({})).await;
    let path = format!("/api/v1/checks/{}", id(&check));
    let first = portal_tokens(&app.mail_to(CONTACT, 1).await[0].text);

    let revoked = json_of(app.delete(&w.so, &format!("{path}/links")).await, 200).await;
    assert_eq!(revoked, json!({"revoked": 1}));
    let detail = json_of(app.get(&w.so, &path).await, 200).await;
    assert_eq!(detail["links"]["live"], 0);
    assert_eq!(detail["links"]["latest_expiry"], Value::Null);

    let renewed = json_of(
        app.post(&w.so, &format!("{path}/links"), &json!({})).await,
        200,
    )
    .await;
    assert_eq!(renewed, json!({"revoked": 0}));
    let mail = app.mail_to(CONTACT, 2).await;
    assert_eq!(mail.len(), 2);
    let tokens: Vec<String> = mail.iter().flat_map(|m| portal_tokens(&m.text)).collect();
    let second: Vec<&String> = tokens.iter().filter(|t| !first.contains(t)).collect();
    assert_eq!(second.len(), 1, "a new link, not the old one again");
    let detail = json_of(app.get(&w.so, &path).await, 200).await;
    assert_eq!(detail["links"]["live"], 1);
    let renewed = json_of(
        app.post(&w.so, &format!("{path}/links"), &json!({})).await,
        200,
    )
    .await;
    assert_eq!(
        renewed,
        json!({"revoked": 1}),
        "the previous link stops working"
    );
    assert_eq!(audited(app, &w.ciso, "check.link_renew").await.len(), 2);
    assert_eq!(audited(app, &w.ciso, "check.link_revoke").await.len(), 1);

    // Nothing to review before the vendor submits.
    let review = format!("{path}/review");
    assert_problem(
        app.post(&w.so, &review, &json!({"decision": "accept"}))
            .await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.post(&w.so, &review, &json!({"decision": "return"}))
            .await,
        422,
        Some("comment"),
    )
    .await;
    assert_problem(
        app.post(&w.so, &review, &json!({"decision": "maybe"}))
            .await,
        422,
        Some("decision"),
    )
    .await;
    assert_problem(
        app.post(&w.so, &review, &json!({})).await,
        422,
        Some("decision"),
    )
    .await;
    assert_problem(
        app.post(
            &w.so,
            &review,
            &json!({"decision": "accept", "comment": "x".repeat(4001)}),
        )
        .await,
        422,
        Some("comment"),
    )
    .await;
    assert_eq!(app.count_rows("check_reviews").await, 0);
}

#[tokio::test]
async fn the_checks_export_is_csv_for_a_spreadsheet_and_is_audited() {
    let w = world().await;
    let app = &w.app;
    // A title a spreadsheet would take for a formula.
    let res = app
        .patch(
            &w.so,
            &format!("/api/v1/engagements/{}", w.engagement),
            &json!({"title": "=HYPERLINK(\"http://evil.example\")"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let check = issue(app, &w.so, &w.engagement, &json!({})).await;
    let res = app.get(&w.so, "/api/v1/checks/export.csv?state=sent").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"itaku-checks-20300603"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for spreadsheets");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(
            "id,engagement_id,engagement_title,vendor_id,vendor_name,questionnaire_id"
        ),
        "{header}"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(check["id"].as_str().unwrap()), "{row}");
    assert!(
        row.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{row}"
    );
    assert!(row.contains(",sent,sent,"), "{row}");
    assert!(row.contains("outsourcing-periodic-check"), "{row}");
    assert_eq!(lines.next(), None);
    let empty = app
        .get(&w.so, "/api/v1/checks/export.csv?state=accepted")
        .await;
    let bytes = empty.bytes().await.unwrap();
    assert_eq!(std::str::from_utf8(&bytes[3..]).unwrap().lines().count(), 1);
    let exports = audited(app, &w.ciso, "check.export").await;
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[1]["after"]["rows"], 1);
    assert_eq!(exports[1]["after"]["filter"]["state"], "sent");
    assert_problem(
        app.get(&w.so, "/api/v1/checks/export.csv?state=x").await,
        422,
        Some("state"),
    )
    .await;

    let res = app.get(&w.so, "/api/v1/findings/export.csv").await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.starts_with("id,check_id,engagement_id,"), "{text}");
    assert_eq!(audited(app, &w.ciso, "finding.export").await.len(), 1);
}

// ---------------------------------------------------------------------------------------
// The vendor's side, through the portal.

/// What a browser posts from the check page.
pub struct Submission {
    pub answers: Vec<(String, String)>,
    pub files: Vec<(String, String, Vec<u8>)>,
}

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// Every required answer of the outsourcing questionnaire: conforming, except TEC-01 and
/// TEC-02, with a file for each "yes" that asks for one.
pub fn answers_with_two_non_conformities() -> Submission {
    let answers: Vec<(String, String)> = [
        ("HUM-01", "yes"),
        ("HUM-02", "no_change"),
        ("HUM-03", "12"),
        ("HUM-04", "yes"),
        ("HUM-05", "2030-05-15"),
        ("HUM-06", "yes"),
        ("HUM-07", "no"),
        ("TEC-01", "no"),
        ("TEC-02", "not_done"),
        ("TEC-03", "yes"),
        ("TEC-04", "yes"),
        ("TEC-05", "yes"),
        ("TEC-06", "yes"),
        ("TEC-07", "yes"),
        ("PHY-01", "yes"),
        ("PHY-02", "yes"),
        ("PHY-03", "shredding"),
        ("PHY-03", "dissolution"),
        ("PHY-04", "yes"),
        ("PHY-05", "yes"),
        ("ORG-01", "yes"),
        ("ORG-02", "yes"),
        ("ORG-03", "yes"),
        ("ORG-04", "yes"),
        ("ORG-05", "特になし"),
    ]
    .iter()
    .map(|(q, a)| (q.to_string(), a.to_string()))
    .collect();
    let files = ["HUM-01", "HUM-04", "HUM-06", "PHY-04"]
        .iter()
        .map(|q| (q.to_string(), format!("{q} 記録.pdf"), PDF.to_vec()))
        .collect();
    Submission { answers, files }
}

/// The cookies a response sets, as a Cookie header.
pub fn cookies(res: &reqwest::Response) -> String {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of the hidden `csrf` input of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\"")
        .unwrap_or_else(|| panic!("no csrf field in the portal page: {html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    let tag = &html[start..end];
    let value = tag.find("value=\"").unwrap() + "value=\"".len();
    tag[value..value + tag[value..].find('"').unwrap()].to_string()
}

/// Opens the check page and submits it signed; the portal's answer.
pub async fn submit(app: &TestApp, token: &str, s: &Submission) -> reqwest::Response {
    let page = app
        .client
        .get(app.url(&format!("/portal/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the portal page opens");
    let cookie = cookies(&page);
    let html = page.text().await.unwrap();
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf_of(&html));
    for (q, a) in &s.answers {
        form = form.text(format!("q.{q}"), a.clone());
    }
    for (q, name, content) in &s.files {
        form = form.part(
            format!("file.{q}"),
            reqwest::multipart::Part::bytes(content.clone())
                .file_name(name.clone())
                .mime_str("application/pdf")
                .unwrap(),
        );
    }
    form = form
        .text("signed_name", "山田 花子")
        .text("signed_title", "情報セキュリティ責任者")
        .text("declaration", "yes")
        .text("action", "submit");
    let mut req = app
        .client
        .post(app.url(&format!("/portal/{token}")))
        .multipart(form);
    if !cookie.is_empty() {
        req = req.header(reqwest::header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

/// An issued check submitted by the vendor through the portal: the check's API path.
async fn submitted_check(w: &World) -> String {
    let app = &w.app;
    let check = issue(app, &w.so, &w.engagement, &json!({})).await;
    let path = format!("/api/v1/checks/{}", id(&check));
    let token = portal_tokens(&app.mail_to(CONTACT, 1).await[0].text).remove(0);
    let res = submit(app, &token, &answers_with_two_non_conformities()).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "the portal takes the submission: {}",
        res.status()
    );
    let detail = json_of(app.get(&w.so, &path).await, 200).await;
    assert_eq!(detail["state"], "submitted", "{detail}");
    path
}

#[tokio::test]
async fn a_submitted_check_is_returned_accepted_and_its_findings_are_tracked_to_the_end() {
    let w = world().await;
    let app = &w.app;
    let path = submitted_check(&w).await;
    let detail = json_of(app.get(&w.so, &path).await, 200).await;
    assert_eq!(detail["signed_name"], "山田 花子");
    assert_eq!(detail["signed_title"], "情報セキュリティ責任者");
    assert!(detail["submitted_at"].is_string());
    assert_eq!(
        detail["answers"]["TEC-01"],
        json!({"type": "yes_no_na", "value": "no"})
    );
    assert_eq!(
        detail["answers"]["HUM-03"],
        json!({"type": "number", "value": 12.0})
    );
    assert_eq!(
        detail["answers"]["PHY-03"],
        json!({"type": "choices", "value": ["shredding", "dissolution"]})
    );
    let evidence = detail["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 4);
    let file = evidence
        .iter()
        .find(|e| e["question_id"] == "HUM-01")
        .unwrap();
    assert_eq!(file["media_type"], "application/pdf");
    assert_eq!(file["size_bytes"], PDF.len());
    // A new link cannot be sent for a submitted check.
    assert_problem(
        app.post(&w.so, &format!("{path}/links"), &json!({})).await,
        409,
        None,
    )
    .await;

    // The evidence downloads as an attachment, never inline, and is audited.
    let res = app.get(&w.so, file["download"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(
        h["x-content-sha256"].to_str().unwrap(),
        file["sha256"].as_str().unwrap()
    );
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''HUM-01%20%E8%A8%98%E9%8C%B2.pdf"),
        "{disposition}"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let downloads = audited(app, &w.ciso, "check.evidence_download").await;
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0]["after"]["evidence_id"], file["id"]);
    assert_problem(
        app.get(&w.so, &format!("{path}/evidence/none")).await,
        404,
        None,
    )
    .await;

    // Returned with a comment on a question: the vendor gets a link again.
    let unknown = app
        .post(
            &w.so,
            &format!("{path}/review"),
            &json!({"decision": "return", "question_comments": {"XYZ-99": "?"}}),
        )
        .await;
    assert_problem(unknown, 422, Some("question_comments.XYZ-99")).await;
    let returned = json_of(
        app.post(
            &w.so,
            &format!("{path}/review"),
            &json!({"decision": "return", "comment": "",
                    "question_comments": {"TEC-01": "申請記録の運用状況を具体的にご記入ください"}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["reviews"][0]["decision"], "return");
    assert_eq!(
        returned["reviews"][0]["question_comments"]["TEC-01"],
        "申請記録の運用状況を具体的にご記入ください"
    );
    assert_eq!(returned["reviews"][0]["reviewer_id"], w.so.id.as_str());
    let mail = app.mail_to(CONTACT, 2).await;
    let correction = mail
        .iter()
        .find(|m| m.text.contains("申請記録の運用状況"))
        .expect("the correction email");
    let token = portal_tokens(&correction.text).remove(0);
    let res = submit(app, &token, &answers_with_two_non_conformities()).await;
    assert!(res.status().is_success() || res.status().is_redirection());

    // Accepted: the periodic obligations are met and two findings are open.
    let accepted = json_of(
        app.post(
            &w.so,
            &format!("{path}/review"),
            &json!({"decision": "accept", "comment": "確認しました"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["accepted_by"], w.so.id.as_str());
    assert_eq!(accepted["accepted_on"], "2030-06-03");
    assert!(accepted["score_percent"].as_i64().unwrap() < 100);
    assert!(!accepted["scores"]["sections"]
        .as_array()
        .unwrap()
        .is_empty());
    let findings = accepted["findings"].as_array().unwrap();
    let questions: Vec<&str> = findings
        .iter()
        .map(|f| f["question_id"].as_str().unwrap())
        .collect();
    assert_eq!(questions.len(), 2);
    assert!(questions.contains(&"TEC-01") && questions.contains(&"TEC-02"));
    assert_problem(
        app.post(
            &w.so,
            &format!("{path}/review"),
            &json!({"decision": "accept"}),
        )
        .await,
        409,
        None,
    )
    .await;
    let obligations = json_of(
        app.get(
            &w.so,
            &format!("/api/v1/engagements/{}/obligations", w.engagement),
        )
        .await,
        200,
    )
    .await;
    let periodic = rule(&obligations, "R-8.3.2");
    assert_eq!(periodic["state"], "met");
    assert_eq!(periodic["met_on"], "2030-06-03");
    let engagement = json_of(
        app.get(&w.so, &format!("/api/v1/engagements/{}", w.engagement))
            .await,
        200,
    )
    .await;
    assert_eq!(engagement["open_findings"], 2);

    // The findings, as lists and one by one.
    let list = json_of(app.get(&w.so, "/api/v1/findings?state=open").await, 200).await;
    assert_eq!(list["total"], 2);
    // Overdue (open past its due date) is filtered and paged by the database.
    let overdue = "/api/v1/findings?state=overdue&per_page=1";
    assert_eq!(
        json_of(app.get(&w.so, overdue).await, 200).await["total"],
        0
    );
    app.clock.advance(chrono::Duration::days(120));
    let late = json_of(app.get(&w.so, overdue).await, 200).await;
    assert_eq!(late["total"], 2, "{late}");
    assert_eq!(late["items"].as_array().unwrap().len(), 1);
    assert_eq!(late["items"][0]["overdue"], true);
    app.clock.advance(chrono::Duration::days(-120));
    let tec01 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["question_id"] == "TEC-01")
        .unwrap()
        .clone();
    assert_eq!(
        tec01["owner_user_id"],
        w.so.id.as_str(),
        "the responsible officer"
    );
    assert_eq!(
        tec01["due_on"], "2030-09-01",
        "acceptance + finding_due_days (90)"
    );
    assert_eq!(tec01["answer"], json!({"type": "yes_no_na", "value": "no"}));
    let finding = format!("/api/v1/findings/{}", id(&tec01));
    let one = json_of(app.get(&w.so, &finding).await, 200).await;
    assert_eq!(one["engagement_title"], "住民記録システム運用保守業務委託");
    assert!(one["question_text"]["ja"]
        .as_str()
        .unwrap()
        .contains("アクセス権限"));
    assert!(one["question_text"]["en"]
        .as_str()
        .unwrap()
        .contains("access rights"));
    assert!(one["rules"].as_array().unwrap().contains(&json!("R-8.3.1")));
    let hoken_so = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    assert_problem(app.get(&hoken_so, &finding).await, 404, None).await;
    assert_eq!(
        json_of(app.get(&hoken_so, "/api/v1/findings").await, 200).await["total"],
        0
    );
    let by_owner = json_of(
        app.get(
            &w.so,
            &format!(
                "/api/v1/findings?owner={}&check_id={}",
                w.so.id,
                accepted["id"].as_str().unwrap()
            ),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(by_owner["total"], 2);

    // Edits: closing needs the corrective action; a risk is accepted elsewhere.
    assert_problem(
        app.patch(&w.so, &finding, &json!({"state": "closed"}))
            .await,
        422,
        Some("corrective_action"),
    )
    .await;
    assert_problem(
        app.patch(&w.so, &finding, &json!({"state": "risk_accepted"}))
            .await,
        422,
        Some("state"),
    )
    .await;
    assert_problem(
        app.patch(&w.so, &finding, &json!({"owner_user_id": "nobody"}))
            .await,
        422,
        Some("owner_user_id"),
    )
    .await;
    assert_problem(
        app.patch(&w.so, &finding, &json!({"due_on": "2030-13-01"}))
            .await,
        422,
        Some("due_on"),
    )
    .await;
    let csirt = app.staff(&[Role::Csirt], &["kumin"]).await;
    assert_problem(
        app.patch(&csirt, &finding, &json!({"state": "in_progress"}))
            .await,
        403,
        None,
    )
    .await;
    let started = json_of(
        app.patch(
            &w.so,
            &finding,
            &json!({"state": "in_progress", "corrective_action": "権限付与の申請様式を導入する", "due_on": "2030-08-31"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(started["state"], "in_progress");
    assert_eq!(started["due_on"], "2030-08-31");
    let closed = json_of(
        app.patch(&w.so, &finding, &json!({"state": "closed"}))
            .await,
        200,
    )
    .await;
    assert_eq!(closed["state"], "closed");
    assert!(closed["closed_at"].is_string());
    assert_problem(
        app.patch(&w.so, &finding, &json!({"corrective_action": "変更"}))
            .await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.patch(&w.so, &finding, &json!({"state": "open"})).await,
        409,
        None,
    )
    .await;
    let updates = audited(app, &w.ciso, "finding.update").await;
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0]["before"]["state"], "in_progress");
    assert_eq!(updates[0]["after"]["state"], "closed");

    // Risk acceptance: with a reason, never by the finding's owner.
    let other = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["question_id"] == "TEC-02")
        .unwrap();
    let other = format!("/api/v1/findings/{}", id(other));
    let accept = format!("{other}/risk-acceptance");
    assert_problem(
        app.post(&w.ciso, &accept, &json!({})).await,
        422,
        Some("reason"),
    )
    .await;
    assert_problem(
        app.post(&w.so, &accept, &json!({"reason": "影響が小さいため"}))
            .await,
        403,
        None,
    )
    .await;
    let moved = json_of(
        app.patch(&w.so, &other, &json!({"owner_user_id": w.csm.id}))
            .await,
        200,
    )
    .await;
    assert_eq!(moved["owner_user_id"], w.csm.id.as_str());
    let own = assert_problem(
        app.post(&w.csm, &accept, &json!({"reason": "影響が小さいため"}))
            .await,
        403,
        None,
    )
    .await;
    assert!(own["detail"].as_str().unwrap().contains("R-2.6"), "{own}");
    let accepted_risk = json_of(
        app.post(
            &w.ciso,
            &accept,
            &json!({"reason": "年1回の棚卸しで代替するため"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted_risk["state"], "risk_accepted");
    assert_eq!(accepted_risk["risk_reason"], "年1回の棚卸しで代替するため");
    assert_eq!(accepted_risk["risk_approved_by"], w.ciso.id.as_str());
    assert_problem(
        app.post(&w.ciso, &accept, &json!({"reason": "再度"})).await,
        409,
        None,
    )
    .await;
    assert_eq!(audited(app, &w.ciso, "finding.accept_risk").await.len(), 1);
    let engagement = json_of(
        app.get(&w.so, &format!("/api/v1/engagements/{}", w.engagement))
            .await,
        200,
    )
    .await;
    assert_eq!(engagement["open_findings"], 0);

    // The findings export.
    let res = app.get(&w.so, "/api/v1/findings/export.csv").await;
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains(",closed,false,"), "{text}");
    assert!(text.contains(",risk_accepted,false,"), "{text}");
    assert!(text.contains("権限付与の申請様式を導入する"), "{text}");
}

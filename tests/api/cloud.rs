//! A cloud service's own records over HTTP: configuration records kept as versions,
//! approved by a second person and compared, and a stale record
//! reminded over a real SMTP server with the service's clock moved.

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{
    assert_problem, at, json_of, outsourcing_body, spawn_app, spawn_app_with, TestApp, TestUser,
};
use crate::smtp::TestSmtp;

struct World {
    app: TestApp,
    /// ROLE-SA of kumin: responsible for its cloud services.
    sa: TestUser,
    /// A second system administrator of kumin, who approves what `sa` records.
    sa2: TestUser,
    so: TestUser,
    csm: TestUser,
    vendor: String,
}

async fn world_on(app: TestApp) -> World {
    app.clock.set(at("2030-04-01T00:00:00Z"));
    let sa = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
    let sa2 = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let vendor = app.vendor(&so, "株式会社港クラウド").await;
    World {
        app,
        sa,
        sa2,
        so,
        csm,
        vendor,
    }
}

impl World {
    /// A cloud service of kumin, with one information item of `level`.
    async fn cloud(&self, level: &str) -> String {
        let mut body = outsourcing_body("kumin", &self.sa.id, &self.vendor);
        body["kind"] = json!("cloud_service");
        body["title"] = json!("財務会計システム（SaaS）");
        body["starts_on"] = json!("2030-04-01");
        body["ends_on"] = json!("2033-03-31");
        body["cloud"] = json!({"service_name": "港会計クラウド", "data_location": "日本（東京リージョン）", "ismap": "ismap"});
        let e = json_of(
            self.app.post(&self.sa, "/api/v1/engagements", &body).await,
            201,
        )
        .await;
        let id = e["id"].as_str().unwrap().to_string();
        json_of(
            self.app
                .post(
                    &self.sa,
                    &format!("/api/v1/engagements/{id}/information-items"),
                    &json!({"name": "予算執行情報", "level": level, "provided_to_vendor": false}),
                )
                .await,
            201,
        )
        .await;
        id
    }

    async fn obligation(&self, id: &str, rule: &str) -> Value {
        let list = json_of(
            self.app
                .get(&self.csm, &format!("/api/v1/engagements/{id}/obligations"))
                .await,
            200,
        )
        .await;
        list.as_array()
            .unwrap()
            .iter()
            .find(|o| o["rule_id"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("{rule} is owed: {list}"))
    }

    async fn record(&self, who: &TestUser, id: &str, body: &Value) -> reqwest::Response {
        self.app
            .post(
                who,
                &format!("/api/v1/engagements/{id}/configuration"),
                body,
            )
            .await
    }

    async fn approve(&self, who: &TestUser, id: &str, version: &str) -> reqwest::Response {
        self.app
            .post(
                who,
                &format!("/api/v1/engagements/{id}/configuration/{version}/approval"),
                &json!({}),
            )
            .await
    }
}

fn first_version() -> Value {
    json!({
        "change_summary": "事業者の設定報告書（2030年3月版）から記録",
        "tenant": "minato-kaikei（テナント ID 3f2504e0-4f89-11d3-9a0c-0305e82c3301）",
        "plan": "Enterprise",
        "regions": ["東日本リージョン（東京）"],
        "network_exposure": "LGWAN 接続口経由のみ",
        "sso": "庁内 IdP（SAML 2.0）",
        "mfa": "全利用者に必須（認証アプリ）",
        "address_limits": "庁内ネットワークの出口アドレスのみ",
        "admin_accounts": ["財政課 管理者", "情報政策課 運用担当"],
        "logging": "操作ログ・サインインログを1年保存、月次で提供",
        "encryption": "保存時 AES-256（鍵は事業者管理）、通信時 TLS 1.2 以上",
        "backup": "日次、30日保存、西日本リージョンへ複製",
        "integrations": ["財務会計連携（API キー名: finance-sync）"]
    })
}

#[tokio::test]
async fn r_9_3_2_configuration_versions_are_approved_by_a_second_person_and_compared() {
    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L2").await;
    assert_eq!(w.obligation(&id, "R-9.3.2").await["state"], "open");

    // The first version: recorded, not yet approved, so the obligation is still owed.
    let v1 = json_of(w.record(&w.sa, &id, &first_version()).await, 201).await;
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["state"], "pending");
    assert_eq!(v1["recorded_on"], "2030-04-01");
    assert_eq!(w.obligation(&id, "R-9.3.2").await["state"], "open");

    // not by the person who recorded it, nor by a security officer.
    let own = assert_problem(w.approve(&w.sa, &id, "1").await, 403, None).await;
    assert!(own["detail"].as_str().unwrap().contains("R-2.6"), "{own}");
    assert_problem(w.approve(&w.so, &id, "1").await, 403, None).await;
    let approved = json_of(w.approve(&w.sa2, &id, "1").await, 200).await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approved_by"], w.sa2.id.as_str());
    assert_problem(w.approve(&w.sa2, &id, "1").await, 409, None).await;
    let met = w.obligation(&id, "R-9.3.2").await;
    assert_eq!(met["state"], "met", "{met}");
    assert_eq!(met["met_on"], "2030-04-01");
    assert_eq!(
        met["due_on"], "2030-10-01",
        "stale six months after it was kept"
    );

    // A second version a month later: a region added. It says what changed.
    w.app.clock.set(at("2030-05-07T00:00:00Z"));
    let mut body = first_version();
    body["change_summary"] = json!("大阪リージョンを災害対策用に追加");
    body["regions"] = json!(["東日本リージョン（東京）", "西日本リージョン（大阪）"]);
    let v2 = json_of(w.record(&w.sa2, &id, &body).await, 201).await;
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["changed_fields"], json!(["regions"]));
    let listed = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/configuration"))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["rule"], "R-9.3.2");
    assert_eq!(listed["current_version"], 1, "v2 awaits approval");
    assert_eq!(listed["stale"], false);
    let states: Vec<_> = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["state"].clone()))
        .collect();
    assert_eq!(states, [(2, json!("pending")), (1, json!("approved"))]);

    // Any two versions side by side, every field listed.
    let compared = json_of(
        w.app
            .get(
                &w.so,
                &format!("/api/v1/engagements/{id}/configuration/compare?from=1&to=2"),
            )
            .await,
        200,
    )
    .await;
    let fields = compared["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 12);
    let regions = fields.iter().find(|f| f["field"] == "regions").unwrap();
    assert_eq!(regions["changed"], true);
    assert_eq!(regions["before"], "東日本リージョン（東京）");
    assert_eq!(
        regions["after"],
        "東日本リージョン（東京）\n西日本リージョン（大阪）"
    );
    assert!(fields
        .iter()
        .filter(|f| f["field"] != "regions")
        .all(|f| f["changed"] == false));
    assert_eq!(w.obligation(&id, "R-9.3.2").await["met_on"], "2030-04-01");
    // The first person approves the second's version: the record in force moves on.
    json_of(w.approve(&w.sa, &id, "2").await, 200).await;
    assert_eq!(w.obligation(&id, "R-9.3.2").await["met_on"], "2030-05-07");
}

#[tokio::test]
async fn r_9_3_2_a_configuration_record_refuses_secrets_and_says_which_field() {
    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L3").await;
    let mut body = first_version();
    body["integrations"] = json!(["財務会計連携 AKIAIOSFODNN7EXAMPLE"]);
    body["admin_accounts"] = json!([]);
    body["change_summary"] = json!("  ");
    let problem = assert_problem(w.record(&w.sa, &id, &body).await, 422, None).await;
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        ["change_summary", "admin_accounts", "integrations"],
        "{problem}"
    );
    let secret = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "integrations")
        .unwrap();
    assert!(
        secret["message"].as_str().unwrap().contains("名称のみ"),
        "{secret}"
    );
    // An unknown field, a wrong type: refused, nothing kept.
    let mut unknown = first_version();
    unknown["api_key"] = json!("x");
    assert_problem(w.record(&w.sa, &id, &unknown).await, 400, Some("api_key")).await;
    let mut wrong = first_version();
    wrong["regions"] = json!("東京");
    assert_problem(w.record(&w.sa, &id, &wrong).await, 400, Some("regions")).await;
    let listed = json_of(
        w.app
            .get(&w.sa, &format!("/api/v1/engagements/{id}/configuration"))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["versions"], json!([]));
    assert_eq!(w.app.count_rows("configuration_versions").await, 0);

    // Versions that are not there, and a choice that is no number.
    assert_problem(w.approve(&w.sa2, &id, "7").await, 404, None).await;
    assert_problem(w.approve(&w.sa2, &id, "abc").await, 404, None).await;
    let res = w
        .app
        .get(
            &w.sa,
            &format!("/api/v1/engagements/{id}/configuration/compare?from=x"),
        )
        .await;
    let problem = assert_problem(res, 422, None).await;
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["from", "to"]);

    // Only a cloud service keeps one.
    let mut outsourcing = outsourcing_body("kumin", &w.so.id, &w.vendor);
    outsourcing["starts_on"] = json!("2030-04-01");
    outsourcing["ends_on"] = json!("2031-03-31");
    let other = json_of(
        w.app.post(&w.so, "/api/v1/engagements", &outsourcing).await,
        201,
    )
    .await;
    let other = other["id"].as_str().unwrap();
    assert_problem(w.record(&w.so, other, &first_version()).await, 409, None).await;
}

#[tokio::test]
async fn r_10_2_an_l1_cloud_services_configuration_record_meets_r_10_2() {
    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L1").await;
    assert_eq!(w.obligation(&id, "R-10.2").await["state"], "open");
    json_of(w.record(&w.sa, &id, &first_version()).await, 201).await;
    // The chief system manager may approve too (not only the division's SA).
    json_of(w.approve(&w.csm, &id, "1").await, 200).await;
    let met = w.obligation(&id, "R-10.2").await;
    assert_eq!(met["state"], "met", "{met}");
    let listed = json_of(
        w.app
            .get(&w.sa, &format!("/api/v1/engagements/{id}/configuration"))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["rule"], "R-10.2");
}

async fn sweep(w: &World) -> Value {
    json_of(
        w.app.post(&w.csm, "/api/v1/admin/sweep", &json!({})).await,
        200,
    )
    .await
}

/// The digests `to` received that mention the configuration record.
fn about_configuration(smtp: &TestSmtp, to: &str) -> usize {
    smtp.received()
        .iter()
        .filter(|m| m.to == vec![to.to_string()])
        .filter(|m| {
            m.parsed()
                .body_text(0)
                .is_some_and(|t| t.contains("構成管理情報"))
        })
        .count()
}

#[tokio::test]
async fn r_9_3_2_a_stale_configuration_record_reminds_the_system_administrator_over_smtp() {
    let smtp = TestSmtp::start();
    let config = smtp.config();
    let pairs: Vec<(&str, &str)> = config.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let w = world_on(spawn_app_with(&pairs).await).await;
    let id = w.cloud("L2").await;
    json_of(w.record(&w.sa, &id, &first_version()).await, 201).await;
    json_of(w.approve(&w.sa2, &id, "1").await, 200).await;

    // On the day it was kept, and on its last current day: nothing about it is owed.
    let first = sweep(&w).await;
    if first["messages"].as_u64().unwrap() > 0 {
        smtp.wait_for(1).await;
    }
    w.app.clock.set(at("2030-10-01T00:00:00Z"));
    sweep(&w).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(about_configuration(&smtp, &w.sa.email), 0);
    assert_eq!(w.obligation(&id, "R-9.3.2").await["state"], "met");

    // The day after, the record is stale: overdue, and its system administrator is told.
    w.app.clock.set(at("2030-10-02T00:00:00Z"));
    let stale = w.obligation(&id, "R-9.3.2").await;
    assert_eq!(stale["state"], "overdue", "{stale}");
    let before = smtp.received().len();
    let report = sweep(&w).await;
    assert!(report["messages"].as_u64().unwrap() >= 1, "{report}");
    smtp.wait_for(before + 1).await;
    let mut told = 0;
    for _ in 0..100 {
        told = about_configuration(&smtp, &w.sa.email);
        if told > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(told, 1, "one digest names the stale record");
    let listed = json_of(
        w.app
            .get(&w.sa, &format!("/api/v1/engagements/{id}/configuration"))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["stale"], true);
    assert_eq!(listed["fresh_until"], "2030-10-01");

    // A new version, approved, makes it current again.
    json_of(
        w.record(&w.sa, &id, &{
            let mut b = first_version();
            b["change_summary"] = json!("確認の結果、変更なし");
            b
        })
        .await,
        201,
    )
    .await;
    json_of(w.approve(&w.sa2, &id, "2").await, 200).await;
    assert_eq!(w.obligation(&id, "R-9.3.2").await["state"], "met");
}

#[tokio::test]
async fn configuration_versions_are_kept_approved_and_compared_in_the_browser() {
    use crate::staff_pages::{accessible, fill, fits_the_phone, main_text, screenshots, submit};
    use crate::webdriver::Browser;

    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L3").await;
    json_of(w.record(&w.sa, &id, &first_version()).await, 201).await;
    json_of(w.approve(&w.sa2, &id, "1").await, 200).await;
    w.app.clock.set(at("2030-06-15T00:00:00Z"));

    // The engagement's page says where its record stands and leads to it.
    let session = w.app.enrol(&w.sa).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&w.app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&w.app.url(&format!("/engagements/{id}#cloud")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(
        text.contains("第1版が有効です（令和12年10月1日まで）"),
        "{text}"
    );
    submit(&browser, "#cloud a[href$='/configuration']").await;
    let text = main_text(&browser).await;
    assert!(text.contains("版の一覧"), "{text}");
    assert!(text.contains("LGWAN 接続口経由のみ"), "{text}");

    // A new version typed with a secret and no summary comes back with both errors,
    // what was typed kept.
    fill(
        &browser,
        "#regions",
        "東日本リージョン（東京）\n西日本リージョン（大阪）",
    )
    .await;
    fill(
        &browser,
        "#integrations",
        "財務会計連携 ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    )
    .await;
    submit(&browser, "#new-version button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("名称のみを記録してください"), "{text}");
    assert!(text.contains("必須項目です"), "{text}");
    assert!(text.contains("西日本リージョン（大阪）"), "{text}");
    accessible(&browser, "the configuration form with errors").await;

    fill(
        &browser,
        "#integrations",
        "財務会計連携（API キー名: finance-sync）",
    )
    .await;
    fill(
        &browser,
        "#change_summary",
        "大阪リージョンを災害対策用に追加",
    )
    .await;
    submit(&browser, "#new-version button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("新しい版を記録しました"), "{text}");
    assert!(text.contains("承認待ち"), "{text}");
    // Its recorder is offered no approval.
    assert!(browser.find("#standing form").await.is_err());
    accessible(&browser, "the configuration records").await;
    fits_the_phone(&browser, "the configuration records").await;
    browser
        .goto(&w.app.url(&format!("/engagements/{id}/configuration")))
        .await
        .unwrap();
    screenshots(&browser, "staff-configuration").await;

    // The two versions side by side: the changed field marked in words.
    browser
        .goto(&w.app.url(&format!(
            "/engagements/{id}/configuration/compare?from=1&to=2"
        )))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("1項目が変わっています"), "{text}");
    let changed = browser
        .find("tr.changed")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(changed.contains("利用リージョン"), "{changed}");
    assert!(changed.contains("変更あり"), "{changed}");
    assert!(changed.contains("西日本リージョン（大阪）"), "{changed}");
    accessible(&browser, "two configuration versions compared").await;
    fits_the_phone(&browser, "two configuration versions compared").await;
    screenshots(&browser, "staff-configuration-compare").await;
    browser.quit().await.unwrap();

    // The second administrator approves it from the page.
    let session = w.app.enrol(&w.sa2).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&w.app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&w.app.url(&format!("/engagements/{id}/configuration")))
        .await
        .unwrap();
    submit(&browser, "#standing button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("版を承認しました"), "{text}");
    assert!(text.contains("第2版が有効です"), "{text}");
    browser.quit().await.unwrap();
    assert_eq!(w.obligation(&id, "R-9.3.2").await["met_on"], "2030-06-15");
}

/// The responsibility link in a message: what follows `/portal/responsibility/`.
fn responsibility_link(text: &str) -> String {
    let start = text
        .find("/portal/responsibility/")
        .unwrap_or_else(|| panic!("a link in {text}"));
    let rest = &text[start..];
    rest.chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect()
}

impl World {
    async fn matrix(&self, who: &TestUser, id: &str, body: &Value) -> reqwest::Response {
        self.app
            .post(
                who,
                &format!("/api/v1/engagements/{id}/responsibility"),
                body,
            )
            .await
    }

    async fn matrix_action(
        &self,
        who: &TestUser,
        id: &str,
        version: u32,
        action: &str,
    ) -> reqwest::Response {
        self.app
            .post(
                who,
                &format!("/api/v1/engagements/{id}/responsibility/{version}/{action}"),
                &json!({}),
            )
            .await
    }

    /// The provider's answer through the portal, as its form sends it.
    async fn answer(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn r_9_3_1_a_division_of_responsibility_is_confirmed_through_the_portal_and_approved() {
    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L3").await;
    let owed = w.obligation(&id, "R-9.3.1").await;
    assert_eq!(owed["state"], "open", "{owed}");

    // The first version from the SaaS starting matrix: every area, in order.
    let v1 = json_of(
        w.matrix(
            &w.sa,
            &id,
            &json!({"service_model": "saas", "change_summary": "SaaS のひな形から作成"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["origin"], "saas v1");
    assert_eq!(v1["state"], "draft");
    let entries = v1["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 11);
    assert_eq!(entries[0]["area"], "identities_mfa");
    assert_eq!(entries[0]["responsible"], "ward");
    // Only a version the provider confirmed can be approved.
    assert_problem(w.matrix_action(&w.sa2, &id, 1, "approval").await, 409, None).await;

    // Sent: the provider's contact gets a link to the portal.
    let sent = json_of(w.matrix_action(&w.sa, &id, 1, "sending").await, 200).await;
    assert_eq!(sent["state"], "awaiting_provider");
    let mail = w.app.mail_to("hanako@vendor.example", 1).await;
    assert!(
        mail[0].subject.contains("責任分界表（第1版）"),
        "{}",
        mail[0].subject
    );
    let link = responsibility_link(&mail[0].text);
    let page = w.app.client.get(w.app.url(&link)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("利用者ID・多要素認証"), "{html}");
    assert!(html.contains("財務会計システム（SaaS）"));

    // Changes asked for without saying which: refused, the page says why.
    let refused = w
        .answer(
            &link,
            &[
                ("decision", "changes_requested"),
                ("signed_name", "山田 花子"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("変更を求める内容と理由を記入してください"),
        "{html}"
    );
    let asked = w
        .answer(
            &link,
            &[
                ("decision", "changes_requested"),
                ("signed_name", "山田 花子"),
                (
                    "comment",
                    "インシデントの通知期限は検知後12時間以内としてください",
                ),
            ],
        )
        .await;
    assert_eq!(asked.status(), 200);
    assert!(asked
        .text()
        .await
        .unwrap()
        .contains("変更のご依頼を承りました"));
    // The link has done its work.
    assert_eq!(
        w.app
            .client
            .get(w.app.url(&link))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let listed = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/responsibility"))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["versions"][0]["state"], "changes_requested");
    assert_eq!(listed["versions"][0]["vendor_signed_name"], "山田 花子");
    assert_eq!(listed["agreed_version"], Value::Null);

    // The second version answers it; the provider confirms it.
    let mut changed: Vec<Value> = entries.clone();
    let notice = changed
        .iter_mut()
        .find(|e| e["area"] == "incident_notice")
        .unwrap();
    notice["notes"] = json!("事業者は、インシデントを検知した後12時間以内に区へ通知する。");
    let v2 = json_of(
        w.matrix(
            &w.sa,
            &id,
            &json!({"service_model": "saas", "change_summary": "通知期限を12時間に短縮（事業者の依頼）", "entries": changed}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(v2["origin"], "saas v1");
    json_of(w.matrix_action(&w.sa, &id, 2, "sending").await, 200).await;
    let mail = w.app.mail_to("hanako@vendor.example", 2).await;
    let second = mail.iter().find(|m| m.subject.contains("第2版")).unwrap();
    let link = responsibility_link(&second.text);
    let confirmed = w
        .answer(
            &link,
            &[("decision", "confirmed"), ("signed_name", "山田 花子")],
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(
        w.obligation(&id, "R-9.3.1").await["state"],
        "open",
        "confirmed is not yet agreed"
    );

    // not by the person who recorded it.
    assert_problem(w.matrix_action(&w.sa, &id, 2, "approval").await, 403, None).await;
    let agreed = json_of(w.matrix_action(&w.sa2, &id, 2, "approval").await, 200).await;
    assert_eq!(agreed["state"], "agreed");
    let met = w.obligation(&id, "R-9.3.1").await;
    assert_eq!(met["state"], "met", "{met}");
    assert_eq!(met["met_on"], "2030-04-01");
    // The first, never agreed, stays as it was: superseded.
    let listed = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/responsibility"))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["agreed_version"], 2);
    assert_eq!(listed["versions"][1]["state"], "superseded");
}

#[tokio::test]
async fn r_9_3_1_a_matrix_missing_an_area_or_with_a_wrong_party_is_refused_whole() {
    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L2").await;
    let entries: Vec<Value> = ["identities_mfa", "logs"]
        .iter()
        .map(|a| json!({"area": a, "responsible": "ward", "notes": "区が行う"}))
        .collect();
    let problem = assert_problem(
        w.matrix(
            &w.sa,
            &id,
            &json!({"service_model": "paas", "change_summary": "x", "entries": entries}),
        )
        .await,
        422,
        Some("entries"),
    )
    .await;
    assert!(
        problem.to_string().contains("事業者の特権アクセス"),
        "{problem}"
    );
    let problem = assert_problem(
        w.matrix(
            &w.sa,
            &id,
            &json!({"service_model": "faas", "change_summary": "x",
                    "entries": [{"area": "logs", "responsible": "vendor", "notes": ""}]}),
        )
        .await,
        422,
        None,
    )
    .await;
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        [
            "service_model",
            "entries[0].responsible",
            "entries[0].notes"
        ]
    );
    assert_eq!(w.app.count_rows("responsibility_versions").await, 0);
    // A link that is no link, and one never sent.
    for path in [
        "/portal/responsibility/short",
        "/portal/responsibility/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let res = w.app.client.get(w.app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_division_of_responsibility_is_drawn_up_sent_answered_and_approved_in_the_browser() {
    use crate::staff_pages::{
        accessible, click, fill, fits_the_phone, main_text, screenshots, submit,
    };
    use crate::webdriver::Browser;

    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L3").await;
    let session = w.app.enrol(&w.sa).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&w.app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&w.app.url(&format!("/engagements/{id}#cloud")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("未合意"), "{text}");
    submit(&browser, "#cloud a[href$='/responsibility']").await;

    // The first version from the SaaS starting matrix; a summary is required.
    click(&browser, "#service_model option[value=saas]").await;
    submit(&browser, "#new-matrix button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("必須項目です"), "{text}");
    click(&browser, "#service_model option[value=saas]").await;
    fill(&browser, "#change_summary", "SaaS のひな形から作成").await;
    submit(&browser, "#new-matrix button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(
        text.contains("責任分界表の新しい版を記録しました"),
        "{text}"
    );
    assert!(text.contains("インシデントの通知（通知期限）"), "{text}");

    // A second version with the incident notice shortened, then sent.
    fill(
        &browser,
        "#entries_6_notes",
        "事業者は、インシデントを検知した後12時間以内に区へ通知する。",
    )
    .await;
    fill(&browser, "#change_summary", "通知期限を12時間に短縮").await;
    submit(&browser, "#new-matrix button[type=submit]").await;
    assert!(main_text(&browser).await.contains("12時間以内"));
    accessible(&browser, "the division of responsibility").await;
    fits_the_phone(&browser, "the division of responsibility").await;
    submit(&browser, "#send button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("事業者の回答待ち"), "{text}");
    browser.quit().await.unwrap();

    // The provider answers in the portal, with no account.
    let mail = w.app.mail_to("hanako@vendor.example", 1).await;
    let link = responsibility_link(&mail[0].text);
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser.goto(&w.app.url(&link)).await.unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("第2版"), "{text}");
    assert!(text.contains("12時間以内"), "{text}");
    accessible(&browser, "the provider's division of responsibility").await;
    fits_the_phone(&browser, "the provider's division of responsibility").await;
    browser.goto(&w.app.url(&link)).await.unwrap();
    screenshots(&browser, "portal-responsibility").await;
    click(&browser, "#decision-confirmed").await;
    fill(&browser, "#signed_name", "山田 花子").await;
    submit(&browser, "form button[type=submit]").await;
    assert!(main_text(&browser).await.contains("ご同意を承りました"));
    browser.quit().await.unwrap();

    // The second administrator approves it.
    let session = w.app.enrol(&w.sa2).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&w.app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&w.app.url(&format!("/engagements/{id}/responsibility")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("同意（山田 花子"), "{text}");
    submit(&browser, "#approve button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("第2版が合意されています"), "{text}");
    browser
        .goto(&w.app.url(&format!("/engagements/{id}/responsibility")))
        .await
        .unwrap();
    screenshots(&browser, "staff-responsibility").await;
    browser.quit().await.unwrap();
    assert_eq!(w.obligation(&id, "R-9.3.1").await["state"], "met");
}

impl World {
    /// Records the contract with the clauses a refused move says are missing, then moves
    /// the engagement to `contracted`.
    async fn contracted(&self, id: &str) {
        let to = |status: &str| json!({ "to": status });
        let path = format!("/api/v1/engagements/{id}/transitions");
        json_of(self.app.post(&self.sa, &path, &to("selected")).await, 200).await;
        let problem = assert_problem(
            self.app.post(&self.sa, &path, &to("contracted")).await,
            409,
            None,
        )
        .await;
        json_of(
            self.app
                .post(
                    &self.sa,
                    &format!("/api/v1/engagements/{id}/contracts"),
                    &json!({"reference_number": "港区契第2030-101号", "signed_on": "2030-03-25",
                            "clause_ids": problem["missing"]}),
                )
                .await,
            201,
        )
        .await;
        json_of(self.app.post(&self.sa, &path, &to("contracted")).await, 200).await;
    }

    async fn listing(&self, id: &str, audit_period_end: &str) -> reqwest::Response {
        self.app
            .put(
                &self.sa,
                &format!("/api/v1/engagements/{id}/cloud-service/ismap-listing"),
                &json!({"list": "ismap", "registration_number": "C21-0001-1",
                        "listed_service": "港会計クラウド", "regions": ["東日本リージョン"],
                        "audit_period_end": audit_period_end}),
            )
            .await
    }

    async fn location(&self, id: &str, support: &[&str]) -> reqwest::Response {
        self.app
            .put(
                &self.sa,
                &format!("/api/v1/engagements/{id}/cloud-service/data-location"),
                &json!({"storage_countries": ["JP"], "storage_regions": "東日本リージョン（東京）",
                        "backup_countries": ["JP"], "support_countries": support,
                        "governing_law": "日本法", "court": "東京地方裁判所"}),
            )
            .await
    }
}

/// The digests `to` received that mention the ISMAP listing.
fn about_ismap(smtp: &TestSmtp, to: &str) -> usize {
    smtp.received()
        .iter()
        .filter(|m| m.to == vec![to.to_string()])
        .filter(|m| m.parsed().body_text(0).is_some_and(|t| t.contains("ISMAP")))
        .count()
}

async fn settled(smtp: &TestSmtp, to: &str, expected: usize) -> usize {
    let mut n = 0;
    for _ in 0..100 {
        n = about_ismap(smtp, to);
        if n >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    n
}

#[tokio::test]
async fn r_9_1_an_ismap_listing_is_reminded_before_it_lapses_and_flagged_after_over_smtp() {
    let smtp = TestSmtp::start();
    let config = smtp.config();
    let pairs: Vec<(&str, &str)> = config.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let w = world_on(spawn_app_with(&pairs).await).await;
    let id = w.cloud("L2").await;
    w.contracted(&id).await;
    // Audited to 2029-06-30: valid until 2030-10-31.
    let recorded = json_of(w.listing(&id, "2029-06-30").await, 200).await;
    assert_eq!(recorded["ismap_listing"]["valid_until"], "2030-10-31");
    assert_eq!(recorded["flags"], json!([]));

    // 92 days before: nothing about it.
    w.app.clock.set(at("2030-07-31T00:00:00Z"));
    sweep(&w).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(about_ismap(&smtp, &w.sa.email), 0);
    // 90 days before, its system administrator hears of it, once.
    w.app.clock.set(at("2030-08-02T00:00:00Z"));
    sweep(&w).await;
    assert_eq!(settled(&smtp, &w.sa.email, 1).await, 1);
    sweep(&w).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(about_ismap(&smtp, &w.sa.email), 1);

    // 30 days before, again.
    w.app.clock.set(at("2030-10-01T00:00:00Z"));
    sweep(&w).await;
    assert_eq!(settled(&smtp, &w.sa.email, 2).await, 2);

    // Lapsed: flagged on the engagement, and told again.
    w.app.clock.set(at("2030-11-01T00:00:00Z"));
    let service = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/cloud-service"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        service["flags"],
        json!([{"flag": "listing_lapsed", "valid_until": "2030-10-31"}])
    );
    sweep(&w).await;
    assert_eq!(
        settled(&smtp, &w.sa.email, 3).await,
        3,
        "and once it lapsed"
    );
    // A renewal makes it valid again and keeps the old one in the history.
    let renewed = json_of(w.listing(&id, "2030-06-30").await, 200).await;
    assert_eq!(renewed["flags"], json!([]));
    assert_eq!(renewed["history"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn r_9_1_l3_information_stored_or_reachable_outside_japan_is_flagged() {
    let w = world_on(spawn_app().await).await;
    let l3 = w.cloud("L3").await;
    let l2 = w.cloud("L2").await;
    json_of(w.listing(&l3, "2029-06-30").await, 200).await;
    json_of(w.listing(&l2, "2029-06-30").await, 200).await;

    let abroad = json_of(w.location(&l3, &["JP", "us"]).await, 200).await;
    assert_eq!(
        abroad["flags"],
        json!([{"flag": "l3_outside_japan", "countries": ["US"]}])
    );
    assert_eq!(
        abroad["data_location"]["location"]["support_countries"],
        json!(["JP", "US"])
    );
    // The same location at L2 is no concern.
    let l2_abroad = json_of(w.location(&l2, &["JP", "US"]).await, 200).await;
    assert_eq!(l2_abroad["flags"], json!([]));
    // Back in Japan: the flag goes.
    let home = json_of(w.location(&l3, &["JP"]).await, 200).await;
    assert_eq!(home["flags"], json!([]));
    json_of(w.location(&l3, &["SG"]).await, 200).await;

    // The list of engagements says it in a word.
    let session = w.app.enrol(&w.so).await.session;
    let page = w
        .app
        .client
        .get(w.app.url("/engagements?kind=cloud_service"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("L3情報が国外").count(), 1, "{page}");

    // A country that is no code, a missing court: refused, nothing kept.
    let before = w.app.count_rows("cloud_service_records").await;
    let res = w
        .app
        .put(
            &w.sa,
            &format!("/api/v1/engagements/{l3}/cloud-service/data-location"),
            &json!({"storage_countries": ["Japan"], "storage_regions": "東京",
                    "backup_countries": ["JP"], "support_countries": ["JP"],
                    "governing_law": "日本法"}),
        )
        .await;
    let problem = assert_problem(res, 422, Some("storage_countries")).await;
    assert!(problem.to_string().contains("court"), "{problem}");
    assert_eq!(w.app.count_rows("cloud_service_records").await, before);
}

#[tokio::test]
async fn r_9_1_a_deployment_may_require_a_valid_listing_before_a_cloud_service_is_used() {
    let w = world_on(spawn_app_with(&[("ismap_required_for_active", "true")]).await).await;
    let id = w.cloud("L2").await;
    w.contracted(&id).await;
    let path = format!("/api/v1/engagements/{id}/transitions");
    let refused = assert_problem(
        w.app.post(&w.sa, &path, &json!({"to": "active"})).await,
        409,
        None,
    )
    .await;
    assert_eq!(refused["missing"], json!(["ismap_listing"]), "{refused}");
    json_of(w.listing(&id, "2029-06-30").await, 200).await;
    json_of(
        w.app.post(&w.sa, &path, &json!({"to": "active"})).await,
        200,
    )
    .await;
}

#[tokio::test]
async fn the_ismap_listing_and_data_location_are_recorded_in_the_browser() {
    use crate::staff_pages::{accessible, fill, fits_the_phone, main_text, screenshots, submit};
    use crate::webdriver::Browser;

    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L3").await;
    let session = w.app.enrol(&w.sa).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&w.app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&w.app.url(&format!("/engagements/{id}#cloud")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(
        text.contains("ISMAP / ISMAP-LIU の登録が記録されていません"),
        "{text}"
    );
    submit(&browser, "#cloud a[href$='/cloud-service']").await;

    // A date that is no date comes back with its error, what was typed kept.
    crate::staff_pages::click(&browser, "#list option[value=ismap]").await;
    fill(&browser, "#registration_number", "C21-0001-1").await;
    fill(&browser, "#listed_service", "港会計クラウド").await;
    fill(&browser, "#regions", "東日本リージョン").await;
    fill(&browser, "#audit_period_end", "2029/2/30").await;
    submit(&browser, "#listing-form button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(
        text.contains("監査対象期間の末日が正しくありません"),
        "{text}"
    );
    assert_eq!(
        browser
            .find("#registration_number")
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_str(),
        Some("C21-0001-1")
    );
    fill(&browser, "#audit_period_end", "令和11年6月30日").await;
    submit(&browser, "#listing-form button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(
        text.contains("ISMAP / ISMAP-LIU の登録を記録しました"),
        "{text}"
    );
    assert!(text.contains("令和12年10月31日"), "valid until: {text}");

    // Support reachable from the United States: L3 abroad is flagged.
    fill(&browser, "#storage_countries", "JP").await;
    fill(&browser, "#storage_regions", "東日本リージョン（東京）").await;
    fill(&browser, "#backup_countries", "JP").await;
    fill(&browser, "#support_countries", "JP, US").await;
    fill(&browser, "#governing_law", "日本法").await;
    fill(&browser, "#court", "東京地方裁判所").await;
    submit(&browser, "#location-form button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("データの所在を記録しました"), "{text}");
    assert!(text.contains("日本国外（US）"), "{text}");
    accessible(&browser, "the cloud service's listing and location").await;
    fits_the_phone(&browser, "the cloud service's listing and location").await;
    browser
        .goto(&w.app.url(&format!("/engagements/{id}/cloud-service")))
        .await
        .unwrap();
    screenshots(&browser, "staff-cloud-service").await;
    // The engagement's page sums it up with the flag, beside its other cloud records.
    browser
        .goto(&w.app.url(&format!("/engagements/{id}#cloud")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("ISMAP（C21-0001-1）"), "{text}");
    assert!(text.contains("日本国外（US）"), "{text}");
    accessible(&browser, "the engagement's cloud records").await;
    screenshots(&browser, "staff-engagement-cloud").await;
    browser.quit().await.unwrap();
}

/// The subprocessors' reporting link in a message.
fn report_link(text: &str) -> String {
    let start = text
        .find("/portal/subprocessors/")
        .unwrap_or_else(|| panic!("a link in {text}"));
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect()
}

#[tokio::test]
async fn r_9_3_1_the_provider_reports_a_subprocessor_change_through_the_portal_and_it_is_acknowledged(
) {
    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L3").await;
    let path = format!("/api/v1/engagements/{id}/subprocessors");
    // Staff record the one they know of: in force at once.
    let known = json_of(
        w.app
            .post(
                &w.sa,
                &format!("{path}/changes"),
                &json!({"kind": "added", "name": "港データセンター株式会社", "purpose": "データセンターの運用",
                        "country": "jp", "effective_on": "2030-04-01"}),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(known["acknowledged_by"], w.sa.id.as_str());
    // The provider is sent its link and reports an addition and a removal.
    json_of(
        w.app.post(&w.sa, &format!("{path}/link"), &json!({})).await,
        200,
    )
    .await;
    let mail = w.app.mail_to("hanako@vendor.example", 1).await;
    let link = report_link(&mail[0].text);
    let page = w.app.client.get(w.app.url(&link)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("港データセンター株式会社"));
    let report = |form: Vec<(&'static str, &'static str)>| {
        let url = w.app.url(&link);
        let client = w.app.client.clone();
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    // A bad country and no date: the form comes back saying why.
    let refused = report(vec![
        ("kind", "added"),
        ("name", "Minato Support Ltd"),
        ("purpose", "24時間の障害受付"),
        ("country", "America"),
    ])
    .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("2文字のコード"), "{html}");
    let added = report(vec![
        ("kind", "added"),
        ("name", "Minato Support Ltd"),
        ("purpose", "24時間の障害受付"),
        ("country", "US"),
        ("effective_on", "2030-05-01"),
    ])
    .await;
    assert_eq!(added.status(), 303);
    // Removing one that is not on the list is refused.
    let refused = report(vec![
        ("kind", "removed"),
        ("name", "存在しない株式会社"),
        ("purpose", "-"),
        ("country", "JP"),
        ("effective_on", "2030-05-01"),
    ])
    .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("一覧にありません"));

    let listed = json_of(w.app.get(&w.so, &path).await, 200).await;
    assert_eq!(listed["current"].as_array().unwrap().len(), 1, "{listed}");
    let pending = listed["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["reporter_kind"], "vendor");
    assert_eq!(pending[0]["reported_by"], "hanako@vendor.example");
    let change_id = pending[0]["id"].as_str().unwrap();
    // A security officer does not acknowledge it; the system administrator does.
    let ack = format!("{path}/changes/{change_id}/acknowledgement");
    assert_problem(w.app.post(&w.so, &ack, &json!({})).await, 403, None).await;
    json_of(w.app.post(&w.sa2, &ack, &json!({})).await, 200).await;
    assert_problem(w.app.post(&w.sa2, &ack, &json!({})).await, 409, None).await;
    let listed = json_of(w.app.get(&w.so, &path).await, 200).await;
    let names: Vec<_> = listed["current"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["港データセンター株式会社", "Minato Support Ltd"]);
    // L3 information a subprocessor reaches from the United States is flagged.
    let service = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/cloud-service"))
            .await,
        200,
    )
    .await;
    assert!(
        service["flags"]
            .as_array()
            .unwrap()
            .contains(&json!({"flag": "l3_outside_japan", "countries": ["US"]})),
        "{service}"
    );
    assert_eq!(listed["history"].as_array().unwrap().len(), 2);
    assert_eq!(listed["pending"], json!([]));
    // A new link ends the old one.
    json_of(
        w.app.post(&w.sa, &format!("{path}/link"), &json!({})).await,
        200,
    )
    .await;
    assert_eq!(
        w.app
            .client
            .get(w.app.url(&link))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn subprocessor_changes_are_acknowledged_in_the_browser() {
    use crate::staff_pages::{accessible, fill, fits_the_phone, main_text, screenshots, submit};
    use crate::webdriver::Browser;

    let w = world_on(spawn_app().await).await;
    let id = w.cloud("L2").await;
    let path = format!("/api/v1/engagements/{id}/subprocessors");
    json_of(
        w.app.post(&w.sa, &format!("{path}/link"), &json!({})).await,
        200,
    )
    .await;
    let mail = w.app.mail_to("hanako@vendor.example", 1).await;
    let link = report_link(&mail[0].text);

    // The provider reports in the portal.
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser.goto(&w.app.url(&link)).await.unwrap();
    crate::staff_pages::click(&browser, "#kind-added").await;
    fill(&browser, "#name", "港データセンター株式会社").await;
    fill(&browser, "#purpose", "データセンターの運用").await;
    fill(&browser, "#country", "JP").await;
    fill(&browser, "#effective_on", "令和12年4月1日").await;
    submit(&browser, "form button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("ご報告を受け付けました"), "{text}");
    assert!(text.contains("確認待ちのご報告"), "{text}");
    accessible(&browser, "the provider's subprocessors").await;
    fits_the_phone(&browser, "the provider's subprocessors").await;
    screenshots(&browser, "portal-subprocessors").await;
    browser.quit().await.unwrap();

    // The system administrator acknowledges it from the engagement's page.
    let session = w.app.enrol(&w.sa2).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&w.app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&w.app.url(&format!("/engagements/{id}#cloud")))
        .await
        .unwrap();
    assert!(main_text(&browser).await.contains("確認待ちの報告が1件"));
    submit(&browser, "#cloud a[href$='/subprocessors']").await;
    submit(&browser, "#pending button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("一覧に反映しました"), "{text}");
    assert!(text.contains("確認待ちの報告はありません"), "{text}");
    accessible(&browser, "the subprocessors").await;
    fits_the_phone(&browser, "the subprocessors").await;
    browser
        .goto(&w.app.url(&format!("/engagements/{id}/subprocessors")))
        .await
        .unwrap();
    screenshots(&browser, "staff-subprocessors").await;
    browser.quit().await.unwrap();
}

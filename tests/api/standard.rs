//! The Standard to the letter, over HTTP: each obligation is met by the event and the
//! person its words name. Selection by a recorded decision,
//! the information identified before the contract, an L1 cloud
//! service contracted on its provider's terms, the ward's own supervision
//! the CISO's inspection, periodic checks within the term
//! and waivers asked for, approved by a second person and expiring
//!

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, at, json_of, outsourcing_body, spawn_app, TestApp, TestUser};

struct World {
    app: TestApp,
    /// ROLE-SO of kumin: responsible for outsourcings and designated managements.
    so: TestUser,
    /// ROLE-SA of kumin: responsible for cloud services.
    sa: TestUser,
    ciso: TestUser,
    csm: TestUser,
    vendor: String,
}

/// 1 April 2030, 09:00 in Tokyo.
async fn world() -> World {
    let app = spawn_app().await;
    app.clock.set(at("2030-04-01T00:00:00Z"));
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let sa = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let vendor = app.vendor(&so, "株式会社港データ").await;
    World {
        app,
        so,
        sa,
        ciso,
        csm,
        vendor,
    }
}

impl World {
    fn owner(&self, kind: &str) -> &TestUser {
        if kind == "cloud_service" {
            &self.sa
        } else {
            &self.so
        }
    }

    /// An engagement of `kind` from `starts_on` to `ends_on`, in draft.
    async fn engagement(&self, kind: &str, starts_on: &str, ends_on: &str) -> String {
        let owner = self.owner(kind);
        let mut body = outsourcing_body("kumin", &owner.id, &self.vendor);
        body["kind"] = json!(kind);
        body["title"] = json!(format!("{kind} の案件"));
        body["starts_on"] = json!(starts_on);
        body["ends_on"] = json!(ends_on);
        if kind == "cloud_service" {
            body["cloud"] = json!({"service_name": "港クラウド", "data_location": "日本（東京リージョン）", "ismap": "ismap"});
        }
        let e = json_of(
            self.app.post(owner, "/api/v1/engagements", &body).await,
            201,
        )
        .await;
        e["id"].as_str().unwrap().to_string()
    }

    async fn item(&self, kind: &str, id: &str, level: &str) {
        json_of(
            self.app
                .post(
                    self.owner(kind),
                    &format!("/api/v1/engagements/{id}/information-items"),
                    &json!({"name": format!("{level} の情報"), "level": level, "provided_to_vendor": false}),
                )
                .await,
            201,
        )
        .await;
    }

    async fn move_to(&self, who: &TestUser, id: &str, to: &str) -> reqwest::Response {
        self.app
            .post(
                who,
                &format!("/api/v1/engagements/{id}/transitions"),
                &json!({ "to": to }),
            )
            .await
    }

    async fn record(&self, who: &TestUser, id: &str, body: Value) -> reqwest::Response {
        self.app
            .post(who, &format!("/api/v1/engagements/{id}/records"), &body)
            .await
    }

    async fn obligation(&self, id: &str, rule: &str) -> Value {
        let list = json_of(
            self.app
                .get(&self.ciso, &format!("/api/v1/engagements/{id}/obligations"))
                .await,
            200,
        )
        .await;
        list.as_array()
            .unwrap()
            .iter()
            .find(|o| o["rule_id"] == rule)
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Records the contract with the clauses a refused move says are missing, then moves.
    async fn contract(&self, kind: &str, id: &str) {
        let owner = self.owner(kind);
        let problem = assert_problem(self.move_to(owner, id, "contracted").await, 409, None).await;
        json_of(
            self.app
                .post(
                    owner,
                    &format!("/api/v1/engagements/{id}/contracts"),
                    &json!({"reference_number": "港区契第2030-001号", "signed_on": "2030-03-20", "clause_ids": problem["missing"]}),
                )
                .await,
            201,
        )
        .await;
        json_of(self.move_to(owner, id, "contracted").await, 200).await;
    }
}

#[tokio::test]
async fn r_7_2_r_8_2_r_9_2_contracted_needs_the_information_identified_first_on_each_kind() {
    let w = world().await;
    for (kind, rule) in [
        ("outsourcing", "R-8.2"),
        ("designated_management", "R-7.2"),
        ("cloud_service", "R-9.2"),
    ] {
        let owner = w.owner(kind);
        let id = w.engagement(kind, "2030-04-01", "2031-03-31").await;
        json_of(w.move_to(owner, &id, "selected").await, 200).await;
        let contracts = w.app.count_rows("contracts").await;
        let refused = assert_problem(w.move_to(owner, &id, "contracted").await, 409, None).await;
        assert_eq!(refused["missing"], json!(["information_items"]), "{kind}");
        assert!(
            refused["detail"].as_str().unwrap().contains(rule),
            "{kind}: {refused}"
        );
        assert_eq!(w.app.count_rows("contracts").await, contracts);

        // Nothing handed over: stated, with the reason, and the contract follows.
        let statement = json_of(
            w.record(
                owner,
                &id,
                json!({"kind": "no_information", "occurred_on": "2030-03-25",
                       "statement": "区の情報に触れない清掃業務のため"}),
            )
            .await,
            201,
        )
        .await;
        if kind == "cloud_service" {
            // Handed nothing, the service is of §10 (L1): its terms are its agreement.
            assert_eq!(statement["meets"], json!([]));
            json_of(
                w.record(
                    owner,
                    &id,
                    json!({"kind": "terms_accepted", "occurred_on": "2030-03-28",
                           "terms_name": "港クラウド利用規約", "terms_version": "第3版",
                           "terms_url": "https://cloud.example.jp/terms"}),
                )
                .await,
                201,
            )
            .await;
            json_of(w.move_to(owner, &id, "contracted").await, 200).await;
            assert_eq!(w.obligation(&id, "R-9.2").await, Value::Null, "§10 applies");
            continue;
        }
        assert_eq!(statement["meets"], json!([rule]), "{kind}");
        w.contract(kind, &id).await;
        assert_eq!(w.obligation(&id, rule).await["state"], "met", "{kind}");
    }

    // Once an item is registered, nothing can be stated as handed over none.
    let id = w
        .engagement("outsourcing", "2030-04-01", "2031-03-31")
        .await;
    w.item("outsourcing", &id, "L2").await;
    assert_problem(
        w.record(
            &w.so,
            &id,
            json!({"kind": "no_information", "occurred_on": "2030-03-25", "statement": "なし"}),
        )
        .await,
        422,
        Some("statement"),
    )
    .await;
}

#[tokio::test]
async fn r_10_1_an_l1_cloud_service_is_contracted_on_its_providers_terms_of_service() {
    let w = world().await;
    let id = w
        .engagement("cloud_service", "2030-04-01", "2031-03-31")
        .await;
    w.item("cloud_service", &id, "L1").await;
    json_of(w.move_to(&w.sa, &id, "selected").await, 200).await;
    let refused = assert_problem(w.move_to(&w.sa, &id, "contracted").await, 409, None).await;
    assert_eq!(refused["missing"], json!(["terms_accepted"]));
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("利用規約") && !detail.contains("必須条項を含む契約を記録"),
        "{detail}"
    );

    let terms = json!({"kind": "terms_accepted", "occurred_on": "2030-03-28",
                       "terms_name": "港クラウド利用規約", "terms_version": "2029年10月1日改定",
                       "terms_url": "ftp://example"});
    assert_problem(
        w.record(&w.sa, &id, terms.clone()).await,
        422,
        Some("terms_url"),
    )
    .await;
    let mut good = terms.clone();
    good["terms_url"] = json!("https://cloud.example.jp/terms");
    json_of(w.record(&w.sa, &id, good.clone()).await, 201).await;
    json_of(w.move_to(&w.sa, &id, "contracted").await, 200).await;

    // Terms of service are no agreement for a contractor, nor at L2.
    let other = w
        .engagement("outsourcing", "2030-04-01", "2031-03-31")
        .await;
    assert_problem(w.record(&w.so, &other, good).await, 422, Some("kind")).await;
}

#[tokio::test]
async fn r_7_1_r_8_1_r_9_1_selection_is_met_by_a_recorded_decision_not_by_the_status() {
    let w = world().await;
    for (kind, rule) in [
        ("outsourcing", "R-8.1"),
        ("designated_management", "R-7.1"),
        ("cloud_service", "R-9.1"),
    ] {
        let owner = w.owner(kind);
        let id = w.engagement(kind, "2030-04-01", "2031-03-31").await;
        if kind == "cloud_service" {
            w.item(kind, &id, "L2").await;
        }
        json_of(w.move_to(owner, &id, "selected").await, 200).await;
        let o = w.obligation(&id, rule).await;
        assert_eq!(o["state"], "open", "{kind}: the status alone meets nothing");

        let mut body = json!({"kind": "selection", "occurred_on": "2030-03-15",
                              "basis": "選定時自己評価票とISMS認証（JIS Q 27001）の写しを確認した"});
        if kind == "cloud_service" {
            // the ISMAP listing checked and where the data is kept.
            let problem = assert_problem(
                w.record(owner, &id, body.clone()).await,
                422,
                Some("ismap_listing"),
            )
            .await;
            assert!(problem.to_string().contains("data_location"), "{problem}");
            body["ismap_listing"] = json!("ISMAP クラウドサービスリスト 登録番号 C23-0001");
            body["data_location"] = json!("日本（東京リージョン）");
        }
        let record = json_of(w.record(owner, &id, body).await, 201).await;
        assert_eq!(record["meets"], json!([rule]));
        let o = w.obligation(&id, rule).await;
        assert_eq!(
            (o["state"].as_str(), o["met_on"].as_str()),
            (Some("met"), Some("2030-03-15")),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn r_8_3_1_the_officers_supervision_meets_it_and_r_7_3_for_a_designated_manager() {
    let w = world().await;
    for (kind, rule) in [
        ("outsourcing", "R-8.3.1"),
        ("designated_management", "R-7.3"),
    ] {
        let id = w.engagement(kind, "2030-04-01", "2032-03-31").await;
        assert_eq!(w.obligation(&id, rule).await["state"], "open");
        assert_problem(
            w.record(
                &w.so,
                &id,
                json!({"kind": "supervision", "occurred_on": "2030-04-01", "method": "by_fax", "observed": "x"}),
            )
            .await,
            422,
            Some("method"),
        )
        .await;
        // A date that is not yet is refused, and nothing is written.
        let before = w.app.count_rows("engagement_records").await;
        assert_problem(
            w.record(
                &w.so,
                &id,
                json!({"kind": "supervision", "occurred_on": "2030-04-02", "method": "on_site", "observed": "x"}),
            )
            .await,
            422,
            Some("occurred_on"),
        )
        .await;
        assert_eq!(w.app.count_rows("engagement_records").await, before);
        json_of(
            w.record(
                &w.so,
                &id,
                json!({"kind": "supervision", "occurred_on": "2030-04-01", "method": "on_site",
                       "observed": "作業場所の入退室記録、施錠保管庫、持出し簿を確認した"}),
            )
            .await,
            201,
        )
        .await;
        let o = w.obligation(&id, rule).await;
        assert_eq!(o["state"], "met", "{kind}");
        assert_eq!(o["met_on"], "2030-04-01");
    }
    // The contractor's questionnaire is R-8.3.2's, still owed.
    let id = w
        .engagement("outsourcing", "2030-04-01", "2032-03-31")
        .await;
    json_of(
        w.record(
            &w.so,
            &id,
            json!({"kind": "supervision", "occurred_on": "2030-04-01", "method": "remote", "observed": "画面共有で確認"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(w.obligation(&id, "R-8.3.2").await["state"], "open");
}

#[tokio::test]
async fn r_7_4_the_ciso_or_a_person_the_ciso_delegates_to_records_the_inspection() {
    let w = world().await;
    let id = w
        .engagement("designated_management", "2030-04-01", "2031-03-31")
        .await;
    assert_eq!(w.obligation(&id, "R-7.4").await["state"], "open");
    let inspection = json!({"kind": "inspection", "occurred_on": "2030-04-01", "method": "video",
                            "place": "港区立区民センター 事務室", "result": "conforming"});

    // The security officer alone may not; naming someone who is not the CISO is refused.
    assert_problem(w.record(&w.so, &id, inspection.clone()).await, 403, None).await;
    let mut not_ciso = inspection.clone();
    not_ciso["delegated_by"] = json!(w.csm.id);
    assert_problem(
        w.record(&w.so, &id, not_ciso).await,
        422,
        Some("delegated_by"),
    )
    .await;
    // Findings named as the result must be written down.
    let mut findings = inspection.clone();
    findings["result"] = json!("findings");
    assert_problem(
        w.record(&w.ciso, &id, findings).await,
        422,
        Some("findings"),
    )
    .await;

    let mut delegated = inspection.clone();
    delegated["delegated_by"] = json!(w.ciso.id);
    let record = json_of(w.record(&w.so, &id, delegated).await, 201).await;
    assert_eq!(record["recorded_by"], w.so.id.as_str());
    assert_eq!(record["delegated_by"], w.ciso.id.as_str());
    assert_eq!(record["meets"], json!(["R-7.4"]));
    assert_eq!(w.obligation(&id, "R-7.4").await["state"], "met");

    // The CISO records without naming anyone; a contractor has no such inspection.
    json_of(w.record(&w.ciso, &id, inspection.clone()).await, 201).await;
    let contract = w
        .engagement("outsourcing", "2030-04-01", "2031-03-31")
        .await;
    assert_problem(
        w.record(&w.ciso, &contract, inspection).await,
        422,
        Some("kind"),
    )
    .await;
    let list = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/records"))
            .await,
        200,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn r_8_3_2_a_short_contract_is_checked_at_its_middle_and_never_after_its_end() {
    let w = world().await;
    // Six months of L1 work, checked yearly by default: once, at the middle.
    let id = w
        .engagement("outsourcing", "2030-04-01", "2030-09-30")
        .await;
    w.item("outsourcing", &id, "L1").await;
    assert_eq!(w.obligation(&id, "R-8.3.2").await["due_on"], "2030-07-01");

    // an L3 cloud service of 14 months is checked at 6 and 12 months.
    let cloud = w
        .engagement("cloud_service", "2030-04-01", "2031-05-31")
        .await;
    w.item("cloud_service", &cloud, "L3").await;
    assert_eq!(
        w.obligation(&cloud, "R-9.3.3").await["due_on"],
        "2030-10-01"
    );

    // After the end, the short contract shows no check due.
    w.app.clock.set(at("2030-12-01T00:00:00Z"));
    let o = w.obligation(&id, "R-8.3.2").await;
    assert_eq!(
        o["state"], "overdue",
        "the one check of the term was missed"
    );
    assert_eq!(
        o["due_on"], "2030-07-01",
        "and none falls due after the end"
    );
}

#[tokio::test]
async fn r_2_6_a_waiver_is_asked_for_approved_by_a_second_person_and_expires() {
    let w = world().await;
    let id = w
        .engagement("outsourcing", "2030-04-01", "2032-03-31")
        .await;
    w.item("outsourcing", &id, "L3").await;
    let path = format!("/api/v1/engagements/{id}/obligations/waivers");

    // The unconditional obligations cannot be asked for.
    for rule in ["R-8.2", "R-3.3.3", "R-8.4.2"] {
        let problem = assert_problem(
            w.app
                .post(&w.so, &path, &json!({"rule_id": rule, "reason": "不要"}))
                .await,
            422,
            Some("rule_id"),
        )
        .await;
        assert!(
            problem.to_string().contains("免除することはできません"),
            "{problem}"
        );
    }

    let asked = json_of(
        w.app
            .post(
                &w.so,
                &path,
                &json!({"rule_id": "R-8.3.2", "reason": "施設改修で作業場所が閉鎖中のため"}),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(asked["state"], "pending");
    assert_eq!(
        w.obligation(&id, "R-8.3.2").await["state"],
        "open",
        "pending waives nothing"
    );
    assert_problem(
        w.app
            .post(
                &w.so,
                &path,
                &json!({"rule_id": "R-8.3.2", "reason": "再申請"}),
            )
            .await,
        409,
        None,
    )
    .await;
    let decision = format!("{path}/{}/decision", asked["id"].as_str().unwrap());

    // Neither the owner (who asked) nor a rejection without its reason.
    let own = assert_problem(
        w.app
            .post(&w.so, &decision, &json!({"decision": "approved"}))
            .await,
        403,
        None,
    )
    .await;
    assert!(
        own.to_string().contains("R-2.6") || own["detail"].is_string(),
        "{own}"
    );
    assert_problem(
        w.app
            .post(&w.csm, &decision, &json!({"decision": "rejected"}))
            .await,
        422,
        Some("reason"),
    )
    .await;

    let approved = json_of(
        w.app
            .post(&w.csm, &decision, &json!({"decision": "approved"}))
            .await,
        200,
    )
    .await;
    assert_eq!(approved["decided_by"], w.csm.id.as_str());
    // L3: one check interval of 6 months from the approval.
    assert_eq!(approved["expires_on"], "2030-10-01");
    let o = w.obligation(&id, "R-8.3.2").await;
    assert_eq!(o["state"], "waived");
    assert_eq!(o["waiver"]["by_user_id"], w.csm.id.as_str());
    assert_problem(
        w.app
            .post(&w.ciso, &decision, &json!({"decision": "approved"}))
            .await,
        409,
        None,
    )
    .await;

    // A waiver the CISO asks for is decided by someone else.
    let by_ciso = json_of(
        w.app
            .post(
                &w.ciso,
                &path,
                &json!({"rule_id": "R-8.3.1", "reason": "庁舎内作業のため", "expires_on": "2030-06-30"}),
            )
            .await,
        201,
    )
    .await;
    let decision = format!("{path}/{}/decision", by_ciso["id"].as_str().unwrap());
    assert_problem(
        w.app
            .post(&w.ciso, &decision, &json!({"decision": "approved"}))
            .await,
        403,
        None,
    )
    .await;
    let approved = json_of(
        w.app
            .post(&w.csm, &decision, &json!({"decision": "approved"}))
            .await,
        200,
    )
    .await;
    assert_eq!(
        approved["expires_on"], "2030-06-30",
        "the earlier day asked for"
    );

    // Past its last day, the obligation is owed again.
    w.app.clock.set(at("2030-10-02T00:00:00Z"));
    assert_eq!(w.obligation(&id, "R-8.3.2").await["state"], "overdue");
    assert_eq!(w.obligation(&id, "R-8.3.1").await["state"], "overdue");
    let list = json_of(w.app.get(&w.so, &path).await, 200).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn records_are_kept_from_the_engagement_page_in_the_browser() {
    use crate::staff_pages::{
        accessible, click, fill, fits_the_phone, main_text, screenshots, submit,
    };
    use crate::webdriver::Browser;

    let w = world().await;
    let id = w
        .engagement("designated_management", "2030-04-01", "2031-03-31")
        .await;
    let session = w.app.enrol(&w.so).await.session;
    let browser = Browser::start_sized(1366, 768)
        .await
        .expect("headless Chromium");
    browser
        .add_cookie(&w.app.address, &session.cookie)
        .await
        .unwrap();
    browser
        .goto(&w.app.url(&format!("/engagements/{id}#records")))
        .await
        .unwrap();
    let text = main_text(&browser).await;
    assert!(text.contains("選定・監督・点検の記録"), "{text}");

    // A supervision typed wrong comes back with its errors next to the fields.
    click(&browser, "#record-supervision summary").await;
    fill(&browser, "#supervision-occurred_on", "2030/4/31").await;
    submit(&browser, "#record-supervision button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("実施日が正しくありません"), "{text}");
    assert!(text.contains("必須項目です"), "{text}");
    accessible(&browser, "the records form with errors").await;

    fill(&browser, "#supervision-occurred_on", "令和12年4月1日").await;
    click(&browser, "#supervision-method-on_site").await;
    fill(
        &browser,
        "#supervision-observed",
        "受付の入退室記録、施錠保管庫、個人情報の持出し簿を確認した",
    )
    .await;
    submit(&browser, "#record-supervision button[type=submit]").await;
    let text = main_text(&browser).await;
    assert!(text.contains("記録しました"), "{text}");
    assert!(text.contains("現地での確認"), "{text}");
    assert!(text.contains("持出し簿を確認した"), "{text}");
    // The inspection form asks a security officer for the CISO who delegated it.
    assert!(
        browser.find("#inspection-delegated_by").await.is_ok(),
        "the delegation is asked for"
    );
    assert_eq!(w.obligation(&id, "R-7.3").await["state"], "met");
    accessible(&browser, "the engagement's records").await;
    fits_the_phone(&browser, "the engagement's records").await;
    browser
        .goto(&w.app.url(&format!("/engagements/{id}#records")))
        .await
        .unwrap();
    screenshots(&browser, "staff-engagement-records").await;
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn r_8_1_a_selection_record_keeps_its_papers_as_files() {
    let w = world().await;
    let id = w
        .engagement("outsourcing", "2030-04-01", "2031-03-31")
        .await;
    let record = json_of(
        w.record(
            &w.so,
            &id,
            json!({"kind": "selection", "occurred_on": "2030-03-15",
                   "basis": "指名競争入札の審査で、ISMS 認証と体制を確認した"}),
        )
        .await,
        201,
    )
    .await;
    let record_id = record["id"].as_str().unwrap();
    assert_eq!(record["files"], json!([]));
    let files = format!("/api/v1/engagements/{id}/records/{record_id}/files");
    let upload = |who: &TestUser, parts: Vec<(&'static str, &'static [u8])>| {
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in parts {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name),
            );
        }
        w.app
            .client
            .post(w.app.url(&files))
            .bearer_auth(&who.token)
            .multipart(form)
            .send()
    };

    // A renamed executable among good files: refused, and nothing is kept.
    let before = w.app.count_rows("engagement_record_files").await;
    assert_problem(
        upload(
            &w.so,
            vec![
                ("審査調書.pdf", b"%PDF-1.7 minutes"),
                ("認証.pdf", b"MZ\x90\x00"),
            ],
        )
        .await
        .unwrap(),
        422,
        Some("file"),
    )
    .await;
    assert_eq!(w.app.count_rows("engagement_record_files").await, before);
    // Not multipart: the wrong media type.
    assert_problem(
        w.app.post(&w.so, &files, &json!({"file": "x"})).await,
        415,
        None,
    )
    .await;

    let attached = json_of(
        upload(&w.so, vec![("審査調書.pdf", b"%PDF-1.7 minutes")])
            .await
            .unwrap(),
        201,
    )
    .await;
    let file = &attached[0];
    assert_eq!(file["file_name"], "審査調書.pdf");
    assert_eq!(file["media_type"], "application/pdf");
    let list = json_of(
        w.app
            .get(&w.so, &format!("/api/v1/engagements/{id}/records"))
            .await,
        200,
    )
    .await;
    assert_eq!(list[0]["files"][0]["id"], file["id"]);

    let res = w
        .app
        .get(
            &w.ciso,
            &format!("{files}/{}", file["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(
        res.headers()["x-content-sha256"],
        file["sha256"].as_str().unwrap()
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.7 minutes");

    // Someone of another division neither sees nor attaches.
    let elsewhere = w.app.staff(&[Role::SecurityOfficer], &["zaimu"]).await;
    assert_problem(
        upload(&elsewhere, vec![("a.pdf", b"%PDF-1.7")])
            .await
            .unwrap(),
        403,
        None,
    )
    .await;
}

#[tokio::test]
async fn r_7_4_an_inspection_s_photographs_are_attached_from_the_engagement_page() {
    use crate::staff_pages::get_page;

    let w = world().await;
    let id = w
        .engagement("designated_management", "2030-04-01", "2031-03-31")
        .await;
    let record = json_of(
        w.record(
            &w.ciso,
            &id,
            json!({"kind": "inspection", "occurred_on": "2030-04-01", "method": "photographs",
                   "place": "区民センター", "result": "conforming"}),
        )
        .await,
        201,
    )
    .await;
    let record_id = record["id"].as_str().unwrap();
    let session = w.app.enrol(&w.ciso).await.session;
    let page = get_page(&w.app, &session.cookie, &format!("/engagements/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let action = format!("/engagements/{id}/records/{record_id}/files");
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");

    let send = |csrf: String, name: &'static str, bytes: &'static [u8]| {
        w.app
            .client
            .post(w.app.url(&action))
            .header("Cookie", &session.cookie)
            .header("Origin", &w.app.address)
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf_token", csrf)
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name),
                    ),
            )
            .send()
    };
    // Without the form's token: refused.
    let res = send("00".into(), "写真.png", b"\x89PNG\r\n\x1a\nxx")
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A file of a kind not taken: said beside the record.
    let res = send(session.csrf.clone(), "写真.heic", b"ftypheic")
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("この種類のファイルは添付できません"),
        "{page}"
    );

    let res = send(session.csrf.clone(), "写真.png", b"\x89PNG\r\n\x1a\nxx")
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = get_page(
        &w.app,
        &session.cookie,
        &format!("/engagements/{id}?done=attached"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains("ファイルを添付しました。"), "{page}");
    let href_start = page
        .find(&format!("{action}/"))
        .expect("a link to the file");
    let href: String = page[href_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let res = get_page(&w.app, &session.cookie, &href).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"\x89PNG\r\n\x1a\nxx");
}

#[tokio::test]
async fn r_8_1_an_accepted_selection_self_assessment_meets_the_selection() {
    use crate::checks_api::{submit, Submission, PDF};
    use crate::helpers::portal_tokens;

    let w = world().await;
    let id = w
        .engagement("outsourcing", "2030-04-01", "2031-03-31")
        .await;
    // Sent to the candidate's contact through the portal, before the selection.
    let check = json_of(
        w.app
            .post(
                &w.so,
                &format!("/api/v1/engagements/{id}/checks"),
                &json!({"questionnaire_id": "selection-self-assessment"}),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(
        check["meets_rules"],
        json!(["R-7.1", "R-8.1", "R-9.1", "R-10.1"])
    );
    let mail = w.app.mail_to("hanako@vendor.example", 1).await;
    let token = portal_tokens(&mail[0].text).remove(0);
    let answers: Vec<(String, String)> = [
        ("ORG-01", "isms"),
        ("ORG-04", "yes"),
        ("ORG-05", "情報セキュリティ委員会を四半期ごとに開催"),
        ("ORG-06", "yes"),
        ("ORG-07", "3"),
        ("ORG-09", "yes"),
        ("HUM-01", "yes"),
        ("HUM-02", "yes"),
        ("HUM-03", "12"),
        ("TEC-01", "yes"),
        ("TEC-02", "yes"),
        ("TEC-03", "yes"),
        ("TEC-04", "yes"),
        ("PHY-01", "yes"),
        ("PHY-02", "yes"),
        ("PHY-03", "yes"),
        ("CLD-01", "not_cloud"),
        ("CLD-02", "not_cloud"),
        ("CLD-03", "na"),
        ("CLD-04", "na"),
        ("CLD-05", "na"),
    ]
    .iter()
    .map(|(q, a)| (q.to_string(), a.to_string()))
    .collect();
    let submission = Submission {
        answers,
        files: vec![("HUM-01".into(), "誓約書.pdf".into(), PDF.to_vec())],
    };
    let res = submit(&w.app, &token, &submission).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(
        w.obligation(&id, "R-8.1").await["state"],
        "open",
        "submitted is not accepted"
    );

    let review = format!("/api/v1/checks/{}/review", check["id"].as_str().unwrap());
    json_of(
        w.app
            .post(&w.so, &review, &json!({"decision": "accept"}))
            .await,
        200,
    )
    .await;
    let o = w.obligation(&id, "R-8.1").await;
    assert_eq!(o["state"], "met", "{o}");
}

#[tokio::test]
async fn r_8_2_the_page_says_in_words_what_the_contract_gate_lacks() {
    use crate::staff_pages::{get_page, post_form};

    let w = world().await;
    let id = w
        .engagement("outsourcing", "2030-04-01", "2031-03-31")
        .await;
    json_of(w.move_to(&w.so, &id, "selected").await, 200).await;
    let session = w.app.enrol(&w.so).await.session;
    get_page(&w.app, &session.cookie, &format!("/engagements/{id}")).await;
    let res = post_form(
        &w.app,
        &session.cookie,
        &format!("/engagements/{id}/move"),
        &format!("csrf_token={}&to=contracted", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("提供する情報の特定"), "{page}");
    assert!(!page.contains("<li>information_items</li>"), "{page}");
}

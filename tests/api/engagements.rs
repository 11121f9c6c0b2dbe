use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, outsourcing_body, spawn_app, TestApp, TestUser};

/// A division with its security officer and system administrator, and a vendor.
struct Setup {
    app: TestApp,
    so: TestUser,
    sa: TestUser,
    vendor: String,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let sa = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
    let vendor = app.vendor(&so, "株式会社みなとデータサービス").await;
    Setup {
        app,
        so,
        sa,
        vendor,
    }
}

#[tokio::test]
async fn a_security_officer_registers_an_outsourcing_in_draft() {
    let s = setup().await;
    let e = s.app.engagement(&s.so, &s.so, "kumin", &s.vendor).await;
    assert_eq!(e["kind"], "outsourcing");
    assert_eq!(e["status"], "draft");
    assert_eq!(e["level"], Value::Null, "no items yet: no level (R-3.1)");
    assert_eq!(e["division"], "kumin");
    assert_eq!(e["division_name"], "kumin課");
    assert_eq!(e["vendor_name"], "株式会社みなとデータサービス");
    assert_eq!(e["starts_on"], "2027-04-01");
    assert_eq!(e["allowed_transitions"], json!(["selected", "terminated"]));
    let id = e["id"].as_str().unwrap();
    let got: Value = s
        .app
        .get(&s.so, &format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, e);
}

#[tokio::test]
async fn a_cloud_service_needs_its_details_and_a_system_administrator() {
    let s = setup().await;
    let mut body = outsourcing_body("kumin", &s.sa.id, &s.vendor);
    body["kind"] = json!("cloud_service");
    let res = s.app.post(&s.so, "/api/v1/engagements", &body).await;
    assert_problem(res, 422, Some("cloud")).await;

    body["cloud"] = json!({"service_name": "QueueNow", "data_location": "日本（東京リージョン）", "ismap": "ismap"});
    let res = s.app.post(&s.so, "/api/v1/engagements", &body).await;
    assert_eq!(res.status(), 201);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["cloud"]["ismap"], "ismap");
    assert_eq!(e["responsible_user_id"], s.sa.id.as_str());

    // A security officer is not who runs a cloud service.
    let mut wrong = body.clone();
    wrong["responsible_user_id"] = json!(s.so.id);
    let res = s.app.post(&s.so, "/api/v1/engagements", &wrong).await;
    assert_problem(res, 422, Some("responsible_user_id")).await;

    let mut bad_ismap = body.clone();
    bad_ismap["cloud"]["ismap"] = json!("iso27001");
    assert_problem(
        s.app.post(&s.so, "/api/v1/engagements", &bad_ismap).await,
        422,
        Some("cloud.ismap"),
    )
    .await;

    // Cloud details on an outsourcing are refused rather than silently dropped.
    let mut outsourcing = outsourcing_body("kumin", &s.so.id, &s.vendor);
    outsourcing["cloud"] = body["cloud"].clone();
    assert_problem(
        s.app.post(&s.so, "/api/v1/engagements", &outsourcing).await,
        422,
        Some("cloud"),
    )
    .await;
}

#[tokio::test]
async fn the_responsible_person_must_hold_the_role_in_that_division() {
    let s = setup().await;
    let other = s.app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let res = s
        .app
        .post(
            &s.so,
            "/api/v1/engagements",
            &outsourcing_body("kumin", &other.id, &s.vendor),
        )
        .await;
    assert_problem(res, 422, Some("responsible_user_id")).await;
    assert_eq!(s.app.count_rows("engagements").await, 0);
}

#[tokio::test]
async fn end_before_start_and_impossible_dates_are_refused() {
    let s = setup().await;
    let mut body = outsourcing_body("kumin", &s.so.id, &s.vendor);
    body["ends_on"] = json!("2027-03-31");
    let problem = assert_problem(
        s.app.post(&s.so, "/api/v1/engagements", &body).await,
        422,
        Some("ends_on"),
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "before_start");

    body["starts_on"] = json!("2027-02-30");
    assert_problem(
        s.app.post(&s.so, "/api/v1/engagements", &body).await,
        422,
        Some("starts_on"),
    )
    .await;
    assert_eq!(s.app.count_rows("engagements").await, 0);
}

#[tokio::test]
async fn every_invalid_field_is_listed_in_one_answer() {
    let s = setup().await;
    let body =
        json!({"kind": "consulting", "title": " ", "division": "nowhere", "starts_on": "tomorrow"});
    let problem = assert_problem(
        s.app.post(&s.so, "/api/v1/engagements", &body).await,
        422,
        None,
    )
    .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "kind",
        "title",
        "division",
        "starts_on",
        "ends_on",
        "scope",
        "vendor_id",
        "responsible_user_id",
    ] {
        assert!(fields.contains(&f), "{f} not reported in {problem}");
    }
}

#[tokio::test]
async fn r_8_5_a_subcontract_hangs_under_a_designated_management() {
    let s = setup().await;
    let mut dm = outsourcing_body("kumin", &s.so.id, &s.vendor);
    dm["kind"] = json!("designated_management");
    dm["title"] = json!("区民センター指定管理");
    let res = s.app.post(&s.so, "/api/v1/engagements", &dm).await;
    assert_eq!(res.status(), 201);
    let parent: Value = res.json().await.unwrap();

    let mut sub = outsourcing_body("kumin", &s.so.id, &s.vendor);
    sub["parent_id"] = parent["id"].clone();
    let res = s.app.post(&s.so, "/api/v1/engagements", &sub).await;
    assert_eq!(res.status(), 201);
    let child: Value = res.json().await.unwrap();
    assert_eq!(child["parent_id"], parent["id"]);

    // A missing parent, or a parent that is not a designated management, is refused.
    sub["parent_id"] = json!("no-such-engagement");
    assert_problem(
        s.app.post(&s.so, "/api/v1/engagements", &sub).await,
        422,
        Some("parent_id"),
    )
    .await;
    sub["parent_id"] = child["id"].clone();
    assert_problem(
        s.app.post(&s.so, "/api/v1/engagements", &sub).await,
        422,
        Some("parent_id"),
    )
    .await;
}

#[tokio::test]
async fn the_lifecycle_moves_forward_one_step_and_409_names_the_allowed_moves() {
    let s = setup().await;
    let e = s.app.engagement(&s.so, &s.so, "kumin", &s.vendor).await;
    let path = format!(
        "/api/v1/engagements/{}/transitions",
        e["id"].as_str().unwrap()
    );

    let skip = s.app.post(&s.so, &path, &json!({"to": "active"})).await;
    let problem = assert_problem(skip, 409, None).await;
    assert_eq!(problem["allowed"], json!(["selected", "terminated"]));

    // The gates on contracted and active (tested in contracts.rs) are satisfied here: an
    // L1 item identified, a complete contract, and a start date passed.
    let id = e["id"].as_str().unwrap();
    let res = s
        .app
        .patch(
            &s.so,
            &format!("/api/v1/engagements/{id}"),
            &json!({"starts_on": "2026-04-01"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let contract = json!({
        "reference_number": "港区契第1号",
        "signed_on": "2026-03-20",
        "clause_ids": ["CL-01", "CL-02", "CL-03", "CL-04", "CL-12", "CL-13", "CL-14", "CL-15", "CL-16"]
    });
    let res = s
        .app
        .post(
            &s.so,
            &format!("/api/v1/engagements/{id}/contracts"),
            &contract,
        )
        .await;
    assert_eq!(res.status(), 201);

    // the information handed over is identified before the contract.
    let res = s
        .app
        .post(
            &s.so,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "業務マニュアル", "level": "L1", "provided_to_vendor": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    for to in ["selected", "contracted", "active", "ending"] {
        let res = s.app.post(&s.so, &path, &json!({"to": to})).await;
        assert_eq!(res.status(), 200, "move to {to}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], to);
    }
    // Closing waits for the end of term (tests/api/end_of_term.rs has the whole of it).
    let close = s.app.post(&s.so, &path, &json!({"to": "closed"})).await;
    let problem = assert_problem(close, 409, None).await;
    assert_eq!(
        problem["missing"],
        json!(["attestation", "closing_approval"])
    );
    let res = s
        .app
        .post(
            &s.so,
            &path,
            &json!({"to": "terminated", "reason": "事業の廃止"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let after_end = s.app.post(&s.so, &path, &json!({"to": "closed"})).await;
    let problem = assert_problem(after_end, 409, None).await;
    assert!(
        problem.get("allowed").is_none(),
        "a terminated engagement allows no move: {problem}"
    );

    let unknown = s.app.post(&s.so, &path, &json!({"to": "archived"})).await;
    assert_problem(unknown, 422, Some("to")).await;
    let moves: Value = s
        .app
        .get(&s.so, &format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s.app.count_rows("status_changes").await, 5, "{moves}");
}

#[tokio::test]
async fn a_closed_engagement_cannot_be_edited() {
    let s = setup().await;
    let e = s.app.engagement(&s.so, &s.so, "kumin", &s.vendor).await;
    let id = e["id"].as_str().unwrap();
    let res = s
        .app
        .post(
            &s.so,
            &format!("/api/v1/engagements/{id}/transitions"),
            &json!({"to": "terminated", "reason": "予算の不成立"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = s
        .app
        .patch(
            &s.so,
            &format!("/api/v1/engagements/{id}"),
            &json!({"title": "変更"}),
        )
        .await;
    assert_problem(res, 409, None).await;
}

#[tokio::test]
async fn patch_changes_only_what_is_sent_and_keeps_registration_fields_fixed() {
    let s = setup().await;
    let e = s.app.engagement(&s.so, &s.so, "kumin", &s.vendor).await;
    let path = format!("/api/v1/engagements/{}", e["id"].as_str().unwrap());
    let res = s
        .app
        .patch(
            &s.so,
            &path,
            &json!({"title": "証明書交付窓口業務委託", "ends_on": "2029-03-31"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["title"], "証明書交付窓口業務委託");
    assert_eq!(body["ends_on"], "2029-03-31");
    assert_eq!(body["scope"], e["scope"]);

    let res = s
        .app
        .patch(&s.so, &path, &json!({"kind": "cloud_service"}))
        .await;
    assert_problem(res, 422, Some("kind")).await;
    let res = s
        .app
        .patch(&s.so, &path, &json!({"ends_on": "2020-01-01"}))
        .await;
    assert_problem(res, 422, Some("ends_on")).await;
    let unchanged: Value = s.app.get(&s.so, &path).await.json().await.unwrap();
    assert_eq!(unchanged["ends_on"], "2029-03-31");
}

#[tokio::test]
async fn division_staff_see_and_change_only_their_own_divisions() {
    let s = setup().await;
    let e = s.app.engagement(&s.so, &s.so, "kumin", &s.vendor).await;
    let id = e["id"].as_str().unwrap();
    let other_so = s.app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let csirt = s.app.staff(&[Role::Csirt], &["kumin"]).await;
    let auditor = s.app.staff(&[Role::Auditor], &[]).await;
    let csm = s.app.staff(&[Role::ChiefSystemManager], &["joho"]).await;

    // Reading.
    assert_problem(
        s.app
            .get(&other_so, &format!("/api/v1/engagements/{id}"))
            .await,
        403,
        None,
    )
    .await;
    let list: Value = s
        .app
        .get(&other_so, "/api/v1/engagements")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    for who in [&csirt, &auditor, &csm] {
        assert_eq!(
            s.app
                .get(who, &format!("/api/v1/engagements/{id}"))
                .await
                .status(),
            200
        );
        let list: Value = s
            .app
            .get(who, "/api/v1/engagements")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1);
    }

    // Changing.
    let patch = json!({"title": "変更後"});
    for who in [&other_so, &csirt, &auditor] {
        let res = s
            .app
            .patch(who, &format!("/api/v1/engagements/{id}"), &patch)
            .await;
        assert_problem(res, 403, None).await;
    }
    assert_eq!(
        s.app
            .patch(&csm, &format!("/api/v1/engagements/{id}"), &patch)
            .await
            .status(),
        200
    );

    // Registering in another division.
    let body = outsourcing_body("kumin", &s.so.id, &s.vendor);
    assert_problem(
        s.app.post(&other_so, "/api/v1/engagements", &body).await,
        403,
        None,
    )
    .await;
    assert_problem(
        s.app.post(&auditor, "/api/v1/engagements", &body).await,
        403,
        None,
    )
    .await;
}

#[tokio::test]
async fn lists_page_and_filter() {
    let s = setup().await;
    let other_vendor = s.app.vendor(&s.so, "東京システム運用株式会社").await;
    for i in 0..7 {
        let vendor = if i % 2 == 0 { &s.vendor } else { &other_vendor };
        let mut body = outsourcing_body("kumin", &s.so.id, vendor);
        body["title"] = json!(format!("案件{i} 窓口業務"));
        assert_eq!(
            s.app
                .post(&s.so, "/api/v1/engagements", &body)
                .await
                .status(),
            201
        );
    }
    let page: Value = s
        .app
        .get(&s.so, "/api/v1/engagements?per_page=3&page=3")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 7);
    assert_eq!(page["page"], 3);
    assert_eq!(page["per_page"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    let by_vendor: Value = s
        .app
        .get(&s.so, &format!("/api/v1/engagements?vendor={other_vendor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_vendor["total"], 3);
    let by_text: Value = s
        .app
        .get(&s.so, "/api/v1/engagements?q=%E6%A1%88%E4%BB%B63")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_text["total"], 1, "q=案件3");
    let by_vendor_name: Value = s
        .app
        .get(
            &s.so,
            "/api/v1/engagements?q=%E6%9D%B1%E4%BA%AC%E3%82%B7%E3%82%B9%E3%83%86%E3%83%A0",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        by_vendor_name["total"], 3,
        "q=東京システム matches the vendor's name"
    );
    let by_status: Value = s
        .app
        .get(&s.so, "/api/v1/engagements?status=active")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_status["total"], 0);
    let by_kind: Value = s
        .app
        .get(&s.so, "/api/v1/engagements?kind=outsourcing&division=kumin")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_kind["total"], 7);
    let wildcard: Value = s
        .app
        .get(&s.so, "/api/v1/engagements?q=%25")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wildcard["total"], 0, "% is searched for literally");

    assert_problem(
        s.app.get(&s.so, "/api/v1/engagements?level=L4").await,
        422,
        Some("level"),
    )
    .await;
    assert_problem(
        s.app.get(&s.so, "/api/v1/engagements?per_page=1001").await,
        422,
        Some("per_page"),
    )
    .await;
    assert_problem(
        s.app.get(&s.so, "/api/v1/engagements?page=0").await,
        422,
        Some("page"),
    )
    .await;
    assert_problem(
        s.app
            .get(&s.so, "/api/v1/engagements?division=nowhere")
            .await,
        422,
        Some("division"),
    )
    .await;
    assert_problem(
        s.app.get(&s.so, "/api/v1/engagements?colour=red").await,
        400,
        Some("colour"),
    )
    .await;
}

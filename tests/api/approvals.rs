use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, outsourcing_body, spawn_app, TestApp, TestUser};

async fn engagement(app: &TestApp, so: &TestUser, kind: &str) -> String {
    let vendor = app.vendor(so, "株式会社みなとデータサービス").await;
    let mut body = outsourcing_body("kumin", &so.id, &vendor);
    body["kind"] = json!(kind);
    body["starts_on"] = json!("2026-04-01");
    body["ends_on"] = json!("2090-03-31");
    let res = app.post(so, "/api/v1/engagements", &body).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn item(
    app: &TestApp,
    so: &TestUser,
    id: &str,
    level: &str,
    provided: bool,
) -> reqwest::Response {
    app.post(
        so,
        &format!("/api/v1/engagements/{id}/information-items"),
        &json!({"name": "住民基本台帳データ", "level": level, "provided_to_vendor": provided}),
    )
    .await
}

async fn request(app: &TestApp, who: &TestUser, id: &str, rule: &str, subject: &str) -> Value {
    let res = app
        .post(
            who,
            &format!("/api/v1/engagements/{id}/approvals"),
            &json!({"rule_id": rule, "subject_id": subject, "note": "運用保守のため"}),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn decide(app: &TestApp, who: &TestUser, approval: &Value, body: Value) -> reqwest::Response {
    app.post(
        who,
        &format!(
            "/api/v1/approvals/{}/decision",
            approval["id"].as_str().unwrap()
        ),
        &body,
    )
    .await
}

#[tokio::test]
async fn r_2_6_a_requester_cannot_approve_their_own_request() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let colleague = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let elsewhere = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let id = engagement(&app, &so, "outsourcing").await;
    let item: Value = item(&app, &so, &id, "L3", false)
        .await
        .json()
        .await
        .unwrap();
    let approval = request(&app, &so, &id, "R-3.3.3", item["id"].as_str().unwrap()).await;
    assert_eq!(approval["approver_role"], "security_officer");
    assert_eq!(approval["state"], "pending");

    let own = assert_problem(
        decide(&app, &so, &approval, json!({"decision": "approved"})).await,
        403,
        None,
    )
    .await;
    assert!(own["detail"].as_str().unwrap().contains("R-2.6"), "{own}");
    assert_problem(
        decide(&app, &elsewhere, &approval, json!({"decision": "approved"})).await,
        403,
        None,
    )
    .await;

    let res = decide(
        &app,
        &colleague,
        &approval,
        json!({"decision": "approved", "reason": "必要最小限の提供"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let decided: Value = res.json().await.unwrap();
    assert_eq!(decided["state"], "approved");
    assert_eq!(decided["decided_by"], colleague.id.as_str());
    assert_problem(
        decide(
            &app,
            &colleague,
            &approval,
            json!({"decision": "rejected", "reason": "x"}),
        )
        .await,
        409,
        None,
    )
    .await;

    let pending: Value = app
        .get(&colleague, "/api/v1/approvals?state=pending")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending.as_array().unwrap().len(), 0);
    let approved: Value = app
        .get(&colleague, "/api/v1/approvals?state=approved")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn r_2_6_a_division_head_who_is_the_only_officer_is_routed_to_the_chief_system_manager() {
    let app = spawn_app().await;
    let head = app
        .staff(
            &[Role::SecurityOfficer, Role::SystemAdministrator],
            &["kumin"],
        )
        .await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let id = engagement(&app, &head, "outsourcing").await;
    let item: Value = item(&app, &head, &id, "L2", false)
        .await
        .json()
        .await
        .unwrap();
    let approval = request(&app, &head, &id, "R-3.3.3", item["id"].as_str().unwrap()).await;
    assert_eq!(approval["approver_role"], "chief_system_manager");
    assert_problem(
        decide(&app, &head, &approval, json!({"decision": "approved"})).await,
        403,
        None,
    )
    .await;
    let rejected = decide(&app, &csm, &approval, json!({"decision": "rejected"})).await;
    assert_problem(rejected, 422, Some("reason")).await;
    assert_eq!(
        decide(&app, &csm, &approval, json!({"decision": "approved"}))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn r_3_3_3_providing_l2_or_l3_information_needs_an_approval_first() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let colleague = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let id = engagement(&app, &so, "outsourcing").await;
    // Bring it to active with nothing provided yet: the information is identified
    // none of it handed over.
    assert_eq!(
        app.post(
            &so,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "業務手順書", "level": "L1", "provided_to_vendor": false}),
        )
        .await
        .status(),
        201
    );
    for to in ["selected"] {
        assert_eq!(
            app.post(
                &so,
                &format!("/api/v1/engagements/{id}/transitions"),
                &json!({"to": to})
            )
            .await
            .status(),
            200
        );
    }
    let contract = json!({"reference_number": "1", "signed_on": "2026-03-01",
        "clause_ids": ["CL-01", "CL-02", "CL-03", "CL-04", "CL-12", "CL-13", "CL-14", "CL-15", "CL-16"]});
    assert_eq!(
        app.post(
            &so,
            &format!("/api/v1/engagements/{id}/contracts"),
            &contract
        )
        .await
        .status(),
        201
    );
    for to in ["contracted", "active"] {
        assert_eq!(
            app.post(
                &so,
                &format!("/api/v1/engagements/{id}/transitions"),
                &json!({"to": to})
            )
            .await
            .status(),
            200
        );
    }

    // While it runs, an L3 item cannot be handed over unapproved.
    let refused = assert_problem(item(&app, &so, &id, "L3", true).await, 409, None).await;
    assert_eq!(refused["missing"], json!(["R-3.3.3"]));
    assert_eq!(
        item(&app, &so, &id, "L1", true).await.status(),
        201,
        "L1 needs no approval"
    );
    let kept: Value = item(&app, &so, &id, "L3", false)
        .await
        .json()
        .await
        .unwrap();
    let item_path = format!(
        "/api/v1/engagements/{id}/information-items/{}",
        kept["id"].as_str().unwrap()
    );
    assert_problem(
        app.patch(&so, &item_path, &json!({"provided_to_vendor": true}))
            .await,
        409,
        None,
    )
    .await;

    let approval = request(&app, &so, &id, "R-3.3.3", kept["id"].as_str().unwrap()).await;
    assert_eq!(
        decide(&app, &colleague, &approval, json!({"decision": "approved"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.patch(&so, &item_path, &json!({"provided_to_vendor": true}))
            .await
            .status(),
        200
    );

    let obligations: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}/obligations"))
        .await
        .json()
        .await
        .unwrap();
    let approval_duty = obligations
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule_id"] == "R-3.3.3")
        .unwrap();
    assert_eq!(approval_duty["state"], "met");

    // A second request for the same approval is refused; L1 items need none.
    assert_problem(
        app.post(
            &so,
            &format!("/api/v1/engagements/{id}/approvals"),
            &json!({"rule_id": "R-3.3.3", "subject_id": kept["id"]}),
        )
        .await,
        409,
        None,
    )
    .await;
}

#[tokio::test]
async fn r_7_5_a_managers_system_is_approved_by_the_chief_system_manager_after_both_confirmations()
{
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let id = engagement(&app, &so, "designated_management").await;
    let res = app
        .post(&so, &format!("/api/v1/engagements/{id}/manager-assets"), &json!({"kind": "system", "name": "施設予約システム", "description": "指定管理者が自ら運用"}))
        .await;
    assert_eq!(res.status(), 201);
    let system: Value = res.json().await.unwrap();
    let obligations: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}/obligations"))
        .await
        .json()
        .await
        .unwrap();
    let duty = obligations
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule_id"] == "R-7.5")
        .unwrap()
        .clone();
    assert_eq!(duty["subject_name"], "施設予約システム");
    assert_eq!(duty["owner_role"], "chief_system_manager");

    let approval = request(&app, &so, &id, "R-7.5", system["id"].as_str().unwrap()).await;
    assert_eq!(approval["approver_role"], "chief_system_manager");
    assert_problem(
        decide(&app, &so, &approval, json!({"decision": "approved"})).await,
        403,
        None,
    )
    .await;
    let unconfirmed = decide(
        &app,
        &csm,
        &approval,
        json!({"decision": "approved", "confirmations": {"can_comply": true}}),
    )
    .await;
    let problem = assert_problem(
        unconfirmed,
        422,
        Some("confirmations.not_connected_to_ward_network"),
    )
    .await;
    // The refusal names the confirmation as the approver reads it, not by its key.
    let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("区の端末やネットワークに接続しないこと")
            && !message.contains("not_connected_to_ward_network"),
        "{problem}"
    );
    let res = decide(
        &app,
        &csm,
        &approval,
        json!({"decision": "approved", "confirmations": {"can_comply": true, "not_connected_to_ward_network": true}}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let decided: Value = res.json().await.unwrap();
    assert_eq!(
        decided["confirmations"]["not_connected_to_ward_network"],
        true
    );
    let obligations: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}/obligations"))
        .await
        .json()
        .await
        .unwrap();
    let duty = obligations
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule_id"] == "R-7.5")
        .unwrap()
        .clone();
    assert_eq!(duty["state"], "met");

    // Systems and assets belong to designated managements only.
    let other = engagement(&app, &so, "outsourcing").await;
    let res = app
        .post(
            &so,
            &format!("/api/v1/engagements/{other}/manager-assets"),
            &json!({"kind": "asset", "name": "PC"}),
        )
        .await;
    assert_problem(res, 422, Some("kind")).await;
    let wrong_rule = app
        .post(
            &so,
            &format!("/api/v1/engagements/{id}/approvals"),
            &json!({"rule_id": "R-7.6", "subject_id": system["id"]}),
        )
        .await;
    assert_problem(wrong_rule, 422, Some("subject_id")).await;
}

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, outsourcing_body, spawn_app};

fn rule_ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o["rule_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_cloud_service_rising_from_l1_to_l2_gets_section_9_at_once() {
    let app = spawn_app().await;
    let sa = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
    let vendor = app.vendor(&sa, "クラウドワークス株式会社").await;
    let mut body = outsourcing_body("kumin", &sa.id, &vendor);
    body["kind"] = json!("cloud_service");
    body["starts_on"] = json!("2026-04-01");
    body["cloud"] = json!({"service_name": "QueueNow", "data_location": "日本", "ismap": "none"});
    let res = app.post(&sa, "/api/v1/engagements", &body).await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let items = format!("/api/v1/engagements/{id}/information-items");
    let obligations = format!("/api/v1/engagements/{id}/obligations");

    let res = app
        .post(
            &sa,
            &items,
            &json!({"name": "公開情報", "level": "L1", "provided_to_vendor": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let list: Value = app.get(&sa, &obligations).await.json().await.unwrap();
    assert_eq!(rule_ids(&list), ["R-10.1", "R-10.2"]);
    assert_eq!(list[0]["owner_role"], "system_administrator");
    assert_eq!(list[0]["assignee_user_id"], sa.id.as_str());
    assert_eq!(
        list[0]["state"], "overdue",
        "selection was due on the start date"
    );

    let res = app
        .post(
            &sa,
            &items,
            &json!({"name": "窓口運営計画", "level": "L2", "provided_to_vendor": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let list: Value = app.get(&sa, &obligations).await.json().await.unwrap();
    assert_eq!(
        rule_ids(&list),
        ["R-9.1", "R-9.2", "R-9.3.1", "R-9.3.2", "R-9.3.3", "R-9.4.1", "R-9.4.2", "R-3.3.3"]
    );
    // The contract was not required before the rise: it is due from the day of the rise.
    let contract = &list[1];
    assert_eq!(contract["state"], "open");
    assert_eq!(
        contract["title_ja"],
        "取扱情報の特定と契約（守秘・遵守・違反時の措置）"
    );
    assert!(contract["due_on"].as_str().unwrap() > "2026-04-01");
    assert_eq!(list[7]["subject_name"], "窓口運営計画");
    assert_eq!(list[7]["owner_role"], "security_officer");
}

#[tokio::test]
async fn obligations_across_engagements_filter_by_state_role_and_division() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let other_so = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let vendor = app.vendor(&so, "株式会社みなと").await;
    let mut past = outsourcing_body("kumin", &so.id, &vendor);
    past["starts_on"] = json!("2025-04-01");
    past["ends_on"] = json!("2090-03-31");
    assert_eq!(
        app.post(&so, "/api/v1/engagements", &past).await.status(),
        201
    );
    let mut dm = outsourcing_body("hoken", &other_so.id, &vendor);
    dm["kind"] = json!("designated_management");
    dm["starts_on"] = json!("2090-04-01");
    dm["ends_on"] = json!("2091-03-31");
    assert_eq!(
        app.post(&other_so, "/api/v1/engagements", &dm)
            .await
            .status(),
        201
    );

    let all: Value = app
        .get(&ciso, "/api/v1/obligations?per_page=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 10);
    let overdue: Value = app
        .get(&ciso, "/api/v1/obligations?state=overdue")
        .await
        .json()
        .await
        .unwrap();
    // Selection, contract, measures and the first check of the 2025 engagement are late.
    assert_eq!(
        rule_ids(&overdue["items"]),
        ["R-8.1", "R-8.2", "R-8.3.1", "R-8.3.2"]
    );
    let inspections: Value = app
        .get(&ciso, "/api/v1/obligations?role=ciso")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rule_ids(&inspections["items"]), ["R-7.4"]);
    let hoken: Value = app
        .get(&ciso, "/api/v1/obligations?division=hoken")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hoken["total"], 4);
    let mine: Value = app
        .get(&so, "/api/v1/obligations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        mine["total"], 6,
        "a security officer sees only their division's"
    );
    let assigned: Value = app
        .get(
            &ciso,
            &format!("/api/v1/obligations?assignee={}", other_so.id),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(assigned["total"], 3, "R-7.4 goes to the CISO");

    assert_problem(
        app.get(&ciso, "/api/v1/obligations?state=late").await,
        422,
        Some("state"),
    )
    .await;
    assert_problem(
        app.get(&ciso, "/api/v1/obligations?role=mayor").await,
        422,
        Some("role"),
    )
    .await;
}

#[tokio::test]
async fn r_2_6_a_waiver_is_approved_by_a_second_person_never_by_who_owes_it() {
    let app = spawn_app().await;
    let head = app
        .staff(
            &[Role::SecurityOfficer, Role::ChiefSystemManager],
            &["kumin"],
        )
        .await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let vendor = app.vendor(&so, "株式会社みなと").await;
    let res = app
        .post(
            &so,
            "/api/v1/engagements",
            &outsourcing_body("kumin", &head.id, &vendor),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/engagements/{id}/obligations/waivers");
    let waiver =
        json!({"rule_id": "R-8.3.1", "reason": "作業は区の庁舎内で職員の監督下に限られるため"});

    assert_problem(
        app.post(&ciso, &path, &json!({"rule_id": "R-8.3.1"})).await,
        422,
        Some("reason"),
    )
    .await;
    assert_problem(
        app.post(&ciso, &path, &json!({"rule_id": "R-9.2", "reason": "x"}))
            .await,
        422,
        Some("rule_id"),
    )
    .await;

    // Asked for by a security officer of the division; pending, it waives nothing.
    let res = app.post(&so, &path, &waiver).await;
    assert_eq!(res.status(), 201);
    let asked: Value = res.json().await.unwrap();
    assert_eq!(asked["state"], "pending");
    let decision = format!("{path}/{}/decision", asked["id"].as_str().unwrap());

    // The person who owes it never approves it, whatever roles they hold.
    let own = assert_problem(
        app.post(&head, &decision, &json!({"decision": "approved"}))
            .await,
        403,
        None,
    )
    .await;
    assert!(own["detail"].as_str().unwrap().contains("R-2.6"), "{own}");
    assert_problem(
        app.post(&so, &decision, &json!({"decision": "approved"}))
            .await,
        403,
        None,
    )
    .await;

    let res = app
        .post(&ciso, &decision, &json!({"decision": "approved"}))
        .await;
    assert_eq!(res.status(), 200);
    let obligations: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}/obligations"))
        .await
        .json()
        .await
        .unwrap();
    let waived = obligations
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule_id"] == "R-8.3.1")
        .unwrap();
    assert_eq!(waived["state"], "waived");
    assert_eq!(waived["waiver"]["by_user_id"], ciso.id.as_str());
    assert_eq!(
        waived["waiver"]["reason"],
        "作業は区の庁舎内で職員の監督下に限られるため"
    );
    assert_problem(app.post(&ciso, &path, &waiver).await, 409, None).await;
    let list: Value = app
        .get(&so, "/api/v1/obligations?state=waived")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rule_ids(&list["items"]), ["R-8.3.1"]);
}

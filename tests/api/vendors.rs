use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, corporate_number, spawn_app, vendor_body};

#[tokio::test]
async fn a_vendor_is_registered_with_a_verified_corporate_number_and_contacts() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let body = json!({
        "legal_name": "株式会社みなとデータサービス",
        "corporate_number": "８０００-０２０１-３１０３２",
        "address": "東京都港区芝公園1-5-25",
        "contacts": [
            {"name": "山田 花子", "email": "Hanako@Vendor.Example", "phone": "03-1234-5678"},
            {"name": "佐藤 次郎", "email": "jiro@vendor.example"}
        ]
    });
    let res = app.post(&so, "/api/v1/vendors", &body).await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v["corporate_number"], "8000020131032",
        "normalised to 13 ASCII digits"
    );
    assert_eq!(v["contacts"][0]["email"], "Hanako@vendor.example");
    assert_eq!(v["contacts"][1]["phone"], Value::Null);

    let got: Value = app
        .get(
            &so,
            &format!("/api/v1/vendors/{}", v["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, v);

    // The same corporate number twice is a conflict, not a second vendor.
    assert_problem(app.post(&so, "/api/v1/vendors", &body).await, 409, None).await;
    assert_eq!(app.count_rows("vendors").await, 1);
}

#[tokio::test]
async fn invalid_vendor_fields_are_all_reported_and_nothing_is_written() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let body = json!({
        "legal_name": "",
        "corporate_number": "8000020131033",
        "address": "東京都港区",
        "contacts": [{"name": "山田", "email": "not-an-email", "phone": "call me"}]
    });
    let problem = assert_problem(app.post(&so, "/api/v1/vendors", &body).await, 422, None).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "legal_name",
            "corporate_number",
            "contacts[0].email",
            "contacts[0].phone"
        ]
    );
    let no_contacts = json!({"legal_name": "株式会社", "address": "港区", "contacts": []});
    assert_problem(
        app.post(&so, "/api/v1/vendors", &no_contacts).await,
        422,
        Some("contacts"),
    )
    .await;
    assert_eq!(app.count_rows("vendors").await, 0);
    assert_eq!(app.count_rows("vendor_contacts").await, 0);
}

#[tokio::test]
async fn vendors_are_searched_paged_and_updated() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let auditor = app.staff(&[Role::Auditor], &[]).await;
    for name in ["株式会社あおば", "株式会社いずみ", "東京クラウド株式会社"]
    {
        app.vendor(&so, name).await;
    }
    let page: Value = app
        .get(&so, "/api/v1/vendors?per_page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let found: Value = app
        .get(
            &so,
            "/api/v1/vendors?q=%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1, "q=クラウド");
    let id = found["items"][0]["id"].as_str().unwrap().to_string();

    let number = corporate_number(424242);
    let res = app
        .patch(
            &so,
            &format!("/api/v1/vendors/{id}"),
            &json!({"address": "東京都港区海岸1-2-3", "corporate_number": number}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["address"], "東京都港区海岸1-2-3");
    assert_eq!(v["corporate_number"], number.as_str());
    assert_eq!(v["legal_name"], "東京クラウド株式会社");
    assert_eq!(v["contacts"].as_array().unwrap().len(), 1);

    // A sole proprietor has no corporate number: null removes it.
    let res = app
        .patch(
            &so,
            &format!("/api/v1/vendors/{id}"),
            &json!({"corporate_number": null}),
        )
        .await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["corporate_number"], Value::Null);

    // Auditors read but never change.
    assert_eq!(
        app.get(&auditor, &format!("/api/v1/vendors/{id}"))
            .await
            .status(),
        200
    );
    assert_problem(
        app.post(&auditor, "/api/v1/vendors", &vendor_body("x"))
            .await,
        403,
        None,
    )
    .await;
    assert_problem(app.get(&so, "/api/v1/vendors/none").await, 404, None).await;
}

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn r_3_1_engagement_level_is_the_highest_item_and_follows_every_change() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&so, "株式会社みなとデータサービス").await;
    let e = app.engagement(&so, &so, "kumin", &vendor).await;
    let id = e["id"].as_str().unwrap();
    let items = format!("/api/v1/engagements/{id}/information-items");
    let level = |v: Value| v["level"].clone();

    let res = app
        .post(&so, &items, &json!({"name": "区報原稿", "description": "公表済み", "level": "L1", "provided_to_vendor": true}))
        .await;
    assert_eq!(res.status(), 201);
    let e1: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(level(e1), "L1");

    let res = app
        .post(
            &so,
            &items,
            &json!({"name": "住民基本台帳データ", "level": "L3", "provided_to_vendor": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let l3: Value = res.json().await.unwrap();
    assert_eq!(l3["description"], "");
    let e2: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(level(e2), "L3");

    // Lowering the only L3 item lowers the engagement.
    let item_path = format!("{items}/{}", l3["id"].as_str().unwrap());
    let res = app.patch(&so, &item_path, &json!({"level": "L2"})).await;
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["name"], "住民基本台帳データ");
    let e3: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(level(e3), "L2");
    let filtered: Value = app
        .get(&so, "/api/v1/engagements?level=L2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["total"], 1);

    assert_eq!(app.delete(&so, &item_path).await.status(), 204);
    let e4: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(level(e4), "L1");
    let list: Value = app.get(&so, &items).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_level_outside_l1_to_l3_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&so, "株式会社みなとデータサービス").await;
    let e = app.engagement(&so, &so, "kumin", &vendor).await;
    let items = format!(
        "/api/v1/engagements/{}/information-items",
        e["id"].as_str().unwrap()
    );
    for level in [json!("L4"), json!("secret"), json!("")] {
        let res = app
            .post(
                &so,
                &items,
                &json!({"name": "x", "level": level, "provided_to_vendor": false}),
            )
            .await;
        assert_problem(res, 422, Some("level")).await;
    }
    let res = app
        .post(
            &so,
            &items,
            &json!({"name": "x", "level": 3, "provided_to_vendor": false}),
        )
        .await;
    assert_problem(res, 400, Some("level")).await;
    let res = app
        .post(&so, &items, &json!({"name": "x", "level": "L2"}))
        .await;
    assert_problem(res, 422, Some("provided_to_vendor")).await;
    assert_eq!(app.count_rows("information_items").await, 0);
    let unknown = app
        .post(
            &so,
            "/api/v1/engagements/nope/information-items",
            &json!({"name": "x", "level": "L1", "provided_to_vendor": false}),
        )
        .await;
    assert_problem(unknown, 404, None).await;
}

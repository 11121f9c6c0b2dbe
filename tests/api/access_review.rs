//! R-5.5.3.6: the periodic access review.

use reqwest::Method;
use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn r_5_5_3_6_the_review_lists_every_account_and_flags_unused_ones() {
    let app = spawn_app_with(&[("stale_account_days", "30")]).await;
    let csm = app.staff(&[Role::ChiefSystemManager], &[]).await;
    let active = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let idle = app.staff(&[Role::SystemAdministrator], &["zaimu"]).await;
    app.enrol(&active).await;
    // One account created long ago and never used; one used recently.
    app.sql(format!(
        "UPDATE users SET created_at = '2020-01-01 00:00:00' WHERE id IN ('{}', '{}')",
        idle.id, active.id
    ))
    .await;

    let res = app.get(&csm, "/api/v1/access-review").await;
    assert_eq!(res.status(), 200);
    let review: Value = res.json().await.unwrap();
    assert_eq!(review["stale_after_days"], 30);
    assert_eq!(review["last_review"], Value::Null);
    let find = |id: &str| {
        review["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .cloned()
            .unwrap()
    };
    let idle_row = find(&idle.id);
    assert_eq!(idle_row["stale"], true);
    assert!(idle_row["unused_since"]
        .as_str()
        .unwrap()
        .starts_with("2020-01-01"));
    assert_eq!(idle_row["roles"], json!(["system_administrator"]));
    assert_eq!(idle_row["divisions"][0]["code"], "zaimu");
    // Every account has an API token in these tests: listed by name, never the secret.
    assert_eq!(idle_row["tokens"][0]["name"], "test");
    assert!(!idle_row.to_string().contains(&idle.token));
    let active_row = find(&active.id);
    assert_eq!(active_row["stale"], false);
    assert!(active_row["last_sign_in_at"].as_str().is_some());
    assert_eq!(active_row["second_factor"], true);
    assert_eq!(review["stale_count"], 1);
}

#[tokio::test]
async fn r_5_5_3_6_the_chief_system_manager_is_reminded_until_the_review_is_confirmed() {
    let app = spawn_app().await;
    let csm = app.staff(&[Role::ChiefSystemManager], &[]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let enrolled = app.enrol(&csm).await;

    // No review yet: due today, shown to ROLE-CSM on every GET /session.
    let me: Value = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["notices"][0]["code"], "access_review_due", "{me}");
    assert!(me["notices"][0]["message"]
        .as_str()
        .unwrap()
        .contains("R-5.5.3.6"));
    let so_me: Value = app.get(&so, "/api/v1/session").await.json().await.unwrap();
    assert_eq!(so_me["notices"], json!([]));

    // Only ROLE-CSM confirms.
    let res = app
        .post(&so, "/api/v1/access-review/confirmations", &json!({}))
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .with_session(
            Method::POST,
            "/api/v1/access-review/confirmations",
            &enrolled.session,
            Some(&json!({"note": "異動者2名の権限を削除済み"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let review: Value = res.json().await.unwrap();
    assert_eq!(review["last_review"]["confirmed_by"], csm.id.as_str());
    assert_eq!(review["last_review"]["note"], "異動者2名の権限を削除済み");
    assert_eq!(review["overdue"], false);
    let me: Value = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["notices"], json!([]));

    // The confirmation is in the audit log with the list as it stood.
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let log: Value = app
        .get(&aud, "/api/v1/audit-log?action=access_review.confirm")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["total"], 1);
    let users = log["items"][0]["after"]["users"].as_array().unwrap();
    assert!(users.iter().any(|u| u["id"] == so.id.as_str()));

    // An interval later it is due again: age the review behind the service's back.
    app.sql("UPDATE access_reviews SET confirmed_at = '2020-01-01 00:00:00'".into())
        .await;
    let me: Value = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["notices"][0]["code"], "access_review_overdue", "{me}");
}

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn the_chief_system_manager_registers_divisions_and_users() {
    let app = spawn_app().await;
    let csm = app
        .staff(&[Role::ChiefSystemManager], &["joho-seisaku"])
        .await;
    let res = app
        .post(
            &csm,
            "/api/v1/divisions",
            &json!({"code": "kumin", "name": "区民課"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_problem(
        app.post(
            &csm,
            "/api/v1/divisions",
            &json!({"code": "kumin", "name": "区民課"}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.post(
            &csm,
            "/api/v1/divisions",
            &json!({"code": "区民課", "name": "x"}),
        )
        .await,
        422,
        Some("code"),
    )
    .await;

    let res = app
        .post(&csm, "/api/v1/users", &json!({"email": "akasaka@city.minato.example", "display_name": "赤坂 花子", "roles": ["security_officer"], "divisions": ["kumin"]}))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let password = created["one_time_password"].as_str().unwrap();
    assert_eq!(password.len(), 20);
    assert_eq!(
        created["user"]["divisions"],
        json!([{"code": "kumin", "name": "区民課"}])
    );

    // The new user signs in with the one-time password.
    let res = app.sign_in("akasaka@city.minato.example", password).await;
    assert_eq!(res.status(), 200);

    let list: Value = app
        .get(&csm, "/api/v1/users?division=kumin&role=security_officer")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let divisions: Value = app
        .get(&csm, "/api/v1/divisions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(divisions.as_array().unwrap().len(), 2);

    let dup = app
        .post(&csm, "/api/v1/users", &json!({"email": "akasaka@city.minato.example", "display_name": "x", "roles": ["auditor"]}))
        .await;
    assert_problem(dup, 409, None).await;
    let bad = app
        .post(&csm, "/api/v1/users", &json!({"email": "x", "display_name": "x", "roles": ["mayor"], "divisions": ["nowhere"]}))
        .await;
    let problem = assert_problem(bad, 422, Some("email")).await;
    assert!(problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == "roles[0]"));
    let unknown_division = app
        .post(&csm, "/api/v1/users", &json!({"email": "y@city.minato.example", "display_name": "y", "roles": ["auditor"], "divisions": ["nowhere"]}))
        .await;
    assert_problem(unknown_division, 422, Some("divisions")).await;
    assert_eq!(app.count_rows("users").await, 2);
}

#[tokio::test]
async fn only_administrators_register_users_and_divisions() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let auditor = app.staff(&[Role::Auditor], &[]).await;
    for who in [&so, &auditor] {
        assert_problem(
            app.post(who, "/api/v1/divisions", &json!({"code": "x", "name": "x"}))
                .await,
            403,
            None,
        )
        .await;
        let res = app
            .post(
                who,
                "/api/v1/users",
                &json!({"email": "z@city.minato.example", "display_name": "z", "roles": ["ciso"]}),
            )
            .await;
        assert_problem(res, 403, None).await;
    }
    let me: Value = app
        .get(&so, &format!("/api/v1/users/{}", so.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["roles"], json!(["security_officer"]));
}

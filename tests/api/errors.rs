//! Bad input gets a 4xx problem+json that names the field, and nothing is written.

use serde_json::json;

use itaku::domain::Role;

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, vendor_body};

#[tokio::test]
async fn malformed_json_is_a_400_and_writes_nothing() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let res = app
        .client
        .post(app.url("/api/v1/vendors"))
        .bearer_auth(&so.token)
        .header("content-type", "application/json")
        .body(r#"{"legal_name": "株式会社"#)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 400, Some("")).await;
    assert_eq!(problem["errors"][0]["code"], "syntax");
    assert_eq!(app.count_rows("vendors").await, 0);
}

#[tokio::test]
async fn wrong_types_and_unknown_fields_name_the_field_path() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let mut body = vendor_body("株式会社みなと");
    body["contacts"][0]["email"] = json!(42);
    let problem = assert_problem(
        app.post(&so, "/api/v1/vendors", &body).await,
        400,
        Some("contacts[0].email"),
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "type");

    let mut body = vendor_body("株式会社みなと");
    body["colour"] = json!("blue");
    let problem = assert_problem(
        app.post(&so, "/api/v1/vendors", &body).await,
        400,
        Some("colour"),
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
    assert_eq!(app.count_rows("vendors").await, 0);
    assert_eq!(app.count_rows("vendor_contacts").await, 0);
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let app = spawn_app_with(&[("max_body_bytes", "2048")]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let mut body = vendor_body("株式会社みなと");
    body["address"] = json!("港".repeat(3000));
    assert_problem(app.post(&so, "/api/v1/vendors", &body).await, 413, None).await;

    // Without a Content-Length the limit holds too (a chunked body is counted as it comes).
    let chunks: Vec<Result<String, std::io::Error>> =
        (0..10).map(|_| Ok("x".repeat(500))).collect();
    let res = app
        .client
        .post(app.url("/api/v1/vendors"))
        .bearer_auth(&so.token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, None).await;
    assert_eq!(app.count_rows("vendors").await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let res = app
        .client
        .post(app.url("/api/v1/vendors"))
        .bearer_auth(&so.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("legal_name=x")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, None).await;
}

#[tokio::test]
async fn messages_are_japanese_unless_english_is_asked_for() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let mut body = vendor_body("株式会社みなと");
    body["corporate_number"] = json!("1234567890123");
    let ja = assert_problem(
        app.post(&so, "/api/v1/vendors", &body).await,
        422,
        Some("corporate_number"),
    )
    .await;
    assert_eq!(ja["title"], "入力内容に誤りがあります");
    assert!(ja["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("チェックデジット"));

    let res = app
        .client
        .post(app.url("/api/v1/vendors"))
        .bearer_auth(&so.token)
        .header("accept-language", "en-US,en;q=0.9")
        .json(&body)
        .send()
        .await
        .unwrap();
    let en = assert_problem(res, 422, Some("corporate_number")).await;
    assert_eq!(en["title"], "Some fields are not valid");
    assert!(en["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("check digit"));
}

/// PostgreSQL cannot store U+0000: a NUL that reached SQL used to answer 500 there. Every
/// place a string enters (query, path, body, even the unauthenticated sign-in) answers 400
/// naming the field, and nothing is written.
#[tokio::test]
async fn a_nul_character_anywhere_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&so, "株式会社みなと").await;
    let engagements_before = app.count_rows("engagements").await;

    for (path, field) in [
        ("/api/v1/engagements?q=%E4%BF%9D%00", "q"),
        ("/api/v1/engagements?vendor=%00", "vendor"),
        ("/api/v1/vendors?q=a%00", "q"),
        ("/api/v1/users?division=%00", "division"),
        ("/api/v1/engagements/abc%00def", "path"),
        ("/api/v1/vendors/%00", "path"),
        ("/api/v1/audit-log?action=a%00", "action"),
    ] {
        let res = app.get(&so, path).await;
        let problem = assert_problem(res, 400, Some(field)).await;
        assert_eq!(problem["errors"][0]["code"], "control_character", "{path}");
    }

    let mut body = crate::helpers::outsourcing_body("kumin", &so.id, &vendor);
    body["vendor_id"] = json!(format!("{vendor}\u{0}"));
    let problem = assert_problem(
        app.post(&so, "/api/v1/engagements", &body).await,
        400,
        Some("vendor_id"),
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "control_character");
    let mut body = vendor_body("株式会社しば");
    body["contacts"][0]["name"] = json!("山田\u{0}");
    assert_problem(
        app.post(&so, "/api/v1/vendors", &body).await,
        400,
        Some("contacts[0].name"),
    )
    .await;
    assert_eq!(app.count_rows("engagements").await, engagements_before);
    assert_eq!(app.count_rows("vendors").await, 1);

    // Before sign-in: the email of a sign-in attempt.
    let res = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": "a\u{0}@city.example", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, Some("email")).await;
}

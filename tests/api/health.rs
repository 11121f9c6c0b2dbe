use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_without_sign_in() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/divisions",
        "/api/v1/users",
        "/api/v1/vendors",
        "/api/v1/vendors/{id}",
        "/api/v1/engagements",
        "/api/v1/engagements/{id}",
        "/api/v1/engagements/{id}/information-items",
        "/api/v1/engagements/{id}/transitions",
        "/api/v1/session",
        "/api/v1/engagements/{id}/obligations",
        "/api/v1/obligations",
        "/api/v1/engagements/{id}/obligations/waivers",
        "/api/v1/engagements/{id}/clauses",
        "/api/v1/engagements/{id}/contracts",
        "/api/v1/engagements/{id}/approvals",
        "/api/v1/approvals",
        "/api/v1/approvals/{id}/decision",
        "/api/v1/engagements/{id}/manager-assets",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["EngagementResponse"].is_object());
}

#[tokio::test]
async fn unknown_url_is_a_problem_404() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(res, 404, None).await;
}

/// Monitoring tools probe with `HEAD`: it answers wherever `GET` does, with no body.
/// A known path asked with a method it does not take is a 405 naming those it does.
#[tokio::test]
async fn head_works_wherever_get_does_and_other_methods_get_405_with_allow() {
    let app = spawn_app().await;
    let so = app
        .staff(&[itaku::domain::Role::SecurityOfficer], &["kumin"])
        .await;
    let res = app.client.head(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().is_empty());
    let res = app
        .client
        .head(app.url("/api/v1/engagements"))
        .bearer_auth(&so.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().is_empty());

    for (method, path, allow) in [
        (
            reqwest::Method::DELETE,
            "/api/v1/engagements",
            "GET, POST, HEAD",
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/engagements/abc",
            "GET, PATCH, HEAD",
        ),
        (reqwest::Method::POST, "/healthz", "GET, HEAD"),
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&so.token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()
                .get("allow")
                .map(|v| v.to_str().unwrap().to_string()),
            Some(allow.to_string()),
            "{method} {path}"
        );
        crate::helpers::assert_problem(res, 405, None).await;
    }
    // An unknown path stays a 404.
    let res = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// Who is calling is settled before the body is read: a bad token with a body that is
/// not JSON, or not valid JSON, is a 401, not a 415 or 400.
#[tokio::test]
async fn an_invalid_token_is_a_401_before_the_body_is_read() {
    let app = spawn_app().await;
    for (content_type, body) in [
        ("text/plain", "x"),
        ("application/json", "{not json"),
        ("application/json", "{\"unknown\": 1}"),
    ] {
        let res = app
            .client
            .post(app.url("/api/v1/vendors"))
            .bearer_auth("itk_not-a-token")
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        crate::helpers::assert_problem(res, 401, None).await;
        // No credential at all: the same.
        let res = app
            .client
            .post(app.url("/api/v1/vendors"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        crate::helpers::assert_problem(res, 401, None).await;
    }
}

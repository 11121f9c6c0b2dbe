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

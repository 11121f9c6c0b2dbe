use reqwest::header::SET_COOKIE;
use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn api_routes_need_a_signed_in_user() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/engagements",
        "/api/v1/vendors",
        "/api/v1/divisions",
        "/api/v1/users",
        "/api/v1/session",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"itaku\"");
        assert_problem(res, 401, None).await;
    }
    let res = app
        .client
        .get(app.url("/api/v1/engagements"))
        .bearer_auth("itk_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, None).await;
    let res = app
        .client
        .get(app.url("/api/v1/engagements"))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, None).await;
}

#[tokio::test]
async fn sign_in_sets_an_http_only_cookie_that_works_until_sign_out() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let res = app.sign_in(&user.email, &user.password).await;
    assert_eq!(res.status(), 200);
    let set_cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("itaku_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], user.email);
    assert_eq!(body["user"]["roles"], json!(["security_officer"]));
    assert_eq!(body["user"]["divisions"][0]["code"], "kumin");

    // The address is matched as registered, whatever the case of its domain.
    let shouted = user
        .email
        .replace("city.minato.example", "City.Minato.EXAMPLE");
    let res = app.sign_in(&shouted, &user.password).await;
    assert_eq!(res.status(), 200);

    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let me = app
        .with_cookie(reqwest::Method::GET, "/api/v1/session", &cookie)
        .await;
    assert_eq!(me.status(), 200);

    let out = app
        .with_cookie(reqwest::Method::DELETE, "/api/v1/session", &cookie)
        .await;
    assert_eq!(out.status(), 204);
    // The session is revoked on the server, not only forgotten by the browser.
    let after = app
        .with_cookie(reqwest::Method::GET, "/api/v1/engagements", &cookie)
        .await;
    assert_problem(after, 401, None).await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let wrong = app.sign_in(&user.email, "wrong password").await;
    let a = assert_problem(wrong, 401, None).await;
    let unknown = app.sign_in("nobody@city.minato.example", "x").await;
    let b = assert_problem(unknown, 401, None).await;
    assert_eq!(a, b);
    assert_eq!(
        a["detail"],
        "メールアドレスまたはパスワードが正しくありません"
    );
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app = crate::helpers::spawn_app_with(&[("session_idle_minutes", "1")]).await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let res = app.sign_in(&user.email, &user.password).await;
    let cookie = res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // Age the session behind the service's back instead of sleeping for a minute.
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use itaku::db::schema::sessions;
        let mut conn = pool.get().unwrap();
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(2);
        diesel::update(sessions::table)
            .set(sessions::last_seen_at.eq(past))
            .execute(&mut conn)
            .unwrap();
    })
    .await
    .unwrap();
    let res = app
        .with_cookie(reqwest::Method::GET, "/api/v1/session", &cookie)
        .await;
    assert_problem(res, 401, None).await;
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out_at_once() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    assert_eq!(app.get(&user, "/api/v1/engagements").await.status(), 200);
    let pool = app.pool.clone();
    let id = user.id.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use itaku::db::schema::users;
        let mut conn = pool.get().unwrap();
        diesel::update(users::table.find(id))
            .set(users::active.eq(false))
            .execute(&mut conn)
            .unwrap();
    })
    .await
    .unwrap();
    assert_problem(app.get(&user, "/api/v1/engagements").await, 401, None).await;
}

//! Signing in (R-5.5.3.2 multi-factor, R-4.1.4.3 passwords), sessions and their end
//! (R-5.5.3.4), throttling, CSRF.

use reqwest::header::SET_COOKIE;
use reqwest::Method;
use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{
    assert_problem, cookie_of, current_step, spawn_app, spawn_app_with, totp, wrong_code, Session,
    NEW_PASSWORD,
};

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
async fn r_5_5_3_2_first_sign_in_replaces_the_password_and_sets_up_totp() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;

    // Password: the cookie is HttpOnly and SameSite, but the session is not signed in yet.
    let res = app.sign_in(&user.email, &user.password).await;
    assert_eq!(res.status(), 200);
    let set_cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    let first = Session {
        cookie: cookie_of(&res),
        csrf: String::new(),
    };
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["stage"], "change_password");
    assert_eq!(body["user"], Value::Null);
    let first = Session {
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
        ..first
    };
    // Half signed in reaches nothing else.
    let res = app
        .with_session(Method::GET, "/api/v1/engagements", &first, None)
        .await;
    assert_problem(res, 401, None).await;
    let res = app
        .with_session(Method::POST, "/api/v1/session/enrolment", &first, None)
        .await;
    let conflict = assert_problem(res, 409, None).await;
    assert_eq!(conflict["allowed"], json!(["enrol", "complete"]));

    // R-4.1.4.3: the one-time password is replaced by the person's own.
    let (status, body, second) = app
        .step(
            "/api/v1/session/password",
            Some(&first),
            &json!({"new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("enrol")),
        "{body}"
    );
    let second = second.unwrap();
    assert_ne!(second.cookie, first.cookie, "each step gets a new session");
    assert_ne!(second.csrf, first.csrf);
    let res = app
        .with_session(Method::GET, "/api/v1/session", &first, None)
        .await;
    assert_problem(res, 401, None).await;

    // Enrolment: an otpauth:// URI and its QR code.
    let res = app
        .with_session(Method::POST, "/api/v1/session/enrolment", &second, None)
        .await;
    assert_eq!(res.status(), 200);
    let enrolment: Value = res.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap();
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("issuer=Itaku%20%E6%B8%AF%E5%8C%BA"), "{uri}");
    let svg = enrolment["qr_svg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.ends_with("</svg>"));

    // A wrong code is refused; the right one completes sign-in with ten recovery codes.
    let wrong = wrong_code(secret);
    let (status, body, _) = app
        .step(
            "/api/v1/session/enrolment/confirm",
            Some(&second),
            &json!({"code": wrong}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "code");
    let (status, body, third) = app
        .step(
            "/api/v1/session/enrolment/confirm",
            Some(&second),
            &json!({"code": totp(secret, current_step())}),
        )
        .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("complete")),
        "{body}"
    );
    let codes = body["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(body["user"]["email"], user.email);
    assert_eq!(body["user"]["second_factor"], true);
    let third = third.unwrap();

    let me = app
        .with_session(Method::GET, "/api/v1/session", &third, None)
        .await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["csrf_token"], third.csrf.as_str());
    assert_eq!(me["user"]["roles"], json!(["security_officer"]));

    let out = app
        .with_session(Method::DELETE, "/api/v1/session", &third, None)
        .await;
    assert_eq!(out.status(), 204);
    // The session is revoked on the server, not only forgotten by the browser.
    let after = app
        .with_session(Method::GET, "/api/v1/engagements", &third, None)
        .await;
    assert_problem(after, 401, None).await;
}

#[tokio::test]
async fn r_5_5_3_2_sign_in_asks_for_the_second_factor_after_the_password() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let enrolled = app.enrol(&user).await;

    // The address is matched as registered, whatever the case of its domain.
    let shouted = user
        .email
        .replace("city.minato.example", "City.Minato.EXAMPLE");
    let (status, body, pending) = app
        .step(
            "/api/v1/session",
            None,
            &json!({"email": shouted, "password": enrolled.password}),
        )
        .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("second_factor")),
        "{body}"
    );
    let pending = pending.unwrap();
    let res = app
        .with_session(Method::GET, "/api/v1/session", &pending, None)
        .await;
    assert_problem(res, 401, None).await;

    // The code used at enrolment is spent: the same step is refused (no replay), the next
    // one (within the one-step drift allowed) is accepted once.
    let used = totp(&enrolled.secret, enrolled.step);
    let (status, _, _) = app
        .step(
            "/api/v1/session/second-factor",
            Some(&pending),
            &json!({"code": used}),
        )
        .await;
    assert_eq!(status, 422);
    let next = totp(&enrolled.secret, enrolled.step + 1);
    let (status, body, complete) = app
        .step(
            "/api/v1/session/second-factor",
            Some(&pending),
            &json!({"code": next}),
        )
        .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("complete")),
        "{body}"
    );
    let complete = complete.unwrap();
    assert_eq!(
        app.with_session(Method::GET, "/api/v1/engagements", &complete, None)
            .await
            .status(),
        200
    );
    // The pending session was replaced, not upgraded.
    let res = app
        .with_session(
            Method::POST,
            "/api/v1/session/second-factor",
            &pending,
            Some(&json!({"code": next})),
        )
        .await;
    assert_problem(res, 401, None).await;
}

#[tokio::test]
async fn r_5_5_3_2_a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let enrolled = app.enrol(&user).await;
    let code = enrolled.recovery_codes[3].clone();
    for attempt in 0..2 {
        let (_, body, pending) = app
            .step(
                "/api/v1/session",
                None,
                &json!({"email": user.email, "password": enrolled.password}),
            )
            .await;
        assert_eq!(body["stage"], "second_factor");
        // Typed loosely: upper case, spaces instead of hyphens.
        let typed = code.to_uppercase().replace('-', " ");
        let (status, body, _) = app
            .step(
                "/api/v1/session/second-factor",
                pending.as_ref(),
                &json!({"code": typed}),
            )
            .await;
        if attempt == 0 {
            assert_eq!(
                (status, body["stage"].as_str()),
                (200, Some("complete")),
                "{body}"
            );
        } else {
            assert_eq!(status, 422, "a recovery code works once: {body}");
        }
    }
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
async fn failed_sign_ins_throttle_the_account_with_retry_after() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    for _ in 0..5 {
        assert_eq!(
            app.sign_in(&user.email, "guess-guess-guess").await.status(),
            401
        );
    }
    // Now even the right password waits: guessing cannot go on.
    let res = app.sign_in(&user.email, &user.password).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let body = assert_problem(res, 429, None).await;
    assert_eq!(body["type"], "urn:itaku:problem:too-many-requests");
    // Another account from the same address is not affected (below its own limit).
    let other = app.staff(&[Role::Auditor], &[]).await;
    assert_eq!(
        app.sign_in(&other.email, &other.password).await.status(),
        200
    );

    // The throttle lifts when the failures leave the window.
    app.sql("UPDATE sign_in_failures SET failed_at = '2000-01-01 00:00:00'".into())
        .await;
    assert_eq!(app.sign_in(&user.email, &user.password).await.status(), 200);
}

#[tokio::test]
async fn failed_sign_ins_throttle_the_address_across_accounts() {
    let app = spawn_app_with(&[("sign_in_max_failures_per_address", "3")]).await;
    for i in 0..3 {
        let email = format!("spray{i}@city.minato.example");
        assert_eq!(app.sign_in(&email, "Password1").await.status(), 401);
    }
    let user = app.staff(&[Role::Auditor], &[]).await;
    let res = app.sign_in(&user.email, &user.password).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, None).await;
}

#[tokio::test]
async fn wrong_second_factor_codes_count_towards_the_throttle() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let enrolled = app.enrol(&user).await;
    let (_, _, pending) = app
        .step(
            "/api/v1/session",
            None,
            &json!({"email": user.email, "password": enrolled.password}),
        )
        .await;
    let pending = pending.unwrap();
    for _ in 0..5 {
        let (status, _, _) = app
            .step(
                "/api/v1/session/second-factor",
                Some(&pending),
                &json!({"code": wrong_code(&enrolled.secret)}),
            )
            .await;
        assert!(status == 422, "{status}");
    }
    let (status, _, _) = app
        .step(
            "/api/v1/session/second-factor",
            Some(&pending),
            &json!({"code": totp(&enrolled.secret, enrolled.step + 1)}),
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn r_4_1_4_3_weak_passwords_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let (_, _, session) = app
        .step(
            "/api/v1/session",
            None,
            &json!({"email": user.email, "password": user.password}),
        )
        .await;
    let session = session.unwrap();
    for (password, code) in [
        ("short", "too_short"),
        ("password1234", "common"),
        (user.email.as_str(), "same_as_email"),
        ("aaaaaaaaaaaaaa", "trivial"),
        (user.password.as_str(), "reused"),
    ] {
        let res = app
            .with_session(
                Method::POST,
                "/api/v1/session/password",
                &session,
                Some(&json!({"new_password": password})),
            )
            .await;
        let body = assert_problem(res, 422, Some("new_password")).await;
        assert_eq!(body["errors"][0]["code"], code, "{password}: {body}");
    }
    // Nothing was changed: the one-time password still works.
    assert_eq!(app.sign_in(&user.email, &user.password).await.status(), 200);
}

#[tokio::test]
async fn changing_the_password_later_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app_with(&[("mfa_required", "false")]).await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let (_, _, s) = app
        .step(
            "/api/v1/session",
            None,
            &json!({"email": user.email, "password": user.password}),
        )
        .await;
    // With enrolment optional, the password change completes sign-in.
    let (status, body, complete) = app
        .step(
            "/api/v1/session/password",
            s.as_ref(),
            &json!({"new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("complete")),
        "{body}"
    );
    let complete = complete.unwrap();
    let (_, _, other) = app
        .step(
            "/api/v1/session",
            None,
            &json!({"email": user.email, "password": NEW_PASSWORD}),
        )
        .await;
    let other = other.unwrap();

    let res = app
        .with_session(
            Method::POST,
            "/api/v1/session/password",
            &complete,
            Some(&json!({"new_password": "別の長いパスフレーズ2028"})),
        )
        .await;
    assert_problem(res, 422, Some("current_password")).await;
    let (status, _, _) = app
        .step(
            "/api/v1/session/password",
            Some(&complete),
            &json!({"current_password": NEW_PASSWORD, "new_password": "別の長いパスフレーズ2028"}),
        )
        .await;
    assert_eq!(status, 200);
    let res = app
        .with_session(Method::GET, "/api/v1/session", &other, None)
        .await;
    assert_problem(res, 401, None).await;
}

#[tokio::test]
async fn csrf_a_cookie_signed_change_needs_the_sessions_token() {
    let app = spawn_app().await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["somu"]).await;
    let enrolled = app.enrol(&csm).await;
    let body = json!({"code": "kikaku", "name": "企画課"});
    let before = app.count_rows("divisions").await;

    // No token, a wrong token, another session's token: refused, nothing written.
    let no_token = app
        .client
        .post(app.url("/api/v1/divisions"))
        .header("Cookie", &enrolled.session.cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(no_token, 403, None).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("CSRF"),
        "{problem}"
    );
    let forged = Session {
        cookie: enrolled.session.cookie.clone(),
        csrf: "00".repeat(32),
    };
    let res = app
        .with_session(Method::POST, "/api/v1/divisions", &forged, Some(&body))
        .await;
    assert_problem(res, 403, None).await;
    // A request another site's page makes the browser send.
    let res = app
        .client
        .post(app.url("/api/v1/divisions"))
        .header("Cookie", &enrolled.session.cookie)
        .header("X-CSRF-Token", &enrolled.session.csrf)
        .header("Origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, None).await;
    assert_eq!(app.count_rows("divisions").await, before);

    // Reads need no token; the right token (and same origin) is accepted.
    assert_eq!(
        app.client
            .get(app.url("/api/v1/divisions"))
            .header("Cookie", &enrolled.session.cookie)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = app
        .client
        .post(app.url("/api/v1/divisions"))
        .header("Cookie", &enrolled.session.cookie)
        .header("X-CSRF-Token", &enrolled.session.csrf)
        .header("Origin", app.address.as_str())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // A bearer token is not sent by browsers on their own: no CSRF token needed.
    let res = app
        .post(
            &csm,
            "/api/v1/divisions",
            &json!({"code": "zaimu", "name": "財務課"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // Sign-out is a change too.
    let res = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("Cookie", &enrolled.session.cookie)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, None).await;
}

#[tokio::test]
async fn secure_cookies_over_https_and_security_headers_everywhere() {
    let app = spawn_app_with(&[("public_base_url", "https://itaku.city.minato.example")]).await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let res = app.sign_in(&user.email, &user.password).await;
    let set_cookie = res.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    for res in [
        res,
        app.client.get(app.url("/healthz")).send().await.unwrap(),
        app.client
            .get(app.url("/api/v1/nothing"))
            .send()
            .await
            .unwrap(),
    ] {
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
    }
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app = spawn_app_with(&[("session_idle_minutes", "1")]).await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let enrolled = app.enrol(&user).await;
    // Age the session behind the service's back instead of sleeping for a minute.
    let past =
        (chrono::Utc::now().naive_utc() - chrono::Duration::minutes(2)).format("%Y-%m-%d %H:%M:%S");
    app.sql(format!("UPDATE sessions SET last_seen_at = '{past}'"))
        .await;
    let res = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await;
    assert_problem(res, 401, None).await;
}

#[tokio::test]
async fn sessions_end_at_their_absolute_expiry_even_when_used() {
    let app = spawn_app().await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let enrolled = app.enrol(&user).await;
    app.sql("UPDATE sessions SET expires_at = '2000-01-01 00:00:00'".into())
        .await;
    let res = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await;
    assert_problem(res, 401, None).await;
}

#[tokio::test]
async fn r_5_5_3_4_deactivation_ends_sessions_and_tokens_at_once() {
    let app = spawn_app().await;
    let csm = app.staff(&[Role::ChiefSystemManager], &[]).await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let enrolled = app.enrol(&user).await;
    assert_eq!(app.get(&user, "/api/v1/engagements").await.status(), 200);

    let res = app
        .patch(
            &csm,
            &format!("/api/v1/users/{}", csm.id),
            &json!({"active": false}),
        )
        .await;
    assert_problem(res, 422, Some("active")).await;
    let res = app
        .patch(
            &user,
            &format!("/api/v1/users/{}", csm.id),
            &json!({"active": false}),
        )
        .await;
    assert_problem(res, 403, None).await;

    let res = app
        .patch(
            &csm,
            &format!("/api/v1/users/{}", user.id),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["active"], false);
    assert_problem(app.get(&user, "/api/v1/engagements").await, 401, None).await;
    let res = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await;
    assert_problem(res, 401, None).await;
    assert_problem(
        app.sign_in(&user.email, &enrolled.password).await,
        401,
        None,
    )
    .await;
}

#[tokio::test]
async fn r_5_5_3_2_the_chief_system_manager_resets_a_lost_second_factor() {
    let app = spawn_app().await;
    let csm = app.staff(&[Role::ChiefSystemManager], &[]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let user = app.staff(&[Role::Auditor], &[]).await;
    let enrolled = app.enrol(&user).await;
    let path = format!("/api/v1/users/{}/second-factor/reset", user.id);

    assert_problem(app.post(&so, &path, &json!({})).await, 403, None).await;
    let own = format!("/api/v1/users/{}/second-factor/reset", csm.id);
    let body = assert_problem(app.post(&csm, &own, &json!({})).await, 403, None).await;
    assert!(body["detail"].as_str().unwrap().contains("R-2.6"), "{body}");

    let res = app.post(&csm, &path, &json!({})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["second_factor"], false);
    // Their session ended; at the next sign-in they set up a new second factor.
    let res = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await;
    assert_problem(res, 401, None).await;
    let (_, body, _) = app
        .step(
            "/api/v1/session",
            None,
            &json!({"email": user.email, "password": enrolled.password}),
        )
        .await;
    assert_eq!(body["stage"], "enrol");

    // The reset is in the audit log, with who did it.
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let log: Value = app
        .get(&aud, "/api/v1/audit-log?action=user.second_factor_reset")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["actor_id"], csm.id.as_str());
    assert_eq!(log["items"][0]["target_id"], user.id.as_str());
    assert_eq!(log["items"][0]["before"]["second_factor"], true);
}

#[tokio::test]
async fn one_clock_stamps_sessions_second_factor_codes_and_the_audit_log() {
    let app = spawn_app().await;
    let moved: chrono::DateTime<chrono::Utc> = "2031-02-03T04:05:06Z".parse().unwrap();
    app.clock.set(moved);
    let user = app.staff(&[Role::Auditor], &[]).await;
    // The code that proves the second factor is the one for the service's "now".
    let enrolled = app.enrol(&user).await;
    // A session stamped by another clock than the one that checks it would have ended
    // five years ago.
    let res = app
        .with_session(Method::GET, "/api/v1/session", &enrolled.session, None)
        .await;
    assert_eq!(res.status(), 200);
    let audit = app.staff(&[Role::Ciso], &[]).await;
    let log: Value = app
        .get(
            &audit,
            "/api/v1/audit-log?action=session.sign_in&per_page=5",
        )
        .await
        .json()
        .await
        .unwrap();
    let stamped = log["items"][0]["occurred_at"].as_str().unwrap_or_default();
    assert!(stamped.starts_with("2031-02-03T04:0"), "{log}");
}

#[tokio::test]
async fn r_5_5_3_4_a_token_another_instance_has_cached_is_refused_there_once_its_access_changes() {
    let app = spawn_app().await;
    let csm = app.staff(&[Role::ChiefSystemManager], &[]).await;
    let user = app.staff(&[Role::Ciso], &[]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&so, "株式会社みなと").await;
    app.engagement(&so, &so, "kumin", &vendor).await;
    app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    // A second instance on the same database, as a scaled-out deployment runs.
    let other = app.start_another(&[]);
    let on_other = |path: &str| {
        app.client
            .get(format!("{other}{path}"))
            .bearer_auth(&user.token)
            .send()
    };
    let total = |res: reqwest::Response| async move {
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["total"]
            .as_i64()
            .unwrap()
    };
    // Resolved once, then answered from that instance's cache: the CISO sees every
    // engagement.
    for _ in 0..3 {
        assert_eq!(
            total(on_other("/api/v1/engagements").await.unwrap()).await,
            1
        );
    }

    // Narrower: a security officer of another division, who sees none of them.
    let res = app
        .patch(
            &csm,
            &format!("/api/v1/users/{}", user.id),
            &json!({"roles": ["security_officer"], "divisions": ["hoken"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let started = std::time::Instant::now();
    while total(on_other("/api/v1/engagements").await.unwrap()).await != 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "the other instance still answers with the CISO's view"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Deactivated: the token stops working there too.
    let res = app
        .patch(
            &csm,
            &format!("/api/v1/users/{}", user.id),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let started = std::time::Instant::now();
    while on_other("/api/v1/engagements").await.unwrap().status() != 401 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "the other instance still accepts the token"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // And at once on the instance that made the change.
    assert_problem(app.get(&user, "/api/v1/engagements").await, 401, None).await;
}

//! The engagement page's own forms, over HTTP as a browser sends them: a subcontract
//! registered under its designated management, an obligation waived, the
//! interval between checks, and the timeline of everything that happened to it.

use itaku::domain::Role;
use reqwest::header::LOCATION;
use serde_json::{json, Value};

use crate::helpers::{outsourcing_body, spawn_app, TestApp, TestUser};
use crate::staff_pages::{get_page, post_form};

/// A security officer of GA01 with a page session, and a vendor.
struct Officer {
    user: TestUser,
    cookie: String,
    csrf: String,
    vendor: String,
}

async fn officer(app: &TestApp) -> Officer {
    let user = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let enrolled = app.enrol(&user).await;
    let vendor = app.vendor(&user, "株式会社港データ").await;
    Officer {
        cookie: enrolled.session.cookie,
        csrf: enrolled.session.csrf,
        user,
        vendor,
    }
}

fn encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).unwrap()[2..].to_string()
}

async fn json_of(app: &TestApp, who: &TestUser, path: &str) -> Value {
    app.get(who, path).await.json().await.unwrap()
}

#[tokio::test]
async fn r_8_5_a_subcontract_is_registered_under_its_designated_management_from_the_form() {
    let app = spawn_app().await;
    let o = officer(&app).await;
    let mut dm = outsourcing_body("GA01", &o.user.id, &o.vendor);
    dm["kind"] = json!("designated_management");
    dm["title"] = json!("区民センター指定管理");
    let res = app.post(&o.user, "/api/v1/engagements", &dm).await;
    assert_eq!(res.status(), 201);
    let parent: Value = res.json().await.unwrap();
    let parent_id = parent["id"].as_str().unwrap();

    // The form offers the open designated management as a parent.
    let form = get_page(&app, &o.cookie, "/engagements/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("親の指定管理（再委託の場合）"), "{form}");
    assert!(
        form.contains(&format!(
            "<option value=\"{parent_id}\">区民センター指定管理</option>"
        )),
        "{form}"
    );

    let res = post_form(
        &app,
        &o.cookie,
        "/engagements/new",
        &format!(
            "csrf_token={}&kind=outsourcing&division=GA01&title={}&responsible_user_id={}&vendor_id={}&parent_id={parent_id}&scope={}&starts_on=2027%2F4%2F1&ends_on=2028%2F3%2F31",
            o.csrf,
            encode("清掃業務の再委託"),
            o.user.id,
            o.vendor,
            encode("館内清掃"),
        ),
    )
    .await;
    assert_eq!(res.status(), 303);
    let child_path = res.headers()[LOCATION].to_str().unwrap().to_string();
    let child_id = child_path
        .trim_start_matches("/engagements/")
        .split(['?', '#'])
        .next()
        .unwrap()
        .to_string();
    let child = json_of(&app, &o.user, &format!("/api/v1/engagements/{child_id}")).await;
    assert_eq!(child["parent_id"], parent["id"]);

    // Each page names the other.
    let page = get_page(&app, &o.cookie, &format!("/engagements/{child_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("指定管理者の再委託"),
        "the part applying: {page}"
    );
    assert!(
        page.contains(&format!(
            "<a href=\"/engagements/{parent_id}\">区民センター指定管理</a>"
        )),
        "{page}"
    );
    let page = get_page(&app, &o.cookie, &format!("/engagements/{parent_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("再委託（R-8.5）"), "{page}");
    assert!(
        page.contains(&format!(
            "<a href=\"/engagements/{child_id}\">清掃業務の再委託</a>"
        )),
        "{page}"
    );

    // A parent that is not a designated management is refused next to the field.
    let res = post_form(
        &app,
        &o.cookie,
        "/engagements/new",
        &format!(
            "csrf_token={}&kind=outsourcing&division=GA01&title=x&responsible_user_id={}&vendor_id={}&parent_id={child_id}&scope=x&starts_on=2027%2F4%2F1&ends_on=2028%2F3%2F31",
            o.csrf, o.user.id, o.vendor,
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("href=\"#parent_id\""), "{page}");
}

#[tokio::test]
async fn r_2_6_a_waiver_is_asked_for_from_the_page_and_approved_by_a_second_person() {
    let app = spawn_app().await;
    let o = officer(&app).await;
    let e = app.engagement(&o.user, &o.user, "GA01", &o.vendor).await;
    let id = e["id"].as_str().unwrap();
    let path = format!("/engagements/{id}");

    // The owner may ask; what the Standard makes unconditional is not offered.
    let page = get_page(&app, &o.cookie, &path).await.text().await.unwrap();
    assert!(page.contains("義務の免除を申請する"), "{page}");
    assert!(
        page.contains("<option value=\"R-8.3.1\">R-8.3.1 "),
        "{page}"
    );
    assert!(!page.contains("<option value=\"R-8.2\">"), "{page}");

    // No reason: refused next to the field, nothing written.
    let before = app.count_rows("obligation_waivers").await;
    let res = post_form(
        &app,
        &o.cookie,
        &format!("{path}/waivers"),
        &format!("csrf_token={}&rule_id=R-8.3.1&reason=", o.csrf),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("href=\"#reason\""), "{page}");
    assert!(
        page.contains("<option value=\"R-8.3.1\" selected>"),
        "kept: {page}"
    );
    assert_eq!(app.count_rows("obligation_waivers").await, before);

    let res = post_form(
        &app,
        &o.cookie,
        &format!("{path}/waivers"),
        &format!(
            "csrf_token={}&rule_id=R-8.3.1&reason={}",
            o.csrf,
            encode("庁舎内で職員の立会いのもとで作業するため")
        ),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/engagements/{id}?done=waiver_requested#waivers").as_str()
    );
    let waivers = json_of(
        &app,
        &o.user,
        &format!("/api/v1/engagements/{id}/obligations/waivers"),
    )
    .await;
    let waiver_id = waivers[0]["id"].as_str().unwrap().to_string();
    let decision = format!("{path}/waivers/{waiver_id}/decision");

    // Pending: listed, with no decision form for its owner, whose decision is refused.
    let page = get_page(&app, &o.cookie, &path).await.text().await.unwrap();
    assert!(page.contains("免除の申請"), "{page}");
    assert!(!page.contains(&decision), "{page}");
    let res = post_form(
        &app,
        &o.cookie,
        &decision,
        &format!("csrf_token={}&decision=approved", o.csrf),
    )
    .await;
    assert_eq!(res.status(), 403);

    // The CISO approves it from the same page.
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let session = app.enrol(&ciso).await.session;
    let page = get_page(&app, &session.cookie, &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&decision), "{page}");
    let res = post_form(
        &app,
        &session.cookie,
        &decision,
        &format!("csrf_token={}&decision=approved", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/engagements/{id}?done=waiver_approved#waivers").as_str()
    );
    let obligations = json_of(
        &app,
        &o.user,
        &format!("/api/v1/engagements/{id}/obligations"),
    )
    .await;
    let waived = obligations
        .as_array()
        .unwrap()
        .iter()
        .find(|ob| ob["rule_id"] == "R-8.3.1")
        .unwrap()
        .clone();
    assert_eq!(waived["state"], "waived", "{waived}");
    assert_eq!(waived["waiver"]["by_user_id"], ciso.id.as_str());

    // Once waived it is no longer offered, and the timeline says what happened.
    let page = get_page(&app, &session.cookie, &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<option value=\"R-8.3.1\">"), "{page}");
    assert!(page.contains("義務の免除を承認"), "{page}");
}

#[tokio::test]
async fn r_8_3_2_the_check_interval_is_set_and_returned_to_the_default_from_the_page() {
    let app = spawn_app().await;
    let o = officer(&app).await;
    let e = app.engagement(&o.user, &o.user, "GA01", &o.vendor).await;
    let id = e["id"].as_str().unwrap();
    let path = format!("/engagements/{id}");
    let page = get_page(&app, &o.cookie, &path).await.text().await.unwrap();
    assert!(
        page.contains("この案件の点検の間隔は 12 か月です（格付の既定）。"),
        "{page}"
    );

    for (typed, problem) in [
        ("0", "1 から 60"),
        ("abc", "1 から 60"),
        ("61", "1 から 60"),
    ] {
        let res = post_form(
            &app,
            &o.cookie,
            &format!("{path}/check-interval"),
            &format!("csrf_token={}&months={typed}", o.csrf),
        )
        .await;
        assert_eq!(res.status(), 422, "{typed}");
        let page = res.text().await.unwrap();
        assert!(page.contains("href=\"#months\""), "{typed}: {page}");
        assert!(page.contains(problem), "{typed}: {page}");
        assert!(page.contains(&format!("value=\"{typed}\"")), "kept: {page}");
    }

    // Full-width digits, as an IME types them.
    let res = post_form(
        &app,
        &o.cookie,
        &format!("{path}/check-interval"),
        &format!("csrf_token={}&months={}", o.csrf, encode("６")),
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = get_page(&app, &o.cookie, &path).await.text().await.unwrap();
    assert!(
        page.contains("この案件の点検の間隔は 6 か月です（案件ごとの設定）。"),
        "{page}"
    );
    assert!(page.contains("点検の間隔を変更"), "timeline: {page}");

    // Blank returns to the level's default.
    let res = post_form(
        &app,
        &o.cookie,
        &format!("{path}/check-interval"),
        &format!("csrf_token={}&months=", o.csrf),
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = get_page(&app, &o.cookie, &path).await.text().await.unwrap();
    assert!(page.contains("（格付の既定）"), "{page}");
}

#[tokio::test]
async fn the_timeline_shows_what_happened_to_its_items_approvals_and_checks_too() {
    let app = spawn_app().await;
    let o = officer(&app).await;
    let e = app.engagement(&o.user, &o.user, "GA01", &o.vendor).await;
    let id = e["id"].as_str().unwrap();
    let res = post_form(
        &app,
        &o.cookie,
        &format!("/engagements/{id}/items"),
        &format!(
            "csrf_token={}&name={}&level=L3&provided_to_vendor=true",
            o.csrf,
            encode("住民票の写し")
        ),
    )
    .await;
    assert_eq!(res.status(), 303);
    let items = json_of(
        &app,
        &o.user,
        &format!("/api/v1/engagements/{id}/information-items"),
    )
    .await;
    let item_id = items[0]["id"].as_str().unwrap().to_string();
    let res = app
        .post(
            &o.user,
            &format!("/api/v1/engagements/{id}/approvals"),
            &json!({"rule_id": "R-3.3.3", "subject_id": item_id, "note": "提供します"}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    let res = app
        .post(
            &o.user,
            &format!("/api/v1/engagements/{id}/transitions"),
            &json!({"to": "selected"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Read twice: reading L3 information is in the audit log, not the timeline.
    get_page(&app, &o.cookie, &format!("/engagements/{id}")).await;
    let page = get_page(&app, &o.cookie, &format!("/engagements/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let timeline = &page[page.find("id=\"timeline\"").unwrap()..];
    for action in [
        "委託案件を登録",
        "情報資産を追加",
        "承認を依頼",
        "状態を変更（選定済み）",
    ] {
        assert!(timeline.contains(action), "{action}: {timeline}");
    }
    assert!(!timeline.contains("閲覧"), "{timeline}");
}

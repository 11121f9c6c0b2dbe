//! The clause generator, contract registration and approvals in the staff web
//! application: in headless Chromium, an officer asks for the R-3.3.3 approval of an L3
//! item provided to the vendor, a second security officer of the division approves it in
//! the inbox, and the officer generates the clauses, downloads them as Word and records
//! the signed contract (R-8.2); over plain HTTP, a contract form at fault, one's own
//! request refused (R-2.6) and a person without the rights. Screenshots under
//! `target/screenshots/`, in Japanese, at a ward's desktop size and a phone's.

use std::time::Duration;

use itaku::domain::Role;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{json, Value};

use crate::helpers::{docx_paragraphs, spawn_app, totp, Enrolled, TestApp, TestUser};
use crate::staff_pages::{
    accessible, fill, fits_the_phone, main_text, screenshots, submit, DESKTOP,
};
use crate::webdriver::Browser;

/// Signs `user` in through the pages (password, then a TOTP code of a step not spent
/// yet), from the page `path`, which the sign-in returns to.
async fn sign_in(
    app: &TestApp,
    browser: &Browser,
    user: &TestUser,
    enrolled: &Enrolled,
    path: &str,
) {
    browser.goto(&app.url(path)).await.unwrap();
    fill(browser, "#email", &user.email).await;
    fill(browser, "#password", &enrolled.password).await;
    submit(browser, "button[type=submit].primary").await;
    browser
        .wait_for("#code", Duration::from_secs(5))
        .await
        .unwrap();
    fill(browser, "#code", &totp(&enrolled.secret, enrolled.step + 1)).await;
    submit(browser, "button[type=submit].primary").await;
}

/// An outsourcing engagement of GA01 holding an L3 item provided to the vendor.
async fn engagement_with_l3_item(app: &TestApp, officer: &TestUser) -> (String, String) {
    let vendor = app.vendor(officer, "港データサービス株式会社").await;
    let engagement = app.engagement(officer, officer, "GA01", &vendor).await;
    let id = engagement["id"].as_str().unwrap().to_string();
    let res = app
        .post(
            officer,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "住民基本台帳データ", "level": "L3", "provided_to_vendor": true}),
        )
        .await;
    let status = res.status();
    let item: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{item}");
    (id, item["id"].as_str().unwrap().to_string())
}

/// A client of its own for a request made after the browser has been busy for a while:
/// the service may close a kept-alive connection of `app.client` just as it is reused.
fn fresh() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn approvals_of(app: &TestApp, who: &TestUser, id: &str) -> Vec<Value> {
    fresh()
        .get(app.url(&format!("/api/v1/engagements/{id}/approvals")))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_officer_asks_for_approval_generates_the_clauses_and_records_the_contract() {
    let app = spawn_app().await;
    let officer = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let colleague = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let (id, _) = engagement_with_l3_item(&app, &officer).await;
    let officer_in = app.enrol(&officer).await;
    let colleague_in = app.enrol(&colleague).await;

    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    sign_in(
        &app,
        &browser,
        &officer,
        &officer_in,
        &format!("/engagements/{id}"),
    )
    .await;

    // The approval the L3 item needs is offered, chosen already as it is the only one.
    browser
        .wait_for("#approval-request", Duration::from_secs(5))
        .await
        .unwrap();
    let choice = browser
        .find("#approval-request input[name=subject]")
        .await
        .unwrap();
    assert!(choice.is_selected().await.unwrap());
    let label = browser
        .find("#approval-request .option label")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        label.contains("住民基本台帳データ") && label.contains("R-3.3.3"),
        "{label}"
    );
    browser
        .goto(&app.url(&format!("/engagements/{id}#approvals")))
        .await
        .unwrap();
    screenshots(&browser, "staff-engagement-approval-request").await;
    accessible(&browser, "engagement with its approval request form").await;
    fill(
        &browser,
        "#approval-note",
        "運用保守のため住民基本台帳データを提供する",
    )
    .await;
    submit(&browser, "#approval-request button[type=submit]").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(main_text(&browser).await.contains("承認を依頼しました。"));
    assert!(browser.find("#approval-request").await.is_err());
    let asked = approvals_of(&app, &officer, &id).await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["state"], "pending");
    let approval_id = asked[0]["id"].as_str().unwrap().to_string();

    // The colleague decides it in the inbox.
    let second = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    sign_in(&app, &second, &colleague, &colleague_in, "/approvals").await;
    second
        .wait_for(&format!("#request-{approval_id}"), Duration::from_secs(5))
        .await
        .unwrap();
    let request = second
        .find(&format!("#request-{approval_id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        request.contains("住民基本台帳データ") && request.contains("運用保守のため"),
        "{request}"
    );
    assert_eq!(
        second
            .find("nav.main-nav a[aria-current=page]")
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "承認"
    );
    screenshots(&second, "staff-approvals-inbox").await;
    accessible(&second, "approvals inbox").await;
    fits_the_phone(&second, "approvals inbox").await;
    submit(
        &second,
        &format!("#request-{approval_id} button[name=decision][value=approved]"),
    )
    .await;
    second
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    let text = main_text(&second).await;
    assert!(text.contains("決裁しました。"), "{text}");
    assert!(
        text.contains("決裁を待っている依頼はありません。"),
        "{text}"
    );
    screenshots(&second, "staff-approvals-decided").await;
    second.quit().await.unwrap();
    assert_eq!(
        approvals_of(&app, &officer, &id).await[0]["state"],
        "approved"
    );

    // The clause generator, from the contracts section.
    browser
        .goto(&app.url(&format!("/engagements/{id}")))
        .await
        .unwrap();
    submit(
        &browser,
        &format!("#contracts a[href='/engagements/{id}/clauses']"),
    )
    .await;
    browser
        .wait_for(".clause-preview", Duration::from_secs(5))
        .await
        .unwrap();
    let preview = browser
        .find(".clause-preview")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("第1条"), "{preview}");
    assert!(preview.contains("港データサービス株式会社"), "{preview}");
    screenshots(&browser, "staff-clauses").await;
    accessible(&browser, "clause generator").await;
    fits_the_phone(&browser, "clause generator").await;
    browser
        .goto(&app.url(&format!("/engagements/{id}/clauses#contract")))
        .await
        .unwrap();
    screenshots(&browser, "staff-clauses-contract-form").await;

    // In English too.
    browser
        .find("#lang-en")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, ".clause-lang button[type=submit]").await;
    let preview = browser
        .wait_for(".clause-preview", Duration::from_secs(5))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("Article 1"), "{preview}");
    browser
        .find("#lang-ja")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&browser, ".clause-lang button[type=submit]").await;

    // The Word download the page links to: the API's document, as an attachment, its
    // articles in order.
    let href = browser
        .find("a[href*='format=docx']")
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        href,
        format!("/engagements/{id}/clauses/download?format=docx&lang=ja")
    );
    let res = fresh()
        .get(app.url(&href))
        .header(COOKIE, &officer_in.session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()[CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        res.headers()[CONTENT_DISPOSITION].to_str().unwrap(),
        format!("attachment; filename=\"clauses-{id}-ja.docx\"")
    );
    let docx = res.bytes().await.unwrap();
    let articles = docx_paragraphs(&docx, "Heading2");
    assert!(articles.len() >= 9, "{articles:?}");
    for (i, article) in articles.iter().enumerate() {
        assert!(
            article.starts_with(&format!("第{}条", i + 1)),
            "{articles:?}"
        );
    }
    let api = fresh()
        .get(app.url(&format!(
            "/api/v1/engagements/{id}/clauses?format=docx&lang=ja"
        )))
        .bearer_auth(&officer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        api.headers()[CONTENT_DISPOSITION].to_str().unwrap(),
        format!("attachment; filename=\"clauses-{id}-ja.docx\"")
    );
    assert_eq!(
        docx_paragraphs(&api.bytes().await.unwrap(), "Heading2"),
        articles
    );

    // The signed contract, its mandatory clauses ticked already, the recommended ones not.
    let boxes = browser.find_all("input[name=clause_ids]").await.unwrap();
    assert!(!boxes.is_empty());
    for b in &boxes {
        let id = b.attr("id").await.unwrap().unwrap();
        let hint = browser
            .find(&format!("#{id}-hint"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            b.is_selected().await.unwrap(),
            hint.starts_with("必須"),
            "{id}: {hint}"
        );
    }
    fill(&browser, "#reference_number", "港総契第123号").await;
    fill(&browser, "#signed_on", "令和9年4月1日").await;
    submit(&browser, "#contract button[type=submit].primary").await;
    browser
        .wait_for(".notice-success", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .ends_with(&format!("/engagements/{id}?done=contract#contracts")));
    let contracts = browser
        .find("#contracts")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(contracts.contains("港総契第123号"), "{contracts}");
    assert!(contracts.contains("令和9年4月1日"), "{contracts}");
    assert!(
        contracts.contains("必須条項はすべて含まれています。"),
        "{contracts}"
    );
    assert!(main_text(&browser).await.contains("契約を登録しました。"));
    // The export is on the engagement's timeline, in words.
    let timeline = browser
        .find("#timeline")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(timeline.contains("条項を出力"), "{timeline}");
    screenshots(&browser, "staff-engagement-contracts").await;
    accessible(&browser, "engagement with its contract").await;
    fits_the_phone(&browser, "engagement").await;
    browser.quit().await.unwrap();
}

/// A page's form sent with the session cookie, as a browser sends it.
async fn post_form(app: &TestApp, cookie: &str, path: &str, form: &str) -> reqwest::Response {
    fresh()
        .post(app.url(path))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn contract_and_decision_forms_explain_what_is_wrong_and_what_is_refused() {
    let app = spawn_app().await;
    let officer = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let (id, item) = engagement_with_l3_item(&app, &officer).await;
    let session = app.enrol(&officer).await.session;

    // A bad date and no reference number: both named beside their fields, everything
    // typed kept, nothing written.
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/contracts"),
        &format!(
            "csrf_token={}&reference_number=&signed_on=2027%2F2%2F30&clause_ids=CL-01&clause_ids=CL-02",
            session.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"id="reference_number-error""#), "{page}");
    assert!(page.contains(r#"id="signed_on-error""#), "{page}");
    assert!(page.contains("締結日が正しくありません"), "{page}");
    assert!(page.contains(r#"value="2027/2/30""#), "{page}");
    assert!(page.contains(r##"href="#reference_number""##), "{page}");
    assert!(
        page.contains(r#"id="clause-CL-01" name="clause_ids" value="CL-01" checked"#),
        "{page}"
    );
    assert!(
        page.contains(r#"id="clause-CL-05" name="clause_ids" value="CL-05" aria-describedby"#),
        "what was not ticked stays unticked: {page}"
    );
    assert_eq!(app.count_rows("contracts").await, 0);

    // Without the form's CSRF token: refused, nothing written.
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/contracts"),
        "reference_number=1&signed_on=2027-04-01&clause_ids=CL-01",
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.count_rows("contracts").await, 0);

    // A date as officers type it is taken.
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/contracts"),
        &format!(
            "csrf_token={}&reference_number=%E7%AC%AC1%E5%8F%B7&signed_on=R9.4.1&clause_ids=CL-01",
            session.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/engagements/{id}?done=contract#contracts").as_str()
    );
    let contracts: Value = app
        .get(&officer, &format!("/api/v1/engagements/{id}/contracts"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contracts[0]["signed_on"], "2027-04-01");

    // Asking for an approval with nothing chosen names the choice.
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/approvals"),
        &format!("csrf_token={}&note=%E7%90%86%E7%94%B1", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"id="approval-subject-error""#), "{page}");
    assert!(
        page.contains("承認を依頼するものを選んでください"),
        "{page}"
    );
    assert!(page.contains(">理由</textarea>"), "{page}");
    assert_eq!(app.count_rows("approvals").await, 0);

    // One's own request cannot be decided (R-2.6), and the inbox says why; it goes to
    // another security officer of the division.
    let colleague = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/approvals"),
        &format!("csrf_token={}&subject=R-3.3.3%7C{item}&note=", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 303);
    // Sent twice (a double click): the second is refused in words.
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/approvals"),
        &format!("csrf_token={}&subject=R-3.3.3%7C{item}&note=", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("同じ承認の申請が既にあります"), "{page}");
    let approval = &approvals_of(&app, &officer, &id).await[0];
    let approval_id = approval["id"].as_str().unwrap();
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/approvals/{approval_id}/decision"),
        &format!("csrf_token={}&decision=approved&reason=", session.csrf),
    )
    .await;
    assert_eq!(res.status(), 403);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("この承認はあなた自身が依頼したものなので、あなたは決裁できません"),
        "{page}"
    );
    assert!(page.contains("R-2.6"), "{page}");
    assert!(
        page.contains("自分が依頼したもの（決裁待ち）"),
        "the request is listed as one's own: {page}"
    );
    assert!(!page.contains(&format!(r#"action="/approvals/{approval_id}/decision"#)));
    assert_eq!(
        approvals_of(&app, &officer, &id).await[0]["state"],
        "pending"
    );

    // A rejection needs a reason, said beside the field.
    let other = app.enrol(&colleague).await.session;
    let res = post_form(
        &app,
        &other.cookie,
        &format!("/approvals/{approval_id}/decision"),
        &format!("csrf_token={}&decision=rejected&reason=", other.csrf),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(&format!(r#"id="reason-{approval_id}-error""#)),
        "{page}"
    );
    assert!(page.contains("却下の理由を入力してください"), "{page}");

    // Someone without the rights: the 403 page, nothing written.
    let auditor = app.staff(&[Role::Auditor], &[]).await;
    let audit = app.enrol(&auditor).await.session;
    let res = post_form(
        &app,
        &audit.cookie,
        &format!("/engagements/{id}/contracts"),
        &format!(
            "csrf_token={}&reference_number=X&signed_on=2027-04-01&clause_ids=CL-01",
            audit.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("この操作はできません"));
    assert_eq!(app.count_rows("contracts").await, 1);
    // The auditor reads the clauses but is not offered the contract form.
    let res = app
        .client
        .get(app.url(&format!("/engagements/{id}/clauses")))
        .header(COOKIE, &audit.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("第1条"), "{page}");
    assert!(!page.contains(r#"name="reference_number""#), "{page}");

    // A format the clause set does not come in is named.
    let res = app
        .client
        .get(app.url(&format!(
            "/engagements/{id}/clauses/download?format=pdf&lang=ja"
        )))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn r_7_5_a_managers_system_is_recorded_asked_for_and_approved_with_worded_confirmations() {
    let app = spawn_app().await;
    let officer = app.staff(&[Role::SecurityOfficer], &["GA01"]).await;
    let vendor = app.vendor(&officer, "みなと施設管理株式会社").await;
    let mut body = crate::helpers::outsourcing_body("GA01", &officer.id, &vendor);
    body["kind"] = json!("designated_management");
    let res = app.post(&officer, "/api/v1/engagements", &body).await;
    let status = res.status();
    let engagement: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{engagement}");
    let id = engagement["id"].as_str().unwrap();
    let session = app.enrol(&officer).await.session;

    // The engagement's page has the block; a system without a name is named at fault.
    let page = app
        .client
        .get(app.url(&format!("/engagements/{id}")))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"id="assets""#), "{page}");
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/manager-assets"),
        &format!(
            "csrf_token={}&kind=system&name=&description=%E5%8F%97%E4%BB%98",
            session.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"id="asset-name-error""#), "{page}");
    assert!(page.contains(r#"id="asset-kind-system" name="kind" value="system" checked"#));
    assert!(page.contains(">受付</textarea>"), "{page}");

    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/manager-assets"),
        &format!(
            "csrf_token={}&kind=system&name=%E4%BA%88%E7%B4%84%E3%82%B7%E3%82%B9%E3%83%86%E3%83%A0&description=",
            session.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/engagements/{id}?done=asset#assets").as_str()
    );

    // Its approval is offered on the page and asked for.
    let page = app
        .client
        .get(app.url(&format!("/engagements/{id}")))
        .header(COOKIE, &session.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("予約システム"), "{page}");
    let asset: Vec<Value> = app
        .get(
            &officer,
            &format!("/api/v1/engagements/{id}/manager-assets"),
        )
        .await
        .json()
        .await
        .unwrap();
    let asset_id = asset[0]["id"].as_str().unwrap();
    assert!(
        page.contains(&format!(r#"value="R-7.5|{asset_id}""#)),
        "{page}"
    );
    let res = post_form(
        &app,
        &session.cookie,
        &format!("/engagements/{id}/approvals"),
        &format!(
            "csrf_token={}&subject=R-7.5%7C{asset_id}&note=",
            session.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 303);

    // The chief system manager sees the confirmations in words; approving without them
    // names each, beside the boxes; with them, it is approved.
    let csm = app.staff(&[Role::ChiefSystemManager], &[]).await;
    let csm_in = app.enrol(&csm).await;
    let csm_session = csm_in.session.clone();
    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    let approval = &approvals_of(&app, &officer, id).await[0];
    let approval_id = approval["id"].as_str().unwrap();
    sign_in(&app, &browser, &csm, &csm_in, "/approvals").await;
    browser
        .goto(&app.url(&format!("/approvals#confirm-{approval_id}")))
        .await
        .unwrap();
    let boxes = browser
        .wait_for("input[name=confirmations]", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(!boxes.is_selected().await.unwrap());
    screenshots(&browser, "staff-approvals-confirmations").await;
    accessible(&browser, "approvals inbox with confirmations").await;
    fits_the_phone(&browser, "approvals inbox with confirmations").await;
    browser.quit().await.unwrap();
    let page = app
        .client
        .get(app.url("/approvals"))
        .header(COOKIE, &csm_session.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("区の端末やネットワークに接続しないこと"),
        "{page}"
    );
    assert!(page.contains("指針を遵守できること"), "{page}");
    assert!(!page.contains("can_comply<"), "{page}");
    let res = post_form(
        &app,
        &csm_session.cookie,
        &format!("/approvals/{approval_id}/decision"),
        &format!(
            "csrf_token={}&decision=approved&reason=&confirmations=can_comply",
            csm_session.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("承認するには「区の端末やネットワークに接続しないこと」を確認してください"),
        "{page}"
    );
    assert!(page.contains(&format!(r#"id="confirm-{approval_id}-error""#)));
    assert!(page.contains(&format!(
        r#"id="confirm-{approval_id}-can_comply" name="confirmations" value="can_comply" checked"#
    )));
    assert_eq!(
        approvals_of(&app, &officer, id).await[0]["state"],
        "pending"
    );
    let res = post_form(
        &app,
        &csm_session.cookie,
        &format!("/approvals/{approval_id}/decision"),
        &format!(
            "csrf_token={}&decision=approved&reason=&confirmations=can_comply&confirmations=not_connected_to_ward_network",
            csm_session.csrf
        ),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/approvals?done=decided");
    assert_eq!(
        approvals_of(&app, &officer, id).await[0]["state"],
        "approved"
    );
}

//! Totals that stop counting: a list counts its total exactly up to `list_count_up_to`
//! rows, or to the end of the page asked for when that is further; past it the page says
//! only that the list holds more (`total_exact: false`). Checked on every page of the
//! engagement and obligation lists, by every path the data layer takes (the plain list,
//! filters, a search in the index's order and in another, a division's view, obligations
//! with no due date read before the dated ones), against the whole list read in one page;
//! and on the staff pages' pager.

use serde_json::Value;

use itaku::domain::Role;

use crate::helpers::{outsourcing_body, spawn_app_with, TestApp, TestUser};
use crate::staff_pages::{get_page, session_of, DESKTOP, PHONE};
use crate::webdriver::{save_screenshot, Browser};

const UP_TO: i64 = 5;

/// Every page of `path` (which has a query already) at `per_page`, each page's items and
/// total against the whole list, read in one page that is short and so tells its total
/// exactly.
async fn totals_follow_the_rule(app: &TestApp, who: &TestUser, path: &str) -> i64 {
    totals_follow_the_rule_at(app, &app.address, UP_TO, who, path).await
}

/// As [`totals_follow_the_rule`], from the instance at `address` that counts up to `up_to`.
async fn totals_follow_the_rule_at(
    app: &TestApp,
    address: &str,
    up_to: i64,
    who: &TestUser,
    path: &str,
) -> i64 {
    let get = |path: String| {
        app.client
            .get(format!("{address}{path}"))
            .bearer_auth(&who.token)
            .send()
    };
    let whole: Value = get(format!("{path}&per_page=1000"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(whole["total_exact"], true, "{path}: {whole}");
    let all: Vec<Value> = whole["items"].as_array().unwrap().to_vec();
    let n = all.len() as i64;
    assert_eq!(whole["total"], n, "{path}");
    for per_page in [2_i64, 3, 7] {
        for page in 1..=(n / per_page + 2) {
            let body: Value = get(format!("{path}&per_page={per_page}&page={page}"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let offset = (page - 1) * per_page;
            let len = (n - offset).clamp(0, per_page);
            let items = body["items"].as_array().unwrap();
            let keys =
                |items: &[Value]| -> Vec<String> { items.iter().map(Value::to_string).collect() };
            assert_eq!(
                keys(items),
                keys(&all[offset.min(n) as usize..(offset.min(n) + len) as usize]),
                "{path}, {per_page} a page, page {page}"
            );
            let floor = up_to.max(offset + len);
            let expected = if len < per_page && (len > 0 || offset == 0) {
                (n, true)
            } else if n > floor {
                (floor, false)
            } else {
                (n, true)
            };
            assert_eq!(
                (
                    body["total"].as_i64().unwrap(),
                    body["total_exact"].as_bool().unwrap()
                ),
                expected,
                "{path}, {per_page} a page, page {page}, {n} in all"
            );
        }
    }
    n
}

/// How many rows of the whole list at `path` have no due date, and how many have one.
async fn undated_and_dated(app: &TestApp, who: &TestUser, path: &str) -> (usize, usize) {
    let whole: Value = app
        .get(who, &format!("{path}&per_page=1000"))
        .await
        .json()
        .await
        .unwrap();
    let items = whole["items"].as_array().unwrap();
    let undated = items.iter().filter(|o| o["due_on"].is_null()).count();
    (undated, items.len() - undated)
}

#[tokio::test]
async fn lists_count_exactly_up_to_the_bound_and_say_more_than_past_it() {
    let app = spawn_app_with(&[("list_count_up_to", "5")]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let other_so = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let vendor = app.vendor(&so, "株式会社保守テック").await;
    let mut ids = Vec::new();
    for i in 0..17 {
        let (division, who) = if i % 4 == 3 {
            ("hoken", &other_so)
        } else {
            ("kumin", &so)
        };
        let mut body = outsourcing_body(division, &who.id, &vendor);
        body["title"] = serde_json::json!(if i % 3 == 0 {
            format!("庁舎設備保守 {i}")
        } else {
            format!("窓口運用 {i}")
        });
        if i % 5 == 1 {
            body["kind"] = serde_json::json!("designated_management");
        }
        let res = app.post(who, "/api/v1/engagements", &body).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        ids.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }

    // Engagements: the plain list, a filter, a search newest first (the index's own
    // order), a search with a filter, a search in another order, and a division's view.
    let mut sizes = Vec::new();
    for (who, query) in [
        (&ciso, "sort=newest"),
        (&ciso, "kind=outsourcing"),
        (&ciso, "q=%E4%BF%9D%E5%AE%88"),
        (&ciso, "q=%E9%81%8B%E7%94%A8&kind=outsourcing"),
        (&ciso, "q=%E9%81%8B%E7%94%A8&sort=title"),
        // Several lexemes (窓口運用: three pairs; 庁舎 保守: two words), which PostgreSQL
        // probes with no order.
        (&ciso, "q=%E7%AA%93%E5%8F%A3%E9%81%8B%E7%94%A8"),
        (&ciso, "q=%E5%BA%81%E8%88%8E%20%E4%BF%9D%E5%AE%88"),
        (&so, "sort=-starts_on"),
        (&so, "q=%E9%81%8B"),
    ] {
        let path = format!("/api/v1/engagements?{query}");
        sizes.push(totals_follow_the_rule(&app, who, &path).await);
    }
    assert_eq!(sizes[0], 17);
    assert!(
        sizes.iter().all(|&n| n > UP_TO),
        "every list is longer than the bound: {sizes:?}"
    );
    // Text with a filter in another order reads every match to sort them, and counts
    // them in the same pass: exact on every full page.
    let body: Value = app
        .get(
            &ciso,
            "/api/v1/engagements?q=%E9%81%8B%E7%94%A8&kind=outsourcing&sort=title&per_page=2",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["total_exact"], true, "{body}");

    // Obligations: all, by state, by role, and a division's view.
    for (who, query) in [
        (&ciso, ""),
        (&ciso, "state=open"),
        (&ciso, "role=security_officer"),
        (&so, "state=open"),
    ] {
        let path = format!("/api/v1/obligations?{query}");
        let n = totals_follow_the_rule(&app, who, &path).await;
        assert!(n > UP_TO, "{path}: {n}");
    }
    // Later, when some are overdue and fewer are open; and three engagements' ward
    // supervision was recorded too near the end of the term for another to fall due
    // those obligations are met with no date, and the list reads them first,
    // fewer than the bound, then the dated ones.
    app.clock.advance(chrono::Duration::days(400));
    for id in &ids[..3] {
        let res = app
            .post(
                &so,
                &format!("/api/v1/engagements/{id}/records"),
                &serde_json::json!({"kind": "supervision", "occurred_on": "2028-01-05",
                    "method": "on_site", "observed": "作業場所の入退室記録を確認"}),
            )
            .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    for (who, query, undated) in [
        (&ciso, "", 3),
        (&so, "", 3),
        (&ciso, "role=security_officer", 3),
        (&ciso, "state=overdue", 0),
        (&ciso, "state=open", 0),
        (&so, "state=overdue", 0),
    ] {
        let path = format!("/api/v1/obligations?{query}");
        let n = totals_follow_the_rule(&app, who, &path).await;
        assert!(n > UP_TO, "{path}: {n}");
        assert_eq!(
            undated_and_dated(&app, who, &path).await.0,
            undated,
            "{path}"
        );
    }
    // A bound that falls among the dated rows of a list that begins with three undated
    // ones: whether more than the bound follow is asked of the dated rows after the
    // undated ones (66 dated rows; a bound of 67 is passed by two, 68 by one).
    let path = "/api/v1/obligations?role=security_officer&division=kumin";
    assert_eq!(undated_and_dated(&app, &ciso, path).await, (3, 66));
    for up_to in [67, 68, 69] {
        let count_up_to = up_to.to_string();
        let address = app.start_another(&[("list_count_up_to", &count_up_to)]);
        let n = totals_follow_the_rule_at(&app, &address, up_to, &ciso, path).await;
        assert_eq!(n, 69);
    }

    // The staff pages' pager: "more than", and a next page while there is one.
    let (cookie, _) = session_of(&app, &[Role::Ciso], &[]).await;
    let page = get_page(&app, &cookie, "/engagements?per_page=3")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("5件超のうち 1〜3件を表示"), "{page}");
    assert!(page.contains("page=2"), "{page}");
    let page = get_page(&app, &cookie, "/engagements?per_page=3&page=6")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("全17件中 16〜17件を表示"), "{page}");
    assert!(!page.contains("page=7"), "{page}");

    // As a ward officer sees it: the pager below the table, on a phone and a desktop,
    // each window tall enough to hold it.
    let browser = Browser::start_sized(DESKTOP.0, DESKTOP.1)
        .await
        .expect("headless Chromium");
    browser.add_cookie(&app.address, &cookie).await.unwrap();
    browser
        .goto(&app.url("/engagements?per_page=3"))
        .await
        .unwrap();
    let summary = browser
        .find(".pager-summary")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(summary, "5件超のうち 1〜3件を表示");
    for (name, (width, height)) in [("phone", (PHONE.0, 1700)), ("desktop", (DESKTOP.0, 1100))] {
        browser.resize(width, height).await.unwrap();
        save_screenshot(
            &format!("staff-engagements-more-than-{name}"),
            &browser.screenshot_png().await.unwrap(),
        );
    }
    browser.quit().await.unwrap();
}

//! Totals that stop counting: a list counts its total exactly up to `list_count_up_to`
//! rows, or to the end of the page asked for when that is further; past it the page says
//! only that the list holds more (`total_exact: false`). Checked on every page of the
//! engagement and obligation lists, by every path the data layer takes (the plain list,
//! filters, a search in the index's order and in another, a division's view), against
//! the whole list read in one page; and on the staff pages' pager.

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
    let whole: Value = app
        .get(who, &format!("{path}&per_page=1000"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(whole["total_exact"], true, "{path}: {whole}");
    let all: Vec<Value> = whole["items"].as_array().unwrap().to_vec();
    let n = all.len() as i64;
    assert_eq!(whole["total"], n, "{path}");
    for per_page in [2_i64, 3, 7] {
        for page in 1..=(n / per_page + 2) {
            let body: Value = app
                .get(who, &format!("{path}&per_page={per_page}&page={page}"))
                .await
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
            let floor = UP_TO.max(offset + len);
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

#[tokio::test]
async fn lists_count_exactly_up_to_the_bound_and_say_more_than_past_it() {
    let app = spawn_app_with(&[("list_count_up_to", "5")]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let other_so = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let vendor = app.vendor(&so, "株式会社保守テック").await;
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

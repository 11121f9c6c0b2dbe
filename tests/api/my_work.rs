//! My work at scale: a person with more deadlines than a section shows at a time gets
//! them a page at a time, each section paged on its own, in the order the API lists them.

use serde_json::Value;

use itaku::domain::Role;

use crate::helpers::{at, outsourcing_body, spawn_app, TestApp, TestUser};
use crate::staff_pages::{accessible, get_page, DESKTOP, PHONE};
use crate::webdriver::{save_screenshot, Browser};

/// One section of the page: from its opening tag to its end.
fn section<'p>(page: &'p str, name: &str) -> &'p str {
    let start = page
        .find(&format!("aria-labelledby=\"{name}-title\""))
        .unwrap_or_else(|| panic!("no {name} section in {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").expect("the section ends")]
}

/// The links of a section's rows, in the page's order.
fn row_links(section: &str) -> Vec<String> {
    section
        .split("<td><a href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
    let res = get_page(app, cookie, path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The links of the person's overdue deadlines as the API lists them, soonest first.
async fn overdue_links(app: &TestApp, who: &TestUser) -> Vec<String> {
    let list: Value = app
        .get(who, "/api/v1/deadlines?within=0")
        .await
        .json()
        .await
        .unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .filter(|d| d["overdue"] == true)
        .map(|d| {
            let link = d["link"].as_str().unwrap();
            link[link.find("/engagements/").unwrap()..].to_string()
        })
        .collect()
}

#[tokio::test]
async fn my_work_shows_fifty_rows_of_a_section_at_a_time_each_section_paged_on_its_own() {
    let app = spawn_app().await;
    let officer = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&officer, "株式会社みなとデータサービス").await;
    // Engagements that started in April with no contract recorded: half a year later,
    // their obligations are the officer's, overdue (R-8.2 and the others of the start).
    app.clock.set(at("2027-03-01T00:00:00Z"));
    let mut overdue = Vec::new();
    for n in 1..=60 {
        let mut body = outsourcing_body("kumin", &officer.id, &vendor);
        body["title"] = Value::from(format!("窓口業務委託 第{n}号"));
        let res = app.post(&officer, "/api/v1/engagements", &body).await;
        assert_eq!(res.status(), 201);
        app.clock.set(at("2027-10-01T00:00:00Z"));
        overdue = overdue_links(&app, &officer).await;
        app.clock.set(at("2027-03-01T00:00:00Z"));
        if overdue.len() > 50 {
            break;
        }
    }
    app.clock.set(at("2027-10-01T00:00:00Z"));
    let total = overdue.len();
    assert!((51..=100).contains(&total), "{total} overdue: two pages");
    let cookie = app.enrol(&officer).await.session.cookie;

    // The first page: fifty rows, where the list stands, and the way to the next.
    let first = page(&app, &cookie, "/").await;
    let rows = section(&first, "overdue");
    assert_eq!(
        row_links(rows),
        overdue[..50],
        "the API's first fifty, in order"
    );
    assert!(
        rows.contains(&format!("全{total}件中 1〜50件を表示")),
        "{rows}"
    );
    assert!(
        rows.contains("href=\"/?overdue=2#overdue-title\""),
        "{rows}"
    );
    assert!(!rows.contains("rel=\"prev\""), "{rows}");
    // A section that fits one page shows no pager.
    assert!(!section(&first, "findings").contains("pager"));

    // The second: the rest, and the way back.
    let second = page(&app, &cookie, "/?overdue=2").await;
    let rows = section(&second, "overdue");
    assert_eq!(row_links(rows), overdue[50..], "the rest, in order");
    assert!(
        rows.contains(&format!("全{total}件中 51〜{total}件を表示")),
        "{rows}"
    );
    assert!(rows.contains("href=\"/#overdue-title\""), "{rows}");
    assert!(!rows.contains("rel=\"next\""), "{rows}");

    // Every bookmark answers: a page that is no whole number from 1 is the first, and one
    // past the end the last. A section's page leaves the others where they are.
    for (path, like) in [
        ("/?overdue=zwei", &first),
        ("/?overdue=0", &first),
        ("/?overdue=-3", &first),
        ("/?overdue=99999999999999999999", &second),
        ("/?overdue=7", &second),
    ] {
        let answer = page(&app, &cookie, path).await;
        assert_eq!(
            row_links(section(&answer, "overdue")),
            row_links(section(like, "overdue")),
            "{path}"
        );
    }
    let both = page(&app, &cookie, "/?soon=3&overdue=2").await;
    assert_eq!(row_links(section(&both, "overdue")), overdue[50..]);

    // As the officer sees it: the second page, its few rows and the pager below them.
    let browser = Browser::start_sized(DESKTOP.0, 1100)
        .await
        .expect("headless Chromium");
    browser.add_cookie(&app.address, &cookie).await.unwrap();
    browser
        .goto(&app.url("/?overdue=2#overdue-title"))
        .await
        .unwrap();
    let summary = browser
        .find("section[aria-labelledby=overdue-title] .pager-summary")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(summary, format!("全{total}件中 51〜{total}件を表示"));
    // Each window tall enough to hold the rows and the pager below them.
    for (name, (width, height)) in [("phone", (PHONE.0, 1500)), ("desktop", (DESKTOP.0, 1100))] {
        browser.resize(width, height).await.unwrap();
        browser
            .goto(&app.url("/?overdue=2#overdue-title"))
            .await
            .unwrap();
        save_screenshot(
            &format!("staff-my-work-paged-{name}"),
            &browser.screenshot_png().await.unwrap(),
        );
    }
    accessible(&browser, "my work, paged").await;
    browser.quit().await.unwrap();
}

use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{
    assert_problem, docx_paragraphs, outsourcing_body, spawn_app, TestApp, TestUser,
};

const OUTSOURCING_L3: [&str; 16] = [
    "CL-01", "CL-02", "CL-03", "CL-04", "CL-05", "CL-06", "CL-07", "CL-08", "CL-09", "CL-10",
    "CL-11", "CL-12", "CL-13", "CL-14", "CL-15", "CL-16",
];
const OUTSOURCING_L1: [&str; 9] = [
    "CL-01", "CL-02", "CL-03", "CL-04", "CL-12", "CL-13", "CL-14", "CL-15", "CL-16",
];

async fn engagement_with(
    app: &TestApp,
    so: &TestUser,
    starts_on: &str,
    item_level: &str,
) -> String {
    let vendor = app.vendor(so, "株式会社みなとデータサービス").await;
    let mut body = outsourcing_body("kumin", &so.id, &vendor);
    body["starts_on"] = json!(starts_on);
    body["ends_on"] = json!("2099-03-31");
    let res = app.post(so, "/api/v1/engagements", &body).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post(
            so,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "住民基本台帳データ", "level": item_level, "provided_to_vendor": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    id
}

/// Requests approval for every item as `so` and has another security officer of
/// the division approve it.
async fn approve_all_items(app: &TestApp, so: &TestUser, id: &str) {
    let approver = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let items: Value = app
        .get(so, &format!("/api/v1/engagements/{id}/information-items"))
        .await
        .json()
        .await
        .unwrap();
    for item in items.as_array().unwrap() {
        let res = app
            .post(
                so,
                &format!("/api/v1/engagements/{id}/approvals"),
                &json!({"rule_id": "R-3.3.3", "subject_id": item["id"]}),
            )
            .await;
        assert_eq!(res.status(), 201);
        let request: Value = res.json().await.unwrap();
        let res = app
            .post(
                &approver,
                &format!(
                    "/api/v1/approvals/{}/decision",
                    request["id"].as_str().unwrap()
                ),
                &json!({"decision": "approved"}),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
}

async fn move_to(app: &TestApp, who: &TestUser, id: &str, to: &str) -> reqwest::Response {
    app.post(
        who,
        &format!("/api/v1/engagements/{id}/transitions"),
        &json!({"to": to}),
    )
    .await
}

async fn record(app: &TestApp, who: &TestUser, id: &str, clauses: &[&str]) -> Value {
    let res = app
        .post(
            who,
            &format!("/api/v1/engagements/{id}/contracts"),
            &json!({"reference_number": "港区契第2027-001号", "signed_on": "2026-03-20", "clause_ids": clauses}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn contracted_needs_every_mandatory_clause_and_active_needs_the_start_date() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let id = engagement_with(&app, &so, "2090-04-01", "L3").await;
    assert_eq!(move_to(&app, &so, &id, "selected").await.status(), 200);

    // No contract yet: every mandatory clause is missing.
    let problem = assert_problem(move_to(&app, &so, &id, "contracted").await, 409, None).await;
    assert_eq!(problem["missing"], json!(OUTSOURCING_L3));

    // A contract without the L2+ clauses is recorded, but does not let the move through.
    let partial = record(&app, &so, &id, &OUTSOURCING_L1).await;
    assert_eq!(partial["missing_clause_ids"], json!(OUTSOURCING_L3[4..11]));
    assert_eq!(partial["template_version"], "2026.11");
    let problem = assert_problem(move_to(&app, &so, &id, "contracted").await, 409, None).await;
    assert_eq!(problem["missing"], json!(OUTSOURCING_L3[4..11]));

    let full = record(&app, &so, &id, &OUTSOURCING_L3).await;
    assert_eq!(full["missing_clause_ids"], json!([]));
    assert_eq!(move_to(&app, &so, &id, "contracted").await.status(), 200);

    // the L3 item provided to the vendor needs its approval before `active`.
    let problem = assert_problem(move_to(&app, &so, &id, "active").await, 409, None).await;
    assert_eq!(problem["missing"], json!(["住民基本台帳データ"]));
    approve_all_items(&app, &so, &id).await;

    // Not active before the start date.
    let problem = assert_problem(move_to(&app, &so, &id, "active").await, 409, None).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("開始日"),
        "{problem}"
    );
    let res = app
        .patch(
            &so,
            &format!("/api/v1/engagements/{id}"),
            &json!({"starts_on": "2026-04-01"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(move_to(&app, &so, &id, "active").await.status(), 200);

    let contracts: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}/contracts"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contracts.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_rise_in_level_re_checks_the_contract() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let id = engagement_with(&app, &so, "2026-04-01", "L1").await;
    assert_eq!(move_to(&app, &so, &id, "selected").await.status(), 200);
    record(&app, &so, &id, &OUTSOURCING_L1).await;
    assert_eq!(move_to(&app, &so, &id, "contracted").await.status(), 200);

    let res = app
        .post(
            &so,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "システム設計書", "level": "L2", "provided_to_vendor": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let problem = assert_problem(move_to(&app, &so, &id, "active").await, 409, None).await;
    assert_eq!(problem["missing"], json!(OUTSOURCING_L3[4..11]));
    let contracts: Value = app
        .get(&so, &format!("/api/v1/engagements/{id}/contracts"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        contracts[0]["missing_clause_ids"],
        json!(OUTSOURCING_L3[4..11])
    );
}

#[tokio::test]
async fn contract_input_is_checked_and_nothing_is_written_on_error() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let auditor = app.staff(&[Role::Auditor], &[]).await;
    let id = engagement_with(&app, &so, "2026-04-01", "L1").await;
    let path = format!("/api/v1/engagements/{id}/contracts");
    let bad = json!({"reference_number": "", "signed_on": "2026-02-30", "clause_ids": ["CL-01", "CL-99"]});
    let problem = assert_problem(app.post(&so, &path, &bad).await, 422, None).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["reference_number", "signed_on", "clause_ids[1]"]);
    let ok = json!({"reference_number": "X-1", "signed_on": "2026-03-01", "clause_ids": ["CL-01"]});
    assert_problem(app.post(&auditor, &path, &ok).await, 403, None).await;
    assert_eq!(app.count_rows("contracts").await, 0);
}

#[tokio::test]
async fn clause_sets_in_japanese_and_english_with_era_dates() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let id = engagement_with(&app, &so, "2027-04-01", "L3").await;
    let res = app
        .get(&so, &format!("/api/v1/engagements/{id}/clauses"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    let ja = res.text().await.unwrap();
    assert!(ja.starts_with("# 情報セキュリティに関する特記事項"), "{ja}");
    assert!(ja.contains("令和9年4月1日"), "era date");
    assert!(ja.contains("## 第1条（指針の遵守）"));
    assert!(ja.contains("## 第16条"), "16 clauses for an L3 outsourcing");
    assert!(!ja.contains("## 第17条"));
    assert!(ja.contains("住民基本台帳データ"));
    assert!(!ja.contains("CL-0"), "no clause IDs in the document");

    let en = app
        .get(
            &so,
            &format!("/api/v1/engagements/{id}/clauses?lang=en&format=text"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("1 April 2027"));
    assert!(en.contains("Article 1 ("));
    assert!(!en.contains("## "), "text has no Markdown heading marks");

    assert_problem(
        app.get(&so, &format!("/api/v1/engagements/{id}/clauses?lang=fr"))
            .await,
        422,
        Some("lang"),
    )
    .await;
    assert_problem(
        app.get(&so, &format!("/api/v1/engagements/{id}/clauses?format=pdf"))
            .await,
        422,
        Some("format"),
    )
    .await;
    let other = app.staff(&[Role::SecurityOfficer], &["hoken"]).await;
    assert_problem(
        app.get(&other, &format!("/api/v1/engagements/{id}/clauses"))
            .await,
        403,
        None,
    )
    .await;
}

#[tokio::test]
async fn clause_sets_as_word_documents_with_the_articles_of_the_markdown() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let id = engagement_with(&app, &so, "2027-04-01", "L3").await;
    for (lang, first_article) in [("ja", "第1条（指針の遵守）"), ("en", "Article 1 (")] {
        let markdown = app
            .get(
                &so,
                &format!("/api/v1/engagements/{id}/clauses?lang={lang}"),
            )
            .await
            .text()
            .await
            .unwrap();
        let res = app
            .get(
                &so,
                &format!("/api/v1/engagements/{id}/clauses?lang={lang}&format=docx"),
            )
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(
            res.headers()["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"clauses-{id}-{lang}.docx\"")
        );
        assert_eq!(res.headers()["content-language"], lang);
        let docx = res.bytes().await.unwrap();
        assert!(docx.starts_with(b"PK\x03\x04"), "a zip package");

        let articles: Vec<&str> = markdown
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .collect();
        assert_eq!(articles.len(), 16, "16 clauses for an L3 outsourcing");
        assert_eq!(docx_paragraphs(&docx, "Heading2"), articles);
        let title = markdown.lines().next().unwrap().strip_prefix("# ").unwrap();
        assert_eq!(docx_paragraphs(&docx, "Heading1"), [title]);
        assert!(articles[0].starts_with(first_article), "{}", articles[0]);
    }

    // Exported like the other formats: recorded with the format asked for.
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let log: Value = app
        .get(
            &aud,
            "/api/v1/audit-log?per_page=1000&action=contract.clauses_export",
        )
        .await
        .json()
        .await
        .unwrap();
    let formats: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["after"]["format"].as_str().unwrap())
        .collect();
    assert_eq!(
        formats.iter().filter(|f| **f == "docx").count(),
        2,
        "{formats:?}"
    );
}

#[tokio::test]
async fn html_output_escapes_every_value() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&so, "<script>alert('x')</script>株式会社").await;
    let mut body = outsourcing_body("kumin", &so.id, &vendor);
    body["title"] = json!("<img src=x onerror=alert(1)>");
    let res = app.post(&so, "/api/v1/engagements", &body).await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .get(
            &so,
            &format!("/api/v1/engagements/{id}/clauses?format=html"),
        )
        .await;
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let html = res.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("<h2>第1条（指針の遵守）</h2>"));
}

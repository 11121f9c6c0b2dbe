//! The authorization table: every route of the API, called by every role and by nobody,
//! against what `policy::access` is meant to decide (role × division × action, R-2.6,
//! R-11.1.3). A route added to the OpenAPI document without a row here fails the test.
//!
//! Expectations per caller, in the order of `CALLERS`:
//! `A` allowed (any answer but 401, 403, 404 or 5xx: the body may still be refused),
//! `F` forbidden (403), `U` not signed in (401).
//!
//! A vendor's portal link is a further caller: its token, sent as a bearer token, opens
//! nothing in the API (every route answers it as it answers nobody).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{spawn_app, TestApp, TestUser};

/// Who calls: nobody, then one user per role. Division staff belong to `kumin`, where
/// the "own" engagement is; the "other" engagement is in `zaimu`.
pub const CALLERS: [&str; 8] = ["nobody", "ciso", "dciso", "csm", "sa", "so", "csirt", "aud"];

pub struct Fixture {
    pub own: String,
    pub other: String,
    pub vendor: String,
    pub target_user: String,
    pub approval: String,
    /// A waiver of R-8.3.2 asked for by the own engagement's officer (none of the callers).
    pub waiver: String,
    /// A supervision recorded on the own engagement by its officer, with a file.
    pub record: String,
    pub record_file: String,
    /// A cloud service of kumin whose system administrator (none of the callers)
    /// recorded the first version of its configuration and of its division of
    /// responsibility.
    pub cloud: String,
    /// A subprocessor its system administrator recorded (acknowledged at once).
    pub subprocessor_change: String,
    /// A check sent for the own engagement, with an evidence file and a finding.
    pub check: String,
    pub evidence: String,
    pub finding: String,
}

/// A check of the own engagement as if answered and accepted: an evidence file and a
/// finding owned by the engagement's officer (none of the callers), written directly.
async fn check_fixture(
    app: &TestApp,
    admin: &TestUser,
    own: &str,
    owner: &TestUser,
) -> (String, String, String) {
    use itaku::db::checks::{self, FindingRow, NewEvidence};
    let res = app
        .post(
            admin,
            &format!("/api/v1/engagements/{own}/checks"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let check = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (evidence, finding) = (itaku::db::new_id(), itaku::db::new_id());
    let pool = app.pool.clone();
    let (c, e, f, o, own) = (
        check.clone(),
        evidence.clone(),
        finding.clone(),
        owner.id.clone(),
        own.to_string(),
    );
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let now = itaku::db::now_utc();
        checks::insert_evidence(
            &mut conn,
            &NewEvidence {
                id: e,
                check_id: c.clone(),
                question_id: "HUM-01".into(),
                file_name: "名簿.pdf".into(),
                media_type: "application/pdf".into(),
                size_bytes: 8,
                sha256: "0".repeat(64),
                content: b"%PDF-1.4".to_vec(),
                uploaded_at: now,
            },
        )
        .unwrap();
        checks::insert_findings(
            &mut conn,
            &[FindingRow {
                id: f,
                check_id: c,
                engagement_id: own,
                question_id: "TEC-01".into(),
                section: "technical".into(),
                rules: "R-8.3.1".into(),
                answer_json: r#"{"type":"yes_no_na","value":"no"}"#.into(),
                corrective_action: String::new(),
                owner_user_id: o,
                due_on: now.date(),
                state: itaku::policy::findings::FindingState::Open,
                risk_reason: None,
                risk_approved_by: None,
                closed_at: None,
                created_at: now,
                updated_at: now,
            }],
        )
        .unwrap();
    })
    .await
    .unwrap();
    (check, evidence, finding)
}

/// A fresh information item on the own engagement, for routes that consume it.
async fn fresh_item(app: &TestApp, admin: &TestUser, engagement: &str) -> String {
    let res = app
        .post(
            admin,
            &format!("/api/v1/engagements/{engagement}/information-items"),
            &json!({"name": "公開資料", "level": "L1", "provided_to_vendor": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn setup(app: &TestApp, admin: &TestUser) -> Fixture {
    let owner = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let elsewhere = app.staff(&[Role::SecurityOfficer], &["zaimu"]).await;
    let vendor = app.vendor(admin, "株式会社港システム").await;
    let own = app.engagement(admin, &owner, "kumin", &vendor).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.engagement(admin, &elsewhere, "zaimu", &vendor).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // An L3 item handed to the vendor needs the division's security officer's approval
    // (R-3.3.3), requested here by the CISO: routed to ROLE-SO of kumin.
    let res = app
        .post(
            admin,
            &format!("/api/v1/engagements/{own}/information-items"),
            &json!({"name": "住民記録", "level": "L3", "provided_to_vendor": true}),
        )
        .await;
    let item: Value = res.json().await.unwrap();
    let res = app
        .post(
            admin,
            &format!("/api/v1/engagements/{own}/approvals"),
            &json!({"rule_id": "R-3.3.3", "subject_id": item["id"]}),
        )
        .await;
    let approval: Value = res.json().await.unwrap();
    let target = app.staff(&[Role::Csirt], &["kumin"]).await;
    let (check, evidence, finding) = check_fixture(app, admin, &own, &owner).await;
    let res = app
        .post(
            &owner,
            &format!("/api/v1/engagements/{own}/obligations/waivers"),
            &json!({"rule_id": "R-8.3.2", "reason": "改修工事で作業場所が閉鎖中のため"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let waiver = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post(
            &owner,
            &format!("/api/v1/engagements/{own}/records"),
            &json!({"kind": "supervision", "occurred_on": "2026-01-05", "method": "remote",
                    "observed": "画面共有で作業端末の設定を確認"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let record = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/engagements/{own}/records/{record}/files")))
        .bearer_auth(&owner.token)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 minutes".to_vec()).file_name("議事録.pdf"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let record_file = res.json::<Value>().await.unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let administrator = app.staff(&[Role::SystemAdministrator], &["kumin"]).await;
    let mut body = crate::helpers::outsourcing_body("kumin", &administrator.id, &vendor);
    body["kind"] = json!("cloud_service");
    body["cloud"] =
        json!({"service_name": "港会計クラウド", "data_location": "日本", "ismap": "ismap"});
    let res = app.post(admin, "/api/v1/engagements", &body).await;
    assert_eq!(res.status(), 201);
    let cloud = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post(
            &administrator,
            &format!("/api/v1/engagements/{cloud}/configuration"),
            &configuration_body(),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post(
            &administrator,
            &format!("/api/v1/engagements/{cloud}/subprocessors/changes"),
            &json!({"kind": "added", "name": "港データセンター株式会社", "purpose": "運用",
                    "country": "JP", "effective_on": "2030-04-01"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let subprocessor_change = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .post(
            &administrator,
            &format!("/api/v1/engagements/{cloud}/responsibility"),
            &json!({"service_model": "saas", "change_summary": "ひな形から作成"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    Fixture {
        cloud,
        subprocessor_change,
        record,
        record_file,
        waiver,
        check,
        evidence,
        finding,
        own,
        other,
        vendor,
        target_user: target.id,
        approval: approval["id"]
            .as_str()
            .expect("approval requested")
            .to_string(),
    }
}

/// A configuration record of a cloud service (R-9.3.2).
pub fn configuration_body() -> Value {
    json!({
        "change_summary": "初回の記録", "tenant": "minato", "regions": ["東京"],
        "network_exposure": "LGWAN のみ", "mfa": "全員に必須", "admin_accounts": ["管理者"],
        "logging": "1年保存", "encryption": "AES-256", "backup": "日次"
    })
}

struct Row {
    method: Method,
    /// The route as the OpenAPI document names it.
    route: &'static str,
    /// The path called, with `{own}`, `{other}`, `{vendor}`, `{user}`, `{approval}` and
    /// `{item}` (a fresh item of the own engagement) filled in.
    path: &'static str,
    body: Option<Value>,
    expect: &'static str,
}

fn row(method: Method, route: &'static str, path: &'static str, expect: &'static str) -> Row {
    Row {
        method,
        route,
        path,
        body: None,
        expect,
    }
}

fn with(
    method: Method,
    route: &'static str,
    path: &'static str,
    body: Value,
    expect: &'static str,
) -> Row {
    Row {
        method,
        route,
        path,
        body: Some(body),
        expect,
    }
}

fn table() -> Vec<Row> {
    use Method as M;
    let engagement = |division: &str| {
        json!({"kind": "outsourcing", "title": "窓口業務委託", "division": division,
               "responsible_user_id": "{user}", "vendor_id": "{vendor}", "scope": "窓口",
               "starts_on": "2030-04-01", "ends_on": "2031-03-31"})
    };
    vec![
        row(M::GET, "/healthz", "/healthz", "AAAAAAAA"),
        row(M::GET, "/readyz", "/readyz", "AAAAAAAA"),
        row(
            M::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            "AAAAAAAA",
        ),
        // Signing in is public; these credentials are wrong for everyone (an address
        // per caller, so that the per-account throttle does not answer instead).
        with(
            M::POST,
            "/api/v1/session",
            "/api/v1/session",
            json!({"email": "{caller}@city.minato.example", "password": "x"}),
            "UUUUUUUU",
        ),
        row(M::GET, "/api/v1/session", "/api/v1/session", "UAAAAAAA"),
        with(
            M::PATCH,
            "/api/v1/session/preferences",
            "/api/v1/session/preferences",
            json!({"language": "ja"}),
            "UAAAAAAA",
        ),
        // The sign-in steps and sign-out work on a browser session only, never a token.
        row(M::DELETE, "/api/v1/session", "/api/v1/session", "UUUUUUUU"),
        with(
            M::POST,
            "/api/v1/session/second-factor",
            "/api/v1/session/second-factor",
            json!({"code": "123456"}),
            "UUUUUUUU",
        ),
        with(
            M::POST,
            "/api/v1/session/password",
            "/api/v1/session/password",
            json!({"new_password": "x"}),
            "UUUUUUUU",
        ),
        row(
            M::POST,
            "/api/v1/session/enrolment",
            "/api/v1/session/enrolment",
            "UUUUUUUU",
        ),
        with(
            M::POST,
            "/api/v1/session/enrolment/confirm",
            "/api/v1/session/enrolment/confirm",
            json!({"code": "123456"}),
            "UUUUUUUU",
        ),
        with(
            M::POST,
            "/api/v1/session/recovery-codes",
            "/api/v1/session/recovery-codes",
            json!({"code": "123456"}),
            "UUUUUUUU",
        ),
        // R-5.5.3.3/4: divisions and accounts are managed by ROLE-CISO, DCISO and CSM.
        row(M::GET, "/api/v1/divisions", "/api/v1/divisions", "UAAAAAAA"),
        with(
            M::POST,
            "/api/v1/divisions",
            "/api/v1/divisions",
            json!({"code": "kikaku", "name": "企画課"}),
            "UAAAFFFF",
        ),
        row(M::GET, "/api/v1/users", "/api/v1/users", "UAAAAAAA"),
        row(
            M::GET,
            "/api/v1/users/{id}",
            "/api/v1/users/{user}",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/users",
            "/api/v1/users",
            json!({"email": "new@city.minato.example", "display_name": "新 職員", "roles": ["csirt"], "divisions": ["kumin"]}),
            "UAAAFFFF",
        ),
        with(
            M::PATCH,
            "/api/v1/users/{id}",
            "/api/v1/users/{user}",
            json!({"display_name": "改名 職員"}),
            "UAAAFFFF",
        ),
        row(
            M::POST,
            "/api/v1/users/{id}/second-factor/reset",
            "/api/v1/users/{user}/second-factor/reset",
            "UAAAFFFF",
        ),
        // R-5.5.3.6: seen by those who administer or audit, confirmed by ROLE-CSM.
        row(
            M::GET,
            "/api/v1/access-review",
            "/api/v1/access-review",
            "UAAAFFFA",
        ),
        with(
            M::POST,
            "/api/v1/access-review/confirmations",
            "/api/v1/access-review/confirmations",
            json!({"note": "確認"}),
            "UFFAFFFF",
        ),
        // R-5.5.7 / R-11.1.3: the audit log is for ROLE-AUD and ROLE-CISO.
        row(M::GET, "/api/v1/audit-log", "/api/v1/audit-log", "UAFFFFFA"),
        row(
            M::GET,
            "/api/v1/audit-log/export.csv",
            "/api/v1/audit-log/export.csv",
            "UAFFFFFA",
        ),
        row(
            M::GET,
            "/api/v1/audit-log/verification",
            "/api/v1/audit-log/verification",
            "UAFFFFFA",
        ),
        // Deadlines: everyone sees their own; those who see every engagement see anyone's.
        row(M::GET, "/api/v1/deadlines", "/api/v1/deadlines", "UAAAAAAA"),
        row(
            M::GET,
            "/api/v1/deadlines",
            "/api/v1/deadlines?person={user}",
            "UAAAFFFA",
        ),
        // Questionnaire definitions are for every signed-in member of staff to read.
        row(
            M::GET,
            "/api/v1/questionnaires",
            "/api/v1/questionnaires",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/questionnaires/{id}",
            "/api/v1/questionnaires/outsourcing-periodic-check",
            "UAAAAAAA",
        ),
        // The reminder sweep and the email outbox are ROLE-CSM's.
        row(
            M::POST,
            "/api/v1/admin/sweep",
            "/api/v1/admin/sweep?dry_run=true",
            "UFFAFFFF",
        ),
        row(
            M::GET,
            "/api/v1/admin/outbox",
            "/api/v1/admin/outbox",
            "UFFAFFFF",
        ),
        row(
            M::POST,
            "/api/v1/admin/outbox/{id}/retry",
            "/api/v1/admin/outbox/none/retry",
            "UFFAFFFF",
        ),
        // Vendors are shared; those who register engagements register them.
        row(M::GET, "/api/v1/vendors", "/api/v1/vendors", "UAAAAAAA"),
        with(
            M::POST,
            "/api/v1/vendors",
            "/api/v1/vendors",
            json!({"legal_name": "株式会社試験", "address": "東京都港区", "contacts": [{"name": "担当", "email": "t@vendor.example"}]}),
            "UAAAAAFF",
        ),
        row(
            M::GET,
            "/api/v1/vendors/{id}",
            "/api/v1/vendors/{vendor}",
            "UAAAAAAA",
        ),
        with(
            M::PATCH,
            "/api/v1/vendors/{id}",
            "/api/v1/vendors/{vendor}",
            json!({"address": "東京都港区芝公園"}),
            "UAAAAAFF",
        ),
        // Engagements: everyone signed in lists what they may see; the division's SO/SA
        // change their own; CSIRT reads its division; the auditor reads all, changes none.
        row(
            M::GET,
            "/api/v1/engagements",
            "/api/v1/engagements",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/engagements/export.csv",
            "/api/v1/engagements/export.csv",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/engagements",
            "/api/v1/engagements",
            engagement("kumin"),
            "UAAAAAFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements",
            "/api/v1/engagements",
            engagement("zaimu"),
            "UAAAFFFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}",
            "/api/v1/engagements/{own}",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}",
            "/api/v1/engagements/{other}",
            "UAAAFFFA",
        ),
        with(
            M::PATCH,
            "/api/v1/engagements/{id}",
            "/api/v1/engagements/{own}",
            json!({"scope": "窓口及び電話"}),
            "UAAAAAFF",
        ),
        with(
            M::PATCH,
            "/api/v1/engagements/{id}",
            "/api/v1/engagements/{other}",
            json!({"scope": "窓口及び電話"}),
            "UAAAFFFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/transitions",
            "/api/v1/engagements/{own}/transitions",
            json!({"to": "selected"}),
            "UAAAAAFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/transitions",
            "/api/v1/engagements/{other}/transitions",
            json!({"to": "selected"}),
            "UAAAFFFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/information-items",
            "/api/v1/engagements/{own}/information-items",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/information-items",
            "/api/v1/engagements/{other}/information-items",
            "UAAAFFFA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/information-items",
            "/api/v1/engagements/{other}/information-items",
            json!({"name": "予算資料", "level": "L2", "provided_to_vendor": false}),
            "UAAAFFFF",
        ),
        with(
            M::PATCH,
            "/api/v1/engagements/{id}/information-items/{item_id}",
            "/api/v1/engagements/{own}/information-items/{item}",
            json!({"description": "更新"}),
            "UAAAAAFF",
        ),
        row(
            M::DELETE,
            "/api/v1/engagements/{id}/information-items/{item_id}",
            "/api/v1/engagements/{own}/information-items/{item}",
            "UAAAAAFF",
        ),
        // Obligations: read where the engagement is visible; a waiver is asked for by
        // those who may change the engagement and approved by CISO/DCISO/CSM, never by the
        // person who owes it or who asked (R-2.6; both are none of the callers).
        row(
            M::GET,
            "/api/v1/engagements/{id}/obligations",
            "/api/v1/engagements/{own}/obligations",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/obligations",
            "/api/v1/obligations",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/obligations/waivers",
            "/api/v1/engagements/{own}/obligations/waivers",
            json!({"rule_id": "R-8.3.1", "reason": "庁舎内作業のため"}),
            "UAAAAAFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/obligations/waivers",
            "/api/v1/engagements/{own}/obligations/waivers",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/obligations/waivers/{waiver_id}/decision",
            "/api/v1/engagements/{own}/obligations/waivers/{waiver}/decision",
            json!({"decision": "approved"}),
            "UAAAFFFF",
        ),
        // Records: read where the engagement is visible; kept by those who may change it
        // (the own engagement is an outsourcing: supervision applies, R-8.3.1).
        row(
            M::GET,
            "/api/v1/engagements/{id}/records",
            "/api/v1/engagements/{own}/records",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/records",
            "/api/v1/engagements/{own}/records",
            json!({"kind": "supervision", "occurred_on": "2026-01-05", "method": "on_site",
                   "observed": "作業場所の入退室記録と施錠保管庫を確認"}),
            "UAAAAAFF",
        ),
        // A record's files: attached by those who may change the engagement (or who
        // recorded it; a JSON body is then refused as the wrong media type), read by
        // whoever sees it.
        with(
            M::POST,
            "/api/v1/engagements/{id}/records/{record_id}/files",
            "/api/v1/engagements/{own}/records/{record}/files",
            json!({"file": "not multipart"}),
            "UAAAAAFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/records/{record_id}/files/{file_id}",
            "/api/v1/engagements/{own}/records/{record}/files/{record_file}",
            "UAAAAAAA",
        ),
        // A cloud service's configuration records: read where it is visible, kept by
        // those who may change it, approved by its division's system administrator or
        // ROLE-CISO/DCISO/CSM, never by the person who recorded it (R-9.3.2, R-2.6).
        row(
            M::GET,
            "/api/v1/engagements/{id}/configuration",
            "/api/v1/engagements/{cloud}/configuration",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/configuration/{version}/approval",
            "/api/v1/engagements/{cloud}/configuration/1/approval",
            json!({}),
            "UAAAAFFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/configuration",
            "/api/v1/engagements/{cloud}/configuration",
            configuration_body(),
            "UAAAAAFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/configuration/compare",
            "/api/v1/engagements/{cloud}/configuration/compare?from=1&to=1",
            "UAAAAAAA",
        ),
        // Its ISMAP listing and data location: read where visible, recorded by those who
        // may change it.
        row(
            M::GET,
            "/api/v1/engagements/{id}/cloud-service",
            "/api/v1/engagements/{cloud}/cloud-service",
            "UAAAAAAA",
        ),
        with(
            M::PUT,
            "/api/v1/engagements/{id}/cloud-service/ismap-listing",
            "/api/v1/engagements/{cloud}/cloud-service/ismap-listing",
            json!({"list": "ismap", "registration_number": "C21-0001-1", "listed_service": "港会計クラウド",
                   "regions": ["東日本"], "audit_period_end": "2029-06-30"}),
            "UAAAAAFF",
        ),
        with(
            M::PUT,
            "/api/v1/engagements/{id}/cloud-service/data-location",
            "/api/v1/engagements/{cloud}/cloud-service/data-location",
            json!({"storage_countries": ["JP"], "storage_regions": "東京", "backup_countries": ["JP"],
                   "support_countries": ["JP"], "governing_law": "日本法", "court": "東京地方裁判所"}),
            "UAAAAAFF",
        ),
        // Its subprocessors: read where visible; changes recorded and the link sent by
        // those who may change it; acknowledged by the system administrator or
        // ROLE-CISO/DCISO/CSM (the fixture's change is acknowledged already: 409).
        row(
            M::GET,
            "/api/v1/engagements/{id}/subprocessors",
            "/api/v1/engagements/{cloud}/subprocessors",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/subprocessors/changes/{change_id}/acknowledgement",
            "/api/v1/engagements/{cloud}/subprocessors/changes/{subprocessor_change}/acknowledgement",
            json!({}),
            "UAAAAFFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/subprocessors/changes",
            "/api/v1/engagements/{cloud}/subprocessors/changes",
            json!({"kind": "removed", "name": "存在しない株式会社", "purpose": "x", "country": "JP", "effective_on": "2030-04-01"}),
            "UAAAAAFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/subprocessors/link",
            "/api/v1/engagements/{cloud}/subprocessors/link",
            json!({}),
            "UAAAAAFF",
        ),
        // Its division of responsibility: the same, and sent by those who may change it.
        row(
            M::GET,
            "/api/v1/engagements/{id}/responsibility",
            "/api/v1/engagements/{cloud}/responsibility",
            "UAAAAAAA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/responsibility/{version}/approval",
            "/api/v1/engagements/{cloud}/responsibility/1/approval",
            json!({}),
            "UAAAAFFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/responsibility/{version}/sending",
            "/api/v1/engagements/{cloud}/responsibility/1/sending",
            json!({}),
            "UAAAAAFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/responsibility",
            "/api/v1/engagements/{cloud}/responsibility",
            json!({"service_model": "iaas", "change_summary": "IaaS に変更"}),
            "UAAAAAFF",
        ),
        // Clauses and contracts.
        row(
            M::GET,
            "/api/v1/engagements/{id}/clauses",
            "/api/v1/engagements/{own}/clauses",
            "UAAAAAAA",
        ),
        // No engagement of the fixture is closed: a format that is no format is refused
        // (422) to those who may see the engagement, before anything is looked up.
        row(
            M::GET,
            "/api/v1/engagements/{id}/completion-record",
            "/api/v1/engagements/{own}/completion-record?format=pdf",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/completion-record",
            "/api/v1/engagements/{other}/completion-record?format=pdf",
            "UAAAFFFA",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/clauses",
            "/api/v1/engagements/{other}/clauses",
            "UAAAFFFA",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/contracts",
            "/api/v1/engagements/{own}/contracts",
            json!({"reference_number": "X-1", "signed_on": "2030-03-01", "clause_ids": ["CL-01"]}),
            "UAAAAAFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/contracts",
            "/api/v1/engagements/{own}/contracts",
            "UAAAAAAA",
        ),
        // Approvals: requested by who changes the engagement; decided only by whom the
        // request was routed to (ROLE-SO of kumin here), never by the requester (R-2.6).
        with(
            M::POST,
            "/api/v1/engagements/{id}/approvals",
            "/api/v1/engagements/{own}/approvals",
            json!({"rule_id": "R-3.3.3", "subject_id": "none"}),
            "UAAAAAFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/approvals",
            "/api/v1/engagements/{own}/approvals",
            "UAAAAAAA",
        ),
        row(M::GET, "/api/v1/approvals", "/api/v1/approvals", "UAAAAAAA"),
        with(
            M::POST,
            "/api/v1/approvals/{id}/decision",
            "/api/v1/approvals/{approval}/decision",
            json!({"decision": "rejected", "reason": "情報の範囲を見直すこと"}),
            "UFFFFAFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/manager-assets",
            "/api/v1/engagements/{own}/manager-assets",
            json!({"kind": "system", "name": "予約システム"}),
            "UAAAAAFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/manager-assets",
            "/api/v1/engagements/{own}/manager-assets",
            "UAAAAAAA",
        ),
        // Periodic checks: sent, reviewed and their links managed by who changes the
        // engagement; read where it is visible (a check elsewhere is a 404, not a 403).
        // The own engagement already has an open check: a second is a 409 (allowed).
        with(
            M::POST,
            "/api/v1/engagements/{id}/checks",
            "/api/v1/engagements/{own}/checks",
            json!({}),
            "UAAAAAFF",
        ),
        with(
            M::POST,
            "/api/v1/engagements/{id}/checks",
            "/api/v1/engagements/{other}/checks",
            json!({}),
            "UAAAFFFF",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/checks",
            "/api/v1/engagements/{own}/checks",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/engagements/{id}/checks",
            "/api/v1/engagements/{other}/checks",
            "UAAAFFFA",
        ),
        with(
            M::PUT,
            "/api/v1/engagements/{id}/check-interval",
            "/api/v1/engagements/{own}/check-interval",
            json!({"months": 6}),
            "UAAAAAFF",
        ),
        with(
            M::PUT,
            "/api/v1/engagements/{id}/check-interval",
            "/api/v1/engagements/{other}/check-interval",
            json!({"months": 6}),
            "UAAAFFFF",
        ),
        row(M::GET, "/api/v1/checks", "/api/v1/checks", "UAAAAAAA"),
        row(
            M::GET,
            "/api/v1/checks/export.csv",
            "/api/v1/checks/export.csv",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/checks/{id}",
            "/api/v1/checks/{check}",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/checks/{id}/evidence/{evidence_id}",
            "/api/v1/checks/{check}/evidence/{evidence}",
            "UAAAAAAA",
        ),
        // Not submitted: a 409 for whoever may review.
        with(
            M::POST,
            "/api/v1/checks/{id}/review",
            "/api/v1/checks/{check}/review",
            json!({"decision": "accept"}),
            "UAAAAAFF",
        ),
        row(
            M::DELETE,
            "/api/v1/checks/{id}/links",
            "/api/v1/checks/{check}/links",
            "UAAAAAFF",
        ),
        row(
            M::POST,
            "/api/v1/checks/{id}/links",
            "/api/v1/checks/{check}/links",
            "UAAAAAFF",
        ),
        // Findings: edited by who changes the engagement; a risk accepted by CISO, DCISO
        // or CSM, never the finding's owner (R-2.6; the owner is none of the callers).
        row(M::GET, "/api/v1/findings", "/api/v1/findings", "UAAAAAAA"),
        row(
            M::GET,
            "/api/v1/findings/export.csv",
            "/api/v1/findings/export.csv",
            "UAAAAAAA",
        ),
        row(
            M::GET,
            "/api/v1/findings/{id}",
            "/api/v1/findings/{finding}",
            "UAAAAAAA",
        ),
        with(
            M::PATCH,
            "/api/v1/findings/{id}",
            "/api/v1/findings/{finding}",
            json!({"state": "in_progress"}),
            "UAAAAAFF",
        ),
        with(
            M::POST,
            "/api/v1/findings/{id}/risk-acceptance",
            "/api/v1/findings/{finding}/risk-acceptance",
            json!({"reason": "代替措置があるため"}),
            "UAAAFFFF",
        ),
    ]
}

fn fill(template: &str, fx: &Fixture, item: Option<&str>) -> String {
    template
        .replace("{own}", &fx.own)
        .replace("{other}", &fx.other)
        .replace("{vendor}", &fx.vendor)
        .replace("{user}", &fx.target_user)
        .replace("{approval}", &fx.approval)
        .replace("{waiver}", &fx.waiver)
        .replace("{record}", &fx.record)
        .replace("{record_file}", &fx.record_file)
        .replace("{subprocessor_change}", &fx.subprocessor_change)
        .replace("{cloud}", &fx.cloud)
        .replace("{item}", item.unwrap_or(""))
        .replace("{check}", &fx.check)
        .replace("{evidence}", &fx.evidence)
        .replace("{finding}", &fx.finding)
}

#[tokio::test]
async fn every_route_for_every_role_and_for_nobody() {
    let app = spawn_app().await;
    let admin = app.staff(&[Role::Ciso], &[]).await;
    let fx = setup(&app, &admin).await;
    let mut callers: Vec<Option<TestUser>> = vec![None];
    for role in [
        Role::Ciso,
        Role::DeputyCiso,
        Role::ChiefSystemManager,
        Role::SystemAdministrator,
        Role::SecurityOfficer,
        Role::Csirt,
        Role::Auditor,
    ] {
        callers.push(Some(app.staff(&[role], &["kumin"]).await));
    }

    // Every route the API documents has a row, and every row is a documented route.
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut documented: BTreeSet<String> = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    for extra in ["GET /healthz", "GET /readyz", "GET /api/v1/openapi.json"] {
        documented.insert(extra.to_string());
    }
    let rows = table();
    let covered: BTreeSet<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.method, r.route))
        .collect();
    assert_eq!(
        documented.difference(&covered).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "routes without a row in the authorization table"
    );
    assert_eq!(
        covered.difference(&documented).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "rows for routes that do not exist"
    );

    let mut failures = Vec::new();
    for r in &rows {
        assert_eq!(r.expect.len(), CALLERS.len(), "{} {}", r.method, r.path);
        for ((caller, expect), who) in callers.iter().zip(r.expect.chars()).zip(CALLERS) {
            let item = if r.path.contains("{item}") {
                Some(fresh_item(&app, &admin, &fx.own).await)
            } else {
                None
            };
            let path = fill(r.path, &fx, item.as_deref());
            let mut req = app.client.request(r.method.clone(), app.url(&path));
            if let Some(user) = caller {
                req = req.bearer_auth(&user.token);
            }
            if let Some(body) = &r.body {
                let text = fill(&body.to_string(), &fx, None).replace("{caller}", who);
                req = req.header("Content-Type", "application/json").body(text);
            }
            let status = req.send().await.unwrap().status().as_u16();
            let ok = match expect {
                'A' => !matches!(status, 401 | 403 | 404) && status < 500,
                'F' => status == 403,
                'U' => status == 401,
                other => panic!("unknown expectation {other}"),
            };
            if !ok {
                failures.push(format!(
                    "{} {path} as {who}: expected {expect}, got {status}",
                    r.method
                ));
            }
        }
    }
    // The portal column: the check's emailed link token, as a bearer token and as a
    // session cookie, is nobody to the API.
    let mails = app.mail_to("hanako@vendor.example", 1).await;
    let portal = mails
        .iter()
        .flat_map(|m| crate::helpers::portal_tokens(&m.text))
        .next()
        .expect("the fixture check's portal link");
    for r in &rows {
        let nobody = r.expect.chars().next().unwrap();
        let path = fill(r.path, &fx, Some("no-such-item"));
        for as_cookie in [false, true] {
            let mut req = app.client.request(r.method.clone(), app.url(&path));
            req = if as_cookie {
                req.header("Cookie", format!("itaku_session={portal}"))
            } else {
                req.bearer_auth(&portal)
            };
            if let Some(body) = &r.body {
                let text = fill(&body.to_string(), &fx, None).replace("{caller}", "portal");
                req = req.header("Content-Type", "application/json").body(text);
            }
            let status = req.send().await.unwrap().status().as_u16();
            // A cookie on a change without its CSRF header is refused (403) before the
            // cookie is even looked up: a refusal all the same.
            let ok = match nobody {
                'U' if as_cookie => matches!(status, 401 | 403),
                'U' => status == 401,
                _ => !matches!(status, 401 | 403) && status < 500,
            };
            if !ok {
                failures.push(format!(
                    "{} {path} with a portal token{}: expected {nobody}, got {status}",
                    r.method,
                    if as_cookie { " as a cookie" } else { "" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! The audit log (R-5.5.7, R-5.8.1.3): what is recorded, who may read and export it
//! and that tampering behind the service's back is found, by the API and by
//! `itaku audit verify`, on SQLite and PostgreSQL alike.

use std::process::Command;

use reqwest::Method;
use serde_json::{json, Value};

use itaku::domain::Role;

use crate::helpers::{spawn_app, TestApp, TestUser};

async fn entries(app: &TestApp, reader: &TestUser, query: &str) -> Vec<Value> {
    let res = app
        .get(reader, &format!("/api/v1/audit-log?per_page=1000&{query}"))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn verification(app: &TestApp, reader: &TestUser) -> Value {
    let res = app.get(reader, "/api/v1/audit-log/verification").await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// `itaku audit verify` against the test's database: exit status and output.
fn cli_verify(app: &TestApp, extra: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_itaku"))
        .args(["audit", "verify"])
        .args(extra)
        .env("ITAKU_DATABASE_URL", &app.database_url)
        .env("ITAKU_LOG", "warn")
        .env_remove("ITAKU_CONFIG")
        .output()
        .expect("itaku runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Some activity: a failed and a complete sign-in with sign-out, writes, an approval, an
/// L3 read and an export.
async fn activity(app: &TestApp) -> (TestUser, TestUser) {
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    assert_eq!(
        app.sign_in(&so.email, "not the password").await.status(),
        401
    );
    let enrolled = app.enrol(&so).await;
    let res = app
        .with_session(Method::DELETE, "/api/v1/session", &enrolled.session, None)
        .await;
    assert_eq!(res.status(), 204);
    let res = app
        .post(
            &ciso,
            "/api/v1/users",
            &json!({"email": "new.staff@city.minato.example", "display_name": "新任 職員", "roles": ["csirt"], "divisions": ["kumin"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let vendor = app.vendor(&ciso, "株式会社監査試験").await;
    let engagement = app.engagement(&ciso, &so, "kumin", &vendor).await;
    let id = engagement["id"].as_str().unwrap();
    let res = app
        .post(
            &ciso,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "住民記録", "level": "L3", "provided_to_vendor": true}),
        )
        .await;
    let item: Value = res.json().await.unwrap();
    let res = app
        .post(
            &ciso,
            &format!("/api/v1/engagements/{id}/approvals"),
            &json!({"rule_id": "R-3.3.3", "subject_id": item["id"]}),
        )
        .await;
    let approval: Value = res.json().await.unwrap();
    let res = app
        .post(
            &so,
            &format!(
                "/api/v1/approvals/{}/decision",
                approval["id"].as_str().unwrap()
            ),
            &json!({"decision": "approved"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get(&so, &format!("/api/v1/engagements/{id}"))
            .await
            .status(),
        200
    );
    let res = app
        .get(
            &so,
            &format!("/api/v1/engagements/{id}/clauses?format=markdown"),
        )
        .await;
    assert_eq!(res.status(), 200);
    (ciso, so)
}

#[tokio::test]
async fn r_5_5_7_sign_ins_writes_approvals_l3_reads_and_exports_are_recorded() {
    let app = spawn_app().await;
    let (ciso, so) = activity(&app).await;
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let all = entries(&app, &aud, "").await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in [
        "config.change",
        "session.sign_in_failed",
        "session.sign_in",
        "session.sign_out",
        "user.password_changed",
        "user.second_factor_enrolled",
        "user.create",
        "vendor.create",
        "engagement.create",
        "information_item.create",
        "approval.request",
        "approval.decide",
        "engagement.read_l3",
        "contract.clauses_export",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    // Newest first, numbered without gaps.
    let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] == w[1] + 1), "{seqs:?}");

    // Who, when, from where, what, before and after.
    let failed = all
        .iter()
        .find(|e| e["action"] == "session.sign_in_failed")
        .unwrap();
    assert_eq!(failed["actor_id"], so.id.as_str());
    assert_eq!(failed["address"], "127.0.0.1");
    assert!(failed["request_id"].as_str().is_some_and(|r| r.len() == 32));
    assert!(failed["occurred_at"].as_str().unwrap().starts_with("20"));
    assert!(
        !failed.to_string().contains("not the password"),
        "a password is never recorded"
    );
    let created = all
        .iter()
        .find(|e| e["action"] == "engagement.create")
        .unwrap();
    assert_eq!(created["actor_id"], ciso.id.as_str());
    assert_eq!(created["target_type"], "engagement");
    assert_eq!(
        created["after"]["title"],
        "住民記録システム運用保守業務委託"
    );
    let new_user = all.iter().find(|e| e["action"] == "user.create").unwrap();
    assert_eq!(new_user["after"]["email"], "new.staff@city.minato.example");
    assert!(!new_user.to_string().contains("one_time_password"));
    let decided = all
        .iter()
        .find(|e| e["action"] == "approval.decide")
        .unwrap();
    assert_eq!(decided["actor_id"], so.id.as_str());
    assert_eq!(decided["before"]["state"], "pending", "{decided}");
    assert_eq!(decided["after"]["state"], "approved", "{decided}");

    // Filters: by action prefix and by actor.
    let sessions = entries(&app, &aud, "action=session.").await;
    assert!(sessions
        .iter()
        .all(|e| e["action"].as_str().unwrap().starts_with("session.")));
    let by_so = entries(&app, &aud, &format!("actor_id={}", so.id)).await;
    assert!(!by_so.is_empty() && by_so.iter().all(|e| e["actor_id"] == so.id.as_str()));
}

#[tokio::test]
async fn r_5_5_7_the_chain_verifies_then_fails_after_an_update_behind_the_back() {
    let app = spawn_app().await;
    let (ciso, _) = activity(&app).await;
    let report = verification(&app, &ciso).await;
    assert_eq!(report["intact"], true, "{report}");
    assert!(report["entries"].as_u64().unwrap() > 10);
    let (code, out) = cli_verify(&app, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");
    let head = report["head_hash"].as_str().unwrap().to_string();

    // Someone with database access edits what an entry says.
    let changed = app
        .sql("UPDATE audit_log SET actor = 'someone-else@city.minato.example' WHERE seq = 5".into())
        .await;
    assert_eq!(changed, 1);
    let report = verification(&app, &ciso).await;
    assert_eq!(report["intact"], false, "{report}");
    assert!(
        report["first_break"].as_str().unwrap().contains("entry 5"),
        "{report}"
    );
    let (code, out) = cli_verify(&app, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN") && out.contains("entry 5"), "{out}");
    // The head recorded earlier no longer checks out either.
    let (code, _) = cli_verify(&app, &["--expect-head", &head]);
    assert_eq!(code, 1);
}

#[tokio::test]
async fn r_5_5_7_the_chain_fails_after_a_delete_behind_the_back() {
    let app = spawn_app().await;
    let (ciso, _) = activity(&app).await;
    let (code, out) = cli_verify(&app, &[]);
    assert_eq!(code, 0, "{out}");
    let deleted = app.sql("DELETE FROM audit_log WHERE seq = 7".into()).await;
    assert_eq!(deleted, 1);
    let report = verification(&app, &ciso).await;
    assert_eq!(report["intact"], false, "{report}");
    let problem = report["first_break"].as_str().unwrap();
    assert!(
        problem.contains("entry 7") && problem.contains("missing"),
        "{problem}"
    );
    let (code, out) = cli_verify(&app, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("entry 7"), "{out}");
}

#[tokio::test]
async fn r_5_5_7_the_chain_fails_after_the_newest_entries_are_deleted() {
    let app = spawn_app().await;
    let (ciso, _) = activity(&app).await;
    app.sql("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)".into())
        .await;
    let (code, out) = cli_verify(&app, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing"), "{out}");
    let report = verification(&app, &ciso).await;
    assert_eq!(report["intact"], false);
}

#[tokio::test]
async fn r_5_5_7_auditors_and_the_ciso_export_csv_and_the_export_is_recorded() {
    let app = spawn_app().await;
    let (ciso, so) = activity(&app).await;
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let res = app.get(&aud, "/api/v1/audit-log/export.csv").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"itaku-audit-log-"),
        "{disposition}"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "BOM for spreadsheet software"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("seq,occurred_at_utc,actor_id,actor,address"));
    assert!(text.contains("session.sign_in_failed"));
    assert!(text.contains("住民記録システム運用保守業務委託"));

    assert_eq!(
        app.get(&ciso, "/api/v1/audit-log/export.csv")
            .await
            .status(),
        200
    );
    for other in [
        app.staff(&[Role::ChiefSystemManager], &[]).await,
        app.staff(&[Role::DeputyCiso], &[]).await,
        so.clone(),
    ] {
        assert_eq!(
            app.get(&other, "/api/v1/audit-log/export.csv")
                .await
                .status(),
            403
        );
        assert_eq!(app.get(&other, "/api/v1/audit-log").await.status(), 403);
    }
    let exports = entries(&app, &aud, "action=audit_log.export").await;
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[1]["actor_id"], aud.id.as_str());
    assert!(exports[1]["after"]["rows"].as_u64().unwrap() > 10);
}

#[tokio::test]
async fn r_11_1_3_nobody_audits_their_own_activity() {
    let app = spawn_app().await;
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let other = app.staff(&[Role::Auditor], &[]).await;
    let own = format!("/api/v1/audit-log?actor_id={}", aud.id);
    let res = app.get(&aud, &own).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("R-11.1.3"),
        "{body}"
    );
    let res = app
        .get(
            &aud,
            &format!("/api/v1/audit-log/export.csv?actor_id={}", aud.id),
        )
        .await;
    assert_eq!(res.status(), 403);
    // Another auditor may.
    assert_eq!(app.get(&other, &own).await.status(), 200);
}

#[tokio::test]
async fn r_5_8_1_3_a_start_with_changed_settings_is_recorded_with_before_and_after() {
    let app = spawn_app().await;
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let first = entries(&app, &aud, "action=config.change").await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["after"]["mfa_required"], true);
    assert_eq!(first[0]["before"], Value::Null);

    // The same settings again (another instance, a restart): nothing new.
    let _same = app.start_another(&[]);
    assert_eq!(entries(&app, &aud, "action=config.change").await.len(), 1);
    // Changed settings: recorded, with what they were.
    let _changed = app.start_another(&[("mfa_required", "false"), ("stale_account_days", "30")]);
    let now = entries(&app, &aud, "action=config.change").await;
    assert_eq!(now.len(), 2);
    assert_eq!(now[0]["before"]["mfa_required"], true);
    assert_eq!(now[0]["after"]["mfa_required"], false);
    assert_eq!(now[0]["after"]["stale_account_days"], 30);
    assert_eq!(now[0]["actor"], "system");
    let database = now[0]["after"]["database"].as_str().unwrap();
    assert!(!database.contains("password"), "{database}");
    assert_eq!(verification(&app, &aud).await["intact"], true);
}

#[tokio::test]
async fn r_5_5_7_retention_purge_keeps_the_rest_verifiable() {
    let app = spawn_app().await;
    let (ciso, _) = activity(&app).await;
    // Age the first entries past the retention period behind the service's back.
    app.sql("UPDATE audit_log SET occurred_at = '2000-01-01 00:00:00' WHERE seq <= 3".into())
        .await;
    // Aging them changed their content: the chain says so, and purge refuses to destroy
    // what may be evidence of tampering.
    let report = verification(&app, &ciso).await;
    assert_eq!(report["intact"], false);
    let out = Command::new(env!("CARGO_BIN_EXE_itaku"))
        .args(["audit", "purge"])
        .env("ITAKU_DATABASE_URL", &app.database_url)
        .env("ITAKU_LOG", "warn")
        .env_remove("ITAKU_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not verify"));
}

#[tokio::test]
async fn r_5_5_7_concurrent_l3_reads_are_each_recorded_once_and_the_chain_stays_intact() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let aud = app.staff(&[Role::Auditor], &[]).await;
    let vendor = app.vendor(&so, "株式会社みなと").await;
    let e = app.engagement(&so, &so, "kumin", &vendor).await;
    let id = e["id"].as_str().unwrap().to_string();
    let res = app
        .post(
            &so,
            &format!("/api/v1/engagements/{id}/information-items"),
            &json!({"name": "住民記録", "level": "L3", "provided_to_vendor": true}),
        )
        .await;
    assert_eq!(res.status(), 201);

    // Many readers at once share the writer's transactions; none may be lost or doubled.
    const READS: usize = 48;
    let path = format!("/api/v1/engagements/{id}");
    let reads: Vec<_> = (0..READS).map(|_| app.get(&so, &path)).collect();
    for res in futures_util::future::join_all(reads).await {
        assert_eq!(res.status(), 200);
    }
    let recorded = entries(&app, &aud, "action=engagement.read_l3").await;
    assert_eq!(recorded.len(), READS);
    assert!(recorded
        .iter()
        .all(|e| e["target_id"] == id.as_str() && e["actor_id"] == so.id.as_str()));
    let report = verification(&app, &aud).await;
    assert_eq!(report["intact"], true, "{report}");
}

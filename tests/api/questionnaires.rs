//! The questionnaire definitions: the built-ins load, are listed and read over the API,
//! and a bad override stops the service with file, line and reason.

use std::process::Command;

use serde_json::Value;

use itaku::domain::Role;

use crate::helpers::{spawn_app, TestDatabase};

#[tokio::test]
async fn the_built_in_questionnaires_are_listed_and_read() {
    let app = spawn_app().await;
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let list: Value = app
        .get(&so, "/api/v1/questionnaires")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    for id in [
        "cloud-periodic-check",
        "designated-manager-inspection",
        "outsourcing-periodic-check",
        "selection-self-assessment",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let outsourcing = list
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "outsourcing-periodic-check")
        .unwrap();
    assert_eq!(outsourcing["purpose"], "periodic_check");
    assert_eq!(outsourcing["rules"], serde_json::json!(["R-8.3.2"]));
    assert!(outsourcing["question_count"].as_u64().unwrap() >= 12);

    let res = app
        .get(&so, "/api/v1/questionnaires/cloud-periodic-check")
        .await;
    assert_eq!(res.status(), 200);
    let cloud: Value = res.json().await.unwrap();
    assert_eq!(cloud["applies_to"]["kinds"][0], "cloud_service");
    let first = &cloud["sections"][0]["questions"][0];
    assert!(!first["text"]["ja"].as_str().unwrap().is_empty());
    assert!(!first["text"]["en"].as_str().unwrap().is_empty());
    assert_eq!(
        app.get(&so, "/api/v1/questionnaires/nothing")
            .await
            .status(),
        404
    );
}

#[test]
fn a_bad_questionnaire_override_stops_the_service_with_file_line_and_reason() {
    let (_db, url) = TestDatabase::new();
    let overrides = tempfile::tempdir().unwrap();
    let mut bad = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("questionnaires/outsourcing-periodic-check.yaml"),
    )
    .unwrap();
    bad = bad.replacen("answer: yes_no_na", "answer: maybe", 1);
    let line = bad
        .lines()
        .position(|l| l.contains("answer: maybe"))
        .unwrap()
        + 1;
    std::fs::write(
        overrides.path().join("outsourcing-periodic-check.yaml"),
        bad,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_itaku"))
        .env("ITAKU_DATABASE_URL", &url)
        .env("ITAKU_QUESTIONNAIRES_DIR", overrides.path())
        .env("ITAKU_MAIL_OUTBOX_DIR", overrides.path().join("outbox"))
        .env("ITAKU_BIND", "127.0.0.1:0")
        .env("ITAKU_LOG", "warn")
        .env_remove("ITAKU_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the service must not start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("outsourcing-periodic-check.yaml:{line}")),
        "names the file and line {line}: {err}"
    );
    assert!(err.contains("maybe"), "{err}");
}

//! Deadlines, reminders and their email: the real service, a real SMTP server on
//! loopback, and the service's clock moved instead of waiting.

use chrono::NaiveDate;
use serde_json::{json, Value};

use itaku::clock::Clock;
use itaku::domain::Role;

use crate::helpers::{at, outsourcing_body, spawn_app_with, TestApp, TestUser};
use crate::smtp::{free_port, smtp_config, TestSmtp};

/// Monday 3 June 2030, 09:00 in Tokyo.
const MONDAY_9AM: &str = "2030-06-03T00:00:00Z";

async fn app_with(config: &[(&'static str, String)]) -> TestApp {
    let pairs: Vec<(&str, &str)> = config.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&pairs).await;
    app.clock.set(at(MONDAY_9AM));
    app
}

struct World {
    csm: TestUser,
    owner: TestUser,
    engagement: Value,
}

/// An outsourcing of kumin starting in 10 days: its selection and contract are due then.
async fn world(app: &TestApp) -> World {
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let owner = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&csm, "株式会社港システム").await;
    let mut body = outsourcing_body("kumin", &owner.id, &vendor);
    body["starts_on"] = json!("2030-06-13");
    body["ends_on"] = json!("2031-03-31");
    let res = app.post(&csm, "/api/v1/engagements", &body).await;
    assert_eq!(res.status(), 201);
    World {
        csm,
        owner,
        engagement: res.json().await.unwrap(),
    }
}

async fn sweep(app: &TestApp, who: &TestUser) -> Value {
    let res = app.post(who, "/api/v1/admin/sweep", &json!({})).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The outbox's messages of a status, once `done` holds of them (or after 10 s).
async fn outbox_until(
    app: &TestApp,
    csm: &TestUser,
    status: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut outbox = Value::Null;
    // Up to a minute: on a loaded machine two delivery attempts a second apart can take
    // longer than the worker's own pace suggests. It returns as soon as `done` holds.
    for _ in 0..600 {
        outbox = app
            .get(csm, &format!("/api/v1/admin/outbox?status={status}"))
            .await
            .json()
            .await
            .unwrap();
        if done(&outbox) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    outbox
}

fn recipients(messages: &[crate::smtp::Received]) -> Vec<String> {
    let mut to: Vec<String> = messages.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    to
}

/// How many messages the SMTP server received for `to` alone.
fn messages_to(smtp: &TestSmtp, to: &str) -> usize {
    smtp.received()
        .iter()
        .filter(|m| m.to == vec![to.to_string()])
        .count()
}

#[tokio::test]
async fn a_digest_of_what_is_due_reaches_its_owner_once_over_smtp() {
    let smtp = TestSmtp::start();
    let app = app_with(&smtp.config()).await;
    let w = world(&app).await;

    let report = sweep(&app, &w.csm).await;
    assert_eq!(report["today"], "2030-06-03");
    assert!(report["reminders"].as_u64().unwrap() >= 2, "{report}");
    let received = smtp.wait_for(1).await;
    let to_owner: Vec<_> = received
        .iter()
        .filter(|m| m.to == vec![w.owner.email.clone()])
        .collect();
    assert_eq!(to_owner.len(), 1, "one digest, not one email per item");
    let message = to_owner[0].parsed();
    let subject = message.subject().unwrap();
    assert!(subject.starts_with("【港区】"), "{subject}");
    let text = message.body_text(0).unwrap();
    assert!(text.contains("住民記録システム運用保守業務委託"), "{text}");
    assert!(text.contains("株式会社港システム"), "{text}");
    assert!(
        text.contains("令和12年6月13日"),
        "Japanese era dates: {text}"
    );
    assert!(text.contains("あと10日"), "{text}");
    let link = format!(
        "https://itaku.city.minato.example/engagements/{}",
        w.engagement["id"].as_str().unwrap()
    );
    assert!(text.contains(&link), "{text}");
    let html = message.body_html(0).unwrap();
    assert!(html.contains(&link), "{html}");
    assert!(message.message_id().unwrap().contains('@'));

    // Again, and again from a restarted instance: nothing new, nothing sent twice.
    let again = sweep(&app, &w.csm).await;
    assert_eq!(again["reminders"], 0);
    assert_eq!(again["messages"], 0);
    let restarted = app.start_another(&[]);
    let res = app
        .client
        .post(format!("{restarted}/api/v1/admin/sweep"))
        .bearer_auth(&w.csm.token)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["messages"], 0, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.received().len(), received.len());

    // The outbox shows it sent.
    let outbox: Value = app
        .get(&w.csm, "/api/v1/admin/outbox?status=sent")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["total"], received.len());
}

#[tokio::test]
async fn itaku_sweep_by_hand_after_the_service_swept_sends_nothing_new() {
    // The command line runs on the real clock, so this test does too, with dates
    // counted from today.
    let smtp = TestSmtp::start();
    let pairs: Vec<(&str, String)> = smtp.config();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&pairs).await;
    let csm = app.staff(&[Role::ChiefSystemManager], &["joho"]).await;
    let owner = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&csm, "株式会社港システム").await;
    let today = chrono::Utc::now().date_naive();
    let mut body = outsourcing_body("kumin", &owner.id, &vendor);
    body["starts_on"] = json!((today + chrono::Days::new(10)).to_string());
    body["ends_on"] = json!((today + chrono::Days::new(400)).to_string());
    assert_eq!(
        app.post(&csm, "/api/v1/engagements", &body).await.status(),
        201
    );
    let messages = sweep(&app, &csm).await["messages"].as_u64().unwrap() as usize;
    assert!(messages >= 1);
    smtp.wait_for(messages).await;

    let itaku = |dry_run: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_itaku"));
        cmd.arg("sweep");
        if dry_run {
            cmd.arg("--dry-run");
        }
        cmd.env("ITAKU_DATABASE_URL", &app.database_url)
            .env("ITAKU_LOG", "warn")
            .env("ITAKU_SMTP_HOST", "127.0.0.1")
            .env("ITAKU_SMTP_PORT", smtp.port.to_string())
            .env("ITAKU_SMTP_SECURITY", "none")
            .env_remove("ITAKU_CONFIG");
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "itaku sweep: {:?}\nstderr: {}\nstdout: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let dry = itaku(true);
    assert!(dry.contains("0 reminders"), "{dry}");
    let out = itaku(false);
    assert!(out.contains("0 new reminders in 0 messages"), "{out}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.received().len(), messages);
}

#[tokio::test]
async fn english_for_a_recipient_who_prefers_it() {
    let smtp = TestSmtp::start();
    let app = app_with(&smtp.config()).await;
    let w = world(&app).await;
    let res = app
        .patch(
            &w.owner,
            "/api/v1/session/preferences",
            &json!({"language": "en"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["language"], "en");
    let res = app
        .patch(
            &w.owner,
            "/api/v1/session/preferences",
            &json!({"language": "fr"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    sweep(&app, &w.csm).await;
    let received = smtp.wait_for(1).await;
    let mine = received
        .iter()
        .find(|m| m.to == vec![w.owner.email.clone()])
        .unwrap();
    let message = mine.parsed();
    let text = message.body_text(0).unwrap();
    assert!(
        !message.subject().unwrap().contains('【'),
        "{:?}",
        message.subject()
    );
    assert!(text.contains("13 June 2030"), "{text}");
}

#[tokio::test]
async fn while_the_smtp_server_is_down_nothing_is_lost_and_nothing_doubles_when_it_returns() {
    let port = free_port();
    let app = app_with(&smtp_config(port)).await;
    let w = world(&app).await;
    let report = sweep(&app, &w.csm).await;
    let messages = report["messages"].as_u64().unwrap() as usize;
    assert!(messages >= 1);
    // The worker tried, failed, and keeps the messages for later.
    let pending = outbox_until(&app, &w.csm, "pending", |o| {
        o["items"][0]["attempts"].as_i64().unwrap_or(0) >= 1
    })
    .await;
    assert_eq!(pending["total"], messages, "{pending}");
    assert!(
        pending["items"][0]["last_error"].as_str().is_some(),
        "{pending}"
    );

    // The server comes back: every message arrives, once.
    let smtp = TestSmtp::start_on(port);
    let received = smtp.wait_for(messages).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        smtp.received().len(),
        messages,
        "{:?}",
        recipients(&received)
    );
    let sent: Value = app
        .get(&w.csm, "/api/v1/admin/outbox?status=sent")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent["total"], messages);
}

#[tokio::test]
async fn two_instances_sweeping_at_the_same_moment_send_each_reminder_once() {
    let smtp = TestSmtp::start();
    let app = app_with(&smtp.config()).await;
    let w = world(&app).await;
    let other = app.start_another(&[]);
    let mut sweeps = Vec::new();
    for address in [&app.address, &other, &app.address, &other] {
        let req = app
            .client
            .post(format!("{address}/api/v1/admin/sweep"))
            .bearer_auth(&w.csm.token)
            .send();
        sweeps.push(req);
    }
    let answers = futures_util::future::join_all(sweeps).await;
    let mut reminders = 0;
    for a in answers {
        let a = a.unwrap();
        assert_eq!(a.status(), 200);
        let body: Value = a.json().await.unwrap();
        reminders += body["reminders"].as_u64().unwrap();
    }
    let recorded = app.count_rows("reminders_sent").await as u64;
    assert_eq!(
        reminders, recorded,
        "each reminder counted by exactly one sweep"
    );
    let messages = app.count_rows("outbox").await as usize;
    let received = smtp.wait_for(messages).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(smtp.received().len(), messages);
    let to = recipients(&received);
    let mut unique = to.clone();
    unique.dedup();
    assert_eq!(to, unique, "nobody got two digests");
}

#[tokio::test]
async fn overdue_items_escalate_to_the_security_officer_at_14_days_and_the_ciso_at_30() {
    let smtp = TestSmtp::start();
    let app = app_with(&smtp.config()).await;
    let w = world(&app).await;
    let head = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    let first = sweep(&app, &w.csm).await["messages"].as_u64().unwrap() as usize;
    smtp.wait_for(first).await;
    let seen = |to: &str| messages_to(&smtp, to);
    assert_eq!(seen(&head.email), 0, "{:?}", recipients(&smtp.received()));

    // Due on 13 June; 13 days overdue is not yet 14.
    app.clock.set(at("2030-06-26T00:00:00Z"));
    let n = sweep(&app, &w.csm).await["messages"].as_u64().unwrap() as usize;
    smtp.wait_for(first + n).await;
    assert_eq!(seen(&head.email), 0);
    assert_eq!(seen(&ciso.email), 0);

    // 14 days overdue: the division's other security officer hears of it.
    app.clock.set(at("2030-06-27T00:00:00Z"));
    let before = smtp.received().len();
    let n = sweep(&app, &w.csm).await["messages"].as_u64().unwrap() as usize;
    let received = smtp.wait_for(before + n).await;
    assert_eq!(seen(&head.email), 1);
    assert_eq!(seen(&ciso.email), 0);
    let to_head = received
        .iter()
        .find(|m| m.to == vec![head.email.clone()])
        .unwrap()
        .parsed();
    let text = to_head.body_text(0).unwrap();
    assert!(text.contains("14日超過"), "{text}");
    assert!(text.contains("試験 太郎"), "names who owes it: {text}");

    // 30 days overdue: the CISO too; the head is not told of level 14 again.
    app.clock.set(at("2030-07-13T00:00:00Z"));
    let before = smtp.received().len();
    let n = sweep(&app, &w.csm).await["messages"].as_u64().unwrap() as usize;
    smtp.wait_for(before + n).await;
    assert_eq!(seen(&ciso.email), 1);
    assert_eq!(seen(&head.email), 1);
}

#[tokio::test]
async fn whoever_takes_over_a_role_hears_of_what_it_was_told_before_and_no_one_else_again() {
    let smtp = TestSmtp::start();
    let app = app_with(&smtp.config()).await;
    let w = world(&app).await;
    let ciso = app.staff(&[Role::Ciso], &[]).await;
    // Due on 13 June: 30 days overdue, the CISO is told.
    app.clock.set(at("2030-07-13T00:00:00Z"));
    let first = sweep(&app, &w.csm).await["messages"].as_u64().unwrap() as usize;
    smtp.wait_for(first).await;
    let seen = |to: &str| messages_to(&smtp, to);
    assert_eq!(seen(&ciso.email), 1);
    assert_eq!(
        sweep(&app, &w.csm).await["reminders"],
        0,
        "nothing new: nothing is sent"
    );

    // The same day a new CISO takes over: what the role was told of is new to them.
    let res = app
        .patch(
            &w.csm,
            &format!("/api/v1/users/{}", ciso.id),
            &json!({"roles": ["auditor"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let successor = app.staff(&[Role::Ciso], &[]).await;
    let report = sweep(&app, &w.csm).await;
    assert_eq!(report["messages"], 1, "{report}");
    let received = smtp.wait_for(first + 1).await;
    assert_eq!(seen(&successor.email), 1, "{:?}", recipients(&received));
    assert_eq!(seen(&ciso.email), 1, "the former CISO is not told again");
    assert_eq!(seen(&w.owner.email), 1);
    let to_successor = received
        .iter()
        .find(|m| m.to == vec![successor.email.clone()])
        .unwrap()
        .parsed();
    let text = to_successor.body_text(0).unwrap();
    assert!(text.contains("30日超過"), "{text}");
}

#[tokio::test]
async fn without_an_smtp_server_messages_are_written_to_the_outbox_folder() {
    let app = app_with(&[]).await;
    let w = world(&app).await;
    let report = sweep(&app, &w.csm).await;
    let messages = report["messages"].as_u64().unwrap() as usize;
    assert!(messages >= 1);
    let mut files = Vec::new();
    for _ in 0..100 {
        files = std::fs::read_dir(&app.mail_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .collect();
        if files.len() >= messages {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(files.len(), messages);
    let raw = std::fs::read(files[0].path()).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(parsed.subject().unwrap().contains("港区"));
}

#[tokio::test]
async fn after_the_last_attempt_a_message_is_failed_and_can_be_sent_again() {
    let port = free_port();
    let mut config = smtp_config(port);
    config.push(("mail_max_attempts", "2".into()));
    let app = app_with(&config).await;
    let w = world(&app).await;
    sweep(&app, &w.csm).await;
    let failed = outbox_until(&app, &w.csm, "failed", |o| {
        o["total"].as_i64().unwrap_or(0) >= 1
    })
    .await;
    assert!(failed["total"].as_i64().unwrap() >= 1, "{failed}");
    assert_eq!(failed["items"][0]["attempts"], 2);
    let id = failed["items"][0]["id"].as_str().unwrap().to_string();
    // Someone else may not look after the outbox.
    assert_eq!(
        app.get(&w.owner, "/api/v1/admin/outbox").await.status(),
        403
    );
    let smtp = TestSmtp::start_on(port);
    let retry = format!("/api/v1/admin/outbox/{id}/retry");
    assert_eq!(app.post(&w.csm, &retry, &json!({})).await.status(), 204);
    smtp.wait_for(1).await;
    let again = app.post(&w.csm, &retry, &json!({})).await.status();
    assert_eq!(again, 409, "only a failed message is sent again");
}

#[tokio::test]
async fn a_dry_run_lists_what_would_be_sent_and_records_nothing() {
    let app = app_with(&[]).await;
    let w = world(&app).await;
    let res = app
        .post(&w.csm, "/api/v1/admin/sweep?dry_run=true", &json!({}))
        .await;
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["dry_run"], true);
    let planned = report["planned"].as_array().unwrap();
    assert!(planned
        .iter()
        .any(|p| p["recipient_user_id"] == w.owner.id.as_str() && p["stage"] == "before_14"));
    assert_eq!(app.count_rows("reminders_sent").await, 0);
    assert_eq!(app.count_rows("outbox").await, 0);
    assert_eq!(
        app.post(&w.owner, "/api/v1/admin/sweep", &json!({}))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn the_deadline_view_lists_a_persons_items_soonest_first() {
    let app = app_with(&[]).await;
    let w = world(&app).await;
    let mine: Value = app
        .get(&w.owner, "/api/v1/deadlines?within=30")
        .await
        .json()
        .await
        .unwrap();
    let items = mine.as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|d| d["due_on"] == "2030-06-13"), "{mine}");
    assert!(items.iter().any(|d| d["rule_id"] == "R-8.1"), "{mine}");
    assert_eq!(items[0]["days"], 10);
    assert_eq!(items[0]["overdue"], false);
    // Nothing within 5 days.
    let soon: Value = app
        .get(&w.owner, "/api/v1/deadlines?within=5")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(soon, json!([]));
    // The CSM sees anyone's; a security officer only their own.
    let path = format!("/api/v1/deadlines?person={}", w.owner.id);
    assert_eq!(app.get(&w.csm, &path).await.status(), 200);
    let colleague = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    assert_eq!(app.get(&colleague, &path).await.status(), 403);
    let res = app.get(&w.owner, "/api/v1/deadlines?within=abc").await;
    assert_eq!(res.status(), 422);
    // The CSM's access review is due today (none was ever confirmed).
    let csm: Value = app
        .get(&w.csm, "/api/v1/deadlines")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(csm[0]["kind"], "access_review", "{csm}");
    assert_eq!(
        csm[0]["due_on"],
        NaiveDate::from_ymd_opt(2030, 6, 3).unwrap().to_string()
    );
}

/// An instance that took messages and then hung or died leaves them leased: another
/// instance sends them once the lease has run out, a minute later, not five.
#[tokio::test]
async fn messages_a_stuck_or_dead_worker_leased_are_sent_by_another_within_a_minute() {
    // A mail server that accepts connections and never answers: the first instance's
    // worker takes the messages and waits on it.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_port = black_hole.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in black_hole.incoming() {
            held.push(stream);
        }
    });
    let app = app_with(&smtp_config(hole_port)).await;
    let w = world(&app).await;
    let queued = sweep(&app, &w.csm).await["messages"].as_i64().unwrap();
    assert!(queued >= 1);
    // The first instance has leased them: wait until it has.
    let mut leased = 0;
    for _ in 0..100 {
        leased = app
            .count_rows("outbox WHERE claimed_until IS NOT NULL AND status = 'pending'")
            .await;
        if leased == queued {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(leased, queued);

    // A minute and a second after that lease was taken (it was taken at or before now),
    // a second instance with a mail server that works sends them.
    app.clock
        .set(app.clock.now() + chrono::Duration::seconds(61));
    let smtp = TestSmtp::start();
    let pairs = smtp.config();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.start_another(&pairs);
    let received = smtp.wait_for(queued as usize).await;
    assert_eq!(received.len(), queued as usize);
}

/// The due date of the engagement's supervision obligation.
async fn supervision_due(app: &TestApp, who: &TestUser, id: &str) -> NaiveDate {
    let list: Value = app
        .get(who, &format!("/api/v1/engagements/{id}/obligations"))
        .await
        .json()
        .await
        .unwrap();
    let o = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule_id"] == "R-8.3.1")
        .unwrap_or_else(|| panic!("R-8.3.1 in {list}"));
    NaiveDate::parse_from_str(o["due_on"].as_str().unwrap(), "%Y-%m-%d").unwrap()
}

/// The stages of the supervision reminders a dry run would send to `owner`.
async fn supervision_reminders(app: &TestApp, csm: &TestUser, owner: &TestUser) -> Vec<String> {
    let res = app
        .post(csm, "/api/v1/admin/sweep?dry_run=true", &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    report["planned"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["rule_id"] == "R-8.3.1" && p["recipient_user_id"] == owner.id.as_str())
        .map(|p| p["stage"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn r_8_3_1_a_periodic_obligation_met_for_one_interval_is_reminded_again_in_the_next() {
    let app = app_with(&[]).await;
    let w = world(&app).await;
    let id = w.engagement["id"].as_str().unwrap();
    // A term long enough for supervision to fall due more than once.
    let res = app
        .patch(
            &w.csm,
            &format!("/api/v1/engagements/{id}"),
            &json!({"ends_on": "2034-03-31"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let day_after = |due: NaiveDate| at(&format!("{}T00:00:00Z", due + chrono::Days::new(1)));

    // The first interval: the day after its due date the owner is told it is due, once.
    let first = supervision_due(&app, &w.owner, id).await;
    app.clock.set(day_after(first));
    assert_eq!(supervision_reminders(&app, &w.csm, &w.owner).await, ["due"]);
    sweep(&app, &w.csm).await;
    assert!(supervision_reminders(&app, &w.csm, &w.owner)
        .await
        .is_empty());

    // Supervised that day: met for one interval, then owed again.
    let res = app
        .post(
            &w.owner,
            &format!("/api/v1/engagements/{id}/records"),
            &json!({"kind": "supervision", "occurred_on": (first + chrono::Days::new(1)).to_string(),
                    "method": "on_site", "observed": "作業場所の入退室管理を確認"}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let next = supervision_due(&app, &w.owner, id).await;
    assert!(next > first, "{next} after {first}");

    // The next interval's reminder is a new one, though its stage has the same name.
    app.clock.set(day_after(next));
    assert_eq!(supervision_reminders(&app, &w.csm, &w.owner).await, ["due"]);
}

//! `cargo bench --bench portal_submissions`: signed vendor-portal submissions of 50 answers
//! each, from concurrent clients, and a check that none was lost or doubled.
//!
//! Starts the real service on a loopback port over a fresh database (a temporary SQLite
//! file, or a new PostgreSQL database when `ITAKU_BENCH_POSTGRES_URL` names a server), with
//! a 50-question periodic questionnaire in place of the built-in one for outsourcing. Seeds
//! active outsourcing engagements through the library's data layer, issues one check per
//! engagement through the API, reads the portal links from the `.eml` files the service
//! writes, opens each check page once for its form token (not timed), then times whole
//! submissions (50 answers, the signed statement, `action=submit`) from concurrent clients
//! and verifies every check in the database afterwards. See benches/README.md.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Text};
use diesel::RunQueryDsl;
use reqwest::multipart::Form;

use itaku::config::Config;
use itaku::db;
use itaku::startup::Application;

use common::{seed_portal, BenchDatabase};

/// The built-in file this benchmark's questionnaire replaces (same name, so no overlap).
const QUESTIONNAIRE: &str = "outsourcing-periodic-check";
const QUESTIONS_PER_SECTION: usize = 10;
const SECTIONS: &[(&str, &str, &str, &str)] = &[
    ("human", "HUM", "人的対策", "Human measures"),
    ("technical", "TEC", "技術的対策", "Technical measures"),
    ("physical", "PHY", "物理的対策", "Physical measures"),
    ("cloud", "CLD", "クラウドサービス", "Cloud services"),
    (
        "organisational",
        "ORG",
        "組織的対策",
        "Organisational measures",
    ),
];
const ANSWERS: usize = QUESTIONS_PER_SECTION * 5;
/// Checks submitted in each scenario; each scenario has checks of its own.
const CHECKS_PER_SCENARIO: usize = 1_000;

struct Scenario {
    name: &'static str,
    /// Client tasks, each submitting one check at a time.
    clients: usize,
    /// Each check's form sent twice at the same moment (a double click, a retry).
    twice: bool,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "submit once",
        clients: 8,
        twice: false,
    },
    Scenario {
        name: "submit once",
        clients: 32,
        twice: false,
    },
    Scenario {
        name: "submit twice at once",
        clients: 16,
        twice: true,
    },
];

#[derive(Clone, Copy)]
enum Answer {
    YesNoNa,
    Single,
    Multiple,
    Text,
    Date,
    Number,
}

const ANSWER_TYPES: [Answer; 6] = [
    Answer::YesNoNa,
    Answer::Single,
    Answer::Multiple,
    Answer::Text,
    Answer::Date,
    Answer::Number,
];

/// The 50 questions: (section, question id, answer type), the types in rotation.
fn questions() -> Vec<(usize, String, Answer)> {
    (0..ANSWERS)
        .map(|i| {
            let section = i / QUESTIONS_PER_SECTION;
            let id = format!(
                "{}-{:02}",
                SECTIONS[section].1,
                i % QUESTIONS_PER_SECTION + 1
            );
            (section, id, ANSWER_TYPES[i % ANSWER_TYPES.len()])
        })
        .collect()
}

/// The questionnaire file: 50 required questions of every answer type but `file`, no
/// evidence asked for, so a submission is one multipart form of text fields.
fn questionnaire_yaml() -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "id: {QUESTIONNAIRE}\nversion: 1\n\
         title: {{ja: 業務委託 定期点検票（性能測定用・50問）, en: Outsourcing periodic check (50-question benchmark)}}\n\
         purpose: periodic_check\n\
         applies_to:\n  kinds: [outsourcing]\n  levels: [L1, L2, L3]\n\
         rules: [R-8.3.2]\nsections:"
    );
    let all = questions();
    for (s, (section, _, ja, en)) in SECTIONS.iter().enumerate() {
        let _ = writeln!(
            y,
            "  - id: {section}\n    title: {{ja: {ja}, en: {en}}}\n    questions:"
        );
        for (n, (_, id, answer)) in all.iter().filter(|q| q.0 == s).enumerate() {
            let number = s * QUESTIONS_PER_SECTION + n + 1;
            let _ = writeln!(
                y,
                "      - id: {id}\n        text:\n          ja: 設問{number}の対策を点検対象期間中に実施しましたか。\n          en: Benchmark question {number} about the measures taken in the period under review.\n        rules: [R-8.3.1]\n        required: true"
            );
            let tail = match answer {
                Answer::YesNoNa => "answer: yes_no_na\n        non_conforming: [no]",
                Answer::Single => {
                    "answer: single_choice\n        choices:\n          \
                     - {id: always, ja: 常に実施した, en: Always}\n          \
                     - {id: partly, ja: 一部実施した, en: Partly}\n          \
                     - {id: never, ja: 実施していない, en: Not done}\n        \
                     non_conforming: [never]"
                }
                Answer::Multiple => {
                    "answer: multiple_choice\n        choices:\n          \
                     - {id: paper, ja: 紙, en: Paper}\n          \
                     - {id: email, ja: 電子メール, en: Email}\n          \
                     - {id: system, ja: 業務システム, en: Business system}\n          \
                     - {id: none, ja: 記録していない, en: Not recorded}\n        \
                     non_conforming: [none]"
                }
                Answer::Text => "answer: text",
                Answer::Date => "answer: date",
                Answer::Number => "answer: number\n        min: 0",
            };
            let _ = writeln!(y, "        {tail}");
        }
    }
    y
}

/// A conforming answer to every question, as the page's form fields send them (a
/// multiple choice with two boxes ticked sends its field twice).
fn answer_fields() -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (_, id, answer) in questions() {
        let name = format!("q.{id}");
        let values: &[&str] = match answer {
            Answer::YesNoNa => &["yes"],
            Answer::Single => &["always"],
            Answer::Multiple => &["paper", "system"],
            Answer::Text => &["年1回、全従業員に研修を実施し、受講記録を保管している。"],
            Answer::Date => &["2026-03-31"],
            Answer::Number => &["12"],
        };
        fields.extend(values.iter().map(|v| (name.clone(), v.to_string())));
    }
    fields.push(("signed_name".into(), "山田 花子".into()));
    fields.push(("signed_title".into(), "情報セキュリティ管理者".into()));
    fields.push(("declaration".into(), "yes".into()));
    fields.push(("action".into(), "submit".into()));
    fields
}

/// The portal tokens in a text: what follows `/portal/`, 43 URL-safe characters.
fn portal_tokens(text: &str) -> Vec<String> {
    text.match_indices("/portal/")
        .map(|(i, m)| {
            text[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .filter(|t| t.len() == 43)
        .collect()
}

/// Waits (up to 60 s) until the outbox folder holds a link for every contact in
/// `checks` (contact email → check id); the token of each check.
async fn read_links(dir: &Path, checks: &HashMap<String, String>) -> HashMap<String, String> {
    let mut tokens = HashMap::new();
    let mut read = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while tokens.len() < checks.len() {
        assert!(
            Instant::now() < deadline,
            "only {} of {} emails arrived in {}",
            tokens.len(),
            checks.len(),
            dir.display()
        );
        for entry in std::fs::read_dir(dir).expect("outbox folder").flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "eml") || read.contains(&path) {
                continue;
            }
            let Ok(raw) = std::fs::read(&path) else {
                continue;
            };
            let Some(mail) = mail_parser::MessageParser::default().parse(&raw) else {
                continue; // still being written
            };
            let text = mail
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default();
            let to: Vec<String> = mail
                .to()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.address())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let token = portal_tokens(&text).into_iter().next();
            if let (Some(token), Some(check)) = (token, to.iter().find_map(|t| checks.get(t))) {
                assert!(
                    tokens.insert(check.clone(), token).is_none(),
                    "two links for check {check}"
                );
            }
            read.insert(path);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokens
}

/// The hidden CSRF value of the check page.
fn csrf_in(html: &str) -> String {
    let at = html.find("name=\"csrf\"").expect("a csrf field");
    let rest = &html[at..];
    let v = rest.find("value=\"").expect("its value") + 7;
    rest[v..v + rest[v..].find('"').expect("a closing quote")].to_string()
}

struct Job {
    check_id: String,
    url: String,
    csrf: String,
}

/// One form posted: its latency, status and, when it is not the expected redirect to the
/// submitted page, what came back.
struct Sent {
    check_id: String,
    latency: Duration,
    status: u16,
    unexpected: Option<String>,
}

async fn submit(client: &reqwest::Client, job: &Job, fields: &[(String, String)]) -> Sent {
    let mut form = Form::new().text("csrf", job.csrf.clone());
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    let started = Instant::now();
    let res = client.post(&job.url).multipart(form).send().await;
    let (status, location, body) = match res {
        Ok(res) => {
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = res.text().await.unwrap_or_else(|e| format!("(body: {e})"));
            (status, location, body)
        }
        Err(e) => (0, String::new(), e.to_string()),
    };
    let latency = started.elapsed();
    let unexpected = (status != 303 || !location.contains("notice=submitted")).then(|| {
        let mut text: String = body.chars().take(300).collect();
        text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("{status} location={location:?} {text}")
    });
    Sent {
        check_id: job.check_id.clone(),
        latency,
        status,
        unexpected,
    }
}

/// Opens each check page once (`clients` at a time, which also opens the connections the
/// timed part uses); the form token of each.
async fn open_pages(client: &reqwest::Client, jobs: &mut [Job], clients: usize) {
    let urls: Arc<Vec<String>> = Arc::new(jobs.iter().map(|j| j.url.clone()).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, urls, next) = (client.clone(), urls.clone(), next.clone());
            tokio::spawn(async move {
                let mut found = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    let res = client.get(url).send().await.expect("check page");
                    let status = res.status();
                    let html = res.text().await.expect("check page body");
                    assert_eq!(status, 200, "{html}");
                    found.push((i, csrf_in(&html)));
                }
                found
            })
        })
        .collect();
    for task in tasks {
        for (i, csrf) in task.await.expect("page task") {
            jobs[i].csrf = csrf;
        }
    }
}

/// Submits every job's form once (or twice at the same moment) from `clients` tasks.
async fn fire(
    client: &reqwest::Client,
    jobs: Arc<Vec<Job>>,
    fields: Arc<Vec<(String, String)>>,
    clients: usize,
    twice: bool,
) -> (Duration, Vec<Sent>) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, jobs, fields, next) =
                (client.clone(), jobs.clone(), fields.clone(), next.clone());
            tokio::spawn(async move {
                let mut sent = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    if twice {
                        let (a, b) = tokio::join!(
                            submit(&client, job, &fields),
                            submit(&client, job, &fields)
                        );
                        sent.extend([a, b]);
                    } else {
                        sent.push(submit(&client, job, &fields).await);
                    }
                }
                sent
            })
        })
        .collect();
    let mut sent = Vec::new();
    for task in tasks {
        sent.extend(task.await.expect("client task"));
    }
    (started.elapsed(), sent)
}

#[derive(diesel::QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    answers: i64,
    #[diesel(sql_type = BigInt)]
    submits: i64,
    #[diesel(sql_type = BigInt)]
    drafts: i64,
}

/// Every check as stored: its state, answer rows, and `check.submit` and
/// `check.save_draft` audit entries.
async fn stored_checks(pool: &db::DbPool) -> HashMap<String, Stored> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("database connection");
        diesel::sql_query(
            "SELECT c.id AS id, c.state AS state, \
               (SELECT COUNT(*) FROM check_answers a WHERE a.check_id = c.id) AS answers, \
               (SELECT COUNT(*) FROM audit_log l \
                 WHERE l.action = 'check.submit' AND l.target_id = c.id) AS submits, \
               (SELECT COUNT(*) FROM audit_log l \
                 WHERE l.action = 'check.save_draft' AND l.target_id = c.id) AS drafts \
             FROM checks c",
        )
        .load::<Stored>(&mut conn)
        .expect("read the checks")
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect()
    })
    .await
    .expect("verification task")
}

async fn count(pool: &db::DbPool, sql: &'static str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("database connection");
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .expect("count")
            .n
    })
    .await
    .expect("count task")
}

struct Outcome {
    scenario: &'static Scenario,
    checks: usize,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// Responses other than 303 to the submitted page.
    bad_responses: usize,
    /// Checks not `submitted` with exactly 50 answers.
    lost: usize,
    /// Checks with other than one `check.submit` (or one `check.save_draft`) entry.
    doubled: usize,
}

/// The latency at percentile `p` (nearest rank) of sorted latencies, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn print_table(backend: &str, outcomes: &mut [Outcome]) {
    println!();
    println!("{backend}, {ANSWERS} answers per submission:");
    println!();
    println!(
        "| scenario | clients | checks | requests | submissions/s | p50 (ms) | p95 (ms) | p99 (ms) \
         | max (ms) | non-303 | lost | doubled |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for o in outcomes.iter_mut() {
        o.latencies.sort();
        let clients = if o.scenario.twice {
            format!("{}×2", o.scenario.clients)
        } else {
            o.scenario.clients.to_string()
        };
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            o.scenario.name,
            clients,
            o.checks,
            o.requests,
            o.checks as f64 / o.elapsed.as_secs_f64(),
            percentile_ms(&o.latencies, 50.0),
            percentile_ms(&o.latencies, 95.0),
            percentile_ms(&o.latencies, 99.0),
            percentile_ms(&o.latencies, 100.0),
            o.bad_responses,
            o.lost,
            o.doubled,
        );
    }
}

async fn bench() -> bool {
    let (database, database_url) = BenchDatabase::new();
    let questionnaires = tempfile::tempdir().expect("questionnaires folder");
    std::fs::write(
        questionnaires.path().join(format!("{QUESTIONNAIRE}.yaml")),
        questionnaire_yaml(),
    )
    .expect("write the questionnaire");
    let outbox = tempfile::tempdir().expect("mail folder");
    let config = Config::from_pairs(&[
        ("database_url", &database_url),
        ("bind", "127.0.0.1:0"),
        ("log", "warn"),
        (
            "questionnaires_dir",
            &questionnaires.path().display().to_string(),
        ),
        ("mail_outbox_dir", &outbox.path().display().to_string()),
        // The sweep would issue checks of its own; it runs on no day of this benchmark.
        ("sweep_schedule", "0 0 0 1 1 * 2099"),
    ])
    .expect("bench configuration");
    itaku::telemetry::init(&config);
    let backend = config.database.describe();
    let app = Application::build(config).expect("application starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool().clone();
    tokio::spawn(app.run_until_stopped());
    println!(
        "portal_submissions: {backend}, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let engagements = CHECKS_PER_SCENARIO * SCENARIOS.len();
    let started = Instant::now();
    let seeded = tokio::task::spawn_blocking({
        let pool = pool.clone();
        move || {
            let mut conn = pool.get().expect("database connection");
            db::write(&mut conn, |conn| seed_portal(conn, engagements)).expect("seed")
        }
    })
    .await
    .expect("seeding task");
    eprintln!(
        "seeded {engagements} outsourcing engagements in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // One check per engagement, issued as the responsible officer would.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .expect("http client");
    let started = Instant::now();
    let mut by_contact = HashMap::new();
    let mut order = Vec::new();
    for (engagement_id, contact) in &seeded.engagements {
        let res = client
            .post(format!("{base}/api/v1/engagements/{engagement_id}/checks"))
            .bearer_auth(&seeded.token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("issue a check");
        let status = res.status();
        let body: serde_json::Value = res.json().await.expect("JSON answer");
        assert_eq!(status, 201, "{body}");
        let questions: usize = body["definition"]["sections"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|s| s["questions"].as_array())
                    .map(Vec::len)
                    .sum()
            })
            .unwrap_or(0);
        assert!(
            body["questionnaire"]["id"] == QUESTIONNAIRE && questions == ANSWERS,
            "the check was sent with {} ({questions} questions), not the benchmark's",
            body["questionnaire"]["id"]
        );
        let id = body["id"].as_str().expect("check id").to_string();
        by_contact.insert(contact.clone(), id.clone());
        order.push(id);
    }
    let tokens = read_links(outbox.path(), &by_contact).await;
    eprintln!(
        "issued {engagements} checks and read their links in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let fields = Arc::new(answer_fields());
    let mut outcomes = Vec::new();
    let mut problems = Vec::new();
    for (n, scenario) in SCENARIOS.iter().enumerate() {
        let ids = &order[n * CHECKS_PER_SCENARIO..(n + 1) * CHECKS_PER_SCENARIO];
        let mut jobs: Vec<Job> = ids
            .iter()
            .map(|id| Job {
                check_id: id.clone(),
                url: format!("{base}/portal/{}", tokens[id]),
                csrf: String::new(),
            })
            .collect();
        let in_flight = scenario.clients * if scenario.twice { 2 } else { 1 };
        open_pages(&client, &mut jobs, in_flight).await;
        let jobs = Arc::new(jobs);
        let (elapsed, sent) = fire(
            &client,
            jobs.clone(),
            fields.clone(),
            scenario.clients,
            scenario.twice,
        )
        .await;
        eprintln!(
            "  {} ({in_flight} in flight): done in {:.1} s",
            scenario.name,
            elapsed.as_secs_f64()
        );

        // Nothing lost, nothing doubled.
        let label = format!("{} / {in_flight} in flight", scenario.name);
        let mut bad_responses = 0;
        for s in &sent {
            if let Some(what) = &s.unexpected {
                bad_responses += 1;
                problems.push(format!("{label}: check {}: answered {what}", s.check_id));
            }
        }
        let stored = stored_checks(&pool).await;
        let (mut lost, mut doubled) = (0, 0);
        for id in ids {
            let s = &stored[id];
            if s.state != "submitted" || s.answers != ANSWERS as i64 {
                lost += 1;
                problems.push(format!(
                    "{label}: check {id} is {} with {} answers",
                    s.state, s.answers
                ));
            }
            if s.submits != 1 || s.drafts != 1 {
                doubled += 1;
                problems.push(format!(
                    "{label}: check {id} has {} check.submit and {} check.save_draft entries",
                    s.submits, s.drafts
                ));
            }
        }
        let statuses: BTreeMap<u16, usize> = sent.iter().fold(BTreeMap::new(), |mut m, s| {
            *m.entry(s.status).or_default() += 1;
            m
        });
        eprintln!("    statuses {statuses:?}");
        outcomes.push(Outcome {
            scenario,
            checks: ids.len(),
            requests: sent.len(),
            elapsed,
            latencies: sent.iter().map(|s| s.latency).collect(),
            bad_responses,
            lost,
            doubled,
        });
    }

    // Across all scenarios: one check.submit per check, and the audit chain intact.
    let submits = count(
        &pool,
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'check.submit'",
    )
    .await;
    if submits != engagements as i64 {
        problems.push(format!(
            "the audit log has {submits} check.submit entries for {engagements} checks"
        ));
    }
    let report = tokio::task::spawn_blocking({
        let pool = pool.clone();
        move || {
            let mut conn = pool.get().expect("database connection");
            db::audit::verify(&mut conn, None).expect("verify the audit log")
        }
    })
    .await
    .expect("verification task");
    if !report.is_intact() {
        problems.push(format!(
            "the audit chain is broken: {:?}",
            report.first_break
        ));
    }

    print_table(&backend, &mut outcomes);
    println!();
    println!(
        "audit log: {submits} check.submit entries for {engagements} checks; chain of {} \
         entries {}",
        report.entries,
        if report.is_intact() {
            "intact"
        } else {
            "BROKEN"
        }
    );
    for p in problems.iter().take(50) {
        eprintln!("PROBLEM: {p}");
    }
    if problems.len() > 50 {
        eprintln!("... and {} more", problems.len() - 50);
    }
    drop(database);
    problems.is_empty()
}

fn main() {
    // `cargo bench` passes `--bench`; this benchmark takes no arguments.
    let ok = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(bench());
    if !ok {
        eprintln!("portal_submissions: submissions were lost, doubled or refused (see above)");
        std::process::exit(1);
    }
}

//! `cargo bench --bench list_engagements`: `GET /api/v1/engagements` on 10,000 engagements.
//!
//! Starts the real service on a loopback port over a fresh database (a temporary SQLite
//! file, or a new PostgreSQL database when `ITAKU_BENCH_POSTGRES_URL` names a server),
//! seeds it through the library's data layer in one transaction, then sends a fixed number
//! of requests per scenario from concurrent clients and prints throughput and latency.
//! See benches/README.md.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use itaku::config::Config;
use itaku::db;
use itaku::startup::Application;

use common::{seed, BenchDatabase, DIVISIONS, SEARCH, VENDORS};

const ENGAGEMENTS: usize = 10_000;
const CONCURRENCY: usize = 16;

struct Scenario {
    name: String,
    query: Vec<(&'static str, &'static str)>,
    requests: usize,
    expected_total: usize,
    expected_items: usize,
}

struct Outcome {
    name: String,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Checks one answer of the scenario: the right total and page size.
async fn check(client: &reqwest::Client, url: &str, token: &str, s: &Scenario) {
    let res = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = res.status();
    let body: serde_json::Value = res.json().await.expect("JSON answer");
    assert_eq!(status, 200, "{}: {body}", s.name);
    assert_eq!(body["total"], s.expected_total, "{}: total", s.name);
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), s.expected_items, "{}: page size", s.name);
}

/// Sends `requests` requests from `CONCURRENCY` tasks; every answer must be a 200.
async fn fire(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    requests: usize,
) -> (Duration, Vec<Duration>) {
    let url = Arc::new(url.to_string());
    let token = Arc::new(token.to_string());
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|worker| {
            let share = requests / CONCURRENCY + usize::from(worker < requests % CONCURRENCY);
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(share);
                for _ in 0..share {
                    let sent = Instant::now();
                    let res = client
                        .get(url.as_str())
                        .bearer_auth(token.as_str())
                        .send()
                        .await
                        .expect("request");
                    let status = res.status();
                    let body = res.bytes().await.expect("response body");
                    latencies.push(sent.elapsed());
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    (started.elapsed(), latencies)
}

/// The latency at percentile `p` (nearest rank) of sorted latencies, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn print_table(outcomes: &mut [Outcome]) {
    println!();
    println!("| scenario | requests | concurrency | throughput (req/s) | p50 (ms) | p99 (ms) | max (ms) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for o in outcomes.iter_mut() {
        o.latencies.sort();
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            o.name,
            o.requests,
            CONCURRENCY,
            o.requests as f64 / o.elapsed.as_secs_f64(),
            percentile_ms(&o.latencies, 50.0),
            percentile_ms(&o.latencies, 99.0),
            percentile_ms(&o.latencies, 100.0),
        );
    }
}

async fn bench() {
    let (database, database_url) = BenchDatabase::new();
    let config = Config::from_pairs(&[
        ("database_url", &database_url),
        ("bind", "127.0.0.1:0"),
        ("log", "warn"),
    ])
    .expect("bench configuration");
    itaku::telemetry::init(&config);
    let backend = config.database.describe();
    let app = Application::build(config).expect("application starts");
    let base = format!("http://127.0.0.1:{}/api/v1/engagements", app.port());
    let pool = app.pool().clone();
    tokio::spawn(app.run_until_stopped());

    println!("list_engagements: {backend}");
    let started = Instant::now();
    let seeded = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("database connection");
        db::write(&mut conn, |conn| seed(conn, ENGAGEMENTS)).expect("seed the data set")
    })
    .await
    .expect("seeding task");
    println!(
        "seeded {ENGAGEMENTS} engagements ({} information items; {} at L3, {} of them \
         matching q={SEARCH}), {VENDORS} vendors, {} divisions in {:.1} s",
        seeded.items,
        seeded.level_l3,
        seeded.filtered,
        DIVISIONS.len(),
        started.elapsed().as_secs_f64()
    );

    let scenarios = [
        Scenario {
            name: "per_page=50 (first page)".into(),
            query: vec![("per_page", "50")],
            requests: 2_000,
            expected_total: ENGAGEMENTS,
            expected_items: 50,
        },
        Scenario {
            name: "per_page=1000".into(),
            query: vec![("per_page", "1000")],
            requests: 200,
            expected_total: ENGAGEMENTS,
            expected_items: 1000,
        },
        Scenario {
            name: format!("level=L3&q={SEARCH} (per_page=50)"),
            query: vec![("level", "L3"), ("q", SEARCH)],
            requests: 2_000,
            expected_total: seeded.filtered,
            expected_items: seeded.filtered.min(50),
        },
    ];

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("http client");
    let mut outcomes = Vec::new();
    for s in &scenarios {
        let url = reqwest::Url::parse_with_params(&base, &s.query).expect("valid URL");
        check(&client, url.as_str(), &seeded.token, s).await;
        // Warm-up: open the connections and fill the caches; not measured.
        fire(&client, url.as_str(), &seeded.token, CONCURRENCY).await;
        let (elapsed, latencies) = fire(&client, url.as_str(), &seeded.token, s.requests).await;
        eprintln!("  {}: done in {:.1} s", s.name, elapsed.as_secs_f64());
        outcomes.push(Outcome {
            name: s.name.clone(),
            requests: s.requests,
            elapsed,
            latencies,
        });
    }
    print_table(&mut outcomes);
    drop(database);
}

fn main() {
    // `cargo bench` passes `--bench`; this benchmark takes no arguments.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(bench());
}

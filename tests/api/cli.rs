//! The `itaku` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::TestDatabase;

fn itaku(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_itaku"));
    cmd.env("ITAKU_DATABASE_URL", database_url)
        .env(
            "ITAKU_MAIL_OUTBOX_DIR",
            std::env::temp_dir().join("itaku-test-outbox"),
        )
        .env("ITAKU_LOG", "warn")
        .env_remove("ITAKU_CONFIG");
    cmd
}

/// Starts `itaku serve` on a free port and returns it with the first two lines it printed
/// (where it listens; how email leaves). Its log is dropped.
fn start_server(cmd: &mut Command) -> (std::process::Child, String) {
    start_server_logging(cmd.stderr(Stdio::null()))
}

/// As `start_server`, with standard error as `cmd` sets it.
fn start_server_logging(cmd: &mut Command) -> (std::process::Child, String) {
    let mut server = cmd
        .env("ITAKU_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    out.read_line(&mut line).unwrap();
    (server, line)
}

/// The demo's L3 outsourcing, looked up behind the CLI's back.
fn demo_engagement_id(url: &str) -> String {
    use diesel::prelude::*;
    use itaku::db::schema::engagements;
    let config = itaku::config::Config::from_pairs(&[("database_url", url)]).unwrap();
    let mut conn = itaku::db::establish(&config.database).unwrap();
    engagements::table
        .filter(engagements::title.eq("住民記録システム運用保守業務委託"))
        .select(engagements::id)
        .first::<String>(&mut conn)
        .unwrap()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("itaku runs");
    assert!(
        out.status.success(),
        "itaku failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_documents_every_configuration_key() {
    let out = run(Command::new(env!("CARGO_BIN_EXE_itaku")).arg("--help"));
    for (key, _, _) in itaku::config::KEYS {
        let var = format!("ITAKU_{}", key.to_ascii_uppercase());
        assert!(out.contains(&var), "{var} missing from --help");
    }
}

#[test]
fn user_add_then_token_create_gives_a_working_bearer_token() {
    let (_db, url) = TestDatabase::new();
    let out = run(itaku(&url).args([
        "user",
        "add",
        "--email",
        "admin@city.minato.example",
        "--name",
        "管理者",
        "--role",
        "chief_system_manager",
        "--division",
        "joho-seisaku",
    ]));
    let password = out.lines().last().unwrap().trim();
    assert_eq!(password.len(), 20, "{out}");
    let out = run(itaku(&url).args(["token", "create", "--email", "admin@city.minato.example"]));
    let token = out.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("itk_"), "{out}");

    let dup = itaku(&url)
        .args([
            "user",
            "add",
            "--email",
            "admin@city.minato.example",
            "--name",
            "x",
            "--role",
            "ciso",
        ])
        .output()
        .unwrap();
    assert!(!dup.status.success());
    let bad_role = itaku(&url)
        .args([
            "user",
            "add",
            "--email",
            "b@city.minato.example",
            "--name",
            "x",
            "--role",
            "mayor",
        ])
        .output()
        .unwrap();
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("--role mayor"));

    // The token works against a server on the same database.
    let (mut server, line) = start_server(&mut itaku(&url));
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    let status = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/divisions"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        })
    })
    .join()
    .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(status, 200);
}

#[test]
fn demo_loads_every_kind_and_level_once() {
    let (_db, url) = TestDatabase::new();
    let out = run(itaku(&url).arg("demo"));
    for role in [
        "ciso",
        "deputy_ciso",
        "chief_system_manager",
        "system_administrator",
        "security_officer",
        "csirt",
        "auditor",
    ] {
        assert!(out.contains(role), "no {role} in demo staff:\n{out}");
    }
    let again = itaku(&url).arg("demo").output().unwrap();
    assert!(
        !again.status.success(),
        "a second load must not duplicate the data"
    );

    // The register is ready: every engagement's obligations are stored, none is left to
    // recompute, and a command after it (which changes no engagement) runs.
    let config = itaku::config::Config::from_pairs(&[("database_url", url.as_str())]).unwrap();
    let mut conn = itaku::db::establish(&config.database).unwrap();
    assert_eq!(itaku::db::obligations::changed_count(&mut conn).unwrap(), 0);
    let id = demo_engagement_id(&url);
    assert!(!itaku::db::obligations::of_engagement(&mut conn, &id)
        .unwrap()
        .is_empty());
    let token = run(itaku(&url).args(["token", "create", "--email", "ciso@city.minato.example"]));
    assert!(
        token.trim().lines().last().is_some_and(|t| t.len() > 20),
        "{token}"
    );
}

/// The counts `itaku demo --engagements` printed.
fn generated_counts(out: &str) -> serde_json::Value {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("counts: "))
        .unwrap_or_else(|| panic!("no counts in:\n{out}"));
    serde_json::from_str(line).unwrap()
}

#[test]
fn demo_generates_a_register_of_any_size_ready_to_serve() {
    use diesel::prelude::*;
    use itaku::db::schema::{
        approvals, checks, contracts, engagements, findings, obligation_refresh,
        obligation_waivers, status_changes,
    };

    let (_db, url) = TestDatabase::new();
    let out = run(itaku(&url).args(["demo", "--engagements", "1500"]));
    let counts = generated_counts(&out);
    assert_eq!(counts["engagements"], 1500, "{out}");
    for role in ["ciso", "chief_system_manager", "auditor"] {
        assert!(out.contains(role), "no {role} account printed:\n{out}");
    }

    // The same seed gives the same register, on another database.
    let (_other, other_url) = TestDatabase::new();
    let again = run(itaku(&other_url).args(["demo", "--engagements", "1500"]));
    assert_eq!(generated_counts(&again), counts);

    // A register with engagements is not added to unless asked.
    let refused = itaku(&url)
        .args(["demo", "--engagements", "10"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--append"));

    let config = itaku::config::Config::from_pairs(&[("database_url", url.as_str())]).unwrap();
    let mut conn = itaku::db::establish(&config.database).unwrap();
    let rows: Vec<(String, Option<i16>, Option<String>)> = engagements::table
        .select((
            engagements::kind,
            engagements::level,
            engagements::parent_id,
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows.len(), 1500);
    for kind in ["outsourcing", "designated_management", "cloud_service"] {
        for level in 1..=3 {
            assert!(
                rows.iter().any(|r| r.0 == kind && r.1 == Some(level)),
                "no {kind} of L{level}"
            );
        }
    }
    assert!(rows.iter().any(|r| r.2.is_some()), "no subcontract");
    let states = |v: Vec<String>| v.into_iter().collect::<std::collections::BTreeSet<_>>();
    let check_states = states(checks::table.select(checks::state).load(&mut conn).unwrap());
    for s in ["sent", "submitted", "accepted", "returned"] {
        assert!(check_states.contains(s), "no {s} check: {check_states:?}");
    }
    let finding_states = states(
        findings::table
            .select(findings::state)
            .load(&mut conn)
            .unwrap(),
    );
    for s in ["open", "in_progress", "closed"] {
        assert!(
            finding_states.contains(s),
            "no {s} finding: {finding_states:?}"
        );
    }
    let approval_states = states(
        approvals::table
            .select(approvals::state)
            .load(&mut conn)
            .unwrap(),
    );
    assert!(approval_states.contains("approved") && approval_states.contains("pending"));
    let count = |n: i64| usize::try_from(n).unwrap();
    assert_eq!(
        count(contracts::table.count().get_result(&mut conn).unwrap()),
        counts["contracts"].as_u64().unwrap() as usize
    );
    assert_eq!(
        count(status_changes::table.count().get_result(&mut conn).unwrap()),
        counts["status_changes"].as_u64().unwrap() as usize
    );
    assert!(
        count(
            obligation_waivers::table
                .count()
                .get_result(&mut conn)
                .unwrap()
        ) > 0
    );

    // Ready to serve: nothing left to recompute, and the stored obligations of every
    // engagement are what a fresh derivation gives.
    assert_eq!(
        count(
            obligation_refresh::table
                .count()
                .get_result(&mut conn)
                .unwrap()
        ),
        0
    );
    let templates = itaku::clauses::ClauseTemplates::load(None).unwrap();
    let today = config.date_at(chrono::Utc::now());
    let all = itaku::policy::access::Visibility::All;
    let facts =
        itaku::db::facts::load(&mut conn, &all, &itaku::db::facts::FactsScope::default()).unwrap();
    assert_eq!(facts.len(), 1500);
    let as_json = |o, f: &itaku::db::facts::EngagementFacts| {
        serde_json::to_value(itaku::app::obligations::ObligationResponse::new(
            o,
            &f.engagement.id,
            &f.engagement.title,
        ))
        .unwrap()
    };
    let mut fresh_total = 0;
    for f in &facts {
        let fresh: Vec<serde_json::Value> = itaku::compliance::obligations_of(
            f,
            templates.catalog(),
            config.time_zone,
            &config.rules,
            today,
        )
        .into_iter()
        .map(|o| as_json(o, f))
        .collect();
        let stored: Vec<serde_json::Value> =
            itaku::db::obligations::of_engagement(&mut conn, &f.engagement.id)
                .unwrap()
                .into_iter()
                .map(|row| as_json(itaku::app::obligations::stored_on(row, today).unwrap(), f))
                .collect();
        assert_eq!(stored, fresh, "engagement {}", f.engagement.title);
        fresh_total += fresh.len();
    }
    let (_, total) = itaku::db::obligations::list(
        &mut conn,
        &all,
        &itaku::db::obligations::ObligationFilter::default(),
        today,
        (0, 1),
        i64::MAX,
    )
    .unwrap();
    assert!(total.exact);
    assert_eq!(count(total.count), fresh_total);
    assert!(fresh_total > 1500, "{fresh_total} obligations");
}

#[test]
fn serve_with_no_configuration_uses_a_sqlite_file_under_data() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, line) = start_server(
        Command::new(env!("CARGO_BIN_EXE_itaku"))
            .current_dir(dir.path())
            .env_remove("ITAKU_DATABASE_URL")
            .env_remove("ITAKU_CONFIG"),
    );
    let _ = server.kill();
    let _ = server.wait();
    assert!(line.contains("listening on http://127.0.0.1:"), "{line}");
    assert!(line.contains("SQLite data/itaku.sqlite3"), "{line}");
    assert!(dir.path().join("data/itaku.sqlite3").exists());
    // No SMTP server configured: the service says where email goes instead.
    assert!(
        line.contains("Email: no SMTP server configured") && line.contains("data/outbox"),
        "{line}"
    );
}

#[test]
fn a_bad_configuration_value_stops_with_the_key_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_itaku"))
        .arg("migrate")
        .env("ITAKU_TIME_ZONE", "Mars/Olympus")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("time_zone") && err.contains("ITAKU_TIME_ZONE"),
        "{err}"
    );
}

#[test]
fn clauses_and_rules_print_from_the_command_line() {
    let (_db, url) = TestDatabase::new();
    run(itaku(&url).arg("demo"));
    let id = demo_engagement_id(&url);
    let ja = run(itaku(&url).args(["clauses", &id, "--lang", "ja"]));
    assert!(ja.starts_with("# 情報セキュリティに関する特記事項"), "{ja}");
    assert!(ja.contains("令和8年4月1日"));
    let en = run(itaku(&url).args(["clauses", &id, "--lang", "en", "--format", "html"]));
    assert!(en.contains("<html lang=\"en\">"));

    // Word goes to a file, never to the terminal.
    let out = itaku(&url)
        .args(["clauses", &id, "--format", "docx"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no binary on standard output");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clauses.docx");
    let file_arg = file.to_str().unwrap();
    let printed = run(itaku(&url).args(["clauses", &id, "--format", "docx", "--output", file_arg]));
    assert!(printed.is_empty(), "{printed}");
    let articles: Vec<String> = ja
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::to_string)
        .collect();
    let docx = std::fs::read(&file).unwrap();
    assert_eq!(crate::helpers::docx_paragraphs(&docx, "Heading2"), articles);

    let rules = run(itaku(&url).arg("rules"));
    assert!(rules
        .lines()
        .any(|l| l.starts_with("R-2.6\t") && l.contains("src/policy/approvals.rs")));
    assert!(rules
        .lines()
        .any(|l| l.starts_with("R-3.4.2\tNOT ENFORCED\t")));
    // A rule only partly enforced says what is missing.
    assert!(rules
        .lines()
        .any(|l| l.starts_with("R-3.6.4\tpartly\t") && l.contains("not recorded")));
    assert!(rules.lines().last().unwrap().contains("enforced"));
}

#[test]
fn a_template_override_naming_a_missing_variable_stops_the_service_at_start() {
    let (_db, url) = TestDatabase::new();
    let overrides = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(overrides.path().join("ja")).unwrap();
    std::fs::write(
        overrides.path().join("ja/CL-02.hbs"),
        "{{vendor.representative}}\n",
    )
    .unwrap();
    let out = itaku(&url)
        .env("ITAKU_TEMPLATES_DIR", overrides.path())
        .env("ITAKU_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the service must not start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ja/CL-02.hbs") && err.contains("representative"),
        "{err}"
    );

    // A valid override is used instead of the built-in clause.
    std::fs::write(
        overrides.path().join("ja/CL-02.hbs"),
        "１　{{vendor.legal_name}}は秘密を守る。\n",
    )
    .unwrap();
    run(itaku(&url).arg("demo"));
    let id = demo_engagement_id(&url);
    let ja = run(itaku(&url)
        .env("ITAKU_TEMPLATES_DIR", overrides.path())
        .args(["clauses", &id]));
    assert!(ja.contains("は秘密を守る。"), "{ja}");
}

#[test]
fn logs_to_a_file_or_a_pipe_carry_no_colour_codes() {
    let (_db, url) = TestDatabase::new();
    let (server, line) =
        start_server_logging(itaku(&url).env("ITAKU_LOG", "info").stderr(Stdio::piped()));
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async { reqwest::get(format!("{base}/healthz")).await.unwrap() });
    })
    .join()
    .unwrap();
    let mut server = server;
    let _ = server.kill();
    let out = server.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("/healthz"), "the request is logged: {log}");
    assert!(!log.contains('\u{1b}'), "no ANSI escape codes: {log:?}");
}

//! `spawn_app`: the real service on a random port, on SQLite (a fresh file per test) or,
//! when `ITAKU_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database per test.

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{json, Value};

use std::sync::Arc;

use itaku::accounts::{self, NewStaff};
use itaku::clock::{Clock, ShiftedClock};
use itaku::config::Config;
use itaku::db::{self, DbPool};
use itaku::domain::{BoundedText, DivisionCode, EmailAddress, Role};
use itaku::startup::Application;

pub const POSTGRES_ENV: &str = "ITAKU_TEST_POSTGRES_URL";

/// Where a test's data lives; removed when the test ends.
pub enum TestDatabase {
    /// The folder is deleted when this is dropped.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    pub fn new() -> (TestDatabase, String) {
        match std::env::var(POSTGRES_ENV) {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("itaku_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url}: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let url = replace_database(&admin_url, &name);
                (TestDatabase::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("itaku.sqlite3").display().to_string();
                (TestDatabase::Sqlite(dir), url)
            }
        }
    }
}

/// `postgres://user@host:port/db?opts` with another database name.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub pool: DbPool,
    /// The service's clock: tests move it instead of waiting.
    pub clock: ShiftedClock,
    /// Where messages go when no SMTP server is configured.
    pub mail_dir: std::path::PathBuf,
    _mail_dir: tempfile::TempDir,
    extra: Vec<(String, String)>,
    pub client: reqwest::Client,
    // Dropped last: the database outlives the server's use of it.
    _database: TestDatabase,
}

/// A staff member created for a test, with a bearer token and their password.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The service with extra configuration (TOML key names), e.g. `("max_body_bytes", "2048")`.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let (database, database_url) = TestDatabase::new();
    let mail_dir = tempfile::tempdir().expect("mail folder");
    let clock = ShiftedClock::new();
    let mut extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (key, value) in [
        ("mail_outbox_dir", mail_dir.path().display().to_string()),
        // Tests run the sweep when they mean to, never on the schedule.
        ("sweep_schedule", "0 0 0 1 1 * 2099".to_string()),
    ] {
        if !extra.iter().any(|(k, _)| k == key) {
            extra.push((key.to_string(), value));
        }
    }
    let (address, pool) = start(&database_url, &extra, &clock);
    TestApp {
        address,
        database_url,
        pool,
        clock,
        mail_dir: mail_dir.path().to_path_buf(),
        _mail_dir: mail_dir,
        extra,
        // The service closes a kept-alive connection after 5 idle seconds; a request sent
        // on one just as it closes fails (hyper's IncompleteMessage). Dropping idle
        // connections well before that, on the client's side, leaves no such moment.
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("http client"),
        _database: database,
    }
}

/// Starts the service on `database_url`; its address and pool.
fn start(database_url: &str, extra: &[(String, String)], clock: &ShiftedClock) -> (String, DbPool) {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("database_url", database_url),
        ("bind", "127.0.0.1:0"),
        ("database_pool_size", "4"),
        ("log", "warn"),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let config = Config::from_pairs(&pairs).expect("test configuration");
    itaku::telemetry::init(&config);
    let app =
        Application::build_with_clock(config, Arc::new(clock.clone())).expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool().clone();
    tokio::spawn(app.run_until_stopped());
    (address, pool)
}

impl TestApp {
    /// Another instance of the service on the same database (a restart, or a second
    /// instance behind a load balancer); its address.
    pub fn start_another(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs = self.extra.clone();
        for (k, v) in extra {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k.to_string(), v.to_string()));
        }
        start(&self.database_url, &pairs, &self.clock).0
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates a staff member directly (as `itaku user add` does) with a bearer token.
    pub async fn staff(&self, roles: &[Role], divisions: &[&str]) -> TestUser {
        let roles = roles.to_vec();
        let divisions: Vec<String> = divisions.iter().map(|d| d.to_string()).collect();
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("connection");
            let email = format!("{}@city.minato.example", uuid::Uuid::new_v4().simple());
            db::write(&mut conn, |conn| {
                let created = accounts::create_staff(
                    conn,
                    &NewStaff {
                        email: EmailAddress::parse(&email).unwrap(),
                        display_name: BoundedText::parse("試験 太郎", 100).unwrap(),
                        roles,
                        divisions: divisions
                            .iter()
                            .map(|d| (DivisionCode::parse(d).unwrap(), Some(format!("{d}課"))))
                            .collect(),
                    },
                    itaku::db::now_utc(),
                )?;
                let token = accounts::create_token(
                    conn,
                    &EmailAddress::parse(&email).unwrap(),
                    "test",
                    itaku::db::now_utc(),
                )?;
                Ok(TestUser {
                    id: created.user_id,
                    email: email.clone(),
                    password: created.one_time_password,
                    token,
                })
            })
            .expect("create staff")
        })
        .await
        .expect("staff task")
    }

    /// `POST /api/v1/session` with these credentials.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/session"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, who: &TestUser, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&who.token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, who: &TestUser, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&who.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, who: &TestUser, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(&who.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, who: &TestUser, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(&who.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, who: &TestUser, path: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(&who.token)
            .send()
            .await
            .expect("request")
    }

    /// Registers a vendor and returns its id.
    pub async fn vendor(&self, who: &TestUser, name: &str) -> String {
        let res = self.post(who, "/api/v1/vendors", &vendor_body(name)).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// Registers an outsourcing engagement in `division` and returns its JSON.
    pub async fn engagement(
        &self,
        who: &TestUser,
        responsible: &TestUser,
        division: &str,
        vendor_id: &str,
    ) -> Value {
        let res = self
            .post(
                who,
                "/api/v1/engagements",
                &outsourcing_body(division, &responsible.id, vendor_id),
            )
            .await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Rows in a table, counted behind the API's back (to prove nothing was written).
    pub async fn count_rows(&self, table: &'static str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().unwrap();
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<Count>(&mut conn)
                .unwrap()
                .n
        })
        .await
        .unwrap()
    }
}

/// A browser's session: the cookie and the CSRF token it was given with it.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// A user after a first sign-in through every step: own password, TOTP set up.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub session: Session,
    pub password: String,
    /// The TOTP secret in base32, as an authenticator app would store it.
    pub secret: String,
    pub recovery_codes: Vec<String>,
    /// The 30-second step whose code confirmed the enrolment (spent: never accepted again).
    pub step: i64,
}

/// The session cookie (`name=value`) a response sets.
pub fn cookie_of(res: &reqwest::Response) -> String {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("itaku_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s), computed here independently of the
/// service's own implementation.
pub fn totp(secret_base32: &str, step: i64) -> String {
    use hmac::{Hmac, Mac};
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_base32.trim_end_matches('=').as_bytes())
        .expect("base32 secret");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(step as u64).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", value % 1_000_000)
}

/// A six-digit code that the server will refuse: none of the codes of the steps around
/// now (it accepts one step of drift either side; two more cover a step passing meanwhile).
/// A fixed guess such as `000000` or "the right code plus one" is a valid code by chance.
pub fn wrong_code(secret_base32: &str) -> String {
    let now = current_step();
    let valid: Vec<String> = (now - 2..=now + 2)
        .map(|s| totp(secret_base32, s))
        .collect();
    (0..1_000_000u32)
        .map(|n| format!("{n:06}"))
        .find(|c| !valid.contains(c))
        .expect("five codes leave others")
}

pub fn current_step() -> i64 {
    chrono::Utc::now().timestamp() / 30
}

pub const NEW_PASSWORD: &str = "港区の委託先管理を確かに2027";

impl TestApp {
    /// A JSON request signed in by cookie, with the CSRF token.
    pub async fn with_session(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &Session,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header(reqwest::header::COOKIE, &session.cookie)
            .header("X-CSRF-Token", &session.csrf);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request")
    }

    /// One sign-in step: the answer's status, body and the session it set (if any).
    pub async fn step(
        &self,
        path: &str,
        session: Option<&Session>,
        body: &Value,
    ) -> (u16, Value, Option<Session>) {
        let res = match session {
            Some(s) => {
                self.with_session(reqwest::Method::POST, path, s, Some(body))
                    .await
            }
            None => self
                .client
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .expect("request"),
        };
        let status = res.status().as_u16();
        let has_cookie = res
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with("itaku_session=")));
        let cookie = has_cookie.then(|| cookie_of(&res));
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let session = cookie.map(|cookie| Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap_or_default().to_string(),
        });
        (status, body, session)
    }

    /// A new user's first sign-in: one-time password, own password, TOTP enrolment.
    pub async fn enrol(&self, user: &TestUser) -> Enrolled {
        let (status, body, session) = self
            .step(
                "/api/v1/session",
                None,
                &json!({"email": user.email, "password": user.password}),
            )
            .await;
        assert_eq!(
            (status, body["stage"].as_str()),
            (200, Some("change_password")),
            "{body}"
        );
        let (status, body, session) = self
            .step(
                "/api/v1/session/password",
                session.as_ref(),
                &json!({"new_password": NEW_PASSWORD}),
            )
            .await;
        assert_eq!(
            (status, body["stage"].as_str()),
            (200, Some("enrol")),
            "{body}"
        );
        let session = session.expect("a new session after the password step");
        let res = self
            .with_session(
                reqwest::Method::POST,
                "/api/v1/session/enrolment",
                &session,
                None,
            )
            .await;
        assert_eq!(res.status(), 200);
        let enrolment: Value = res.json().await.unwrap();
        let secret = enrolment["secret"].as_str().unwrap().to_string();
        // The code of the service's "now": its clock may have been moved.
        let step = self.clock.now().timestamp() / 30;
        let (status, body, session) = self
            .step(
                "/api/v1/session/enrolment/confirm",
                Some(&session),
                &json!({"code": totp(&secret, step)}),
            )
            .await;
        assert_eq!(
            (status, body["stage"].as_str()),
            (200, Some("complete")),
            "{body}"
        );
        Enrolled {
            session: session.expect("a complete session"),
            password: NEW_PASSWORD.to_string(),
            secret,
            step,
            recovery_codes: body["recovery_codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect(),
        }
    }

    /// Runs SQL behind the service's back (to tamper, to age rows).
    pub async fn sql(&self, statement: String) -> usize {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().unwrap();
            diesel::sql_query(statement).execute(&mut conn).unwrap()
        })
        .await
        .unwrap()
    }
}

/// A valid corporate number for tests, different for each `seed`.
pub fn corporate_number(seed: u64) -> String {
    itaku::domain::CorporateNumber::from_base(&format!("{:012}", 100_000_000_000 + seed))
        .unwrap()
        .to_string()
}

pub fn vendor_body(name: &str) -> Value {
    json!({
        "legal_name": name,
        "corporate_number": corporate_number(rand_seed()),
        "address": "東京都港区芝公園1-5-25",
        "contacts": [{"name": "山田 花子", "email": "hanako@vendor.example", "phone": "03-1234-5678"}]
    })
}

/// A seed no other call in this test run gets (a counter, not chance: two random ones
/// could meet).
pub fn rand_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub fn outsourcing_body(division: &str, responsible_id: &str, vendor_id: &str) -> Value {
    json!({
        "kind": "outsourcing",
        "title": "住民記録システム運用保守業務委託",
        "division": division,
        "responsible_user_id": responsible_id,
        "vendor_id": vendor_id,
        "scope": "運用監視及び障害対応",
        "starts_on": "2027-04-01",
        "ends_on": "2028-03-31"
    })
}

/// Asserts a problem+json answer with `status` whose errors name `field`.
pub async fn assert_problem(res: reqwest::Response, status: u16, field: Option<&str>) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    if let Some(field) = field {
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&field),
            "expected an error on {field}, got {body}"
        );
    }
    body
}

/// A message the service wrote to the outbox folder (no SMTP server configured).
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

impl TestApp {
    /// The messages in the outbox folder addressed to `to`, once there are at least `n`
    /// of them (or after 10 s).
    pub async fn mail_to(&self, to: &str, n: usize) -> Vec<Mail> {
        let mut found = Vec::new();
        for _ in 0..100 {
            found = std::fs::read_dir(&self.mail_dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .filter_map(|e| std::fs::read(e.path()).ok())
                .filter_map(|raw| {
                    let m = mail_parser::MessageParser::default().parse(&raw)?;
                    Some(Mail {
                        to: m
                            .to()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.address())
                                    .map(str::to_string)
                                    .collect()
                            })
                            .unwrap_or_default(),
                        subject: m.subject().unwrap_or_default().to_string(),
                        text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                    })
                })
                .filter(|m| m.to.iter().any(|a| a == to))
                .collect();
            if found.len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        found
    }

    /// The ids of a vendor's contacts, by position (the API does not show them).
    pub async fn contact_ids(&self, vendor_id: &str) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        let pool = self.pool.clone();
        let vendor_id = vendor_id.to_string();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().unwrap();
            diesel::sql_query(format!(
                "SELECT id FROM vendor_contacts WHERE vendor_id = '{vendor_id}' ORDER BY position"
            ))
            .load::<Id>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
        })
        .await
        .unwrap()
    }
}

/// The portal tokens in a text: what follows `/portal/`, 43 URL-safe characters.
pub fn portal_tokens(text: &str) -> Vec<String> {
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

/// The text of the paragraphs of a .docx whose style is `style`, in document order.
pub fn docx_paragraphs(docx: &[u8], style: &str) -> Vec<String> {
    use quick_xml::events::Event;
    use std::io::Read;

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip package");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("a main document part")
        .read_to_string(&mut xml)
        .unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut found, mut current, mut in_text) = (Vec::new(), None::<(bool, String)>, false);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == b"w:p" => {
                current = Some((false, String::new()))
            }
            Event::Empty(e) if e.name().as_ref() == b"w:pStyle" => {
                let value = e.try_get_attribute("w:val").unwrap().unwrap().value;
                if let Some(p) = current.as_mut() {
                    p.0 = value.as_ref() == style.as_bytes();
                }
            }
            Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
            Event::Text(t) if in_text => {
                if let Some(p) = current.as_mut() {
                    p.1 += &t.decode().unwrap();
                }
            }
            Event::GeneralRef(r) if in_text => {
                let entity = r.decode().unwrap();
                let resolved = quick_xml::escape::resolve_predefined_entity(&entity)
                    .unwrap_or_else(|| panic!("&{entity}; is not an XML entity"));
                if let Some(p) = current.as_mut() {
                    p.1 += resolved;
                }
            }
            Event::End(e) if e.name().as_ref() == b"w:p" => {
                if let Some((true, text)) = current.take() {
                    found.push(text);
                }
            }
            Event::Eof => return found,
            _ => {}
        }
    }
}

/// A moment given as RFC 3339 (`2030-04-01T00:00:00Z`), for the test clock.
pub fn at(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// The JSON body of an answer that must have `status` (the body is shown when not).
pub async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

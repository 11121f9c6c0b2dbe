//! A small W3C WebDriver client over reqwest, for driving Debian's headless Chromium
//! through chromedriver from the integration tests. Dependency-free on purpose: the
//! handful of commands the browser tests need is a few JSON requests, and a crate such
//! as fantoccini would pull in a second HTTP stack for them.
//!
//! `.ci/run` installs Debian's `chromium` and `chromium-driver`; when they are missing,
//! [`Browser::start`] fails with a message saying so (the tests fail, never skip).

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::Engine as _;
use serde_json::{json, Value};

/// The W3C web element identifier (WebDriver spec, "Elements"); chromedriver 156 answers
/// `{"element-6066-11e4-a52e-4f735466cecf": "f.….e.2"}` to Find Element.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process with one Chromium session; both end when this is dropped.
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>`
    driver: String,
    session: String,
    child: Child,
    /// Chromium's profile; a fresh one per browser so tests share no cookies.
    _profile: tempfile::TempDir,
}

/// An element found in the page of `browser`.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

fn binary(env: &str, default: &str) -> Result<String, String> {
    let path = std::env::var(env)
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| default.to_string());
    if std::path::Path::new(&path).exists() {
        Ok(path)
    } else {
        Err(format!(
            "{path} not found (set {env} to override): the browser tests need Debian's \
             chromium and chromium-driver packages, which .ci/run installs \
             (apt-get install chromium chromium-driver)"
        ))
    }
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a phone-sized headless
    /// Chromium session in it.
    pub async fn start() -> Result<Browser, String> {
        let chromedriver = binary("CHROMEDRIVER", "/usr/bin/chromedriver")?;
        let chromium = binary("CHROMIUM", "/usr/bin/chromium")?;
        // Another process may take the port between drop and spawn; unlikely enough.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("free port: {e}"))?
            .port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn {chromedriver}: {e}"))?;
        let profile = tempfile::tempdir().map_err(|e| format!("profile dir: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        // From here on, Drop kills chromedriver even when the session is not created.
        let mut browser = Browser {
            http,
            driver: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            child,
            _profile: profile,
        };
        browser.wait_until_ready().await?;
        let args = [
            "--headless=new",
            // Root in a container: Chromium's sandbox cannot start.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            // No network here: these keep Chromium from dialling out (and logging refusals).
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", browser._profile.path().display()),
            "--window-size=390,844",
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let value = browser.request("POST", "/session", Some(caps)).await?;
        browser.session = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("new session: no sessionId in {value}"))?
            .to_string();
        Ok(browser)
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited at start: {status}"));
            }
            if let Ok(value) = self.request("GET", "/status", None).await {
                if value["ready"] == json!(true) {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err("chromedriver not ready after 20 s".to_string());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One WebDriver command; its `value`, or the WebDriver error with the command.
    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{path}", self.driver);
        let what = format!("{method} {path}");
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut req = self.http.request(method, &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.map_err(|e| format!("{what}: {e}"))?;
        let status = res.status();
        let json: Value = res.json().await.map_err(|e| format!("{what}: {e}"))?;
        let value = json.get("value").cloned().unwrap_or(Value::Null);
        if !status.is_success() || value.get("error").is_some() {
            // The message carries a long native stack trace after its first lines.
            return Err(format!(
                "{what}: {} ({status}): {}",
                value["error"].as_str().unwrap_or("?"),
                value["message"].as_str().unwrap_or(""),
            ));
        }
        Ok(value)
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.session);
        self.request(method, &path, body).await
    }

    async fn string(&self, path: &str) -> Result<String, String> {
        let value = self.cmd("GET", path, None).await?;
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("GET {path}: not a string: {value}"))
    }

    /// Navigates and waits for the page load (chromedriver's default "normal" strategy).
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.cmd("POST", "/url", Some(json!({"url": url})))
            .await
            .map(drop)
    }

    pub async fn current_url(&self) -> Result<String, String> {
        self.string("/url").await
    }

    pub async fn title(&self) -> Result<String, String> {
        self.string("/title").await
    }

    /// The DOM serialised now (not the bytes the server sent).
    pub async fn page_source(&self) -> Result<String, String> {
        self.string("/source").await
    }

    fn element(&self, value: &Value) -> Result<Element<'_>, String> {
        let id = value[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| format!("not a web element: {value}"))?;
        Ok(Element {
            browser: self,
            id: id.to_string(),
        })
    }

    /// The first element matching a CSS selector; an error when there is none.
    pub async fn find(&self, css: &str) -> Result<Element<'_>, String> {
        let body = json!({"using": "css selector", "value": css});
        let value = self.cmd("POST", "/element", Some(body)).await?;
        self.element(&value)
    }

    /// Every element matching a CSS selector, in document order (maybe none).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>, String> {
        let body = json!({"using": "css selector", "value": css});
        let value = self.cmd("POST", "/elements", Some(body)).await?;
        let list = value
            .as_array()
            .ok_or_else(|| format!("elements: {value}"))?;
        list.iter().map(|v| self.element(v)).collect()
    }

    /// Polls `find` until the element exists: pages that change after a script or a
    /// redirect are not ready when the command that caused it returns.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element<'_>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css).await {
                Ok(element) => return Ok(element),
                Err(e) if Instant::now() > deadline => {
                    return Err(format!("{css} not present after {timeout:?}: {e}"))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// A PNG of the viewport, for looking at what a failing test saw.
    pub async fn screenshot_png(&self) -> Result<Vec<u8>, String> {
        let value = self.cmd("GET", "/screenshot", None).await?;
        let b64 = value.as_str().ok_or("screenshot: not a string")?;
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("screenshot: {e}"))
    }
}

impl std::fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Element({})", self.id)
    }
}

impl Element<'_> {
    async fn cmd(&self, method: &str, what: &str, body: Option<Value>) -> Result<Value, String> {
        let path = format!("/element/{}{what}", self.id);
        self.browser.cmd(method, &path, body).await
    }

    pub async fn click(&self) -> Result<(), String> {
        self.cmd("POST", "/click", Some(json!({}))).await.map(drop)
    }

    /// Types into the element; for `<input type=file>`, `text` is the file's path.
    pub async fn send_keys(&self, text: &str) -> Result<(), String> {
        let body = json!({"text": text});
        self.cmd("POST", "/value", Some(body)).await.map(drop)
    }

    pub async fn clear(&self) -> Result<(), String> {
        self.cmd("POST", "/clear", Some(json!({}))).await.map(drop)
    }

    /// The rendered text (what a user sees, whitespace collapsed).
    pub async fn text(&self) -> Result<String, String> {
        let value = self.cmd("GET", "/text", None).await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// An HTML attribute as written in the markup; `None` when absent. W3C Get Element
    /// Attribute does not follow typing: after `send_keys`, `attr("value")` is still the
    /// markup's `value`; read the live value with `prop("value")`.
    pub async fn attr(&self, name: &str) -> Result<Option<String>, String> {
        let value = self.cmd("GET", &format!("/attribute/{name}"), None).await?;
        Ok(value.as_str().map(str::to_string))
    }

    /// A DOM property (`value`, `checked`, ...) as JSON; `Null` when undefined.
    pub async fn prop(&self, name: &str) -> Result<Value, String> {
        self.cmd("GET", &format!("/property/{name}"), None).await
    }

    /// Whether a checkbox, radio button or option is selected.
    pub async fn is_selected(&self) -> Result<bool, String> {
        let value = self.cmd("GET", "/selected", None).await?;
        value.as_bool().ok_or_else(|| format!("selected: {value}"))
    }
}

impl Drop for Browser {
    /// Ends the session (so chromedriver quits Chromium) and kills chromedriver. Drop
    /// cannot await, so the DELETE is a blocking request on a plain socket.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let address = self.driver.trim_start_matches("http://").to_string();
            let _ = (|| -> std::io::Result<()> {
                let mut stream = std::net::TcpStream::connect(&address)?;
                stream.set_read_timeout(Some(Duration::from_secs(20)))?;
                write!(
                    stream,
                    "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n",
                    self.session
                )?;
                // chromedriver answers once Chromium has quit, then keeps the socket
                // open despite `Connection: close`: wait for the answer, not for EOF.
                stream.read(&mut [0; 512]).map(drop)
            })();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// The client, proved against a plain HTML form (no Itaku involved).

/// Without the charset, Chromium reads the page as windows-1252 and submits "山田" as
/// `&#23665;&#30000;`: the service's own pages must declare UTF-8 too.
const FORM: &str = r#"<!doctype html><html><head><meta charset="utf-8">
<title>Plain form</title></head><body>
<form method="post" action="/submit" enctype="multipart/form-data">
  <input type="text" name="who" id="who" value="old">
  <label><input type="radio" name="plan" value="a" checked> A</label>
  <label><input type="radio" name="plan" id="plan-b" value="b"> B</label>
  <input type="checkbox" name="agree" id="agree" value="yes">
  <input type="file" name="doc" id="doc">
  <button type="submit" id="send">Send</button>
</form></body></html>"#;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn headless_chromium_renders_and_submits_a_plain_form() {
    // A server that knows nothing of Itaku: the form, and a record of what it got.
    let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let bodies = web::Data::new(received.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(bodies.clone())
            .app_data(web::PayloadConfig::new(1 << 20))
            .route(
                "/",
                web::get().to(|| async { HttpResponse::Ok().content_type("text/html").body(FORM) }),
            )
            .route(
                "/submit",
                web::post().to(
                    |got: web::Data<Arc<Mutex<Vec<Vec<u8>>>>>, body: web::Bytes| async move {
                        got.lock().unwrap().push(body.to_vec());
                        HttpResponse::Ok()
                            .content_type("text/html")
                            .body("<title>Thanks</title><p id=done>Received</p>")
                    },
                ),
            )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let address = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());

    let dir = tempfile::tempdir().unwrap();
    let upload = dir.path().join("report.txt");
    let file_bytes = b"line one\r\nbinary \x01\x02 end\n";
    std::fs::write(&upload, file_bytes).unwrap();

    let browser = Browser::start().await.expect("start headless Chromium");
    browser.goto(&format!("{address}/")).await.unwrap();
    assert_eq!(browser.title().await.unwrap(), "Plain form");
    assert!(browser.page_source().await.unwrap().contains("enctype"));
    assert_eq!(browser.find_all("input[name=plan]").await.unwrap().len(), 2);
    assert!(browser.find_all("table").await.unwrap().is_empty());
    assert!(browser
        .find("#missing")
        .await
        .unwrap_err()
        .contains("no such element"));

    let who = browser.find("#who").await.unwrap();
    assert_eq!(who.attr("value").await.unwrap().as_deref(), Some("old"));
    who.clear().await.unwrap();
    who.send_keys("山田 Taro").await.unwrap();
    assert_eq!(who.prop("value").await.unwrap(), json!("山田 Taro"));
    assert_eq!(who.attr("value").await.unwrap().as_deref(), Some("old"));
    let plan_b = browser.find("#plan-b").await.unwrap();
    plan_b.click().await.unwrap();
    assert!(plan_b.is_selected().await.unwrap());
    let agree = browser.find("#agree").await.unwrap();
    assert!(!agree.is_selected().await.unwrap());
    agree.click().await.unwrap();
    assert!(agree.is_selected().await.unwrap());
    let doc = browser.find("#doc").await.unwrap();
    doc.send_keys(&upload.display().to_string()).await.unwrap();
    assert_eq!(
        browser.find("#send").await.unwrap().text().await.unwrap(),
        "Send"
    );

    let png = browser.screenshot_png().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");

    browser.find("#send").await.unwrap().click().await.unwrap();
    let done = browser
        .wait_for("#done", Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(done.text().await.unwrap(), "Received");
    assert_eq!(
        browser.current_url().await.unwrap(),
        format!("{address}/submit")
    );

    let bodies = received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "one submission");
    let body = &bodies[0];
    let shown = String::from_utf8_lossy(body);
    for part in [
        "name=\"who\"\r\n\r\n山田 Taro\r\n".as_bytes(),
        b"name=\"plan\"\r\n\r\nb\r\n",
        b"name=\"agree\"\r\n\r\nyes\r\n",
        b"name=\"doc\"; filename=\"report.txt\"",
    ] {
        assert!(
            contains(body, part),
            "{:?} missing from {shown}",
            String::from_utf8_lossy(part)
        );
    }
    let mut file_part = b"\r\n\r\n".to_vec();
    file_part.extend_from_slice(file_bytes);
    file_part.extend_from_slice(b"\r\n--");
    assert!(
        contains(body, &file_part),
        "file bytes missing from {shown}"
    );
}

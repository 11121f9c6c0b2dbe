//! Headless Chromium for the browser tests: Debian's `chromium`, driven through Debian's
//! `chromedriver` with the `thirtyfour` WebDriver client. This module starts chromedriver
//! on a free loopback port, opens a session with a fresh profile, and gives the tests the
//! few calls they use with their errors as plain strings; each ends with the `Browser`.
//!
//! `.ci/run` installs Debian's `chromium` and `chromium-driver`; when they are missing,
//! [`Browser::start`] fails with a message saying so (the tests fail, never skip).

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use thirtyfour::prelude::*;
use thirtyfour::ChromeCapabilities;

/// A chromedriver process with one Chromium session; both end when this is dropped.
pub struct Browser {
    /// `None` once quit.
    driver: Option<WebDriver>,
    /// `127.0.0.1:<port>`
    address: String,
    child: Child,
    /// Chromium's profile; a fresh one per browser so tests share no cookies.
    _profile: tempfile::TempDir,
}

/// An element found in the page.
pub struct Element {
    inner: WebElement,
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

fn failed(what: &str) -> impl Fn(WebDriverError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Waits until chromedriver answers on `address`, or it exits.
async fn wait_until_ready(child: &mut Child, address: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("chromedriver exited at start: {status}"));
        }
        if tokio::net::TcpStream::connect(address).await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("chromedriver not ready after 20 s".to_string());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a phone-sized headless
    /// Chromium session in it.
    pub async fn start() -> Result<Browser, String> {
        Self::start_sized(390, 844).await
    }

    /// As `start`, with a window of `width` × `height` CSS pixels.
    pub async fn start_sized(width: u32, height: u32) -> Result<Browser, String> {
        let chromedriver = binary("CHROMEDRIVER", "/usr/bin/chromedriver")?;
        let chromium = binary("CHROMIUM", "/usr/bin/chromium")?;
        // Another process may take the port between drop and spawn; unlikely enough.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("free port: {e}"))?
            .port();
        let mut child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn {chromedriver}: {e}"))?;
        let address = format!("127.0.0.1:{port}");
        if let Err(e) = wait_until_ready(&mut child, &address).await {
            let _ = child.kill();
            return Err(e);
        }
        let profile = tempfile::tempdir().map_err(|e| format!("profile dir: {e}"))?;
        let mut caps = ChromeCapabilities::new();
        let args = [
            "--headless=new".to_string(),
            // Root in a container: Chromium's sandbox cannot start.
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            // No network here: these keep Chromium from dialling out (and logging refusals).
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let configured = caps
            .set_binary(&chromium)
            .and_then(|()| args.iter().try_for_each(|a| caps.add_arg(a)));
        if let Err(e) = configured {
            let _ = child.kill();
            return Err(format!("capabilities: {e}"));
        }
        let driver = match WebDriver::new(format!("http://{address}"), caps).await {
            Ok(d) => d,
            Err(e) => {
                let _ = child.kill();
                return Err(format!("new session: {e}"));
            }
        };
        Ok(Browser {
            driver: Some(driver),
            address,
            child,
            _profile: profile,
        })
    }

    fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the browser has quit")
    }

    /// Ends the session, so chromedriver closes Chromium; every test ends with this.
    pub async fn quit(mut self) -> Result<(), String> {
        match self.driver.take() {
            Some(driver) => driver.quit().await.map_err(failed("quit")),
            None => Ok(()),
        }
    }

    /// Navigates and waits for the page load (chromedriver's default "normal" strategy).
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.driver().goto(url).await.map_err(failed("goto"))
    }

    pub async fn current_url(&self) -> Result<String, String> {
        self.driver()
            .current_url()
            .await
            .map(|u| u.to_string())
            .map_err(failed("current url"))
    }

    pub async fn title(&self) -> Result<String, String> {
        self.driver().title().await.map_err(failed("title"))
    }

    /// The DOM serialised now (not the bytes the server sent).
    pub async fn page_source(&self) -> Result<String, String> {
        self.driver().source().await.map_err(failed("source"))
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> Result<Element, String> {
        self.driver()
            .find(By::Css(css))
            .await
            .map(|inner| Element { inner })
            .map_err(|e| format!("find {css}: {e}"))
    }

    /// Every element matching a CSS selector, in document order (maybe none).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        self.driver()
            .find_all(By::Css(css))
            .await
            .map(|all| all.into_iter().map(|inner| Element { inner }).collect())
            .map_err(|e| format!("find all {css}: {e}"))
    }

    /// Polls `find` until the element exists: pages that change after a script or a
    /// redirect are not ready when the command that caused it returns.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, String> {
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

    /// Makes the window `width` × `height` pixels (a ward's desktop is 1366 × 768).
    pub async fn resize(&self, width: u32, height: u32) -> Result<(), String> {
        self.driver()
            .set_window_rect(0, 0, width, height)
            .await
            .map_err(failed("resize"))
    }

    /// Signs the browser in with a session cookie (`name=value`) of the service at `base`,
    /// as if it had gone through the sign-in pages.
    pub async fn add_cookie(&self, base: &str, cookie: &str) -> Result<(), String> {
        let (name, value) = cookie.split_once('=').ok_or("cookie name=value")?;
        self.goto(&format!("{base}/sign-in")).await?;
        let mut c = thirtyfour::Cookie::new(name.to_string(), value.to_string());
        c.set_path("/");
        self.driver()
            .add_cookie(c)
            .await
            .map_err(failed("add cookie"))
    }

    /// The browser's cookie `name` as `name=value`, to make requests as the person
    /// signed in there.
    pub async fn cookie(&self, name: &str) -> Result<String, String> {
        let c = self
            .driver()
            .get_named_cookie(name)
            .await
            .map_err(failed("cookie"))?;
        Ok(format!("{}={}", c.name, c.value))
    }

    /// Runs axe-core (vendored from the npm registry under `tests/vendor/axe-core`) on the
    /// page and answers its violations of WCAG 2.x A and AA, each with its `impact`.
    /// Scripts run through WebDriver are not subject to the page's Content-Security-Policy.
    pub async fn axe_violations(&self) -> Result<Vec<Value>, String> {
        const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");
        self.driver()
            .execute(AXE, vec![])
            .await
            .map_err(failed("inject axe-core"))?;
        let found = self
            .driver()
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => done(r.violations), e => done([{ id: 'axe-error', impact: 'critical', help: String(e) }]));",
                vec![],
            )
            .await
            .map_err(failed("run axe-core"))?;
        Ok(found.json().as_array().cloned().unwrap_or_default())
    }

    pub async fn screenshot_png(&self) -> Result<Vec<u8>, String> {
        self.driver()
            .screenshot_as_png()
            .await
            .map_err(failed("screenshot"))
    }
}

impl Element {
    pub async fn click(&self) -> Result<(), String> {
        self.inner.click().await.map_err(failed("click"))
    }

    /// Types into the element; for `<input type=file>`, `text` is the file's path.
    pub async fn send_keys(&self, text: &str) -> Result<(), String> {
        self.inner
            .send_keys(text)
            .await
            .map_err(failed("send keys"))
    }

    pub async fn clear(&self) -> Result<(), String> {
        self.inner.clear().await.map_err(failed("clear"))
    }

    /// The rendered text (what a user sees, whitespace collapsed).
    pub async fn text(&self) -> Result<String, String> {
        self.inner.text().await.map_err(failed("text"))
    }

    /// An HTML attribute as written in the markup; `None` when absent. After
    /// `send_keys`, `attr("value")` is still the markup's `value`; read the live value
    /// with `prop("value")`.
    pub async fn attr(&self, name: &str) -> Result<Option<String>, String> {
        self.inner.attr(name).await.map_err(failed("attribute"))
    }

    /// A DOM property (`value`, `checked`, ...); `Null` when undefined.
    pub async fn prop(&self, name: &str) -> Result<Value, String> {
        self.inner
            .prop(name)
            .await
            .map(|v| v.map(Value::String).unwrap_or(Value::Null))
            .map_err(failed("property"))
    }

    /// Whether the element is still in the page shown (false once the browser has
    /// moved to another page).
    pub async fn is_present(&self) -> Result<bool, String> {
        self.inner.is_present().await.map_err(failed("present"))
    }

    /// Whether a checkbox, radio button or option is selected.
    pub async fn is_selected(&self) -> Result<bool, String> {
        self.inner.is_selected().await.map_err(failed("selected"))
    }
}

impl std::fmt::Debug for Element {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Element({:?})", self.inner.element_id())
    }
}

impl Drop for Browser {
    /// A test that failed before `quit`: the session is ended with a blocking request on
    /// a plain socket (Drop cannot await), then chromedriver is killed.
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            let session = driver.session_id().to_string();
            // Ended here, not by the client's own clean-up thread.
            let _ = driver.leak();
            let address = self.address.clone();
            let _ = (|| -> std::io::Result<()> {
                let mut stream = std::net::TcpStream::connect(&address)?;
                stream.set_read_timeout(Some(Duration::from_secs(20)))?;
                write!(
                    stream,
                    "DELETE /session/{session} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
                )?;
                // chromedriver answers once Chromium has quit, then keeps the socket open
                // despite `Connection: close`: wait for the answer, not for EOF.
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
    browser.quit().await.unwrap();
}

/// Writes a screenshot to `target/screenshots/<name>.png`, for people to look at.
pub fn save_screenshot(name: &str, png: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

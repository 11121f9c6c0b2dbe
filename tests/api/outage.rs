//! The database going away: a connection cut under a query, and a server that refuses
//! connections. PostgreSQL only: it is reached over TCP, through a proxy on loopback that
//! the test controls. (SQLite is a file in the service's own process: nothing to cut.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use itaku::domain::Role;

use crate::helpers::spawn_app;

/// When a connection is cut.
#[derive(Clone, Debug)]
enum Cut {
    /// After forwarding this many more writes of the client.
    After(u32),
    /// At the client's first write that holds these bytes (it is not forwarded).
    On(&'static [u8]),
}

/// A TCP proxy to PostgreSQL whose connections the test can cut and whose port can refuse.
struct Proxy {
    port: u16,
    refusing: Arc<AtomicBool>,
    /// Each live connection's cut, when one is set.
    budgets: Arc<Mutex<Vec<watch::Sender<Option<Cut>>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let refusing = Arc::new(AtomicBool::new(false));
        let budgets: Arc<Mutex<Vec<watch::Sender<Option<Cut>>>>> = Arc::default();
        let (r, b) = (refusing.clone(), budgets.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if r.load(Ordering::SeqCst) {
                    // Closed at once: what a client sees of a server that is not there.
                    drop(client);
                    continue;
                }
                let (tx, rx) = watch::channel(None);
                b.lock().unwrap().push(tx);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        pipe(client, server, rx).await;
                    }
                });
            }
        });
        Proxy {
            port,
            refusing,
            budgets,
        }
    }

    /// Every connection open now is cut as `cut` says.
    fn cut(&self, cut: Cut) {
        for tx in self.budgets.lock().unwrap().iter() {
            let _ = tx.send(Some(cut.clone()));
        }
    }

    fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
        if refusing {
            self.cut(Cut::After(0));
        }
    }
}

async fn pipe(mut client: TcpStream, mut server: TcpStream, mut cut: watch::Receiver<Option<Cut>>) {
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let mut up = [0u8; 16 * 1024];
    let mut down = [0u8; 16 * 1024];
    let mut armed: Option<Cut> = None;
    loop {
        if matches!(armed, Some(Cut::After(0))) {
            return;
        }
        tokio::select! {
            changed = cut.changed() => {
                if changed.is_err() { return; }
                armed = cut.borrow().clone();
            }
            n = cr.read(&mut up) => {
                let Ok(n) = n else { return };
                if n == 0 { return; }
                match &mut armed {
                    Some(Cut::After(0)) => return,
                    Some(Cut::After(left)) => *left -= 1,
                    Some(Cut::On(bytes)) if up[..n].windows(bytes.len()).any(|w| w == *bytes) => return,
                    _ => {}
                }
                if sw.write_all(&up[..n]).await.is_err() { return; }
            }
            n = sr.read(&mut down) => {
                let Ok(n) = n else { return };
                if n == 0 { return; }
                if cw.write_all(&down[..n]).await.is_err() { return; }
            }
        }
    }
}

// Several threads: starting the second instance blocks its thread while it migrates
// through the proxy, whose tasks must run meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_going_away_is_a_503_and_a_read_is_tried_again() {
    let app = spawn_app().await;
    if !app.database_url.starts_with("postgres") {
        return; // SQLite: a file, not a connection that can be cut.
    }
    let so = app.staff(&[Role::SecurityOfficer], &["kumin"]).await;
    let vendor = app.vendor(&so, "株式会社みなと").await;
    let url = reqwest::Url::parse(&app.database_url).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = Proxy::start(upstream).await;
    let mut proxied = url.clone();
    proxied.set_host(Some("127.0.0.1")).unwrap();
    proxied.set_port(Some(proxy.port)).unwrap();
    // In clear, so that the proxy can see where a transaction begins.
    proxied.query_pairs_mut().append_pair("sslmode", "disable");
    // One connection, so that the cut one is the one the next request uses.
    let other = app.start_another(&[
        ("database_url", proxied.as_str()),
        ("database_pool_size", "1"),
    ]);
    let get = |path: &str| {
        app.client
            .get(format!("{other}{path}"))
            .bearer_auth(&so.token)
            .send()
    };
    assert_eq!(get("/api/v1/engagements").await.unwrap().status(), 200);

    // Cut under a read (the pool's check-out test passes, the first query after it is
    // cut: the caller's token being looked up): it runs again on a fresh connection.
    proxy.cut(Cut::After(1));
    let res = get(&format!("/api/v1/vendors/{vendor}")).await.unwrap();
    assert_eq!(res.status(), 200);

    // Cut when the write's transaction begins: not repeated (had it reached the commit,
    // whether that happened would not be known), a 503.
    proxy.cut(Cut::On(b"BEGIN"));
    let res = app
        .client
        .patch(format!("{other}/api/v1/vendors/{vendor}"))
        .bearer_auth(&so.token)
        .json(&serde_json::json!({"address": "東京都港区芝公園1-5-25 別館"}))
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(res, 503, None).await;

    // Refusing connections: the answer is a 503 within about a second, not after the
    // pool's ten-second wait. (A generous bound: the point is which wait was taken.)
    proxy.refuse(true);
    for _ in 0..2 {
        let started = Instant::now();
        let res = get("/api/v1/engagements").await.unwrap();
        let took = started.elapsed();
        crate::helpers::assert_problem(res, 503, None).await;
        assert!(took < Duration::from_secs(5), "503 after {took:?}");
    }

    // Back again: answers as before.
    proxy.refuse(false);
    let mut status = 0;
    for _ in 0..50 {
        status = get("/api/v1/engagements").await.unwrap().status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, 200);
}

//! A real SMTP server on loopback (mailin-embedded), keeping what it receives.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{response, Handler, Response, Server, SslConfig};

/// One message as the server got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a MIME message")
    }
}

#[derive(Clone)]
struct Keep {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Keep {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.inbox.lock().unwrap().push(Received {
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        });
        response::OK
    }
}

pub struct TestSmtp {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

/// A loopback port nobody listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestSmtp {
    pub fn start() -> TestSmtp {
        TestSmtp::start_on(free_port())
    }

    /// Starts listening on `port` (for a server that was down and comes back).
    pub fn start_on(port: u16) -> TestSmtp {
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("SMTP port");
        let mut server = Server::new(Keep {
            inbox: inbox.clone(),
            to: Vec::new(),
            data: Vec::new(),
        });
        server
            .with_name("mail.test.example")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_num_threads(4)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        TestSmtp { port, inbox }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (or fails after 20 s), then a little
    /// longer, so that a duplicate would have time to show.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.received().len() >= n {
                tokio::time::sleep(Duration::from_millis(700)).await;
                return self.received();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} messages, got {}", self.received().len());
    }

    /// The configuration that sends to this server.
    pub fn config(&self) -> Vec<(&'static str, String)> {
        smtp_config(self.port)
    }
}

pub fn smtp_config(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("smtp_host", "127.0.0.1".into()),
        ("smtp_port", port.to_string()),
        ("smtp_security", "none".into()),
        ("mail_from", "Itaku 港区 <itaku@city.minato.example>".into()),
        (
            "public_base_url",
            "https://itaku.city.minato.example".into(),
        ),
        ("mail_retry_base_seconds", "1".into()),
    ]
}

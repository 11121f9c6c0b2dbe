//! Sends one message: over SMTP (STARTTLS, implicit TLS or plain) on the tokio runtime, or,
//! when no SMTP server is configured, as an .eml file in the outbox folder.
//!
//! Failures are sorted into the three kinds the outbox needs: a setting that can never
//! work as given, a failure worth retrying later, and a refusal not worth retrying.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{
    Address, AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS; refused if the server does not offer it
    /// (usually port 587).
    #[default]
    StartTls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or a closed network (port 25).
    None,
}

impl SmtpSecurity {
    /// The port usually paired with this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }
}

impl FromStr for SmtpSecurity {
    type Err = MailError;

    /// `starttls`, `tls` or `none` (any case, surrounding spaces ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpSecurity::StartTls),
            "tls" => Ok(SmtpSecurity::Tls),
            "none" => Ok(SmtpSecurity::None),
            other => Err(MailError::Settings(format!(
                "smtp_security {other:?}: use \"starttls\", \"tls\" or \"none\""
            ))),
        }
    }
}

impl fmt::Display for SmtpSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Empty: no SMTP server; messages are written as .eml files to `outbox_dir`.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    /// Sent only when the password is given too.
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// `Itaku 港区 <itaku@city.minato.example>` or a bare address. Its domain also names
    /// the Message-IDs.
    pub from: String,
    pub outbox_dir: PathBuf,
    /// For connecting and for each SMTP command.
    pub timeout: Duration,
}

/// One message to send (built from an outbox row).
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// The outbox row's id. It becomes the Message-ID `<id@domain of from>`, the same on
    /// every attempt, so that a receiving system can recognise a message sent twice.
    pub id: String,
    /// May be empty or Japanese (encoded as RFC 2047).
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `ja` or `en`: the Content-Language header.
    pub lang: String,
}

impl OutgoingMessage {
    /// A rendered email addressed to one person.
    pub fn from_rendered(
        id: impl Into<String>,
        to_name: impl Into<String>,
        to_email: impl Into<String>,
        lang: crate::i18n::Lang,
        rendered: super::RenderedEmail,
    ) -> OutgoingMessage {
        OutgoingMessage {
            id: id.into(),
            to_name: to_name.into(),
            to_email: to_email.into(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            lang: lang.pick("ja", "en").to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A bad from or to address, host or other setting: retrying the same thing cannot help.
    #[error("mail settings: {0}")]
    Settings(String),
    /// Connection refused, timeout, a 4xx reply, a full disk: retry later.
    #[error("temporary delivery failure: {0}")]
    Transient(String),
    /// A 5xx reply such as an unknown mailbox: do not retry.
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

#[derive(Clone)]
enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        host: String,
        port: u16,
        security: SmtpSecurity,
    },
    File {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

/// Sends messages through the configured transport. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.describe())
            .field("from", &self.from.to_string())
            .finish()
    }
}

const CONTENT_LANGUAGE: HeaderName = HeaderName::new_from_ascii_str("Content-Language");
/// RFC 3834: tells auto-responders (vacation replies) not to answer.
const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl Mailer {
    /// Checks the from address and builds the transport. Nothing is connected yet: an
    /// unreachable server shows on the first `send`.
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailError> {
        let from: Mailbox =
            settings.from.trim().parse().map_err(|e| {
                MailError::Settings(format!("from address {:?}: {e}", settings.from))
            })?;
        let transport = match non_empty(&settings.smtp_host) {
            Some(host) => Transport::Smtp {
                transport: smtp_transport(host, settings)?,
                host: host.to_string(),
                port: settings.smtp_port,
                security: settings.smtp_security,
            },
            None => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| {
                    MailError::Settings(format!(
                        "cannot create the outbox folder {}: {e}",
                        settings.outbox_dir.display()
                    ))
                })?;
                Transport::File {
                    transport: AsyncFileTransport::new(&settings.outbox_dir),
                    dir: settings.outbox_dir.clone(),
                }
            }
        };
        Ok(Mailer { transport, from })
    }

    /// For the start-up line: `SMTP smtp.example.jp:587 (STARTTLS)` or `no SMTP server
    /// configured: messages are written to data/outbox/ as .eml files`.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp {
                host,
                port,
                security,
                ..
            } => {
                let security = match security {
                    SmtpSecurity::StartTls => "STARTTLS",
                    SmtpSecurity::Tls => "TLS",
                    SmtpSecurity::None => "no encryption",
                };
                format!("SMTP {host}:{port} ({security})")
            }
            Transport::File { dir, .. } => {
                let mut dir = dir.display().to_string();
                if !dir.ends_with(std::path::MAIN_SEPARATOR) && !dir.ends_with('/') {
                    dir.push('/');
                }
                format!("no SMTP server configured: messages are written to {dir} as .eml files")
            }
        }
    }

    pub fn is_file(&self) -> bool {
        matches!(self.transport, Transport::File { .. })
    }

    /// The message as it would be sent (for tests and previews).
    pub fn build(&self, m: &OutgoingMessage) -> Result<Message, MailError> {
        let address: Address =
            m.to_email.trim().parse().map_err(|e| {
                MailError::Settings(format!("recipient address {:?}: {e}", m.to_email))
            })?;
        let name = one_line(&m.to_name);
        let to = Mailbox::new((!name.is_empty()).then_some(name), address);
        let lang = m.lang.trim();
        if lang.is_empty()
            || lang.len() > 35
            || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(MailError::Settings(format!("language tag {:?}", m.lang)));
        }
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&m.subject))
            .message_id(Some(message_id(&m.id, self.from.email.domain())?))
            .date_now()
            .raw_header(HeaderValue::new(CONTENT_LANGUAGE, lang.to_string()))
            .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".into()))
            .multipart(MultiPart::alternative_plain_html(
                m.text.clone(),
                m.html.clone(),
            ))
            .map_err(|e| MailError::Settings(format!("message {}: {e}", m.id)))
    }

    pub async fn send(&self, m: &OutgoingMessage) -> Result<(), MailError> {
        let message = self.build(m)?;
        match &self.transport {
            Transport::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(classify_smtp),
            Transport::File { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Transient(e.to_string())),
        }
    }
}

fn smtp_transport(
    host: &str,
    settings: &MailSettings,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let bad_host =
        |e: lettre::transport::smtp::Error| MailError::Settings(format!("smtp_host {host:?}: {e}"));
    let builder = match settings.smtp_security {
        SmtpSecurity::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(bad_host)?
        }
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(bad_host)?,
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
    };
    let mut builder = builder
        .port(settings.smtp_port)
        .timeout(Some(settings.timeout));
    match (
        non_empty(&settings.smtp_username),
        settings.smtp_password.as_deref().filter(|p| !p.is_empty()),
    ) {
        (Some(user), Some(password)) => {
            builder = builder.credentials(Credentials::new(user.to_string(), password.to_string()));
        }
        (None, None) => {}
        _ => {
            return Err(MailError::Settings(
                "smtp_username and smtp_password must be given together".into(),
            ))
        }
    }
    Ok(builder.build())
}

/// 5xx replies are permanent, except the ones about logging in (530, 534, 535, 538): a
/// wrong password is the server's configuration, not the message's fault, and every
/// message waiting must still go out once it is fixed.
fn classify_smtp(e: lettre::transport::smtp::Error) -> MailError {
    let code = e.status().map(|c| c.to_string());
    let login = matches!(code.as_deref(), Some("530" | "534" | "535" | "538"));
    if e.is_permanent() && !login {
        MailError::Permanent(e.to_string())
    } else if login {
        MailError::Transient(format!(
            "the SMTP server refused to log in (check smtp_username and smtp_password): {e}"
        ))
    } else {
        MailError::Transient(e.to_string())
    }
}

/// `<id@domain>`: the same for every attempt to send the same outbox row.
fn message_id(id: &str, domain: &str) -> Result<String, MailError> {
    let usable = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if id.is_empty() || !id.chars().all(usable) || id.starts_with('.') || id.ends_with('.') {
        return Err(MailError::Settings(format!(
            "message id {id:?}: only letters, digits, '-', '_' and '.' can make a Message-ID"
        )));
    }
    Ok(format!("<{id}@{domain}>"))
}

/// Header text on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    text.split(char::is_control)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &std::path::Path) -> MailSettings {
        MailSettings {
            smtp_host: None,
            smtp_port: 587,
            smtp_security: SmtpSecurity::StartTls,
            smtp_username: None,
            smtp_password: None,
            from: "Itaku 港区 <itaku@city.minato.example>".into(),
            outbox_dir: dir.to_path_buf(),
            timeout: Duration::from_secs(5),
        }
    }

    fn message(id: &str) -> OutgoingMessage {
        OutgoingMessage {
            id: id.into(),
            to_name: "山田 花子".into(),
            to_email: "hanako.yamada@city.minato.example".into(),
            subject: "【港区】委託先管理の期限のお知らせ（2件、うち期限超過1件）".into(),
            text: "山田 花子 様\n\nA & B\n".into(),
            html: "<p>山田 花子 様</p><p>A &amp; B</p>".into(),
            lang: "ja".into(),
        }
    }

    #[test]
    fn smtp_security_parses_the_three_words() {
        assert_eq!(
            "starttls".parse::<SmtpSecurity>().unwrap(),
            SmtpSecurity::StartTls
        );
        assert_eq!(" TLS ".parse::<SmtpSecurity>().unwrap(), SmtpSecurity::Tls);
        assert_eq!("none".parse::<SmtpSecurity>().unwrap(), SmtpSecurity::None);
        assert!(matches!(
            "ssl".parse::<SmtpSecurity>(),
            Err(MailError::Settings(_))
        ));
        assert!("".parse::<SmtpSecurity>().is_err());
        for s in [
            SmtpSecurity::StartTls,
            SmtpSecurity::Tls,
            SmtpSecurity::None,
        ] {
            assert_eq!(s.to_string().parse::<SmtpSecurity>().unwrap(), s);
        }
        assert_eq!(SmtpSecurity::default().default_port(), 587);
    }

    #[test]
    fn describe_names_the_server_or_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("data/outbox");
        let mut s = settings(&outbox);
        let file = Mailer::new(&s).unwrap();
        assert!(file.is_file());
        assert!(outbox.is_dir(), "the outbox folder is created");
        assert_eq!(
            file.describe(),
            format!(
                "no SMTP server configured: messages are written to {}/ as .eml files",
                outbox.display()
            )
        );

        s.smtp_host = Some("  ".into());
        assert!(
            Mailer::new(&s).unwrap().is_file(),
            "a blank host means none"
        );

        s.smtp_host = Some("smtp.example.jp".into());
        let smtp = Mailer::new(&s).unwrap();
        assert!(!smtp.is_file());
        assert_eq!(smtp.describe(), "SMTP smtp.example.jp:587 (STARTTLS)");
        s.smtp_security = SmtpSecurity::Tls;
        s.smtp_port = 465;
        assert_eq!(
            Mailer::new(&s).unwrap().describe(),
            "SMTP smtp.example.jp:465 (TLS)"
        );
    }

    #[test]
    fn bad_settings_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path());
        s.from = "not an address".into();
        assert!(matches!(Mailer::new(&s), Err(MailError::Settings(_))));

        let mut s = settings(dir.path());
        s.from = "itaku@city.minato.example".into();
        assert!(Mailer::new(&s).is_ok(), "a bare address is fine");

        s.smtp_host = Some("smtp.example.jp".into());
        s.smtp_username = Some("itaku".into());
        assert!(
            matches!(Mailer::new(&s), Err(MailError::Settings(m)) if m.contains("together")),
            "a user name without a password"
        );
        s.smtp_password = Some("secret".into());
        assert!(Mailer::new(&s).is_ok());
    }

    #[test]
    fn a_bad_recipient_or_id_is_a_settings_error() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::new(&settings(dir.path())).unwrap();
        let mut m = message("01J0000000000000000000000A");
        m.to_email = "nobody".into();
        assert!(matches!(mailer.build(&m), Err(MailError::Settings(_))));
        let mut m = message("a b");
        assert!(matches!(mailer.build(&m), Err(MailError::Settings(_))));
        m.id = "<x@y>".into();
        assert!(matches!(mailer.build(&m), Err(MailError::Settings(_))));
    }

    #[test]
    fn header_text_stays_on_one_line() {
        assert_eq!(one_line("a\r\nBcc: x@y\tz"), "a Bcc: x@y z");
        assert_eq!(one_line("  お知らせ  "), "お知らせ");
    }

    fn eml_files(dir: &std::path::Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
    }

    #[tokio::test]
    async fn the_file_transport_writes_one_eml_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::new(&settings(dir.path())).unwrap();
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        mailer.send(&message(id)).await.unwrap();
        assert_eq!(eml_files(dir.path()).len(), 1);
        mailer.send(&message("second")).await.unwrap();
        let files = eml_files(dir.path());
        assert_eq!(files.len(), 2);

        let raw = files
            .iter()
            .map(|f| std::fs::read(f).unwrap())
            .find(|raw| String::from_utf8_lossy(raw).contains(id))
            .expect("the first message");
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains(&format!("Message-ID: <{id}@city.minato.example>")),
            "{text}"
        );
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(text.contains("Content-Language: ja"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-generated"), "{text}");
        assert!(
            text.contains("<hanako.yamada@city.minato.example>"),
            "{text}"
        );

        let parsed = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("a MIME message");
        assert_eq!(
            parsed.subject(),
            Some("【港区】委託先管理の期限のお知らせ（2件、うち期限超過1件）")
        );
        let to = parsed.to().and_then(|a| a.first()).expect("a recipient");
        assert_eq!(to.name(), Some("山田 花子"));
        assert_eq!(to.address(), Some("hanako.yamada@city.minato.example"));
        let from = parsed.from().and_then(|a| a.first()).expect("a sender");
        assert_eq!(from.name(), Some("Itaku 港区"));
        assert_eq!(
            parsed.message_id(),
            Some(format!("{id}@city.minato.example").as_str())
        );
        assert!(parsed.date().is_some());
        assert_eq!(parsed.text_body_count(), 1);
        assert_eq!(parsed.html_body_count(), 1);
        assert!(parsed.body_text(0).unwrap().contains("A & B"));
        assert!(parsed.body_html(0).unwrap().contains("A &amp; B"));
    }

    /// A one-connection SMTP server on loopback that answers every command with 250,
    /// except the command starting with `refuse`, which gets `reply`.
    fn fake_smtp(refuse: &'static str, reply: &'static str) -> u16 {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (socket, _) = listener.accept().unwrap();
            let mut out = socket.try_clone().unwrap();
            let mut lines = BufReader::new(socket).lines();
            out.write_all(b"220 fake ESMTP\r\n").unwrap();
            let mut in_data = false;
            while let Some(Ok(line)) = lines.next() {
                let upper = line.to_ascii_uppercase();
                let answer = if in_data {
                    if line != "." {
                        continue;
                    }
                    in_data = false;
                    "250 queued"
                } else if upper.starts_with(refuse) {
                    reply
                } else if upper.starts_with("EHLO") {
                    "250-fake\r\n250 AUTH PLAIN LOGIN"
                } else if upper.starts_with("DATA") {
                    in_data = true;
                    "354 go ahead"
                } else if upper.starts_with("QUIT") {
                    let _ = out.write_all(b"221 bye\r\n");
                    break;
                } else {
                    "250 OK"
                };
                if out.write_all(format!("{answer}\r\n").as_bytes()).is_err() {
                    break;
                }
            }
        });
        port
    }

    async fn send_to_fake(refuse: &'static str, reply: &'static str) -> Result<(), MailError> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path());
        s.smtp_host = Some("127.0.0.1".into());
        s.smtp_port = fake_smtp(refuse, reply);
        s.smtp_security = SmtpSecurity::None;
        s.smtp_username = Some("itaku".into());
        s.smtp_password = Some("secret".into());
        Mailer::new(&s).unwrap().send(&message("m1")).await
    }

    #[tokio::test]
    async fn smtp_replies_are_sorted_into_permanent_and_transient() {
        send_to_fake("NOTHING", "").await.expect("accepted");
        let err = send_to_fake("RCPT", "550 5.1.1 User unknown")
            .await
            .unwrap_err();
        assert!(
            matches!(err, MailError::Permanent(ref m) if m.contains("550")),
            "{err:?}"
        );
        let err = send_to_fake("RCPT", "451 4.3.0 Try again later")
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Transient(_)), "{err:?}");
        let err = send_to_fake("AUTH", "535 5.7.8 Authentication failed")
            .await
            .unwrap_err();
        assert!(
            matches!(err, MailError::Transient(ref m) if m.contains("smtp_password")),
            "a wrong password must not drop the message: {err:?}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_a_transient_failure() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path());
        s.smtp_host = Some("127.0.0.1".into());
        s.smtp_port = port;
        s.smtp_security = SmtpSecurity::None;
        let mailer = Mailer::new(&s).unwrap();
        assert_eq!(
            mailer.describe(),
            format!("SMTP 127.0.0.1:{port} (no encryption)")
        );
        let err = mailer.send(&message("m1")).await.unwrap_err();
        assert!(matches!(err, MailError::Transient(_)), "{err:?}");

        s.smtp_security = SmtpSecurity::StartTls;
        let err = Mailer::new(&s)
            .unwrap()
            .send(&message("m1"))
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Transient(_)), "{err:?}");
    }
}

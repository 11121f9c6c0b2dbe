//! One typed configuration, read once at start-up from (lowest to highest precedence)
//! built-in defaults, an optional TOML file, and `ITAKU_*` environment variables, and
//! checked there: a bad value stops the service with the key, where it came from and why.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use crate::mail::{MailSettings, SmtpSecurity};
use crate::policy::reminders::{parse_days, parse_escalation, ReminderPolicy};

/// Every configuration key: its TOML name (the environment variable is `ITAKU_` + the name
/// in upper case), its default and what it does. `itaku --help` prints this table.
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "database_url",
        "data/itaku.sqlite3",
        "SQLite file (path or sqlite://path), or postgres://user@host/db",
    ),
    (
        "database_pool_size",
        "8",
        "Connections kept open to the database",
    ),
    (
        "sqlite_mmap_mib",
        "1024",
        "SQLite only: MiB of the database file read through a memory map (0: none)",
    ),
    (
        "bind",
        "127.0.0.1:8080",
        "Address and port the HTTP server listens on",
    ),
    (
        "public_base_url",
        "http://127.0.0.1:8080",
        "URL people reach the service at (https:// makes cookies Secure)",
    ),
    (
        "organization_name",
        "港区",
        "The municipality's name, as printed in documents",
    ),
    (
        "time_zone",
        "Asia/Tokyo",
        "IANA time zone that decides what \"today\" is for due dates",
    ),
    (
        "session_idle_minutes",
        "30",
        "A signed-in session ends after this long without a request",
    ),
    (
        "session_absolute_hours",
        "12",
        "A signed-in session ends this long after sign-in, used or not",
    ),
    (
        "max_body_bytes",
        "262144",
        "Largest JSON request body accepted",
    ),
    (
        "list_count_up_to",
        "10000",
        "Lists count their total exactly up to this many; past it they say \"more than\"",
    ),
    (
        "templates_dir",
        "",
        "Folder whose files override the built-in contract templates by name",
    ),
    (
        "email_templates_dir",
        "",
        "Folder whose files override the built-in email templates by name",
    ),
    (
        "portal_templates_dir",
        "",
        "Folder whose files override the built-in vendor portal templates and labels by name",
    ),
    (
        "staff_templates_dir",
        "",
        "Folder whose files override the built-in staff page templates and labels by name",
    ),
    (
        "responsibility_templates_dir",
        "",
        "Folder whose iaas/paas/saas.yaml override the built-in starting matrices of R-9.3.1",
    ),
    (
        "questionnaires_dir",
        "",
        "Folder whose .yaml files override or add to the built-in questionnaires by name",
    ),
    (
        "check_interval_months_l3",
        "6",
        "Months between periodic checks of an L3 engagement",
    ),
    (
        "check_interval_months_l2",
        "12",
        "Months between periodic checks of an L2 engagement",
    ),
    (
        "check_interval_months_l1",
        "12",
        "Months between periodic checks of an L1 engagement",
    ),
    (
        "certificate_deadline_days",
        "30",
        "Days after the end by which return/erasure is certified",
    ),
    (
        "configuration_stale_months",
        "6",
        "Months a cloud service's approved configuration record stays current",
    ),
    (
        "ismap_required_for_active",
        "false",
        "An L2/L3 cloud service needs a valid ISMAP / ISMAP-LIU listing before it is active (R-9.1)",
    ),
    (
        "mfa_required",
        "true",
        "Staff must set up a second factor (TOTP) at first sign-in (R-5.5.3.2)",
    ),
    (
        "password_min_chars",
        "12",
        "Shortest password a person may choose (R-4.1.4.3)",
    ),
    (
        "sign_in_max_failures_per_account",
        "5",
        "Failed sign-ins for one account within the window before it is throttled",
    ),
    (
        "sign_in_max_failures_per_address",
        "20",
        "Failed sign-ins from one address within the window before it is throttled",
    ),
    (
        "sign_in_window_minutes",
        "15",
        "The window failed sign-ins are counted over; throttling ends when it passes",
    ),
    (
        "trust_forwarded_for",
        "false",
        "Take the client address from X-Forwarded-For (only behind a reverse proxy you run)",
    ),
    (
        "audit_retention_days",
        "1825",
        "Days audit log entries are kept before the daily purge removes them (R-5.5.7)",
    ),
    (
        "access_review_interval_days",
        "90",
        "Days between access reviews confirmed by ROLE-CSM (R-5.5.3.6)",
    ),
    (
        "stale_account_days",
        "90",
        "An account not signed in for this many days is flagged in the access review",
    ),
    (
        "sweep_schedule",
        "0 0 9 * * Mon-Fri",
        "When reminders are swept, as a cron expression with seconds, in time_zone",
    ),
    (
        "reminder_days_before",
        "14,3",
        "Days before a due date its owner is reminded",
    ),
    (
        "reminder_overdue_every_days",
        "7",
        "While overdue, the owner is reminded again every this many days",
    ),
    (
        "reminder_escalation",
        "14:security_officer,30:ciso",
        "days_overdue:role pairs: who else is told when a deadline is that overdue",
    ),
    (
        "approval_due_days",
        "7",
        "Days an approval request may wait before its approver is reminded it is due",
    ),
    (
        "contract_end_notice_days",
        "90,30",
        "Days before a contract's end its responsible person is told",
    ),
    (
        "check_due_days",
        "30",
        "Days a vendor has to answer a periodic check (R-8.3.2, R-7.4, R-9.3.3)",
    ),
    (
        "check_review_days",
        "14",
        "Days the responsible officer has to review a submitted check",
    ),
    (
        "finding_due_days",
        "90",
        "Days from a check's acceptance to the due date of its findings' corrective actions",
    ),
    (
        "portal_link_grace_days",
        "30",
        "A portal link stops working this many days after its check's due date",
    ),
    (
        "evidence_max_bytes",
        "10485760",
        "Largest evidence file a vendor may upload (PDF, PNG, JPEG, Office, CSV, text)",
    ),
    (
        "evidence_max_files",
        "50",
        "Most evidence files one check may hold",
    ),
    (
        "portal_max_failures_per_address",
        "20",
        "Invalid portal links from one address within sign_in_window_minutes before it waits",
    ),
    (
        "smtp_host",
        "",
        "SMTP server; empty: messages are written to mail_outbox_dir as .eml files",
    ),
    ("smtp_port", "587", "SMTP server port"),
    (
        "smtp_security",
        "starttls",
        "starttls, tls (implicit, usually port 465) or none",
    ),
    ("smtp_username", "", "SMTP user name (with smtp_password)"),
    (
        "smtp_password",
        "",
        "SMTP password (never logged or audited)",
    ),
    (
        "mail_from",
        "Itaku <itaku@localhost>",
        "From address of the reminders",
    ),
    (
        "mail_outbox_dir",
        "data/outbox",
        "Folder for .eml files when no SMTP server is configured",
    ),
    (
        "mail_max_attempts",
        "8",
        "Delivery attempts before a message is marked failed",
    ),
    (
        "mail_retry_base_seconds",
        "60",
        "Wait after the first failed attempt; doubled after each one (at most 6 hours)",
    ),
    (
        "log",
        "info",
        "Log filter (EnvFilter syntax, e.g. info,itaku=debug)",
    ),
    ("log_format", "text", "text (one line per event) or json"),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub bind: SocketAddr,
    pub public_base_url: String,
    pub organization_name: String,
    pub time_zone: Tz,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub max_body_bytes: usize,
    /// How far a list counts its total exactly (`db::count::bounded`).
    pub list_count_up_to: i64,
    /// Overrides for `contract_templates/` (same file names); none when unset.
    pub templates_dir: Option<PathBuf>,
    /// Overrides for `email_templates/` (same file names); none when unset.
    pub email_templates_dir: Option<PathBuf>,
    /// Overrides for `portal_templates/` (same file names); none when unset.
    pub portal_templates_dir: Option<PathBuf>,
    /// Overrides for `staff_templates/` (same file names); none when unset.
    pub staff_templates_dir: Option<PathBuf>,
    /// Overrides and additions to `questionnaires/` (same file names); none when unset.
    pub questionnaires_dir: Option<PathBuf>,
    /// Overrides for `responsibility_templates/` (same file names); none when unset.
    pub responsibility_templates_dir: Option<PathBuf>,
    /// an L2/L3 cloud service without a valid ISMAP listing is refused `active`
    /// (otherwise it is only flagged).
    pub ismap_required_for_active: bool,
    pub rules: RuleSettings,
    pub security: SecuritySettings,
    pub reminders: ReminderPolicy,
    pub checks: CheckSettings,
    /// When the sweep runs (cron, with seconds), in `time_zone`.
    pub sweep_schedule: cron::Schedule,
    pub mail: MailSettings,
    pub delivery: DeliverySettings,
    pub log: String,
    pub log_format: LogFormat,
}

/// The periods the rules leave to the deployment, read into this configuration.
pub use crate::policy::obligations::RuleSettings;

/// Periodic checks and the vendor portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckSettings {
    pub due_days: u32,
    pub review_days: u32,
    pub finding_due_days: u32,
    pub link_grace_days: u32,
    pub evidence_max_bytes: usize,
    pub evidence_max_files: usize,
    pub portal_max_failures_per_address: u32,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            due_days: 30,
            review_days: 14,
            finding_due_days: 90,
            link_grace_days: 30,
            evidence_max_bytes: 10 * 1024 * 1024,
            evidence_max_files: 50,
            portal_max_failures_per_address: 20,
        }
    }
}

/// How the outbox is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    pub max_attempts: u32,
    pub retry_base: Duration,
}

/// How the service protects itself (R-5.5.3.2, R-4.1.4.3, R-5.5.3.6, R-5.5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecuritySettings {
    pub mfa_required: bool,
    pub password_min_chars: usize,
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub failure_window: Duration,
    pub trust_forwarded_for: bool,
    pub audit_retention_days: u32,
    pub access_review_interval_days: u32,
    pub stale_account_days: u32,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            mfa_required: true,
            password_min_chars: 12,
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            failure_window: Duration::from_secs(15 * 60),
            trust_forwarded_for: false,
            audit_retention_days: 1825,
            access_review_interval_days: 90,
            stale_account_days: 90,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// `mmap_mib`: how much of the file is read through a memory map (`PRAGMA
    /// mmap_size`), in MiB; 0 reads it all with system calls.
    Sqlite {
        path: PathBuf,
        pool_size: u32,
        mmap_mib: u64,
    },
    Postgres {
        url: String,
        pool_size: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("the default"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Env(v) => write!(f, "environment variable {v}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration key `{key}` (from {origin}): {reason}")]
    Invalid {
        key: &'static str,
        origin: Source,
        reason: String,
    },
    #[error("configuration file {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

impl DatabaseConfig {
    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseConfig::Postgres { .. })
    }

    /// A description for logs: never the password of a PostgreSQL URL.
    pub fn describe(&self) -> String {
        match self {
            DatabaseConfig::Sqlite { path, .. } => format!("SQLite {}", path.display()),
            DatabaseConfig::Postgres { url, .. } => format!("PostgreSQL {}", redact_url(url)),
        }
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme_end + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// Loads from the process environment and `ITAKU_CONFIG` (or `./itaku.toml` when it
    /// exists).
    pub fn load() -> Result<Config, ConfigError> {
        let file = match std::env::var_os("ITAKU_CONFIG") {
            Some(p) => Some(PathBuf::from(p)),
            None => Some(PathBuf::from("itaku.toml")).filter(|p| p.exists()),
        };
        Config::from_sources(|name| std::env::var(name).ok(), file.as_deref())
    }

    /// Defaults, overridden by `pairs` (TOML key names): for tests and tools.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (format!("ITAKU_{}", k.to_ascii_uppercase()), v.to_string()))
            .collect();
        Config::from_sources(|name| map.get(name).cloned(), None)
    }

    pub fn from_sources(
        env: impl Fn(&str) -> Option<String>,
        file: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let table = match file {
            Some(path) => Some(read_file(path)?),
            None => None,
        };
        let mut values: BTreeMap<&'static str, (String, Source)> = BTreeMap::new();
        for (key, default, _) in KEYS {
            values.insert(key, (default.to_string(), Source::Default));
        }
        if let (Some(table), Some(path)) = (&table, file) {
            for (k, v) in table {
                let Some((key, _, _)) = KEYS.iter().find(|(name, _, _)| name == k) else {
                    return Err(ConfigError::File {
                        path: path.to_path_buf(),
                        reason: format!("unknown key `{k}` (see `itaku --help`)"),
                    });
                };
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    other => other.to_string(),
                };
                values.insert(key, (text, Source::File(path.to_path_buf())));
            }
        }
        for (key, _, _) in KEYS {
            let var = format!("ITAKU_{}", key.to_ascii_uppercase());
            if let Some(v) = env(&var) {
                values.insert(key, (v, Source::Env(var)));
            }
        }
        let get = |key: &'static str| values.get(key).cloned().expect("every key has a default");
        let invalid = |key: &'static str, origin: Source, reason: String| ConfigError::Invalid {
            key,
            origin,
            reason,
        };
        let number = |key: &'static str, min: u64, max: u64| -> Result<u64, ConfigError> {
            let (v, source) = get(key);
            match v.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(invalid(
                    key,
                    source,
                    format!("`{v}` is not a whole number from {min} to {max}"),
                )),
            }
        };

        let pool_size = number("database_pool_size", 1, 200)? as u32;
        let mmap_mib = number("sqlite_mmap_mib", 0, 1024 * 1024)?;
        let (url, url_source) = get("database_url");
        let database = parse_database_url(&url, pool_size, mmap_mib)
            .map_err(|reason| invalid("database_url", url_source, reason))?;

        let (bind, source) = get("bind");
        let bind = bind.trim().parse::<SocketAddr>().map_err(|_| {
            invalid(
                "bind",
                source,
                format!("`{bind}` is not an address:port such as 127.0.0.1:8080"),
            )
        })?;

        let (public_base_url, source) = get("public_base_url");
        let public_base_url = public_base_url.trim().trim_end_matches('/').to_string();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(invalid(
                "public_base_url",
                source,
                "must start with http:// or https://".into(),
            ));
        }

        let (organization_name, source) = get("organization_name");
        let organization_name = organization_name.trim().to_string();
        if organization_name.is_empty() {
            return Err(invalid(
                "organization_name",
                source,
                "must not be empty".into(),
            ));
        }

        let (tz, source) = get("time_zone");
        let time_zone = tz.trim().parse::<Tz>().map_err(|_| {
            invalid(
                "time_zone",
                source,
                format!("`{tz}` is not an IANA time zone such as Asia/Tokyo"),
            )
        })?;

        let session_idle = Duration::from_secs(60 * number("session_idle_minutes", 1, 24 * 60)?);
        let session_absolute =
            Duration::from_secs(3600 * number("session_absolute_hours", 1, 24 * 30)?);
        let max_body_bytes = number("max_body_bytes", 1024, 64 * 1024 * 1024)? as usize;
        let list_count_up_to = number("list_count_up_to", 1, 1_000_000_000)? as i64;

        let questionnaires_dir = Some(get("questionnaires_dir").0.trim().to_string())
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let responsibility_templates_dir =
            Some(get("responsibility_templates_dir").0.trim().to_string())
                .filter(|d| !d.is_empty())
                .map(PathBuf::from);
        let (templates_dir, _) = get("templates_dir");
        let templates_dir = Some(templates_dir.trim())
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let (email_templates_dir, _) = get("email_templates_dir");
        let email_templates_dir = Some(email_templates_dir.trim())
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let (portal_templates_dir, _) = get("portal_templates_dir");
        let portal_templates_dir = Some(portal_templates_dir.trim())
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let (staff_templates_dir, _) = get("staff_templates_dir");
        let staff_templates_dir = Some(staff_templates_dir.trim())
            .filter(|d| !d.is_empty())
            .map(PathBuf::from);
        let rules = RuleSettings {
            check_interval_months: [
                number("check_interval_months_l1", 1, 60)? as u32,
                number("check_interval_months_l2", 1, 60)? as u32,
                number("check_interval_months_l3", 1, 60)? as u32,
            ],
            certificate_deadline_days: number("certificate_deadline_days", 1, 365)? as u32,
            configuration_stale_months: number("configuration_stale_months", 1, 60)? as u32,
        };

        let boolean = |key: &'static str| -> Result<bool, ConfigError> {
            let (v, source) = get(key);
            match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(invalid(key, source, format!("`{v}` is not true or false"))),
            }
        };
        let security = SecuritySettings {
            mfa_required: boolean("mfa_required")?,
            // Below 8 the Standard's "hard to guess" (R-4.1.4.3) cannot hold.
            password_min_chars: number("password_min_chars", 8, 64)? as usize,
            max_failures_per_account: number("sign_in_max_failures_per_account", 1, 1000)? as u32,
            max_failures_per_address: number("sign_in_max_failures_per_address", 1, 100_000)?
                as u32,
            failure_window: Duration::from_secs(60 * number("sign_in_window_minutes", 1, 24 * 60)?),
            trust_forwarded_for: boolean("trust_forwarded_for")?,
            audit_retention_days: number("audit_retention_days", 30, 36_500)? as u32,
            access_review_interval_days: number("access_review_interval_days", 1, 3650)? as u32,
            stale_account_days: number("stale_account_days", 1, 3650)? as u32,
        };

        let text = |key: &'static str| get(key).0.trim().to_string();
        let bad = |key: &'static str| move |reason: String| invalid(key, get(key).1, reason);
        let reminders = ReminderPolicy {
            days_before: parse_days(&text("reminder_days_before"))
                .map_err(bad("reminder_days_before"))?,
            overdue_every_days: number("reminder_overdue_every_days", 1, 365)? as u32,
            escalation: parse_escalation(&text("reminder_escalation"))
                .map_err(bad("reminder_escalation"))?,
            approval_due_days: number("approval_due_days", 1, 365)? as u32,
            contract_end_notice_days: parse_days(&text("contract_end_notice_days"))
                .map_err(bad("contract_end_notice_days"))?,
        };
        let checks = CheckSettings {
            due_days: number("check_due_days", 1, 365)? as u32,
            review_days: number("check_review_days", 1, 365)? as u32,
            finding_due_days: number("finding_due_days", 1, 3650)? as u32,
            link_grace_days: number("portal_link_grace_days", 0, 365)? as u32,
            evidence_max_bytes: number("evidence_max_bytes", 1024, 256 * 1024 * 1024)? as usize,
            evidence_max_files: number("evidence_max_files", 1, 1000)? as usize,
            portal_max_failures_per_address: number("portal_max_failures_per_address", 1, 100_000)?
                as u32,
        };
        let sweep_schedule = text("sweep_schedule")
            .parse::<cron::Schedule>()
            .map_err(|e| {
                format!("not a cron expression with seconds, e.g. `0 0 9 * * Mon-Fri`: {e}")
            })
            .map_err(bad("sweep_schedule"))?;
        let optional = |key: &'static str| Some(text(key)).filter(|v| !v.is_empty());
        let mail = MailSettings {
            smtp_host: optional("smtp_host"),
            smtp_port: number("smtp_port", 1, 65535)? as u16,
            smtp_security: text("smtp_security")
                .parse::<SmtpSecurity>()
                .map_err(|e| e.to_string())
                .map_err(bad("smtp_security"))?,
            smtp_username: optional("smtp_username"),
            smtp_password: optional("smtp_password"),
            from: Some(text("mail_from"))
                .filter(|f| f.contains('@'))
                .ok_or_else(|| "must be an address, e.g. Itaku <itaku@city.example.jp>".to_string())
                .map_err(bad("mail_from"))?,
            outbox_dir: PathBuf::from(text("mail_outbox_dir")),
            timeout: Duration::from_secs(30),
        };
        let delivery = DeliverySettings {
            max_attempts: number("mail_max_attempts", 1, 100)? as u32,
            retry_base: Duration::from_secs(number("mail_retry_base_seconds", 1, 86_400)?),
        };

        let (log, _) = get("log");
        let (log_format, source) = get("log_format");
        let log_format = match log_format.trim() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "log_format",
                    source,
                    format!("`{other}` is not text or json"),
                ))
            }
        };

        Ok(Config {
            database,
            bind,
            public_base_url,
            organization_name,
            time_zone,
            session_idle,
            session_absolute,
            max_body_bytes,
            list_count_up_to,
            templates_dir,
            email_templates_dir,
            portal_templates_dir,
            staff_templates_dir,
            questionnaires_dir,
            responsibility_templates_dir,
            ismap_required_for_active: boolean("ismap_required_for_active")?,
            rules,
            security,
            reminders,
            checks,
            sweep_schedule,
            mail,
            delivery,
            log,
            log_format,
        })
    }

    /// The organisation's date at `now`: what "today" means for every due date.
    pub fn date_at(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        now.with_timezone(&self.time_zone).date_naive()
    }

    /// The end of the organisation's day `date`, in UTC: when a link valid "until"
    /// that day stops working.
    pub fn end_of_day(&self, date: chrono::NaiveDate) -> chrono::NaiveDateTime {
        let next = date + chrono::Days::new(1);
        next.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(self.time_zone).earliest())
            .map(|t| t.naive_utc())
            .unwrap_or_else(|| next.and_hms_opt(0, 0, 0).unwrap_or_default())
    }

    /// The settings as the audit log records them at start-up when they changed
    /// (R-5.8.1.3): every value that shapes what the service does, the database URL
    /// without its password. The listening address and pool size are left out: they
    /// differ between instances of one deployment without changing its behaviour.
    pub fn audited(&self) -> serde_json::Value {
        let s = &self.security;
        let mut audited = serde_json::json!({
            "database": self.database.describe(),
            "public_base_url": self.public_base_url,
            "organization_name": self.organization_name,
            "time_zone": self.time_zone.name(),
            "session_idle_minutes": self.session_idle.as_secs() / 60,
            "session_absolute_hours": self.session_absolute.as_secs() / 3600,
            "max_body_bytes": self.max_body_bytes,
            "templates_dir": self.templates_dir.as_ref().map(|d| d.display().to_string()),
            "questionnaires_dir": self.questionnaires_dir.as_ref().map(|d| d.display().to_string()),
            "check_interval_months": self.rules.check_interval_months,
            "certificate_deadline_days": self.rules.certificate_deadline_days,
            "mfa_required": s.mfa_required,
            "password_min_chars": s.password_min_chars,
            "sign_in_max_failures_per_account": s.max_failures_per_account,
            "sign_in_max_failures_per_address": s.max_failures_per_address,
            "sign_in_window_minutes": s.failure_window.as_secs() / 60,
            "trust_forwarded_for": s.trust_forwarded_for,
            "audit_retention_days": s.audit_retention_days,
            "access_review_interval_days": s.access_review_interval_days,
            "stale_account_days": s.stale_account_days,
            "sweep_schedule": self.sweep_schedule.to_string(),
            "reminder_days_before": self.reminders.days_before,
            "reminder_overdue_every_days": self.reminders.overdue_every_days,
            "reminder_escalation": self.reminders.escalation.iter()
                .map(|(d, r)| format!("{d}:{}", r.as_str())).collect::<Vec<_>>(),
            "approval_due_days": self.reminders.approval_due_days,
            "contract_end_notice_days": self.reminders.contract_end_notice_days,
            "check_due_days": self.checks.due_days,
            "check_review_days": self.checks.review_days,
            "finding_due_days": self.checks.finding_due_days,
            "portal_link_grace_days": self.checks.link_grace_days,
            "evidence_max_bytes": self.checks.evidence_max_bytes,
            "evidence_max_files": self.checks.evidence_max_files,
            "portal_max_failures_per_address": self.checks.portal_max_failures_per_address,
            "smtp_host": self.mail.smtp_host,
            "smtp_port": self.mail.smtp_port,
            "smtp_security": self.mail.smtp_security.to_string(),
            "smtp_username": self.mail.smtp_username,
            "mail_from": self.mail.from,
            "mail_outbox_dir": self.mail.outbox_dir.display().to_string(),
            "mail_max_attempts": self.delivery.max_attempts,
            "mail_retry_base_seconds": self.delivery.retry_base.as_secs(),
        });
        // Added apart because one `json!` literal with every key would pass the macro's
        // recursion limit.
        let folders = [
            ("email_templates_dir", &self.email_templates_dir),
            ("portal_templates_dir", &self.portal_templates_dir),
            ("staff_templates_dir", &self.staff_templates_dir),
            (
                "responsibility_templates_dir",
                &self.responsibility_templates_dir,
            ),
        ];
        if let Some(map) = audited.as_object_mut() {
            for (key, dir) in folders {
                let value = dir.as_ref().map(|d| d.display().to_string());
                map.insert(key.to_string(), serde_json::json!(value));
            }
            map.insert(
                "list_count_up_to".to_string(),
                serde_json::json!(self.list_count_up_to),
            );
            map.insert(
                "ismap_required_for_active".to_string(),
                serde_json::json!(self.ismap_required_for_active),
            );
            map.insert(
                "configuration_stale_months".to_string(),
                serde_json::json!(self.rules.configuration_stale_months),
            );
        }
        audited
    }

    /// Cookies are marked Secure when people reach the service over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }

    /// `itaku --help`'s description of every key.
    pub fn help_text() -> String {
        let mut s = String::from(
            "Configuration: environment variables, or the same keys in lower case without\n\
             ITAKU_ in ./itaku.toml (ITAKU_CONFIG names another file):\n",
        );
        for (key, default, help) in KEYS {
            s.push_str(&format!(
                "  ITAKU_{} (default: {default})\n      {help}\n",
                key.to_ascii_uppercase()
            ));
        }
        s
    }
}

fn parse_database_url(url: &str, pool_size: u32, mmap_mib: u64) -> Result<DatabaseConfig, String> {
    let url = url.trim();
    if url.is_empty() {
        return Err("must not be empty".into());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseConfig::Postgres {
            url: url.to_string(),
            pool_size,
        });
    }
    if let Some((scheme, _)) = url.split_once("://") {
        if scheme != "sqlite" {
            return Err(format!(
                "unsupported scheme `{scheme}://`: use a SQLite path or postgres://"
            ));
        }
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    Ok(DatabaseConfig::Sqlite {
        path: PathBuf::from(path),
        pool_size,
        mmap_mib,
    })
}

fn read_file(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    text.parse::<toml::Table>().map_err(|e| ConfigError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_a_local_sqlite_service() {
        let c = Config::from_pairs(&[]).unwrap();
        assert_eq!(
            c.database,
            DatabaseConfig::Sqlite {
                path: "data/itaku.sqlite3".into(),
                pool_size: 8,
                mmap_mib: 1024,
            }
        );
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.organization_name, "港区");
        assert_eq!(c.time_zone, chrono_tz::Asia::Tokyo);
        assert!(!c.secure_cookies());
        assert_eq!(c.security, SecuritySettings::default());
        assert!(
            c.security.mfa_required,
            "R-5.5.3.2: on unless a deployment turns it off"
        );
        let off = Config::from_pairs(&[("mfa_required", "false")]).unwrap();
        assert!(!off.security.mfa_required);
        let err = Config::from_pairs(&[("mfa_required", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("mfa_required"), "{err}");
        assert!(Config::from_pairs(&[("password_min_chars", "4")]).is_err());
    }

    #[test]
    fn the_sqlite_memory_map_is_sized_in_mib_and_may_be_off() {
        let mmap = |value: &str| match Config::from_pairs(&[("sqlite_mmap_mib", value)])
            .map(|c| c.database)
        {
            Ok(DatabaseConfig::Sqlite { mmap_mib, .. }) => Ok(mmap_mib),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(mmap("0"), Ok(0));
        assert_eq!(mmap("256"), Ok(256));
        let err = mmap("-1").unwrap_err();
        assert!(err.contains("`sqlite_mmap_mib`"), "{err}");
        assert!(mmap("lots").is_err());
    }

    #[test]
    fn postgres_url_switches_backend_and_is_redacted_in_logs() {
        let c = Config::from_pairs(&[("database_url", "postgres://itaku:s3cret@db.example/itaku")])
            .unwrap();
        assert!(c.database.is_postgres());
        assert_eq!(
            c.database.describe(),
            "PostgreSQL postgres://itaku@db.example/itaku"
        );
    }

    #[test]
    fn bad_values_name_the_key_and_source() {
        let err = Config::from_pairs(&[("time_zone", "Mars/Olympus")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("time_zone") && err.contains("ITAKU_TIME_ZONE"),
            "{err}"
        );
        let err = Config::from_pairs(&[("bind", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`bind`"), "{err}");
        assert!(Config::from_pairs(&[("database_url", "mysql://x")]).is_err());
    }

    #[test]
    fn template_override_folders_are_read_and_audited() {
        let c = Config::from_pairs(&[]).unwrap();
        assert_eq!(c.templates_dir, None);
        assert_eq!(c.email_templates_dir, None);
        assert_eq!(c.portal_templates_dir, None);
        assert_eq!(c.audited()["portal_templates_dir"], serde_json::Value::Null);
        let c = Config::from_pairs(&[
            ("email_templates_dir", "/srv/itaku/mail"),
            ("portal_templates_dir", " /srv/itaku/portal "),
        ])
        .unwrap();
        assert_eq!(
            c.email_templates_dir.as_deref(),
            Some(Path::new("/srv/itaku/mail"))
        );
        assert_eq!(
            c.portal_templates_dir.as_deref(),
            Some(Path::new("/srv/itaku/portal"))
        );
        let audited = c.audited();
        assert_eq!(audited["email_templates_dir"], "/srv/itaku/mail");
        assert_eq!(audited["portal_templates_dir"], "/srv/itaku/portal");
    }

    #[test]
    fn file_values_sit_between_defaults_and_environment() {
        let dir = std::env::temp_dir().join(format!("itaku-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("itaku.toml");
        std::fs::write(
            &path,
            "organization_name = \"千代田区\"\nbind = \"127.0.0.1:9000\"\n",
        )
        .unwrap();
        let env = |name: &str| (name == "ITAKU_BIND").then(|| "127.0.0.1:9001".to_string());
        let c = Config::from_sources(env, Some(&path)).unwrap();
        assert_eq!(c.organization_name, "千代田区");
        assert_eq!(c.bind.port(), 9001);
        std::fs::write(&path, "colour = \"blue\"\n").unwrap();
        let err = Config::from_sources(|_| None, Some(&path))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `colour`"), "{err}");
    }
}

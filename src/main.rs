use std::process::ExitCode;

use clap::{Parser, Subcommand};

use itaku::accounts::{self, NewStaff};
use itaku::audit::{Event, Origin};
use itaku::clauses::{ClauseTemplates, Format};
use itaku::config::Config;
use itaku::db;
use itaku::domain::{BoundedText, DivisionCode, EmailAddress, Role};
use itaku::i18n::Lang;
use itaku::startup::Application;

#[derive(Parser)]
#[command(
    name = "itaku",
    version,
    about = "Itaku (委託): keeps a municipality's contractors, designated managers and cloud services inside its information security rules",
    after_help = Config::help_text()
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage staff users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Load a realistic demo data set (divisions, staff in every role, vendors, engagements);
    /// with --engagements N, generate a register of that size instead.
    Demo {
        /// 生成する委託案件の数。Generate a register of N engagements (every kind and level,
        /// with items, contracts, approvals, records, checks and findings), with divisions,
        /// staff and vendors to match, then derive its stored obligations.
        #[arg(long, value_name = "N")]
        engagements: Option<usize>,
        /// The same seed gives the same register.
        #[arg(long, value_name = "S", requires = "engagements", default_value_t = itaku::demo::DEFAULT_SEED)]
        seed: u64,
        /// Add to a register that already has engagements (refused otherwise).
        #[arg(long, requires = "engagements")]
        append: bool,
    },
    /// Print the complete contract clause set for an engagement, or write it to a file.
    Clauses {
        engagement_id: String,
        /// ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// markdown, html, text or docx (a Word document: needs --output).
        #[arg(long, default_value = "markdown")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Print the rule catalog and, for each rule, the code and tests that enforce it.
    Rules,
    /// Run the reminder sweep now (the service also runs it on sweep_schedule), then send
    /// what it queued.
    Sweep {
        /// Print what would be sent; record and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The audit log (R-5.5.7, R-5.8.1.3).
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first entry changed, inserted or missing.
    Verify {
        /// A head hash printed by an earlier verify and kept elsewhere: the chain must
        /// still end in it or pass through it unchanged.
        #[arg(long)]
        expect_head: Option<String>,
    },
    /// Remove entries older than audit_retention_days now (the service does it daily).
    Purge,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff user and print a one-time password.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// ciso, deputy_ciso, chief_system_manager, system_administrator, security_officer, csirt or auditor; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Division code; created when new. Repeat for several.
        #[arg(long = "division")]
        divisions: Vec<String>,
        /// Name given to a division created here (default: its code).
        #[arg(long)]
        division_name: Option<String>,
    },
    /// Remove a user's second factor (e.g. when the only ROLE-CSM lost their device); they
    /// set up a new one at the next sign-in. Audited.
    ResetSecondFactor {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a personal API token (bearer) and print it alone on the last line.
    Create {
        #[arg(long)]
        email: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("itaku: {e}");
            return ExitCode::from(2);
        }
    };
    itaku::telemetry::init(&config);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => migrate(&config),
        Command::User(UserCommand::Add {
            email,
            name,
            roles,
            divisions,
            division_name,
        }) => add_user(&config, &email, &name, &roles, &divisions, division_name),
        Command::User(UserCommand::ResetSecondFactor { email }) => {
            reset_second_factor(&config, &email)
        }
        Command::Audit(AuditCommand::Verify { expect_head }) => {
            return audit_verify(&config, expect_head);
        }
        Command::Audit(AuditCommand::Purge) => audit_purge(&config),
        Command::Sweep { dry_run } => sweep(&config, dry_run),
        Command::Token(TokenCommand::Create { email, name }) => {
            create_token(&config, &email, &name)
        }
        Command::Demo {
            engagements: None, ..
        } => itaku::demo::load(&config).map_err(|e| e.to_string()),
        Command::Demo {
            engagements: Some(engagements),
            seed,
            append,
        } => itaku::demo::load_generated(
            &config,
            itaku::demo::Scale { engagements, seed },
            append,
            &cli_origin(),
        )
        .map_err(|e| e.to_string()),
        Command::Clauses {
            engagement_id,
            lang,
            format,
            output,
        } => print_clauses(&config, &engagement_id, &lang, &format, output.as_deref()),
        Command::Rules => {
            print!("{}", itaku::policy::trace::table());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("itaku: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let system = actix_web::rt::System::with_tokio_rt(|| runtime);
    system.block_on(async move {
        let database = config.database.describe();
        let app = Application::build(config.clone()).map_err(|e| e.to_string())?;
        actix_web::rt::spawn(itaku::memory::give_back_now_and_then());
        let url = format!("http://{}:{}", config.bind.ip(), app.port());
        println!("Itaku is listening on {url} (database: {database})");
        println!("Email: {}", app.mail_description());
        tracing::info!(%url, %database, organization = %config.organization_name, time_zone = %config.time_zone, "listening");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn migrate(config: &Config) -> Result<(), String> {
    let applied = db::migrate(&config.database).map_err(|e| e.to_string())?;
    if applied.is_empty() {
        println!("{}: up to date", config.database.describe());
    }
    for name in applied {
        println!("applied {name}");
    }
    Ok(())
}

fn open(config: &Config) -> Result<db::DbConnection, String> {
    db::open(&config.database).map_err(|e| e.to_string())
}

fn add_user(
    config: &Config,
    email: &str,
    name: &str,
    roles: &[String],
    divisions: &[String],
    division_name: Option<String>,
) -> Result<(), String> {
    let email = EmailAddress::parse(email).map_err(|e| format!("--email: {e}"))?;
    let display_name = BoundedText::parse(name, 100).map_err(|e| format!("--name: {e}"))?;
    let roles = roles
        .iter()
        .map(|r| Role::parse(r).map_err(|e| format!("--role {r}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let divisions = divisions
        .iter()
        .map(|d| {
            DivisionCode::parse(d)
                .map(|c| (c, division_name.clone()))
                .map_err(|e| format!("--division {d}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut conn = open(config)?;
    let created = on_cli(&mut conn, config, |tx| {
        let now = tx.now().naive_utc();
        let created = accounts::create_staff(
            tx.conn(),
            &NewStaff {
                email: email.clone(),
                display_name,
                roles,
                divisions,
            },
            now,
        )?;
        let member = db::users::get_member(tx.conn(), &created.user_id)?;
        tx.record(
            Event::new("user.create")
                .target("user", &created.user_id)
                .after(&member.map(|m| {
                    serde_json::json!({
                        "email": m.user.email,
                        "roles": m.roles,
                        "divisions": m.divisions.iter().map(|d| &d.code).collect::<Vec<_>>(),
                    })
                })),
        );
        Ok(created)
    })?;
    println!("created user {email} ({})", created.user_id);
    println!("one-time password (shown once):");
    println!("{}", created.one_time_password);
    Ok(())
}

fn create_token(config: &Config, email: &str, name: &str) -> Result<(), String> {
    let email = EmailAddress::parse(email).map_err(|e| format!("--email: {e}"))?;
    let mut conn = open(config)?;
    let token = on_cli(&mut conn, config, |tx| {
        let now = tx.now().naive_utc();
        let token = accounts::create_token(tx.conn(), &email, name, now)?;
        tx.record(
            Event::new("token.create")
                .after(&serde_json::json!({"email": email.as_str(), "name": name})),
        );
        Ok(token)
    })?;
    println!("API token for {email} (shown once; send it as 'Authorization: Bearer <token>'):");
    println!("{token}");
    Ok(())
}

/// Runs a change made on the command line as one audited write, at the system clock's
/// "now".
fn on_cli<T>(
    conn: &mut db::DbConnection,
    config: &Config,
    f: impl FnOnce(&mut itaku::app::Tx) -> itaku::error::AppResult<T>,
) -> Result<T, String> {
    let now = chrono::Utc::now();
    itaku::app::write_on(conn, None, now, config.date_at(now), &cli_origin(), f)
        .map_err(|e| e.to_string())
}

/// Who ran a command, for the audit log: the operating system user.
fn cli_origin() -> Origin {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Origin::system(&format!("cli:{user}"))
}

fn reset_second_factor(config: &Config, email: &str) -> Result<(), String> {
    let email = EmailAddress::parse(email).map_err(|e| format!("--email: {e}"))?;
    let mut conn = open(config)?;
    on_cli(&mut conn, config, |tx| {
        let user = db::users::find_by_email(tx.conn(), email.as_str())?.ok_or_else(|| {
            itaku::error::AppError::not_found(
                &format!("利用者 {email} はいません"),
                &format!("No user {email}"),
            )
        })?;
        itaku::app::users::reset_second_factor(tx, None, &user.id)
    })?;
    println!("second factor of {email} removed; they set up a new one at the next sign-in");
    Ok(())
}

fn audit_verify(config: &Config, expect_head: Option<String>) -> ExitCode {
    let report = open(config)
        .and_then(|mut conn| db::audit::verify(&mut conn, expect_head).map_err(|e| e.to_string()));
    match report {
        Ok(report) => {
            println!("entries checked: {}", report.entries);
            println!("last entry: {}", report.last_seq);
            println!("head hash: {}", report.head_hash);
            match report.first_break {
                None => {
                    println!("the audit log chain is intact");
                    ExitCode::SUCCESS
                }
                Some(b) => {
                    println!("BROKEN: {b}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("itaku: {e}");
            ExitCode::from(2)
        }
    }
}

fn audit_purge(config: &Config) -> Result<(), String> {
    let mut conn = open(config)?;
    let now = chrono::Utc::now().naive_utc();
    let before = now - chrono::Duration::days(config.security.audit_retention_days.into());
    let removed = db::audit::purge_before(&mut conn, &cli_origin(), before, now)
        .map_err(|e| e.to_string())?;
    println!("removed {removed} audit log entries older than {before} UTC");
    Ok(())
}

fn sweep(config: &Config, dry_run: bool) -> Result<(), String> {
    let clauses =
        ClauseTemplates::load(config.templates_dir.as_deref()).map_err(|e| e.to_string())?;
    let email = itaku::mail::EmailTemplates::load_from(config.email_templates_dir.as_deref())
        .map_err(|e| e.to_string())?;
    let questionnaires =
        itaku::questionnaires::Questionnaires::load(config.questionnaires_dir.as_deref())
            .map_err(|e| e.to_string())?;
    let mut conn = open(config)?;
    let rules = itaku::app::obligations::ObligationRules {
        clauses: std::sync::Arc::new(clauses),
        config: std::sync::Arc::new(config.clone()),
    };
    let report = itaku::sweep::run(
        &mut conn,
        &rules,
        &email,
        &questionnaires,
        chrono::Utc::now(),
        dry_run,
    )
    .map_err(|e| e.to_string())?;
    if dry_run {
        for p in &report.planned {
            let who = if p.escalated { " (escalation)" } else { "" };
            println!(
                "{}\t{}\t{}\tdue {}{who}",
                p.recipient_email, p.deadline_key, p.stage, p.due_on
            );
        }
        println!(
            "dry run for {}: {} periodic checks and {} reminders to {} people would be sent; nothing was recorded",
            report.today,
            report.checks_issued,
            report.reminders,
            report
                .planned
                .iter()
                .map(|p| &p.recipient_user_id)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        return Ok(());
    }
    println!(
        "sweep for {}: {} periodic checks sent, {} deadlines, {} new reminders in {} messages",
        report.today, report.checks_issued, report.deadlines, report.reminders, report.messages
    );
    let mailer = itaku::mail::Mailer::new(&config.mail).map_err(|e| e.to_string())?;
    let pool = db::build_pool_for_command(&config.database).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let delivered = runtime
        .block_on(itaku::delivery::deliver_due(
            &pool,
            &mailer,
            &config.delivery,
            chrono::Utc::now(),
        ))
        .map_err(|e| e.to_string())?;
    println!(
        "email ({}): {} sent, {} to retry, {} failed",
        mailer.describe(),
        delivered.sent,
        delivered.retrying,
        delivered.failed
    );
    Ok(())
}

fn print_clauses(
    config: &Config,
    id: &str,
    lang: &str,
    format: &str,
    output: Option<&std::path::Path>,
) -> Result<(), String> {
    let lang = Lang::parse(lang).ok_or("--lang: ja or en")?;
    let format = Format::parse(format).ok_or("--format: markdown, html, text or docx")?;
    // A Word document is binary: on a terminal it would be noise, or worse.
    if format == Format::Docx && output.is_none() {
        return Err("--format docx writes a file: give --output FILE".into());
    }
    let templates =
        ClauseTemplates::load(config.templates_dir.as_deref()).map_err(|e| e.to_string())?;
    let mut conn = open(config)?;
    let today = config.date_at(chrono::Utc::now());
    let facts =
        itaku::clauses::load_facts(&mut conn, config, id, today).map_err(|e| e.to_string())?;
    let required = templates.catalog().mandatory(facts.kind, facts.level);
    let document = templates
        .render(&facts, &required, lang, format)
        .map_err(|e| e.to_string())?;
    match output {
        Some(path) => std::fs::write(path, document.bytes())
            .map_err(|e| format!("--output {}: {e}", path.display())),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(document.bytes())
                .map_err(|e| e.to_string())
        }
    }
}

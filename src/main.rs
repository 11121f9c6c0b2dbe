use std::process::ExitCode;

use clap::{Parser, Subcommand};

use itaku::accounts::{self, NewStaff};
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
    /// Load a realistic demo data set (divisions, staff in every role, vendors, engagements).
    Demo,
    /// Print the complete contract clause set for an engagement.
    Clauses {
        engagement_id: String,
        /// ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// markdown, html or text.
        #[arg(long, default_value = "markdown")]
        format: String,
    },
    /// Print the rule catalog and, for each rule, the code and tests that enforce it.
    Rules,
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
        Command::Token(TokenCommand::Create { email, name }) => {
            create_token(&config, &email, &name)
        }
        Command::Demo => itaku::demo::load(&config).map_err(|e| e.to_string()),
        Command::Clauses {
            engagement_id,
            lang,
            format,
        } => print_clauses(&config, &engagement_id, &lang, &format),
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
        let url = format!("http://{}:{}", config.bind.ip(), app.port());
        println!("Itaku is listening on {url} (database: {database})");
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
    let created = db::write(&mut conn, |conn| {
        accounts::create_staff(
            conn,
            &NewStaff {
                email: email.clone(),
                display_name,
                roles,
                divisions,
            },
        )
    })
    .map_err(|e| e.to_string())?;
    println!("created user {email} ({})", created.user_id);
    println!("one-time password (shown once):");
    println!("{}", created.one_time_password);
    Ok(())
}

fn create_token(config: &Config, email: &str, name: &str) -> Result<(), String> {
    let email = EmailAddress::parse(email).map_err(|e| format!("--email: {e}"))?;
    let mut conn = open(config)?;
    let token = db::write(&mut conn, |conn| accounts::create_token(conn, &email, name))
        .map_err(|e| e.to_string())?;
    println!("API token for {email} (shown once; send it as 'Authorization: Bearer <token>'):");
    println!("{token}");
    Ok(())
}

fn print_clauses(config: &Config, id: &str, lang: &str, format: &str) -> Result<(), String> {
    let lang = Lang::parse(lang).ok_or("--lang: ja or en")?;
    let format = Format::parse(format).ok_or("--format: markdown, html or text")?;
    let templates =
        ClauseTemplates::load(config.templates_dir.as_deref()).map_err(|e| e.to_string())?;
    let mut conn = open(config)?;
    let facts = itaku::clauses::load_facts(&mut conn, config, id).map_err(|e| e.to_string())?;
    let required = templates.catalog().mandatory(facts.kind, facts.level);
    let document = templates
        .render(&facts, &required, lang, format)
        .map_err(|e| e.to_string())?;
    print!("{document}");
    Ok(())
}

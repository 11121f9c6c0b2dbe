//! Builds the application: migrates, opens the pool, binds, and serves.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpRequest, HttpServer};
use utoipa_actix_web::AppExt;

use crate::audit::{Event, Origin};
use crate::clauses::ClauseTemplates;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::delivery::{self, Wake};
use crate::error::{AppError, FieldError};
use crate::http::request_log::request_log;
use crate::http::routes::{self, RouteTable};
use crate::http::{api, csrf, input, AppState};
use crate::i18n::Msg;
use crate::mail::{EmailTemplates, Mailer};
use crate::questionnaires::Questionnaires;
use crate::scheduler;

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
    config: Arc<Config>,
    state: AppState,
    mailer: Arc<Mailer>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::DbSetupError),
    #[error("contract templates: {0}")]
    Templates(#[from] crate::clauses::TemplateError),
    #[error("questionnaires:\n{0}")]
    Questionnaires(#[from] crate::questionnaires::QuestionnaireError),
    #[error("audit log: {0}")]
    Audit(String),
    #[error("email: {0}")]
    Mail(String),
    #[error("vendor portal pages: {0}")]
    Portal(String),
    #[error("staff pages: {0}")]
    Staff(String),
    #[error("division-of-responsibility templates: {0}")]
    Responsibility(String),
    #[error("stored obligations: {0}")]
    Obligations(String),
    #[error("search index: {0}")]
    Search(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// The template sets other than the staff pages, each checked as it loads.
struct Templates {
    clauses: Arc<ClauseTemplates>,
    questionnaires: Arc<Questionnaires>,
    email: Arc<EmailTemplates>,
    portal: Arc<crate::portal::PortalPages>,
    responsibility: Arc<crate::responsibility::ResponsibilityTemplates>,
}

impl Templates {
    fn load(config: &Config) -> Result<Templates, StartError> {
        Ok(Templates {
            clauses: Arc::new(ClauseTemplates::load(config.templates_dir.as_deref())?),
            questionnaires: Arc::new(Questionnaires::load(config.questionnaires_dir.as_deref())?),
            email: Arc::new(
                EmailTemplates::load_from(config.email_templates_dir.as_deref())
                    .map_err(|e| StartError::Mail(e.to_string()))?,
            ),
            portal: Arc::new(
                crate::portal::PortalPages::load_from(config.portal_templates_dir.as_deref())
                    .map_err(|e| StartError::Portal(e.to_string()))?,
            ),
            responsibility: Arc::new(
                crate::responsibility::ResponsibilityTemplates::load_from(
                    config.responsibility_templates_dir.as_deref(),
                )
                .map_err(|e| StartError::Responsibility(e.to_string()))?,
            ),
        })
    }
}

impl Application {
    /// Migrates the database, then binds `config.bind` (port 0 picks a free one).
    pub fn build(config: Config) -> Result<Application, StartError> {
        Application::build_with_clock(config, Arc::new(SystemClock))
    }

    /// As `build`, on a clock of the caller's (tests move it to make things overdue).
    pub fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Application, StartError> {
        // Templates first: a broken override stops the service before it touches data.
        // Compiling them is most of the start-up; the staff pages, the largest set,
        // compile on a thread of their own beside the rest.
        let (staff, rest) = std::thread::scope(|scope| {
            let staff = scope.spawn(|| {
                crate::staff::StaffPages::load_from(config.staff_templates_dir.as_deref())
                    .map_err(|e| StartError::Staff(e.to_string()))
            });
            let rest = Templates::load(&config);
            let staff = staff
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (staff, rest)
        });
        let Templates {
            clauses,
            questionnaires,
            email,
            portal,
            responsibility,
        } = rest?;
        let staff = Arc::new(staff?);
        let mailer =
            Arc::new(Mailer::new(&config.mail).map_err(|e| StartError::Mail(e.to_string()))?);
        db::migrate(&config.database)?;
        let pool = db::build_pool(&config.database)?;
        record_configuration(&pool, &config, clock.now())?;
        let listener = TcpListener::bind(config.bind).map_err(|source| StartError::Bind {
            addr: config.bind.to_string(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                addr: config.bind.to_string(),
                source,
            })?
            .port();
        let config = Arc::new(config);
        bring_obligations_up_to_date(&pool, &clauses, &config)?;
        index_pending_search(&pool)?;
        let state = AppState {
            pool: pool.clone(),
            config: config.clone(),
            clauses,
            questionnaires,
            responsibility,
            email,
            portal,
            staff,
            clock,
            wake_delivery: Wake::default(),
            tokens: Arc::new(crate::app::token_cache::TokenCache::default()),
            read_audit: crate::app::read_audit::ReadAudit::start(pool.clone()),
            directory: Default::default(),
        };
        let server = run(listener, state.clone()).map_err(|source| StartError::Bind {
            addr: format!("port {port}"),
            source,
        })?;
        Ok(Application {
            port,
            server,
            pool,
            config,
            state,
            mailer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// How email leaves: an SMTP server, or the outbox folder when none is configured.
    pub fn mail_description(&self) -> String {
        self.mailer.describe()
    }

    /// Serves, and meanwhile delivers email, sweeps reminders on schedule and keeps house.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state.clone();
        let chores = [
            tokio::spawn(scheduler::housekeeping(
                self.pool.clone(),
                self.config.clone(),
                self.state.clock.clone(),
            )),
            tokio::spawn(delivery::run(
                self.pool.clone(),
                self.mailer.clone(),
                self.config.delivery,
                state.clock.clone(),
                state.wake_delivery.clone(),
            )),
            tokio::spawn(crate::scheduler::Sweeper::of(&state).run()),
            tokio::spawn(scheduler::watch_auth_generation(
                self.pool.clone(),
                state.tokens.clone(),
            )),
        ];
        let result = self.server.await;
        for chore in chores {
            chore.abort();
        }
        result
    }
}

/// Recomputes the stored obligations the rules, settings or catalog of this start no
/// longer match, and those a write outside the service left marked (a bulk load).
/// Engagements registered before the search index existed are indexed at the first start
/// after the migration that made it, in transactions of 1,000; otherwise this is one
/// indexed look-up that finds nothing.
fn index_pending_search(pool: &DbPool) -> Result<(), StartError> {
    let failed = |e: crate::error::AppError| StartError::Search(e.to_string());
    let mut conn = pool.get().map_err(|e| StartError::Search(e.to_string()))?;
    let started = std::time::Instant::now();
    let mut indexed = 0;
    loop {
        let n = db::write(&mut conn, |c| db::search::index_pending(c, 1_000)).map_err(failed)?;
        if n == 0 {
            break;
        }
        indexed += n;
    }
    if indexed > 0 {
        tracing::info!(
            engagements = indexed,
            millis = started.elapsed().as_millis() as u64,
            "search index built"
        );
    }
    Ok(())
}

fn bring_obligations_up_to_date(
    pool: &DbPool,
    clauses: &Arc<ClauseTemplates>,
    config: &Arc<Config>,
) -> Result<(), StartError> {
    let failed = |e: crate::error::AppError| StartError::Obligations(e.to_string());
    let mut conn = pool
        .get()
        .map_err(|e| StartError::Obligations(e.to_string()))?;
    let started = std::time::Instant::now();
    let rules = crate::app::obligations::ObligationRules {
        clauses: clauses.clone(),
        config: config.clone(),
    };
    let recomputed =
        crate::app::obligations::bring_up_to_date(&mut conn, &rules).map_err(failed)?;
    if recomputed > 0 {
        tracing::info!(
            engagements = recomputed,
            millis = started.elapsed().as_millis() as u64,
            "stored obligations recomputed"
        );
    }
    Ok(())
}

/// R-5.8.1.3: a start with settings other than the last recorded ones is a configuration
/// change, recorded in the audit log with the settings before and after.
fn record_configuration(
    pool: &DbPool,
    config: &Config,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StartError> {
    let failed = |e: crate::error::AppError| StartError::Audit(e.to_string());
    let mut conn = pool.get().map_err(|e| StartError::Audit(e.to_string()))?;
    let settings = config.audited();
    let today = config.date_at(now);
    crate::app::write_on(
        &mut conn,
        None,
        now,
        today,
        &Origin::system("system"),
        |tx| {
            let before = db::audit::last_after(tx.conn(), "config.change")?;
            if before.as_ref() == Some(&settings) {
                tx.leave_unchanged();
                return Ok(());
            }
            let mut event = Event::new("config.change").after(&settings);
            if let Some(b) = &before {
                event = event.before(b);
            }
            tx.record(event);
            Ok(())
        },
    )
    .map_err(failed)
}

fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let text = err.to_string();
    let field = text.split('`').nth(1).unwrap_or("").to_string();
    AppError::Malformed(vec![FieldError::new(
        field,
        "query",
        Msg::new(
            format!("クエリパラメータが正しくありません: {text}"),
            format!("Invalid query parameter: {text}"),
        ),
    )])
    .into()
}

fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::Malformed(vec![FieldError::new(
        "path",
        "path",
        Msg::new(
            format!("URL が正しくありません: {err}"),
            format!("Invalid URL: {err}"),
        ),
    )])
    .into()
}

/// No route took the request: a known path asked with another method is a 405 that
/// lists the methods it takes; anything else is a 404.
async fn unmatched(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
    state: web::Data<AppState>,
) -> Result<actix_web::HttpResponse, AppError> {
    match routes.allow(req.method(), req.path()) {
        Some(allow) => Err(AppError::MethodNotAllowed { allow }),
        // A person's browser gets a page; a client of the API, problem+json.
        None if !req.path().starts_with("/api/") => {
            Ok(crate::http::pages::not_found_page(&state, &req))
        }
        None => Err(AppError::not_found("そのURLはありません", "No such URL")),
    }
}

fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let openapi = api::openapi();
    let routes = web::Data::new(RouteTable::from_openapi(&openapi));
    let document = serde_json::to_string(&openapi).map_err(std::io::Error::other)?;
    let document = web::Data::new(api::Document(document));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(document.clone())
            .app_data(routes.clone())
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .wrap(from_fn(routes::before_handlers))
            .wrap(Compress::default())
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add((
                        "Content-Security-Policy",
                        "default-src 'none'; frame-ancestors 'none'",
                    ))
                    .add(("Cache-Control", "no-store")),
            )
            .wrap(from_fn(input::refuse_nul))
            .wrap(from_fn(csrf::same_origin))
            .wrap(from_fn(request_log))
            .into_utoipa_app()
            .configure(api::configure)
            .into_app()
            .configure(crate::http::portal::configure)
            .configure(crate::http::assets::configure)
            .configure(crate::http::pages::configure)
            .default_service(web::to(unmatched))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

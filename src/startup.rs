//! Builds the application: migrates, opens the pool, binds, and serves.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpRequest, HttpServer};

use crate::audit::{Event, Origin};
use crate::clauses::ClauseTemplates;
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::error::{AppError, FieldError};
use crate::http::request_log::request_log;
use crate::http::{api, csrf, AppState};
use crate::i18n::Msg;

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
    config: Arc<Config>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::DbSetupError),
    #[error("contract templates: {0}")]
    Templates(#[from] crate::clauses::TemplateError),
    #[error("audit log: {0}")]
    Audit(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

impl Application {
    /// Migrates the database, then binds `config.bind` (port 0 picks a free one).
    pub fn build(config: Config) -> Result<Application, StartError> {
        // Templates first: a broken override stops the service before it touches data.
        let clauses = Arc::new(ClauseTemplates::load(config.templates_dir.as_deref())?);
        db::migrate(&config.database)?;
        let pool = db::build_pool(&config.database)?;
        record_configuration(&pool, &config)?;
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
        let state = AppState {
            pool: pool.clone(),
            config: config.clone(),
            clauses,
        };
        let server = run(listener, state).map_err(|source| StartError::Bind {
            addr: format!("port {port}"),
            source,
        })?;
        Ok(Application {
            port,
            server,
            pool,
            config,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let chores = tokio::spawn(housekeeping(self.pool.clone(), self.config.clone()));
        let result = self.server.await;
        chores.abort();
        result
    }
}

/// R-5.8.1.3: a start with settings other than the last recorded ones is a configuration
/// change, recorded in the audit log with the settings before and after.
fn record_configuration(pool: &DbPool, config: &Config) -> Result<(), StartError> {
    let failed = |e: crate::error::AppError| StartError::Audit(e.to_string());
    let mut conn = pool.get().map_err(|e| StartError::Audit(e.to_string()))?;
    let now = config.audited();
    db::write(&mut conn, |conn| {
        let before = db::audit::last_after(conn, "config.change")?;
        if before.as_ref() == Some(&now) {
            return Ok(());
        }
        let mut event = Event::new("config.change").after(&now);
        if let Some(b) = &before {
            event = event.before(b);
        }
        db::audit::append(conn, &Origin::system("system"), &event)?;
        Ok(())
    })
    .map_err(failed)
}

/// Once a day: audit log entries past their retention and failed sign-ins too
/// old to count are removed. Every instance may run it; it is idempotent.
async fn housekeeping(pool: DbPool, config: Arc<Config>) {
    let mut every_day = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        every_day.tick().await;
        let pool = pool.clone();
        let config = config.clone();
        let result = db::run(&pool, move |conn| {
            let now = db::now_utc();
            let retention = chrono::Duration::days(config.security.audit_retention_days.into());
            let removed =
                db::audit::purge_before(conn, &Origin::system("system"), now - retention)?;
            let window = chrono::Duration::from_std(config.security.failure_window)
                .unwrap_or(chrono::Duration::hours(1));
            db::write(conn, |conn| db::throttle::prune(conn, now - window))?;
            Ok(removed)
        })
        .await;
        match result {
            Ok(removed) if removed > 0 => {
                tracing::info!(removed, "audit log entries past retention removed")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "housekeeping failed"),
        }
    }
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

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::not_found("そのURLはありません", "No such URL"))
}

fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
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
            .wrap(from_fn(csrf::same_origin))
            .wrap(from_fn(request_log))
            .configure(api::configure)
            .default_service(web::to(not_found))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

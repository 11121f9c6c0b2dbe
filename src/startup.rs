//! Builds the application: migrates, opens the pool, binds, and serves.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpRequest, HttpServer};

use crate::clauses::ClauseTemplates;
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::error::{AppError, FieldError};
use crate::http::request_log::request_log;
use crate::http::{api, AppState};
use crate::i18n::Msg;

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::DbSetupError),
    #[error("contract templates: {0}")]
    Templates(#[from] crate::clauses::TemplateError),
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
        let state = AppState {
            pool: pool.clone(),
            config: Arc::new(config),
            clauses,
        };
        let server = run(listener, state).map_err(|source| StartError::Bind {
            addr: format!("port {port}"),
            source,
        })?;
        Ok(Application { port, server, pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
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
            .wrap(from_fn(request_log))
            .configure(api::configure)
            .default_service(web::to(not_found))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

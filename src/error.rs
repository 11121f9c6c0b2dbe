//! One error type for the service, turned into an HTTP answer here and nowhere else:
//! `application/problem+json` (RFC 9457) with a list of field errors.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::i18n::{Lang, Msg};

/// One field that could not be accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `contacts[0].email`.
    pub field: String,
    /// A stable machine-readable reason, e.g. `invalid`, `required`, `unknown_field`.
    pub code: &'static str,
    pub message: Msg,
}

impl FieldError {
    /// `field: message` pairs for logs and the CLI.
    pub fn list(errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn new(field: impl Into<String>, code: &'static str, message: Msg) -> Self {
        FieldError {
            field: field.into(),
            code,
            message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request was well-formed JSON, but some values are not acceptable (422).
    #[error("validation failed: {}", FieldError::list(.0))]
    Validation(Vec<FieldError>),
    /// The body or query could not be read as the expected shape (400).
    #[error("malformed request: {}", FieldError::list(.0))]
    Malformed(Vec<FieldError>),
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("not signed in")]
    Unauthenticated,
    /// Wrong email or password: one answer for both, so it reveals no account.
    #[error("sign-in failed")]
    SignInFailed,
    /// Too many failed sign-ins for the account or the address (429): try again after
    /// `retry_after_secs`.
    #[error("too many failed sign-ins; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("forbidden: {0}")]
    Forbidden(Msg),
    #[error("not found: {0}")]
    NotFound(Msg),
    /// A known path asked with a method it does not take; `allow` lists those it does.
    #[error("method not allowed (allowed: {allow})")]
    MethodNotAllowed { allow: String },
    /// The request is valid but the resource's state refuses it (409).
    #[error("conflict: {message}")]
    Conflict {
        message: Msg,
        /// Values that would have been accepted (e.g. the allowed status moves).
        allowed: Vec<String>,
    },
    /// A status move refused because something it needs is missing (409), e.g. the
    /// mandatory clauses a contract lacks.
    #[error("refused: {message} (missing: {})", .missing.join(", "))]
    Gate { message: Msg, missing: Vec<String> },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(diesel::result::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn validation(field: &str, code: &'static str, message: Msg) -> Self {
        AppError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn not_found(ja: &str, en: &str) -> Self {
        AppError::NotFound(Msg::new(ja, en))
    }

    pub fn forbidden(ja: &str, en: &str) -> Self {
        AppError::Forbidden(Msg::new(ja, en))
    }

    fn title(&self) -> Msg {
        let (ja, en) = match self {
            AppError::Validation(_) => ("入力内容に誤りがあります", "Some fields are not valid"),
            AppError::Malformed(_) => (
                "リクエストを読み取れません",
                "The request could not be read",
            ),
            AppError::PayloadTooLarge { .. } => {
                ("リクエストが大きすぎます", "Request body too large")
            }
            AppError::UnsupportedMediaType => (
                "Content-Type は application/json にしてください",
                "Content-Type must be application/json",
            ),
            AppError::Unauthenticated => ("サインインが必要です", "Sign-in required"),
            AppError::SignInFailed => ("サインインできません", "Sign-in failed"),
            AppError::TooManyRequests { .. } => (
                "サインインの失敗が続いたため、しばらく受け付けません",
                "Too many failed sign-ins",
            ),
            AppError::Forbidden(_) => ("権限がありません", "Forbidden"),
            AppError::NotFound(_) => ("見つかりません", "Not found"),
            AppError::MethodNotAllowed { .. } => (
                "このURLはそのメソッドを受け付けません",
                "Method not allowed",
            ),
            AppError::Conflict { .. } | AppError::Gate { .. } => (
                "現在の状態では実行できません",
                "Conflict with the current state",
            ),
            AppError::Unavailable(_) => ("データベースに接続できません", "Database unavailable"),
            AppError::Database(_) | AppError::Internal(_) => (
                "サーバー内部でエラーが発生しました",
                "Internal server error",
            ),
        };
        Msg::new(ja, en)
    }

    fn detail(&self) -> Option<Msg> {
        match self {
            AppError::Forbidden(m) | AppError::NotFound(m) => Some(m.clone()),
            AppError::Conflict { message, .. } | AppError::Gate { message, .. } => {
                Some(message.clone())
            }
            AppError::MethodNotAllowed { allow } => Some(Msg::new(
                format!("使えるメソッドは {allow} です"),
                format!("The methods allowed here are {allow}"),
            )),
            AppError::PayloadTooLarge { limit } => Some(Msg::new(
                format!("本文は {limit} バイト以内にしてください"),
                format!("The body must be at most {limit} bytes"),
            )),
            AppError::Unauthenticated => Some(Msg::new(
                "セッションまたは API トークンが無効か期限切れです",
                "The session or API token is missing, invalid or expired",
            )),
            AppError::SignInFailed => Some(Msg::new(
                "メールアドレスまたはパスワードが正しくありません",
                "The email address or password is not correct",
            )),
            AppError::TooManyRequests { retry_after_secs } => {
                let minutes = retry_after_secs.div_ceil(60);
                Some(Msg::new(
                    format!("{minutes}分後にもう一度お試しください"),
                    format!("Try again in {minutes} minute(s)"),
                ))
            }
            _ => None,
        }
    }

    fn problem_type(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation",
            AppError::Malformed(_) => "malformed-request",
            AppError::PayloadTooLarge { .. } => "payload-too-large",
            AppError::UnsupportedMediaType => "unsupported-media-type",
            AppError::Unauthenticated => "unauthenticated",
            AppError::SignInFailed => "sign-in-failed",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::MethodNotAllowed { .. } => "method-not-allowed",
            AppError::Conflict { .. } => "conflict",
            AppError::Gate { .. } => "requirement-missing",
            AppError::Unavailable(_) => "unavailable",
            AppError::Database(_) | AppError::Internal(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct ProblemField<'a> {
    field: &'a str,
    code: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    problem_type: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: Vec<ProblemField<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    allowed: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    missing: &'a [String],
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Malformed(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unauthenticated | AppError::SignInFailed => StatusCode::UNAUTHORIZED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } | AppError::Gate { .. } => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The detail stays in the log; the client learns only that it failed.
            tracing::error!(error = %self, "request failed");
        }
        let lang = Lang::current();
        let title = self.title();
        let detail = self.detail();
        let fields = match self {
            AppError::Validation(f) | AppError::Malformed(f) => f.as_slice(),
            _ => &[],
        };
        let allowed: &[String] = match self {
            AppError::Conflict { allowed, .. } => allowed,
            _ => &[],
        };
        let missing: &[String] = match self {
            AppError::Gate { missing, .. } => missing,
            _ => &[],
        };
        let body = Problem {
            problem_type: format!("urn:itaku:problem:{}", self.problem_type()),
            title: title.get(lang),
            status: status.as_u16(),
            detail: detail.as_ref().map(|d| d.get(lang)),
            errors: fields
                .iter()
                .map(|f| ProblemField {
                    field: &f.field,
                    code: f.code,
                    message: f.message.get(lang),
                })
                .collect(),
            allowed,
            missing,
        };
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if matches!(self, AppError::Unauthenticated) {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"itaku\""));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            res.insert_header((header::ALLOW, allow.as_str()));
        }
        if let AppError::TooManyRequests { retry_after_secs } = self {
            res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        res.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

/// A status move the lifecycle does not allow: 409 with the moves it does.
impl From<crate::policy::lifecycle::MoveRefused> for AppError {
    fn from(refused: crate::policy::lifecycle::MoveRefused) -> Self {
        AppError::Conflict {
            message: Msg::new(
                format!(
                    "「{}」から「{}」へは移行できません",
                    refused.from.label_ja(),
                    refused.to.label_ja()
                ),
                format!(
                    "An engagement cannot move from {} to {}",
                    refused.from, refused.to
                ),
            ),
            allowed: refused
                .allowed
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
        }
    }
}

/// A move whose requirements are not met: 409 naming what is missing; before the start
/// date, a plain conflict.
impl From<crate::policy::engagements::GateRefusal> for AppError {
    fn from(refused: crate::policy::engagements::GateRefusal) -> Self {
        use crate::policy::engagements::GateRefusal;
        match refused {
            GateRefusal::BeforeStart { .. } => AppError::Conflict {
                message: refused.message(),
                allowed: vec![],
            },
            _ => AppError::Gate {
                message: refused.message(),
                missing: refused.missing(),
            },
        }
    }
}

/// an L2/L3 item handed over without approval: 409, missing the approval.
impl From<crate::policy::engagements::ProvisionRefused> for AppError {
    fn from(refused: crate::policy::engagements::ProvisionRefused) -> Self {
        AppError::Gate {
            message: refused.message(),
            missing: vec!["R-3.3.3".into()],
        }
    }
}

impl From<crate::policy::access::Denial> for AppError {
    fn from(d: crate::policy::access::Denial) -> Self {
        AppError::Forbidden(d.message().clone())
    }
}

/// A lost connection is the database being away (503), not a fault of the request or
/// of the service (500).
impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => AppError::Unavailable(e.to_string()),
            Error::DatabaseError(_, info) if connection_lost(info.message()) => {
                AppError::Unavailable(e.to_string())
            }
            _ => AppError::Database(e),
        }
    }
}

/// What libpq and PostgreSQL say when a connection ends under a query.
fn connection_lost(message: &str) -> bool {
    [
        "server closed the connection",
        "terminating connection",
        "connection to server",
        "no connection to the server",
        "could not receive data from server",
        "SSL SYSCALL error",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;

//! Email: the templates (the reminder digest, the vendor questionnaire request and its
//! acceptance), and a transport that sends over SMTP or, with no SMTP server configured,
//! writes .eml files to the outbox folder.
//!
//! The outbox (which rows to send, retries, never twice) is elsewhere; this module sends
//! one message and says whether a failure is worth retrying.

pub mod templates;
pub mod transport;

pub use templates::{
    format_due, CheckAcceptedContext, CheckRequestContext, CorrectionItem, DigestContext,
    DigestItem, EmailTemplates, RenderedEmail, ResponsibilityRequestContext,
    SubprocessorLinkContext, TemplateError,
};
pub use transport::{MailError, MailSettings, Mailer, OutgoingMessage, SmtpSecurity};

//! What every operation of the OpenAPI document carries beyond its handler's annotation:
//! a unique operation id, and its error answers: one `Problem` schema
//! (`application/problem+json`, RFC 9457, as `crate::error` writes it), and on every
//! operation the error statuses it can give, derived from what the operation takes, so
//! that no handler has to list them and none is forgotten.

use serde::Serialize;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};
use utoipa::{Modify, ToSchema};

/// One field that could not be accepted.
#[derive(Serialize, ToSchema)]
#[schema(as = ProblemField)]
pub struct ProblemFieldDocument {
    /// The field's path in the request, e.g. `contacts[0].email`; empty for the whole body.
    pub field: String,
    /// A stable reason: `required`, `invalid`, `unknown_field`, `type`, `syntax`, …
    pub code: String,
    pub message: String,
}

/// An error answer (`application/problem+json`, RFC 9457).
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDocument {
    /// `urn:itaku:problem:<kind>`, e.g. `urn:itaku:problem:validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: Option<String>,
    /// Every field at fault (400, 422).
    pub errors: Option<Vec<ProblemFieldDocument>>,
    /// Values that would have been accepted, e.g. the allowed status moves (409).
    pub allowed: Option<Vec<String>>,
    /// What a refused move still needs, e.g. clause IDs (409).
    pub missing: Option<Vec<String>>,
}

/// Adds the error statuses each operation can answer with, with the `Problem` body.
pub struct StandardProblems;

fn describe(status: &str) -> &'static str {
    match status {
        "400" => "The request could not be read: malformed JSON or query, a wrong type, an unknown field, a NUL character",
        "401" => "Not signed in, or the session or token is invalid or expired",
        "403" => "Not allowed for the caller's roles, a missing CSRF token, or a request from another site",
        "404" => "No such record, or not visible to the caller",
        "409" => "Refused by the record's current state",
        "413" => "The body is larger than the limit",
        "415" => "The body is not JSON",
        "422" => "Some values are not acceptable",
        "429" => "Too many failed sign-ins; see Retry-After",
        "503" => "The database is not reachable",
        _ => "Error",
    }
}

fn statuses_for(path: &str, op: &Operation) -> Vec<&'static str> {
    if !path.starts_with("/api/") {
        return vec![];
    }
    let mut out = vec!["400", "503"];
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        out.extend(["401", "403"]);
    }
    let params = op.parameters.as_deref().unwrap_or_default();
    if params.iter().any(|p| p.parameter_in == ParameterIn::Path) {
        out.push("404");
    }
    if params.iter().any(|p| p.parameter_in == ParameterIn::Query) {
        out.push("422");
    }
    if op.request_body.is_some() {
        out.extend(["413", "415", "422"]);
    }
    out
}

impl Modify for StandardProblems {
    fn modify(&self, openapi: &mut OpenApi) {
        let problem = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                // Handlers in different modules share names (`list`, `get`): the
                // operation id is the tag and the name, unique across the document.
                if let (Some(tag), Some(id)) =
                    (op.tags.as_ref().and_then(|t| t.first()), &op.operation_id)
                {
                    let prefix = format!("{}_", tag.replace(' ', "_"));
                    if !id.starts_with(&prefix) {
                        op.operation_id = Some(format!("{prefix}{id}"));
                    }
                }
                let wanted = statuses_for(path, op);
                let responses = &mut op.responses.responses;
                for status in wanted {
                    responses.entry(status.to_string()).or_insert_with(|| {
                        ResponseBuilder::new().description(describe(status)).into()
                    });
                }
                // Every error answer is a problem document, also those a handler declared
                // with a description alone.
                for (status, response) in responses.iter_mut() {
                    if !(status.starts_with('4') || status.starts_with('5')) {
                        continue;
                    }
                    if let utoipa::openapi::RefOr::T(r) = response {
                        if r.description.is_empty() {
                            r.description = describe(status).to_string();
                        }
                        r.content
                            .entry("application/problem+json".to_string())
                            .or_insert_with(problem);
                    }
                }
            }
        }
    }
}

//! Records staff keep on an engagement as the evidence a rule asks for
//! (`policy::records`): a selection, the statement that no ward information is handed
//! over, a cloud provider's terms accepted, the security officer's supervision and the
//! CISO's inspection. The API and the engagement page both record through `record`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::load_visible;
use super::Tx;
use crate::audit::Event;
use crate::db::records::{self as store, RecordFileMeta, RecordFileRow, RecordRow};
use crate::db::{self, information_items, DbConnection};
use crate::domain::date::parse_typed_date;
use crate::domain::{BoundedText, EngagementKind, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::policy::records::{
    check_record, InspectionMethod, InspectionResult, RecordDetails, RecordKind, SupervisionMethod,
};
use crate::validate::Fields;

/// A record as asked for: `kind`, the day it took place, and the fields of that kind
/// (a field of another kind is refused, so nothing typed is silently dropped).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// `selection`, `no_information`, `terms_accepted`, `supervision` or `inspection`.
    pub kind: Option<String>,
    /// The day it took place (the selection decided, the statement made, the terms
    /// accepted, the supervision or inspection carried out).
    pub occurred_on: Option<String>,
    /// selection: how the party was judged able to comply with the guideline.
    pub basis: Option<String>,
    /// selection of a cloud service: the ISMAP / ISMAP-LIU listing checked.
    pub ismap_listing: Option<String>,
    /// selection of a cloud service: where the data is kept.
    pub data_location: Option<String>,
    /// no_information: why no ward information reaches the vendor.
    pub statement: Option<String>,
    /// terms_accepted: the terms' name.
    pub terms_name: Option<String>,
    /// terms_accepted: their version or date.
    pub terms_version: Option<String>,
    /// terms_accepted: where they are published.
    pub terms_url: Option<String>,
    /// supervision: `on_site` or `remote`; inspection: `on_site`, `video` or `photographs`.
    pub method: Option<String>,
    /// supervision: what was seen.
    pub observed: Option<String>,
    /// inspection: where.
    pub place: Option<String>,
    /// inspection: `conforming` or `findings`.
    pub result: Option<String>,
    /// inspection: what was found (required with `findings`).
    pub findings: Option<String>,
    /// inspection by a person the CISO delegated to: the CISO's user id.
    pub delegated_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordResponse {
    pub id: String,
    pub engagement_id: String,
    pub kind: RecordKind,
    pub occurred_on: NaiveDate,
    pub recorded_by: String,
    /// For an inspection by a delegate: the CISO who delegated it.
    pub delegated_by: Option<String>,
    pub details: RecordDetails,
    /// The rules this record meets on this engagement.
    pub meets: Vec<String>,
    pub recorded_at: DateTime<Utc>,
    /// Files attached as its evidence, oldest first.
    pub files: Vec<RecordFileResponse>,
}

/// A file attached to a record (its content is downloaded on its own).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordFileResponse {
    pub id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<RecordFileMeta> for RecordFileResponse {
    fn from(m: RecordFileMeta) -> Self {
        RecordFileResponse {
            id: m.id,
            file_name: m.file_name,
            media_type: m.media_type,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            uploaded_by: m.uploaded_by,
            uploaded_at: m.uploaded_at.and_utc(),
        }
    }
}

impl RecordResponse {
    fn new(
        row: RecordRow,
        engagement: &db::engagements::EngagementRow,
        files: Vec<RecordFileResponse>,
    ) -> AppResult<Self> {
        let details = row.details()?;
        Ok(RecordResponse {
            files,
            meets: row
                .kind
                .meets(engagement.kind(), engagement.level())
                .iter()
                .map(|r| r.to_string())
                .collect(),
            id: row.id,
            engagement_id: row.engagement_id,
            kind: row.kind,
            occurred_on: row.occurred_on,
            recorded_by: row.recorded_by,
            delegated_by: row.delegated_by,
            details,
            recorded_at: row.recorded_at.and_utc(),
        })
    }
}

/// A text field's value, `None` when absent or blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn text(f: &mut Fields, field: &str, value: &Option<String>, max: usize) -> Option<String> {
    f.require(field, given(value), |v| BoundedText::parse(v, max))
        .map(BoundedText::into_inner)
}

fn one_of<T>(
    f: &mut Fields,
    field: &str,
    value: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, crate::domain::engagement::NotOneOf>,
) -> Option<T> {
    f.require(field, given(value), parse)
}

/// `https://…` or `http://…` with no space: where the terms can be read again.
fn web_address(f: &mut Fields, field: &str, value: &Option<String>) -> Option<String> {
    let url = text(f, field, value, 500)?;
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.chars().any(char::is_whitespace) || !url.contains('.') {
        f.push(
            field,
            "invalid",
            Msg::new(
                "URL は https:// で始まる規約のアドレスを入力してください",
                "Give the address of the terms, starting with https://",
            ),
        );
        return None;
    }
    Some(url)
}

/// The fields each kind uses; any other field given is refused.
fn fields_of(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Selection => &["basis", "ismap_listing", "data_location"],
        RecordKind::NoInformation => &["statement"],
        RecordKind::TermsAccepted => &["terms_name", "terms_version", "terms_url"],
        RecordKind::Supervision => &["method", "observed"],
        RecordKind::Inspection => &["method", "place", "result", "findings", "delegated_by"],
    }
}

/// Parses a body into its kind's typed record, every field error at once.
fn parse(
    body: &RecordBody,
    engagement_kind: EngagementKind,
) -> AppResult<(RecordDetails, NaiveDate)> {
    let mut f = Fields::new();
    let kind = f.require("kind", given(&body.kind), RecordKind::parse);
    let occurred_on = match given(&body.occurred_on) {
        None => {
            f.required("occurred_on");
            None
        }
        Some(v) => match parse_typed_date(v) {
            Ok(d) => Some(d),
            Err(_) => {
                f.push(
                    "occurred_on",
                    "invalid",
                    Msg::new(
                        "実施日が正しくありません。実在する日付を入力してください（例: 2027/4/1、令和9年4月1日）",
                        "The day is not a valid date (e.g. 2027-04-01, 2027/4/1, R9.4.1)",
                    ),
                );
                None
            }
        },
    };
    let Some(kind) = kind else {
        f.finish()?;
        return Err(Fields::refused_silently());
    };
    let all = [
        ("basis", &body.basis),
        ("ismap_listing", &body.ismap_listing),
        ("data_location", &body.data_location),
        ("statement", &body.statement),
        ("terms_name", &body.terms_name),
        ("terms_version", &body.terms_version),
        ("terms_url", &body.terms_url),
        ("method", &body.method),
        ("observed", &body.observed),
        ("place", &body.place),
        ("result", &body.result),
        ("findings", &body.findings),
        ("delegated_by", &body.delegated_by),
    ];
    for (name, value) in all {
        if given(value).is_some() && !fields_of(kind).contains(&name) {
            f.push(
                name,
                "not_used",
                Msg::new(
                    "この種類の記録では使わない項目です",
                    "This field is not part of this kind of record",
                ),
            );
        }
    }
    let details = match kind {
        RecordKind::Selection => {
            let basis = text(&mut f, "basis", &body.basis, 2000);
            // the listing checked and where the data is kept.
            let cloud = engagement_kind == EngagementKind::CloudService;
            let ismap_listing = if cloud {
                text(&mut f, "ismap_listing", &body.ismap_listing, 200).map(Some)
            } else {
                Some(given(&body.ismap_listing).map(str::to_string))
            };
            let data_location = if cloud {
                text(&mut f, "data_location", &body.data_location, 200).map(Some)
            } else {
                Some(given(&body.data_location).map(str::to_string))
            };
            (|| {
                Some(RecordDetails::Selection {
                    basis: basis?,
                    ismap_listing: ismap_listing?,
                    data_location: data_location?,
                })
            })()
        }
        RecordKind::NoInformation => text(&mut f, "statement", &body.statement, 2000)
            .map(|statement| RecordDetails::NoInformation { statement }),
        RecordKind::TermsAccepted => {
            let name = text(&mut f, "terms_name", &body.terms_name, 200);
            let version = text(&mut f, "terms_version", &body.terms_version, 100);
            let url = web_address(&mut f, "terms_url", &body.terms_url);
            (|| {
                Some(RecordDetails::TermsAccepted {
                    name: name?,
                    version: version?,
                    url: url?,
                })
            })()
        }
        RecordKind::Supervision => {
            let method = one_of(&mut f, "method", &body.method, SupervisionMethod::parse);
            let observed = text(&mut f, "observed", &body.observed, 4000);
            (|| {
                Some(RecordDetails::Supervision {
                    method: method?,
                    observed: observed?,
                })
            })()
        }
        RecordKind::Inspection => {
            let method = one_of(&mut f, "method", &body.method, InspectionMethod::parse);
            let place = text(&mut f, "place", &body.place, 200);
            let result = one_of(&mut f, "result", &body.result, InspectionResult::parse);
            let findings = match result {
                Some(InspectionResult::Findings) => text(&mut f, "findings", &body.findings, 4000),
                _ => Some(given(&body.findings).unwrap_or_default().to_string()),
            };
            (|| {
                Some(RecordDetails::Inspection {
                    method: method?,
                    place: place?,
                    result: result?,
                    findings: findings?,
                })
            })()
        }
    };
    f.done(|| Some((details?, occurred_on?)))
}

/// the CISO inspects, or a person the CISO delegated to, who names the CISO. The
/// named person must be an active ROLE-CISO other than the recorder.
fn delegation(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &RecordBody,
) -> AppResult<(Option<String>, bool)> {
    if actor.roles.contains(&Role::Ciso) {
        return Ok((None, true));
    }
    let Some(ciso) = given(&body.delegated_by) else {
        return Ok((None, false));
    };
    let holds = db::users::find(conn, ciso)?.is_some_and(|u| u.active)
        && db::users::roles_of(conn, ciso)?.contains(&Role::Ciso)
        && ciso != actor.user_id;
    if !holds {
        return Err(AppError::validation(
            "delegated_by",
            "invalid",
            Msg::new(
                "委任したセキュリティ統括責任者（CISO）を選んでください",
                "Name the CISO (ROLE-CISO) who delegated the inspection",
            ),
        ));
    }
    Ok((Some(ciso.to_string()), true))
}

/// Keeps a record on an engagement.
pub fn record(tx: &mut Tx, actor: &Actor, id: &str, body: RecordBody) -> AppResult<RecordResponse> {
    let engagement = load_visible(tx.conn(), actor, id)?;
    let (details, occurred_on) = parse(&body, engagement.kind())?;
    let (delegated_by, by_ciso) = if details.kind() == RecordKind::Inspection {
        delegation(tx.conn(), actor, &body)?
    } else {
        (None, false)
    };
    match details.kind() {
        RecordKind::Inspection => actor.authorize(Action::RecordInspection {
            division_id: &engagement.division_id,
            for_ciso: by_ciso,
        })?,
        _ => actor.authorize(Action::ChangeEngagement {
            division_id: &engagement.division_id,
        })?,
    }
    let item_count = information_items::list(tx.conn(), id)?.len();
    check_record(
        &details,
        engagement.kind(),
        engagement.level(),
        item_count,
        occurred_on,
        tx.today(),
    )
    .map_err(|refused| AppError::validation(refused.field(), "refused", refused.message()))?;
    let row = RecordRow {
        id: db::new_id(),
        engagement_id: id.to_string(),
        kind: details.kind(),
        occurred_on,
        recorded_by: actor.user_id.clone(),
        delegated_by,
        details: serde_json::to_string(&details)
            .map_err(|e| AppError::Internal(format!("storing a record: {e}")))?,
        recorded_at: tx.now().naive_utc(),
    };
    store::insert(tx.conn(), &row)?;
    let response = RecordResponse::new(row, &engagement, Vec::new())?;
    tx.record(
        Event::new("engagement.record")
            .target("engagement", id)
            .after(&response),
    );
    Ok(response)
}

/// An engagement's records, the latest first.
pub fn of_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<RecordResponse>> {
    let engagement = load_visible(conn, actor, id)?;
    let mut files: std::collections::HashMap<String, Vec<RecordFileResponse>> =
        std::collections::HashMap::new();
    for f in store::files_of_engagement(conn, id)? {
        files
            .entry(f.record_id.clone())
            .or_default()
            .push(RecordFileResponse::from(f));
    }
    store::of_engagement(conn, id)?
        .into_iter()
        .map(|row| {
            let attached = files.remove(&row.id).unwrap_or_default();
            RecordResponse::new(row, &engagement, attached)
        })
        .collect()
}

/// A file as uploaded: its name as the sender gave it, and its bytes.
pub struct Upload {
    pub file_name: String,
    pub content: Vec<u8>,
}

/// The most files one upload attaches.
pub const MAX_FILES: usize = 10;

fn record_not_found() -> AppError {
    AppError::not_found("その記録はありません", "No such record")
}

/// The record a file is attached to, if the actor may attach to it: whoever may change
/// the engagement, or the person who recorded it (a delegated inspector, R-7.4).
pub fn attachable(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    record_id: &str,
) -> AppResult<RecordRow> {
    let engagement = load_visible(conn, actor, id)?;
    let record = store::find(conn, id, record_id)?.ok_or_else(record_not_found)?;
    if record.recorded_by != actor.user_id {
        actor.authorize(Action::ChangeEngagement {
            division_id: &engagement.division_id,
        })?;
    }
    Ok(record)
}

/// Attaches files to a record as its evidence; each is taken by its name and content
/// (a renamed executable is refused) and kept as uploaded, its SHA-256 in the audit log.
pub fn attach(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    record_id: &str,
    uploads: Vec<Upload>,
    max_bytes: usize,
) -> AppResult<Vec<RecordFileResponse>> {
    let record = attachable(tx.conn(), actor, id, record_id)?;
    if uploads.is_empty() {
        return Err(AppError::validation(
            "file",
            "required",
            Msg::new(
                "添付するファイルを選んでください",
                "Choose a file to attach",
            ),
        ));
    }
    if uploads.len() > MAX_FILES {
        return Err(AppError::validation(
            "file",
            "too_many",
            Msg::new(
                format!("一度に添付できるのは{MAX_FILES}件までです"),
                format!("At most {MAX_FILES} files at once"),
            ),
        ));
    }
    let mut f = Fields::new();
    let accepted: Vec<_> = uploads
        .iter()
        .filter_map(|u| {
            match crate::app::checks::evidence::accept(&u.file_name, &u.content, max_bytes) {
                Ok(a) => Some((a, u)),
                Err(message) => {
                    f.push("file", "refused", message);
                    None
                }
            }
        })
        .collect();
    f.finish()?;
    let now = tx.now().naive_utc();
    let mut out = Vec::new();
    for (a, u) in accepted {
        let row = RecordFileRow {
            id: db::new_id(),
            record_id: record.id.clone(),
            file_name: a.file_name,
            media_type: a.media_type.to_string(),
            size_bytes: u.content.len() as i64,
            sha256: a.sha256,
            content: u.content.clone(),
            uploaded_by: actor.user_id.clone(),
            uploaded_at: now,
        };
        store::insert_file(tx.conn(), &row)?;
        out.push(RecordFileResponse {
            id: row.id,
            file_name: row.file_name,
            media_type: row.media_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            uploaded_by: row.uploaded_by,
            uploaded_at: row.uploaded_at.and_utc(),
        });
    }
    tx.record(
        Event::new("engagement.record_attach")
            .target("engagement", id)
            .after(&serde_json::json!({ "record_id": record.id, "files": out })),
    );
    Ok(out)
}

/// A record's file and its bytes, for whoever sees the engagement; every download is
/// audited.
pub fn download(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    record_id: &str,
    file_id: &str,
) -> AppResult<RecordFileRow> {
    load_visible(tx.conn(), actor, id)?;
    let record = store::find(tx.conn(), id, record_id)?.ok_or_else(record_not_found)?;
    let file = store::find_file(tx.conn(), &record.id, file_id)?
        .ok_or_else(|| AppError::not_found("添付ファイルが見つかりません", "No such file"))?;
    tx.record(
        Event::new("engagement.record_file_download")
            .target("engagement", id)
            .after(&serde_json::json!({
                "record_id": record.id, "file_id": file.id, "file_name": file.file_name,
                "size_bytes": file.size_bytes, "sha256": file.sha256,
            })),
    );
    Ok(file)
}

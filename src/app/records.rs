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
use crate::db::records::{self as store, RecordRow};
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
}

impl RecordResponse {
    fn new(row: RecordRow, engagement: &db::engagements::EngagementRow) -> AppResult<Self> {
        let details = row.details()?;
        Ok(RecordResponse {
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
    let response = RecordResponse::new(row, &engagement)?;
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
    store::of_engagement(conn, id)?
        .into_iter()
        .map(|row| RecordResponse::new(row, &engagement))
        .collect()
}

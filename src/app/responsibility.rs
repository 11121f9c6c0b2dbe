//! A cloud service's division of responsibility: a version of the matrix
//! recorded (the first from the starting matrix of its service model), sent to the
//! provider through a portal link, confirmed or questioned there by the provider, and
//! approved by the division's system administrator (never its recorder, R-2.6). The API,
//! the staff pages and the vendor portal call these functions.

use chrono::{DateTime, Days, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checks::token;
use super::engagements::load_visible;
use super::{Services, Tx};
use crate::audit::Event;
use crate::db::responsibility::{self as store, MatrixRow};
use crate::db::{self, vendors, DbConnection};
use crate::domain::{BoundedText, EngagementKind};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::mail::{format_due, ResponsibilityRequestContext};
use crate::policy::access::{Action, Actor};
use crate::policy::responsibility::{
    check_matrix, state, Area, Entry, MatrixState, Party, ServiceModel, VendorDecision,
    VersionFacts,
};
use crate::validate::Fields;

/// Days a link to confirm a matrix stays open.
pub const LINK_DAYS: u64 = 30;

/// One area as asked for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// One of the areas (`identities_mfa`, `privileged_access`, `logs`, …).
    pub area: Option<String>,
    /// `ward`, `provider` or `shared`.
    pub responsible: Option<String>,
    /// What each side does in this area.
    pub notes: Option<String>,
}

/// A new version of the matrix. Without `entries`, the starting matrix of
/// `service_model` (from `responsibility_templates/`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatrixBody {
    /// `iaas`, `paas` or `saas`. Required.
    pub service_model: Option<String>,
    /// What changed since the previous version and why. Required.
    pub change_summary: Option<String>,
    /// Every area exactly once.
    pub entries: Option<Vec<EntryBody>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatrixVersionResponse {
    pub engagement_id: String,
    pub version: i32,
    pub service_model: ServiceModel,
    /// The starting matrix it came from, e.g. `saas v1`.
    pub origin: String,
    pub entries: Vec<Entry>,
    pub change_summary: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub state: MatrixState,
    /// The provider's contact it was sent to.
    pub sent_to: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub vendor_decision: Option<VendorDecision>,
    /// The name the provider's person signed with.
    pub vendor_signed_name: Option<String>,
    pub vendor_comment: Option<String>,
    pub vendor_decided_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponsibilityResponse {
    /// The newest agreed version: the division of responsibility in force.
    pub agreed_version: Option<i32>,
    /// Newest first.
    pub versions: Vec<MatrixVersionResponse>,
}

fn version_not_found() -> AppError {
    AppError::not_found(
        "その版の責任分界表はありません",
        "No such version of the division of responsibility",
    )
}

fn not_cloud() -> AppError {
    AppError::Conflict {
        message: Msg::new(
            "責任分界表は、重要性分類レベル2以上の情報を取り扱うクラウドサービスについて定めます（R-9.3.1）",
            "A division of responsibility is kept for a cloud service handling level 2 or 3 information (R-9.3.1)",
        ),
        allowed: vec![],
    }
}

fn conflict(ja: &str, en: &str) -> AppError {
    AppError::Conflict {
        message: Msg::new(ja, en),
        allowed: vec![],
    }
}

fn version_number(text: &str) -> AppResult<i32> {
    text.parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(version_not_found)
}

/// A cloud service the actor may see. Any level: an L1 service may be given a matrix
/// ahead of a rise to L2, though only L2/L3 owe one.
fn cloud_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<db::engagements::EngagementRow> {
    let engagement = load_visible(conn, actor, id)?;
    if engagement.kind() != EngagementKind::CloudService {
        return Err(not_cloud());
    }
    Ok(engagement)
}

fn responses(rows: Vec<MatrixRow>) -> AppResult<Vec<MatrixVersionResponse>> {
    let newest = rows.first().map(|r| r.version);
    rows.into_iter()
        .map(|row| {
            let entries = row.entries()?;
            let state = state(&VersionFacts {
                newest: Some(row.version) == newest,
                sent: row.sent_at.is_some(),
                vendor_decision: row.vendor_decision,
                approved: row.approved_by.is_some(),
            });
            Ok(MatrixVersionResponse {
                engagement_id: row.engagement_id,
                version: row.version,
                service_model: row.service_model,
                origin: row.origin,
                entries,
                change_summary: row.change_summary,
                recorded_by: row.recorded_by,
                recorded_at: row.recorded_at.and_utc(),
                state,
                sent_to: row.sent_to_name,
                sent_at: row.sent_at.map(|t| t.and_utc()),
                vendor_decision: row.vendor_decision,
                vendor_signed_name: row.vendor_signed_name,
                vendor_comment: row.vendor_comment,
                vendor_decided_at: row.vendor_decided_at.map(|t| t.and_utc()),
                approved_by: row.approved_by,
                approved_at: row.approved_at.map(|t| t.and_utc()),
            })
        })
        .collect()
}

fn one(rows: Vec<MatrixRow>, version: i32) -> AppResult<MatrixVersionResponse> {
    responses(rows)?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(version_not_found)
}

/// Parses a body into the model, the summary and the matrix (the starting matrix when no
/// entries are given), every field error at once.
fn parse(
    services: &Services,
    body: &MatrixBody,
) -> AppResult<(ServiceModel, String, Vec<Entry>, String)> {
    let mut f = Fields::new();
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let model = f.require(
        "service_model",
        given(&body.service_model).as_deref(),
        ServiceModel::parse,
    );
    let summary = f
        .require(
            "change_summary",
            given(&body.change_summary).as_deref(),
            |v| BoundedText::parse(v, 2000),
        )
        .map(BoundedText::into_inner);
    let entries = match &body.entries {
        None => None,
        Some(list) => {
            let mut out = Vec::new();
            for (i, e) in list.iter().enumerate() {
                let area = f.require(
                    &format!("entries[{i}].area"),
                    given(&e.area).as_deref(),
                    Area::parse,
                );
                let responsible = f.require(
                    &format!("entries[{i}].responsible"),
                    given(&e.responsible).as_deref(),
                    Party::parse,
                );
                let notes = f
                    .require(
                        &format!("entries[{i}].notes"),
                        given(&e.notes).as_deref(),
                        |v| BoundedText::parse(v, 2000),
                    )
                    .map(BoundedText::into_inner);
                if let (Some(area), Some(responsible), Some(notes)) = (area, responsible, notes) {
                    out.push(Entry {
                        area,
                        responsible,
                        notes,
                    });
                }
            }
            Some(out)
        }
    };
    let (model, summary) = f.done(|| Some((model?, summary?)))?;
    let template = services.responsibility.get(model);
    let (mut entries, origin) = match entries {
        Some(entries) => (entries, template.origin()),
        None => (template.entries(Lang::Ja), template.origin()),
    };
    check_matrix(&mut entries)
        .map_err(|refused| AppError::validation("entries", "incomplete", refused.message()))?;
    Ok((model, summary, entries, origin))
}

/// Records a new version of the matrix.
pub fn record(
    tx: &mut Tx,
    services: &Services,
    actor: &Actor,
    id: &str,
    body: MatrixBody,
) -> AppResult<MatrixVersionResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let (service_model, change_summary, entries, origin) = parse(services, &body)?;
    let existing = store::of_engagement(tx.conn(), id)?;
    // A later version keeps where the first came from unless it starts afresh.
    let origin = match (&body.entries, existing.first()) {
        (Some(_), Some(previous)) if previous.service_model == service_model => {
            previous.origin.clone()
        }
        _ => origin,
    };
    let version = existing.first().map_or(0, |r| r.version) + 1;
    let row = MatrixRow {
        id: db::new_id(),
        engagement_id: id.to_string(),
        version,
        service_model,
        origin,
        entries: serde_json::to_string(&entries)
            .map_err(|e| AppError::Internal(format!("storing a matrix: {e}")))?,
        change_summary,
        recorded_by: actor.user_id.clone(),
        recorded_at: tx.now().naive_utc(),
        sent_to_name: None,
        sent_to_email: None,
        sent_at: None,
        token_hash: None,
        token_expires_at: None,
        vendor_decision: None,
        vendor_signed_name: None,
        vendor_comment: None,
        vendor_decided_at: None,
        approved_by: None,
        approved_at: None,
    };
    store::insert(tx.conn(), &row)?;
    let response = one(store::of_engagement(tx.conn(), id)?, version)?;
    tx.record(
        Event::new("responsibility.record")
            .target("engagement", id)
            .after(&response),
    );
    Ok(response)
}

/// The portal address of a matrix's link.
fn portal_link(services: &Services, plain: &str) -> String {
    format!(
        "{}/portal/responsibility/{plain}",
        services.config.public_base_url.trim_end_matches('/')
    )
}

/// Sends the newest version to the provider's first contact with a new link (any
/// earlier link of it stops working); sent again, it is the same version with a new
/// link.
pub fn send(
    tx: &mut Tx,
    services: &Services,
    actor: &Actor,
    id: &str,
    version: &str,
) -> AppResult<MatrixVersionResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let version = version_number(version)?;
    let rows = store::of_engagement(tx.conn(), id)?;
    let current = one(rows.clone(), version)?;
    match current.state {
        MatrixState::Draft | MatrixState::AwaitingProvider => {}
        MatrixState::Superseded => {
            return Err(conflict(
                "新しい版が記録されているため、この版は送付できません",
                "A newer version was recorded since: send the newest",
            ))
        }
        _ => {
            return Err(conflict(
                "この版には事業者の回答があります。変更する場合は新しい版を記録してください",
                "The provider has answered this version: record a new version to change it",
            ))
        }
    }
    let row = rows
        .into_iter()
        .find(|r| r.version == version)
        .ok_or_else(version_not_found)?;
    let vendor = vendors::get(tx.conn(), &engagement.vendor_id)?;
    let mut contacts = vendor
        .as_ref()
        .map(|v| v.contacts.clone())
        .unwrap_or_default();
    contacts.sort_by_key(|c| c.position);
    let Some(contact) = contacts.into_iter().next() else {
        return Err(conflict(
            "事業者に連絡先がないため送付できません。事業者の連絡先を登録してください",
            "The provider has no contact to send it to: register one",
        ));
    };
    let (plain, hash) = token::generate();
    let now = tx.now().naive_utc();
    let expires_on = tx.today() + Days::new(LINK_DAYS);
    let expires_at = services.config.end_of_day(expires_on);
    store::mark_sent(
        tx.conn(),
        &row.id,
        (&contact.name, &contact.email),
        &hash,
        now,
        expires_at,
    )?;
    let lang = Lang::Ja;
    let officer = db::users::names_of(tx.conn(), &[&engagement.responsible_user_id])?
        .remove(&engagement.responsible_user_id)
        .unwrap_or_default();
    let mail = ResponsibilityRequestContext {
        organization: services.config.organization_name.clone(),
        contact_name: contact.name.clone(),
        vendor_name: vendor.map(|v| v.vendor.legal_name).unwrap_or_default(),
        engagement_title: engagement.title.clone(),
        version,
        link: portal_link(services, &plain),
        link_expires_on: format_due(lang, expires_on),
        officer_name: officer,
    };
    let rendered = services
        .email
        .render_responsibility_request(lang, &mail)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    super::outbox::queue_to_contact(
        tx.conn(),
        (&contact.name, &contact.email),
        lang,
        &rendered,
        now,
    )?;
    let response = one(store::of_engagement(tx.conn(), id)?, version)?;
    tx.record(
        Event::new("responsibility.send")
            .target("engagement", id)
            .after(&response),
    );
    Ok(response)
}

/// Approves the version the provider confirmed: it becomes the agreed division of
/// responsibility and meets.
pub fn approve(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    version: &str,
) -> AppResult<MatrixVersionResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    let version = version_number(version)?;
    let rows = store::of_engagement(tx.conn(), id)?;
    let row = rows
        .iter()
        .find(|r| r.version == version)
        .cloned()
        .ok_or_else(version_not_found)?;
    actor.authorize(Action::ApproveCloudRecord {
        division_id: &engagement.division_id,
        recorded_by: &row.recorded_by,
    })?;
    match one(rows, version)?.state {
        MatrixState::AwaitingApproval => {}
        MatrixState::Agreed => return Err(super::approvals::already_decided()),
        _ => {
            return Err(conflict(
                "事業者が確認した版だけを承認できます（R-9.3.1）",
                "Only a version the provider confirmed can be approved (R-9.3.1)",
            ))
        }
    }
    let now = tx.now().naive_utc();
    if !store::approve(tx.conn(), &row.id, &actor.user_id, now)? {
        return Err(super::approvals::already_decided());
    }
    let response = one(store::of_engagement(tx.conn(), id)?, version)?;
    tx.record(
        Event::new("responsibility.approve")
            .target("engagement", id)
            .after(&response),
    );
    Ok(response)
}

/// An engagement's matrices and the one agreed.
pub fn of_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<ResponsibilityResponse> {
    cloud_engagement(conn, actor, id)?;
    let versions = responses(store::of_engagement(conn, id)?)?;
    Ok(ResponsibilityResponse {
        agreed_version: versions
            .iter()
            .find(|v| v.state == MatrixState::Agreed)
            .map(|v| v.version),
        versions,
    })
}

/// What the provider's page shows.
pub struct VendorPage {
    pub row: MatrixRow,
    pub entries: Vec<Entry>,
    pub engagement_title: String,
    pub vendor_name: String,
    pub organization: String,
}

/// The version a live link opens: `None` for an unknown, expired or answered link.
pub fn open(
    conn: &mut DbConnection,
    plain: &str,
    now: NaiveDateTime,
) -> AppResult<Option<MatrixRow>> {
    if !token::well_formed(plain) {
        return Ok(None);
    }
    Ok(store::by_token(conn, &token::hash(plain))?
        .filter(|r| r.token_expires_at.is_some_and(|e| now < e))
        .filter(|r| r.vendor_decision.is_none()))
}

pub fn vendor_page(
    conn: &mut DbConnection,
    services: &Services,
    row: MatrixRow,
) -> AppResult<VendorPage> {
    let engagement =
        db::engagements::find(conn, &row.engagement_id)?.ok_or_else(version_not_found)?;
    let vendor_name = vendors::get(conn, &engagement.vendor_id)?
        .map(|v| v.vendor.legal_name)
        .unwrap_or_default();
    Ok(VendorPage {
        entries: row.entries()?,
        row,
        engagement_title: engagement.title,
        vendor_name,
        organization: services.config.organization_name.clone(),
    })
}

/// What the provider answers.
#[derive(Debug, Clone, Default)]
pub struct VendorAnswer {
    /// `confirmed` or `changes_requested`.
    pub decision: Option<String>,
    /// The name of the person answering.
    pub signed_name: Option<String>,
    /// Required when asking for changes: what and why.
    pub comment: Option<String>,
}

/// The provider's answer to the version its link opened; the link then stops working.
pub fn answer(tx: &mut Tx, row: &MatrixRow, body: &VendorAnswer) -> AppResult<VendorDecision> {
    let mut f = Fields::new();
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let decision = f.require(
        "decision",
        given(&body.decision).as_deref(),
        VendorDecision::parse,
    );
    let name = f
        .require("signed_name", given(&body.signed_name).as_deref(), |v| {
            BoundedText::parse(v, 100)
        })
        .map(BoundedText::into_inner);
    let comment = match (decision, given(&body.comment)) {
        (Some(VendorDecision::ChangesRequested), None) => {
            f.push(
                "comment",
                "required",
                Msg::new(
                    "変更を求める内容と理由を記入してください",
                    "Say what should change and why",
                ),
            );
            None
        }
        (_, Some(c)) => f
            .check("comment", BoundedText::parse(&c, 4000))
            .map(|c| Some(c.into_inner())),
        (_, None) => Some(None),
    };
    let (decision, name, comment) = f.done(|| Some((decision?, name?, comment?)))?;
    let now = tx.now().naive_utc();
    if !store::decide_as_vendor(tx.conn(), &row.id, decision, &name, comment.as_deref(), now)? {
        return Err(conflict(
            "この責任分界表には既に回答があります",
            "This matrix has already been answered",
        ));
    }
    let response = one(
        store::of_engagement(tx.conn(), &row.engagement_id)?,
        row.version,
    )?;
    tx.record(
        Event::new("responsibility.vendor_answer")
            .target("engagement", &row.engagement_id)
            .after(&response),
    );
    Ok(decision)
}

/// What the division-of-responsibility page shows: the matrices, the names of the people
/// they name, the starting matrices, and what the person may do there.
pub struct ResponsibilityPage {
    pub engagement_title: String,
    pub responsibility: ResponsibilityResponse,
    pub names: std::collections::HashMap<String, String>,
    /// May record a new version and send it.
    pub can_change: bool,
    /// May approve the version the provider confirmed (not their own, R-2.6).
    pub can_approve: bool,
}

pub fn page(conn: &mut DbConnection, actor: &Actor, id: &str) -> AppResult<ResponsibilityPage> {
    let engagement = cloud_engagement(conn, actor, id)?;
    let responsibility = of_engagement(conn, actor, id)?;
    let mut named: Vec<&str> = Vec::new();
    for v in &responsibility.versions {
        named.push(&v.recorded_by);
        named.extend(v.approved_by.as_deref());
    }
    let names = db::users::names_of(conn, &named)?;
    let can_change = actor
        .permits(&Action::ChangeEngagement {
            division_id: &engagement.division_id,
        })
        .is_ok();
    let can_approve = responsibility
        .versions
        .iter()
        .find(|v| v.state == MatrixState::AwaitingApproval)
        .is_some_and(|v| {
            actor
                .permits(&Action::ApproveCloudRecord {
                    division_id: &engagement.division_id,
                    recorded_by: &v.recorded_by,
                })
                .is_ok()
        });
    Ok(ResponsibilityPage {
        engagement_title: engagement.title,
        responsibility,
        names,
        can_change,
        can_approve,
    })
}

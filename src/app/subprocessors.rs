//! A cloud provider's subprocessors: the list in force and its history, a change the
//! provider reports through its portal link (or staff record), and the system
//! administrator's acknowledgement. The API, the staff pages and the portal call these.

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checks::token;
use super::engagements::load_visible;
use super::{Services, Tx};
use crate::audit::Event;
use crate::db::subprocessors::{self as store, ChangeRow, LinkRow};
use crate::db::{self, vendors, DbConnection};
use crate::domain::date::parse_typed_date;
use crate::domain::{BoundedText, EngagementKind};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::mail::{format_due, SubprocessorLinkContext};
use crate::policy::access::{Action, Actor};
use crate::policy::cloud_service::CountryCode;
use crate::policy::subprocessors::{check_change, current, Change, ChangeKind, Subprocessor};
use crate::validate::Fields;

/// Days a provider's reporting link stays open.
pub const LINK_DAYS: u64 = 90;

/// A change as reported.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// `added` or `removed`.
    pub kind: Option<String>,
    /// The subprocessor's name.
    pub name: Option<String>,
    /// What it does for the service.
    pub purpose: Option<String>,
    /// Where it works from (ISO 3166-1 alpha-2, e.g. `JP`).
    pub country: Option<String>,
    /// From when (`2030-04-01`, `令和12年4月1日`).
    pub effective_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeResponse {
    pub id: String,
    pub kind: ChangeKind,
    pub name: String,
    pub purpose: String,
    pub country: String,
    pub effective_on: NaiveDate,
    /// `vendor` (through the portal) or `staff`.
    pub reporter_kind: String,
    pub reported_by: String,
    pub reported_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl From<ChangeRow> for ChangeResponse {
    fn from(r: ChangeRow) -> Self {
        ChangeResponse {
            id: r.id,
            kind: r.kind,
            name: r.name,
            purpose: r.purpose,
            country: r.country,
            effective_on: r.effective_on,
            reporter_kind: r.reporter_kind,
            reported_by: r.reported_by,
            reported_at: r.reported_at.and_utc(),
            acknowledged_by: r.acknowledged_by,
            acknowledged_at: r.acknowledged_at.map(|t| t.and_utc()),
        }
    }
}

/// The list in force, the changes awaiting acknowledgement, and every change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubprocessorsResponse {
    pub current: Vec<Subprocessor>,
    pub pending: Vec<ChangeResponse>,
    /// Oldest first.
    pub history: Vec<ChangeResponse>,
}

fn not_cloud() -> AppError {
    AppError::Conflict {
        message: Msg::new(
            "再委託先の一覧は、クラウドサービスの委託案件について記録します",
            "Subprocessors are kept for cloud service engagements",
        ),
        allowed: vec![],
    }
}

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

fn as_change(r: &ChangeRow) -> AppResult<Change> {
    Ok(Change {
        kind: r.kind,
        name: r.name.clone(),
        purpose: r.purpose.clone(),
        country: CountryCode::parse(&r.country)
            .map_err(|_| AppError::Internal(format!("subprocessor change {} country", r.id)))?,
        effective_on: r.effective_on,
    })
}

fn response(rows: Vec<ChangeRow>) -> AppResult<SubprocessorsResponse> {
    let acknowledged = rows
        .iter()
        .filter(|r| r.acknowledged_by.is_some())
        .map(as_change)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(SubprocessorsResponse {
        current: current(&acknowledged),
        pending: rows
            .iter()
            .filter(|r| r.acknowledged_by.is_none())
            .cloned()
            .map(ChangeResponse::from)
            .collect(),
        history: rows.into_iter().map(ChangeResponse::from).collect(),
    })
}

/// The list as it will stand once every reported change is acknowledged: what a new
/// change is checked against.
fn as_reported(rows: &[ChangeRow]) -> AppResult<Vec<Subprocessor>> {
    let all = rows.iter().map(as_change).collect::<AppResult<Vec<_>>>()?;
    Ok(current(&all))
}

fn parse(body: &ChangeBody) -> AppResult<Change> {
    let mut f = Fields::new();
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let kind = f.require("kind", given(&body.kind).as_deref(), ChangeKind::parse);
    let name = f
        .require("name", given(&body.name).as_deref(), |v| {
            BoundedText::parse(v, 200)
        })
        .map(BoundedText::into_inner);
    let purpose = f
        .require("purpose", given(&body.purpose).as_deref(), |v| {
            BoundedText::parse(v, 500)
        })
        .map(BoundedText::into_inner);
    let country = f.require(
        "country",
        given(&body.country).as_deref(),
        CountryCode::parse,
    );
    let effective_on = match given(&body.effective_on) {
        None => {
            f.required("effective_on");
            None
        }
        Some(v) => match parse_typed_date(&v) {
            Ok(d) => Some(d),
            Err(_) => {
                f.push(
                    "effective_on",
                    "invalid",
                    Msg::new(
                        "日付が正しくありません（例: 2030/4/1、令和12年4月1日）",
                        "Not a valid date (e.g. 2030-04-01)",
                    ),
                );
                None
            }
        },
    };
    f.done(|| {
        Some(Change {
            kind: kind?,
            name: name?,
            purpose: purpose?,
            country: country?,
            effective_on: effective_on?,
        })
    })
}

/// Writes a change after checking it against the list as reported.
fn add_change(
    tx: &mut Tx,
    engagement_id: &str,
    change: Change,
    reporter: (&str, &str),
    acknowledged_by: Option<&str>,
) -> AppResult<ChangeResponse> {
    let rows = store::of_engagement(tx.conn(), engagement_id)?;
    check_change(&as_reported(&rows)?, change.kind, &change.name)
        .map_err(|refused| AppError::validation("name", "refused", refused.message()))?;
    let now = tx.now().naive_utc();
    let row = ChangeRow {
        id: db::new_id(),
        engagement_id: engagement_id.to_string(),
        kind: change.kind,
        name: change.name,
        purpose: change.purpose,
        country: change.country.as_str().to_string(),
        effective_on: change.effective_on,
        reporter_kind: reporter.0.to_string(),
        reported_by: reporter.1.to_string(),
        reported_at: now,
        acknowledged_by: acknowledged_by.map(str::to_string),
        acknowledged_at: acknowledged_by.map(|_| now),
    };
    store::insert_change(tx.conn(), &row)?;
    let response = ChangeResponse::from(row);
    tx.record(
        Event::new("subprocessors.change")
            .target("engagement", engagement_id)
            .after(&response),
    );
    Ok(response)
}

/// A change staff learned of and record themselves: in force at once, acknowledged by
/// them (they are the ward).
pub fn record(tx: &mut Tx, actor: &Actor, id: &str, body: ChangeBody) -> AppResult<ChangeResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let change = parse(&body)?;
    add_change(
        tx,
        id,
        change,
        ("staff", &actor.user_id),
        Some(&actor.user_id),
    )
}

/// Acknowledges a change the provider reported: the division's system administrator
/// (or ROLE-CISO, ROLE-DCISO, ROLE-CSM).
pub fn acknowledge(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    change_id: &str,
) -> AppResult<ChangeResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    let rows = store::of_engagement(tx.conn(), id)?;
    let row = rows
        .iter()
        .find(|r| r.id == change_id)
        .cloned()
        .ok_or_else(|| AppError::not_found("その変更の報告はありません", "No such change"))?;
    actor.authorize(Action::ApproveCloudRecord {
        division_id: &engagement.division_id,
        recorded_by: &row.reported_by,
    })?;
    let now = tx.now().naive_utc();
    if !store::acknowledge(tx.conn(), id, change_id, &actor.user_id, now)? {
        return Err(super::approvals::already_decided());
    }
    let response = store::of_engagement(tx.conn(), id)?
        .into_iter()
        .find(|r| r.id == change_id)
        .map(ChangeResponse::from)
        .ok_or_else(|| AppError::Internal("an acknowledged change is missing".into()))?;
    tx.record(
        Event::new("subprocessors.acknowledge")
            .target("engagement", id)
            .after(&response),
    );
    Ok(response)
}

pub fn of_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<SubprocessorsResponse> {
    cloud_engagement(conn, actor, id)?;
    response(store::of_engagement(conn, id)?)
}

/// Emails the provider's first contact a link to report changes through for
/// [`LINK_DAYS`]; an earlier link stops working.
pub fn send_link(
    tx: &mut Tx,
    services: &Services,
    actor: &Actor,
    id: &str,
) -> AppResult<SubprocessorsResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let vendor = vendors::get(tx.conn(), &engagement.vendor_id)?;
    let mut contacts = vendor
        .as_ref()
        .map(|v| v.contacts.clone())
        .unwrap_or_default();
    contacts.sort_by_key(|c| c.position);
    let Some(contact) = contacts.into_iter().next() else {
        return Err(AppError::Conflict {
            message: Msg::new(
                "事業者に連絡先がないため送付できません。事業者の連絡先を登録してください",
                "The provider has no contact to send it to: register one",
            ),
            allowed: vec![],
        });
    };
    let (plain, hash) = token::generate();
    let now = tx.now().naive_utc();
    let expires_on = tx.today() + Days::new(LINK_DAYS);
    store::replace_link(
        tx.conn(),
        &LinkRow {
            id: db::new_id(),
            engagement_id: id.to_string(),
            token_hash: hash,
            sent_to_name: contact.name.clone(),
            sent_to_email: contact.email.clone(),
            created_at: now,
            expires_at: services.config.end_of_day(expires_on),
            revoked_at: None,
        },
    )?;
    let lang = Lang::Ja;
    let officer = db::users::names_of(tx.conn(), &[&engagement.responsible_user_id])?
        .remove(&engagement.responsible_user_id)
        .unwrap_or_default();
    let rendered = services
        .email
        .render_subprocessor_link(
            lang,
            &SubprocessorLinkContext {
                organization: services.config.organization_name.clone(),
                contact_name: contact.name.clone(),
                vendor_name: vendor.map(|v| v.vendor.legal_name).unwrap_or_default(),
                engagement_title: engagement.title.clone(),
                link: format!(
                    "{}/portal/subprocessors/{plain}",
                    services.config.public_base_url.trim_end_matches('/')
                ),
                link_expires_on: format_due(lang, expires_on),
                officer_name: officer,
            },
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
    super::outbox::queue_to_contact(
        tx.conn(),
        (&contact.name, &contact.email),
        lang,
        &rendered,
        now,
    )?;
    tx.record(
        Event::new("subprocessors.link")
            .target("engagement", id)
            .after(&serde_json::json!({ "sent_to": contact.email })),
    );
    response(store::of_engagement(tx.conn(), id)?)
}

/// The reporting link behind a live token.
pub fn live_link(
    conn: &mut DbConnection,
    plain: &str,
    now: NaiveDateTime,
) -> AppResult<Option<LinkRow>> {
    if !token::well_formed(plain) {
        return Ok(None);
    }
    store::live_link(conn, &token::hash(plain), now)
}

/// What the provider's page shows.
pub struct VendorPage {
    pub engagement_title: String,
    pub vendor_name: String,
    pub list: SubprocessorsResponse,
}

pub fn vendor_page(conn: &mut DbConnection, link: &LinkRow) -> AppResult<VendorPage> {
    let engagement = db::engagements::find(conn, &link.engagement_id)?
        .ok_or_else(|| AppError::Internal("a link's engagement is missing".into()))?;
    let vendor_name = vendors::get(conn, &engagement.vendor_id)?
        .map(|v| v.vendor.legal_name)
        .unwrap_or_default();
    Ok(VendorPage {
        engagement_title: engagement.title,
        vendor_name,
        list: response(store::of_engagement(conn, &link.engagement_id)?)?,
    })
}

/// A change the provider reports through its link: it awaits acknowledgement.
pub fn report(tx: &mut Tx, link: &LinkRow, body: &ChangeBody) -> AppResult<ChangeResponse> {
    let change = parse(body)?;
    add_change(
        tx,
        &link.engagement_id,
        change,
        ("vendor", &link.sent_to_email),
        None,
    )
}

/// What the staff page shows, with names and what the person may do there.
pub struct SubprocessorsPage {
    pub engagement_title: String,
    pub list: SubprocessorsResponse,
    pub names: std::collections::HashMap<String, String>,
    pub can_change: bool,
    pub can_acknowledge: bool,
}

pub fn page(conn: &mut DbConnection, actor: &Actor, id: &str) -> AppResult<SubprocessorsPage> {
    let engagement = cloud_engagement(conn, actor, id)?;
    let list = response(store::of_engagement(conn, id)?)?;
    let mut named: Vec<&str> = Vec::new();
    for c in &list.history {
        if c.reporter_kind == "staff" {
            named.push(&c.reported_by);
        }
        named.extend(c.acknowledged_by.as_deref());
    }
    let names = db::users::names_of(conn, &named)?;
    let division = engagement.division_id.clone();
    Ok(SubprocessorsPage {
        engagement_title: engagement.title,
        can_change: actor
            .permits(&Action::ChangeEngagement {
                division_id: &division,
            })
            .is_ok(),
        can_acknowledge: actor
            .permits(&Action::ApproveCloudRecord {
                division_id: &division,
                recorded_by: "",
            })
            .is_ok(),
        list,
        names,
    })
}

/// The countries of the subprocessors in force, by engagement (one query for them all).
pub fn countries_in_force(
    conn: &mut DbConnection,
    engagement_ids: &[&str],
) -> AppResult<std::collections::HashMap<String, Vec<CountryCode>>> {
    let mut by: std::collections::HashMap<String, Vec<ChangeRow>> =
        std::collections::HashMap::new();
    for row in store::of_engagements(conn, engagement_ids)? {
        if row.acknowledged_by.is_some() {
            by.entry(row.engagement_id.clone()).or_default().push(row);
        }
    }
    by.into_iter()
        .map(|(id, rows)| {
            let changes = rows.iter().map(as_change).collect::<AppResult<Vec<_>>>()?;
            Ok((
                id,
                current(&changes).into_iter().map(|s| s.country).collect(),
            ))
        })
        .collect()
}

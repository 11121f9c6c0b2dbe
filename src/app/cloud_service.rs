//! A cloud service's ISMAP / ISMAP-LIU listing and data location
//! (`policy::cloud_service`): recorded by whoever may change the engagement, each change
//! kept, and what needs looking at flagged. The API and the staff pages call these.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::load_visible;
use super::Tx;
use crate::audit::Event;
use crate::db::cloud_service::{self as store, CloudRecordKind, CloudRecordRow};
use crate::db::{self, DbConnection};
use crate::domain::date::parse_typed_date;
use crate::domain::{BoundedText, ClassificationLevel, EngagementKind};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::policy::cloud_service::{
    flags, valid_until, CloudFlag, CountryCode, DataLocation, IsmapList, IsmapListing,
};
use crate::validate::Fields;

/// A listing as asked for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IsmapListingBody {
    /// `ismap` or `ismap_liu`.
    pub list: Option<String>,
    /// The registration number on the list.
    pub registration_number: Option<String>,
    /// The service as listed.
    pub listed_service: Option<String>,
    /// The regions the listing covers (at least one).
    pub regions: Option<Vec<String>>,
    /// The last day of the audited period (`2029-03-31`, `令和11年3月31日`).
    pub audit_period_end: Option<String>,
}

/// Where the data lives, as asked for. Countries are ISO 3166-1 alpha-2 codes (`JP`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataLocationBody {
    /// Countries where the data is stored (at least one).
    pub storage_countries: Option<Vec<String>>,
    /// The provider's regions or data centres, in words.
    pub storage_regions: Option<String>,
    /// Countries where backups are kept (at least one).
    pub backup_countries: Option<Vec<String>>,
    /// Countries from which support can reach the data (at least one).
    pub support_countries: Option<Vec<String>>,
    pub governing_law: Option<String>,
    pub court: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingResponse {
    pub listing: IsmapListing,
    /// The last day the listing is valid: a year and four months after its audited period.
    pub valid_until: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocationResponse {
    pub location: DataLocation,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A cloud service's listing and data location in force, what needs looking at, and
/// every earlier record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CloudServiceResponse {
    pub ismap_listing: Option<ListingResponse>,
    pub data_location: Option<LocationResponse>,
    pub flags: Vec<CloudFlag>,
    /// Every record, newest first: the history of both.
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// `ismap_listing` or `data_location`.
    pub kind: CloudRecordKind,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

fn not_cloud() -> AppError {
    AppError::Conflict {
        message: Msg::new(
            "ISMAP の登録とデータの所在は、クラウドサービスの委託案件について記録します",
            "An ISMAP listing and data location are kept for cloud service engagements",
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

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn text(f: &mut Fields, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    f.require(field, given(v).as_deref(), |v| BoundedText::parse(v, max))
        .map(BoundedText::into_inner)
}

fn names(f: &mut Fields, field: &str, v: &Option<Vec<String>>) -> Option<Vec<String>> {
    let list: Vec<String> = v
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    if list.is_empty() {
        f.required(field);
        return None;
    }
    let mut ok = true;
    for n in &list {
        ok &= f.check(field, BoundedText::parse(n, 200)).is_some();
    }
    ok.then_some(list)
}

fn countries(f: &mut Fields, field: &str, v: &Option<Vec<String>>) -> Option<Vec<CountryCode>> {
    let list = names(f, field, v)?;
    let mut out: Vec<CountryCode> = Vec::new();
    for n in &list {
        let code = f.check(field, CountryCode::parse(n))?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Some(out)
}

fn parse_listing(body: &IsmapListingBody) -> AppResult<IsmapListing> {
    let mut f = Fields::new();
    let list = f.require("list", given(&body.list).as_deref(), IsmapList::parse);
    let registration_number = text(
        &mut f,
        "registration_number",
        &body.registration_number,
        100,
    );
    let listed_service = text(&mut f, "listed_service", &body.listed_service, 200);
    let regions = names(&mut f, "regions", &body.regions);
    let audit_period_end = match given(&body.audit_period_end) {
        None => {
            f.required("audit_period_end");
            None
        }
        Some(v) => match parse_typed_date(&v) {
            Ok(d) => Some(d),
            Err(_) => {
                f.push(
                    "audit_period_end",
                    "invalid",
                    Msg::new(
                        "監査対象期間の末日が正しくありません（例: 2029/3/31、令和11年3月31日）",
                        "The audited period's last day is not a valid date (e.g. 2029-03-31)",
                    ),
                );
                None
            }
        },
    };
    f.done(|| {
        Some(IsmapListing {
            list: list?,
            registration_number: registration_number?,
            listed_service: listed_service?,
            regions: regions?,
            audit_period_end: audit_period_end?,
        })
    })
}

fn parse_location(body: &DataLocationBody) -> AppResult<DataLocation> {
    let mut f = Fields::new();
    let storage_countries = countries(&mut f, "storage_countries", &body.storage_countries);
    let storage_regions = text(&mut f, "storage_regions", &body.storage_regions, 500);
    let backup_countries = countries(&mut f, "backup_countries", &body.backup_countries);
    let support_countries = countries(&mut f, "support_countries", &body.support_countries);
    let governing_law = text(&mut f, "governing_law", &body.governing_law, 200);
    let court = text(&mut f, "court", &body.court, 200);
    f.done(|| {
        Some(DataLocation {
            storage_countries: storage_countries?,
            storage_regions: storage_regions?,
            backup_countries: backup_countries?,
            support_countries: support_countries?,
            governing_law: governing_law?,
            court: court?,
        })
    })
}

fn write_record(
    tx: &mut Tx,
    id: &str,
    actor: &Actor,
    kind: CloudRecordKind,
    content: String,
) -> AppResult<()> {
    let row = CloudRecordRow {
        id: db::new_id(),
        engagement_id: id.to_string(),
        kind,
        content,
        recorded_by: actor.user_id.clone(),
        recorded_at: tx.now().naive_utc(),
    };
    store::insert(tx.conn(), &row)
}

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(format!("storing: {e}")))
}

/// Records the service's ISMAP / ISMAP-LIU listing (a renewal is a new record).
pub fn record_listing(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: IsmapListingBody,
    today: NaiveDate,
) -> AppResult<CloudServiceResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let listing = parse_listing(&body)?;
    write_record(
        tx,
        id,
        actor,
        CloudRecordKind::IsmapListing,
        to_json(&listing)?,
    )?;
    let response = of_engagement(tx.conn(), actor, id, today)?;
    tx.record(
        Event::new("cloud_service.ismap_listing")
            .target("engagement", id)
            .after(&listing),
    );
    Ok(response)
}

/// Records where the service keeps the data and which law governs it.
pub fn record_location(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    body: DataLocationBody,
    today: NaiveDate,
) -> AppResult<CloudServiceResponse> {
    let engagement = cloud_engagement(tx.conn(), actor, id)?;
    actor.authorize(Action::ChangeEngagement {
        division_id: &engagement.division_id,
    })?;
    let location = parse_location(&body)?;
    write_record(
        tx,
        id,
        actor,
        CloudRecordKind::DataLocation,
        to_json(&location)?,
    )?;
    let response = of_engagement(tx.conn(), actor, id, today)?;
    tx.record(
        Event::new("cloud_service.data_location")
            .target("engagement", id)
            .after(&location),
    );
    Ok(response)
}

/// The records in force of each of these engagements, and their flags on `today`.
pub struct Standing {
    pub listing: Option<(IsmapListing, CloudRecordRow)>,
    pub location: Option<(DataLocation, CloudRecordRow)>,
    pub flags: Vec<CloudFlag>,
}

/// The standing of several cloud engagements at once (one query), by id.
pub fn standings(
    conn: &mut DbConnection,
    engagements: &[(&str, Option<ClassificationLevel>)],
    today: NaiveDate,
) -> AppResult<HashMap<String, Standing>> {
    let ids: Vec<&str> = engagements.iter().map(|(id, _)| *id).collect();
    let mut rows: HashMap<String, Vec<CloudRecordRow>> = HashMap::new();
    for row in store::of_engagements(conn, &ids)? {
        rows.entry(row.engagement_id.clone()).or_default().push(row);
    }
    let in_force = super::subprocessors::countries_in_force(conn, &ids)?;
    let mut out = HashMap::new();
    for (id, level) in engagements {
        let mine = rows.remove(*id).unwrap_or_default();
        let newest = |kind| mine.iter().find(|r| r.kind == kind).cloned();
        let listing = match newest(CloudRecordKind::IsmapListing) {
            Some(r) => Some((r.parsed::<IsmapListing>()?, r)),
            None => None,
        };
        let location = match newest(CloudRecordKind::DataLocation) {
            Some(r) => Some((r.parsed::<DataLocation>()?, r)),
            None => None,
        };
        let flags = flags(
            *level,
            listing.as_ref().map(|(l, _)| l),
            location.as_ref().map(|(l, _)| l),
            in_force.get(*id).map(Vec::as_slice).unwrap_or_default(),
            today,
        );
        out.insert(
            id.to_string(),
            Standing {
                listing,
                location,
                flags,
            },
        );
    }
    Ok(out)
}

/// A cloud service's listing, data location, flags and history.
pub fn of_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    today: NaiveDate,
) -> AppResult<CloudServiceResponse> {
    let engagement = cloud_engagement(conn, actor, id)?;
    let mut standing = standings(conn, &[(id, engagement.level())], today)?;
    let s = standing.remove(id).unwrap_or(Standing {
        listing: None,
        location: None,
        flags: vec![],
    });
    let history = store::of_engagements(conn, &[id])?
        .into_iter()
        .map(|r| {
            Ok(HistoryEntry {
                kind: r.kind,
                recorded_by: r.recorded_by.clone(),
                recorded_at: r.recorded_at.and_utc(),
                content: r.parsed::<serde_json::Value>()?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(CloudServiceResponse {
        ismap_listing: s.listing.map(|(listing, r)| ListingResponse {
            valid_until: valid_until(listing.audit_period_end),
            listing,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at.and_utc(),
        }),
        data_location: s.location.map(|(location, r)| LocationResponse {
            location,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at.and_utc(),
        }),
        flags: s.flags,
        history,
    })
}

/// an L2/L3 cloud service with no listing recorded, or a lapsed one.
pub fn lacks_valid_listing(
    conn: &mut DbConnection,
    engagement: &db::engagements::EngagementRow,
    today: NaiveDate,
) -> AppResult<bool> {
    if engagement.kind() != EngagementKind::CloudService {
        return Ok(false);
    }
    let standing = standings(conn, &[(&engagement.id, engagement.level())], today)?;
    Ok(standing.get(&engagement.id).is_some_and(|s| {
        s.flags
            .iter()
            .any(|f| matches!(f, CloudFlag::NoListing | CloudFlag::ListingLapsed { .. }))
    }))
}

/// What the cloud service page shows, with the names of the people it names and whether
/// the person may record.
pub struct CloudServicePage {
    pub engagement_title: String,
    pub service: CloudServiceResponse,
    pub names: HashMap<String, String>,
    pub can_change: bool,
}

pub fn page(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    today: NaiveDate,
) -> AppResult<CloudServicePage> {
    let engagement = cloud_engagement(conn, actor, id)?;
    let service = of_engagement(conn, actor, id, today)?;
    let named: Vec<&str> = service
        .history
        .iter()
        .map(|h| h.recorded_by.as_str())
        .collect();
    let names = db::users::names_of(conn, &named)?;
    Ok(CloudServicePage {
        engagement_title: engagement.title,
        service,
        names,
        can_change: actor
            .permits(&Action::ChangeEngagement {
                division_id: &engagement.division_id,
            })
            .is_ok(),
    })
}

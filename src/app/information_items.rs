//! Information items（情報資産）an engagement handles, each with its level: the
//! engagement's level follows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engagements::{load_changeable, load_visible};
use super::Tx;
use crate::audit::Event;
use crate::db::information_items::{self, InformationItem, ItemFields};
use crate::db::{approvals, engagements, DbConnection};
use crate::domain::{BoundedText, ClassificationLevel};
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::policy::access::Actor;
use crate::validate::Fields;

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResponse {
    pub id: String,
    pub name: String,
    pub description: String,
    pub level: ClassificationLevel,
    pub provided_to_vendor: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<InformationItem> for ItemResponse {
    fn from(i: InformationItem) -> Self {
        ItemResponse {
            level: ClassificationLevel::from_rank(i.level).unwrap_or(ClassificationLevel::L3),
            id: i.id,
            name: i.name,
            description: i.description,
            provided_to_vendor: i.provided_to_vendor,
            created_at: i.created_at.and_utc(),
            updated_at: i.updated_at.and_utc(),
        }
    }
}

/// An item as the audit log records it: with its engagement, which the item does not name.
#[derive(Serialize)]
pub struct Audited<'a> {
    engagement_id: &'a str,
    #[serde(flatten)]
    item: &'a ItemResponse,
}

pub fn audited<'a>(engagement_id: &'a str, item: &'a ItemResponse) -> Audited<'a> {
    Audited {
        engagement_id,
        item,
    }
}

/// An information item the engagement handles. On update every field is
/// optional and an absent one is left as it is.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `L1`, `L2` or `L3`.
    pub level: Option<String>,
    pub provided_to_vendor: Option<bool>,
}

fn parse_item(body: &ItemBody) -> AppResult<ItemFields> {
    let mut f = Fields::new();
    let name = f.require("name", body.name.as_deref(), |v| BoundedText::parse(v, 200));
    let description = f.check(
        "description",
        BoundedText::parse_allow_empty(body.description.as_deref().unwrap_or(""), 2000),
    );
    let level = f.require(
        "level",
        body.level.as_deref(),
        str::parse::<ClassificationLevel>,
    );
    if body.provided_to_vendor.is_none() {
        f.required("provided_to_vendor");
    }
    f.finish()?;
    match (name, description, level, body.provided_to_vendor) {
        (Some(name), Some(description), Some(level), Some(provided_to_vendor)) => Ok(ItemFields {
            name,
            description,
            level,
            provided_to_vendor,
        }),
        _ => Err(Fields::refused_silently()),
    }
}

/// as `policy::engagements::check_provision` decides it for this item.
fn check_provision(
    conn: &mut DbConnection,
    engagement: &engagements::EngagementRow,
    item_id: Option<&str>,
    fields: &ItemFields,
) -> AppResult<()> {
    let approved = match item_id {
        Some(id) => crate::compliance::provision_approved(
            &approvals::for_engagement(conn, &engagement.id)?,
            id,
        ),
        None => false,
    };
    policy::engagements::check_provision(
        engagement.status(),
        fields.provided_to_vendor,
        fields.level,
        approved,
    )?;
    Ok(())
}

pub fn item_not_found() -> AppError {
    AppError::not_found("情報項目が見つかりません", "No such information item")
}

/// The engagement's items; a read of an L3 engagement's items is recorded, so
/// this runs through `app::read`.
pub fn of_engagement(
    tx: &mut Tx,
    actor: &Actor,
    engagement_id: &str,
) -> AppResult<Vec<ItemResponse>> {
    let engagement = load_visible(tx.conn(), actor, engagement_id)?;
    let items = information_items::list(tx.conn(), engagement_id)?;
    super::record_l3_read(
        tx,
        engagement.level(),
        Event::new("information_item.read_l3")
            .target("engagement", engagement_id)
            .after(&serde_json::json!({ "items": items.len() })),
    );
    Ok(items.into_iter().map(ItemResponse::from).collect())
}

/// Adds an item; the engagement's level becomes the highest of its items.
pub fn add(
    tx: &mut Tx,
    actor: &Actor,
    engagement_id: &str,
    body: &ItemBody,
) -> AppResult<ItemResponse> {
    let fields = parse_item(body)?;
    let today = tx.today();
    let engagement = load_changeable(tx.conn(), actor, engagement_id)?;
    check_provision(tx.conn(), &engagement, None, &fields)?;
    let now_at = tx.now().naive_utc();
    let item = ItemResponse::from(information_items::insert(
        tx.conn(),
        engagement_id,
        &fields,
        now_at,
    )?);
    engagements::refresh_level(tx.conn(), engagement_id, today, now_at)?;
    tx.record(
        Event::new("information_item.create")
            .target("information_item", &item.id)
            .after(&audited(engagement_id, &item)),
    );
    Ok(item)
}

/// Changes an item; absent fields stay as they are.
pub fn update(
    tx: &mut Tx,
    actor: &Actor,
    engagement_id: &str,
    item_id: &str,
    patch: ItemBody,
) -> AppResult<ItemResponse> {
    let today = tx.today();
    let engagement = load_changeable(tx.conn(), actor, engagement_id)?;
    let current =
        information_items::find(tx.conn(), engagement_id, item_id)?.ok_or_else(item_not_found)?;
    let before = ItemResponse::from(current.clone());
    let merged = ItemBody {
        name: patch.name.or(Some(current.name)),
        description: patch.description.or(Some(current.description)),
        level: patch.level.or_else(|| {
            ClassificationLevel::from_rank(current.level)
                .ok()
                .map(|l| l.as_str().to_string())
        }),
        provided_to_vendor: patch
            .provided_to_vendor
            .or(Some(current.provided_to_vendor)),
    };
    let fields = parse_item(&merged)?;
    check_provision(tx.conn(), &engagement, Some(item_id), &fields)?;
    let now_at = tx.now().naive_utc();
    information_items::update(tx.conn(), item_id, &fields, now_at)?;
    engagements::refresh_level(tx.conn(), engagement_id, today, now_at)?;
    let after = ItemResponse::from(
        information_items::find(tx.conn(), engagement_id, item_id)?.ok_or_else(item_not_found)?,
    );
    tx.record(
        Event::new("information_item.update")
            .target("information_item", item_id)
            .before(&audited(engagement_id, &before))
            .after(&audited(engagement_id, &after)),
    );
    Ok(after)
}

/// Removes an item; the engagement's level follows the rest.
pub fn remove(tx: &mut Tx, actor: &Actor, engagement_id: &str, item_id: &str) -> AppResult<()> {
    let today = tx.today();
    load_changeable(tx.conn(), actor, engagement_id)?;
    let before = ItemResponse::from(
        information_items::find(tx.conn(), engagement_id, item_id)?.ok_or_else(item_not_found)?,
    );
    information_items::delete(tx.conn(), item_id)?;
    let now_at = tx.now().naive_utc();
    engagements::refresh_level(tx.conn(), engagement_id, today, now_at)?;
    tx.record(
        Event::new("information_item.remove")
            .target("information_item", item_id)
            .before(&audited(engagement_id, &before)),
    );
    Ok(())
}

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::engagements::{audit_l3_read, load_changeable, load_visible};
use crate::audit::Event;
use crate::db::information_items::{self, InformationItem, ItemFields};
use crate::db::{self, audit, engagements};
use crate::domain::{BoundedText, ClassificationLevel};
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
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
struct Audited<'a> {
    engagement_id: &'a str,
    #[serde(flatten)]
    item: &'a ItemResponse,
}

fn audited<'a>(engagement_id: &'a str, item: &'a ItemResponse) -> Audited<'a> {
    Audited {
        engagement_id,
        item,
    }
}

/// An information item the engagement handles. On update every field is
/// optional and an absent one is left as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
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
        _ => unreachable!("finish() refused missing fields"),
    }
}

/// once the engagement runs, an L2/L3 item is handed to the vendor only after
/// its provision is approved; before that the `active` move checks it.
fn check_provision(
    conn: &mut crate::db::DbConnection,
    engagement: &crate::db::engagements::EngagementRow,
    item_id: Option<&str>,
    fields: &ItemFields,
) -> AppResult<()> {
    use crate::domain::Status;
    let running = matches!(engagement.status(), Status::Active | Status::Ending);
    if !running || !fields.provided_to_vendor || fields.level < ClassificationLevel::L2 {
        return Ok(());
    }
    if let Some(id) = item_id {
        let requests = crate::db::approvals::for_engagement(conn, &engagement.id)?;
        if crate::compliance::provision_approved(&requests, id) {
            return Ok(());
        }
    }
    Err(AppError::Gate {
        message: crate::i18n::Msg::new(
            "L2/L3情報を事業者に提供するには、先にセキュリティ責任者の承認が必要です（R-3.3.3）。提供しない項目として登録し、承認を申請してください",
            "Providing L2/L3 information needs the security officer's approval first (R-3.3.3): register the item as not provided and request approval",
        ),
        missing: vec!["R-3.3.3".into()],
    })
}

fn item_not_found() -> AppError {
    AppError::not_found("情報項目が見つかりません", "No such information item")
}

#[utoipa::path(tag = "information items",
    responses((status = 200, body = Vec<ItemResponse>), (status = 403), (status = 404)),
    security(("session" = []), ("token" = [])))]
#[get("/engagements/{id}/information-items")]
pub async fn list(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let origin = who.origin();
    let items = db::read(&state.pool, move |conn| {
        let engagement = load_visible(conn, &who.actor, &id)?;
        let items = information_items::list(conn, &id)?;
        audit_l3_read(
            conn,
            &origin,
            engagement.level(),
            &Event::new("information_item.read_l3")
                .target("engagement", &id)
                .after(&serde_json::json!({ "items": items.len() })),
        )?;
        Ok(items)
    })
    .await?;
    Ok(HttpResponse::Ok().json(
        items
            .into_iter()
            .map(ItemResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// Adds an item; the engagement's level becomes the highest of its items.
#[utoipa::path(tag = "information items",
    request_body = ItemBody,
    responses((status = 201, body = ItemResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/engagements/{id}/information-items")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<ItemBody>,
) -> AppResult<HttpResponse> {
    let fields = parse_item(&body.0)?;
    let today = state.today();
    let origin = who.origin();
    let item = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let engagement = load_changeable(conn, &who.actor, &id)?;
            check_provision(conn, &engagement, None, &fields)?;
            let item = ItemResponse::from(information_items::insert(conn, &id, &fields)?);
            engagements::refresh_level(conn, &id, today)?;
            audit::append(
                conn,
                &origin,
                &Event::new("information_item.create")
                    .target("information_item", &item.id)
                    .after(&audited(&id, &item)),
            )?;
            Ok(item)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(item))
}

#[utoipa::path(tag = "information items",
    request_body = ItemBody,
    responses((status = 200, body = ItemResponse), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/engagements/{id}/information-items/{item_id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
    body: ApiJson<ItemBody>,
) -> AppResult<HttpResponse> {
    let (id, item_id) = path.into_inner();
    let patch = body.0;
    let today = state.today();
    let origin = who.origin();
    let item = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let engagement = load_changeable(conn, &who.actor, &id)?;
            let current =
                information_items::find(conn, &id, &item_id)?.ok_or_else(item_not_found)?;
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
            check_provision(conn, &engagement, Some(&item_id), &fields)?;
            information_items::update(conn, &item_id, &fields)?;
            engagements::refresh_level(conn, &id, today)?;
            let after = ItemResponse::from(
                information_items::find(conn, &id, &item_id)?.ok_or_else(item_not_found)?,
            );
            audit::append(
                conn,
                &origin,
                &Event::new("information_item.update")
                    .target("information_item", &item_id)
                    .before(&audited(&id, &before))
                    .after(&audited(&id, &after)),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(item))
}

#[utoipa::path(tag = "information items",
    responses((status = 204), (status = 403), (status = 404), (status = 409)),
    security(("session" = []), ("token" = [])))]
#[delete("/engagements/{id}/information-items/{item_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    who: SignedIn,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, item_id) = path.into_inner();
    let today = state.today();
    let origin = who.origin();
    db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            load_changeable(conn, &who.actor, &id)?;
            let before = ItemResponse::from(
                information_items::find(conn, &id, &item_id)?.ok_or_else(item_not_found)?,
            );
            information_items::delete(conn, &item_id)?;
            engagements::refresh_level(conn, &id, today)?;
            audit::append(
                conn,
                &origin,
                &Event::new("information_item.remove")
                    .target("information_item", &item_id)
                    .before(&audited(&id, &before)),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

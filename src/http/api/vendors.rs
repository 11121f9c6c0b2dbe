use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::Event;
use crate::db::{self, audit, vendors, DbConnection};
use crate::domain::vendor::{NewVendor, PhoneNumber, VendorContact};
use crate::domain::{BoundedText, CorporateNumber, EmailAddress};
use crate::error::{AppError, AppResult};
use crate::http::json::ApiJson;
use crate::http::page::{Page, Paging};
use crate::http::signed_in::SignedIn;
use crate::http::AppState;
use crate::i18n::Msg;
use crate::policy::access::Action;
use crate::validate::{present, Fields};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    /// What a check is sent to (`contact_id`); a vendor's update gives its contacts new ids.
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VendorResponse {
    pub id: String,
    pub legal_name: String,
    /// 法人番号 (13 digits), or null for a sole proprietor.
    pub corporate_number: Option<String>,
    pub address: String,
    pub contacts: Vec<ContactResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<vendors::VendorWithContacts> for VendorResponse {
    fn from(v: vendors::VendorWithContacts) -> Self {
        VendorResponse {
            id: v.vendor.id,
            legal_name: v.vendor.legal_name,
            corporate_number: v.vendor.corporate_number,
            address: v.vendor.address,
            contacts: v
                .contacts
                .into_iter()
                .map(|c| ContactResponse {
                    id: c.id,
                    name: c.name,
                    email: c.email,
                    phone: c.phone,
                })
                .collect(),
            created_at: v.vendor.created_at.and_utc(),
            updated_at: v.vendor.updated_at.and_utc(),
        }
    }
}

/// A vendor as sent on create; on update every field is optional and an absent one is
/// left as it is (`corporate_number: null` removes it, `contacts` replaces the list).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorBody {
    pub legal_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub corporate_number: Option<Option<String>>,
    pub address: Option<String>,
    pub contacts: Option<Vec<ContactBody>>,
}

fn parse_vendor(body: &VendorBody) -> AppResult<NewVendor> {
    let mut f = Fields::new();
    let legal_name = f.require("legal_name", body.legal_name.as_deref(), |v| {
        BoundedText::parse(v, 200)
    });
    let corporate_number = match body.corporate_number.as_ref().and_then(|c| c.as_deref()) {
        Some(n) => f
            .check("corporate_number", CorporateNumber::parse(n))
            .map(Some),
        None => Some(None),
    };
    let address = f.require("address", body.address.as_deref(), |v| {
        BoundedText::parse(v, 300)
    });
    let contacts_in = body.contacts.clone().unwrap_or_default();
    if contacts_in.is_empty() {
        f.push(
            "contacts",
            "required",
            Msg::new(
                "連絡先を1人以上登録してください（点検票等の送付先になります）",
                "At least one contact is required (questionnaires are sent to them)",
            ),
        );
    }
    if contacts_in.len() > 20 {
        f.push(
            "contacts",
            "too_many",
            Msg::new("連絡先は20人までです", "At most 20 contacts"),
        );
    }
    let mut contacts = Vec::new();
    for (i, c) in contacts_in.iter().enumerate() {
        let name = f.require(&format!("contacts[{i}].name"), c.name.as_deref(), |v| {
            BoundedText::parse(v, 100)
        });
        let email = f.require(
            &format!("contacts[{i}].email"),
            c.email.as_deref(),
            EmailAddress::parse,
        );
        let phone = match c.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => f
                .check(&format!("contacts[{i}].phone"), PhoneNumber::parse(p))
                .map(Some),
            None => Some(None),
        };
        if let (Some(name), Some(email), Some(phone)) = (name, email, phone) {
            contacts.push(VendorContact { name, email, phone });
        }
    }
    f.finish()?;
    match (legal_name, corporate_number, address) {
        (Some(legal_name), Some(corporate_number), Some(address)) => Ok(NewVendor {
            legal_name,
            corporate_number,
            address,
            contacts,
        }),
        _ => unreachable!("finish() refused missing fields"),
    }
}

fn may_register(who: &SignedIn) -> AppResult<()> {
    who.actor.authorize(Action::Register)
}

fn not_found() -> AppError {
    AppError::not_found("事業者が見つかりません", "No such vendor")
}

/// The vendor as stored, in the response's form (also what the audit log records).
fn stored(conn: &mut DbConnection, id: &str) -> AppResult<VendorResponse> {
    Ok(vendors::get(conn, id)?.ok_or_else(not_found)?.into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VendorQuery {
    /// Text in the name, corporate number or address.
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[utoipa::path(tag = "vendors", params(VendorQuery),
    responses((status = 200, body = Page<VendorResponse>)), security(("session" = []), ("token" = [])))]
#[get("/vendors")]
pub async fn list(
    state: web::Data<AppState>,
    _who: SignedIn,
    query: web::Query<VendorQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let mut fields = Fields::new();
    let paging = Paging::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut fields,
    );
    fields.finish()?;
    let q = query.q.filter(|q| !q.trim().is_empty());
    let (items, total) = db::read(&state.pool, move |conn| {
        vendors::list(
            conn,
            q.as_deref().map(str::trim),
            paging.offset(),
            paging.per_page,
        )
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(paging.wrap(items.into_iter().map(VendorResponse::from).collect(), total)))
}

#[utoipa::path(tag = "vendors", request_body = VendorBody,
    responses((status = 201, body = VendorResponse), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[post("/vendors")]
pub async fn create(
    state: web::Data<AppState>,
    who: SignedIn,
    body: ApiJson<VendorBody>,
) -> AppResult<HttpResponse> {
    may_register(&who)?;
    let new = parse_vendor(&body.0)?;
    let origin = who.origin();
    let vendor = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let id = vendors::insert(conn, &new)?;
            let vendor = stored(conn, &id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("vendor.create")
                    .target("vendor", &id)
                    .after(&vendor),
            )?;
            Ok(vendor)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(vendor))
}

#[utoipa::path(tag = "vendors",
    responses((status = 200, body = VendorResponse), (status = 404)), security(("session" = []), ("token" = [])))]
#[get("/vendors/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let vendor = db::read(&state.pool, move |conn| vendors::get(conn, &id))
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(VendorResponse::from(vendor)))
}

#[utoipa::path(tag = "vendors", request_body = VendorBody,
    responses((status = 200, body = VendorResponse), (status = 404), (status = 409), (status = 422)),
    security(("session" = []), ("token" = [])))]
#[patch("/vendors/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: SignedIn,
    id: web::Path<String>,
    body: ApiJson<VendorBody>,
) -> AppResult<HttpResponse> {
    may_register(&who)?;
    let patch = body.0;
    let origin = who.origin();
    let vendor = db::run(&state.pool, move |conn| {
        db::write(conn, |conn| {
            let current = vendors::get(conn, &id)?.ok_or_else(not_found)?;
            let before = VendorResponse::from(current.clone());
            let merged = VendorBody {
                legal_name: patch.legal_name.or(Some(current.vendor.legal_name)),
                corporate_number: patch
                    .corporate_number
                    .or(Some(current.vendor.corporate_number)),
                address: patch.address.or(Some(current.vendor.address)),
                contacts: patch.contacts.or_else(|| {
                    Some(
                        current
                            .contacts
                            .into_iter()
                            .map(|c| ContactBody {
                                name: Some(c.name),
                                email: Some(c.email),
                                phone: c.phone,
                            })
                            .collect(),
                    )
                }),
            };
            let new = parse_vendor(&merged)?;
            vendors::update(conn, &id, &new)?;
            let after = stored(conn, &id)?;
            audit::append(
                conn,
                &origin,
                &Event::new("vendor.update")
                    .target("vendor", &id)
                    .before(&before)
                    .after(&after),
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(vendor))
}

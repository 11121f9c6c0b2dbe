//! Vendors（事業者）: register and change them, with their contacts (to whom
//! questionnaires and portal links are sent).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Tx;
use crate::audit::Event;
use crate::db::{vendors, DbConnection};
use crate::domain::vendor::{NewVendor, PhoneNumber, VendorContact};
use crate::domain::{BoundedText, CorporateNumber, EmailAddress};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
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
        _ => Err(Fields::refused_silently()),
    }
}

pub fn not_found() -> AppError {
    AppError::not_found("事業者が見つかりません", "No such vendor")
}

/// The vendor as stored, in the response's form (also what the audit log records).
fn stored(conn: &mut DbConnection, id: &str) -> AppResult<VendorResponse> {
    Ok(vendors::get(conn, id)?.ok_or_else(not_found)?.into())
}

/// Registers a vendor with its contacts.
pub fn register(tx: &mut Tx, actor: &Actor, body: &VendorBody) -> AppResult<VendorResponse> {
    actor.authorize(Action::Register)?;
    let new = parse_vendor(body)?;
    let now_at = tx.now().naive_utc();
    let id = vendors::insert(tx.conn(), &new, now_at)?;
    let vendor = stored(tx.conn(), &id)?;
    tx.record(
        Event::new("vendor.create")
            .target("vendor", &id)
            .after(&vendor),
    );
    Ok(vendor)
}

/// Changes a vendor: absent fields stay as they are, `corporate_number: null` removes
/// it, `contacts` replaces the list (the contacts get new ids).
pub fn update(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
    patch: VendorBody,
) -> AppResult<VendorResponse> {
    actor.authorize(Action::Register)?;
    let current = vendors::get(tx.conn(), id)?.ok_or_else(not_found)?;
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
    let now_at = tx.now().naive_utc();
    vendors::update(tx.conn(), id, &new, now_at)?;
    let after = stored(tx.conn(), id)?;
    tx.record(
        Event::new("vendor.update")
            .target("vendor", id)
            .before(&before)
            .after(&after),
    );
    Ok(after)
}

/// `?q=&page=&per_page=` as typed: text in the name, corporate number or address.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VendorQuery {
    /// Text in the name, corporate number or address.
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// One page of vendors (shared by every division), by name.
pub fn list(
    conn: &mut DbConnection,
    query: &VendorQuery,
) -> AppResult<super::page::Page<VendorResponse>> {
    let mut fields = Fields::new();
    let paging = super::page::Paging::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut fields,
    );
    fields.finish()?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let (items, total) = vendors::list(conn, q, paging.offset(), paging.per_page)?;
    Ok(paging.wrap(items.into_iter().map(VendorResponse::from).collect(), total))
}

/// One vendor with its contacts.
pub fn read(conn: &mut DbConnection, id: &str) -> AppResult<VendorResponse> {
    stored(conn, id)
}

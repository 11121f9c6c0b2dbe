use chrono::NaiveDateTime;
use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{vendor_contacts, vendors};
use super::{like_pattern, lower, new_id, DbConnection};
use crate::domain::vendor::{NewVendor, VendorContact};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vendors)]
pub struct Vendor {
    pub id: String,
    pub legal_name: String,
    pub corporate_number: Option<String>,
    pub address: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vendor_contacts)]
pub struct Contact {
    pub id: String,
    pub vendor_id: String,
    pub position: i32,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct VendorWithContacts {
    pub vendor: Vendor,
    pub contacts: Vec<Contact>,
}

fn corporate_number_taken(
    conn: &mut DbConnection,
    number: &str,
    except_id: Option<&str>,
) -> AppResult<()> {
    let mut q = vendors::table
        .filter(vendors::corporate_number.eq(number))
        .select(vendors::id)
        .into_boxed();
    if let Some(id) = except_id {
        q = q.filter(vendors::id.ne(id.to_string()));
    }
    if q.first::<String>(conn).optional()?.is_some() {
        return Err(AppError::Conflict {
            message: Msg::new(
                format!("法人番号 {number} の事業者は既に登録されています"),
                format!("A vendor with corporate number {number} is already registered"),
            ),
            allowed: vec![],
        });
    }
    Ok(())
}

fn replace_contacts(
    conn: &mut DbConnection,
    vendor_id: &str,
    contacts: &[VendorContact],
) -> AppResult<()> {
    diesel::delete(vendor_contacts::table.filter(vendor_contacts::vendor_id.eq(vendor_id)))
        .execute(conn)?;
    let rows: Vec<Contact> = contacts
        .iter()
        .enumerate()
        .map(|(i, c)| Contact {
            id: new_id(),
            vendor_id: vendor_id.to_string(),
            position: i as i32,
            name: c.name.as_str().to_string(),
            email: c.email.as_str().to_string(),
            phone: c.phone.as_ref().map(|p| p.as_str().to_string()),
        })
        .collect();
    // One statement per contact: diesel's multi-backend connection has no batch insert.
    for row in &rows {
        diesel::insert_into(vendor_contacts::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert(conn: &mut DbConnection, new: &NewVendor, now: NaiveDateTime) -> AppResult<String> {
    if let Some(n) = &new.corporate_number {
        corporate_number_taken(conn, n.as_str(), None)?;
    }
    let vendor = Vendor {
        id: new_id(),
        legal_name: new.legal_name.as_str().to_string(),
        corporate_number: new
            .corporate_number
            .as_ref()
            .map(|n| n.as_str().to_string()),
        address: new.address.as_str().to_string(),
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(vendors::table)
        .values(&vendor)
        .execute(conn)?;
    replace_contacts(conn, &vendor.id, &new.contacts)?;
    Ok(vendor.id)
}

pub fn update(
    conn: &mut DbConnection,
    id: &str,
    new: &NewVendor,
    now: NaiveDateTime,
) -> AppResult<()> {
    if let Some(n) = &new.corporate_number {
        corporate_number_taken(conn, n.as_str(), Some(id))?;
    }
    let renamed = vendors::table
        .find(id)
        .select(vendors::legal_name)
        .first::<String>(conn)
        .optional()?
        .is_some_and(|old| old != new.legal_name.as_str());
    diesel::update(vendors::table.find(id))
        .set((
            vendors::legal_name.eq(new.legal_name.as_str()),
            vendors::corporate_number.eq(new.corporate_number.as_ref().map(|n| n.as_str())),
            vendors::address.eq(new.address.as_str()),
            vendors::updated_at.eq(now),
        ))
        .execute(conn)?;
    if renamed {
        // The vendor's name is searched with its engagements' titles.
        super::search::reindex_vendor(conn, id)?;
    }
    replace_contacts(conn, id, &new.contacts)
}

pub fn exists(conn: &mut DbConnection, id: &str) -> AppResult<bool> {
    let n: i64 = vendors::table.find(id).count().get_result(conn)?;
    Ok(n > 0)
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Option<VendorWithContacts>> {
    let vendor = vendors::table
        .find(id)
        .select(Vendor::as_select())
        .first(conn)
        .optional()?;
    match vendor {
        Some(v) => Ok(attach_contacts(conn, vec![v])?.pop()),
        None => Ok(None),
    }
}

fn attach_contacts(
    conn: &mut DbConnection,
    list: Vec<Vendor>,
) -> AppResult<Vec<VendorWithContacts>> {
    let ids: Vec<&String> = list.iter().map(|v| &v.id).collect();
    let contacts: Vec<Contact> = vendor_contacts::table
        .filter(vendor_contacts::vendor_id.eq_any(&ids))
        .order((vendor_contacts::vendor_id, vendor_contacts::position))
        .select(Contact::as_select())
        .load(conn)?;
    let mut by_vendor: HashMap<String, Vec<Contact>> = HashMap::new();
    for c in contacts {
        by_vendor.entry(c.vendor_id.clone()).or_default().push(c);
    }
    Ok(list
        .into_iter()
        .map(|vendor| VendorWithContacts {
            contacts: by_vendor.remove(&vendor.id).unwrap_or_default(),
            vendor,
        })
        .collect())
}

/// A page of vendors, by name, matching `q` in the name, corporate number or address.
pub fn list(
    conn: &mut DbConnection,
    q: Option<&str>,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<VendorWithContacts>, i64)> {
    let filtered = || {
        let mut query = vendors::table.into_boxed();
        if let Some(q) = q {
            let pattern = like_pattern(q);
            query = query.filter(
                lower(vendors::legal_name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(vendors::corporate_number.like(pattern.clone()).escape('\\'))
                    .or(lower(vendors::address).like(pattern).escape('\\')),
            );
        }
        query
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let page = filtered()
        .order((vendors::legal_name.asc(), vendors::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(Vendor::as_select())
        .load(conn)?;
    Ok((attach_contacts(conn, page)?, total))
}

/// Every vendor's legal name by id (for reminder digests).
pub fn names(conn: &mut DbConnection) -> AppResult<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> = vendors::table
        .select((vendors::id, vendors::legal_name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

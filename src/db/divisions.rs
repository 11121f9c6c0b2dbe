use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::divisions;
use super::{new_id, DbConnection};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = divisions)]
pub struct Division {
    pub id: String,
    pub code: String,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
}

pub fn list(conn: &mut DbConnection) -> AppResult<Vec<Division>> {
    Ok(divisions::table
        .order(divisions::code.asc())
        .select(Division::as_select())
        .load(conn)?)
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> AppResult<Option<Division>> {
    Ok(divisions::table
        .filter(divisions::code.eq(code))
        .select(Division::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_codes(conn: &mut DbConnection, codes: &[String]) -> AppResult<Vec<Division>> {
    Ok(divisions::table
        .filter(divisions::code.eq_any(codes))
        .select(Division::as_select())
        .load(conn)?)
}

pub fn create(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    now: NaiveDateTime,
) -> AppResult<Division> {
    if find_by_code(conn, code)?.is_some() {
        return Err(AppError::Conflict {
            message: Msg::new(
                format!("課等コード {code} は既に登録されています"),
                format!("Division code {code} is already registered"),
            ),
            allowed: vec![],
        });
    }
    let division = Division {
        id: new_id(),
        code: code.to_string(),
        name: name.to_string(),
        created_at: now,
    };
    diesel::insert_into(divisions::table)
        .values(&division)
        .execute(conn)?;
    Ok(division)
}

/// The division with this code, created with `name` when it does not exist yet.
pub fn get_or_create(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    now: NaiveDateTime,
) -> AppResult<Division> {
    match find_by_code(conn, code)? {
        Some(d) => Ok(d),
        None => create(conn, code, name, now),
    }
}

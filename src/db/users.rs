use chrono::NaiveDateTime;
use std::collections::HashMap;

use diesel::prelude::*;

use super::divisions::Division;
use super::schema::{divisions, user_divisions, user_roles, users};
use super::DbConnection;
use crate::domain::Role;
use crate::error::AppResult;
use crate::i18n::Lang;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: bool,
    pub language: Lang,
    pub created_at: chrono::NaiveDateTime,
    pub last_sign_in_at: Option<chrono::NaiveDateTime>,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_enabled_at: Option<chrono::NaiveDateTime>,
    pub totp_last_step: Option<i64>,
    pub must_change_password: bool,
    pub password_changed_at: Option<chrono::NaiveDateTime>,
    pub deactivated_at: Option<chrono::NaiveDateTime>,
}

/// An active account with no password and no second factor, created at the start of
/// 2027: what tests of other modules need of a person.
#[cfg(test)]
pub fn sample(id: &str, email: &str, display_name: &str, language: Lang) -> User {
    User {
        id: id.into(),
        email: email.into(),
        display_name: display_name.into(),
        password_hash: String::new(),
        active: true,
        language,
        created_at: chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        last_sign_in_at: None,
        totp_secret: None,
        totp_pending_secret: None,
        totp_enabled_at: None,
        totp_last_step: None,
        must_change_password: false,
        password_changed_at: None,
        deactivated_at: None,
    }
}

/// A user with their roles and divisions.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub user: User,
    pub roles: Vec<Role>,
    pub divisions: Vec<Division>,
}

pub fn insert(
    conn: &mut DbConnection,
    user: &User,
    roles: &[Role],
    division_ids: &[String],
) -> AppResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    for role in roles {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(&user.id),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    for division_id in division_ids {
        diesel::insert_into(user_divisions::table)
            .values((
                user_divisions::user_id.eq(&user.id),
                user_divisions::division_id.eq(division_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn roles_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<Role>> {
    let names: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?;
    Ok(names.iter().filter_map(|n| Role::parse(n).ok()).collect())
}

pub fn division_ids_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<String>> {
    Ok(user_divisions::table
        .filter(user_divisions::user_id.eq(user_id))
        .select(user_divisions::division_id)
        .load(conn)?)
}

/// Users with their roles and divisions, in three queries whatever their number.
pub fn with_roles_and_divisions(
    conn: &mut DbConnection,
    list: Vec<User>,
) -> AppResult<Vec<StaffMember>> {
    let ids: Vec<&String> = list.iter().map(|u| &u.id).collect();
    let roles: Vec<(String, String)> = user_roles::table
        .filter(user_roles::user_id.eq_any(&ids))
        .select((user_roles::user_id, user_roles::role))
        .load(conn)?;
    let divs: Vec<(String, Division)> = user_divisions::table
        .inner_join(divisions::table)
        .filter(user_divisions::user_id.eq_any(&ids))
        .order(divisions::code.asc())
        .select((user_divisions::user_id, Division::as_select()))
        .load(conn)?;
    let mut roles_by: HashMap<String, Vec<Role>> = HashMap::new();
    for (uid, r) in roles {
        if let Ok(role) = Role::parse(&r) {
            roles_by.entry(uid).or_default().push(role);
        }
    }
    let mut divs_by: HashMap<String, Vec<Division>> = HashMap::new();
    for (uid, d) in divs {
        divs_by.entry(uid).or_default().push(d);
    }
    Ok(list
        .into_iter()
        .map(|user| {
            let mut roles = roles_by.remove(&user.id).unwrap_or_default();
            roles.sort_by_key(|r| Role::ALL.iter().position(|x| x == r));
            StaffMember {
                roles,
                divisions: divs_by.remove(&user.id).unwrap_or_default(),
                user,
            }
        })
        .collect())
}

pub fn get_member(conn: &mut DbConnection, id: &str) -> AppResult<Option<StaffMember>> {
    match find(conn, id)? {
        Some(u) => Ok(with_roles_and_divisions(conn, vec![u])?.pop()),
        None => Ok(None),
    }
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub division_id: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

pub fn list(conn: &mut DbConnection, filter: &UserFilter) -> AppResult<Vec<StaffMember>> {
    let mut query = users::table.select(User::as_select()).into_boxed();
    if let Some(d) = &filter.division_id {
        query = query.filter(
            users::id.eq_any(
                user_divisions::table
                    .filter(user_divisions::division_id.eq(d.clone()))
                    .select(user_divisions::user_id),
            ),
        );
    }
    if let Some(r) = filter.role {
        query = query.filter(
            users::id.eq_any(
                user_roles::table
                    .filter(user_roles::role.eq(r.as_str()))
                    .select(user_roles::user_id),
            ),
        );
    }
    if let Some(a) = filter.active {
        query = query.filter(users::active.eq(a));
    }
    let list = query.order(users::email.asc()).load(conn)?;
    with_roles_and_divisions(conn, list)
}

/// Whether the user is active, holds `role` and belongs to the division.
pub fn holds_role_in_division(
    conn: &mut DbConnection,
    user_id: &str,
    role: Role,
    division_id: &str,
) -> AppResult<bool> {
    let count: i64 = users::table
        .inner_join(user_roles::table)
        .inner_join(user_divisions::table)
        .filter(users::id.eq(user_id))
        .filter(users::active.eq(true))
        .filter(user_roles::role.eq(role.as_str()))
        .filter(user_divisions::division_id.eq(division_id))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn record_sign_in(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::last_sign_in_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// A password the person chose: it replaces any one-time password.
pub fn set_password_hash(
    conn: &mut DbConnection,
    user_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(false),
            users::password_changed_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The language email and messages are written in for this person.
pub fn set_language(conn: &mut DbConnection, user_id: &str, language: Lang) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::language.eq(language))
        .execute(conn)?;
    Ok(())
}

/// What an administrator may change about an account (R-5.5.3.3/4).
pub struct AccountChange {
    pub display_name: Option<String>,
    pub active: Option<bool>,
    pub roles: Option<Vec<Role>>,
    pub division_ids: Option<Vec<String>>,
}

pub fn update(
    conn: &mut DbConnection,
    user_id: &str,
    change: &AccountChange,
    now: NaiveDateTime,
) -> AppResult<()> {
    if let Some(name) = &change.display_name {
        diesel::update(users::table.find(user_id))
            .set(users::display_name.eq(name))
            .execute(conn)?;
    }
    if let Some(active) = change.active {
        let deactivated_at = if active { None } else { Some(now) };
        diesel::update(users::table.find(user_id))
            .set((
                users::active.eq(active),
                users::deactivated_at.eq(deactivated_at),
            ))
            .execute(conn)?;
    }
    if let Some(roles) = &change.roles {
        diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
        for role in roles {
            diesel::insert_into(user_roles::table)
                .values((
                    user_roles::user_id.eq(user_id),
                    user_roles::role.eq(role.as_str()),
                ))
                .execute(conn)?;
        }
    }
    if let Some(ids) = &change.division_ids {
        diesel::delete(user_divisions::table.filter(user_divisions::user_id.eq(user_id)))
            .execute(conn)?;
        for id in ids {
            diesel::insert_into(user_divisions::table)
                .values((
                    user_divisions::user_id.eq(user_id),
                    user_divisions::division_id.eq(id),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// The display names of these users, by id, in one query.
pub fn names_of(
    conn: &mut DbConnection,
    ids: &[&str],
) -> AppResult<std::collections::HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

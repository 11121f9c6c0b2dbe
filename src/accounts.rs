//! Staff accounts (R-5.5.3.3): registration, shared by `app::users`, the command line,
//! the demo data and the tests' set-up.

use crate::auth;
use crate::db::{self, divisions, users, DbConnection};
use crate::domain::{BoundedText, DivisionCode, EmailAddress, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

pub struct NewStaff {
    pub email: EmailAddress,
    pub display_name: BoundedText,
    pub roles: Vec<Role>,
    /// Divisions by code; a code not yet registered is created with the given name (or
    /// the code itself).
    pub divisions: Vec<(DivisionCode, Option<String>)>,
}

pub struct CreatedStaff {
    pub user_id: String,
    /// Shown once to whoever registered the account; only its hash is kept.
    pub one_time_password: String,
}

/// Registers a staff member with a generated one-time password, in the caller's
/// transaction.
pub fn create_staff(
    conn: &mut DbConnection,
    new: &NewStaff,
    now: chrono::NaiveDateTime,
) -> AppResult<CreatedStaff> {
    if users::find_by_email(conn, new.email.as_str())?.is_some() {
        return Err(AppError::Conflict {
            message: Msg::new(
                format!("{} は既に登録されています", new.email),
                format!("{} is already registered", new.email),
            ),
            allowed: vec![],
        });
    }
    let mut division_ids = Vec::new();
    for (code, name) in &new.divisions {
        let name = name.as_deref().unwrap_or(code.as_str());
        division_ids.push(divisions::get_or_create(conn, code.as_str(), name, now)?.id);
    }
    let password = auth::generate_password();
    let user = users::User {
        id: db::new_id(),
        email: new.email.as_str().to_string(),
        display_name: new.display_name.as_str().to_string(),
        password_hash: auth::hash_password(&password),
        active: true,
        language: crate::i18n::Lang::Ja,
        created_at: now,
        last_sign_in_at: None,
        totp_secret: None,
        totp_pending_secret: None,
        totp_enabled_at: None,
        totp_last_step: None,
        // R-4.1.4.3: the generated password was seen by whoever registered the account.
        must_change_password: true,
        password_changed_at: None,
        deactivated_at: None,
    };
    let mut roles = new.roles.clone();
    roles.sort_by_key(|r| Role::ALL.iter().position(|x| x == r));
    roles.dedup();
    users::insert(conn, &user, &roles, &division_ids)?;
    Ok(CreatedStaff {
        user_id: user.id,
        one_time_password: password,
    })
}

/// Issues a personal API token for scripts; the token is returned once.
pub fn create_token(
    conn: &mut DbConnection,
    email: &EmailAddress,
    name: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<String> {
    let user = users::find_by_email(conn, email.as_str())?
        .filter(|u| u.active)
        .ok_or_else(|| {
            AppError::not_found(
                &format!("有効な利用者 {email} はいません"),
                &format!("No active user {email}"),
            )
        })?;
    let token = auth::new_secret(auth::TOKEN_PREFIX);
    db::sessions::create_token(conn, &user.id, name, &auth::sha256_hex(&token), now)?;
    Ok(token)
}

//! Divisions（課等）as the use cases name them: by their code.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Tx;
use crate::audit::Event;
use crate::db::{self, divisions};
use crate::domain::{BoundedText, DivisionCode};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::policy::access::{Action, Actor};
use crate::validate::Fields;

#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionResponse {
    pub code: String,
    pub name: String,
}

impl From<divisions::Division> for DivisionResponse {
    fn from(d: divisions::Division) -> Self {
        DivisionResponse {
            code: d.code,
            name: d.name,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDivisionRequest {
    pub code: Option<String>,
    pub name: Option<String>,
}

/// Registers a division; for ROLE-CISO, ROLE-DCISO and ROLE-CSM (R-5.5.3.3).
pub fn register(
    tx: &mut Tx,
    actor: &Actor,
    body: &CreateDivisionRequest,
) -> AppResult<DivisionResponse> {
    actor.authorize(Action::Administer)?;
    let mut fields = Fields::new();
    let code = fields.require("code", body.code.as_deref(), DivisionCode::parse);
    let name = fields.require("name", body.name.as_deref(), |v| BoundedText::parse(v, 100));
    let (code, name) = fields.done(|| Some((code?, name?)))?;
    let now_at = tx.now().naive_utc();
    let created = divisions::create(tx.conn(), code.as_str(), name.as_str(), now_at)?;
    let id = created.id.clone();
    let division = DivisionResponse::from(created);
    tx.record(
        Event::new("division.create")
            .target("division", &id)
            .after(&division),
    );
    Ok(division)
}

pub fn unknown_division_msg(code: &str) -> Msg {
    Msg::new(
        format!("課等コード {code} は登録されていません"),
        format!("No division has the code {code}"),
    )
}

/// A `?division=CODE` filter as the division's id; an unknown code is a 422.
pub fn division_filter(
    conn: &mut db::DbConnection,
    code: Option<&str>,
) -> AppResult<Option<String>> {
    match code {
        Some(code) => Ok(Some(
            divisions::find_by_code(conn, code.trim())?
                .ok_or_else(|| unknown_division("division", code))?
                .id,
        )),
        None => Ok(None),
    }
}

pub fn unknown_division(field: &str, code: &str) -> AppError {
    AppError::validation(field, "unknown", unknown_division_msg(code))
}

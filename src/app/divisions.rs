//! Divisions（課等）as the use cases name them: by their code.

use crate::db::{self, divisions};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

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

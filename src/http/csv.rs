//! CSV exports (audit log, checks, findings): UTF-8 with a BOM so that spreadsheet
//! software reads the Japanese, stable English column keys first, every cell a
//! spreadsheet would take for a formula made text, and always a download.

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;

use crate::db::audit::csv_cell;
use crate::error::{AppError, AppResult};

/// How times appear in the exports (UTC).
pub fn time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The export's bytes: the column keys, then the rows.
pub fn body(columns: &[&str], rows: impl Iterator<Item = Vec<String>>) -> AppResult<Vec<u8>> {
    let fail = |e: String| AppError::Internal(format!("writing a CSV export: {e}"));
    let mut csv = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    csv.write_record(columns).map_err(|e| fail(e.to_string()))?;
    for row in rows {
        csv.write_record(row.iter().map(|c| csv_cell(c).into_owned()))
            .map_err(|e| fail(e.to_string()))?;
    }
    csv.into_inner().map_err(|e| fail(e.to_string()))
}

/// The export as an attachment named `name`.
pub fn download(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

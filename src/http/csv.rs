//! CSV exports (audit log, checks, findings): UTF-8 with a BOM so that spreadsheet
//! software reads the Japanese, stable English column keys first, every cell a
//! spreadsheet would take for a formula made text, and always a download.

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::{NaiveDate, NaiveDateTime};

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

/// A value that may be missing, as an export cell (empty when missing).
pub fn optional(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// What an export's rows are: their column keys and their cells, in that order.
pub trait Columns {
    const COLUMNS: &'static [&'static str];
    fn cells(self) -> Vec<String>;
}

/// An export of `rows` as the download `itaku-<stem>-<YYYYMMDD>.csv`.
pub fn export<T: Columns>(stem: &str, today: NaiveDate, rows: Vec<T>) -> AppResult<HttpResponse> {
    let body = body(T::COLUMNS, rows.into_iter().map(Columns::cells))?;
    let name = format!("itaku-{stem}-{}.csv", today.format("%Y%m%d"));
    Ok(download(&name, body))
}

//! Many rows at once, for loading a generated register (`demo::generate`): one multi-row
//! INSERT per table and slice of rows, so that a hundred thousand engagements take
//! seconds instead of one round trip per row. The caller holds the transaction, and
//! writes values it knows to be valid: nothing here checks them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    approvals, checks, cloud_service_records, contracts, divisions, engagement_records,
    engagements, findings, information_items, manager_assets, obligation_waivers, status_changes,
    user_divisions, user_roles, users, vendor_contacts, vendors,
};
use super::DbConnection;
use crate::error::AppResult;

/// Bound values per statement: below SQLite's limit (32,766) and PostgreSQL's (65,535).
const MAX_BINDS: usize = 30_000;

// A multi-row INSERT is backend-specific SQL: MultiConnection cannot build it. Each row
// type below binds NULL for `None` (`treat_none_as_default_value = false`): a value that
// may be DEFAULT makes diesel insert row by row on SQLite.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        for part in $rows.chunks((MAX_BINDS / $columns).max(1)) {
            match &mut *$conn {
                DbConnection::Postgresql(c) => {
                    diesel::insert_into($table).values(part).execute(c)?
                }
                DbConnection::Sqlite(c) => diesel::insert_into($table).values(part).execute(c)?,
            };
        }
    }};
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = divisions, treat_none_as_default_value = false)]
pub struct DivisionRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: bool,
    pub language: String,
    pub created_at: NaiveDateTime,
    pub last_sign_in_at: Option<NaiveDateTime>,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_enabled_at: Option<NaiveDateTime>,
    pub totp_last_step: Option<i64>,
    pub must_change_password: bool,
    pub password_changed_at: Option<NaiveDateTime>,
    pub deactivated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = user_roles, treat_none_as_default_value = false)]
pub struct UserRoleRow {
    pub user_id: String,
    pub role: &'static str,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = user_divisions, treat_none_as_default_value = false)]
pub struct UserDivisionRow {
    pub user_id: String,
    pub division_id: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vendors, treat_none_as_default_value = false)]
pub struct VendorRow {
    pub id: String,
    pub legal_name: String,
    pub corporate_number: Option<String>,
    pub address: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vendor_contacts, treat_none_as_default_value = false)]
pub struct VendorContactRow {
    pub id: String,
    pub vendor_id: String,
    pub position: i32,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = engagements, treat_none_as_default_value = false)]
pub struct EngagementRow {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub division_id: String,
    pub responsible_user_id: String,
    pub vendor_id: String,
    pub scope: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: &'static str,
    pub parent_id: Option<String>,
    pub cloud_service_name: Option<String>,
    pub cloud_data_location: Option<String>,
    pub cloud_ismap: Option<&'static str>,
    pub level: Option<i16>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub level_raised_on: Option<NaiveDate>,
    pub check_interval_months: Option<i16>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = information_items, treat_none_as_default_value = false)]
pub struct ItemRow {
    pub id: String,
    pub engagement_id: String,
    pub name: String,
    pub description: String,
    pub level: i16,
    pub provided_to_vendor: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = status_changes, treat_none_as_default_value = false)]
pub struct StatusChangeRow {
    pub id: String,
    pub engagement_id: String,
    pub from_status: &'static str,
    pub to_status: &'static str,
    pub user_id: Option<String>,
    pub changed_at: NaiveDateTime,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contracts, treat_none_as_default_value = false)]
pub struct ContractRow {
    pub id: String,
    pub engagement_id: String,
    pub reference_number: String,
    pub signed_on: NaiveDate,
    /// JSON array of clause ids.
    pub clause_ids: String,
    pub template_version: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = manager_assets, treat_none_as_default_value = false)]
pub struct AssetRow {
    pub id: String,
    pub engagement_id: String,
    pub kind: &'static str,
    pub name: String,
    pub description: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = approvals, treat_none_as_default_value = false)]
pub struct ApprovalRow {
    pub id: String,
    pub engagement_id: String,
    pub rule_id: &'static str,
    pub subject_id: String,
    pub subject_name: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub note: String,
    pub approver_role: &'static str,
    pub approver_division_id: Option<String>,
    pub state: &'static str,
    pub confirmations: &'static str,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = obligation_waivers, treat_none_as_default_value = false)]
pub struct WaiverRow {
    pub id: String,
    pub engagement_id: String,
    pub rule_id: &'static str,
    pub subject_id: String,
    pub reason: String,
    pub waived_by: String,
    pub waived_at: NaiveDateTime,
    pub state: &'static str,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = engagement_records, treat_none_as_default_value = false)]
pub struct RecordRow {
    pub id: String,
    pub engagement_id: String,
    pub kind: &'static str,
    pub occurred_on: NaiveDate,
    pub recorded_by: String,
    pub delegated_by: Option<String>,
    /// `policy::records::RecordDetails` as JSON.
    pub details: String,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cloud_service_records, treat_none_as_default_value = false)]
pub struct CloudRecordRow {
    pub id: String,
    pub engagement_id: String,
    pub kind: &'static str,
    pub content: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = findings, treat_none_as_default_value = false)]
pub struct FindingRow<'a> {
    pub id: String,
    pub check_id: String,
    pub engagement_id: String,
    pub question_id: &'a str,
    pub section: &'a str,
    pub rules: &'a str,
    pub answer_json: &'a str,
    pub corrective_action: String,
    pub owner_user_id: String,
    pub due_on: NaiveDate,
    pub state: &'static str,
    pub risk_reason: Option<String>,
    pub risk_approved_by: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The rows of the organisation: divisions, staff, vendors.
#[derive(Debug, Default)]
pub struct Organisation {
    pub divisions: Vec<DivisionRow>,
    pub users: Vec<UserRow>,
    pub user_roles: Vec<UserRoleRow>,
    pub user_divisions: Vec<UserDivisionRow>,
    pub vendors: Vec<VendorRow>,
    pub vendor_contacts: Vec<VendorContactRow>,
}

/// The rows of a run of engagements and everything recorded on them. Parents come before
/// their subcontracts, in this run or an earlier one.
#[derive(Debug, Default)]
pub struct Register<'a> {
    pub engagements: Vec<EngagementRow>,
    pub items: Vec<ItemRow>,
    pub status_changes: Vec<StatusChangeRow>,
    pub contracts: Vec<ContractRow>,
    pub assets: Vec<AssetRow>,
    pub approvals: Vec<ApprovalRow>,
    pub waivers: Vec<WaiverRow>,
    pub records: Vec<RecordRow>,
    pub cloud_records: Vec<CloudRecordRow>,
    pub checks: Vec<super::checks::NewCheck<'a>>,
    pub findings: Vec<FindingRow<'a>>,
}

impl Register<'_> {
    pub fn clear(&mut self) {
        self.engagements.clear();
        self.items.clear();
        self.status_changes.clear();
        self.contracts.clear();
        self.assets.clear();
        self.approvals.clear();
        self.waivers.clear();
        self.records.clear();
        self.cloud_records.clear();
        self.checks.clear();
        self.findings.clear();
    }
}

pub fn insert_organisation(conn: &mut DbConnection, rows: &Organisation) -> AppResult<()> {
    insert_rows!(conn, divisions::table, rows.divisions, 4);
    insert_rows!(conn, users::table, rows.users, 15);
    insert_rows!(conn, user_roles::table, rows.user_roles, 2);
    insert_rows!(conn, user_divisions::table, rows.user_divisions, 2);
    insert_rows!(conn, vendors::table, rows.vendors, 6);
    insert_rows!(conn, vendor_contacts::table, rows.vendor_contacts, 6);
    Ok(())
}

/// Inserts the rows in the order their foreign keys need.
pub fn insert_register(conn: &mut DbConnection, rows: &Register) -> AppResult<()> {
    insert_rows!(conn, engagements::table, rows.engagements, 19);
    let ids: Vec<String> = rows.engagements.iter().map(|e| e.id.clone()).collect();
    super::search::reindex(conn, &ids)?;
    insert_rows!(conn, information_items::table, rows.items, 8);
    insert_rows!(conn, status_changes::table, rows.status_changes, 7);
    insert_rows!(conn, contracts::table, rows.contracts, 8);
    insert_rows!(conn, manager_assets::table, rows.assets, 7);
    insert_rows!(conn, approvals::table, rows.approvals, 15);
    insert_rows!(conn, obligation_waivers::table, rows.waivers, 12);
    insert_rows!(conn, engagement_records::table, rows.records, 8);
    insert_rows!(conn, cloud_service_records::table, rows.cloud_records, 6);
    insert_rows!(conn, checks::table, rows.checks, 22);
    insert_rows!(conn, findings::table, rows.findings, 16);
    Ok(())
}

/// [`refresh_statistics`] for the obligations stored after a bulk load.
pub fn settle_obligations(conn: &mut DbConnection) -> AppResult<()> {
    if let DbConnection::Postgresql(c) = conn {
        diesel::sql_query("VACUUM (ANALYZE) engagement_obligations").execute(c)?;
    }
    Ok(())
}

/// How many users there are: a generated register appended to a used database names its
/// people and codes apart from those already there.
pub fn user_count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// After a bulk load, PostgreSQL plans from statistics of the empty tables until autovacuum
/// gets round to them: the obligations derived right after would scan whole tables. The
/// VACUUM sets the visibility map too, without which no index-only scan (a list's total,
/// a page's ids) avoids reading the table. Outside any transaction, as VACUUM must be.
pub fn refresh_statistics(conn: &mut DbConnection) -> AppResult<()> {
    if let DbConnection::Postgresql(c) = conn {
        diesel::sql_query(
            "VACUUM (ANALYZE) divisions, users, user_roles, user_divisions, vendors, vendor_contacts, \
             engagements, information_items, status_changes, contracts, manager_assets, \
             approvals, obligation_waivers, engagement_records, cloud_service_records, checks, \
             findings, obligation_refresh, engagement_search",
        )
        .execute(c)?;
    }
    Ok(())
}

//! Periodic checks, their answers, evidence files, reviews, portal links and findings.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::{
    check_answers, check_evidence, check_reminders, check_reviews, checks, engagements, findings,
    portal_tokens, questionnaire_snapshots,
};
use super::{DbConnection, Rows};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::access::Visibility;
use crate::policy::checks::{CheckState, Verdict};
use crate::policy::findings::FindingState;

/// A check with the questionnaire it was sent with (kept once per distinct text in
/// `questionnaire_snapshots`, and read with the check).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checks)]
pub struct CheckRow {
    pub id: String,
    pub engagement_id: String,
    pub questionnaire_id: String,
    pub questionnaire_version: i32,
    #[diesel(select_expression = questionnaire_snapshots::definition_json)]
    pub definition_json: String,
    pub meets_rules: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_lang: Lang,
    pub state: CheckState,
    pub issued_by: Option<String>,
    pub issued_at: NaiveDateTime,
    pub due_on: NaiveDate,
    pub submitted_at: Option<NaiveDateTime>,
    pub signed_name: Option<String>,
    pub signed_title: Option<String>,
    pub accepted_by: Option<String>,
    pub accepted_on: Option<NaiveDate>,
    pub score_percent: Option<i32>,
    pub scores_json: Option<String>,
    pub updated_at: NaiveDateTime,
    /// The end-of-term attestation, not a periodic check.
    pub end_of_term: bool,
}

/// A check without its definition, for lists.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = checks)]
pub struct CheckSummary {
    pub id: String,
    pub engagement_id: String,
    pub questionnaire_id: String,
    pub questionnaire_version: i32,
    pub meets_rules: String,
    pub contact_name: String,
    pub contact_email: String,
    pub state: CheckState,
    pub issued_by: Option<String>,
    pub issued_at: NaiveDateTime,
    pub due_on: NaiveDate,
    pub submitted_at: Option<NaiveDateTime>,
    pub accepted_on: Option<NaiveDate>,
    pub score_percent: Option<i32>,
    pub scores_json: Option<String>,
    pub end_of_term: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = check_evidence)]
pub struct EvidenceMeta {
    pub id: String,
    pub check_id: String,
    pub question_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = check_evidence)]
pub struct NewEvidence {
    pub id: String,
    pub check_id: String,
    pub question_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = check_reviews)]
pub struct ReviewRow {
    pub id: String,
    pub check_id: String,
    pub decision: Verdict,
    pub comment: String,
    /// JSON object: question id → comment.
    pub question_comments: String,
    pub reviewed_by: String,
    pub reviewed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = portal_tokens)]
pub struct TokenRow {
    pub id: String,
    pub check_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub id: String,
    pub check_id: String,
    pub engagement_id: String,
    pub question_id: String,
    pub section: String,
    /// Rule IDs, space-separated.
    pub rules: String,
    pub answer_json: String,
    pub corrective_action: String,
    pub owner_user_id: String,
    pub due_on: NaiveDate,
    pub state: FindingState,
    pub risk_reason: Option<String>,
    pub risk_approved_by: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// A check as written: its questionnaire by the id of the copy kept
/// ([`keep_snapshot`]). The bulk load writes many of one questionnaire's at a time.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = checks, treat_none_as_default_value = false)]
pub struct NewCheck<'a> {
    pub id: String,
    pub engagement_id: String,
    pub questionnaire_id: &'a str,
    pub questionnaire_version: i32,
    pub snapshot_id: &'a str,
    pub meets_rules: &'a str,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_lang: &'static str,
    pub state: &'static str,
    pub issued_by: Option<String>,
    pub issued_at: NaiveDateTime,
    pub due_on: NaiveDate,
    pub submitted_at: Option<NaiveDateTime>,
    pub signed_name: Option<String>,
    pub signed_title: Option<String>,
    pub accepted_by: Option<String>,
    pub accepted_on: Option<NaiveDate>,
    pub score_percent: Option<i32>,
    pub scores_json: Option<String>,
    pub updated_at: NaiveDateTime,
    pub end_of_term: bool,
}

/// The name a questionnaire's copy is kept under: the SHA-256 of its text, so that
/// every check sent with the same text shares one copy, whichever instance sent it.
pub fn snapshot_id(definition_json: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(definition_json.as_bytes()))
}

/// Keeps a copy of the questionnaire as checks are sent with it, once (a copy already
/// kept is left as it is); returns its id.
pub fn keep_snapshot(
    conn: &mut DbConnection,
    questionnaire_id: &str,
    questionnaire_version: i32,
    definition_json: &str,
) -> AppResult<String> {
    let id = snapshot_id(definition_json);
    let row = (
        questionnaire_snapshots::id.eq(&id),
        questionnaire_snapshots::questionnaire_id.eq(questionnaire_id),
        questionnaire_snapshots::questionnaire_version.eq(questionnaire_version),
        questionnaire_snapshots::definition_json.eq(definition_json),
    );
    match conn {
        DbConnection::Postgresql(c) => diesel::insert_into(questionnaire_snapshots::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_into(questionnaire_snapshots::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(id)
}

/// Inserts a check, keeping its questionnaire's copy; `false` when the engagement already
/// has an open check of this questionnaire (the unique index decides, so concurrent
/// issuers agree).
pub fn insert(conn: &mut DbConnection, row: &CheckRow) -> AppResult<bool> {
    let snapshot_id = keep_snapshot(
        conn,
        &row.questionnaire_id,
        row.questionnaire_version,
        &row.definition_json,
    )?;
    let new = NewCheck {
        id: row.id.clone(),
        engagement_id: row.engagement_id.clone(),
        questionnaire_id: &row.questionnaire_id,
        questionnaire_version: row.questionnaire_version,
        snapshot_id: &snapshot_id,
        meets_rules: &row.meets_rules,
        contact_name: row.contact_name.clone(),
        contact_email: row.contact_email.clone(),
        contact_lang: row.contact_lang.as_str(),
        state: row.state.as_str(),
        issued_by: row.issued_by.clone(),
        issued_at: row.issued_at,
        due_on: row.due_on,
        submitted_at: row.submitted_at,
        signed_name: row.signed_name.clone(),
        signed_title: row.signed_title.clone(),
        accepted_by: row.accepted_by.clone(),
        accepted_on: row.accepted_on,
        score_percent: row.score_percent,
        scores_json: row.scores_json.clone(),
        updated_at: row.updated_at,
        end_of_term: row.end_of_term,
    };
    match diesel::insert_into(checks::table)
        .values(&new)
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Records that the vendor was reminded of a check at `stage`; `false` when they already
/// were (the primary key decides, so two sweeps at once remind once).
pub fn record_reminder(
    conn: &mut DbConnection,
    check_id: &str,
    stage: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let row = (
        check_reminders::check_id.eq(check_id),
        check_reminders::stage.eq(stage),
        check_reminders::sent_at.eq(now),
    );
    let n = match conn {
        DbConnection::Postgresql(c) => diesel::insert_into(check_reminders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_into(check_reminders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(n == 1)
}

/// The engagement's end-of-term attestation, the latest when it was sent again.
pub fn attestation_of(conn: &mut DbConnection, engagement_id: &str) -> AppResult<Option<CheckRow>> {
    Ok(checks::table
        .inner_join(questionnaire_snapshots::table)
        .filter(checks::engagement_id.eq(engagement_id))
        .filter(checks::end_of_term.eq(true))
        .order((checks::issued_at.desc(), checks::id.desc()))
        .select(CheckRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<CheckRow>> {
    Ok(checks::table
        .inner_join(questionnaire_snapshots::table)
        .filter(checks::id.eq(id))
        .select(CheckRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Default, Clone)]
pub struct CheckFilter {
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub division_id: Option<String>,
    /// The state as people see it on `today`: `overdue` is an open check past its due
    /// date, and an open state means one not yet overdue.
    pub state: Option<(CheckState, NaiveDate)>,
}

/// A listed row with its engagement's title and vendor id.
pub type Listed<T> = (T, String, String);

const OPEN_TO_VENDOR: [&str; 3] = ["sent", "in_progress", "returned"];

// Applies the visibility and the filters to a query over checks joined to their
// engagement, for the page and again for the total.
macro_rules! filtered_checks {
    ($visibility:expr, $filter:expr) => {{
        let mut q = checks::table.inner_join(engagements::table).into_boxed();
        if let Visibility::Divisions(ids) = $visibility {
            q = q.filter(engagements::division_id.eq_any(ids.clone()));
        }
        if let Some(e) = &$filter.engagement_id {
            q = q.filter(checks::engagement_id.eq(e.clone()));
        }
        if let Some(v) = &$filter.vendor_id {
            q = q.filter(engagements::vendor_id.eq(v.clone()));
        }
        if let Some(d) = &$filter.division_id {
            q = q.filter(engagements::division_id.eq(d.clone()));
        }
        match $filter.state {
            None => {}
            Some((CheckState::Overdue, today)) => {
                q = q.filter(
                    checks::state
                        .eq_any(OPEN_TO_VENDOR)
                        .and(checks::due_on.lt(today)),
                );
            }
            Some((state, today)) if state.open_to_vendor() => {
                q = q.filter(
                    checks::state
                        .eq(state.as_str())
                        .and(checks::due_on.ge(today)),
                );
            }
            Some((state, _)) => q = q.filter(checks::state.eq(state.as_str())),
        }
        q
    }};
}

/// Checks of engagements the actor may see, newest first, with their engagement's title
/// and vendor, and how many match in all.
pub fn list(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &CheckFilter,
    rows: Rows,
) -> AppResult<(Vec<Listed<CheckSummary>>, i64)> {
    let total: i64 = filtered_checks!(visibility, filter)
        .count()
        .get_result(conn)?;
    let mut q = filtered_checks!(visibility, filter)
        .order((checks::issued_at.desc(), checks::id.desc()))
        .select((
            CheckSummary::as_select(),
            engagements::title,
            engagements::vendor_id,
        ));
    if let Rows::Page { offset, limit } = rows {
        q = q.offset(offset).limit(limit);
    }
    Ok((q.load(conn)?, total))
}

/// Every check not yet accepted, for the deadline view and the sweep.
pub fn open_checks(conn: &mut DbConnection) -> AppResult<Vec<CheckSummary>> {
    Ok(checks::table
        .filter(checks::state.ne("accepted"))
        .order(checks::id.asc())
        .select(CheckSummary::as_select())
        .load(conn)?)
}

/// The (engagement, questionnaire) of every check not yet accepted: what the sweep asks
/// before sending a periodic check, without reading each check whole.
pub fn open_questionnaires(
    conn: &mut DbConnection,
) -> AppResult<std::collections::HashSet<(String, String)>> {
    let rows: Vec<(String, String)> = checks::table
        .filter(checks::state.ne("accepted"))
        .select((checks::engagement_id, checks::questionnaire_id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Moves a check from one of `from` to `to`, setting the other columns given by the
/// caller's update; `false` when its state was not one of `from` (someone else moved it).
pub fn set_state(
    conn: &mut DbConnection,
    id: &str,
    from: &[&str],
    to: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(
        checks::table
            .filter(checks::id.eq(id))
            .filter(checks::state.eq_any(from.iter().map(|s| s.to_string()))),
    )
    .set((checks::state.eq(to), checks::updated_at.eq(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Writes to the check's row, so that the transaction holds its lock until it ends.
pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(checks::table.find(id))
        .set(checks::updated_at.eq(now))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn record_submission(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    title: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(checks::table.find(id))
        .set((
            checks::signed_name.eq(name),
            checks::signed_title.eq(title),
            checks::submitted_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_acceptance(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    on: NaiveDate,
    score_percent: Option<i32>,
    scores_json: &str,
) -> AppResult<()> {
    diesel::update(checks::table.find(id))
        .set((
            checks::accepted_by.eq(by),
            checks::accepted_on.eq(on),
            checks::score_percent.eq(score_percent),
            checks::scores_json.eq(scores_json),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_due_on(conn: &mut DbConnection, id: &str, due_on: NaiveDate) -> AppResult<()> {
    diesel::update(checks::table.find(id))
        .set(checks::due_on.eq(due_on))
        .execute(conn)?;
    Ok(())
}

/// The stored answers: question id → answer JSON.
pub fn answers(conn: &mut DbConnection, check_id: &str) -> AppResult<BTreeMap<String, String>> {
    let rows: Vec<(String, String)> = check_answers::table
        .filter(check_answers::check_id.eq(check_id))
        .select((check_answers::question_id, check_answers::answer_json))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Replaces every answer of a check with `answers` (question id → answer JSON).
pub fn replace_answers(
    conn: &mut DbConnection,
    check_id: &str,
    answers: &BTreeMap<String, String>,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::delete(check_answers::table.filter(check_answers::check_id.eq(check_id)))
        .execute(conn)?;
    let rows: Vec<_> = answers
        .iter()
        .map(|(q, a)| {
            (
                check_answers::check_id.eq(check_id),
                check_answers::question_id.eq(q),
                check_answers::answer_json.eq(a),
                check_answers::updated_at.eq(now),
            )
        })
        .collect();
    if !rows.is_empty() {
        // A multi-row insert is backend-specific SQL: MultiConnection cannot build it.
        match conn {
            DbConnection::Postgresql(c) => diesel::insert_into(check_answers::table)
                .values(&rows)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(check_answers::table)
                .values(&rows)
                .execute(c)?,
        };
    }
    Ok(())
}

pub fn evidence(conn: &mut DbConnection, check_id: &str) -> AppResult<Vec<EvidenceMeta>> {
    Ok(check_evidence::table
        .filter(check_evidence::check_id.eq(check_id))
        .order((check_evidence::uploaded_at.asc(), check_evidence::id.asc()))
        .select(EvidenceMeta::as_select())
        .load(conn)?)
}

pub fn insert_evidence(conn: &mut DbConnection, file: &NewEvidence) -> AppResult<()> {
    diesel::insert_into(check_evidence::table)
        .values(file)
        .execute(conn)?;
    Ok(())
}

/// `true` when the file was there.
pub fn delete_evidence(
    conn: &mut DbConnection,
    check_id: &str,
    evidence_id: &str,
) -> AppResult<bool> {
    let n = diesel::delete(
        check_evidence::table
            .filter(check_evidence::check_id.eq(check_id))
            .filter(check_evidence::id.eq(evidence_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

pub fn evidence_content(
    conn: &mut DbConnection,
    check_id: &str,
    evidence_id: &str,
) -> AppResult<Option<(EvidenceMeta, Vec<u8>)>> {
    Ok(check_evidence::table
        .filter(check_evidence::check_id.eq(check_id))
        .filter(check_evidence::id.eq(evidence_id))
        .select((EvidenceMeta::as_select(), check_evidence::content))
        .first(conn)
        .optional()?)
}

pub fn insert_review(conn: &mut DbConnection, row: &ReviewRow) -> AppResult<()> {
    diesel::insert_into(check_reviews::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Reviews of a check, oldest first.
pub fn reviews(conn: &mut DbConnection, check_id: &str) -> AppResult<Vec<ReviewRow>> {
    Ok(check_reviews::table
        .filter(check_reviews::check_id.eq(check_id))
        .order((check_reviews::reviewed_at.asc(), check_reviews::id.asc()))
        .select(ReviewRow::as_select())
        .load(conn)?)
}

pub fn insert_token(conn: &mut DbConnection, row: &TokenRow) -> AppResult<()> {
    diesel::insert_into(portal_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_token(conn: &mut DbConnection, hash: &str) -> AppResult<Option<TokenRow>> {
    Ok(portal_tokens::table
        .filter(portal_tokens::token_hash.eq(hash))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn tokens(conn: &mut DbConnection, check_id: &str) -> AppResult<Vec<TokenRow>> {
    Ok(portal_tokens::table
        .filter(portal_tokens::check_id.eq(check_id))
        .order(portal_tokens::created_at.asc())
        .select(TokenRow::as_select())
        .load(conn)?)
}

pub fn touch_token(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(portal_tokens::table.find(id))
        .set(portal_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Revokes every live link of a check; returns how many.
pub fn revoke_tokens(
    conn: &mut DbConnection,
    check_id: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        portal_tokens::table
            .filter(portal_tokens::check_id.eq(check_id))
            .filter(portal_tokens::revoked_at.is_null()),
    )
    .set(portal_tokens::revoked_at.eq(now))
    .execute(conn)?)
}

/// Moves the expiry of a check's live links to at least `expires_at`.
pub fn extend_tokens(
    conn: &mut DbConnection,
    check_id: &str,
    expires_at: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(
        portal_tokens::table
            .filter(portal_tokens::check_id.eq(check_id))
            .filter(portal_tokens::revoked_at.is_null())
            .filter(portal_tokens::expires_at.lt(expires_at)),
    )
    .set(portal_tokens::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(())
}

pub fn insert_findings(conn: &mut DbConnection, rows: &[FindingRow]) -> AppResult<()> {
    if !rows.is_empty() {
        match conn {
            DbConnection::Postgresql(c) => diesel::insert_into(findings::table)
                .values(rows)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(findings::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(())
}

pub fn find_finding(conn: &mut DbConnection, id: &str) -> AppResult<Option<FindingRow>> {
    Ok(findings::table
        .find(id)
        .select(FindingRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update_finding(conn: &mut DbConnection, row: &FindingRow) -> AppResult<()> {
    diesel::update(findings::table.find(&row.id))
        .set((
            findings::corrective_action.eq(&row.corrective_action),
            findings::owner_user_id.eq(&row.owner_user_id),
            findings::due_on.eq(row.due_on),
            findings::state.eq(&row.state),
            findings::risk_reason.eq(&row.risk_reason),
            findings::risk_approved_by.eq(&row.risk_approved_by),
            findings::closed_at.eq(row.closed_at),
            findings::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// What findings to list; `state` is a stored state or `None` with `overdue_on`.
#[derive(Debug, Default, Clone)]
pub struct FindingFilter {
    pub engagement_id: Option<String>,
    pub vendor_id: Option<String>,
    pub check_id: Option<String>,
    pub state: Option<FindingState>,
    /// Only findings open or in progress past their due date on this day.
    pub overdue_on: Option<NaiveDate>,
    pub owner_user_id: Option<String>,
}

macro_rules! filtered_findings {
    ($visibility:expr, $filter:expr) => {{
        let mut q = findings::table.inner_join(engagements::table).into_boxed();
        if let Visibility::Divisions(ids) = $visibility {
            q = q.filter(engagements::division_id.eq_any(ids.clone()));
        }
        if let Some(e) = &$filter.engagement_id {
            q = q.filter(findings::engagement_id.eq(e.clone()));
        }
        if let Some(v) = &$filter.vendor_id {
            q = q.filter(engagements::vendor_id.eq(v.clone()));
        }
        if let Some(c) = &$filter.check_id {
            q = q.filter(findings::check_id.eq(c.clone()));
        }
        if let Some(s) = $filter.state {
            q = q.filter(findings::state.eq(s.as_str()));
        }
        if let Some(today) = $filter.overdue_on {
            q = q.filter(
                findings::state
                    .eq_any(OPEN_FINDINGS)
                    .and(findings::due_on.lt(today)),
            );
        }
        if let Some(o) = &$filter.owner_user_id {
            q = q.filter(findings::owner_user_id.eq(o.clone()));
        }
        q
    }};
}

const OPEN_FINDINGS: [&str; 2] = ["open", "in_progress"];

/// Findings of engagements the actor may see, with their engagement's title and vendor,
/// by due date, and how many match in all.
pub fn list_findings(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &FindingFilter,
    rows: Rows,
) -> AppResult<(Vec<Listed<FindingRow>>, i64)> {
    let total: i64 = filtered_findings!(visibility, filter)
        .count()
        .get_result(conn)?;
    let mut q = filtered_findings!(visibility, filter)
        .order((findings::due_on.asc(), findings::id.asc()))
        .select((
            FindingRow::as_select(),
            engagements::title,
            engagements::vendor_id,
        ));
    if let Rows::Page { offset, limit } = rows {
        q = q.offset(offset).limit(limit);
    }
    Ok((q.load(conn)?, total))
}

/// Findings still open or in progress, for the deadline view and the sweep.
pub fn open_findings(conn: &mut DbConnection) -> AppResult<Vec<FindingRow>> {
    Ok(findings::table
        .filter(findings::state.eq_any(OPEN_FINDINGS))
        .order(findings::id.asc())
        .select(FindingRow::as_select())
        .load(conn)?)
}

/// A check not yet accepted, or an open finding.
pub enum Open {
    Check(CheckSummary),
    Finding(FindingRow),
}

/// Every check not yet accepted and every open finding, each with the names of its
/// engagement, handed to `each` as the rows are read: what the reminder sweep looks at.
pub fn each_open(
    conn: &mut DbConnection,
    mut each: impl FnMut(Open, super::engagements::EngagementNames),
) -> AppResult<()> {
    use super::engagements::EngagementNames;
    use diesel::connection::DefaultLoadingMode;
    let rows = checks::table
        .inner_join(engagements::table)
        .filter(checks::state.ne("accepted"))
        .select((CheckSummary::as_select(), EngagementNames::as_select()))
        .load_iter::<_, DefaultLoadingMode>(conn)?;
    for row in rows {
        let (check, engagement) = row?;
        each(Open::Check(check), engagement);
    }
    let rows = findings::table
        .inner_join(engagements::table)
        .filter(findings::state.eq_any(OPEN_FINDINGS))
        .select((FindingRow::as_select(), EngagementNames::as_select()))
        .load_iter::<_, DefaultLoadingMode>(conn)?;
    for row in rows {
        let (finding, engagement) = row?;
        each(Open::Finding(finding), engagement);
    }
    Ok(())
}

/// The per-engagement interval override.
pub fn set_interval(
    conn: &mut DbConnection,
    engagement_id: &str,
    months: Option<i16>,
) -> AppResult<()> {
    diesel::update(engagements::table.find(engagement_id))
        .set(engagements::check_interval_months.eq(months))
        .execute(conn)?;
    Ok(())
}

/// Findings of one engagement still open or in progress.
pub fn count_open_findings(conn: &mut DbConnection, engagement_id: &str) -> AppResult<i64> {
    Ok(findings::table
        .filter(findings::engagement_id.eq(engagement_id))
        .filter(findings::state.eq_any(OPEN_FINDINGS))
        .count()
        .get_result(conn)?)
}

/// The open checks of the engagements `user_id` is responsible for.
pub fn open_checks_of_responsible(
    conn: &mut DbConnection,
    user_id: &str,
) -> AppResult<Vec<CheckSummary>> {
    Ok(checks::table
        .inner_join(engagements::table)
        .filter(engagements::responsible_user_id.eq(user_id))
        .filter(checks::state.ne("accepted"))
        .order(checks::id.asc())
        .select(CheckSummary::as_select())
        .load(conn)?)
}

/// The open findings whose corrective action `user_id` owns.
pub fn open_findings_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<FindingRow>> {
    Ok(findings::table
        .filter(findings::owner_user_id.eq(user_id))
        .filter(findings::state.eq_any(OPEN_FINDINGS))
        .order(findings::id.asc())
        .select(FindingRow::as_select())
        .load(conn)?)
}

//! Each engagement's obligations as stored (`engagement_obligations`), the engagements
//! whose facts changed (`obligation_refresh`, filled by triggers) and what the rows were
//! derived with (`obligation_derivation`). The state of a row on a day is decided here in
//! SQL exactly as `policy::obligations::Standing::on` decides it in Rust: met while
//! `met_until` has not passed; else waived while `waived_until` has not; else overdue once
//! `due_on` has; else open.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::count::{self, Total};
use super::engagements::EngagementNames;
use super::schema::obligation_refresh;
use super::schema::{engagement_obligations as eo, engagements, obligation_derivation};
use super::DbConnection;
use crate::error::AppResult;
use crate::policy::access::Visibility;
use crate::policy::obligations::ObligationState;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = eo)]
pub struct StoredObligation {
    pub engagement_id: String,
    pub position: i32,
    pub rule_id: String,
    pub subject: Option<String>,
    pub subject_name: Option<String>,
    pub via: Option<String>,
    pub owner_role: String,
    pub assignee_user_id: Option<String>,
    pub owner_division_id: Option<String>,
    pub division_id: String,
    pub due_on: Option<NaiveDate>,
    pub met_on: Option<NaiveDate>,
    pub met_until: Option<NaiveDate>,
    pub waiver_reason: Option<String>,
    pub waiver_by: Option<String>,
    pub waived_until: Option<NaiveDate>,
}

/// The engagements whose facts changed and whose rows are not yet recomputed, at most
/// `limit` of them.
pub fn changed(conn: &mut DbConnection, limit: i64) -> AppResult<Vec<String>> {
    Ok(obligation_refresh::table
        .select(obligation_refresh::engagement_id)
        .order(obligation_refresh::engagement_id.asc())
        .limit(limit)
        .load(conn)?)
}

/// How many engagements are marked as changed.
pub fn changed_count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(obligation_refresh::table.count().get_result(conn)?)
}

/// Replaces the rows of these engagements by `rows` and forgets that they changed.
pub fn replace(
    conn: &mut DbConnection,
    engagement_ids: &[String],
    rows: &[StoredObligation],
) -> AppResult<()> {
    // Bound parameters per statement stay well under SQLite's limit (32,766).
    for ids in engagement_ids.chunks(1000) {
        diesel::delete(eo::table.filter(eo::engagement_id.eq_any(ids))).execute(conn)?;
        diesel::delete(
            obligation_refresh::table.filter(obligation_refresh::engagement_id.eq_any(ids)),
        )
        .execute(conn)?;
    }
    // A multi-row insert is backend-specific SQL: MultiConnection cannot build it. 1,000
    // rows of 16 columns stay under SQLite's limit of bound parameters.
    for chunk in rows.chunks(1000) {
        match conn {
            DbConnection::Postgresql(c) => {
                diesel::insert_into(eo::table).values(chunk).execute(c)?
            }
            DbConnection::Sqlite(c) => diesel::insert_into(eo::table).values(chunk).execute(c)?,
        };
    }
    Ok(())
}

/// Marks every engagement as changed: its rows are recomputed.
pub fn mark_all(conn: &mut DbConnection) -> AppResult<()> {
    diesel::delete(obligation_refresh::table).execute(conn)?;
    diesel::insert_into(obligation_refresh::table)
        .values(engagements::table.select(engagements::id))
        .into_columns(obligation_refresh::engagement_id)
        .execute(conn)?;
    Ok(())
}

/// What the stored rows were derived with.
pub fn fingerprint(conn: &mut DbConnection) -> AppResult<Option<String>> {
    Ok(obligation_derivation::table
        .find(1)
        .select(obligation_derivation::fingerprint)
        .first(conn)
        .optional()?)
}

pub fn set_fingerprint(conn: &mut DbConnection, fingerprint: &str) -> AppResult<()> {
    diesel::delete(obligation_derivation::table).execute(conn)?;
    diesel::insert_into(obligation_derivation::table)
        .values((
            obligation_derivation::id.eq(1),
            obligation_derivation::fingerprint.eq(fingerprint),
        ))
        .execute(conn)?;
    Ok(())
}

/// The rows of one engagement, in the order they were derived.
pub fn of_engagement(conn: &mut DbConnection, id: &str) -> AppResult<Vec<StoredObligation>> {
    Ok(eo::table
        .filter(eo::engagement_id.eq(id))
        .order(eo::position.asc())
        .select(StoredObligation::as_select())
        .load(conn)?)
}

// Neither met nor waived for good: implied by the "not met" and "no waiver" conditions on
// any day, and said again in the words of the partial indexes' condition
// (`engagement_obligations_unsettled`, `engagement_obligations_role_unsettled`): SQLite
// plans a partial index only for a query that carries its condition as one of its own.
macro_rules! unsettled {
    () => {
        eo::met_on
            .is_null()
            .or(eo::met_until.is_not_null())
            .and(eo::waiver_by.is_null().or(eo::waived_until.is_not_null()))
    };
}

// The state conditions on `today`, as `Standing::on` decides them. A NULL comparison
// counts as false in a filter, which is what each condition needs: a row met for good
// (`met_until` NULL) is never "not met".
macro_rules! in_state {
    ($query:expr, $state:expr, $today:expr) => {{
        let today: NaiveDate = $today;
        let q = $query;
        let not_met = eo::met_on.is_null().or(eo::met_until.lt(today));
        let no_waiver = eo::waiver_by.is_null().or(eo::waived_until.lt(today));
        let unsettled = unsettled!();
        match $state {
            ObligationState::Met => q.filter(
                eo::met_on
                    .is_not_null()
                    .and(eo::met_until.is_null().or(eo::met_until.ge(today))),
            ),
            ObligationState::Waived => q.filter(not_met).filter(
                eo::waiver_by
                    .is_not_null()
                    .and(eo::waived_until.is_null().or(eo::waived_until.ge(today))),
            ),
            ObligationState::Overdue => q
                .filter(unsettled)
                .filter(not_met)
                .filter(no_waiver)
                .filter(eo::due_on.lt(today)),
            ObligationState::Open => q
                .filter(unsettled)
                .filter(not_met)
                .filter(no_waiver)
                .filter(eo::due_on.is_null().or(eo::due_on.ge(today))),
        }
    }};
}

/// What the register-wide list filters on.
#[derive(Debug, Default, Clone)]
pub struct ObligationFilter {
    pub state: Option<ObligationState>,
    pub division_id: Option<String>,
    pub owner_role: Option<String>,
    pub assignee_user_id: Option<String>,
}

macro_rules! filtered {
    ($query:expr, $visibility:expr, $filter:expr, $today:expr) => {{
        let mut q = $query;
        if let Visibility::Divisions(ids) = $visibility {
            q = q.filter(eo::division_id.eq_any(ids.clone()));
        }
        if let Some(d) = &$filter.division_id {
            q = q.filter(eo::division_id.eq(d.clone()));
        }
        if let Some(r) = &$filter.owner_role {
            q = q.filter(eo::owner_role.eq(r.clone()));
        }
        if let Some(a) = &$filter.assignee_user_id {
            q = q.filter(eo::assignee_user_id.eq(a.clone()));
        }
        match $filter.state {
            Some(state) => in_state!(q, state, $today),
            None => q,
        }
    }};
}

/// One page of the obligations the caller may see, soonest due first (those with no due
/// date first, as the list always showed them), with each one's engagement; and the
/// total, counted exactly up to `count_up_to` rows ([`count::bounded`]).
pub fn list(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &ObligationFilter,
    today: NaiveDate,
    (offset, limit): (i64, i64),
    count_up_to: i64,
) -> AppResult<(Vec<(StoredObligation, String)>, Total)> {
    // Those without a due date first, then the rest by due date: two queries, each in the
    // order of the (due_on, engagement_id, rule_id) index, rather than one ordered by an
    // expression that every request would sort the whole table for (and that the two
    // databases would place NULLs by differently). The page's keys first, from the index
    // alone; then only the page's rows are read and joined to their engagements, so a
    // deep page steps over index entries. The total is counted over the same two halves:
    // a state's "no date, or due today or later" is an OR that neither database reads
    // as a range of the index, and PostgreSQL read 170,000 entries of the past to
    // find 10,001 open rows.
    let open = matches!(filter.state, Some(ObligationState::Open));
    macro_rules! undated {
        () => {
            filtered!(eo::table.into_boxed(), visibility, filter, today)
                .filter(eo::due_on.is_null())
        };
    }
    macro_rules! dated {
        () => {{
            let q = filtered!(eo::table.into_boxed(), visibility, filter, today)
                .filter(eo::due_on.is_not_null());
            // The open rows with a date are due today or later: said as a bound the
            // index's read can start at.
            if open {
                q.filter(eo::due_on.ge(today))
            } else {
                q
            }
        }};
    }
    let mut keys = undated!()
        // `due_on` first, though NULL on every row here: so both databases see the
        // order of the due date index and read it in order, rather than sort (or, on
        // PostgreSQL, walk the primary key for the few undated rows).
        .order((
            eo::due_on.asc(),
            eo::engagement_id.asc(),
            eo::rule_id.asc(),
            eo::position.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((eo::engagement_id, eo::position))
        .load::<(String, i32)>(conn)?;
    let wanted = limit - keys.len() as i64;
    // Whether a row follows the page, known when the page ends among the dated rows (read
    // with one more).
    let mut next = None;
    if wanted > 0 {
        // Where the dated rows begin: after the undated rows this page showed, or, when it
        // showed none, after all of them (fewer than `offset`, so counting them reads no
        // further than the page does).
        let dated_offset = if keys.is_empty() && offset > 0 {
            let undated: i64 = undated!().count().get_result(conn)?;
            (offset - undated).max(0)
        } else {
            0
        };
        let dated = dated!()
            .order((
                eo::due_on.asc(),
                eo::engagement_id.asc(),
                eo::rule_id.asc(),
                eo::position.asc(),
            ))
            .offset(dated_offset)
            .limit(wanted.saturating_add(1))
            .select((eo::engagement_id, eo::position))
            .load::<(String, i32)>(conn)?;
        let (dated, more) = count::split_next(dated, wanted);
        keys.extend(dated);
        next = Some(more);
    }
    let total = count::bounded(
        conn,
        (offset, limit, keys.len()),
        next,
        count_up_to,
        |conn, n| {
            // More than `n` undated rows; or else, after all of them, more than the
            // rest of `n` dated ones.
            let beyond: Vec<i32> = undated!()
                .select(eo::position)
                .offset(n)
                .limit(1)
                .load(conn)?;
            if !beyond.is_empty() {
                return Ok(true);
            }
            let undated: i64 = undated!().count().get_result(conn)?;
            let beyond: Vec<i32> = dated!()
                .select(eo::position)
                .offset(n - undated)
                .limit(1)
                .load(conn)?;
            Ok(!beyond.is_empty())
        },
        |conn| {
            let undated: i64 = undated!().count().get_result(conn)?;
            let dated: i64 = dated!().count().get_result(conn)?;
            Ok(undated + dated)
        },
    )?;
    let mut ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found: std::collections::HashMap<(String, i32), (StoredObligation, String)> = eo::table
        .inner_join(engagements::table)
        .filter(eo::engagement_id.eq_any(&ids))
        .select((StoredObligation::as_select(), engagements::title))
        .load::<(StoredObligation, String)>(conn)?
        .into_iter()
        .map(|(o, title)| ((o.engagement_id.clone(), o.position), (o, title)))
        .collect();
    let rows = keys.iter().filter_map(|k| found.remove(k)).collect();
    Ok((rows, total))
}

/// Every open or overdue obligation with a due date on or before `horizon`, whoever
/// owes it, with the names of its engagement: what the reminder sweep looks at, handed to
/// `each` one at a time as the rows are read (a hundred thousand engagements owe a
/// quarter of a million). In the order of the primary key: most of the table is due, and
/// read in that order each of its pages is read once, where the order of the due date
/// index read each page again for every row on it.
pub fn each_due_by(
    conn: &mut DbConnection,
    today: NaiveDate,
    horizon: NaiveDate,
    mut each: impl FnMut(StoredObligation, EngagementNames) -> AppResult<()>,
) -> AppResult<()> {
    let not_met = eo::met_on.is_null().or(eo::met_until.lt(today));
    let no_waiver = eo::waiver_by.is_null().or(eo::waived_until.lt(today));
    let rows = eo::table
        .inner_join(engagements::table)
        .filter(eo::due_on.le(horizon))
        .filter(not_met)
        .filter(no_waiver)
        .order((eo::engagement_id.asc(), eo::position.asc()))
        .select((StoredObligation::as_select(), EngagementNames::as_select()))
        .load_iter::<(StoredObligation, EngagementNames), diesel::connection::DefaultLoadingMode>(
            conn,
        )?;
    for row in rows {
        let (obligation, engagement) = row?;
        each(obligation, engagement)?;
    }
    Ok(())
}

/// The engagements in one of `statuses` with an obligation under one of `rule_ids` that
/// is due on or before `horizon` and not waived on `today`: those a periodic check may
/// be due for.
pub fn engagements_with_due(
    conn: &mut DbConnection,
    rule_ids: &[String],
    statuses: &[&str],
    today: NaiveDate,
    horizon: NaiveDate,
) -> AppResult<Vec<String>> {
    let no_waiver = eo::waiver_by.is_null().or(eo::waived_until.lt(today));
    Ok(eo::table
        .inner_join(engagements::table)
        .filter(eo::due_on.le(horizon))
        .filter(eo::rule_id.eq_any(rule_ids))
        .filter(no_waiver)
        .filter(engagements::status.eq_any(statuses))
        .select(eo::engagement_id)
        .distinct()
        .order(eo::engagement_id.asc())
        .load(conn)?)
}

/// Who a list of a person's obligations is for: their id, the roles they hold and the
/// divisions they belong to.
pub struct Holder<'a> {
    pub user_id: &'a str,
    pub roles: Vec<String>,
    pub division_ids: Vec<String>,
}

/// The open and overdue obligations with a due date that `holder` owes, by name or by
/// role (in their divisions, for a role that acts per division), due on or before
/// `horizon` when one is given. Their engagements are the caller's to name
/// ([`super::engagements::names`]), each once: a person's obligations and approval
/// requests are often of the same engagements (on PostgreSQL a joined look-up of each
/// row's engagement was 19–26 of the chief system manager's 53 ms).
pub fn owed_by(
    conn: &mut DbConnection,
    holder: &Holder<'_>,
    today: NaiveDate,
    horizon: Option<NaiveDate>,
) -> AppResult<Vec<StoredObligation>> {
    let not_met = eo::met_on.is_null().or(eo::met_until.lt(today));
    let no_waiver = eo::waiver_by.is_null().or(eo::waived_until.lt(today));
    // Indexed lookups, by name, by role for the whole organisation and by role in the
    // holder's divisions, rather than one OR that scans every row of the role.
    let mut by_name = eo::table
        .filter(eo::assignee_user_id.eq(holder.user_id))
        .filter(eo::due_on.is_not_null())
        .filter(not_met)
        .filter(no_waiver)
        .into_boxed();
    if let Some(h) = horizon {
        by_name = by_name.filter(eo::due_on.le(h));
    }
    let mut rows: Vec<StoredObligation> =
        by_name.select(StoredObligation::as_select()).load(conn)?;
    if holder.roles.is_empty() {
        return Ok(rows);
    }
    for in_divisions in [false, true] {
        if in_divisions && holder.division_ids.is_empty() {
            continue;
        }
        let mut by_role = eo::table
            .filter(eo::assignee_user_id.is_null())
            .filter(eo::owner_role.eq_any(holder.roles.clone()))
            .filter(eo::due_on.is_not_null())
            // Read from `engagement_obligations_role_unsettled` alone, in its order.
            .filter(unsettled!())
            .filter(not_met)
            .filter(no_waiver)
            .into_boxed();
        by_role = if in_divisions {
            by_role.filter(eo::owner_division_id.eq_any(holder.division_ids.clone()))
        } else {
            by_role.filter(eo::owner_division_id.is_null())
        };
        if let Some(h) = horizon {
            by_role = by_role.filter(eo::due_on.le(h));
        }
        rows.extend(by_role.select(StoredObligation::as_select()).load(conn)?);
    }
    Ok(rows)
}

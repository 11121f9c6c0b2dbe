use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::count::{self, Total};
use super::schema::{divisions, engagements, information_items, status_changes, users, vendors};
use super::search::{self, Facet, Search};
use super::{like_pattern, lower, new_id, DbConnection};
use crate::domain::engagement::EngagementFields;
use crate::domain::search_text::SearchQuery;
use crate::domain::{ClassificationLevel, EngagementKind, Status};
use crate::error::AppResult;
use crate::policy::access::Visibility;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = engagements)]
pub struct EngagementRow {
    pub id: String,
    pub kind: EngagementKind,
    pub title: String,
    pub division_id: String,
    pub responsible_user_id: String,
    pub vendor_id: String,
    pub scope: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
    pub parent_id: Option<String>,
    pub cloud_service_name: Option<String>,
    pub cloud_data_location: Option<String>,
    pub cloud_ismap: Option<String>,
    pub level: Option<i16>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub level_raised_on: Option<NaiveDate>,
    /// months between periodic checks when not the level's default.
    pub check_interval_months: Option<i16>,
}

impl EngagementRow {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn kind(&self) -> EngagementKind {
        self.kind
    }

    pub fn level(&self) -> Option<ClassificationLevel> {
        self.level
            .and_then(|l| ClassificationLevel::from_rank(l).ok())
    }
}

/// An engagement with the names a list shows beside it.
#[derive(Debug, Clone)]
pub struct EngagementListing {
    pub engagement: EngagementRow,
    pub division_code: String,
    pub division_name: String,
    pub vendor_name: String,
    pub responsible_name: String,
}

type ListingTuple = (EngagementRow, String, String, String, String);

impl From<ListingTuple> for EngagementListing {
    fn from(t: ListingTuple) -> Self {
        EngagementListing {
            engagement: t.0,
            division_code: t.1,
            division_name: t.2,
            vendor_name: t.3,
            responsible_name: t.4,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct EngagementFilter {
    pub kind: Option<EngagementKind>,
    pub level: Option<ClassificationLevel>,
    pub status: Option<Status>,
    pub division_id: Option<String>,
    pub vendor_id: Option<String>,
    pub q: Option<String>,
}

/// How a list of engagements is ordered; the newest first unless asked otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngagementOrder {
    #[default]
    Newest,
    Title,
    StartsOn,
    EndsOn,
    /// Highest level first when descending; engagements without items (no level) last
    /// either way, on both databases.
    Level,
}

fn cloud_columns(fields: &EngagementFields) -> (Option<String>, Option<String>, Option<String>) {
    match &fields.cloud {
        Some(c) => (
            Some(c.service_name.as_str().to_string()),
            Some(c.data_location.as_str().to_string()),
            Some(c.ismap.as_str().to_string()),
        ),
        None => (None, None, None),
    }
}

pub fn insert(
    conn: &mut DbConnection,
    fields: &EngagementFields,
    now: NaiveDateTime,
) -> AppResult<String> {
    let (cloud_service_name, cloud_data_location, cloud_ismap) = cloud_columns(fields);
    let row = EngagementRow {
        id: new_id(),
        kind: fields.kind,
        title: fields.title.as_str().to_string(),
        division_id: fields.division_id.clone(),
        responsible_user_id: fields.responsible_user_id.clone(),
        vendor_id: fields.vendor_id.clone(),
        scope: fields.scope.as_str().to_string(),
        starts_on: fields.starts_on,
        ends_on: fields.ends_on,
        status: Status::Draft,
        parent_id: fields.parent_id.clone(),
        cloud_service_name,
        cloud_data_location,
        cloud_ismap,
        level: None,
        created_at: now,
        updated_at: now,
        level_raised_on: None,
        check_interval_months: None,
    };
    diesel::insert_into(engagements::table)
        .values(&row)
        .execute(conn)?;
    search::reindex(conn, std::slice::from_ref(&row.id))?;
    Ok(row.id)
}

/// Rewrites the editable fields (kind, division and parent stay as registered).
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    fields: &EngagementFields,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (cloud_service_name, cloud_data_location, cloud_ismap) = cloud_columns(fields);
    diesel::update(engagements::table.find(id))
        .set((
            engagements::title.eq(fields.title.as_str()),
            engagements::responsible_user_id.eq(&fields.responsible_user_id),
            engagements::vendor_id.eq(&fields.vendor_id),
            engagements::scope.eq(fields.scope.as_str()),
            engagements::starts_on.eq(fields.starts_on),
            engagements::ends_on.eq(fields.ends_on),
            engagements::cloud_service_name.eq(cloud_service_name),
            engagements::cloud_data_location.eq(cloud_data_location),
            engagements::cloud_ismap.eq(cloud_ismap),
            engagements::updated_at.eq(now),
        ))
        .execute(conn)?;
    search::reindex(conn, &[id.to_string()])?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<EngagementRow>> {
    Ok(engagements::table
        .find(id)
        .select(EngagementRow::as_select())
        .first(conn)
        .optional()?)
}

/// The early end of an engagement: who ended it, when, and why.
pub struct Termination {
    pub user_id: Option<String>,
    pub changed_at: NaiveDateTime,
    pub reason: Option<String>,
}

/// The engagement's early end, when it ended early.
pub fn termination(conn: &mut DbConnection, id: &str) -> AppResult<Option<Termination>> {
    Ok(status_changes::table
        .filter(status_changes::engagement_id.eq(id))
        .filter(status_changes::to_status.eq(Status::Terminated.as_str()))
        .select((
            status_changes::user_id,
            status_changes::changed_at,
            status_changes::reason,
        ))
        .first::<(Option<String>, NaiveDateTime, Option<String>)>(conn)
        .optional()?
        .map(|(user_id, changed_at, reason)| Termination {
            user_id,
            changed_at,
            reason,
        }))
}

/// Whether the engagement ever reached `status`.
pub fn reached(conn: &mut DbConnection, id: &str, status: Status) -> AppResult<bool> {
    let n: i64 = status_changes::table
        .filter(status_changes::engagement_id.eq(id))
        .filter(status_changes::to_status.eq(status.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Active engagements whose end date is before `today`: the sweep moves them to
/// `ending`.
pub fn past_their_end(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<EngagementRow>> {
    Ok(engagements::table
        .filter(engagements::status.eq(Status::Active.as_str()))
        .filter(engagements::ends_on.lt(today))
        .order(engagements::id.asc())
        .select(EngagementRow::as_select())
        .load(conn)?)
}

/// The subcontracts of a designated management, oldest first.
pub fn subcontracts_of(conn: &mut DbConnection, parent_id: &str) -> AppResult<Vec<EngagementRow>> {
    Ok(engagements::table
        .filter(engagements::parent_id.eq(parent_id))
        .order(engagements::id.asc())
        .select(EngagementRow::as_select())
        .load(conn)?)
}

macro_rules! listing_query {
    () => {
        engagements::table
            .inner_join(divisions::table)
            .inner_join(vendors::table)
            .inner_join(users::table)
    };
}

macro_rules! listing_select {
    () => {
        (
            EngagementRow::as_select(),
            divisions::code,
            divisions::name,
            vendors::legal_name,
            users::display_name,
        )
    };
}

pub fn get_listing(conn: &mut DbConnection, id: &str) -> AppResult<Option<EngagementListing>> {
    let row: Option<ListingTuple> = listing_query!()
        .filter(engagements::id.eq(id))
        .select(listing_select!())
        .first(conn)
        .optional()?;
    Ok(row.map(Into::into))
}

// How a query's text is matched against the title, the scope and the vendor's legal
// name: through the search index, or, for text with no word characters at all
// (punctuation only), as typed, by scanning.
enum TextFilter {
    Index(Search),
    Like(String),
}

impl TextFilter {
    fn new(conn: &DbConnection, q: &str) -> TextFilter {
        match SearchQuery::parse(q) {
            Some(query) => TextFilter::Index(Search::new(conn, &query)),
            None => TextFilter::Like(like_pattern(q)),
        }
    }
}

// Applies the visibility and the filters to a query over `engagements` alone: every
// condition is on the engagement's own columns (the text through the search index), so
// that the ids of a page and the total are read
// from `engagements` and its indexes, without the joins.
macro_rules! filtered {
    ($query:expr, $visibility:expr, $filter:expr, $text:expr) => {{
        let mut query = $query;
        if let Visibility::Divisions(ids) = $visibility {
            query = query.filter(engagements::division_id.eq_any(ids.clone()));
        }
        if let Some(kind) = $filter.kind {
            query = query.filter(engagements::kind.eq(kind.as_str()));
        }
        if let Some(level) = $filter.level {
            query = query.filter(engagements::level.eq(level.rank()));
        }
        if let Some(status) = $filter.status {
            query = query.filter(engagements::status.eq(status.as_str()));
        }
        if let Some(d) = &$filter.division_id {
            query = query.filter(engagements::division_id.eq(d.clone()));
        }
        if let Some(v) = &$filter.vendor_id {
            query = query.filter(engagements::vendor_id.eq(v.clone()));
        }
        match $text {
            Some(TextFilter::Index(search)) => {
                let selective = matches!($visibility, Visibility::Divisions(_))
                    || $filter.division_id.is_some()
                    || $filter.vendor_id.is_some();
                query = query.filter(search.matching(selective))
            }
            Some(TextFilter::Like(pattern)) => {
                query = query.filter(
                    lower(engagements::title)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lower(engagements::scope).like(pattern.clone()).escape('\\'))
                        .or(engagements::vendor_id.eq_any(
                            vendors::table
                                .filter(
                                    lower(vendors::legal_name)
                                        .like(pattern.clone())
                                        .escape('\\'),
                                )
                                .select(vendors::id),
                        )),
                )
            }
            None => {}
        }
        query
    }};
}

/// One page of engagements with their division, vendor and responsible person's names,
/// and how many there are in all. The page's ids come first, from `engagements` and the
/// index of the filter or the order, so that skipping to a deep page steps over index
/// entries and never joins the rows it skips; then the page's rows are read with their
/// names. The total is counted only when the page does not already tell it, and exactly
/// only up to `count_up_to` rows ([`count::bounded`]).
pub fn list(
    conn: &mut DbConnection,
    visibility: &Visibility,
    filter: &EngagementFilter,
    (order, descending): (EngagementOrder, bool),
    (offset, limit): (i64, i64),
    count_up_to: i64,
) -> AppResult<(Vec<EngagementListing>, Total)> {
    let text = filter.q.as_deref().map(|q| TextFilter::new(conn, q));
    // A search, newest first (the list's default): the index carries every filter as a
    // facet, so it gives the page and the total alone, without reading `engagements` for
    // every match.
    if let (Some(TextFilter::Index(search)), EngagementOrder::Newest) = (&text, order) {
        let Some(search) = narrowed(search, visibility, filter) else {
            return Ok((Vec::new(), Total::exact(0)));
        };
        let ids = search::page_newest(conn, &search, offset, limit.saturating_add(1))?;
        let (ids, next) = count::split_next(ids, limit);
        let total = count::bounded(
            conn,
            (offset, limit, ids.len()),
            Some(next),
            count_up_to,
            |conn, n| search::more_than(conn, &search, n),
            |conn| search::count(conn, &search),
        )?;
        return Ok((listings(conn, &ids)?, total));
    }
    // The text alone in another order: the index still counts the matches.
    let only_the_text = match &text {
        Some(TextFilter::Index(search)) => {
            let alone = matches!(visibility, Visibility::All)
                && (filter.kind, filter.level, filter.status) == (None, None, None)
                && filter.division_id.is_none()
                && filter.vendor_id.is_none();
            alone.then_some(search)
        }
        _ => None,
    };
    let query = filtered!(
        engagements::table.into_boxed(),
        visibility,
        filter,
        text.as_ref()
    );
    // The id last, so that equal values keep one order from page to page.
    let query = match (order, descending) {
        (EngagementOrder::Newest, _) => query.order(engagements::id.desc()),
        (EngagementOrder::Title, false) => {
            query.order((engagements::title.asc(), engagements::id.asc()))
        }
        (EngagementOrder::Title, true) => {
            query.order((engagements::title.desc(), engagements::id.desc()))
        }
        (EngagementOrder::StartsOn, false) => {
            query.order((engagements::starts_on.asc(), engagements::id.asc()))
        }
        (EngagementOrder::StartsOn, true) => {
            query.order((engagements::starts_on.desc(), engagements::id.desc()))
        }
        (EngagementOrder::EndsOn, false) => {
            query.order((engagements::ends_on.asc(), engagements::id.asc()))
        }
        (EngagementOrder::EndsOn, true) => {
            query.order((engagements::ends_on.desc(), engagements::id.desc()))
        }
        (EngagementOrder::Level, false) => query.order((
            engagements::level.is_null(),
            engagements::level.asc(),
            engagements::id.asc(),
        )),
        (EngagementOrder::Level, true) => query.order((
            engagements::level.is_null(),
            engagements::level.desc(),
            engagements::id.desc(),
        )),
    };
    // A text search with other conditions reads every match to sort them: the total is
    // counted in the same pass (a window over the filtered rows), not by a second query
    // that would search again.
    let searched = matches!(text, Some(TextFilter::Index(_))) && only_the_text.is_none();
    let (ids, counted, next): (Vec<String>, Option<i64>, Option<bool>) = if searched {
        let rows: Vec<(String, i64)> = query
            .offset(offset)
            .limit(limit)
            .select((engagements::id, sql::<BigInt>("count(*) OVER ()")))
            .load(conn)?;
        let counted = rows.first().map(|(_, n)| *n);
        (rows.into_iter().map(|(id, _)| id).collect(), counted, None)
    } else {
        let ids = query
            .offset(offset)
            .limit(limit.saturating_add(1))
            .select(engagements::id)
            .load(conn)?;
        let (ids, next) = count::split_next(ids, limit);
        (ids, None, Some(next))
    };
    let total = match counted {
        Some(n) => Total::exact(n),
        None => count::bounded(
            conn,
            (offset, limit, ids.len()),
            next,
            count_up_to,
            |conn, n| match only_the_text {
                Some(search) => search::more_than(conn, search, n),
                None => {
                    let beyond: Vec<String> = filtered!(
                        engagements::table.into_boxed(),
                        visibility,
                        filter,
                        text.as_ref()
                    )
                    .select(engagements::id)
                    .offset(n)
                    .limit(1)
                    .load(conn)?;
                    Ok(!beyond.is_empty())
                }
            },
            |conn| match only_the_text {
                Some(search) => search::count(conn, search),
                None => Ok(filtered!(
                    engagements::table.into_boxed(),
                    visibility,
                    filter,
                    text.as_ref()
                )
                .count()
                .get_result(conn)?),
            },
        )?,
    };
    Ok((listings(conn, &ids)?, total))
}

/// The search narrowed to the caller's divisions and the list's filters, as facets of
/// the index; `None` when the caller sees no division at all.
fn narrowed(search: &Search, visibility: &Visibility, filter: &EngagementFilter) -> Option<Search> {
    let mut all = Vec::new();
    all.extend(filter.kind.map(Facet::Kind));
    all.extend(filter.level.map(Facet::Level));
    all.extend(filter.status.map(Facet::Status));
    all.extend(filter.division_id.as_deref().map(Facet::Division));
    all.extend(filter.vendor_id.as_deref().map(Facet::Vendor));
    let any: Option<Vec<Facet>> = match visibility {
        Visibility::All => None,
        Visibility::Divisions(ids) => Some(ids.iter().map(|d| Facet::Division(d)).collect()),
    };
    search.narrowed(&all, any.as_deref())
}

/// The engagements of these ids with their names, in the ids' order.
fn listings(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<EngagementListing>> {
    let mut rows: Vec<EngagementListing> = listing_query!()
        .filter(engagements::id.eq_any(ids))
        .select(listing_select!())
        .load::<ListingTuple>(conn)?
        .into_iter()
        .map(Into::into)
        .collect();
    let place: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    rows.sort_by_key(|r| place.get(r.engagement.id.as_str()).copied());
    Ok(rows)
}

/// Moves the status and records who moved it (`None`: the service itself) and why, when a
/// reason is given (an early end), in the caller's transaction.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    (from, to): (Status, Status),
    user_id: Option<&str>,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<bool> {
    // The `status = from` guard makes a concurrent move lose instead of overwrite.
    let changed = diesel::update(
        engagements::table
            .filter(engagements::id.eq(id))
            .filter(engagements::status.eq(from.as_str())),
    )
    .set((
        engagements::status.eq(to.as_str()),
        engagements::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        diesel::insert_into(status_changes::table)
            .values((
                status_changes::id.eq(new_id()),
                status_changes::engagement_id.eq(id),
                status_changes::from_status.eq(from.as_str()),
                status_changes::to_status.eq(to.as_str()),
                status_changes::user_id.eq(user_id),
                status_changes::changed_at.eq(now),
                status_changes::reason.eq(reason),
            ))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// stores the highest level of the engagement's items as its level, and `today`
/// as the day it rose when it did.
pub fn refresh_level(
    conn: &mut DbConnection,
    id: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<Option<ClassificationLevel>> {
    let before: Option<i16> = engagements::table
        .find(id)
        .select(engagements::level)
        .first(conn)?;
    let ranks: Vec<i16> = information_items::table
        .filter(information_items::engagement_id.eq(id))
        .select(information_items::level)
        .load(conn)?;
    let level = ClassificationLevel::highest(
        ranks
            .into_iter()
            .filter_map(|r| ClassificationLevel::from_rank(r).ok()),
    );
    let rank = level.map(ClassificationLevel::rank);
    if rank != before {
        diesel::update(engagements::table.find(id))
            .set((engagements::level.eq(rank), engagements::updated_at.eq(now)))
            .execute(conn)?;
    }
    // A first level is not a rise: what it requires is due from the start date.
    if let (Some(new), Some(old)) = (rank, before) {
        if new > old {
            diesel::update(engagements::table.find(id))
                .set(engagements::level_raised_on.eq(Some(today)))
                .execute(conn)?;
        }
    }
    Ok(level)
}

pub fn count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(engagements::table.count().get_result(conn)?)
}

/// The engagements `user_id` is responsible for.
pub fn of_responsible(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<EngagementRow>> {
    Ok(engagements::table
        .filter(engagements::responsible_user_id.eq(user_id))
        .order(engagements::id.asc())
        .select(EngagementRow::as_select())
        .load(conn)?)
}

/// These engagements.
/// Engagements in one of `statuses` whose term ends from `from` to `to`.
pub fn ending_between(
    conn: &mut DbConnection,
    statuses: &[Status],
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<Vec<EngagementRow>> {
    Ok(engagements::table
        .filter(engagements::ends_on.between(from, to))
        .filter(engagements::status.eq_any(statuses.iter().map(|s| s.as_str())))
        .order((engagements::ends_on.asc(), engagements::id.asc()))
        .select(EngagementRow::as_select())
        .load(conn)?)
}

/// Engagements of a kind, at `min_level` or above, in one of `statuses`.
pub fn of_kind_at_level(
    conn: &mut DbConnection,
    kind: EngagementKind,
    min_level: ClassificationLevel,
    statuses: &[Status],
) -> AppResult<Vec<EngagementRow>> {
    Ok(engagements::table
        .filter(engagements::kind.eq(kind.as_str()))
        .filter(engagements::level.ge(min_level.rank()))
        .filter(engagements::status.eq_any(statuses.iter().map(|s| s.as_str())))
        .order(engagements::id.asc())
        .select(EngagementRow::as_select())
        .load(conn)?)
}

/// The columns a deadline names of its engagement: the sweep reads them beside every
/// obligation, approval request, check and finding it looks at, where a full row each
/// would cost several times as much to read and hold.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = engagements)]
pub struct EngagementNames {
    pub id: String,
    pub title: String,
    pub vendor_id: String,
    pub division_id: String,
    pub responsible_user_id: String,
}

/// What decides which periodic questionnaire an engagement answers: its kind and level.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = engagements)]
pub struct EngagementClass {
    pub id: String,
    pub kind: EngagementKind,
    pub level: Option<i16>,
}

impl EngagementClass {
    pub fn level(&self) -> Option<ClassificationLevel> {
        self.level
            .and_then(|l| ClassificationLevel::from_rank(l).ok())
    }
}

// The columns `$row` selects of the engagements `ids`, a thousand ids a query (SQLite
// binds each id of an IN list as its own parameter).
macro_rules! by_ids {
    ($conn:expr, $ids:expr, $row:ty) => {{
        let mut out = Vec::with_capacity($ids.len());
        for chunk in $ids.chunks(1000) {
            out.extend(
                engagements::table
                    .filter(engagements::id.eq_any(chunk))
                    .select(<$row>::as_select())
                    .load::<$row>($conn)?,
            );
        }
        Ok(out)
    }};
}

/// [`EngagementClass`] of these engagements (unknown ids are skipped): the sweep asks it
/// of every engagement with a periodic check coming due, tens of thousands a day.
pub fn classes(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<EngagementClass>> {
    by_ids!(conn, ids, EngagementClass)
}

pub fn rows(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<EngagementRow>> {
    by_ids!(conn, ids, EngagementRow)
}

/// The names of the engagements `ids` (distinct), in no particular order: one look-up
/// each, where a join reads an engagement again for each row of it.
pub fn names(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<EngagementNames>> {
    by_ids!(conn, ids, EngagementNames)
}

//! The engagements' search index (`domain::search_text`): SQLite's FTS5 or PostgreSQL's
//! tsvector under GIN, each fed the same tokens. The two engines' SQL differs, so the
//! statements here are written per backend; the rest of the data layer asks only for
//! `Search::matching`, a condition on `engagements.id`, or for a page and a count.
//!
//! The index also carries each engagement's list filters as facet tokens (migration
//! `engagement_search_facets`, kept by triggers): `Search::narrowed` adds them to a
//! query, so that a search with filters is still answered by the index alone.

use diesel::dsl::sql;
use diesel::expression::{AsExpression, SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::schema::{engagements, vendors};
use super::DbConnection;
use crate::domain::search_text::{index_tokens, QueryWord, SearchQuery};
use crate::domain::{ClassificationLevel, EngagementKind, Status};
use crate::error::AppResult;

/// A tsvector holds positions up to this; later tokens share it (they still match alone).
const MAX_POSITION: usize = 16_383;

/// Rows per multi-row statement when many engagements are indexed at once.
const ROWS_PER_STATEMENT: usize = 1_000;

/// The condition "this engagement's title, scope or vendor's name holds every word of the
/// query".
pub type Matching =
    SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, <String as AsExpression<Text>>::Expression>>;

/// A query in the form the connected database's full-text engine reads.
#[derive(Debug, Clone)]
pub struct Search {
    sqlite: bool,
    query: String,
    /// The facets asked for, in the engine's syntax; empty for none. SQLite's FTS5 reads
    /// them in the same expression as the text (both columns are searched); PostgreSQL
    /// holds them in a tsvector column of their own.
    facets: String,
    /// The text asks for more than one lexeme (several words, or a word of more than one
    /// pair), which PostgreSQL's GIN index intersects cheaply: see [`more_than`].
    several_lexemes: bool,
}

/// A list filter the search index can answer (`engagement_facets` in the migrations).
#[derive(Debug, Clone, Copy)]
pub enum Facet<'a> {
    Kind(EngagementKind),
    Level(ClassificationLevel),
    Status(Status),
    Division(&'a str),
    Vendor(&'a str),
}

impl Facet<'_> {
    /// The facet's token: `§`, a letter and the hex of the value as stored, as the
    /// migration's view (SQLite) and function (PostgreSQL) write it.
    fn token(self) -> String {
        let (letter, value) = match self {
            Facet::Kind(k) => ('k', k.as_str().to_string()),
            Facet::Level(l) => ('l', l.rank().to_string()),
            Facet::Status(s) => ('s', s.as_str().to_string()),
            Facet::Division(d) => ('d', d.to_string()),
            Facet::Vendor(v) => ('v', v.to_string()),
        };
        let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
        format!("§{letter}{hex}")
    }
}

impl Search {
    pub fn new(conn: &DbConnection, query: &SearchQuery) -> Search {
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
        let lexemes: usize = (query.words().iter())
            .map(|w| match w {
                QueryWord::Prefix(_) => 1,
                QueryWord::Phrase(pairs) => pairs.len(),
            })
            .sum();
        let words = query.words().iter();
        let query = if sqlite {
            // FTS5: a quoted string is a phrase, `*` after it a prefix.
            words
                .map(|w| match w {
                    QueryWord::Prefix(c) => format!("\"{}\"*", fts5_quoted(c)),
                    QueryWord::Phrase(pairs) => format!(
                        "\"{}\"",
                        pairs
                            .iter()
                            .map(|p| fts5_quoted(p))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        } else {
            // tsquery: `<->` is "followed by", `:*` a prefix.
            words
                .map(|w| match w {
                    QueryWord::Prefix(c) => format!("{}:*", lexeme(c)),
                    QueryWord::Phrase(pairs) => format!(
                        "({})",
                        pairs
                            .iter()
                            .map(|p| lexeme(p))
                            .collect::<Vec<_>>()
                            .join(" <-> ")
                    ),
                })
                .collect::<Vec<_>>()
                .join(" & ")
        };
        Search {
            sqlite,
            query,
            facets: String::new(),
            several_lexemes: lexemes > 1,
        }
    }

    /// The same search, narrowed to engagements with every facet of `all` and, when
    /// `any` is given, one of its facets. `None` when `any` is empty: nothing can match.
    pub fn narrowed(&self, all: &[Facet], any: Option<&[Facet]>) -> Option<Search> {
        let (and, or, quoted): (&str, &str, fn(&str) -> String) = if self.sqlite {
            (" AND ", " OR ", |t| format!("\"{}\"", fts5_quoted(t)))
        } else {
            (" & ", " | ", |t| lexeme(t))
        };
        let mut terms: Vec<String> = all.iter().map(|f| quoted(&f.token())).collect();
        if let Some(any) = any {
            if any.is_empty() {
                return None;
            }
            let one_of: Vec<String> = any.iter().map(|f| quoted(&f.token())).collect();
            terms.push(format!("({})", one_of.join(or)));
        }
        Some(Search {
            facets: terms.join(and),
            ..self.clone()
        })
    }

    /// The condition on `engagement_search` (PostgreSQL), with the text as `$1` and the
    /// facets as `$2`. Both forms take both binds (the facets empty when there are none);
    /// the facets' condition is left out of the text rather than switched off by a bound
    /// value, which a generic plan could not see.
    fn pg_condition(&self) -> &'static str {
        if self.facets.is_empty() {
            "tokens @@ CAST($1 AS tsquery) AND $2 = ''"
        } else {
            "tokens @@ CAST($1 AS tsquery) AND facets @@ CAST($2 AS tsquery)"
        }
    }

    /// What FTS5 is asked to MATCH: the text and the facets in one expression.
    fn fts5_expression(&self) -> String {
        if self.facets.is_empty() {
            self.query.clone()
        } else {
            format!("{} AND {}", self.query, self.facets)
        }
    }

    /// The condition on `engagements.id`. `selective`: the query's other conditions
    /// (a division, a vendor, the caller's own divisions) leave few engagements, which
    /// then drive it and the index is asked about each; otherwise the index's matches
    /// drive it (on SQLite: its planner cannot weigh a full-text match, so the choice is
    /// made here; PostgreSQL's planner makes it from its statistics).
    pub fn matching(&self, selective: bool) -> Matching {
        let (head, tail) = match (self.sqlite, selective) {
            (true, true) => (
                "EXISTS (SELECT 1 FROM engagement_search s \
                 WHERE s.engagement_id = engagements.id AND s.key IN \
                 (SELECT rowid FROM engagement_search_index \
                 WHERE engagement_search_index MATCH ",
                "))",
            ),
            (true, false) => (
                "engagements.id IN (SELECT engagement_id FROM engagement_search WHERE key IN \
                 (SELECT rowid FROM engagement_search_index \
                 WHERE engagement_search_index MATCH ",
                "))",
            ),
            (false, _) => (
                "EXISTS (SELECT 1 FROM engagement_search s \
                 WHERE s.engagement_id = engagements.id AND s.tokens @@ CAST(",
                " AS tsquery))",
            ),
        };
        sql::<Bool>(head)
            .bind::<Text, _>(self.query.clone())
            .sql(tail)
    }
}

// Tokens hold only alphanumeric characters, so neither quote can occur; escaped all the
// same, so that a change to the tokenizer cannot turn into a syntax error.
fn fts5_quoted(token: &str) -> String {
    token.replace('"', "\"\"")
}

fn lexeme(token: &str) -> String {
    format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"))
}

fn tokens_for(conn: &DbConnection, texts: [&str; 3]) -> String {
    let tokens = index_tokens(texts);
    match conn {
        DbConnection::Sqlite(_) => tokens.join(" "),
        DbConnection::Postgresql(_) => tokens
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}:{}", lexeme(t), (i + 1).min(MAX_POSITION)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

// One multi-row upsert of tokens, with the facets the database derives from the
// engagement's columns (`engagement_facets` in the migrations); `values` writes the i-th
// row's placeholders in the backend's syntax, `facets` the facets' expression.
macro_rules! upsert {
    ($conn:expr, $backend:ty, $rows:expr, $values:expr, $facets:expr) => {{
        let values: Vec<String> = (0..$rows.len()).map($values).collect();
        let mut statement = diesel::sql_query(format!(
            "INSERT INTO engagement_search (engagement_id, tokens, facets) \
             SELECT v.column1, v.column2, {} FROM (VALUES {}) AS v \
             WHERE true \
             ON CONFLICT (engagement_id) DO UPDATE \
             SET tokens = excluded.tokens, facets = excluded.facets",
            $facets,
            values.join(", ")
        ))
        .into_boxed::<$backend>();
        for (id, tokens) in $rows {
            statement = statement
                .bind::<Text, _>(id.clone())
                .bind::<Text, _>(tokens.clone());
        }
        statement.execute($conn)?;
    }};
}

/// Indexes (or re-indexes) engagements: their title, scope and vendor's legal name, as
/// stored now, and their facets. Every write of one of those calls this in its
/// transaction, and so does every registration.
pub fn reindex(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    for part in ids.chunks(ROWS_PER_STATEMENT) {
        let texts: Vec<(String, String, String, String)> = engagements::table
            .inner_join(vendors::table)
            .filter(engagements::id.eq_any(part))
            .select((
                engagements::id,
                engagements::title,
                engagements::scope,
                vendors::legal_name,
            ))
            .load(conn)?;
        let rows: Vec<(String, String)> = texts
            .iter()
            .map(|(id, title, scope, vendor)| {
                (id.clone(), tokens_for(conn, [title, scope, vendor]))
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        match conn {
            DbConnection::Sqlite(c) => upsert!(
                c,
                diesel::sqlite::Sqlite,
                &rows,
                |_| "(?, ?)".to_string(),
                "(SELECT f.facets FROM engagement_facets f WHERE f.engagement_id = v.column1)"
            ),
            DbConnection::Postgresql(c) => upsert!(
                c,
                diesel::pg::Pg,
                &rows,
                |i: usize| format!("(${}, CAST(${} AS tsvector))", 2 * i + 1, 2 * i + 2),
                "(SELECT engagement_facets(e.kind, e.status, e.division_id, e.vendor_id, \
                 e.level) FROM engagements e WHERE e.id = v.column1)"
            ),
        }
    }
    Ok(())
}

/// Re-indexes a vendor's engagements, after its legal name changed.
pub fn reindex_vendor(conn: &mut DbConnection, vendor_id: &str) -> AppResult<()> {
    let ids: Vec<String> = engagements::table
        .filter(engagements::vendor_id.eq(vendor_id))
        .select(engagements::id)
        .load(conn)?;
    reindex(conn, &ids)
}

/// Indexes up to `limit` engagements registered before the index existed; how many.
pub fn index_pending(conn: &mut DbConnection, limit: i64) -> AppResult<usize> {
    let ids: Vec<String> = diesel::sql_query(format!(
        "SELECT engagement_id AS id FROM engagement_search WHERE tokens IS NULL LIMIT {limit}"
    ))
    .load::<Id>(conn)?
    .into_iter()
    .map(|i| i.id)
    .collect();
    reindex(conn, &ids)?;
    Ok(ids.len())
}

/// How many engagements hold every word of the query and its facets, counted from the
/// index alone (each engagement has one row there): a searched list's total.
pub fn count(conn: &mut DbConnection, search: &Search) -> AppResult<i64> {
    let n: Vec<Counted> = match conn {
        DbConnection::Sqlite(_) => diesel::sql_query(
            "SELECT count(*) AS n FROM engagement_search_index \
             WHERE engagement_search_index MATCH ?",
        )
        .bind::<Text, _>(search.fts5_expression())
        .load(conn)?,
        DbConnection::Postgresql(_) => diesel::sql_query(format!(
            "SELECT count(*) AS n FROM engagement_search WHERE {}",
            search.pg_condition()
        ))
        .bind::<Text, _>(&search.query)
        .bind::<Text, _>(&search.facets)
        .load(conn)?,
    };
    Ok(n.first().map_or(0, |c| c.n))
}

/// Whether more than `n` engagements hold every word of the query and its facets,
/// reading at most `n + 1` matches: a bounded total's probe (`db::count::bounded`).
/// FTS5 reads its doclist in its own order, with no join. PostgreSQL is asked for one
/// lexeme in the newest order, as for a page: then it may walk the primary key backwards
/// and stop at the match it needs, which for a word held by a third of the register is
/// twice as fast as the bitmap scan it picks when no order is asked (100,000
/// engagements, 16 clients, `保`: 260–318 requests a second against 169). Several
/// lexemes are asked with no order: the bitmap scan intersects their posting lists in
/// the index, where the ordered walk rechecked every row it passed against all of them
/// (`運用保守`, three pairs, 15,266 matches: 123 against 56–69).
pub fn more_than(conn: &mut DbConnection, search: &Search, n: i64) -> AppResult<bool> {
    let found: Vec<Counted> = match conn {
        DbConnection::Sqlite(_) => diesel::sql_query(format!(
            "SELECT 1 AS n FROM engagement_search_index \
             WHERE engagement_search_index MATCH ? LIMIT 1 OFFSET {n}"
        ))
        .bind::<Text, _>(search.fts5_expression())
        .load(conn)?,
        DbConnection::Postgresql(_) => diesel::sql_query(format!(
            "SELECT CAST(1 AS BIGINT) AS n FROM engagement_search WHERE {} \
             {} LIMIT 1 OFFSET {n}",
            search.pg_condition(),
            if search.several_lexemes {
                ""
            } else {
                "ORDER BY engagement_id DESC"
            }
        ))
        .bind::<Text, _>(&search.query)
        .bind::<Text, _>(&search.facets)
        .load(conn)?,
    };
    Ok(!found.is_empty())
}

/// One page of the engagements that hold every word of the query and its facets, the
/// newest first, read from the index alone. SQLite's FTS5 keeps the order in which
/// engagements were registered, so a page there costs its offset and length, whatever
/// the number of matches; PostgreSQL's GIN keeps no order, so its matches are sorted.
pub fn page_newest(
    conn: &mut DbConnection,
    search: &Search,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<String>> {
    let ids: Vec<Id> = match conn {
        DbConnection::Sqlite(_) => diesel::sql_query(format!(
            "SELECT s.engagement_id AS id FROM engagement_search s WHERE s.key IN \
             (SELECT rowid FROM engagement_search_index WHERE engagement_search_index MATCH ? \
              ORDER BY rowid DESC LIMIT {limit} OFFSET {offset}) ORDER BY s.key DESC"
        ))
        .bind::<Text, _>(search.fts5_expression())
        .load(conn)?,
        DbConnection::Postgresql(_) => diesel::sql_query(format!(
            "SELECT engagement_id AS id FROM engagement_search WHERE {} \
             ORDER BY engagement_id DESC LIMIT {limit} OFFSET {offset}",
            search.pg_condition()
        ))
        .bind::<Text, _>(&search.query)
        .bind::<Text, _>(&search.facets)
        .load(conn)?,
    };
    Ok(ids.into_iter().map(|i| i.id).collect())
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{establish, migrate, test_databases};

    /// Every engagement's facets, checked against its own columns: for some searches,
    /// each kind, status and level narrows the matches to exactly those with that value.
    fn facets_follow_the_columns(conn: &mut DbConnection) {
        let rows: Vec<(String, String, String, Option<i16>)> = engagements::table
            .select((
                engagements::id,
                engagements::kind,
                engagements::status,
                engagements::level,
            ))
            .load(conn)
            .unwrap();
        let mut narrowed_some = false;
        for q in ["業", "保守", "シ"] {
            let search = Search::new(conn, &SearchQuery::parse(q).unwrap());
            let all = page_newest(conn, &search, 0, 1_000_000).unwrap();
            let facets = EngagementKind::ALL
                .iter()
                .map(|k| (Facet::Kind(*k), k.as_str().to_string()))
                .chain(
                    Status::ALL
                        .iter()
                        .map(|s| (Facet::Status(*s), s.as_str().to_string())),
                )
                .chain(
                    ClassificationLevel::ALL
                        .iter()
                        .map(|l| (Facet::Level(*l), l.rank().to_string())),
                );
            for (facet, value) in facets {
                let expected: Vec<&String> = all
                    .iter()
                    .filter(|id| {
                        let (_, kind, status, level) = rows.iter().find(|r| &r.0 == *id).unwrap();
                        match facet {
                            Facet::Kind(_) => *kind == value,
                            Facet::Status(_) => *status == value,
                            _ => level.map(|l| l.to_string()) == Some(value.clone()),
                        }
                    })
                    .collect();
                let narrowed = search.narrowed(&[facet], None).unwrap();
                let found = page_newest(conn, &narrowed, 0, 1_000_000).unwrap();
                assert_eq!(found.iter().collect::<Vec<_>>(), expected, "{q} {facet:?}");
                assert_eq!(count(conn, &narrowed).unwrap(), expected.len() as i64);
                narrowed_some |= !expected.is_empty() && expected.len() < all.len();
            }
        }
        assert!(narrowed_some, "the register was too uniform to tell");
    }

    #[test]
    fn facets_are_written_for_new_engagements_and_for_those_registered_before() {
        test_databases::on_each_database_config(|database| {
            test_databases::load_generated(database, 200, 3);
            let mut conn = establish(database).unwrap();
            facets_follow_the_columns(&mut conn);

            // Back to before the facets, and forward again: the migration writes them for
            // the engagements already registered.
            test_databases::revert_through(&mut conn, "20261213000025");
            drop(conn);
            migrate(database).unwrap();
            let mut conn = establish(database).unwrap();
            facets_follow_the_columns(&mut conn);
        });
    }
}

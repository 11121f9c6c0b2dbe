//! The engagements' search index (`domain::search_text`): SQLite's FTS5 or PostgreSQL's
//! tsvector under GIN, each fed the same tokens. The two engines' SQL differs, so the
//! statements here are written per backend; the rest of the data layer asks only for
//! `Search::matching`, a condition on `engagements.id`.

use diesel::dsl::sql;
use diesel::expression::{AsExpression, SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::schema::{engagements, vendors};
use super::DbConnection;
use crate::domain::search_text::{index_tokens, QueryWord, SearchQuery};
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
}

impl Search {
    pub fn new(conn: &DbConnection, query: &SearchQuery) -> Search {
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
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
        Search { sqlite, query }
    }

    /// Whether the index alone can answer a page and a count (SQLite's FTS5 keeps the
    /// order of registration; PostgreSQL's GIN keeps none).
    pub fn in_registration_order(&self) -> bool {
        self.sqlite
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

// One multi-row upsert; `values` writes the i-th row's placeholders in the backend's
// syntax.
macro_rules! upsert {
    ($conn:expr, $backend:ty, $rows:expr, $values:expr) => {{
        let values: Vec<String> = (0..$rows.len()).map($values).collect();
        let mut statement = diesel::sql_query(format!(
            "INSERT INTO engagement_search (engagement_id, tokens) VALUES {} \
             ON CONFLICT (engagement_id) DO UPDATE SET tokens = excluded.tokens",
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
/// stored now. Every write of one of those calls this in its transaction.
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
            DbConnection::Sqlite(c) => {
                upsert!(c, diesel::sqlite::Sqlite, &rows, |_| "(?, ?)".to_string())
            }
            DbConnection::Postgresql(c) => {
                upsert!(c, diesel::pg::Pg, &rows, |i: usize| format!(
                    "(${}, CAST(${} AS tsvector))",
                    2 * i + 1,
                    2 * i + 2
                ))
            }
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

/// How many engagements hold every word of the query, counted from the index alone (each
/// engagement has one row there): the list's total when the query is its only condition.
pub fn count(conn: &mut DbConnection, search: &Search) -> AppResult<i64> {
    let n: Vec<Counted> = match conn {
        DbConnection::Sqlite(_) => diesel::sql_query(
            "SELECT count(*) AS n FROM engagement_search_index \
             WHERE engagement_search_index MATCH ?",
        )
        .bind::<Text, _>(&search.query)
        .load(conn)?,
        DbConnection::Postgresql(_) => diesel::sql_query(
            "SELECT count(*) AS n FROM engagement_search WHERE tokens @@ CAST($1 AS tsquery)",
        )
        .bind::<Text, _>(&search.query)
        .load(conn)?,
    };
    Ok(n.first().map_or(0, |c| c.n))
}

/// One page of the engagements that hold every word of the query, the most recently
/// registered first, read from the index alone (SQLite): the index keeps the order in
/// which engagements were registered, so a page costs its offset and length, whatever
/// the number of matches.
pub fn page_newest(
    conn: &mut DbConnection,
    search: &Search,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<String>> {
    let ids: Vec<Id> = diesel::sql_query(format!(
        "SELECT s.engagement_id AS id FROM engagement_search s WHERE s.key IN \
         (SELECT rowid FROM engagement_search_index WHERE engagement_search_index MATCH ? \
          ORDER BY rowid DESC LIMIT {limit} OFFSET {offset}) ORDER BY s.key DESC"
    ))
    .bind::<Text, _>(&search.query)
    .load(conn)?;
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

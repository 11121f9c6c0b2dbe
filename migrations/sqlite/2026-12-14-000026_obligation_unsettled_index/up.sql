-- The obligations that can be open or overdue on some day: neither met nor waived for
-- good. Most past obligations are met for good (a quarter of a million of 730,000 rows at
-- 100,000 engagements), and a list of the overdue or open ones read them from the due
-- date index only to skip them: its total, counted up to a bound, read 26,000 entries
-- (SQLite) or scanned the table (PostgreSQL) to find 10,001 overdue ones. Read from here,
-- it reads about as many entries as it finds. The list's queries carry this index's
-- condition word for word (`in_state!` in db/obligations.rs), which is how SQLite tells
-- that a partial index may serve a query.
CREATE INDEX engagement_obligations_unsettled ON engagement_obligations
    (due_on, engagement_id, rule_id, position, met_on, met_until, waiver_by, waived_until)
    WHERE (met_on IS NULL OR met_until IS NOT NULL)
      AND (waiver_by IS NULL OR waived_until IS NOT NULL);

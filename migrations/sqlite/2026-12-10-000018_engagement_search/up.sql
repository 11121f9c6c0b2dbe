-- Every filter of the engagement list has an index that ends in the id, so that a
-- filtered page comes in the list's default order (newest first) without a sort, and
-- its total is counted from the index alone. The sort orders the list offers have one
-- each. These replace the single-column indexes on division, vendor and status.
DROP INDEX engagements_division;
DROP INDEX engagements_vendor;
DROP INDEX engagements_status;
CREATE INDEX engagements_division_id ON engagements (division_id, id);
CREATE INDEX engagements_vendor_id ON engagements (vendor_id, id);
CREATE INDEX engagements_status_id ON engagements (status, id);
CREATE INDEX engagements_kind_level_id ON engagements (kind, level, id);
CREATE INDEX engagements_level_id ON engagements (level, id);
CREATE INDEX engagements_title_id ON engagements (title, id);
CREATE INDEX engagements_starts_on_id ON engagements (starts_on, id);
CREATE INDEX engagements_ends_on_id ON engagements (ends_on, id);

-- The search index of engagements' titles and scopes (`domain::search_text`: pairs of
-- characters, so that Japanese substrings of any length are found). The application
-- computes the tokens (`db::search`); FTS5 indexes them, kept in step by the triggers.
-- `key` is the FTS rowid: an INTEGER PRIMARY KEY, which VACUUM keeps, unlike the
-- implicit rowid of `engagements`.
CREATE TABLE engagement_search (
    key           INTEGER PRIMARY KEY,
    engagement_id TEXT NOT NULL UNIQUE REFERENCES engagements (id) ON DELETE CASCADE,
    -- NULL: not indexed yet (engagements registered before this migration; the
    -- service indexes them when it starts).
    tokens        TEXT
);
CREATE INDEX engagement_search_pending ON engagement_search (key) WHERE tokens IS NULL;
-- `ascii`: every non-ASCII character is part of a token, and the tokens are already
-- separated by spaces, normalised and lower-cased.
CREATE VIRTUAL TABLE engagement_search_index USING fts5 (
    tokens,
    content = 'engagement_search',
    content_rowid = 'key',
    tokenize = 'ascii'
);
CREATE TRIGGER engagement_search_insert AFTER INSERT ON engagement_search BEGIN
    INSERT INTO engagement_search_index (rowid, tokens) VALUES (new.key, new.tokens);
END;
CREATE TRIGGER engagement_search_delete AFTER DELETE ON engagement_search BEGIN
    INSERT INTO engagement_search_index (engagement_search_index, rowid, tokens)
    VALUES ('delete', old.key, old.tokens);
END;
CREATE TRIGGER engagement_search_update AFTER UPDATE ON engagement_search BEGIN
    INSERT INTO engagement_search_index (engagement_search_index, rowid, tokens)
    VALUES ('delete', old.key, old.tokens);
    INSERT INTO engagement_search_index (rowid, tokens) VALUES (new.key, new.tokens);
END;
INSERT INTO engagement_search (engagement_id) SELECT id FROM engagements ORDER BY id;

DROP TRIGGER engagement_facets_update;
DROP TRIGGER engagement_search_insert;
DROP TRIGGER engagement_search_delete;
DROP TRIGGER engagement_search_update;
DROP TABLE engagement_search_index;
ALTER TABLE engagement_search DROP COLUMN facets;
DROP VIEW engagement_facets;
CREATE VIRTUAL TABLE engagement_search_index USING fts5 (
    tokens,
    content = 'engagement_search',
    content_rowid = 'key',
    tokenize = 'ascii'
);
INSERT INTO engagement_search_index (engagement_search_index) VALUES ('rebuild');
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

-- The search index also carries each engagement's list filters as "facets" (kind, level,
-- status, division, vendor), so that a search with filters is answered by the index
-- alone: the newest page and the total, whatever the number of matches. A facet token
-- is `§`, a letter for the filter, and the hex of the stored value: `§` is no word
-- character, so no query word can ever match a facet, and a facet is longer than any
-- text token (`domain::search_text`), so the two never collide. `db::search::Facet`
-- writes the same tokens for a query.
--
-- A new engagement's facets are written with its tokens (`db::search::reindex` reads
-- them from the view below); after that they follow the engagement's own columns through
-- the trigger at the end, so no write path has to remember them. One view holds their
-- form.
CREATE VIEW engagement_facets AS
SELECT id AS engagement_id,
       '§k' || hex(kind) || ' §s' || hex(status) || ' §d' || hex(division_id)
           || ' §v' || hex(vendor_id)
           || CASE WHEN level IS NULL THEN '' ELSE ' §l' || hex(level) END AS facets
FROM engagements;

DROP TRIGGER engagement_search_insert;
DROP TRIGGER engagement_search_delete;
DROP TRIGGER engagement_search_update;
DROP TABLE engagement_search_index;

ALTER TABLE engagement_search ADD COLUMN facets TEXT NOT NULL DEFAULT '';
UPDATE engagement_search
SET facets = (SELECT f.facets FROM engagement_facets f
              WHERE f.engagement_id = engagement_search.engagement_id);

-- `prefix = '1'`: a one-character query (a prefix of the pairs it starts) reads one
-- doclist instead of merging every pair that starts with the character.
CREATE VIRTUAL TABLE engagement_search_index USING fts5 (
    tokens,
    facets,
    content = 'engagement_search',
    content_rowid = 'key',
    tokenize = 'ascii',
    prefix = '1'
);
INSERT INTO engagement_search_index (engagement_search_index) VALUES ('rebuild');

CREATE TRIGGER engagement_search_insert AFTER INSERT ON engagement_search BEGIN
    INSERT INTO engagement_search_index (rowid, tokens, facets)
    VALUES (new.key, new.tokens, new.facets);
END;
CREATE TRIGGER engagement_search_delete AFTER DELETE ON engagement_search BEGIN
    INSERT INTO engagement_search_index (engagement_search_index, rowid, tokens, facets)
    VALUES ('delete', old.key, old.tokens, old.facets);
END;
CREATE TRIGGER engagement_search_update AFTER UPDATE ON engagement_search BEGIN
    INSERT INTO engagement_search_index (engagement_search_index, rowid, tokens, facets)
    VALUES ('delete', old.key, old.tokens, old.facets);
    INSERT INTO engagement_search_index (rowid, tokens, facets)
    VALUES (new.key, new.tokens, new.facets);
END;

CREATE TRIGGER engagement_facets_update
AFTER UPDATE OF kind, level, status, division_id, vendor_id ON engagements
WHEN old.kind IS NOT new.kind OR old.level IS NOT new.level OR old.status IS NOT new.status
    OR old.division_id IS NOT new.division_id OR old.vendor_id IS NOT new.vendor_id
BEGIN
    UPDATE engagement_search
    SET facets = (SELECT facets FROM engagement_facets WHERE engagement_id = new.id)
    WHERE engagement_id = new.id;
END;

-- The search index also carries each engagement's list filters as "facets" (kind, level,
-- status, division, vendor), so that a search with filters is answered by the index
-- alone: its total from one GIN lookup, whatever the number of matches. A facet lexeme
-- is `§`, a letter for the filter, and the hex of the stored value: `§` is no word
-- character, so no query word can ever match a facet, and a facet is longer than any
-- text token (`domain::search_text`), so the two never collide. `db::search::Facet`
-- writes the same lexemes for a query.
--
-- A new engagement's facets are written with its tokens (`db::search::reindex` calls
-- the function below); after that they follow the engagement's own columns through the
-- trigger at the end, so no write path has to remember them. One function holds their
-- form.
CREATE FUNCTION engagement_facets(kind TEXT, status TEXT, division_id TEXT, vendor_id TEXT,
                                  level SMALLINT) RETURNS TSVECTOR
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_to_tsvector(array_remove(ARRAY[
        '§k' || encode(convert_to(kind, 'UTF8'), 'hex'),
        '§s' || encode(convert_to(status, 'UTF8'), 'hex'),
        '§d' || encode(convert_to(division_id, 'UTF8'), 'hex'),
        '§v' || encode(convert_to(vendor_id, 'UTF8'), 'hex'),
        '§l' || encode(convert_to(level::TEXT, 'UTF8'), 'hex')
    ], NULL))
$$;

ALTER TABLE engagement_search ADD COLUMN facets TSVECTOR NOT NULL DEFAULT '';
UPDATE engagement_search s
SET facets = engagement_facets(e.kind, e.status, e.division_id, e.vendor_id, e.level)
FROM engagements e
WHERE e.id = s.engagement_id;

-- One GIN over both columns: a search with filters intersects their posting lists in the
-- index; a search alone still uses it.
DROP INDEX engagement_search_tokens;
CREATE INDEX engagement_search_tokens_facets ON engagement_search USING gin (tokens, facets);

CREATE FUNCTION engagement_search_facets() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE engagement_search
    SET facets = engagement_facets(NEW.kind, NEW.status, NEW.division_id, NEW.vendor_id,
                                   NEW.level)
    WHERE engagement_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER engagement_facets
AFTER UPDATE OF kind, level, status, division_id, vendor_id ON engagements
FOR EACH ROW
WHEN ((OLD.kind, OLD.level, OLD.status, OLD.division_id, OLD.vendor_id)
      IS DISTINCT FROM (NEW.kind, NEW.level, NEW.status, NEW.division_id, NEW.vendor_id))
EXECUTE FUNCTION engagement_search_facets();

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
-- computes the tokens (`db::search`) and stores them as a tsvector with their positions,
-- which a GIN index answers: a phrase of pairs, or a one-character prefix.
CREATE TABLE engagement_search (
    engagement_id TEXT PRIMARY KEY REFERENCES engagements (id) ON DELETE CASCADE,
    -- NULL: not indexed yet (engagements registered before this migration; the
    -- service indexes them when it starts).
    tokens        TSVECTOR
);
CREATE INDEX engagement_search_pending ON engagement_search (engagement_id) WHERE tokens IS NULL;
CREATE INDEX engagement_search_tokens ON engagement_search USING gin (tokens);
INSERT INTO engagement_search (engagement_id) SELECT id FROM engagements;

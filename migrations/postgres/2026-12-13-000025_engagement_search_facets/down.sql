DROP TRIGGER engagement_facets ON engagements;
DROP FUNCTION engagement_search_facets();
DROP INDEX engagement_search_tokens_facets;
CREATE INDEX engagement_search_tokens ON engagement_search USING gin (tokens);
ALTER TABLE engagement_search DROP COLUMN facets;
DROP FUNCTION engagement_facets(TEXT, TEXT, TEXT, TEXT, SMALLINT);

-- Contracts (R-8.2, R-7.2, R-9.2): the signed contract's reference, date, the clause IDs
-- it contains and the template version it was drafted from. An engagement may have
-- several (amendments); the one signed last is in force.
CREATE TABLE contracts (
    id               TEXT PRIMARY KEY,
    engagement_id    TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    reference_number TEXT NOT NULL,
    signed_on        DATE NOT NULL,
    -- JSON array of clause IDs, e.g. ["CL-01","CL-02"].
    clause_ids       TEXT NOT NULL,
    template_version TEXT NOT NULL,
    recorded_by      TEXT NOT NULL REFERENCES users(id),
    recorded_at      TIMESTAMP NOT NULL
);
CREATE INDEX contracts_engagement ON contracts(engagement_id);

-- The organisation's date on which the engagement's level last rose: what a higher level
-- requires is due from then (a cloud service moving from §10 to §9).
ALTER TABLE engagements ADD COLUMN level_raised_on DATE;

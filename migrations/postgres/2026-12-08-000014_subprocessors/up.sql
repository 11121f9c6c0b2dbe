-- A cloud provider's subprocessors, kept as the changes that made the list: each
-- addition or removal, who reported it (`reporter_kind` 'vendor' through the portal, or
-- 'staff'), and who acknowledged it. Only acknowledged changes make the list in force.
CREATE TABLE subprocessor_changes (
    id              TEXT PRIMARY KEY,
    engagement_id   TEXT NOT NULL REFERENCES engagements(id),
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    country         TEXT NOT NULL,
    effective_on    DATE NOT NULL,
    reporter_kind   TEXT NOT NULL,
    reported_by     TEXT NOT NULL,
    reported_at     TIMESTAMP NOT NULL,
    acknowledged_by TEXT REFERENCES users(id),
    acknowledged_at TIMESTAMP
);
CREATE INDEX subprocessor_changes_engagement ON subprocessor_changes(engagement_id);

-- The link a provider reports changes through: until it expires, any number of reports
-- (only the token's SHA-256 is kept; a new link ends the old one).
CREATE TABLE subprocessor_links (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    token_hash    TEXT NOT NULL UNIQUE,
    sent_to_name  TEXT NOT NULL,
    sent_to_email TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);

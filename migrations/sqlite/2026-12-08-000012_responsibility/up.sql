-- A cloud service's division of responsibility (R-9.3.1), kept as numbered versions of
-- a matrix: `entries` holds each area's responsible party and notes
-- (`policy::responsibility::Entry` as JSON), `origin` the starting matrix it came from
-- (`saas v1`). A version is sent to the provider through a portal link (only the
-- token's SHA-256 is kept), confirmed or questioned by the provider, and approved by a
-- second person (R-2.6); the newest confirmed and approved version is the agreement.
CREATE TABLE responsibility_versions (
    id                 TEXT PRIMARY KEY,
    engagement_id      TEXT NOT NULL REFERENCES engagements(id),
    version            INTEGER NOT NULL,
    service_model      TEXT NOT NULL,
    origin             TEXT NOT NULL,
    entries            TEXT NOT NULL,
    change_summary     TEXT NOT NULL,
    recorded_by        TEXT NOT NULL REFERENCES users(id),
    recorded_at        TIMESTAMP NOT NULL,
    sent_to_name       TEXT,
    sent_to_email      TEXT,
    sent_at            TIMESTAMP,
    token_hash         TEXT UNIQUE,
    token_expires_at   TIMESTAMP,
    vendor_decision    TEXT,
    vendor_signed_name TEXT,
    vendor_comment     TEXT,
    vendor_decided_at  TIMESTAMP,
    approved_by        TEXT REFERENCES users(id),
    approved_at        TIMESTAMP,
    UNIQUE (engagement_id, version)
);

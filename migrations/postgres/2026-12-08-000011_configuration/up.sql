-- A cloud service's configuration management information (R-9.3.2 at L2/L3, R-10.2 at
-- L1), kept as numbered versions. Each version is kept as recorded: `content` holds the
-- typed record (`policy::configuration::Configuration`) as JSON; `change_summary` says
-- what changed; a second person approves it (R-2.6), and only an approved version meets
-- the obligation, for as long as it is not stale (counted from `recorded_on`, the
-- organisation's date it was recorded).
CREATE TABLE configuration_versions (
    id             TEXT PRIMARY KEY,
    engagement_id  TEXT NOT NULL REFERENCES engagements(id),
    version        INTEGER NOT NULL,
    content        TEXT NOT NULL,
    change_summary TEXT NOT NULL,
    recorded_by    TEXT NOT NULL REFERENCES users(id),
    recorded_on    DATE NOT NULL,
    recorded_at    TIMESTAMP NOT NULL,
    approved_by    TEXT REFERENCES users(id),
    approved_at    TIMESTAMP,
    UNIQUE (engagement_id, version)
);

-- A designated manager's own information systems (R-7.5) and the assets it brings into
-- the facility (R-7.6): records of the engagement, each approved by ROLE-CSM.
CREATE TABLE manager_assets (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(id),
    recorded_at   TIMESTAMP NOT NULL
);
CREATE INDEX manager_assets_engagement ON manager_assets(engagement_id);

-- Approval requests (R-3.3.3, R-7.5, R-7.6). The requester never decides (R-2.6).
CREATE TABLE approvals (
    id                   TEXT PRIMARY KEY,
    engagement_id        TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    rule_id              TEXT NOT NULL,
    subject_id           TEXT NOT NULL,
    subject_name         TEXT NOT NULL,
    requested_by         TEXT NOT NULL REFERENCES users(id),
    requested_at         TIMESTAMP NOT NULL,
    note                 TEXT NOT NULL,
    approver_role        TEXT NOT NULL,
    approver_division_id TEXT REFERENCES divisions(id),
    state                TEXT NOT NULL,
    -- JSON object of the confirmations the rule asks for, as given with the decision.
    confirmations        TEXT NOT NULL,
    decided_by           TEXT REFERENCES users(id),
    decided_at           TIMESTAMP,
    decision_reason      TEXT
);
CREATE INDEX approvals_engagement ON approvals(engagement_id);
CREATE INDEX approvals_state ON approvals(state);

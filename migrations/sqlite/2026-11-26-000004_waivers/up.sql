-- An obligation waived, with the reason and by whom (never the person who owes it, R-2.6).
-- subject_id is '' when the rule applies to the engagement as a whole.
CREATE TABLE obligation_waivers (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    rule_id       TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    waived_by     TEXT NOT NULL REFERENCES users(id),
    waived_at     TIMESTAMP NOT NULL,
    UNIQUE (engagement_id, rule_id, subject_id)
);

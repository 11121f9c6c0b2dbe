-- The end of an engagement (R-8.4, R-9.4): the sweep moves an engagement whose end date
-- has passed to `ending` by itself, so a status change may have no user; an early end
-- (`terminated`) keeps its reason. SQLite cannot drop a NOT NULL: the table is rebuilt.
CREATE TABLE status_changes_new (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    -- NULL: the service itself (the daily sweep).
    user_id       TEXT REFERENCES users(id),
    changed_at    TIMESTAMP NOT NULL,
    reason        TEXT
);
INSERT INTO status_changes_new (id, engagement_id, from_status, to_status, user_id, changed_at)
    SELECT id, engagement_id, from_status, to_status, user_id, changed_at FROM status_changes;
DROP TABLE status_changes;
ALTER TABLE status_changes_new RENAME TO status_changes;
CREATE INDEX status_changes_engagement ON status_changes(engagement_id);

-- The end-of-term attestation is a check of the vendor's (the same link, drafts, evidence
-- and signature) whose questionnaire asks about each information item; it meets R-8.4.x
-- or R-9.4.x once accepted, and closing waits for it.
ALTER TABLE checks ADD COLUMN end_of_term BOOLEAN NOT NULL DEFAULT FALSE;

-- The vendor is reminded of an open check or attestation 7 days before and on its due
-- date, once per stage, with a fresh link each time.
CREATE TABLE check_reminders (
    check_id TEXT NOT NULL REFERENCES checks(id),
    stage    TEXT NOT NULL,
    sent_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (check_id, stage)
);

-- The completion record (終了確認書) issued when an engagement closes: kept as issued, in
-- both languages and both formats; its hashes are in the audit log.
CREATE TABLE completion_records (
    engagement_id TEXT PRIMARY KEY REFERENCES engagements(id),
    issued_at     TIMESTAMP NOT NULL,
    html_ja       TEXT NOT NULL,
    html_en       TEXT NOT NULL,
    docx_ja       BLOB NOT NULL,
    docx_en       BLOB NOT NULL,
    sha256_html_ja TEXT NOT NULL,
    sha256_docx_ja TEXT NOT NULL
);

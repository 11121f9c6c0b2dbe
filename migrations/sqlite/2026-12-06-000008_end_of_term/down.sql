DROP TABLE completion_records;
DROP TABLE check_reminders;
ALTER TABLE checks DROP COLUMN end_of_term;
CREATE TABLE status_changes_old (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users(id),
    changed_at    TIMESTAMP NOT NULL
);
INSERT INTO status_changes_old (id, engagement_id, from_status, to_status, user_id, changed_at)
    SELECT id, engagement_id, from_status, to_status, user_id, changed_at FROM status_changes
    WHERE user_id IS NOT NULL;
DROP TABLE status_changes;
ALTER TABLE status_changes_old RENAME TO status_changes;
CREATE INDEX status_changes_engagement ON status_changes(engagement_id);

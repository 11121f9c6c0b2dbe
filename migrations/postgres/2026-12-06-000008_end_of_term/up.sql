-- The end of an engagement (R-8.4, R-9.4): the sweep moves an engagement whose end date
-- has passed to `ending` by itself, so a status change may have no user (NULL: the
-- service itself); an early end (`terminated`) keeps its reason.
ALTER TABLE status_changes ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE status_changes ADD COLUMN reason TEXT;

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
    docx_ja       BYTEA NOT NULL,
    docx_en       BYTEA NOT NULL,
    sha256_html_ja TEXT NOT NULL,
    sha256_docx_ja TEXT NOT NULL
);

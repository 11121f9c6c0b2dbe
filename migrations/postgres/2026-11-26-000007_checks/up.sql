-- Periodic checks, the vendor portal, reviews and findings (issue: questionnaires and
-- the vendor portal; R-7.3, R-7.4, R-8.3.2, R-9.3.3).

-- R-8.3.2: how often this engagement is checked, when it is not the level's default.
ALTER TABLE engagements ADD COLUMN check_interval_months SMALLINT;

-- One questionnaire sent to one vendor contact. The definition is stored as it was sent,
-- so editing a questionnaire file never changes a check already sent or answered.
CREATE TABLE checks (
    id                    TEXT PRIMARY KEY,
    engagement_id         TEXT NOT NULL REFERENCES engagements(id),
    questionnaire_id      TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    definition_json       TEXT NOT NULL,
    -- The obligations an accepted check meets (the definition's rules, space-separated).
    meets_rules           TEXT NOT NULL,
    contact_name          TEXT NOT NULL,
    contact_email         TEXT NOT NULL,
    contact_lang          TEXT NOT NULL,
    state                 TEXT NOT NULL,
    issued_by             TEXT REFERENCES users(id),
    issued_at             TIMESTAMP NOT NULL,
    due_on                DATE NOT NULL,
    submitted_at          TIMESTAMP,
    signed_name           TEXT,
    signed_title          TEXT,
    accepted_by           TEXT REFERENCES users(id),
    accepted_on           DATE,
    score_percent         INTEGER,
    scores_json           TEXT,
    updated_at            TIMESTAMP NOT NULL,
    CHECK (state IN ('sent', 'in_progress', 'submitted', 'returned', 'accepted'))
);
CREATE INDEX checks_engagement ON checks(engagement_id, issued_at);
-- At most one open check of a questionnaire per engagement, whoever issues it: two
-- instances sweeping at once cannot both send one.
CREATE UNIQUE INDEX checks_one_open ON checks(engagement_id, questionnaire_id)
    WHERE state <> 'accepted';

-- The latest answer to each question, as JSON of questionnaires::answers::Answer.
CREATE TABLE check_answers (
    check_id    TEXT NOT NULL REFERENCES checks(id),
    question_id TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (check_id, question_id)
);

-- Evidence files: kept in the database so that every instance sees them; served only
-- as attachments, never inline.
CREATE TABLE check_evidence (
    id           TEXT PRIMARY KEY,
    check_id     TEXT NOT NULL REFERENCES checks(id),
    question_id  TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL
);
CREATE INDEX check_evidence_check ON check_evidence(check_id, question_id);

-- The officer's decisions: accepted, or returned with a comment per question.
CREATE TABLE check_reviews (
    id                    TEXT PRIMARY KEY,
    check_id              TEXT NOT NULL REFERENCES checks(id),
    decision              TEXT NOT NULL,
    comment               TEXT NOT NULL,
    question_comments     TEXT NOT NULL,
    reviewed_by           TEXT NOT NULL REFERENCES users(id),
    reviewed_at           TIMESTAMP NOT NULL,
    CHECK (decision IN ('accept', 'return'))
);
CREATE INDEX check_reviews_check ON check_reviews(check_id, reviewed_at);

-- Portal links: only the SHA-256 of the token is kept. A link opens one check.
CREATE TABLE portal_tokens (
    id           TEXT PRIMARY KEY,
    check_id     TEXT NOT NULL REFERENCES checks(id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE INDEX portal_tokens_check ON portal_tokens(check_id);

-- A non-conforming answer of an accepted check, tracked to its end.
CREATE TABLE findings (
    id                TEXT PRIMARY KEY,
    check_id          TEXT NOT NULL REFERENCES checks(id),
    engagement_id     TEXT NOT NULL REFERENCES engagements(id),
    question_id       TEXT NOT NULL,
    section           TEXT NOT NULL,
    rules             TEXT NOT NULL,
    answer_json       TEXT NOT NULL,
    corrective_action TEXT NOT NULL,
    owner_user_id     TEXT NOT NULL REFERENCES users(id),
    due_on            DATE NOT NULL,
    state             TEXT NOT NULL,
    risk_reason       TEXT,
    risk_approved_by  TEXT REFERENCES users(id),
    closed_at         TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    CHECK (state IN ('open', 'in_progress', 'closed', 'risk_accepted'))
);
CREATE INDEX findings_engagement ON findings(engagement_id, state);

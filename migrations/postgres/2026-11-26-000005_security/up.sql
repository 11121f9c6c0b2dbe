-- The tracker's own security (R-5.5.3.2, R-4.1.4.3, R-5.5.3.6, R-5.5.7, R-5.8.1.3).

-- R-5.5.3.2: TOTP second factor. totp_secret is set once enrolment is confirmed;
-- totp_pending_secret holds a secret shown but not yet confirmed with a code.
-- totp_last_step is the last 30-second step accepted, so a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMP;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- R-4.1.4.3: a one-time password handed out at registration must be replaced at first
-- sign-in.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP;
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;

-- A session passes through stages: 'second_factor' (password accepted, code expected),
-- 'change_password', 'enrol' (second factor to be set up), then 'complete'. Only a
-- complete session reaches the API.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'complete';
ALTER TABLE sessions ADD COLUMN address TEXT;

-- Ten single-use recovery codes per user, kept as SHA-256.
CREATE TABLE recovery_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- Failed sign-ins, counted per account and per address to throttle guessing. Rows older
-- than the window are removed as new ones come in.
CREATE TABLE sign_in_failures (
    id        TEXT PRIMARY KEY,
    account   TEXT NOT NULL,
    address   TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_account ON sign_in_failures(account, failed_at);
CREATE INDEX sign_in_failures_address ON sign_in_failures(address, failed_at);

-- R-5.5.7 / R-5.8.1.3: the audit log. Each entry carries the hash of the one before
-- (prev_hash) and its own hash over its content and prev_hash; the application only ever
-- appends. audit_head is the chain's end and its start after a retention purge, and is
-- the row every append locks, so appends are serialised across instances.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id    TEXT,
    actor       TEXT NOT NULL,
    address     TEXT,
    request_id  TEXT,
    action      TEXT NOT NULL,
    target_type TEXT,
    target_id   TEXT,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_occurred ON audit_log(occurred_at);
CREATE INDEX audit_log_actor ON audit_log(actor_id);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);

CREATE TABLE audit_head (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq        BIGINT NOT NULL,
    last_hash       TEXT NOT NULL,
    first_seq       BIGINT NOT NULL,
    first_prev_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash, first_seq, first_prev_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 1,
        '0000000000000000000000000000000000000000000000000000000000000000');

-- R-5.5.3.6: each confirmed access review: who confirmed it, when, and a note.
CREATE TABLE access_reviews (
    id           TEXT PRIMARY KEY,
    confirmed_by TEXT NOT NULL REFERENCES users(id),
    confirmed_at TIMESTAMP NOT NULL,
    users_count  INTEGER NOT NULL,
    stale_count  INTEGER NOT NULL,
    note         TEXT NOT NULL
);

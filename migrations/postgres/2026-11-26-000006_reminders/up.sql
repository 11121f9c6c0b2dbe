-- Reminders and the email outbox (issue: deadlines, reminders and email).

-- A transactional outbox: a reminder decided and its message are written in one
-- transaction; a worker delivers pending messages, retrying with backoff, and marks a
-- message failed after the configured number of attempts. claimed_until is a short lease
-- taken by the worker sending it, so two workers never send one message at once.
CREATE TABLE outbox (
    id                TEXT PRIMARY KEY,
    recipient_user_id TEXT REFERENCES users(id),
    to_email          TEXT NOT NULL,
    to_name           TEXT NOT NULL,
    lang              TEXT NOT NULL,
    subject           TEXT NOT NULL,
    text_body         TEXT NOT NULL,
    html_body         TEXT NOT NULL,
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMP NOT NULL,
    claimed_until     TIMESTAMP,
    last_error        TEXT,
    created_at        TIMESTAMP NOT NULL,
    sent_at           TIMESTAMP,
    CHECK (status IN ('pending', 'sent', 'failed'))
);
CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);

-- Never twice: one row per deadline, reminder stage and recipient. The sweep inserts it
-- with ON CONFLICT DO NOTHING in the transaction that queues the message; only a row it
-- inserted goes into a message.
CREATE TABLE reminders_sent (
    deadline_key      TEXT NOT NULL,
    stage             TEXT NOT NULL,
    recipient_user_id TEXT NOT NULL REFERENCES users(id),
    outbox_id         TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (deadline_key, stage, recipient_user_id)
);

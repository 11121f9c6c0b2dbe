DROP TABLE reminders_sent;
DROP TABLE outbox;

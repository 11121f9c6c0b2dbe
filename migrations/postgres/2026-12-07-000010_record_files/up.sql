-- Files attached to a record as its evidence: a selection's procurement papers or
-- certificates (R-8.1, R-7.1, R-9.1, R-10.1), the photographs of an inspection (R-7.4),
-- what a supervision saw (R-8.3.1, R-7.3). Kept as uploaded; its hash is in the audit
-- log.
CREATE TABLE engagement_record_files (
    id          TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES engagement_records(id),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    content     BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX engagement_record_files_record ON engagement_record_files(record_id);

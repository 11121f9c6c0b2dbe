-- What a cloud provider's service is, beyond the contract: its ISMAP / ISMAP-LIU listing
-- (R-9.1, R-10.1) and where the ward's data lives (storage, backup and support
-- countries, governing law and court). Each change is a new row, so the history stays;
-- the newest row of each kind is the one in force. `content` holds the typed record
-- (`policy::cloud_service::IsmapListing` or `DataLocation`) as JSON.
CREATE TABLE cloud_service_records (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    kind          TEXT NOT NULL,
    content       TEXT NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(id),
    recorded_at   TIMESTAMP NOT NULL
);
CREATE INDEX cloud_service_records_engagement ON cloud_service_records(engagement_id, kind);

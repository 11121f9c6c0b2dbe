-- What staff record on an engagement as the evidence a rule asks for, in the Standard's
-- words: a selection (R-7.1, R-8.1, R-9.1, R-10.1), the statement that no ward information
-- is handed over (R-8.2, R-7.2, R-9.2), a cloud provider's terms of service accepted as
-- the agreement (R-10.1), the security officer's supervision during the term (R-8.3.1,
-- R-7.3) and the CISO's inspection of a designated manager (R-7.4). Kept as recorded;
-- `details` holds the kind's own fields (parsed into a typed record when read).
CREATE TABLE engagement_records (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements(id),
    kind          TEXT NOT NULL,
    occurred_on   DATE NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users(id),
    -- R-7.4: an inspection by a person the CISO delegated to names the CISO here.
    delegated_by  TEXT REFERENCES users(id),
    details       TEXT NOT NULL,
    recorded_at   TIMESTAMP NOT NULL
);
CREATE INDEX engagement_records_engagement ON engagement_records(engagement_id);

-- A waiver is requested with its reason and approved by a second person (R-2.6); it
-- expires, after which the obligation is owed again. A waiver given before this change
-- was given by a second person already (never by the one who owed it): it stands as
-- approved by them, for one default interval.
ALTER TABLE obligation_waivers ADD COLUMN state TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE obligation_waivers ADD COLUMN decided_by TEXT;
ALTER TABLE obligation_waivers ADD COLUMN decided_at TIMESTAMP;
ALTER TABLE obligation_waivers ADD COLUMN decision_reason TEXT;
ALTER TABLE obligation_waivers ADD COLUMN expires_on DATE;
UPDATE obligation_waivers SET decided_by = waived_by, decided_at = waived_at;
UPDATE obligation_waivers SET expires_on = date(waived_at, '+12 months');

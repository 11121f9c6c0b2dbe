ALTER TABLE obligation_waivers DROP COLUMN expires_on;
ALTER TABLE obligation_waivers DROP COLUMN decision_reason;
ALTER TABLE obligation_waivers DROP COLUMN decided_at;
ALTER TABLE obligation_waivers DROP COLUMN decided_by;
ALTER TABLE obligation_waivers DROP COLUMN state;
DROP TABLE engagement_records;

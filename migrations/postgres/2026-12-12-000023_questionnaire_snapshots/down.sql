CREATE TEMP TABLE refresh_before AS SELECT engagement_id FROM obligation_refresh;
ALTER TABLE checks ADD COLUMN definition_json TEXT;
UPDATE checks SET definition_json = s.definition_json
FROM questionnaire_snapshots s WHERE s.id = checks.snapshot_id;
ALTER TABLE checks ALTER COLUMN definition_json SET NOT NULL;
DELETE FROM obligation_refresh
WHERE engagement_id NOT IN (SELECT engagement_id FROM refresh_before);
DROP TABLE refresh_before;
ALTER TABLE checks DROP COLUMN snapshot_id;
DROP TABLE questionnaire_snapshots;

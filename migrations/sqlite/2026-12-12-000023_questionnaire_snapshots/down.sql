-- Each check carries its copy again.
ALTER TABLE checks ADD COLUMN definition_json TEXT NOT NULL DEFAULT '';
UPDATE checks SET definition_json = (
    SELECT s.definition_json FROM questionnaire_snapshots s WHERE s.id = checks.snapshot_id);
ALTER TABLE checks DROP COLUMN snapshot_id;
DROP TABLE questionnaire_snapshots;

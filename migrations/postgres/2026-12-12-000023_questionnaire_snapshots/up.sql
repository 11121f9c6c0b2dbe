-- A check kept its own copy of the questionnaire it was sent with (about 13 KB), so that
-- editing a questionnaire file never changes a check already sent. At 100,000
-- engagements that was 1.5 GB holding three distinct texts. Each distinct copy is now
-- kept once and checks point to it. A copy is named by the SHA-256 of its text (two
-- instances sending the same questionnaire at once keep one); the copies moved here keep
-- the name of the first check that carried them.
CREATE TABLE questionnaire_snapshots (
    id                    TEXT PRIMARY KEY,
    questionnaire_id      TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    definition_json       TEXT NOT NULL
);
INSERT INTO questionnaire_snapshots (id, questionnaire_id, questionnaire_version, definition_json)
SELECT 'check:' || min(id), questionnaire_id, questionnaire_version, definition_json
FROM checks
GROUP BY questionnaire_id, questionnaire_version, definition_json;
CREATE INDEX questionnaire_snapshots_version
    ON questionnaire_snapshots(questionnaire_id, questionnaire_version);

ALTER TABLE checks ADD COLUMN snapshot_id TEXT REFERENCES questionnaire_snapshots(id);
UPDATE checks SET snapshot_id = s.id
FROM questionnaire_snapshots s
WHERE s.questionnaire_id = checks.questionnaire_id
  AND s.questionnaire_version = checks.questionnaire_version
  AND s.definition_json = checks.definition_json;
ALTER TABLE checks ALTER COLUMN snapshot_id SET NOT NULL;
ALTER TABLE checks DROP COLUMN definition_json;

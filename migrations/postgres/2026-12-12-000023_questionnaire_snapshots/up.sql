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

-- Pointing a check at its copy is no change to its facts: the stored obligations' refresh
-- marks that the update's trigger would leave (one per engagement with an accepted
-- check) are taken back, and any that were there before are kept.
CREATE TEMP TABLE refresh_before AS SELECT engagement_id FROM obligation_refresh;

ALTER TABLE checks ADD COLUMN snapshot_id TEXT REFERENCES questionnaire_snapshots(id);
UPDATE checks SET snapshot_id = s.id
FROM questionnaire_snapshots s
WHERE s.questionnaire_id = checks.questionnaire_id
  AND s.questionnaire_version = checks.questionnaire_version
  AND s.definition_json = checks.definition_json;
ALTER TABLE checks ALTER COLUMN snapshot_id SET NOT NULL;
DELETE FROM obligation_refresh
WHERE engagement_id NOT IN (SELECT engagement_id FROM refresh_before);
DROP TABLE refresh_before;
ALTER TABLE checks DROP COLUMN definition_json;

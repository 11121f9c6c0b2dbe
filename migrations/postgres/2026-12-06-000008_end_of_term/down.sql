DROP TABLE completion_records;
DROP TABLE check_reminders;
ALTER TABLE checks DROP COLUMN end_of_term;
DELETE FROM status_changes WHERE user_id IS NULL;
ALTER TABLE status_changes DROP COLUMN reason;
ALTER TABLE status_changes ALTER COLUMN user_id SET NOT NULL;

ALTER TABLE engagements DROP COLUMN level_raised_on;
DROP TABLE contracts;

DROP TABLE findings;
DROP TABLE portal_tokens;
DROP TABLE check_reviews;
DROP TABLE check_evidence;
DROP TABLE check_answers;
DROP TABLE checks;
ALTER TABLE engagements DROP COLUMN check_interval_months;

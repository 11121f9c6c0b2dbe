DROP INDEX engagement_obligations_due;
DROP INDEX engagement_obligations_division;
DROP INDEX engagement_obligations_assignee;
CREATE INDEX engagement_obligations_due ON engagement_obligations(due_on, engagement_id, rule_id);
CREATE INDEX engagement_obligations_division ON engagement_obligations(division_id, due_on);
CREATE INDEX engagement_obligations_assignee ON engagement_obligations(assignee_user_id, due_on);

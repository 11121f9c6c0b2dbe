-- The register-wide list of obligations, its state filters and its totals, read from
-- the index alone: each index holds the list's order (due date, engagement, rule,
-- position) and every column the state on a day is decided from (`in_state!` in
-- db/obligations.rs). A page's keys are read from it and only the page's rows are
-- joined to their engagements.
DROP INDEX engagement_obligations_due;
DROP INDEX engagement_obligations_division;
CREATE INDEX engagement_obligations_due ON engagement_obligations
    (due_on, engagement_id, rule_id, position, met_on, met_until, waiver_by, waived_until);
CREATE INDEX engagement_obligations_division ON engagement_obligations
    (division_id, due_on, engagement_id, rule_id, position, met_on, met_until, waiver_by,
     waived_until);
-- Only named assignees: a look-up by role ("assignee IS NULL AND role = …") must not
-- be planned on this index, where the unassigned rows are most of the table.
DROP INDEX engagement_obligations_assignee;
CREATE INDEX engagement_obligations_assignee ON engagement_obligations (assignee_user_id, due_on)
    WHERE assignee_user_id IS NOT NULL;
